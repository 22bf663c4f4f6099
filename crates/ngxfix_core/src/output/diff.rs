//! Unified diffs of fixed files, git style: `--- a/PATH` / `+++ b/PATH`,
//! three lines of context, the bytes of each line as they are (a CRLF file's
//! diff keeps its `\r`, so `patch` applies it), and the "No newline at end of
//! file" marker.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::config::paths::lexical;

use similar::{ChangeTag, TextDiff};

/// Lines of context around each change.
pub const CONTEXT: usize = 3;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The name of a file on the `---`/`+++` lines: `a/` + the path, without
/// a leading `/` (as `git diff --no-index` prints an absolute path).
pub fn side(prefix: &str, path: &str) -> String {
    format!("{prefix}/{}", path.trim_start_matches('/'))
}

/// The directory a diff's paths are relative to: `git apply` and
/// `patch -p1` apply it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffBase {
    /// Every changed file is under the working directory.
    WorkingDirectory,
    /// Some file is elsewhere: paths are absolute, without their `/`
    /// (`patch -p1 -d /`).
    Root,
}

impl DiffBase {
    /// How to apply a diff with this base, for the summary.
    pub fn how_to_apply(self) -> &'static str {
        match self {
            DiffBase::WorkingDirectory => {
                "paths are relative to the working directory (`git apply` or `patch -p1` here applies the diff)"
            }
            DiffBase::Root => {
                "paths are relative to / (`patch -p1 -d /` applies the diff)"
            }
        }
    }
}

/// The paths to print for files named `paths` (as the user or the
/// configuration named them; `-` for standard input stays `-`), seen from
/// `cwd`: relative to it when every file is under it, else from `/`. `.`
/// and `..` are resolved by name, so no path holds a `..` a patch tool
/// would refuse.
pub fn diff_paths(cwd: &Path, paths: &[&Path]) -> (Vec<String>, DiffBase) {
    let absolute: Vec<Option<PathBuf>> = paths
        .iter()
        .map(|p| (p.as_os_str() != "-").then(|| lexical(&cwd.join(p))))
        .collect();
    let cwd = lexical(cwd);
    let under = absolute
        .iter()
        .flatten()
        .all(|p| p.starts_with(&cwd) && p != &cwd);
    let base = if under {
        DiffBase::WorkingDirectory
    } else {
        DiffBase::Root
    };
    let shown = absolute
        .iter()
        .map(|p| match p {
            None => "-".to_string(),
            Some(p) => match base {
                DiffBase::WorkingDirectory => {
                    p.strip_prefix(&cwd).unwrap_or(p).display().to_string()
                }
                DiffBase::Root => p.display().to_string(),
            },
        })
        .collect();
    (shown, base)
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

/// Files whose diffs are computed side by side before they are written:
/// enough to keep both cores busy, few enough that the buffered diffs stay
/// small next to the texts.
const DIFFED_AT_ONCE: usize = 16;

/// [`unified`] of each (path, old, new) in turn, the diffs computed in
/// parallel a few files at a time (the diff of a large tree's files is a
/// tenth of a `fix --dry-run`); the output is the same as one call each.
pub fn unified_each(
    out: &mut dyn Write,
    files: &[(&str, &[u8], &[u8])],
    color: bool,
) -> io::Result<()> {
    for window in files.chunks(DIFFED_AT_ONCE) {
        let diffs = crate::par::map(window, |&(path, old, new)| {
            let mut diff = Vec::new();
            unified(&mut diff, path, old, new, color).map(|()| diff)
        });
        for diff in diffs {
            out.write_all(&diff?)?;
        }
    }
    Ok(())
}

/// Write only the hunks of `old` → `new` (no file header).
pub(crate) fn hunks(out: &mut dyn Write, old: &[u8], new: &[u8], color: bool) -> io::Result<()> {
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
    fn paths_are_relative_to_the_working_directory_or_to_the_root() {
        let cwd = Path::new("/srv/work");
        let paths = |names: &[&str]| {
            let names: Vec<&Path> = names.iter().map(Path::new).collect();
            diff_paths(cwd, &names)
        };
        assert_eq!(
            paths(&[
                "tree/nginx.conf",
                "/srv/work/conf.d/up.conf",
                "./a/../b.conf"
            ]),
            (
                vec![
                    "tree/nginx.conf".into(),
                    "conf.d/up.conf".into(),
                    "b.conf".into()
                ],
                DiffBase::WorkingDirectory
            )
        );
        // One file outside: all from /, never with `..`.
        assert_eq!(
            paths(&["../tree/nginx.conf", "conf.d/up.conf", "/etc/nginx/x.conf"]),
            (
                vec![
                    "/srv/tree/nginx.conf".into(),
                    "/srv/work/conf.d/up.conf".into(),
                    "/etc/nginx/x.conf".into()
                ],
                DiffBase::Root
            )
        );
        assert_eq!(
            paths(&["-"]),
            (vec!["-".into()], DiffBase::WorkingDirectory)
        );
        assert_eq!(lexical(Path::new("/a/../../b")), Path::new("/b"));
    }

    #[test]
    fn diffs_of_many_files_are_written_in_their_order() {
        let texts: Vec<(String, String, String)> = (0..40)
            .map(|i| {
                let old = format!("a\nb{i}\nc\n");
                let new = if i % 3 == 0 {
                    old.clone()
                } else {
                    format!("a\nB{i}\nc\n")
                };
                (format!("f{i}.conf"), old, new)
            })
            .collect();
        let files: Vec<(&str, &[u8], &[u8])> = texts
            .iter()
            .map(|(p, o, n)| (p.as_str(), o.as_bytes(), n.as_bytes()))
            .collect();
        let mut together = Vec::new();
        unified_each(&mut together, &files, true).unwrap();
        let mut one_by_one = Vec::new();
        for (path, old, new) in &files {
            unified(&mut one_by_one, path, old, new, true).unwrap();
        }
        assert_eq!(together, one_by_one);
        assert_eq!(
            String::from_utf8(together)
                .unwrap()
                .matches("--- a/")
                .count(),
            26
        );
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
