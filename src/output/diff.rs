//! Unified diffs of fixed files, git style: `--- a/PATH` / `+++ b/PATH`,
//! three lines of context, the bytes of each line as they are (a CRLF file's
//! diff keeps its `\r`, so `patch` applies it), and the "No newline at end of
//! file" marker.

use std::io::{self, Write};

use similar::{ChangeTag, TextDiff};

/// Lines of context around each change.
pub const CONTEXT: usize = 3;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The name of a file on the `---`/`+++` lines: `a/` + the path as the user
/// named it, without a leading `/` (as `git diff --no-index` prints an
/// absolute path), so `patch -p1` applies it from `/` or the working dir.
pub fn side(prefix: &str, path: &str) -> String {
    format!("{prefix}/{}", path.trim_start_matches('/'))
}

/// Write the unified diff of `old` → `new` for `path`; nothing when equal.
pub fn unified(
    out: &mut dyn Write,
    path: &str,
    old: &[u8],
    new: &[u8],
    color: bool,
) -> io::Result<()> {
    if old == new {
        return Ok(());
    }
    let paint = |code: &'static str| if color { code } else { "" };
    let reset = paint(RESET);
    writeln!(out, "{}--- {}{reset}", paint(BOLD), side("a", path))?;
    writeln!(out, "{}+++ {}{reset}", paint(BOLD), side("b", path))?;
    hunks(out, old, new, color)
}

/// Write only the hunks of `old` → `new` (no file header).
pub fn hunks(out: &mut dyn Write, old: &[u8], new: &[u8], color: bool) -> io::Result<()> {
    let paint = |code: &'static str| if color { code } else { "" };
    let reset = paint(RESET);
    let diff = TextDiff::from_lines(old, new);
    let mut unified = diff.unified_diff();
    unified.context_radius(CONTEXT);
    for hunk in unified.iter_hunks() {
        writeln!(out, "{}{}{reset}", paint(CYAN), hunk.header())?;
        for change in hunk.iter_changes() {
            let (sign, code) = match change.tag() {
                ChangeTag::Equal => (' ', ""),
                ChangeTag::Delete => ('-', paint(RED)),
                ChangeTag::Insert => ('+', paint(GREEN)),
            };
            let line: &[u8] = change.value();
            let (body, ending): (&[u8], &[u8]) = match line.strip_suffix(b"\n") {
                Some(body) => (body, b"\n"),
                None => (line, b""),
            };
            write!(out, "{code}{sign}")?;
            out.write_all(body)?;
            if !code.is_empty() {
                out.write_all(reset.as_bytes())?;
            }
            out.write_all(ending)?;
            if ending.is_empty() {
                writeln!(out, "\n\\ No newline at end of file")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(path: &str, old: &str, new: &str) -> String {
        let mut out = Vec::new();
        unified(&mut out, path, old.as_bytes(), new.as_bytes(), false).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_change_has_three_lines_of_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        assert_eq!(
            diff("/etc/nginx/nginx.conf", old, new),
            "--- a/etc/nginx/nginx.conf\n+++ b/etc/nginx/nginx.conf\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
        assert_eq!(diff("x", old, old), "");
    }

    #[test]
    fn crlf_and_a_missing_final_newline_are_shown_as_they_are() {
        assert_eq!(
            diff("x.conf", "a;\r\nb;", "a;\r\nc;"),
            "--- a/x.conf\n+++ b/x.conf\n@@ -1,2 +1,2 @@\n a;\r\n-b;\n\\ No newline at end of file\n+c;\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn colors_wrap_the_changed_lines_only() {
        let mut out = Vec::new();
        unified(&mut out, "x", b"a\n", b"b\n", true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\x1b[31m-a\x1b[0m\n"), "{text:?}");
        assert!(text.contains("\x1b[32m+b\x1b[0m\n"), "{text:?}");
    }
}
