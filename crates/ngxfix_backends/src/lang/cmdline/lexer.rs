//! Lexing a command line: words with their byte offsets in the file,
//! quotes and expansions resolved the way each syntax resolves them.

use super::*;

/// The quoting and expansion rules of one syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
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
pub(super) enum Token {
    Word(Word),
    /// `;`, `&&`, `||`, `|`, `&`, `(`, `)`, a line break.
    Sep,
    /// A redirection; `target` when the next word is its file.
    Redirect {
        target: bool,
    },
}

/// A word being built.
pub(super) struct Builder {
    text: Vec<u8>,
    src: Vec<usize>,
    dynamic: Vec<bool>,
    start: Option<usize>,
    pub(super) quoted_at: Option<usize>,
    unclosed: bool,
}

impl Builder {
    pub(super) fn new() -> Self {
        Builder {
            text: Vec::new(),
            src: Vec::new(),
            dynamic: Vec::new(),
            start: None,
            quoted_at: None,
            unclosed: false,
        }
    }

    pub(super) fn begin(&mut self, at: usize) {
        self.start.get_or_insert(at);
    }

    pub(super) fn push(&mut self, byte: u8, at: usize, dynamic: bool) {
        self.text.push(byte);
        self.src.push(at);
        self.dynamic.push(dynamic);
    }

    fn push_range(&mut self, s: &[u8], from: usize, to: usize, dynamic: bool) {
        for (i, b) in s[from..to].iter().enumerate() {
            self.push(*b, from + i, dynamic);
        }
    }

    pub(super) fn finish(&mut self, end: usize) -> Option<Word> {
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
pub(super) fn lex(s: &str, from: usize, to: usize, mode: Mode) -> Vec<Token> {
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
