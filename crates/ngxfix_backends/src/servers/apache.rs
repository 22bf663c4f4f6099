//! Apache httpd: `KeepAlive` and `KeepAliveTimeout` in a configuration
//! file (httpd.conf, apache2.conf, a conf-enabled or sites-enabled file),
//! read as httpd 2.4 reads them:
//!
//! - directive names are case-insensitive; `#` starts a comment only at
//!   the beginning of a line; a line ending in `\` continues on the next;
//!   arguments may be quoted; `${VAR}` is replaced when the file is loaded.
//! - `KeepAliveTimeout` takes one argument, a number with an optional unit
//!   (`ap_timeout_parameter_parse`, server/util.c): none or `s` for
//!   seconds, `ms` (since 2.3.2), `mi`/`min`, `h`; anything else stops
//!   Apache ("KeepAliveTimeout has wrong format"). Default 5 seconds; 0
//!   makes Apache answer `Connection: close`.
//! - `KeepAlive Off` closes every connection with `Connection: close`.
//! - both may be set at server level and in `<VirtualHost>`, whose own
//!   value wins; a virtual host without one inherits the server's. They
//!   are refused inside `<Directory>`, `<Location>` and `<Files>`.
//!
//! Verified against Apache 2.4.71 (Debian): `KeepAliveTimeout 2` closes
//! after 2.0 s, `1500ms` after 1.5 s, unset after 5.0 s; `KeepAlive Off`
//! and `KeepAliveTimeout 0` send `Connection: close`; a byte-order mark
//! at the start of a file is read as part of its first directive.

use crate::format::{need, Need, ServerFormat};
use crate::kinds::ServerKind;
use crate::{text, Edit, Idle, RaiseError, Reading, Source};
use ngxfix_text::Duration;

const KIND: &str = "apache";

/// Apache's default `KeepAliveTimeout` for the version `src` is declared
/// for: the kinds table's, so that `apache` and `apache:PATH` of a file
/// that sets none agree.
fn default_timeout(src: &Source<'_>) -> Duration {
    ServerKind::own(KIND).timeout_for(src.version)
}

/// A line as Apache reads it: continuations joined, with the file offset
/// of each byte (one more at the end) so that edits land in the file.
struct Logical {
    text: String,
    map: Vec<usize>,
    /// 1-based number of its first line in the file.
    line: usize,
    /// Offset of its first line in the file.
    at: usize,
}

fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut current: Option<Logical> = None;
    for (number, (at, raw)) in text::lines(text).enumerate() {
        let logical = current.get_or_insert_with(|| Logical {
            text: String::new(),
            map: Vec::new(),
            line: number + 1,
            at,
        });
        // `[^\\]\\\n` continues the line (ap_cfg_getline).
        let continues = raw.ends_with('\\') && !raw.ends_with("\\\\");
        let kept = if continues {
            &raw[..raw.len() - 1]
        } else {
            raw
        };
        logical.text.push_str(kept);
        logical.map.extend((0..kept.len()).map(|i| at + i));
        if !continues {
            logical.map.push(at + kept.len());
            out.extend(current.take());
        }
    }
    if let Some(mut last) = current {
        let end = last.map.last().map_or(last.at, |&m| m + 1);
        last.map.push(end);
        out.push(last);
    }
    out
}

/// One word of a line: its text (without quotes) and where it starts in
/// the logical line.
struct Word<'a> {
    text: &'a str,
    start: usize,
}

/// The words of a line, split as `ap_getword_conf` splits them.
fn words(line: &str) -> Vec<Word<'_>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let quote = bytes[i];
        if quote == b'"' || quote == b'\'' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != quote {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = j.min(bytes.len());
            out.push(Word {
                text: &line[start..end],
                start,
            });
            i = end + 1;
        } else {
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push(Word {
                text: &line[start..i],
                start,
            });
        }
    }
    out
}

/// The unit a `KeepAliveTimeout` is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Sec,
    Milli,
    Min,
    Hour,
}

impl Unit {
    fn millis(self) -> u64 {
        match self {
            Unit::Sec => 1000,
            Unit::Milli => 1,
            Unit::Min => 60_000,
            Unit::Hour => 3_600_000,
        }
    }
}

/// What a `KeepAlive` or `KeepAliveTimeout` line says.
#[derive(Debug, Clone)]
enum Value {
    Timeout {
        idle: Duration,
        unit: Unit,
        /// File offsets of the number's digits.
        digits: Option<(usize, usize)>,
    },
    KeepAlive(bool),
    Unknown(String),
}

/// One `KeepAlive` or `KeepAliveTimeout` line.
#[derive(Debug, Clone)]
struct Setting {
    /// The line as written, for messages (`KeepAliveTimeout 2 at line 4`).
    at: String,
    /// The directive's name as written.
    name: String,
    value: Value,
    /// 1-based line number.
    line: usize,
    /// Where its (last) line ends in the file, for a line to go after it.
    end_at: usize,
}

/// The settings of the server or of one virtual host.
#[derive(Debug, Default)]
struct Scope {
    /// `<VirtualHost *:80> at line 7`; `None` for the server.
    header: Option<String>,
    timeout: Option<Setting>,
    keepalive: Option<Setting>,
}

struct Config {
    /// The server first, then each `<VirtualHost>`.
    scopes: Vec<Scope>,
    /// `Include` lines, for messages: (line, text).
    includes: Vec<(usize, String)>,
}

/// Sections whose settings apply only when their condition holds.
const CONDITIONS: &[&str] = &[
    "ifmodule",
    "ifdefine",
    "ifversion",
    "iffile",
    "ifdirective",
    "ifsection",
    "if",
    "elseif",
    "else",
];

fn parse(text: &str) -> Config {
    let mut config = Config {
        scopes: vec![Scope::default()],
        includes: Vec::new(),
    };
    // Open sections: lower-case name, `<Name args> at line N`, and the
    // scope a `<VirtualHost>` opened.
    let mut stack: Vec<(String, String, Option<usize>)> = Vec::new();
    for logical in logical_lines(text) {
        let words = words(&logical.text);
        let Some(first) = words.first() else { continue };
        if first.text.starts_with('#') {
            continue;
        }
        let shown = format!("{} at line {}", logical.text.trim(), logical.line);
        if let Some(name) = first.text.strip_prefix("</") {
            let name = name.trim_end_matches('>').to_ascii_lowercase();
            if let Some(i) = stack.iter().rposition(|(open, _, _)| *open == name) {
                stack.truncate(i);
            }
            continue;
        }
        if let Some(name) = first.text.strip_prefix('<') {
            let name = name.trim_end_matches('>').to_ascii_lowercase();
            let scope = (name == "virtualhost").then(|| {
                config.scopes.push(Scope {
                    header: Some(shown.clone()),
                    ..Scope::default()
                });
                config.scopes.len() - 1
            });
            stack.push((name, shown, scope));
            continue;
        }
        let name = first.text.to_ascii_lowercase();
        if name == "include" || name == "includeoptional" {
            config
                .includes
                .push((logical.line, logical.text.trim().to_string()));
            continue;
        }
        if name != "keepalive" && name != "keepalivetimeout" {
            continue;
        }
        let value = match enclosing_problem(&stack) {
            Some(problem) => Value::Unknown(format!("{shown} {problem}")),
            None => value_of(&name, &words[1..], &logical, &shown),
        };
        let setting = Setting {
            at: shown,
            name: first.text.to_string(),
            value,
            line: logical.line,
            end_at: logical.map.last().copied().unwrap_or(logical.at),
        };
        let scope = stack.iter().rev().find_map(|(_, _, s)| *s).unwrap_or(0);
        let scope = &mut config.scopes[scope];
        if name == "keepalive" {
            scope.keepalive = Some(setting);
        } else {
            scope.timeout = Some(setting);
        }
    }
    config
}

/// Why a setting inside these sections does not simply apply, if it does not.
fn enclosing_problem(stack: &[(String, String, Option<usize>)]) -> Option<String> {
    stack.iter().rev().find_map(|(name, header, _)| {
        if name == "virtualhost" {
            None
        } else if CONDITIONS.contains(&name.as_str()) {
            Some(format!(
                "is inside {header}: it applies only when that condition holds"
            ))
        } else {
            Some(format!(
                "is inside {header}, where Apache does not allow it"
            ))
        }
    })
}

fn value_of(name: &str, args: &[Word<'_>], logical: &Logical, shown: &str) -> Value {
    let [arg] = args else {
        return Value::Unknown(format!(
            "{shown}: Apache takes exactly one argument here and refuses the configuration"
        ));
    };
    if arg.text.contains("${") {
        return Value::Unknown(format!(
            "{shown} uses a variable Apache replaces when it loads the file"
        ));
    }
    if name == "keepalive" {
        return match arg.text.to_ascii_lowercase().as_str() {
            "on" => Value::KeepAlive(true),
            "off" => Value::KeepAlive(false),
            _ => Value::Unknown(format!(
                "{shown}: Apache 2.4 accepts only On or Off and refuses the configuration"
            )),
        };
    }
    timeout_value(arg, logical, shown)
}

/// `ap_timeout_parameter_parse(arg, .., "s")`.
fn timeout_value(arg: &Word<'_>, logical: &Logical, shown: &str) -> Value {
    let t = arg.text;
    let lead = t.len() - t.trim_start().len();
    let signed = &t[lead..];
    let (negative, body) = match signed.as_bytes().first() {
        Some(b'-') => (true, &signed[1..]),
        Some(b'+') => (false, &signed[1..]),
        _ => (false, signed),
    };
    let count = body.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, suffix) = body.split_at(count);
    let unit = match suffix.as_bytes() {
        [] | [b's', ..] => Some(Unit::Sec),
        [b'h', ..] => Some(Unit::Hour),
        [b'm', b's', ..] => Some(Unit::Milli),
        [b'm', b'i', ..] => Some(Unit::Min),
        _ => None,
    };
    let Some(unit) = unit else {
        return Value::Unknown(format!(
            "{shown}: Apache refuses this format (\"KeepAliveTimeout has wrong format\")"
        ));
    };
    let number = if digits.is_empty() {
        Some(0)
    } else {
        digits.parse::<u64>().ok()
    };
    let Some(idle) = number
        .and_then(|n| n.checked_mul(unit.millis()))
        .map(Duration::from_millis)
    else {
        return Value::Unknown(format!("{shown}: the number is out of range"));
    };
    if negative && idle.as_millis() > 0 {
        return Value::Unknown(format!("{shown}: a negative timeout"));
    }
    // The digits' place in the file, when they sit on one line.
    let start = arg.start + lead + (signed.len() - body.len());
    let end = start + digits.len();
    let (from, to) = (logical.map[start], logical.map[end]);
    let digits = (!digits.is_empty() && to - from == digits.len()).then_some((from, to));
    Value::Timeout { idle, unit, digits }
}

/// What one scope does with idle connections, and the setting that says so.
struct Judgment<'c> {
    idle: Idle,
    detail: String,
    /// The `KeepAliveTimeout` that decides, `None` for the default.
    timeout: Option<&'c Setting>,
}

/// How `scope` treats idle connections; `default` is Apache's
/// `KeepAliveTimeout` when no scope sets one.
fn judge<'c>(config: &'c Config, scope: &'c Scope, default: Duration) -> Judgment<'c> {
    let main = &config.scopes[0];
    let keepalive = scope.keepalive.as_ref().or(main.keepalive.as_ref());
    let timeout = scope.timeout.as_ref().or(main.timeout.as_ref());
    let unknown = |why: &String| Judgment {
        idle: Idle::Unknown(why.clone()),
        detail: why.clone(),
        timeout,
    };
    if let Some(k) = keepalive {
        match &k.value {
            Value::Unknown(why) => return unknown(why),
            Value::KeepAlive(false) => {
                return Judgment {
                    idle: Idle::NoKeepalive,
                    detail: format!(
                        "{}: Apache closes every connection and says so (Connection: close)",
                        k.at
                    ),
                    timeout,
                }
            }
            _ => {}
        }
    }
    let Some(t) = timeout else {
        return Judgment {
            idle: Idle::After(default),
            detail: format!("KeepAliveTimeout is not set: Apache's default {default}"),
            timeout,
        };
    };
    match &t.value {
        Value::Timeout { idle, .. } if idle.as_millis() == 0 => Judgment {
            idle: Idle::NoKeepalive,
            detail: format!(
                "{}: Apache closes every connection and says so (Connection: close)",
                t.at
            ),
            timeout,
        },
        Value::Timeout { idle, .. } => Judgment {
            idle: Idle::After(*idle),
            detail: t.at.clone(),
            timeout,
        },
        Value::Unknown(why) => unknown(why),
        Value::KeepAlive(_) => unknown(&t.at),
    }
}

/// The scopes nginx may reach: each virtual host, or the server when the
/// file has none.
fn judgments(config: &Config, default: Duration) -> Vec<Judgment<'_>> {
    let scopes = if config.scopes.len() > 1 {
        &config.scopes[1..]
    } else {
        &config.scopes[..]
    };
    scopes
        .iter()
        .map(|scope| {
            let mut j = judge(config, scope, default);
            if let Some(header) = &scope.header {
                j.detail = format!("{} (in {header})", j.detail);
            }
            j
        })
        .collect()
}

/// A file Apache refuses to load because of a leading byte-order mark:
/// it is not blank to Apache, so line 1 becomes an unknown directive.
fn bom_problem(src: &Source<'_>) -> Option<String> {
    (text::bom_len(src.text) > 0).then(|| {
        "the file starts with a byte-order mark, which Apache reads as part of the first directive and refuses; remove the mark".to_string()
    })
}

/// Apache httpd: its configuration files.
#[derive(Debug)]
pub(crate) struct Apache;

impl ServerFormat for Apache {
    fn kinds(&self) -> &'static [&'static str] {
        &["apache", "httpd"]
    }

    fn files(&self) -> &'static str {
        "httpd.conf / apache2.conf or a file it includes"
    }

    fn read(&self, src: &Source<'_>) -> Reading {
        read(src)
    }

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        edits(src, target)
    }
}

/// The idle timeout of the virtual host (or server) with the shortest one.
fn read(src: &Source<'_>) -> Reading {
    let reading = |idle: Idle, detail: String| Reading {
        idle,
        kind: KIND,
        detail,
    };
    if let Some(why) = bom_problem(src) {
        return reading(Idle::Unknown(why.clone()), why);
    }
    let config = parse(src.text);
    let mut all = judgments(&config, default_timeout(src));
    let count = all.len();
    all.sort_by_key(|j| j.idle.danger());
    let differ = all.iter().any(|j| j.idle != all[0].idle);
    let worst = all.swap_remove(0);
    let mut detail = worst.detail;
    if differ {
        detail.push_str(&format!(
            ", the most dangerous of the {count} virtual hosts in the file"
        ));
    }
    if matches!(worst.idle, Idle::After(_)) {
        detail.push_str(&include_note(&config, worst.timeout));
    }
    reading(worst.idle, detail)
}

/// A note that an `Include` after the deciding line may override it.
fn include_note(config: &Config, timeout: Option<&Setting>) -> String {
    config
        .includes
        .iter()
        .find(|(line, _)| timeout.is_none_or(|t| *line > t.line))
        .map(|(line, text)| format!(" ({text} at line {line} may set it too)"))
        .unwrap_or_default()
}

/// Raise the `KeepAliveTimeout` of every virtual host below `target`,
/// keeping its unit; add one at server level when it is not set.
fn edits(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    if let Some(why) = bom_problem(src) {
        return Err(RaiseError::Unknown(why));
    }
    let config = parse(src.text);
    let all = judgments(&config, default_timeout(src));
    // Every virtual host is checked before any is edited.
    let needs = all
        .iter()
        .map(|j| need(&j.idle, target))
        .collect::<Result<Vec<_>, _>>()?;
    if all.iter().all(|j| j.idle == Idle::NoKeepalive) {
        return Err(RaiseError::NothingToKeep(
            all.first().map_or("", |j| j.detail.as_str()).to_string(),
        ));
    }
    let mut edits = Vec::new();
    for (j, need) in all.iter().zip(needs) {
        if need == Need::Longer {
            edits.push(raise_one(src, &config, j.timeout, target)?);
        }
    }
    Ok(edits)
}

fn raise_one(
    src: &Source<'_>,
    config: &Config,
    timeout: Option<&Setting>,
    target: Duration,
) -> Result<Edit<()>, RaiseError> {
    let Some(setting) = timeout else {
        return Ok(add_timeout(src, config, target));
    };
    match &setting.value {
        Value::Timeout {
            unit,
            digits: Some((start, end)),
            ..
        } => Ok(Edit::new(
            *start,
            *end,
            target.as_millis().div_ceil(unit.millis()).to_string(),
        )),
        _ => Err(RaiseError::NotEditable(format!(
            "{}: ngxfix cannot edit this value in place",
            setting.at
        ))),
    }
}

/// `KeepAliveTimeout N` at server level: after `KeepAlive On`, spelt and
/// indented like it, or at the end of the file.
fn add_timeout(src: &Source<'_>, config: &Config, target: Duration) -> Edit<()> {
    let secs = text::ceil_secs(target);
    match &config.scopes[0].keepalive {
        Some(k) if matches!(k.value, Value::KeepAlive(true)) => {
            let name = if k.name.bytes().all(|b| b.is_ascii_lowercase()) {
                "keepalivetimeout"
            } else if k.name.bytes().all(|b| b.is_ascii_uppercase()) {
                "KEEPALIVETIMEOUT"
            } else {
                "KeepAliveTimeout"
            };
            text::insert_line_after(src.text, k.end_at, &format!("{name} {secs}"))
        }
        _ => text::append_line(src.text, &format!("KeepAliveTimeout {secs}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ms;

    fn raise(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        Apache.raise(src, target)
    }

    fn src(text: &str) -> Source<'_> {
        Source {
            path: "apache2.conf",
            text,
            version: None,
        }
    }

    /// Raise to `target` ms; the result, checked to read >= target.
    fn raised(text: &str, target: u64) -> String {
        crate::testing::raised(&Apache, src(text), Duration::from_millis(target))
    }

    fn unknown(text: &str) -> String {
        crate::testing::unknown(read, src(text))
    }

    const DEBIAN: &str = "# Timeout: The number of seconds before receives and sends time out.\nTimeout 300\n\n#\n# KeepAlive: Whether or not to allow persistent connections\nKeepAlive On\n\nMaxKeepAliveRequests 100\n\nKeepAliveTimeout 5\n\nIncludeOptional conf-enabled/*.conf\n";

    #[test]
    fn reads_keepalivetimeout() {
        let r = read(&src(DEBIAN));
        assert_eq!((r.idle, r.kind), (ms(5000), "apache"));
        assert_eq!(
            r.detail,
            "KeepAliveTimeout 5 at line 10 (IncludeOptional conf-enabled/*.conf at line 12 may set it too)"
        );
        assert_eq!(read(&src("keepalivetimeout 2\n")).idle, ms(2000));
        assert_eq!(read(&src("KEEPALIVETIMEOUT \"7\"\n")).idle, ms(7000));
    }

    #[test]
    fn default_is_five_seconds() {
        let r = read(&src("ServerName example.com\nKeepAlive On\n"));
        assert_eq!(r.idle, ms(5000));
        assert_eq!(r.detail, "KeepAliveTimeout is not set: Apache's default 5s");
    }

    #[test]
    fn units_are_exact() {
        assert_eq!(read(&src("KeepAliveTimeout 1500ms\n")).idle, ms(1500));
        assert_eq!(read(&src("KeepAliveTimeout 2s\n")).idle, ms(2000));
        assert_eq!(read(&src("KeepAliveTimeout 2sec\n")).idle, ms(2000));
        assert_eq!(read(&src("KeepAliveTimeout 2min\n")).idle, ms(120_000));
        assert_eq!(read(&src("KeepAliveTimeout 1h\n")).idle, ms(3_600_000));
        // `m` alone is no unit to Apache: it refuses to start.
        let why = unknown("KeepAliveTimeout 2m\n");
        assert!(why.contains("wrong format"), "{why}");
        unknown("KeepAliveTimeout 2.5\n");
        unknown("KeepAliveTimeout -5\n");
        unknown("KeepAliveTimeout 99999999999999999999\n");
    }

    #[test]
    fn syntax_as_apache_reads_it() {
        // A continuation, comments, a later line winning.
        let text = "# KeepAliveTimeout 1\nKeepAliveTimeout 9\n  KeepAliveTimeout \\\n    3\n";
        assert_eq!(read(&src(text)).idle, ms(3000));
        // A trailing comment is a second argument: Apache refuses it.
        let why = unknown("KeepAliveTimeout 2 # two\n");
        assert!(why.contains("exactly one argument"), "{why}");
        let why = unknown("KeepAliveTimeout ${KA_TIMEOUT}\n");
        assert!(why.contains("variable"), "{why}");
        assert_eq!(read(&src("KeepAliveTimeout 2\r\n")).idle, ms(2000));
    }

    #[test]
    fn keepalive_off_and_zero_say_close() {
        for text in [
            "KeepAlive Off\nKeepAliveTimeout 3\n",
            "KeepAliveTimeout 0\n",
        ] {
            let r = read(&src(text));
            assert_eq!(r.idle, Idle::NoKeepalive, "{text}");
            let why = raise(&src(text), Duration::from_secs(61))
                .unwrap_err()
                .to_string();
            assert!(why.contains("nothing to raise"), "{why}");
        }
        unknown("KeepAlive 5\n");
    }

    #[test]
    fn virtual_hosts_override_and_the_shortest_wins() {
        let text = "KeepAliveTimeout 10\n<VirtualHost *:80>\n    ServerName a\n    KeepAliveTimeout 3\n</VirtualHost>\n<VirtualHost *:8080>\n    ServerName b\n</VirtualHost>\n";
        let r = read(&src(text));
        assert_eq!(r.idle, ms(3000));
        assert_eq!(
            r.detail,
            "KeepAliveTimeout 3 at line 4 (in <VirtualHost *:80> at line 2), the most dangerous of the 2 virtual hosts in the file"
        );
        // Only the server's value, inherited by every virtual host.
        let text = "KeepAliveTimeout 4\n<VirtualHost *:80>\n</VirtualHost>\n";
        assert_eq!(read(&src(text)).idle, ms(4000));
        // KeepAlive Off in one host does not hide another's short timeout.
        let text = "<VirtualHost *:80>\nKeepAlive Off\n</VirtualHost>\n<VirtualHost *:81>\nKeepAliveTimeout 2\n</VirtualHost>\n";
        assert_eq!(read(&src(text)).idle, ms(2000));
    }

    #[test]
    fn conditionals_and_bad_contexts_are_unknown() {
        let why = unknown("<IfModule mpm_event_module>\n    KeepAliveTimeout 2\n</IfModule>\n");
        assert!(
            why.contains("inside <IfModule mpm_event_module> at line 1"),
            "{why}"
        );
        unknown("<Directory /var/www>\n  KeepAliveTimeout 2\n</Directory>\n");
        // An unconditional line after the conditional one decides.
        let text = "<IfDefine X>\nKeepAliveTimeout 2\n</IfDefine>\nKeepAliveTimeout 8\n";
        assert_eq!(read(&src(text)).idle, ms(8000));
    }

    #[test]
    fn a_bom_stops_apache() {
        let why = unknown("\u{feff}KeepAliveTimeout 2\n");
        assert!(why.contains("byte-order mark"), "{why}");
        assert!(raise(
            &src("\u{feff}KeepAliveTimeout 2\n"),
            Duration::from_secs(61)
        )
        .is_err());
    }

    #[test]
    fn raise_replaces_only_the_number_keeping_the_unit() {
        assert_eq!(
            raised(DEBIAN, 61_000),
            DEBIAN.replace("KeepAliveTimeout 5", "KeepAliveTimeout 61")
        );
        assert_eq!(
            raised("KeepAliveTimeout 1500ms\n", 61_000),
            "KeepAliveTimeout 61000ms\n"
        );
        assert_eq!(
            raised("KeepAliveTimeout 1500ms\n", 60_500),
            "KeepAliveTimeout 60500ms\n"
        );
        assert_eq!(
            raised("KeepAliveTimeout \"2sec\"\n", 60_001),
            "KeepAliveTimeout \"61sec\"\n"
        );
        assert_eq!(
            raised("KeepAliveTimeout 1min\n", 61_000),
            "KeepAliveTimeout 2min\n"
        );
        // Every short virtual host, and only those.
        let text = "<VirtualHost *:80>\n  KeepAliveTimeout 3\n</VirtualHost>\n<VirtualHost *:81>\n  KeepAliveTimeout 90\n</VirtualHost>\n<VirtualHost *:82>\n  KeepAliveTimeout 5\n</VirtualHost>\n";
        assert_eq!(
            raised(text, 61_000),
            text.replace("Timeout 3", "Timeout 61")
                .replace("Timeout 5", "Timeout 61")
        );
    }

    #[test]
    fn raise_adds_the_missing_setting() {
        assert_eq!(
            raised(
                "ServerName a\n    KeepAlive On\nMaxKeepAliveRequests 100\n",
                61_000
            ),
            "ServerName a\n    KeepAlive On\n    KeepAliveTimeout 61\nMaxKeepAliveRequests 100\n"
        );
        assert_eq!(
            raised("keepalive on\n", 61_000),
            "keepalive on\nkeepalivetimeout 61\n"
        );
        assert_eq!(
            raised("ServerName a", 60_001),
            "ServerName a\nKeepAliveTimeout 61\n"
        );
        // Virtual hosts inheriting the default: one line for all of them.
        let text = "<VirtualHost *:80>\n</VirtualHost>\n<VirtualHost *:81>\n</VirtualHost>\n";
        assert_eq!(raised(text, 61_000), format!("{text}KeepAliveTimeout 61\n"));
    }

    #[test]
    fn raise_keeps_crlf() {
        let text = "KeepAlive On\r\nKeepAliveTimeout 5\r\n";
        assert_eq!(
            raised(text, 61_000),
            "KeepAlive On\r\nKeepAliveTimeout 61\r\n"
        );
        let text = "KeepAlive On\r\nTimeout 300\r\n";
        assert_eq!(
            raised(text, 61_000),
            "KeepAlive On\r\nKeepAliveTimeout 61\r\nTimeout 300\r\n"
        );
    }

    #[test]
    fn enough_means_no_edits_and_unknown_means_err() {
        assert_eq!(
            raise(&src("KeepAliveTimeout 75\n"), Duration::from_secs(61)),
            Ok(vec![])
        );
        let text = "<IfModule x>\nKeepAliveTimeout 2\n</IfModule>\n";
        assert!(raise(&src(text), Duration::from_secs(61)).is_err());
        // A number split by a continuation cannot be edited in place.
        assert!(raise(&src("KeepAliveTimeout 1\\\n5\n"), Duration::from_secs(61)).is_err());
    }

    #[test]
    fn the_example_reads_five_seconds_and_raises_in_place() {
        let text = include_str!("../../../../examples/backends/apache/httpd.conf");
        assert_eq!(read(&src(text)).idle, ms(5000));
        assert_eq!(
            raised(text, 61_000),
            text.replace("KeepAliveTimeout 5", "KeepAliveTimeout 61")
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in [
            "",
            "\u{feff}",
            "\\",
            "KeepAliveTimeout",
            "KeepAliveTimeout \"",
            "KeepAliveTimeout '5",
            "KeepAliveTimeout é",
            "KeepAliveTimeout 5é",
            "</VirtualHost>",
            "<",
            "<VirtualHost",
            "KeepAliveTimeout \\",
            "KeepAliveTimeout \"\\",
            "KeepAliveTimeout +",
            "KeepAlive",
        ] {
            let _ = read(&src(text));
            let _ = raise(&src(text), Duration::from_secs(61));
        }
    }
}
