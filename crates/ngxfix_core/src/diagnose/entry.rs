//! One nginx error-log record -> [`Entry`], borrowing from the record's
//! bytes (no allocation per line).
//!
//! The layout is nginx's `ngx_log_error_core()` (src/core/ngx_log.c): the
//! cached time `YYYY/MM/DD HH:MM:SS`, ` [LEVEL] `, `PID#TID: `, `*CONN `
//! when the log belongs to a connection, the message, ` (ERRNO: TEXT)` for
//! a system error, then the log handler's text. For HTTP that handler is
//! `ngx_http_log_error()` / `ngx_http_log_error_handler()`
//! (src/http/ngx_http_request.c): ` while ACTION`, `, client: ADDR`, then
//! `, server: NAME`, `, request: "LINE"`, `, subrequest: "URI"`,
//! `, upstream: "SCHEMA PEER [:] URI"`, `, host: "HOST"`, `, referrer:
//! "REFERER"`, each only when known, in that order. Values are written
//! unescaped, so a message (a path from a URI, FastCGI stderr) may contain
//! `, ` or even `, client: `: the fields are read from the end. nginx caps
//! a record at 2048 bytes (`NGX_MAX_ERROR_STR`), so the last field of a
//! long line may lack its closing quote. Reading from the end has one
//! blind spot: a client can put `, client: ...` into its own Referer or
//! Host header, and its line is then split at that point (its message
//! keeps the real fields, so it is counted as an unrecognised upstream
//! error instead of its signature). A message may contain newlines
//! (FastCGI stderr): the record then spans several lines and its fields
//! sit at the end of the last one.

use memchr::memmem;
use std::sync::LazyLock;

/// The error-log severities, as nginx names them (`err_levels[]` in
/// src/core/ngx_log.c), most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Emerg,
    Alert,
    Crit,
    Error,
    Warn,
    Notice,
    Info,
    Debug,
}

impl Level {
    /// Every level, most severe first.
    pub const ALL: [Level; 8] = [
        Level::Emerg,
        Level::Alert,
        Level::Crit,
        Level::Error,
        Level::Warn,
        Level::Notice,
        Level::Info,
        Level::Debug,
    ];

    /// nginx's name for the level.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Emerg => "emerg",
            Level::Alert => "alert",
            Level::Crit => "crit",
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    fn parse(text: &[u8]) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|level| level.as_str().as_bytes() == text)
    }
}

/// A log timestamp as nginx writes it (local time, no zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Timestamp {
    /// Minutes since 1970-01-01 00:00 (as if the local time were UTC):
    /// a key for per-minute counts.
    pub fn minutes(self) -> i64 {
        days_from_civil(self.year.into(), self.month.into(), self.day.into()) * 1440
            + i64::from(self.hour) * 60
            + i64::from(self.minute)
    }

    /// The start of the minute `minutes` (see [`Timestamp::minutes`]).
    pub(crate) fn from_minutes(minutes: i64) -> Timestamp {
        let (year, month, day) = civil_from_days(minutes.div_euclid(1440));
        let in_day = minutes.rem_euclid(1440);
        Timestamp {
            year: year.clamp(0, 9999) as u16,
            month: month as u8,
            day: day as u8,
            hour: (in_day / 60) as u8,
            minute: (in_day % 60) as u8,
            second: 0,
        }
    }
}

impl std::fmt::Display for Timestamp {
    /// nginx's format: `2026/11/24 13:39:35`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}/{:02}/{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// One error-log record: the first line and any continuation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    pub time: Timestamp,
    pub level: Level,
    pub pid: u64,
    pub tid: u64,
    /// The connection number (`*N`), when the log belonged to one.
    pub connection: Option<u64>,
    /// The message with its ` (ERRNO: TEXT)` and ` while ACTION`, without
    /// the trailing fields; it contains the newlines of a multi-line record.
    pub message: &'a [u8],
    pub client: Option<&'a [u8]>,
    pub server: Option<&'a [u8]>,
    pub request: Option<&'a [u8]>,
    pub subrequest: Option<&'a [u8]>,
    pub upstream: Option<&'a [u8]>,
    pub host: Option<&'a [u8]>,
    pub referrer: Option<&'a [u8]>,
    /// The last field had no closing quote: nginx cut the line at its
    /// 2048-byte limit (or the file ended inside it).
    pub truncated: bool,
}

/// Why a line that starts like an entry is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    Timestamp,
    Level,
    Pid,
}

/// Whether a line starts like an entry: a date `DDDD/DD/DD`. Lines that do
/// not are continuation lines of the previous entry's message.
pub(crate) fn starts_entry(line: &[u8]) -> bool {
    line.len() >= 10
        && line[4] == b'/'
        && line[7] == b'/'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| line[i].is_ascii_digit())
}

/// Parse one record (an entry line, possibly followed by its continuation
/// lines, without the final line feed).
pub fn parse(record: &[u8]) -> Result<Entry<'_>, Malformed> {
    let record = record.strip_suffix(b"\r").unwrap_or(record);
    let time = timestamp(record).ok_or(Malformed::Timestamp)?;
    let rest = &record[19..];
    let rest = rest.strip_prefix(b" [").ok_or(Malformed::Level)?;
    let close = memchr::memchr(b']', &rest[..rest.len().min(8)]).ok_or(Malformed::Level)?;
    let level = Level::parse(&rest[..close]).ok_or(Malformed::Level)?;
    let rest = rest[close + 1..]
        .strip_prefix(b" ")
        .ok_or(Malformed::Level)?;
    let (pid, rest) = number(rest).ok_or(Malformed::Pid)?;
    let rest = rest.strip_prefix(b"#").ok_or(Malformed::Pid)?;
    let (tid, rest) = number(rest).ok_or(Malformed::Pid)?;
    let rest = rest.strip_prefix(b": ").ok_or(Malformed::Pid)?;
    let (connection, rest) = match rest.strip_prefix(b"*").and_then(number) {
        Some((n, after)) if after.first() == Some(&b' ') => (Some(n), &after[1..]),
        _ => (None, rest),
    };
    let mut entry = Entry {
        time,
        level,
        pid,
        tid,
        connection,
        message: rest,
        client: None,
        server: None,
        request: None,
        subrequest: None,
        upstream: None,
        host: None,
        referrer: None,
        truncated: false,
    };
    // Debug lines never get the handler's fields (`level != NGX_LOG_DEBUG`
    // in ngx_log_error_core).
    if level != Level::Debug {
        trailing_fields(&mut entry);
    }
    Ok(entry)
}

fn timestamp(line: &[u8]) -> Option<Timestamp> {
    if line.len() < 19 || !starts_entry(line) {
        return None;
    }
    let two = |at: usize| -> Option<u8> {
        let (a, b) = (line[at], line[at + 1]);
        (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'))
    };
    if line[10] != b' ' || line[13] != b':' || line[16] != b':' {
        return None;
    }
    let year = u16::from(two(0)?) * 100 + u16::from(two(2)?);
    let t = Timestamp {
        year,
        month: two(5)?,
        day: two(8)?,
        hour: two(11)?,
        minute: two(14)?,
        second: two(17)?,
    };
    let valid = (1..=12).contains(&t.month)
        && (1..=31).contains(&t.day)
        && t.hour < 24
        && t.minute < 60
        && t.second < 61;
    valid.then_some(t)
}

/// A decimal number (at most 19 digits) and what follows it.
fn number(text: &[u8]) -> Option<(u64, &[u8])> {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 {
        return None;
    }
    let value = text[..digits]
        .iter()
        .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    Some((value, &text[digits..]))
}

static CLIENT: LazyLock<memmem::FinderRev<'static>> =
    LazyLock::new(|| memmem::FinderRev::new(b", client: "));
static QUOTE_OPEN: LazyLock<memmem::FinderRev<'static>> =
    LazyLock::new(|| memmem::FinderRev::new(b": \""));

/// The quoted fields after `server`, in nginx's order.
const QUOTED: [&[u8]; 5] = [b"request", b"subrequest", b"upstream", b"host", b"referrer"];

/// Split the handler's fields off the end of the message.
fn trailing_fields(entry: &mut Entry<'_>) {
    let text = entry.message;
    let Some(at) = CLIENT.rfind(text) else {
        return;
    };
    entry.message = &text[..at];
    let tail = &text[at + b", client: ".len()..];
    // The client address and the server name hold no ", " (an address is
    // `addr_text`; a server name is one token of `server_name`).
    let (client, rest) = split_comma(tail);
    entry.client = Some(client);
    let Some(rest) = rest.and_then(|r| r.strip_prefix(b"server: ")) else {
        return;
    };
    // The server name is empty with `server_name ""`: `server: , request:`.
    let quoted_start = memmem::find(rest, b", ").filter(|&i| {
        let after = &rest[i + 2..];
        QUOTED
            .iter()
            .any(|name| after.starts_with(name) && after[name.len()..].starts_with(b": \""))
    });
    let Some(start) = quoted_start else {
        entry.server = Some(rest);
        return;
    };
    entry.server = Some(&rest[..start]);
    quoted_fields(entry, &rest[start..]);
}

fn split_comma(text: &[u8]) -> (&[u8], Option<&[u8]>) {
    match memmem::find(text, b", ") {
        Some(i) => (&text[..i], Some(&text[i + 2..])),
        None => (text, None),
    }
}

/// `, request: "..."` ... `, referrer: "..."`, read from the end: each
/// `: "` is taken as a field start only when a known name, later in
/// nginx's order than the one before it, precedes it; a value may then
/// contain `", ` or `: "` itself. The last value may lack its quote.
fn quoted_fields<'a>(entry: &mut Entry<'a>, text: &'a [u8]) {
    let mut end = text.len();
    let mut search = text.len();
    // Fields still allowed: those before the last one found.
    let mut allowed = QUOTED.len();
    let mut last = true;
    while let Some(colon) = QUOTE_OPEN.rfind(&text[..search]) {
        search = colon;
        let before = &text[..colon];
        let Some(index) = QUOTED[..allowed].iter().position(|name| {
            before.ends_with(name) && before[..before.len() - name.len()].ends_with(b", ")
        }) else {
            continue;
        };
        let value = &text[colon + 3..end];
        let value = match value.strip_suffix(b"\"") {
            Some(v) => v,
            None if last => {
                entry.truncated = true;
                value
            }
            // A quote that closes nothing: not a field boundary.
            None => continue,
        };
        let slot = match index {
            0 => &mut entry.request,
            1 => &mut entry.subrequest,
            2 => &mut entry.upstream,
            3 => &mut entry.host,
            _ => &mut entry.referrer,
        };
        *slot = Some(value);
        end = colon - QUOTED[index].len() - 2;
        search = end;
        allowed = index;
        last = false;
        if end == 0 {
            break;
        }
    }
}

impl Entry<'_> {
    /// The request method (`POST` in `request: "POST /api HTTP/1.1"`).
    pub fn method(&self) -> Option<&[u8]> {
        let request = self.request?;
        let end = memchr::memchr(b' ', request).unwrap_or(request.len());
        Some(&request[..end]).filter(|m| !m.is_empty())
    }
}

/// The peer of an `upstream` field: `10.0.0.1:8000` in
/// `http://10.0.0.1:8000/api`, `unix:/run/app.sock` in
/// `http://unix:/run/app.sock:/api` (nginx puts a `:` between a socket
/// path and the URI), `[::1]:8000`, or an upstream name (`app` in
/// `http://app/x`) when nginx logs one (`no live upstreams`).
pub(crate) fn upstream_address(upstream: &[u8]) -> &[u8] {
    let rest = match memmem::find(upstream, b"://") {
        Some(i) => &upstream[i + 3..],
        None => upstream,
    };
    if let Some(path) = rest.strip_prefix(b"unix:") {
        let end = memchr::memchr(b':', path).unwrap_or(path.len());
        return &rest[..5 + end];
    }
    let end = memchr::memchr(b'/', rest).unwrap_or(rest.len());
    &rest[..end]
}

/// The scheme of an `upstream` field (`http`, `fastcgi`, `uwsgi`, ...).
pub(crate) fn upstream_scheme(upstream: &[u8]) -> Option<&[u8]> {
    memmem::find(upstream, b"://").map(|i| &upstream[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &[u8] = b"2026/11/24 13:39:35 [error] 13980#13981: *17 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: _, request: \"POST /api HTTP/1.1\", upstream: \"http://127.0.0.1:8000/api\", host: \"localhost:8080\", referrer: \"https://example.com/\"";

    #[test]
    fn every_field() {
        let e = parse(FULL).unwrap();
        assert_eq!(e.time.to_string(), "2026/11/24 13:39:35");
        assert_eq!(e.level, Level::Error);
        assert_eq!((e.pid, e.tid, e.connection), (13980, 13981, Some(17)));
        assert_eq!(
            e.message,
            b"recv() failed (104: Connection reset by peer) while reading response header from upstream"
        );
        assert_eq!(e.client, Some(&b"127.0.0.1"[..]));
        assert_eq!(e.server, Some(&b"_"[..]));
        assert_eq!(e.request, Some(&b"POST /api HTTP/1.1"[..]));
        assert_eq!(e.subrequest, None);
        assert_eq!(e.upstream, Some(&b"http://127.0.0.1:8000/api"[..]));
        assert_eq!(e.host, Some(&b"localhost:8080"[..]));
        assert_eq!(e.referrer, Some(&b"https://example.com/"[..]));
        assert_eq!(e.method(), Some(&b"POST"[..]));
        assert!(!e.truncated);
    }

    #[test]
    fn subrequest_and_crlf() {
        let line = b"2026/11/24 13:39:35 [error] 1#1: *2 upstream timed out (110: Connection timed out) while reading response header from upstream, client: ::1, server: api.example.com, request: \"GET /page HTTP/1.1\", subrequest: \"/auth\", upstream: \"http://[::1]:9000/auth\", host: \"api.example.com\"\r";
        let e = parse(line).unwrap();
        assert_eq!(e.client, Some(&b"::1"[..]));
        assert_eq!(e.server, Some(&b"api.example.com"[..]));
        assert_eq!(e.subrequest, Some(&b"/auth"[..]));
        assert_eq!(e.host, Some(&b"api.example.com"[..]));
        assert_eq!(upstream_address(e.upstream.unwrap()), b"[::1]:9000");
    }

    #[test]
    fn no_connection_and_no_fields() {
        let e =
            parse(b"2026/11/24 13:39:35 [notice] 20566#20566: start worker process 20568").unwrap();
        assert_eq!(e.level, Level::Notice);
        assert_eq!(e.connection, None);
        assert_eq!(e.message, b"start worker process 20568");
        assert_eq!(e.client, None);
        // `*` not followed by a number and a space is message text.
        let e = parse(b"2026/11/24 13:39:35 [warn] 1#1: *weird").unwrap();
        assert_eq!((e.connection, e.message), (None, &b"*weird"[..]));
    }

    #[test]
    fn client_without_request() {
        // ngx_http_log_error without a request: `server:` is the listen
        // address.
        let e = parse(b"2026/11/24 13:39:35 [info] 7#7: *9 client timed out (110: Connection timed out) while waiting for request, client: 10.1.2.3, server: 0.0.0.0:443").unwrap();
        assert_eq!(
            e.message,
            b"client timed out (110: Connection timed out) while waiting for request"
        );
        assert_eq!(e.client, Some(&b"10.1.2.3"[..]));
        assert_eq!(e.server, Some(&b"0.0.0.0:443"[..]));
        assert_eq!(e.request, None);
    }

    #[test]
    fn commas_and_quotes_inside_values() {
        let line = b"2026/11/24 13:39:35 [error] 1#1: *3 open() \"/srv/a, client: x\" failed (2: No such file or directory), client: 1.2.3.4, server: , request: \"GET /a\", host: \"b HTTP/1.1\", host: \"evil\", referrer: \"x: \"y\"";
        let e = parse(line).unwrap();
        assert_eq!(
            e.message,
            b"open() \"/srv/a, client: x\" failed (2: No such file or directory)"
        );
        assert_eq!(e.server, Some(&b""[..]));
        // The request line itself contained `", host: "`: read from the end,
        // the last `host` wins and the rest stays in the request.
        assert_eq!(e.request, Some(&b"GET /a\", host: \"b HTTP/1.1"[..]));
        assert_eq!(e.host, Some(&b"evil"[..]));
        assert_eq!(e.referrer, Some(&b"x: \"y"[..]));
    }

    #[test]
    fn truncated_line() {
        // Cut inside the upstream value, as at nginx's 2048-byte limit.
        let e = parse(&FULL[..FULL.len() - 60]).unwrap();
        assert!(e.truncated);
        assert_eq!(e.request, Some(&b"POST /api HTTP/1.1"[..]));
        assert_eq!(e.upstream, Some(&b"http://127.0.0.1:8000/ap"[..]));
        assert_eq!(e.host, None);
        // Cut inside the message: no fields at all, still an entry.
        let e = parse(&FULL[..60]).unwrap();
        assert_eq!(e.message, b"recv() failed (");
        assert_eq!(e.client, None);
    }

    #[test]
    fn multi_line_record() {
        let record = b"2026/11/24 13:39:35 [error] 5#5: *8 FastCGI sent in stderr: \"PHP message: boom\nStack trace:\n#0 {main}\" while reading response header from upstream, client: 1.1.1.1, server: x, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/fpm.sock:\", host: \"x\"";
        let e = parse(record).unwrap();
        assert!(e
            .message
            .ends_with(b"{main}\" while reading response header from upstream"));
        assert_eq!(
            upstream_address(e.upstream.unwrap()),
            b"unix:/run/php/fpm.sock"
        );
        assert_eq!(upstream_scheme(e.upstream.unwrap()), Some(&b"fastcgi"[..]));
    }

    #[test]
    fn malformed() {
        assert_eq!(parse(b"2026/11/24 garbage"), Err(Malformed::Timestamp));
        assert_eq!(
            parse(b"2026/13/24 13:39:35 [error] 1#1: x"),
            Err(Malformed::Timestamp)
        );
        assert_eq!(
            parse(b"2026/11/24 13:39:35 [fatal] 1#1: x"),
            Err(Malformed::Level)
        );
        assert_eq!(
            parse(b"2026/11/24 13:39:35 [error] x#1: x"),
            Err(Malformed::Pid)
        );
        assert_eq!(
            parse(b"2026/11/24 13:39:35 [error] 1#1 x"),
            Err(Malformed::Pid)
        );
        assert_eq!(parse(b"2026/11/24 13:39:35 [error]"), Err(Malformed::Level));
        assert_eq!(
            parse(b"2026/11/24 13:39:35 [error] 99999999999999999999#1: x"),
            Err(Malformed::Pid)
        );
        assert!(!starts_entry(b"\tat java.lang.Thread.run"));
        assert!(!starts_entry(b"2026-11-24 13:39:35"));
    }

    #[test]
    fn invalid_utf8_is_kept_as_bytes() {
        let line = b"2026/11/24 13:39:35 [error] 1#1: *1 upstream sent invalid header: \"\xff\xfe\\x01...\" while reading response header from upstream, client: 1.1.1.1, server: _, request: \"GET /\xc3\x28 HTTP/1.1\", upstream: \"http://10.0.0.1:80/\", host: \"h\"";
        let e = parse(line).unwrap();
        assert!(e
            .message
            .starts_with(b"upstream sent invalid header: \"\xff\xfe"));
        assert_eq!(e.request, Some(&b"GET /\xc3\x28 HTTP/1.1"[..]));
    }

    #[test]
    fn addresses() {
        assert_eq!(
            upstream_address(b"http://10.0.0.1:8000/x"),
            b"10.0.0.1:8000"
        );
        assert_eq!(
            upstream_address(b"fastcgi://127.0.0.1:9000"),
            b"127.0.0.1:9000"
        );
        assert_eq!(
            upstream_address(b"http://unix:/tmp/a.sock://x?a=1"),
            b"unix:/tmp/a.sock"
        );
        assert_eq!(upstream_address(b"http://app/pair/x"), b"app");
        assert_eq!(upstream_address(b""), b"");
    }

    #[test]
    fn minutes_round_trip() {
        let t = parse(FULL).unwrap().time;
        let back = Timestamp::from_minutes(t.minutes());
        assert_eq!(back.to_string(), "2026/11/24 13:39:00");
        let leap = Timestamp {
            year: 2024,
            month: 2,
            day: 29,
            hour: 23,
            minute: 59,
            second: 0,
        };
        assert_eq!(Timestamp::from_minutes(leap.minutes()), leap);
        assert_eq!(
            Timestamp::from_minutes(leap.minutes() + 1).to_string(),
            "2024/03/01 00:00:00"
        );
    }

    proptest::proptest! {
        /// Any bytes, and any cut or corruption of a real line: a result,
        /// never a panic, with every field inside the input.
        #[test]
        fn never_panics(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            cut in 0usize..400,
            flips in proptest::collection::vec((0usize..400, proptest::prelude::any::<u8>()), 0..6),
        ) {
            let _ = parse(&bytes);
            let mut line = FULL[..cut.min(FULL.len())].to_vec();
            for (at, byte) in flips {
                if at < line.len() {
                    line[at] = byte;
                }
            }
            if let Ok(e) = parse(&line) {
                let inside = |f: Option<&[u8]>| f.is_none_or(|v| v.len() <= line.len());
                proptest::prop_assert!(e.message.len() <= line.len());
                proptest::prop_assert!(inside(e.request) && inside(e.upstream) && inside(e.host));
                let _ = e.method();
                let _ = e.upstream.map(upstream_address);
            }
        }
    }
}
