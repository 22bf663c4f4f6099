//! Env files (`.env`, systemd `EnvironmentFile=`): `NAME=value` lines.

use super::*;

/// The `NAME=value` lines of an env file.
pub(super) fn env_file(file: &str) -> Vec<Assignment> {
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
