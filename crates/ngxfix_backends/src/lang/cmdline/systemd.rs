//! systemd units: `ExecStart=` and `Environment=` lines, continuations
//! joined.

use super::*;

/// Logical lines (continuations joined): start offset, end offset.
pub(super) fn logical_lines(file: &str) -> Vec<(usize, usize)> {
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

pub(super) fn scan_systemd(file: &str, program: &Program, scan: &mut Scan) {
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
