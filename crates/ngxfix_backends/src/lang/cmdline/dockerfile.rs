//! Dockerfiles: `CMD` and `ENTRYPOINT` in shell or exec (JSON) form, and
//! `ENV`.

use super::*;

pub(super) fn scan_dockerfile(file: &str, program: &Program, scan: &mut Scan) {
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
pub(super) fn raw_word(file: &str, from: usize, to: usize) -> Word {
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
