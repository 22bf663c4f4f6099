//! A program's command line as files that start it spell it: a Procfile
//! (`web: gunicorn app:app --keep-alive 5`), a systemd unit (`ExecStart=`,
//! `Environment=`), a shell script (`exec gunicorn \` with continuations,
//! `export NAME=value`, `NAME=value gunicorn ...`), a Dockerfile (`ENV`,
//! `CMD`/`ENTRYPOINT` in exec or shell form) or an env file (`NAME=value`).
//!
//! Words are split with the quoting rules of each syntax and keep, for every
//! byte of their value, the byte of the file it came from: options and
//! environment values come back with the span of their value, so an editor
//! can replace just that, or insert a new option right after the program's
//! word. Parts that expand at run time (`$OTHER`, `${X}`, `$(cmd)`, systemd
//! `%i`) are marked: ngxfix cannot know what they hold.

use crate::{text, RaiseError, TextEdit};

/// How a file spells command lines, picked from its name and text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// `name: command` lines.
    Procfile,
    /// `[Service]` with `ExecStart=`, `Environment=`, `EnvironmentFile=`.
    Systemd,
    /// A POSIX shell script.
    Shell,
    /// `ENV`, `CMD`, `ENTRYPOINT`.
    Dockerfile,
    /// `NAME=value` lines only (`.env`, Docker `--env-file`, systemd
    /// `EnvironmentFile=`).
    EnvFile,
}

impl Syntax {
    /// The syntax of the file at `path` holding `text`.
    pub(crate) fn of(path: &str, text: &str) -> Syntax {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("procfile") {
            Syntax::Procfile
        } else if lower.starts_with("dockerfile")
            || lower.starts_with("containerfile")
            || lower.ends_with(".dockerfile")
        {
            Syntax::Dockerfile
        } else if lower.ends_with(".service")
            || text::lines(text).any(|(_, l)| l.trim() == "[Service]")
        {
            Syntax::Systemd
        } else if lower.ends_with(".env") || lower.starts_with(".env") || looks_like_env(text) {
            Syntax::EnvFile
        } else {
            Syntax::Shell
        }
    }

    /// How messages name it.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Syntax::Procfile => "Procfile",
            Syntax::Systemd => "systemd unit",
            Syntax::Shell => "shell script",
            Syntax::Dockerfile => "Dockerfile",
            Syntax::EnvFile => "env file",
        }
    }
}

/// Whether every line that is not blank or a comment is `[export ]NAME=...`.
fn looks_like_env(text: &str) -> bool {
    let mut any = false;
    for (_, line) in text::lines(text) {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        match line.split_once('=') {
            Some((name, _)) if is_name(name) => any = true,
            _ => return false,
        }
    }
    any
}

/// A shell variable name.
pub(crate) fn is_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

/// One word after quote removal, with where each of its bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// The word as the program receives it (expansions left as written).
    pub(crate) text: String,
    /// Its bytes in the file, quotes included.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The file offset of each byte of `text`.
    src: Vec<usize>,
    /// Which bytes of `text` come from a run-time expansion.
    dynamic: Vec<bool>,
    /// The file offset right after the word's content: where text added to
    /// the end of its value goes (inside its closing quote).
    tail: usize,
    /// A quote in it is never closed: the shell would refuse the line.
    unclosed: bool,
}

impl Word {
    /// Whether any of it expands at run time.
    pub(crate) fn is_dynamic(&self) -> bool {
        self.dynamic.iter().any(|d| *d)
    }

    /// Whether it starts with an expansion, so it may stand for several
    /// words or options (`$OPTS`, `"$@"`).
    pub(crate) fn starts_dynamic(&self) -> bool {
        self.dynamic.first().copied().unwrap_or(false)
    }

    /// Bytes `from..` of the word as a word of its own.
    fn suffix(&self, from: usize) -> Word {
        let from = from.min(self.text.len());
        let start = self.src.get(from).copied().unwrap_or(self.tail);
        Word {
            text: self.text[from..].to_string(),
            start,
            end: self.end.max(start),
            src: self.src[from..].to_vec(),
            dynamic: self.dynamic[from..].to_vec(),
            tail: self.tail,
            unclosed: self.unclosed,
        }
    }

    /// Bytes `from..` of the word as a value, with their span in `file`.
    pub(crate) fn value_from(&self, from: usize, file: &str) -> Value {
        let from = from.min(self.text.len());
        let text = self.text[from..].to_string();
        let (start, end) = match (self.src.get(from), self.src.last()) {
            (Some(&s), Some(&e)) => (s, e + 1),
            _ => (self.tail, self.tail),
        };
        let exact = file.get(start..end) == Some(text.as_str());
        Value {
            dynamic: self.dynamic[from..].iter().any(|d| *d),
            line: text::line_of(file, start),
            text,
            start,
            end,
            exact,
        }
    }

    /// This word's bytes mapped through `outer`, the word whose text it
    /// was split from.
    fn within(mut self, outer: &Word) -> Word {
        let map = |i: usize| outer.src.get(i).copied();
        let after = |i: usize| {
            if i == 0 {
                outer.src.first().copied().unwrap_or(outer.tail)
            } else {
                outer.src.get(i - 1).map_or(outer.tail, |p| p + 1)
            }
        };
        for (i, p) in self.src.iter_mut().enumerate() {
            let inner = *p;
            *p = map(inner).unwrap_or(outer.tail);
            if outer.dynamic.get(inner).copied().unwrap_or(false) {
                self.dynamic[i] = true;
            }
        }
        self.start = map(self.start).unwrap_or(outer.tail);
        self.end = after(self.end);
        self.tail = after(self.tail);
        self.unclosed |= outer.unclosed;
        self
    }
}

/// A value found in a file: an option's argument or an environment
/// variable's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    /// The value as the program receives it.
    pub(crate) text: String,
    /// Its bytes in the file.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Whether `start..end` holds exactly `text` (no quotes or escapes
    /// inside it), so that replacing those bytes replaces the value.
    pub(crate) exact: bool,
    /// Whether it expands at run time (`$KA`).
    pub(crate) dynamic: bool,
    /// The line it is on.
    pub(crate) line: usize,
}

impl Value {
    /// An edit that makes the value `new`; refused when its bytes cannot
    /// be replaced as they stand (quotes or escapes inside them).
    pub(crate) fn replace(&self, new: &str) -> Result<TextEdit, RaiseError> {
        if !self.exact {
            return Err(RaiseError::Quoted {
                value: self.text.clone(),
                line: self.line,
            });
        }
        Ok(TextEdit {
            start: self.start,
            end: self.end,
            text: new.to_string(),
        })
    }
}

/// `NAME=value` in a program's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    /// The variable's name.
    pub(crate) name: String,
    /// Its value, quotes removed, mapped into the file.
    pub(crate) value: Word,
    /// The line it is on.
    pub(crate) line: usize,
}

/// A value-taking option of a program: `--keep-alive N`, `--keep-alive=N`,
/// and for a short name `-k N` and `-kN`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OptSpec {
    /// The long name, dashes included (`--keep-alive`).
    pub(crate) long: &'static str,
    /// The one-letter name, if it has one (`k` for `-k`).
    pub(crate) short: Option<char>,
}

/// A program ngxfix looks for on command lines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Program {
    /// Its executable's name (`gunicorn`), also found as a path ending in
    /// it or as `python -m gunicorn`.
    pub(crate) name: &'static str,
    /// Options that take no value: a `$VAR` after one of them is not its
    /// value and may hide options.
    pub(crate) flags: &'static [&'static str],
}

/// What a command line says about one option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Not given.
    Absent,
    /// The value of its last occurrence, the one the program uses.
    Set(Value),
    /// Not given literally, but this word, which expands at run time, may
    /// give it (`$GUNICORN_OPTS`, `"$@"`).
    Hidden(String),
}

/// How new options are written on a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Space-separated words.
    Words,
    /// A JSON array of strings (Dockerfile exec form).
    Json,
}

/// One command line that runs the program.
#[derive(Debug, Clone)]
pub(crate) struct CommandLine {
    /// The line of the program's word.
    pub(crate) line: usize,
    /// The program's word (`/srv/venv/bin/gunicorn`, the `gunicorn` of
    /// `python -m gunicorn`).
    pub(crate) program: Word,
    /// The words after it.
    pub(crate) args: Vec<Word>,
    /// The environment the file gives it, in order (a later one wins).
    pub(crate) env: Vec<Assignment>,
    style: Style,
}

impl CommandLine {
    /// The option `spec` on this command line.
    pub(crate) fn option(&self, file: &str, spec: &OptSpec, program: &Program) -> Lookup {
        lookup(&self.args, file, spec, program)
    }

    /// The environment variable `name` the file gives this command.
    pub(crate) fn env_var(&self, name: &str) -> Option<&Assignment> {
        self.env.iter().rev().find(|a| a.name == name)
    }

    /// An edit that adds `option value` right after the program's word.
    pub(crate) fn insert_option(&self, option: &str, value: &str) -> TextEdit {
        let text = match self.style {
            Style::Words => format!(" {option} {value}"),
            Style::Json => format!(", \"{option}\", \"{value}\""),
        };
        TextEdit {
            start: self.program.end,
            end: self.program.end,
            text,
        }
    }
}

/// Everything a file says about how it runs a program.
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    /// How the file spells command lines.
    pub(crate) syntax: Syntax,
    /// The command lines that run the program.
    pub(crate) commands: Vec<CommandLine>,
    /// The environment assignments of an env file, or those a file without
    /// a command line of the program exports.
    pub(crate) env: Vec<Assignment>,
    /// Environment the file loads from elsewhere (`EnvironmentFile=`,
    /// `source`, `.`), which ngxfix does not read.
    pub(crate) env_files: Vec<String>,
    /// Why the file's command lines cannot be trusted (a quote that never
    /// closes), when they cannot.
    pub(crate) problem: Option<String>,
}

impl Scan {
    /// The environment variable `name` when the file has no command line:
    /// an env file's own assignment.
    pub(crate) fn env_var(&self, name: &str) -> Option<&Assignment> {
        self.env.iter().rev().find(|a| a.name == name)
    }

    /// A note for messages about environment loaded from elsewhere, naming
    /// the variables that may hide there.
    pub(crate) fn env_files_note(&self, vars: &str) -> Option<String> {
        (!self.env_files.is_empty()).then(|| {
            format!(
                "{} is not read: {vars} there would apply",
                self.env_files.join(", ")
            )
        })
    }
}

/// The command lines in `file` (named `path`) that run `program`.
pub(crate) fn scan(path: &str, file: &str, program: &Program) -> Scan {
    let syntax = Syntax::of(path, file);
    let mut scan = Scan {
        syntax,
        commands: Vec::new(),
        env: Vec::new(),
        env_files: Vec::new(),
        problem: None,
    };
    match syntax {
        Syntax::Procfile => scan_procfile(file, program, &mut scan),
        Syntax::Systemd => scan_systemd(file, program, &mut scan),
        Syntax::Shell => {
            let words = lex(file, text::bom_len(file), file.len(), Mode::Shell);
            scan_shell(file, words, None, program, &mut scan);
        }
        Syntax::Dockerfile => scan_dockerfile(file, program, &mut scan),
        Syntax::EnvFile => scan.env = env_file(file),
    }
    scan.problem = scan.commands.iter().find_map(|c| {
        let words = std::iter::once(&c.program)
            .chain(&c.args)
            .chain(c.env.iter().map(|a| &a.value));
        let bad = words.into_iter().find(|w| w.unclosed)?;
        Some(format!(
            "a quote at line {} is not closed",
            text::line_of(file, bad.start)
        ))
    });
    scan
}

/// `option` in `words`: the value of its last occurrence before `--`,
/// unless a word that expands at run time comes after it.
pub(crate) fn lookup(words: &[Word], file: &str, spec: &OptSpec, program: &Program) -> Lookup {
    let mut found: Option<Value> = None;
    let mut hidden: Option<String> = None;
    let short = spec.short.map(|c| format!("-{c}"));
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let t = w.text.as_str();
        if t == "--" && !w.is_dynamic() {
            break;
        }
        if t == spec.long || short.as_deref() == Some(t) {
            if let Some(next) = words.get(i + 1) {
                found = Some(next.value_from(0, file));
                hidden = None;
            }
            i += 2;
            continue;
        }
        if let Some(rest) = t.strip_prefix(spec.long) {
            if rest.starts_with('=') {
                found = Some(w.value_from(spec.long.len() + 1, file));
                hidden = None;
                i += 1;
                continue;
            }
        }
        if let Some(short) = &short {
            if t.len() > short.len() && t.starts_with(short.as_str()) && !t.starts_with("--") {
                found = Some(w.value_from(short.len(), file));
                hidden = None;
                i += 1;
                continue;
            }
        }
        if w.starts_dynamic() {
            hidden = Some(w.text.clone());
        } else if t.starts_with('-') && !t.contains('=') && !program.flags.contains(&t) {
            // Another option: a `$VAR` right after it is its value, which
            // cannot stand for options.
            if words.get(i + 1).is_some_and(Word::starts_dynamic) {
                i += 1;
            }
        }
        i += 1;
    }
    match (hidden, found) {
        (Some(word), _) => Lookup::Hidden(word),
        (None, Some(v)) => Lookup::Set(v),
        (None, None) => Lookup::Absent,
    }
}

/// `text` split into words the way Python's `shlex.split` does (as
/// gunicorn splits `GUNICORN_CMD_ARGS`), mapped back into the file.
pub(crate) fn split_value(word: &Word) -> Vec<Word> {
    lex(&word.text, 0, word.text.len(), Mode::Shlex)
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w.within(word)),
            Token::Sep | Token::Redirect { .. } => None,
        })
        .collect()
}

/// Why several command lines give no single answer (each gives its
/// `values` entry): `None` when they all agree.
pub(crate) fn disagreement<T: PartialEq + std::fmt::Display>(
    values: &[T],
    commands: &[CommandLine],
    name: &str,
) -> Option<String> {
    if values.windows(2).all(|w| w[0] == w[1]) {
        return None;
    }
    let each: Vec<String> = values
        .iter()
        .zip(commands)
        .map(|(value, c)| format!("{value} at line {}", c.line))
        .collect();
    Some(format!(
        "{name} starts the server on several command lines that differ: {}",
        each.join(", ")
    ))
}

// ---------------------------------------------------------------------
// Lexing

/// The quoting and expansion rules of one syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// POSIX sh: operators, comments, `$` expansions, backticks.
    Shell,
    /// systemd `ExecStart=`: `$NAME`/`${NAME}` and `%` specifiers expand.
    SystemdExec,
    /// systemd `Environment=`: only `%` specifiers expand.
    SystemdEnv,
    /// Python's `shlex.split`: quotes only.
    Shlex,
    /// Dockerfile `ENV`: quotes, and `$` expands at build time.
    DockerEnv,
}

impl Mode {
    fn operators(self) -> bool {
        self == Mode::Shell
    }
    fn dollar(self) -> bool {
        matches!(self, Mode::Shell | Mode::SystemdExec | Mode::DockerEnv)
    }
    fn percent(self) -> bool {
        matches!(self, Mode::SystemdExec | Mode::SystemdEnv)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(Word),
    /// `;`, `&&`, `||`, `|`, `&`, `(`, `)`, a line break.
    Sep,
    /// A redirection; `target` when the next word is its file.
    Redirect {
        target: bool,
    },
}

/// A word being built.
struct Builder {
    text: Vec<u8>,
    src: Vec<usize>,
    dynamic: Vec<bool>,
    start: Option<usize>,
    quoted_at: Option<usize>,
    unclosed: bool,
}

impl Builder {
    fn new() -> Self {
        Builder {
            text: Vec::new(),
            src: Vec::new(),
            dynamic: Vec::new(),
            start: None,
            quoted_at: None,
            unclosed: false,
        }
    }

    fn begin(&mut self, at: usize) {
        self.start.get_or_insert(at);
    }

    fn push(&mut self, byte: u8, at: usize, dynamic: bool) {
        self.text.push(byte);
        self.src.push(at);
        self.dynamic.push(dynamic);
    }

    fn push_range(&mut self, s: &[u8], from: usize, to: usize, dynamic: bool) {
        for (i, b) in s[from..to].iter().enumerate() {
            self.push(*b, from + i, dynamic);
        }
    }

    fn finish(&mut self, end: usize) -> Option<Word> {
        let start = self.start.take()?;
        let text = String::from_utf8(std::mem::take(&mut self.text))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let src = std::mem::take(&mut self.src);
        let tail = match (src.last(), self.quoted_at.take()) {
            (Some(&p), _) => p + 1,
            (None, Some(q)) => q + 1,
            (None, None) => start,
        };
        Some(Word {
            text,
            start,
            end,
            src,
            dynamic: std::mem::take(&mut self.dynamic),
            tail,
            unclosed: std::mem::take(&mut self.unclosed),
        })
    }
}

/// The words and operators of `s[from..to]`.
fn lex(s: &str, from: usize, to: usize, mode: Mode) -> Vec<Token> {
    let b = s.as_bytes();
    let to = to.min(b.len());
    let mut out = Vec::new();
    let mut w = Builder::new();
    let mut i = from;
    while i < to {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => {
                out.extend(w.finish(i).map(Token::Word));
                i += 1;
            }
            b'\n' => {
                out.extend(w.finish(i).map(Token::Word));
                out.push(Token::Sep);
                i += 1;
            }
            // A line continuation joins lines without starting a word.
            b'\\' if i + 1 < to && b[i + 1] == b'\n' => i += 2,
            b'\\' if i + 2 < to && b[i + 1] == b'\r' && b[i + 2] == b'\n' => i += 3,
            b'\\' => {
                w.begin(i);
                match b.get(i + 1) {
                    Some(_) if i + 1 < to => {
                        w.push(b[i + 1], i + 1, false);
                        i += 2;
                    }
                    _ => {
                        w.push(c, i, false);
                        i += 1;
                    }
                }
            }
            b'\'' => {
                w.begin(i);
                w.quoted_at.get_or_insert(i);
                let close = find_byte(b, i + 1, to, b'\'');
                w.push_range(b, i + 1, close, false);
                w.unclosed |= close >= to;
                i = (close + 1).min(to);
            }
            b'"' => {
                w.begin(i);
                w.quoted_at.get_or_insert(i);
                let (next, closed) = double_quoted(b, i + 1, to, mode, &mut w);
                w.unclosed |= !closed;
                i = next;
            }
            b'#' if mode.operators() && w.start.is_none() => {
                i = find_byte(b, i, to, b'\n');
            }
            b'$' if mode.dollar() => {
                w.begin(i);
                i = dollar(b, i, to, mode, &mut w);
            }
            b'%' if mode.percent() => {
                w.begin(i);
                i = percent(b, i, to, &mut w);
            }
            b'`' if mode == Mode::Shell => {
                w.begin(i);
                let close = find_byte(b, i + 1, to, b'`');
                let end = (close + 1).min(to);
                w.push_range(b, i, end, true);
                i = end;
            }
            b';' | b'&' | b'|' | b'(' | b')' if mode.operators() => {
                if c == b'&' && b.get(i + 1) == Some(&b'>') {
                    out.extend(w.finish(i).map(Token::Word));
                    let (next, target) = redirect(b, i + 1, to);
                    out.push(Token::Redirect { target });
                    i = next;
                    continue;
                }
                out.extend(w.finish(i).map(Token::Word));
                out.push(Token::Sep);
                i += 1;
                if matches!(
                    (c, b.get(i)),
                    (b';', Some(b';')) | (b'&', Some(b'&')) | (b'|', Some(b'|' | b'&'))
                ) {
                    i += 1;
                }
            }
            b'<' | b'>' if mode.operators() => {
                // `2>&1`: digits right before belong to the redirection.
                let fd = w.quoted_at.is_none()
                    && w.start.is_some()
                    && w.text.iter().all(u8::is_ascii_digit);
                if fd {
                    w = Builder::new();
                } else {
                    out.extend(w.finish(i).map(Token::Word));
                }
                let (next, target) = redirect(b, i, to);
                out.push(Token::Redirect { target });
                i = next;
            }
            _ => {
                w.begin(i);
                w.push(c, i, false);
                i += 1;
            }
        }
    }
    out.extend(w.finish(to).map(Token::Word));
    out
}

/// The first `byte` in `b[from..to]`, or `to`.
fn find_byte(b: &[u8], from: usize, to: usize, byte: u8) -> usize {
    b[from.min(to)..to]
        .iter()
        .position(|&x| x == byte)
        .map_or(to, |p| from + p)
}

/// The inside of a double-quoted string from `i`; returns the offset after
/// its closing quote, and whether there was one.
fn double_quoted(b: &[u8], mut i: usize, to: usize, mode: Mode, w: &mut Builder) -> (usize, bool) {
    while i < to {
        match b[i] {
            b'"' => return (i + 1, true),
            b'\\' if i + 1 < to => {
                let next = b[i + 1];
                let escapes = match mode {
                    Mode::Shell => matches!(next, b'$' | b'`' | b'"' | b'\\' | b'\n'),
                    _ => matches!(next, b'"' | b'\\'),
                };
                if escapes {
                    if next != b'\n' {
                        w.push(next, i + 1, false);
                    }
                    i += 2;
                } else {
                    w.push(b'\\', i, false);
                    i += 1;
                }
            }
            b'$' if mode.dollar() => i = dollar(b, i, to, mode, w),
            b'%' if mode.percent() => i = percent(b, i, to, w),
            b'`' if mode == Mode::Shell => {
                let close = find_byte(b, i + 1, to, b'`');
                let end = (close + 1).min(to);
                w.push_range(b, i, end, true);
                i = end;
            }
            c => {
                w.push(c, i, false);
                i += 1;
            }
        }
    }
    (to, false)
}

/// A `$` at `i`: an expansion (kept as written, marked dynamic) or a
/// literal dollar sign. Returns the offset after it.
fn dollar(b: &[u8], i: usize, to: usize, mode: Mode, w: &mut Builder) -> usize {
    let next = if i + 1 < to {
        b.get(i + 1).copied()
    } else {
        None
    };
    let end = match next {
        Some(b'$') if mode == Mode::SystemdExec => {
            w.push(b'$', i, false);
            return i + 2;
        }
        Some(b'{') => matching(b, i + 1, to, b'{', b'}'),
        Some(b'(') if mode == Mode::Shell => matching(b, i + 1, to, b'(', b')'),
        Some(c) if c == b'_' || c.is_ascii_alphabetic() => {
            let mut j = i + 1;
            while j < to && (b[j] == b'_' || b[j].is_ascii_alphanumeric()) {
                j += 1;
            }
            j
        }
        Some(c) if mode == Mode::Shell && (c.is_ascii_digit() || b"@*#?$!-".contains(&c)) => i + 2,
        _ => {
            w.push(b'$', i, false);
            return i + 1;
        }
    };
    w.push_range(b, i, end, true);
    end
}

/// A systemd `%` specifier at `i`.
fn percent(b: &[u8], i: usize, to: usize, w: &mut Builder) -> usize {
    match b.get(i + 1) {
        Some(b'%') if i + 1 < to => {
            w.push(b'%', i, false);
            i + 2
        }
        Some(c) if i + 1 < to && c.is_ascii_alphabetic() => {
            w.push_range(b, i, i + 2, true);
            i + 2
        }
        _ => {
            w.push(b'%', i, false);
            i + 1
        }
    }
}

/// The offset after the bracket closing the one at `open_at`.
fn matching(b: &[u8], open_at: usize, to: usize, open: u8, close: u8) -> usize {
    let mut depth = 0usize;
    for (j, &c) in b.iter().enumerate().take(to).skip(open_at) {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return j + 1;
            }
        }
    }
    to
}

/// A redirection operator at `i` (`>`, `>>`, `<`, `>&2`, `&>`); returns the
/// offset after it and whether a file name follows.
fn redirect(b: &[u8], mut i: usize, to: usize) -> (usize, bool) {
    while i < to && matches!(b[i], b'<' | b'>' | b'|') {
        i += 1;
    }
    if i < to && b[i] == b'&' {
        i += 1;
        let start = i;
        while i < to && (b[i].is_ascii_digit() || b[i] == b'-') {
            i += 1;
        }
        return (i, i == start);
    }
    (i, true)
}

// ---------------------------------------------------------------------
// Shell scripts and Procfiles

/// Words that start a compound command or change nothing about the one
/// after them.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac",
];

/// Walks the simple commands of a shell text, collecting exported
/// environment and the command lines that run the program. `within` maps
/// nested words (`sh -c '...'`) back into the file.
fn scan_shell(
    file: &str,
    tokens: Vec<Token>,
    within: Option<&Word>,
    program: &Program,
    scan: &mut Scan,
) {
    let mut exported: Vec<Assignment> = Vec::new();
    let mut shell_vars: Vec<Assignment> = Vec::new();
    let mut allexport = false;
    for words in simple_commands(tokens) {
        let words: Vec<Word> = match within {
            Some(outer) => words.into_iter().map(|w| w.within(outer)).collect(),
            None => words,
        };
        let mut rest: &[Word] = &words;
        while let Some((first, tail)) = rest.split_first() {
            if RESERVED.contains(&first.text.as_str()) && !first.is_dynamic() {
                rest = tail;
            } else {
                break;
            }
        }
        let (inline, rest) = leading_assignments(file, rest);
        let Some(first) = rest.first() else {
            for a in inline {
                if allexport || exported.iter().any(|e| e.name == a.name) {
                    exported.push(a);
                } else {
                    shell_vars.push(a);
                }
            }
            continue;
        };
        match first.text.as_str() {
            "export" => {
                for w in &rest[1..] {
                    match assignment(file, w) {
                        Some(a) => exported.push(a),
                        None => {
                            if let Some(a) = shell_vars.iter().rev().find(|a| a.name == w.text) {
                                exported.push(a.clone());
                            }
                        }
                    }
                }
            }
            "set" => {
                for w in &rest[1..] {
                    match w.text.as_str() {
                        "-a" => allexport = true,
                        "+a" => allexport = false,
                        "allexport" => allexport = rest.iter().any(|x| x.text == "-o"),
                        _ => {}
                    }
                }
            }
            "source" | "." => {
                if let Some(f) = rest.get(1) {
                    scan.env_files.push(f.text.clone());
                }
            }
            _ => {
                let mut env = exported.clone();
                env.extend(inline);
                command_line(file, rest, env, Style::Words, program, scan);
            }
        }
    }
    if scan.commands.is_empty() && within.is_none() {
        scan.env = exported;
    }
}

/// The simple commands of a token stream, redirections removed.
fn simple_commands(tokens: Vec<Token>) -> Vec<Vec<Word>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut skip_next = false;
    for t in tokens {
        match t {
            Token::Word(w) => {
                if std::mem::take(&mut skip_next) {
                    continue;
                }
                current.push(w);
            }
            Token::Redirect { target } => skip_next = target,
            Token::Sep => {
                skip_next = false;
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The `NAME=value` words at the start of a command, and the rest.
fn leading_assignments<'w>(file: &str, words: &'w [Word]) -> (Vec<Assignment>, &'w [Word]) {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        match assignment(file, w) {
            Some(a) => out.push(a),
            None => return (out, &words[i..]),
        }
    }
    (out, &[])
}

/// `w` as `NAME=value`, when its name is literal.
fn assignment(file: &str, w: &Word) -> Option<Assignment> {
    let eq = w.text.find('=')?;
    let name = &w.text[..eq];
    if !is_name(name) || w.dynamic[..eq].iter().any(|d| *d) {
        return None;
    }
    Some(Assignment {
        name: name.to_string(),
        value: w.suffix(eq + 1),
        line: text::line_of(file, w.start),
    })
}

/// Records the command in `words` if it runs the program.
fn command_line(
    file: &str,
    words: &[Word],
    mut env: Vec<Assignment>,
    style: Style,
    program: &Program,
    scan: &mut Scan,
) {
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let name = basename(w);
        if name == Some(program.name) {
            scan.commands.push(CommandLine {
                line: text::line_of(file, w.start),
                program: w.clone(),
                args: words[i + 1..].to_vec(),
                env,
                style,
            });
            return;
        }
        let Some(name) = name else { return };
        if is_python(name) {
            if let Some(at) = python_module(&words[i + 1..], program.name) {
                i += 1 + at;
                let w = &words[i];
                scan.commands.push(CommandLine {
                    line: text::line_of(file, w.start),
                    program: w.clone(),
                    args: words[i + 1..].to_vec(),
                    env,
                    style,
                });
            }
            return;
        }
        if matches!(name, "sh" | "bash" | "dash" | "ash" | "zsh") {
            if let Some(script) = shell_c(&words[i + 1..]) {
                let tokens = lex(&script.text, 0, script.text.len(), Mode::Shell);
                let mut inner = Scan {
                    syntax: scan.syntax,
                    commands: Vec::new(),
                    env: Vec::new(),
                    env_files: Vec::new(),
                    problem: None,
                };
                scan_shell(file, tokens, Some(script), program, &mut inner);
                for mut c in inner.commands {
                    let mut full = env.clone();
                    full.append(&mut c.env);
                    c.env = full;
                    scan.commands.push(c);
                }
                scan.env_files.extend(inner.env_files);
                return;
            }
        }
        i += match wrapper(name, &words[i + 1..], file, &mut env) {
            Some(n) => 1 + n,
            None => return,
        };
    }
}

/// The last path component of a word whose name part is literal.
fn basename(w: &Word) -> Option<&str> {
    let at = w.text.rfind('/').map_or(0, |i| i + 1);
    if w.dynamic[at..].iter().any(|d| *d) || at == w.text.len() {
        return None;
    }
    Some(&w.text[at..])
}

/// `python`, `python3`, `python3.12`.
fn is_python(name: &str) -> bool {
    name.strip_prefix("python")
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// The index of the module word in `-m module` among Python's arguments.
fn python_module(words: &[Word], module: &str) -> Option<usize> {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let t = w.text.as_str();
        if t == "-m" {
            return (words.get(i + 1)?.text == module).then_some(i + 1);
        }
        if t.strip_prefix("-m") == Some(module) {
            return Some(i);
        }
        if !t.starts_with('-') {
            return None;
        }
        // Options with a separate value.
        i += if matches!(t, "-W" | "-X" | "-c") {
            2
        } else {
            1
        };
    }
    None
}

/// The script word of `-c SCRIPT` (also `-ec`, `-lc`).
fn shell_c(words: &[Word]) -> Option<&Word> {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let t = w.text.as_str();
        if !t.starts_with('-') || t.starts_with("--") {
            return None;
        }
        if t.contains('c') {
            return words.get(i + 1);
        }
        i += 1;
    }
    None
}

/// How many words after a wrapper command (`exec`, `env`, `uv run`,
/// `gosu app`) belong to it before the command it runs; `None` when `name`
/// is not a wrapper. `env`'s assignments join the environment.
fn wrapper(name: &str, after: &[Word], file: &str, env: &mut Vec<Assignment>) -> Option<usize> {
    let options = |from: usize| {
        from + after[from.min(after.len())..]
            .iter()
            .take_while(|w| w.text.starts_with('-') && !w.is_dynamic())
            .count()
    };
    let n = match name {
        "exec"
        | "nohup"
        | "command"
        | "time"
        | "nice"
        | "ddtrace-run"
        | "dumb-init"
        | "tini"
        | "opentelemetry-instrument"
        | "uvx"
        | "catchsegv" => options(0),
        "env" => {
            let mut n = 0;
            while let Some(w) = after.get(n) {
                if w.text == "-u" {
                    n += 2;
                } else if w.text.starts_with('-') {
                    n += 1;
                } else if let Some(a) = assignment(file, w) {
                    env.push(a);
                    n += 1;
                } else {
                    break;
                }
            }
            n
        }
        "sudo" => {
            let mut n = 0;
            while let Some(w) = after.get(n) {
                match w.text.as_str() {
                    "-u" | "-g" | "-C" => n += 2,
                    t if t.starts_with('-') => n += 1,
                    _ => break,
                }
            }
            n
        }
        "gosu" | "su-exec" | "setuidgid" => 1,
        "uv" | "poetry" | "pipenv" | "pdm" | "rye" | "hatch" | "pipx" => {
            if after.first()?.text != "run" {
                return None;
            }
            options(1)
        }
        "newrelic-admin" => {
            if after.first()?.text != "run-program" {
                return None;
            }
            1
        }
        _ => return None,
    };
    Some(n)
}

fn scan_procfile(file: &str, program: &Program, scan: &mut Scan) {
    for (at, line) in text::lines(file) {
        let skip = if at == 0 { text::bom_len(file) } else { 0 };
        let body = &line[skip..];
        if body.trim_start().starts_with('#') {
            continue;
        }
        let Some(colon) = body.find(':') else {
            continue;
        };
        let name = body[..colon].trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b))
        {
            continue;
        }
        let from = at + skip + colon + 1;
        let tokens = lex(file, from, at + line.len(), Mode::Shell);
        let mut one = Scan {
            syntax: scan.syntax,
            commands: Vec::new(),
            env: Vec::new(),
            env_files: Vec::new(),
            problem: None,
        };
        scan_shell(file, tokens, None, program, &mut one);
        scan.commands.append(&mut one.commands);
        scan.env_files.append(&mut one.env_files);
    }
}

// ---------------------------------------------------------------------
// systemd units

/// Logical lines (continuations joined): start offset, end offset.
fn logical_lines(file: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    for (at, line) in text::lines(file) {
        let start = open.unwrap_or(at);
        if line.ends_with('\\') {
            open = Some(start);
        } else {
            open = None;
            out.push((start, at + line.len()));
        }
    }
    if let Some(start) = open {
        out.push((start, file.len()));
    }
    out
}

fn scan_systemd(file: &str, program: &Program, scan: &mut Scan) {
    let mut section = String::new();
    let mut env: Vec<Assignment> = Vec::new();
    let mut execs: Vec<(usize, usize)> = Vec::new();
    for (start, end) in logical_lines(file) {
        let start = start.max(text::bom_len(file));
        let line = &file[start..end];
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if trimmed.starts_with('[') {
            section = trimmed.trim_end().to_string();
            continue;
        }
        if section != "[Service]" {
            continue;
        }
        let Some(eq) = line.find('=') else { continue };
        let key = line[..eq].trim();
        let value_at = start + eq + 1;
        match key {
            "Environment" => {
                for t in lex(file, value_at, end, Mode::SystemdEnv) {
                    if let Token::Word(w) = t {
                        env.extend(assignment(file, &w));
                    }
                }
            }
            "EnvironmentFile" => {
                let f = line[eq + 1..].trim();
                scan.env_files.push(f.trim_start_matches('-').to_string());
            }
            "ExecStart" => {
                // `ExecStart=` with no value resets the list.
                if line[eq + 1..].trim().is_empty() {
                    execs.clear();
                } else {
                    execs.push((value_at, end));
                }
            }
            _ => {}
        }
    }
    for (from, to) in execs {
        let b = file.as_bytes();
        let mut from = from;
        while from < to && matches!(b[from], b' ' | b'\t' | b'-' | b'@' | b':' | b'+' | b'!') {
            from += 1;
        }
        // A lone `;` separates commands.
        let mut words: Vec<Word> = Vec::new();
        let tokens = lex(file, from, to, Mode::SystemdExec);
        for t in tokens {
            if let Token::Word(w) = t {
                if w.text == ";" && w.end - w.start == 1 {
                    command_line(file, &words, env.clone(), Style::Words, program, scan);
                    words.clear();
                } else {
                    words.push(w);
                }
            }
        }
        command_line(file, &words, env.clone(), Style::Words, program, scan);
    }
    if scan.commands.is_empty() {
        scan.env = env;
    }
}

// ---------------------------------------------------------------------
// Dockerfiles

fn scan_dockerfile(file: &str, program: &Program, scan: &mut Scan) {
    let mut env: Vec<Assignment> = Vec::new();
    let mut cmd: Option<(Vec<Word>, Style, Vec<Assignment>)> = None;
    let mut entrypoint: Option<(Vec<Word>, Style, Vec<Assignment>)> = None;
    for (start, end) in logical_lines(file) {
        let start = start.max(text::bom_len(file));
        let line = &file[start..end];
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let word_end = trimmed
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(trimmed.len());
        let instruction = trimmed[..word_end].to_ascii_uppercase();
        let args_at = start + indent + word_end;
        match instruction.as_str() {
            "FROM" => {
                env.clear();
                cmd = None;
                entrypoint = None;
            }
            "ENV" => env.extend(docker_env(file, args_at, end)),
            "CMD" | "ENTRYPOINT" => {
                let (words, style) = match json_array(file, args_at, end) {
                    Some(words) => (words, Style::Json),
                    None => (docker_shell(file, args_at, end), Style::Words),
                };
                let slot = if instruction == "CMD" {
                    &mut cmd
                } else {
                    &mut entrypoint
                };
                *slot = Some((words, style, env.clone()));
            }
            _ => {}
        }
    }
    let before = scan.commands.len();
    if let Some((words, style, env)) = &entrypoint {
        let mut words = words.clone();
        // An exec-form ENTRYPOINT gets CMD's words as arguments.
        if let (Style::Json, Some((more, Style::Json, _))) = (style, &cmd) {
            words.extend(more.iter().cloned());
        }
        command_line(file, &words, env.clone(), *style, program, scan);
    }
    if scan.commands.len() == before {
        if let Some((words, style, env)) = cmd {
            command_line(file, &words, env, style, program, scan);
        }
    }
    if scan.commands.is_empty() {
        scan.env = env;
    }
}

/// A shell-form `CMD`/`ENTRYPOINT`: the first simple command that runs
/// something, as `/bin/sh -c` would.
fn docker_shell(file: &str, from: usize, to: usize) -> Vec<Word> {
    simple_commands(lex(file, from, to, Mode::Shell))
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// `ENV NAME=value ...` or the old `ENV NAME value`.
fn docker_env(file: &str, from: usize, to: usize) -> Vec<Assignment> {
    let words: Vec<Word> = lex(file, from, to, Mode::DockerEnv)
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w),
            _ => None,
        })
        .collect();
    let Some(first) = words.first() else {
        return Vec::new();
    };
    if first.text.contains('=') {
        return words.iter().filter_map(|w| assignment(file, w)).collect();
    }
    // `ENV NAME value with spaces`: the value is the rest of the line.
    let Some(second) = words.get(1) else {
        return Vec::new();
    };
    if !is_name(&first.text) {
        return Vec::new();
    }
    let raw_end = file[..to].trim_end().len();
    let value = raw_word(file, second.start, raw_end);
    vec![Assignment {
        name: first.text.clone(),
        value,
        line: text::line_of(file, first.start),
    }]
}

/// `file[from..to]` as a word, byte for byte.
fn raw_word(file: &str, from: usize, to: usize) -> Word {
    Word {
        text: file[from..to].to_string(),
        start: from,
        end: to,
        src: (from..to).collect(),
        dynamic: file.as_bytes()[from..to]
            .iter()
            .map(|&b| b == b'$')
            .collect(),
        tail: to,
        unclosed: false,
    }
}

/// The strings of a JSON array in `file[from..to]`, or `None` when it is
/// not one (a shell-form instruction).
fn json_array(file: &str, from: usize, to: usize) -> Option<Vec<Word>> {
    let b = file.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < to && b[i].is_ascii_whitespace()
            || i + 1 < to && b[i] == b'\\' && matches!(b[i + 1], b'\n' | b'\r')
        {
            i += if b[i] == b'\\' { 2 } else { 1 };
        }
        i
    };
    let mut i = skip_ws(from);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    i = skip_ws(i + 1);
    let mut words = Vec::new();
    if b.get(i) == Some(&b']') {
        return (skip_ws(i + 1) >= to).then_some(words);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let mut w = Builder::new();
        w.begin(i);
        w.quoted_at = Some(i);
        let mut j = i + 1;
        loop {
            if j >= to {
                return None;
            }
            match b.get(j)? {
                b'"' => break,
                b'\\' => {
                    let e = *b.get(j + 1)?;
                    let c = match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'"' | b'\\' | b'/' => e,
                        _ => return None,
                    };
                    w.push(c, j + 1, false);
                    j += 2;
                }
                &c => {
                    w.push(c, j, false);
                    j += 1;
                }
            }
        }
        words.push(w.finish(j + 1)?);
        i = skip_ws(j + 1);
        match b.get(i) {
            Some(b',') => i = skip_ws(i + 1),
            Some(b']') => return (skip_ws(i + 1) >= to).then_some(words),
            _ => return None,
        }
    }
}

// ---------------------------------------------------------------------
// Env files

/// The `NAME=value` lines of an env file.
fn env_file(file: &str) -> Vec<Assignment> {
    let b = file.as_bytes();
    let mut out = Vec::new();
    for (at, line) in text::lines(file) {
        let skip = if at == 0 { text::bom_len(file) } else { 0 };
        let body = &line[skip..];
        let trimmed = body.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let lead = body.len() - trimmed.len();
        let (trimmed, lead) = match trimmed.strip_prefix("export ") {
            Some(rest) => (
                rest.trim_start(),
                lead + trimmed.len() - rest.trim_start().len(),
            ),
            None => (trimmed, lead),
        };
        let Some(eq) = trimmed.find('=') else {
            continue;
        };
        let name = trimmed[..eq].trim_end();
        if !is_name(name) {
            continue;
        }
        let mut from = at + skip + lead + eq + 1;
        let end = at + line.len();
        while from < end && matches!(b[from], b' ' | b'\t') {
            from += 1;
        }
        let value = match b.get(from) {
            Some(&q @ (b'"' | b'\'')) if from < end => {
                let mut w = Builder::new();
                w.begin(from);
                w.quoted_at = Some(from);
                let mut j = from + 1;
                while j < end && b[j] != q {
                    if q == b'"' && b[j] == b'\\' && j + 1 < end {
                        w.push(b[j + 1], j + 1, false);
                        j += 2;
                    } else {
                        w.push(b[j], j, q == b'"' && b[j] == b'$');
                        j += 1;
                    }
                }
                match w.finish((j + 1).min(end)) {
                    Some(w) => w,
                    None => continue,
                }
            }
            _ => {
                // Unquoted: the rest of the line, less a ` # comment`.
                let rest = &file[from..end];
                let cut = rest
                    .find(" #")
                    .or_else(|| rest.find("\t#"))
                    .unwrap_or(rest.len());
                let value_end = from + rest[..cut].trim_end().len();
                raw_word(file, from, value_end)
            }
        };
        out.push(Assignment {
            name: name.to_string(),
            value,
            line: text::line_of(file, at + skip + lead),
        });
    }
    out
}

#[cfg(test)]
mod tests;
