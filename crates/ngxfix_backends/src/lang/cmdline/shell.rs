//! Shell scripts and Procfiles: the simple commands that start the
//! program, through wrappers and `sh -c`, with the assignments before them.

use super::*;

/// Words that start a compound command or change nothing about the one
/// after them.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac",
];

/// Walks the simple commands of a shell text, collecting exported
/// environment and the command lines that run the program. `within` maps
/// nested words (`sh -c '...'`) back into the file.
pub(super) fn scan_shell(
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
pub(super) fn simple_commands(tokens: Vec<Token>) -> Vec<Vec<Word>> {
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
pub(super) fn assignment(file: &str, w: &Word) -> Option<Assignment> {
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
pub(super) fn command_line(
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

pub(super) fn scan_procfile(file: &str, program: &Program, scan: &mut Scan) {
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
