//! uWSGI: the `[uwsgi]` section of `uwsgi.ini`, read the way uWSGI's own
//! ini parser reads it (unbit/uwsgi `core/ini.c`), and the HTTP mode it
//! serves, which decides what happens to an idle connection:
//!
//! - `http11-socket`: keeps a connection alive for `socket-timeout`
//!   seconds (default 4, `core/init.c`; the kinds table's `uwsgi-http11`).
//! - `http-socket` / `https-socket`: closes the connection after every
//!   response without sending `Connection: close`.
//! - the `http` router: closes after every response unless
//!   `http-keepalive` is set; `http-keepalive = N` with N > 1 waits N
//!   seconds, `http-keepalive = 1` waits `http-timeout` (default 60,
//!   `plugins/http/http.c` `hr_instance_read`, `core/corerouter.c`).
//! - only uwsgi-protocol sockets (`socket`): not HTTP at all; nginx
//!   reaches them with `uwsgi_pass`, which never keeps connections alive.
//!
//! How uWSGI reads the file (verified against uWSGI 2.0.21): option names
//! match exactly (`socket_timeout` is an unknown name and ignored);
//! comments are whole lines starting with `;` or `#`, so `key = 2 ; note`
//! has the value `2 ; note`; integer options go through `atoi` (`3s` is 3,
//! `true` and an empty value are 0, a negative one stops uWSGI); a later
//! line overrides an earlier one; `%(..)`, `$(..)`, `@(..)` and `%x`
//! placeholders are expanded when the file is loaded; `if-*` / `for`
//! blocks up to `endif` / `end` apply only when their condition holds.

use crate::format::{need, Need, ServerFormat};
use crate::kinds::ServerKind;
use crate::{text, Edit, Idle, RaiseError, Reading, Source};
use ngxfix_text::Duration;

/// One `key = value` line of the `[uwsgi]` section.
#[derive(Debug)]
struct Entry<'a> {
    key: &'a str,
    /// Without surrounding blanks; empty when the line has no value.
    value: &'a str,
    /// Byte offset of the value (where it would start when empty).
    value_at: usize,
    /// Byte offset of the key.
    key_at: usize,
    /// What separates key and value (`" = "`, `"="`), or `None` for a
    /// line without `=`.
    sep: Option<&'a str>,
    /// 1-based line number.
    line: usize,
    /// The `if-*` / `for` line of the block the entry sits in.
    block: Option<usize>,
}

impl Entry<'_> {
    fn shown(&self) -> String {
        match self.sep {
            Some(_) if !self.value.is_empty() => format!("{} = {}", self.key, self.value),
            _ => self.key.to_string(),
        }
    }

    fn at(&self) -> String {
        format!("{} at line {}", self.shown(), self.line)
    }
}

/// The `[uwsgi]` section of a file.
struct Ini<'a> {
    entries: Vec<Entry<'a>>,
    /// Whether a `[uwsgi]` header was seen at all.
    has_section: bool,
}

/// The blanks uWSGI trims around lines, keys and values.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r')
}

fn parse(text: &str) -> Ini<'_> {
    let mut ini = Ini {
        entries: Vec::new(),
        has_section: false,
    };
    let mut in_uwsgi = false;
    let mut block: Option<usize> = None;
    for (number, (at, raw)) in text::lines(text).enumerate() {
        let trimmed = raw.trim_matches(is_blank);
        if trimmed.is_empty() {
            continue;
        }
        let start = at + (raw.len() - raw.trim_start_matches(is_blank).len());
        if trimmed.starts_with('[') {
            // uWSGI drops the first and the last byte, whatever they are.
            let bytes = trimmed.as_bytes();
            in_uwsgi = bytes.len() >= 2 && &bytes[1..bytes.len() - 1] == b"uwsgi";
            ini.has_section |= in_uwsgi;
            continue;
        }
        if trimmed.starts_with(';') || trimmed.starts_with('#') || !in_uwsgi {
            continue;
        }
        let line = number + 1;
        let entry = entry(trimmed, start, line, block);
        // uWSGI's logic options: one level, closed by any `end*` key.
        if matches!(entry.key, "end" | "endif" | "endfor" | "end-if" | "end-for") {
            block = None;
            continue;
        }
        if block.is_none() && is_block_opener(entry.key) {
            block = Some(line);
            continue;
        }
        ini.entries.push(entry);
    }
    ini
}

/// The entry of a non-blank, non-comment line `trimmed` starting at byte
/// `start`: key and value split at the first `=`, as uWSGI splits them.
fn entry(trimmed: &str, start: usize, line: usize, block: Option<usize>) -> Entry<'_> {
    let Some((key, value)) = trimmed.split_once('=') else {
        return Entry {
            key: trimmed,
            value: "",
            value_at: start + trimmed.len(),
            key_at: start,
            sep: None,
            line,
            block,
        };
    };
    let key_part = key.trim_end_matches(is_blank);
    let value_part = value.trim_start_matches(is_blank);
    let value_from = key.len() + 1 + (value.len() - value_part.len());
    Entry {
        key: key_part,
        value: value_part,
        value_at: start + value_from,
        key_at: start,
        sep: Some(&trimmed[key_part.len()..value_from]),
        line,
        block,
    }
}

fn is_block_opener(key: &str) -> bool {
    key.starts_with("if-") || key == "for" || key.starts_with("for-")
}

/// Keys that load more configuration, which may set what this file does not.
const INCLUDES: &[&str] = &[
    "ini", "include", "inherit", "config", "yaml", "yml", "json", "js", "xml", "sqlite3", "ldap",
];

/// How uWSGI serves the connections nginx opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `http11-socket`.
    Http11,
    /// `http-socket`, `https-socket`.
    HttpSocket,
    /// The `http` / `https` router.
    Router,
    /// A FastCGI socket.
    FastCgi,
    /// uwsgi-protocol or SCGI sockets.
    NotHttp,
}

impl Mode {
    fn of(key: &str) -> Option<Mode> {
        Some(match key {
            "http11-socket" => Mode::Http11,
            "http-socket" | "https-socket" => Mode::HttpSocket,
            "http" | "httprouter" | "https" | "https2" => Mode::Router,
            "fastcgi-socket" | "fastcgi-nph-socket" => Mode::FastCgi,
            "socket" | "uwsgi-socket" | "suwsgi-socket" | "ssl-socket" | "puwsgi-socket"
            | "scgi-socket" | "scgi-nph-socket" => Mode::NotHttp,
            _ => return None,
        })
    }

    fn kind(self) -> &'static str {
        match self {
            Mode::Http11 => "uwsgi-http11",
            Mode::HttpSocket => "uwsgi-http-socket",
            Mode::Router => "uwsgi-http",
            Mode::FastCgi | Mode::NotHttp => "uwsgi",
        }
    }

    fn is_http(self) -> bool {
        matches!(self, Mode::Http11 | Mode::HttpSocket | Mode::Router)
    }
}

/// How to make a mode wait longer.
#[derive(Debug)]
enum Raise<'e> {
    /// Set `key` to at least `min` seconds: in `entry` when the file has
    /// it, else on a new line after `anchor`.
    Set {
        key: &'static str,
        entry: Option<&'e Entry<'e>>,
        anchor: &'e Entry<'e>,
        min: u64,
    },
    /// It cannot be raised in this file: why.
    Cannot(RaiseError),
}

/// What one mode of the file does with an idle connection.
#[derive(Debug)]
struct Judgment<'e> {
    idle: Idle,
    kind: &'static str,
    detail: String,
    raise: Raise<'e>,
}

impl<'e> Judgment<'e> {
    fn unknown(kind: &'static str, why: String) -> Self {
        Judgment {
            idle: Idle::Unknown(why.clone()),
            kind,
            detail: why.clone(),
            raise: Raise::Cannot(RaiseError::Unknown(why)),
        }
    }
}

/// The value of an integer option as uWSGI's `atoi` reads it.
enum Int {
    Secs(u64),
    Negative,
    TooLarge,
}

fn atoi(value: &str) -> Int {
    let (negative, rest) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let n = match rest[..digits].trim_start_matches('0') {
        "" => 0,
        d if d.len() > 10 => return Int::TooLarge,
        d => d.parse::<u64>().unwrap_or(u64::MAX),
    };
    if n > i32::MAX as u64 {
        Int::TooLarge
    } else if negative && n > 0 {
        Int::Negative
    } else {
        Int::Secs(n)
    }
}

/// Why a value cannot be read as a plain number, if it cannot.
fn unreadable(entry: &Entry<'_>, ini: &Ini<'_>) -> Option<String> {
    if let Some(open) = entry.block {
        return Some(format!(
            "{} is inside the block opened at line {open}: it applies only when that condition holds",
            entry.at()
        ));
    }
    let v = entry.value;
    if v.contains('%') || v.contains("$(") || v.contains("@(") {
        return Some(format!(
            "{} uses a placeholder uWSGI expands when it loads the file",
            entry.at()
        ));
    }
    if let Some(include) = include_after(ini, entry.line) {
        return Some(format!(
            "{} may be overridden by {}, loaded after it",
            entry.at(),
            include.at()
        ));
    }
    None
}

fn include_after<'a>(ini: &'a Ini<'a>, line: usize) -> Option<&'a Entry<'a>> {
    ini.entries
        .iter()
        .find(|e| e.line > line && INCLUDES.contains(&e.key))
}

fn any_include<'a>(ini: &'a Ini<'a>) -> Option<&'a Entry<'a>> {
    ini.entries.iter().find(|e| INCLUDES.contains(&e.key))
}

/// The last unconditional-or-not line setting `key` (the one that wins).
fn last<'a>(ini: &'a Ini<'a>, key: &str) -> Option<&'a Entry<'a>> {
    ini.entries.iter().rev().find(|e| e.key == key)
}

/// A line spelling `key` with `_` (uWSGI ignores it), for messages.
fn misspelt<'a>(ini: &'a Ini<'a>, key: &str) -> Option<&'a Entry<'a>> {
    ini.entries
        .iter()
        .rev()
        .find(|e| e.key != key && e.key.replace('_', "-") == key)
}

fn misspelt_note(ini: &Ini<'_>, key: &str) -> String {
    misspelt(ini, key)
        .map(|e| format!(" ({} is ignored: uWSGI only knows the name {key})", e.at()))
        .unwrap_or_default()
}

/// A value uWSGI does not take as a number of seconds: the line, as
/// `Entry::at` shows it.
#[derive(Debug, thiserror::Error)]
enum BadSeconds {
    #[error("{0}: uWSGI refuses a negative value and does not start")]
    Negative(String),
    #[error("{0}: the number is out of range")]
    OutOfRange(String),
}

/// A number of seconds read from `entry`, with a note when uWSGI reads
/// the text differently from how it looks.
fn seconds(entry: &Entry<'_>) -> Result<(u64, String), BadSeconds> {
    match atoi(entry.value) {
        Int::Secs(n) => {
            let plain = !entry.value.is_empty() && entry.value.bytes().all(|b| b.is_ascii_digit());
            let note = if plain {
                String::new()
            } else {
                format!(" (uWSGI reads it as {n})")
            };
            Ok((n, note))
        }
        Int::Negative => Err(BadSeconds::Negative(entry.at())),
        Int::TooLarge => Err(BadSeconds::OutOfRange(entry.at())),
    }
}

/// The unconditional `add-header = Connection: close` line, if any.
fn announces_close<'a>(ini: &'a Ini<'a>) -> Option<&'a Entry<'a>> {
    ini.entries.iter().find(|e| {
        e.key == "add-header"
            && e.block.is_none()
            && e.value.split_once(':').is_some_and(|(name, value)| {
                name.trim().eq_ignore_ascii_case("connection")
                    && value.trim().eq_ignore_ascii_case("close")
            })
    })
}

fn judge<'e>(
    ini: &'e Ini<'e>,
    mode: Mode,
    at: &'e Entry<'e>,
    version: Option<u32>,
) -> Judgment<'e> {
    let kind = mode.kind();
    if let Some(open) = at.block {
        return Judgment::unknown(
            kind,
            format!(
                "{} is inside the block opened at line {open}: uWSGI serves it only when that condition holds",
                at.at()
            ),
        );
    }
    if mode.is_http() {
        if let Some(close) = announces_close(ini) {
            let why = format!(
                "{} adds Connection: close to every response ({}): nginx does not reuse the connections",
                close.at(),
                at.at()
            );
            return Judgment {
                idle: Idle::NoKeepalive,
                kind,
                detail: why.clone(),
                raise: Raise::Cannot(RaiseError::NothingToKeep(why)),
            };
        }
    }
    match mode {
        Mode::Http11 => judge_http11(ini, at, version),
        Mode::Router => judge_router(ini, at),
        Mode::HttpSocket => {
            let detail = format!(
                "{}: uWSGI closes the connection after every response without sending Connection: close",
                at.at()
            );
            Judgment {
                idle: Idle::AfterEachResponse,
                kind,
                raise: Raise::Cannot(RaiseError::Pointless(format!(
                    "{detail}; there is no timeout to raise: serve HTTP with http11-socket (keeps connections alive for socket-timeout) or set `keepalive 0` in the nginx upstream"
                ))),
                detail,
            }
        }
        Mode::NotHttp => {
            let detail = format!(
                "{} speaks the uwsgi protocol, not HTTP: nginx reaches it with uwsgi_pass, which never keeps upstream connections alive",
                at.at()
            );
            Judgment {
                idle: Idle::NoKeepalive,
                kind,
                raise: Raise::Cannot(RaiseError::Pointless(format!("{detail}; nothing to raise"))),
                detail,
            }
        }
        Mode::FastCgi => Judgment::unknown(
            kind,
            format!(
                "{} serves FastCGI, not HTTP: ngxfix does not know how uWSGI keeps FastCGI connections",
                at.at()
            ),
        ),
    }
}

fn judge_http11<'e>(ini: &'e Ini<'e>, at: &'e Entry<'e>, version: Option<u32>) -> Judgment<'e> {
    let kind = Mode::Http11.kind();
    let key = "socket-timeout";
    let Some(entry) = last(ini, key) else {
        if let Some(include) = any_include(ini) {
            return Judgment::unknown(
                kind,
                format!(
                    "{key} is not set in [uwsgi] ({}); {} may set it",
                    at.at(),
                    include.at()
                ),
            );
        }
        // The kinds table's default, so that `uwsgi-http11` and
        // `uwsgi:PATH` of a file that sets none agree.
        let default = ServerKind::own(kind).timeout_for(version);
        return Judgment {
            idle: Idle::After(default),
            kind,
            detail: format!(
                "{key} is not set in [uwsgi]: uWSGI's default {}s for {}{}",
                default.as_millis() / 1000,
                at.at(),
                misspelt_note(ini, key)
            ),
            raise: Raise::Set {
                key,
                entry: None,
                anchor: at,
                min: 1,
            },
        };
    };
    if let Some(why) = unreadable(entry, ini) {
        return Judgment::unknown(kind, why);
    }
    match seconds(entry) {
        Ok((n, note)) => Judgment {
            idle: Idle::After(Duration::from_secs(n)),
            kind,
            detail: format!("{}{note} for {}", entry.at(), at.at()),
            raise: Raise::Set {
                key,
                entry: Some(entry),
                anchor: at,
                min: 1,
            },
        },
        Err(why) => Judgment::unknown(kind, why.to_string()),
    }
}

fn judge_router<'e>(ini: &'e Ini<'e>, at: &'e Entry<'e>) -> Judgment<'e> {
    let kind = Mode::Router.kind();
    let key = "http-keepalive";
    let closes = |why: String, entry: Option<&'e Entry<'e>>| {
        Judgment {
        idle: Idle::AfterEachResponse,
        kind,
        detail: format!(
            "{why}: the router closes the connection after every response without sending Connection: close"
        ),
        raise: Raise::Set {
            key,
            entry,
            anchor: at,
            // 1 would mean "wait http-timeout".
            min: 2,
        },
    }
    };
    let Some(entry) = last(ini, key) else {
        if let Some(include) = any_include(ini) {
            return Judgment::unknown(
                kind,
                format!(
                    "{key} is not set in [uwsgi] ({}); {} may set it",
                    at.at(),
                    include.at()
                ),
            );
        }
        return closes(
            format!("{} without {key}{}", at.at(), misspelt_note(ini, key)),
            None,
        );
    };
    if let Some(why) = unreadable(entry, ini) {
        return Judgment::unknown(kind, why);
    }
    match seconds(entry) {
        Ok((0, _)) => closes(
            format!(
                "{} ({}) turns keepalive off: uWSGI reads it as 0",
                entry.at(),
                at.at()
            ),
            Some(entry),
        ),
        Ok((1, _)) => judge_router_timeout(ini, at, entry),
        Ok((n, note)) => Judgment {
            idle: Idle::After(Duration::from_secs(n)),
            kind,
            detail: format!("{}{note} for {}", entry.at(), at.at()),
            raise: Raise::Set {
                key,
                entry: Some(entry),
                anchor: at,
                min: 2,
            },
        },
        Err(why) => Judgment::unknown(kind, why.to_string()),
    }
}

/// `http-keepalive = 1`: idle connections wait `http-timeout`.
fn judge_router_timeout<'e>(
    ini: &'e Ini<'e>,
    at: &'e Entry<'e>,
    keepalive: &'e Entry<'e>,
) -> Judgment<'e> {
    let kind = Mode::Router.kind();
    let key = "http-timeout";
    // Messages name the router first: `http = :80 at line 2 with ...`.
    let keepalive_at = format!("{} with {}", at.at(), keepalive.at());
    let raise = |entry| Raise::Set {
        key,
        entry,
        anchor: keepalive,
        min: 1,
    };
    let Some(entry) = last(ini, key) else {
        if let Some(include) = any_include(ini) {
            return Judgment::unknown(
                kind,
                format!(
                    "{} waits {key}, which is not set in [uwsgi]; {} may set it",
                    keepalive_at,
                    include.at()
                ),
            );
        }
        return Judgment {
            idle: Idle::After(Duration::from_secs(60)),
            kind,
            detail: format!(
                "{} waits {key}, which is not set: uWSGI's default 60s{}",
                keepalive_at,
                misspelt_note(ini, key)
            ),
            raise: raise(None),
        };
    };
    if let Some(why) = unreadable(entry, ini) {
        return Judgment::unknown(kind, why);
    }
    match seconds(entry) {
        // The router treats 0 as unset (core/corerouter.c).
        Ok((0, _)) => Judgment {
            idle: Idle::After(Duration::from_secs(60)),
            kind,
            detail: format!(
                "{} waits {}: 0 means uWSGI's default 60s",
                keepalive_at,
                entry.at()
            ),
            raise: raise(Some(entry)),
        },
        Ok((n, note)) => Judgment {
            idle: Idle::After(Duration::from_secs(n)),
            kind,
            detail: format!("{} waits {}{note}", keepalive_at, entry.at()),
            raise: raise(Some(entry)),
        },
        Err(why) => Judgment::unknown(kind, why.to_string()),
    }
}

/// Every mode the file serves, judged: the HTTP ones when there are any
/// (a uwsgi socket beside the router is the router's own backend), else
/// the others.
fn judgments<'e>(ini: &'e Ini<'e>, version: Option<u32>) -> Vec<Judgment<'e>> {
    let mut modes: Vec<(Mode, &Entry<'_>)> = Vec::new();
    for entry in &ini.entries {
        if let Some(mode) = Mode::of(entry.key) {
            // The first line of each mode speaks for it; a conditional
            // one makes the whole mode conditional.
            match modes.iter_mut().find(|(m, _)| *m == mode) {
                Some(seen) if seen.1.block.is_none() && entry.block.is_some() => seen.1 = entry,
                Some(_) => {}
                None => modes.push((mode, entry)),
            }
        }
    }
    let http = modes.iter().any(|(m, _)| m.is_http());
    modes
        .into_iter()
        .filter(|(m, _)| m.is_http() == http)
        .map(|(mode, at)| judge(ini, mode, at, version))
        .collect()
}

fn no_mode(src: &Source<'_>, ini: &Ini<'_>) -> Reading {
    let why = if !ini.has_section {
        let bom = text::bom_len(src.text) > 0
            && src.text[3..].trim_start_matches(is_blank).starts_with('[');
        if bom {
            "the file starts with a byte-order mark, which uWSGI reads as part of line 1, so it does not see the [uwsgi] header there and ignores the section; remove the mark".to_string()
        } else {
            "the file has no [uwsgi] section".to_string()
        }
    } else if let Some(include) = any_include(ini) {
        format!(
            "[uwsgi] sets no socket; {} may (http11-socket, http-socket or http)",
            include.at()
        )
    } else {
        "[uwsgi] sets no socket (http11-socket, http-socket or http): it must come from the command line or another file".to_string()
    };
    Reading {
        idle: Idle::Unknown(why.clone()),
        kind: "uwsgi",
        detail: why,
    }
}

/// uWSGI: the `[uwsgi]` section of `uwsgi.ini`.
#[derive(Debug)]
pub(crate) struct Uwsgi;

impl ServerFormat for Uwsgi {
    fn kinds(&self) -> &'static [&'static str] {
        &[
            "uwsgi",
            "uwsgi-http11",
            "uwsgi-http11-socket",
            "uwsgi-http",
            "uwsgi-http-socket",
        ]
    }

    fn files(&self) -> &'static str {
        "uwsgi.ini"
    }

    fn read(&self, src: &Source<'_>) -> Reading {
        read(src)
    }

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        edits(src, target)
    }
}

/// The idle timeout of the HTTP mode nginx reaches; with several, the
/// most dangerous one, naming the others.
fn read(src: &Source<'_>) -> Reading {
    let ini = parse(src.text);
    let mut all = judgments(&ini, src.version);
    if all.is_empty() {
        return no_mode(src, &ini);
    }
    all.sort_by_key(|j| j.idle.danger());
    let others: Vec<&str> = all[1..].iter().map(|j| j.kind).collect();
    let worst = all.swap_remove(0);
    let detail = if others.is_empty() {
        worst.detail
    } else {
        format!(
            "{}; the file also serves {} and nginx may reach either: this one is the most dangerous",
            worst.detail,
            others.join(", ")
        )
    };
    Reading {
        idle: worst.idle,
        kind: worst.kind,
        detail,
    }
}

/// Raise every mode below `target`: `socket-timeout` for http11-socket,
/// `http-keepalive` or `http-timeout` for the router; an error for
/// http-socket, which closes after every response whatever the timeouts.
fn edits(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    let ini = parse(src.text);
    let all = judgments(&ini, src.version);
    if all.is_empty() {
        return Err(RaiseError::Unknown(match no_mode(src, &ini).idle {
            Idle::Unknown(why) => why,
            other => other.to_string(),
        }));
    }
    let mut edits = Vec::new();
    for judgment in &all {
        if need(&judgment.idle, target)? == Need::Nothing {
            continue;
        }
        match &judgment.raise {
            Raise::Cannot(why) => return Err(why.clone()),
            Raise::Set {
                key,
                entry,
                anchor,
                min,
            } => {
                let secs = text::ceil_secs(target).max(*min);
                edits.push(match entry {
                    Some(entry) => set_value(entry, secs, anchor),
                    None => text::insert_line_after(
                        src.text,
                        anchor.key_at,
                        &styled_line(anchor, key, secs),
                    ),
                });
            }
        }
    }
    Ok(edits)
}

/// Replace the number in `entry` (its first word: `3s`, `true`), keeping
/// whatever follows; a line without a value gets one in `style`'s way.
fn set_value(entry: &Entry<'_>, secs: u64, style: &Entry<'_>) -> Edit<()> {
    let word = entry
        .value
        .find(char::is_whitespace)
        .map_or(entry.value, |i| &entry.value[..i]);
    let text = match entry.sep {
        Some(sep)
            if entry.value.is_empty() && !sep.ends_with(is_blank) && sep.starts_with(is_blank) =>
        {
            format!(" {secs}")
        }
        Some(_) => secs.to_string(),
        None => format!("{}{secs}", style.sep.unwrap_or(" = ")),
    };
    Edit::new(entry.value_at, entry.value_at + word.len(), text)
}

/// `key = value` spaced like `anchor`, lining up `=` when the file does.
fn styled_line(anchor: &Entry<'_>, key: &str, secs: u64) -> String {
    let sep = anchor.sep.unwrap_or(" = ");
    let rest = sep.trim_start_matches(is_blank);
    let lead = sep.len() - rest.len();
    let pad = if lead > 1 {
        (anchor.key.len() + lead).saturating_sub(key.len()).max(1)
    } else {
        lead
    };
    format!("{key}{}{rest}{secs}", " ".repeat(pad))
}

#[cfg(test)]
mod tests;
