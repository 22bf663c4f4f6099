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

use crate::{text, Edit, RaiseError};

mod dockerfile;
mod env_files;
mod lexer;
mod shell;
mod systemd;

use dockerfile::*;
use env_files::*;
use lexer::*;
use shell::*;
use systemd::*;

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
    pub(crate) fn replace(&self, new: &str) -> Result<Edit<()>, RaiseError> {
        if !self.exact {
            return Err(RaiseError::Quoted {
                value: self.text.clone(),
                line: self.line,
            });
        }
        Ok(Edit::new(self.start, self.end, new.to_string()))
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
    pub(crate) fn insert_option(&self, option: &str, value: &str) -> Edit<()> {
        let text = match self.style {
            Style::Words => format!(" {option} {value}"),
            Style::Json => format!(", \"{option}\", \"{value}\""),
        };
        Edit::new(self.program.end, self.program.end, text)
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

#[cfg(test)]
mod tests;
