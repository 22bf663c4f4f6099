//! Puma: `persistent_timeout` in its Ruby configuration DSL
//! (`config/puma.rb`), in whole seconds.
//!
//! Facts this module relies on (puma/puma, `lib/puma/dsl.rb` and
//! `lib/puma/configuration.rb`):
//! - `persistent_timeout(seconds)` stores `Integer(seconds)`: an Integer, a
//!   numeric String (`"30"`), or a Float, whose fraction `Integer()` drops.
//! - The default is 65 s since Puma 7.0.0 (#3378) and 20 s before (the
//!   kinds table's, [`crate::kinds`]).
//! - Puma 7 reads the environment variable `PUMA_PERSISTENT_TIMEOUT` into its
//!   *defaults*, which a setting in the file overrides.
//! - `enable_keep_alives false` (and `queue_requests false`, which turns keep
//!   alive off with it) makes Puma answer `Connection: close` every time.

use crate::format::{need, Need, ServerFormat};
use crate::kinds::ServerKind;
use crate::text::{self, ceil_secs};
use crate::{Edit, Idle, RaiseError, Reading, Source};
use ngxfix_text::Duration;

const KIND: &str = "puma";
const SETTING: &str = "persistent_timeout";

/// What the file gives for `persistent_timeout`, after every line has had
/// its say.
#[derive(Debug, Clone)]
enum State {
    /// Never set at the top level.
    Unset,
    /// The last top-level setting.
    Set(Setting),
    /// Set in a way ngxfix cannot evaluate: why.
    Unknown(String),
}

/// One `persistent_timeout` call with a literal value.
#[derive(Debug, Clone)]
struct Setting {
    secs: u64,
    /// Byte range of the number in the file (inside quotes for a string).
    start: usize,
    end: usize,
    line: usize,
    /// The statement as written, for messages.
    stmt: String,
    /// A Float literal whose fraction Puma drops.
    truncated: bool,
}

/// A line of Ruby code at the top level of the file, for placing a new
/// setting.
#[derive(Debug, Clone)]
struct TopLine {
    start: usize,
    /// The first word (the DSL method called).
    word: String,
    /// Whether the statement ends on this line.
    complete: bool,
    /// Written as `name(args)` rather than `name args`.
    parens: bool,
}

/// Everything read from the file in one pass.
#[derive(Debug)]
struct Scan {
    state: State,
    /// `enable_keep_alives false` / `queue_requests false` at the top level:
    /// the line and statement.
    no_keepalive: Option<(usize, String)>,
    top: Vec<TopLine>,
}

/// Puma: its Ruby configuration DSL.
#[derive(Debug)]
pub(crate) struct Puma;

impl ServerFormat for Puma {
    fn kinds(&self) -> &'static [&'static str] {
        &["puma"]
    }

    fn files(&self) -> &'static str {
        "puma.rb (config/puma.rb)"
    }

    fn read(&self, src: &Source<'_>) -> Reading {
        read(src)
    }

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        edits(src, target)
    }
}

/// The idle keepalive timeout a Puma configuration file gives.
fn read(src: &Source<'_>) -> Reading {
    let scan = scan(src.text);
    if let Some((line, stmt)) = &scan.no_keepalive {
        return Reading {
            idle: Idle::NoKeepalive,
            kind: KIND,
            detail: format!(
                "{stmt} at line {line}: Puma closes every connection after its response (Connection: close)"
            ),
        };
    }
    match &scan.state {
        State::Set(s) => Reading {
            idle: Idle::After(Duration::from_secs(s.secs)),
            kind: KIND,
            detail: set_detail(s),
        },
        State::Unknown(why) => Reading {
            idle: Idle::Unknown(why.clone()),
            kind: KIND,
            detail: why.clone(),
        },
        State::Unset => default_reading(src),
    }
}

fn set_detail(s: &Setting) -> String {
    if s.truncated {
        format!(
            "{} at line {} (Puma's Integer() drops the fraction: {} s)",
            s.stmt, s.line, s.secs
        )
    } else {
        format!("{} at line {}", s.stmt, s.line)
    }
}

fn default_reading(src: &Source<'_>) -> Reading {
    // The kinds table's default, so that `puma@V` and `puma@V:PATH` of a
    // file that sets none agree.
    let kind = ServerKind::own(KIND);
    let idle = kind.idle_for(src.version);
    let detail = match src.version {
        Some(v) if v >= 7 => format!(
            "{SETTING} is not set in {}: Puma {v}'s default (the environment variable PUMA_PERSISTENT_TIMEOUT, if set where Puma runs, overrides it)",
            src.path
        ),
        Some(v) => format!("{SETTING} is not set in {}: Puma {v}'s default", src.path),
        None => {
            let since = kind.changed_in().unwrap_or_default();
            let secs = |major| kind.timeout_for(Some(major)).as_millis() / 1000;
            format!(
                "{SETTING} is not set in {}: Puma's default, {} s before {since}.0 and {} s since (the shorter is assumed; give the version as puma@{since}:{}); Puma 7 also reads the environment variable PUMA_PERSISTENT_TIMEOUT",
                src.path,
                secs(since.saturating_sub(1)),
                secs(since),
                src.path
            )
        }
    };
    Reading {
        idle,
        kind: KIND,
        detail,
    }
}

/// Edits that make the file give a `persistent_timeout` of at least
/// `target`, in whole seconds.
fn edits(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    let scan = scan(src.text);
    let secs = ceil_secs(target);
    if let Some((line, stmt)) = &scan.no_keepalive {
        return Err(RaiseError::Pointless(format!(
            "{stmt} at line {line} turns keep-alive off in {}: Puma closes every connection, so there is no idle timeout to raise",
            src.path
        )));
    }
    match &scan.state {
        State::Unknown(why) => Err(RaiseError::ByHand {
            why: why.clone(),
            setting: format!("{SETTING} {secs} in {}", src.path),
        }),
        State::Set(s)
            if need(&Idle::After(Duration::from_secs(s.secs)), target)? == Need::Nothing =>
        {
            Ok(vec![])
        }
        State::Set(s) => Ok(vec![Edit::new(s.start, s.end, secs.to_string())]),
        State::Unset => {
            // A version whose default is enough needs no edit; without a
            // version, the setting is written for whichever runs.
            if src.version.is_some() && need(&default_reading(src).idle, target)? == Need::Nothing {
                return Ok(vec![]);
            }
            Ok(vec![add_setting(src.text, &scan.top, secs)])
        }
    }
}

/// A new `persistent_timeout` line: after the related settings a human
/// would look for it beside, else at the end of the file.
fn add_setting(text: &str, top: &[TopLine], secs: u64) -> Edit<()> {
    let parens = top.iter().filter(|l| l.parens).count() * 2 > top.len();
    let line = if parens {
        format!("{SETTING}({secs})")
    } else {
        format!("{SETTING} {secs}")
    };
    let preferences: [&[&str]; 3] = [
        &["first_data_timeout", "worker_timeout"],
        &["port", "bind"],
        &["threads", "workers"],
    ];
    for words in preferences {
        let anchor = top
            .iter()
            .rev()
            .find(|l| words.contains(&l.word.as_str()))
            .filter(|l| l.complete);
        if let Some(anchor) = anchor {
            return text::insert_line_after(text, anchor.start, &line);
        }
    }
    text::append_line(text, &line)
}

/// Reads the file line by line, tracking `end`-terminated blocks and braces
/// so that only top-level calls count.
fn scan(text: &str) -> Scan {
    let mut out = Scan {
        state: State::Unset,
        no_keepalive: None,
        top: Vec::new(),
    };
    let mut depth: usize = 0;
    let mut skip_until: Option<String> = None;
    for (index, (start, raw)) in text::lines(text).enumerate() {
        let line_no = index + 1;
        let skip = text::bom_len(text).min(if start == 0 { raw.len() } else { 0 });
        let (start, raw) = (start + skip, &raw[skip..]);
        if let Some(end) = &skip_until {
            if raw.trim() == end || (end == "=end" && raw.starts_with("=end")) {
                skip_until = None;
            }
            continue;
        }
        if raw.starts_with("=begin") {
            skip_until = Some("=end".to_string());
            continue;
        }
        let code = strip_comment(raw);
        if let Some(tag) = heredoc_tag(code) {
            skip_until = Some(tag);
        }
        let words = words(code);
        if depth == 0 {
            visit_top_line(&mut out, start, line_no, code, &words);
        } else if words.first().map(String::as_str) == Some(SETTING) {
            out.state = State::Unknown(format!(
                "{} at line {line_no} is inside a block or conditional",
                code.trim()
            ));
        }
        depth = next_depth(depth, code, &words);
    }
    out
}

fn visit_top_line(out: &mut Scan, start: usize, line: usize, code: &str, words: &[String]) {
    let trimmed = code.trim_start();
    let Some(first) = words.first() else {
        return;
    };
    if !trimmed.starts_with(first.as_str()) {
        return;
    }
    let indent = code.len() - trimmed.len();
    let rest = &trimmed[first.len()..];
    out.top.push(TopLine {
        start,
        word: first.clone(),
        complete: statement_complete(code),
        parens: rest.starts_with('('),
    });
    match first.as_str() {
        SETTING => {
            let value_at = start + indent + first.len();
            out.state = parse_setting(rest, value_at, line, trimmed.trim_end());
        }
        "enable_keep_alives" | "queue_requests" => {
            if matches!(call_args(rest), Some((args, false)) if args.trim() == "false") {
                out.no_keepalive = Some((line, trimmed.trim_end().to_string()));
            }
        }
        _ => {}
    }
}

/// The arguments of a DSL call written `name(args)` or `name args`, given
/// the text after the name, with whether a trailing `if`/`unless`
/// modifier makes it conditional.
fn call_args(rest: &str) -> Option<(&str, bool)> {
    if let Some(inner) = rest.strip_prefix('(') {
        let close = matching_paren(inner)?;
        let after = inner[close + 1..].trim();
        return Some((&inner[..close], is_modifier(after)));
    }
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let args = rest.trim();
    match find_modifier(args) {
        Some(at) => Some((args[..at].trim_end(), true)),
        None => Some((args, false)),
    }
}

fn parse_setting(rest: &str, rest_at: usize, line: usize, stmt: &str) -> State {
    let computed = |why: &str| State::Unknown(format!("{stmt} at line {line} {why}"));
    let Some((args, conditional)) = call_args(rest) else {
        return computed("cannot be read");
    };
    if conditional {
        return computed("is conditional");
    }
    let arg_at = rest_at + (args.as_ptr() as usize - rest.as_ptr() as usize);
    let (inner, inner_at) = match unquote(args) {
        Some(inner) => (inner, arg_at + 1),
        None => (args, arg_at),
    };
    let quoted = inner.len() != args.len();
    match literal_secs(inner, quoted) {
        Some((secs, truncated)) => State::Set(Setting {
            secs,
            start: inner_at,
            end: inner_at + inner.len(),
            line,
            stmt: stmt.to_string(),
            truncated,
        }),
        None if args.contains("ENV") => computed("comes from an environment variable"),
        None => computed("is computed"),
    }
}

/// `30`, `30_000`, `30.5` (a Float: Puma's `Integer()` drops the
/// fraction) or, inside quotes, a plain decimal; seconds and whether a
/// fraction was dropped. Leading zeros (octal in Ruby) are refused.
fn literal_secs(text: &str, quoted: bool) -> Option<(u64, bool)> {
    let (whole, frac) = match text.split_once('.') {
        Some(_) if quoted => return None,
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits_ok = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit() || b == b'_')
            && s.as_bytes()[0].is_ascii_digit()
            && !s.ends_with('_')
    };
    if !digits_ok(whole) || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    if quoted && whole.contains('_') {
        return None;
    }
    let secs: u64 = whole.replace('_', "").parse().ok()?;
    secs.checked_mul(1000)?;
    match frac {
        Some(f) if !digits_ok(f) => None,
        Some(f) => Some((secs, f.bytes().any(|b| b != b'0' && b != b'_'))),
        None => Some((secs, false)),
    }
}

fn unquote(text: &str) -> Option<&str> {
    let first = text.chars().next()?;
    if (first == '"' || first == '\'') && text.len() >= 2 && text.ends_with(first) {
        Some(&text[1..text.len() - 1])
    } else {
        None
    }
}

fn is_modifier(text: &str) -> bool {
    ["if", "unless", "while", "until"]
        .iter()
        .any(|m| text == *m || text.starts_with(&format!("{m} ")))
}

/// The offset of a trailing `if`/`unless`/`while`/`until` modifier.
fn find_modifier(args: &str) -> Option<usize> {
    let mut quote: Option<u8> = None;
    let bytes = args.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if i > 0
                && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t')
                && is_modifier(&args[i..]) =>
            {
                return Some(i)
            }
            None => {}
        }
    }
    None
}

/// The offset of the `)` closing a call whose `(` came just before `text`.
fn matching_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    for (i, b) in text.bytes().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'(' => depth += 1,
                b')' if depth == 0 => return Some(i),
                b')' => depth -= 1,
                _ => {}
            },
        }
    }
    None
}

/// The line without its comment (`#` outside a string).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for (i, b) in line.bytes().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match quote {
            Some(_) if b == b'\\' => escaped = true,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'#' => return &line[..i],
                _ => {}
            },
        }
    }
    line
}

/// The terminator of a heredoc the line opens (`<<~EOS`, `<<-EOS`,
/// `<<EOS`), whose body is not code.
fn heredoc_tag(code: &str) -> Option<String> {
    let at = code.find("<<")?;
    let rest = code[at + 2..].trim_start_matches(['~', '-']);
    let rest = rest.trim_start_matches(['"', '\'']);
    let tag: String = rest
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
        .collect();
    (!tag.is_empty() && tag.starts_with(|c: char| c.is_ascii_uppercase())).then_some(tag)
}

/// The words (identifiers and keywords) of a line of code, outside strings.
fn words(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut quote: Option<u8> = None;
    let mut current = String::new();
    for b in code.bytes() {
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            continue;
        }
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'?' || b == b'!' || b == b':' {
            current.push(char::from(b));
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if b == b'"' || b == b'\'' {
            quote = Some(b);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The nesting depth after a line: `end`-terminated constructs and braces.
fn next_depth(depth: usize, code: &str, words: &[String]) -> usize {
    let mut depth = depth as i64;
    let trimmed = code.trim_start();
    let loop_line = matches!(
        words.first().map(String::as_str),
        Some("while" | "until" | "for")
    );
    for (i, word) in words.iter().enumerate() {
        match word.as_str() {
            // A modifier (`x if y`) opens nothing.
            "if" | "unless" | "while" | "until"
                if (i == 0 && trimmed.starts_with(word.as_str())) || opens_value(code, word) =>
            {
                depth += 1
            }
            "case" | "begin" | "def" | "class" | "module" | "for" => depth += 1,
            "do" if !loop_line => depth += 1,
            "end" => depth -= 1,
            _ => {}
        }
    }
    let mut quote: Option<u8> = None;
    for b in code.bytes() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'{' => depth += 1,
                b'}' => depth -= 1,
                _ => {}
            },
        }
    }
    depth.max(0) as usize
}

/// `x = if cond`: a conditional used as a value opens a block.
fn opens_value(code: &str, word: &str) -> bool {
    code.find(&format!("= {word} "))
        .or_else(|| code.find(&format!("={word} ")))
        .is_some()
}

/// Whether a statement ends on this line (no trailing operator, comma,
/// open bracket or block opener).
fn statement_complete(code: &str) -> bool {
    let t = code.trim_end();
    !(t.ends_with([',', '\\', '(', '[', '{', '|', '+', '-', '*', '/', '.', '='])
        || t.ends_with(" do")
        || t.ends_with("&&")
        || t.ends_with("||"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::apply;

    fn raise(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        Puma.raise(src, target)
    }

    fn src(text: &str) -> Source<'_> {
        Source {
            path: "config/puma.rb",
            text,
            version: None,
        }
    }

    fn secs(n: u64) -> Idle {
        Idle::After(Duration::from_secs(n))
    }

    /// Raise, check the new text, and check that it now reads >= target.
    fn raised(text: &str, version: Option<u32>, target_ms: u64) -> String {
        let s = Source {
            path: "config/puma.rb",
            text,
            version,
        };
        crate::testing::raised(&Puma, s, Duration::from_millis(target_ms))
    }

    const RAILS: &str = "# Puma configuration\n\
        threads_count = ENV.fetch(\"RAILS_MAX_THREADS\", 3)\n\
        threads threads_count, threads_count\n\
        \n\
        # Specifies the `port` that Puma will listen on.\n\
        port ENV.fetch(\"PORT\", 3000)\n\
        \n\
        plugin :tmp_restart\n";

    #[test]
    fn default_depends_on_the_version() {
        let r = read(&src(RAILS));
        assert_eq!(r.idle, secs(20));
        assert!(r.detail.contains("puma@7:config/puma.rb"), "{}", r.detail);
        assert!(r.detail.contains("PUMA_PERSISTENT_TIMEOUT"), "{}", r.detail);
        let v7 = Source {
            version: Some(7),
            ..src(RAILS)
        };
        assert_eq!(read(&v7).idle, secs(65));
        assert!(read(&v7).detail.contains("PUMA_PERSISTENT_TIMEOUT"));
        let v6 = Source {
            version: Some(6),
            ..src(RAILS)
        };
        assert_eq!(read(&v6).idle, secs(20));
    }

    #[test]
    fn each_syntax_reads() {
        let r = read(&src("workers 2\npersistent_timeout 30\n"));
        assert_eq!(r.idle, secs(30));
        assert_eq!(r.detail, "persistent_timeout 30 at line 2");
        assert_eq!(read(&src("persistent_timeout(75)\n")).idle, secs(75));
        assert_eq!(read(&src("persistent_timeout \"45\"\n")).idle, secs(45));
        assert_eq!(read(&src("persistent_timeout '45'")).idle, secs(45));
        assert_eq!(
            read(&src("persistent_timeout 1_000 # long\n")).idle,
            secs(1000)
        );
        // The last top-level call wins.
        assert_eq!(
            read(&src("persistent_timeout 10\npersistent_timeout 70\n")).idle,
            secs(70)
        );
        // Comments and heredocs are not settings.
        let t = "# persistent_timeout 5\nx = <<~EOS\npersistent_timeout 5\nEOS\npersistent_timeout 80\n";
        assert_eq!(read(&src(t)).idle, secs(80));
    }

    #[test]
    fn a_float_loses_its_fraction_as_puma_does() {
        let r = read(&src("persistent_timeout 30.9\n"));
        assert_eq!(r.idle, secs(30));
        assert!(r.detail.contains("drops the fraction"), "{}", r.detail);
        assert_eq!(read(&src("persistent_timeout 30.0\n")).idle, secs(30));
    }

    #[test]
    fn computed_conditional_and_env_values_are_unknown() {
        let cases = [
            (
                "persistent_timeout ENV.fetch(\"PUMA_PERSISTENT_TIMEOUT\", 20)\n",
                "environment variable",
            ),
            (
                "persistent_timeout Integer(ENV[\"PUMA_PERSISTENT_TIMEOUT\"] || 25)\n",
                "environment variable",
            ),
            ("persistent_timeout timeout_secs\n", "computed"),
            ("persistent_timeout \"3.5\"\n", "computed"),
            ("persistent_timeout 030\n", "computed"),
            ("persistent_timeout 90 if production?\n", "conditional"),
            (
                "persistent_timeout(90) unless ENV[\"DEV\"]\n",
                "conditional",
            ),
            (
                "if ENV[\"ALB\"]\n  persistent_timeout 90\nend\n",
                "inside a block or conditional",
            ),
            (
                "before_fork do\n  persistent_timeout 90\nend\n",
                "inside a block or conditional",
            ),
        ];
        for (text, why) in cases {
            match read(&src(text)).idle {
                Idle::Unknown(w) => assert!(w.contains(why), "{text:?}: {w}"),
                other => panic!("{text:?} reads {other:?}"),
            }
            assert!(raise(&src(text), Duration::from_secs(61)).is_err());
        }
        // A top-level setting after the block decides.
        let t = "if x\n  persistent_timeout 5\nend\npersistent_timeout 90\n";
        assert_eq!(read(&src(t)).idle, secs(90));
    }

    #[test]
    fn keep_alive_turned_off_is_no_keepalive() {
        let t = "port 3000\nenable_keep_alives false\n";
        let r = read(&src(t));
        assert_eq!(r.idle, Idle::NoKeepalive);
        assert!(r.detail.contains("enable_keep_alives false at line 2"));
        assert_eq!(
            read(&src("queue_requests(false)\n")).idle,
            Idle::NoKeepalive
        );
        assert!(raise(&src(t), Duration::from_secs(61)).is_err());
        // Turned off only sometimes: the timeout still matters.
        let t = "enable_keep_alives false if ENV[\"X\"]\npersistent_timeout 9\n";
        assert_eq!(read(&src(t)).idle, secs(9));
    }

    #[test]
    fn raise_changes_only_the_number() {
        let t = "workers 2\npersistent_timeout 30 # ALB is 60\n";
        assert_eq!(
            raised(t, None, 61_000),
            "workers 2\npersistent_timeout 61 # ALB is 60\n"
        );
        assert_eq!(
            raised("persistent_timeout(\"30\")\n", None, 60_500),
            "persistent_timeout(\"61\")\n"
        );
        assert_eq!(
            raised("persistent_timeout 30.5\n", None, 61_000),
            "persistent_timeout 61\n"
        );
    }

    #[test]
    fn raise_adds_the_setting_beside_related_ones() {
        assert_eq!(
            raised(RAILS, None, 61_000),
            RAILS.replace(
                "port ENV.fetch(\"PORT\", 3000)\n",
                "port ENV.fetch(\"PORT\", 3000)\npersistent_timeout 61\n"
            )
        );
        let t = "workers 2\nfirst_data_timeout 30\nplugin :tmp_restart\n";
        assert_eq!(
            raised(t, None, 61_000),
            "workers 2\nfirst_data_timeout 30\npersistent_timeout 61\nplugin :tmp_restart\n"
        );
        // Parenthesised style, no related line, no final newline.
        let t = "environment(\"production\")\nplugin(:tmp_restart)";
        assert_eq!(
            raised(t, None, 61_000),
            "environment(\"production\")\nplugin(:tmp_restart)\npersistent_timeout(61)\n"
        );
        // A `port` call that continues on the next line is no anchor.
        let t = "port ENV.fetch(\"PORT\",\n  3000)\n";
        assert_eq!(
            raised(t, None, 61_000),
            "port ENV.fetch(\"PORT\",\n  3000)\npersistent_timeout 61\n"
        );
    }

    #[test]
    fn raise_keeps_crlf_and_bom() {
        let t = "\u{feff}threads 5, 5\r\nport 3000\r\npersistent_timeout 20\r\n";
        assert_eq!(
            raised(t, None, 61_000),
            "\u{feff}threads 5, 5\r\nport 3000\r\npersistent_timeout 61\r\n"
        );
        let t = "\u{feff}threads 5, 5\r\nport 3000\r\n";
        assert_eq!(
            raised(t, None, 61_000),
            "\u{feff}threads 5, 5\r\nport 3000\r\npersistent_timeout 61\r\n"
        );
        assert_eq!(read(&src("\u{feff}persistent_timeout 7\n")).idle, secs(7));
    }

    #[test]
    fn enough_already_needs_no_edit() {
        let t = "persistent_timeout 75\n";
        assert_eq!(raise(&src(t), Duration::from_secs(61)), Ok(vec![]));
        // Puma 7's default is enough; without a version it is not assumed.
        let v7 = Source {
            version: Some(7),
            ..src(RAILS)
        };
        assert_eq!(raise(&v7, Duration::from_secs(61)), Ok(vec![]));
        assert_eq!(
            raise(&src(RAILS), Duration::from_secs(61)).map(|e| e.len()),
            Ok(1)
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for t in [
            "",
            "persistent_timeout",
            "persistent_timeout(",
            "persistent_timeout \"",
            "persistent_timeout 99999999999999999999999",
            "end end end\npersistent_timeout 3",
            "=begin\npersistent_timeout 3",
            "\u{feff}",
            "persistent_timeout é",
        ] {
            let _ = read(&src(t));
            let _ = raise(&src(t), Duration::from_secs(61));
        }
    }

    mod no_panic {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn any_text(text in "(persistent_timeout|enable_keep_alives|queue_requests|false|port|threads|do|end|if|unless|=begin|=end|<<~EOS|EOS|#|\"|'|[(){}]| |\n|\r\n|30|1_0|2[.]5|é|\u{feff}|ENV)*") {
                let s = src(&text);
                let _ = read(&s);
                if let Ok(edits) = raise(&s, Duration::from_secs(61)) {
                    for e in &edits {
                        let r = e.range();
                        prop_assert!(r.start <= r.end && r.end <= text.len());
                        prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                    }
                    let _ = apply(&text, &edits);
                }
            }
        }
    }
}
