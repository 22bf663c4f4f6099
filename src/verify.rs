//! Checking a configuration tree with `nginx -t` before fixes are written,
//! so that ngxfix never turns a configuration nginx accepted into one it
//! rejects.
//!
//! nginx can only test files on disk, and the fixed texts must not reach the
//! real files before they are known to be good, so the tree is tested as a
//! temporary copy:
//!
//! - every file is mirrored at `<tmp>/root/<its absolute path>`;
//! - in the copies, each absolute `include` is pointed into `<tmp>/root`, so
//!   the copies include each other rather than the real files. Relative
//!   includes already work: nginx resolves them against the directory of the
//!   `-c` file, which is the mirrored main file's directory. The rewrite
//!   replaces only the argument's bytes and adds no line break, so nginx's
//!   `file:line` positions are those of the real files;
//! - entries of the real directories that the copy lacks (certificates,
//!   `fastcgi_params`, files beside the main file that are not part of the
//!   tree) are symlinked into the mirrored main directory and the mirrored
//!   directories beneath it, so other relative paths resolve as they would
//!   for the real files;
//! - nginx runs with `-p <tmp>/prefix/` and `-e <tmp>/prefix/logs/error.log`,
//!   so relative log paths are created in the temporary prefix, not in the
//!   real one. The real prefix's other entries (`modules/` above all:
//!   Debian's `load_module modules/...so;` is relative to the prefix) are
//!   symlinked into the temporary prefix.
//!
//! What nginx prints is mapped back: `<tmp>/root` is removed, so a position
//! reads as the real path, and `<tmp>/prefix` reads `<temporary prefix>`.
//!
//! Absolute paths other than includes (logs, certificates, pid) are not
//! rewritten: `nginx -t` opens them where the real test would.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use crate::config::context::STDIN_FILE_NAME;
use crate::nginx::{wait_bounded, Nginx, TIMEOUT};
use crate::syntax::{self, Quote};

/// One file of the tree to test: its path as loaded (FileId order; index 0
/// is the main file) and the text to test.
#[derive(Debug, Clone, Copy)]
pub struct TreeFile<'a> {
    /// As in [`crate::config::SourceFile::path`]: possibly relative to the
    /// working directory; `-` for a main file read from standard input.
    pub path: &'a Path,
    pub text: &'a [u8],
}

/// What `nginx -t` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// `output` is what nginx printed, with temporary paths mapped back to
    /// the real ones.
    Rejected {
        output: String,
    },
}

/// The result of checking a fixed tree against the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// nginx accepts the fixed tree.
    Passed,
    /// The fixed tree fails and the original passes: must not be written.
    /// `output` is nginx's complaint about the fixed tree.
    Broken { output: String },
    /// Both fail: the fix could not be verified (nginx rejects the original
    /// here too, e.g. a missing certificate or module on this machine).
    /// `output` is nginx's complaint about the original, the reason nothing
    /// could be verified.
    Unverifiable { output: String },
}

/// Where nginx's message puts the error: `nginx: [emerg] MESSAGE in
/// PATH:LINE` (paths as [`test_tree`] maps them back), as (path, line,
/// message).
pub fn error_position(output: &str) -> Option<(PathBuf, u32, String)> {
    output.lines().find_map(|line| {
        let (_, rest) = line.split_once("[emerg] ")?;
        let (message, place) = rest.rsplit_once(" in ")?;
        let (path, number) = place.rsplit_once(':')?;
        Some((
            PathBuf::from(path),
            number.trim().parse().ok()?,
            message.to_string(),
        ))
    })
}

/// Why a tree could not be tested at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// No file was given.
    #[error("no configuration file to test")]
    NoFiles,
    /// The temporary copy could not be built.
    #[error("building the temporary copy for nginx -t: {}: {error}", .path.display())]
    Copy { path: PathBuf, error: io::Error },
    /// nginx could not be started.
    #[error("cannot run {}: {error}", .program.display())]
    Start { program: PathBuf, error: io::Error },
    /// nginx did not finish in time and was killed.
    #[error("{} -t did not finish within {} s and was stopped", .program.display(), .timeout.as_secs())]
    Timeout { program: PathBuf, timeout: Duration },
}

/// Run `nginx -t` on a temporary copy of `files`.
pub fn test_tree(nginx: &Nginx, files: &[TreeFile<'_>]) -> Result<Verdict, VerifyError> {
    test_tree_within(nginx, files, TIMEOUT)
}

/// Test `fixed` (same paths as `original`, new texts); only when it fails
/// test `original` too, to tell a broken fix from a config nginx never
/// accepted here.
pub fn verify(
    nginx: &Nginx,
    original: &[TreeFile<'_>],
    fixed: &[TreeFile<'_>],
) -> Result<Verification, VerifyError> {
    debug_assert!(
        original.len() == fixed.len() && original.iter().zip(fixed).all(|(o, f)| o.path == f.path),
        "verify: the fixed tree must have the original's files"
    );
    // The common case is a fix nginx accepts: one run.
    let Verdict::Rejected { output } = test_tree(nginx, fixed)? else {
        return Ok(Verification::Passed);
    };
    Ok(match test_tree(nginx, original)? {
        Verdict::Accepted => Verification::Broken { output },
        Verdict::Rejected { output } => Verification::Unverifiable { output },
    })
}

fn test_tree_within(
    nginx: &Nginx,
    files: &[TreeFile<'_>],
    timeout: Duration,
) -> Result<Verdict, VerifyError> {
    if files.is_empty() {
        return Err(VerifyError::NoFiles);
    }
    // Removed when dropped, on every return path; removal unlinks the
    // symlinks into real directories without following them.
    let temp = tempfile::Builder::new()
        .prefix("ngxfix-verify-")
        .tempdir()
        .map_err(copy_error(&std::env::temp_dir()))?;
    // Canonical, so that it is spelled as nginx will print it (/tmp may be a
    // symlink, as on macOS).
    let base = fs::canonicalize(temp.path()).map_err(copy_error(temp.path()))?;
    let root = base.join("root");
    let prefix = base.join("prefix");

    let mirror = Mirror::build(&root, files)?;
    prepare_prefix(&prefix, nginx.prefix().as_deref())?;

    let mut prefix_arg = prefix.clone().into_os_string();
    prefix_arg.push("/");
    let error_log = prefix.join("logs").join("error.log");
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("-t"),
        OsStr::new("-q"),
        OsStr::new("-p"),
        &prefix_arg,
        OsStr::new("-c"),
        mirror.main.as_os_str(),
        OsStr::new("-e"),
        error_log.as_os_str(),
    ];
    let out = base.join("nginx-t.txt");
    let (mut status, mut text) = run(nginx.program(), &args, &base, &out, timeout)?;
    if !status.success() && text.contains("invalid option: \"e\"") {
        // nginx before 1.19.5 has no -e; its compiled-in error log then
        // applies (inside the temporary prefix when relative).
        args.truncate(args.len() - 2);
        (status, text) = run(nginx.program(), &args, &base, &out, timeout)?;
    }
    if status.success() {
        return Ok(Verdict::Accepted);
    }
    let mut output = map_output(&text, &base, mirror.stdin.as_deref());
    if output.is_empty() {
        output = format!(
            "{} -t failed ({status}) and printed nothing",
            nginx.program().display()
        );
    }
    Ok(Verdict::Rejected { output })
}

/// The temporary copy of a tree.
struct Mirror {
    /// The mirrored main file, for `-c`.
    main: PathBuf,
    /// The mirrored main file when it was standard input: nginx's messages
    /// name it, and they should say `-` as ngxfix does.
    stdin: Option<PathBuf>,
}

impl Mirror {
    fn build(root: &Path, files: &[TreeFile<'_>]) -> Result<Mirror, VerifyError> {
        let mut real: Vec<PathBuf> = Vec::with_capacity(files.len());
        // Standard input included by a context written around it is named
        // as that context's `include` names it: beside the main file.
        let beside_main = files[0].path.parent().map(|dir| dir.join(STDIN_FILE_NAME));
        let mut stdin = None;
        for file in files.iter().skip(1) {
            let path = match (&beside_main, file.path == Path::new("-")) {
                (Some(beside), true) => beside.clone(),
                _ => file.path.to_path_buf(),
            };
            let absolute = std::path::absolute(&path).map_err(copy_error(file.path))?;
            if file.path == Path::new("-") {
                stdin = Some(mirrored(root, &absolute));
            }
            real.push(absolute);
        }
        let from_stdin = files[0].path == Path::new("-");
        let main_real = if from_stdin {
            let dir = std::env::current_dir().map_err(copy_error(Path::new(".")))?;
            // Any name that no other file of the tree has.
            (0..)
                .map(|n| match n {
                    0 => dir.join(STDIN_FILE_NAME),
                    n => dir.join(format!("ngxfix-stdin-{n}.conf")),
                })
                .find(|candidate| !real.contains(candidate))
                .expect("an unused name")
        } else {
            std::path::absolute(files[0].path).map_err(copy_error(files[0].path))?
        };
        real.insert(0, main_real);

        let root_bytes = root.as_os_str().as_encoded_bytes();
        let mut written = BTreeSet::new();
        for (file, real_path) in files.iter().zip(&real) {
            let copy = mirrored(root, real_path);
            debug_assert!(copy.starts_with(root));
            // Two names for one place: the first (the one nginx reaches
            // first) wins.
            if !written.insert(copy.clone()) {
                continue;
            }
            if let Some(parent) = copy.parent() {
                fs::create_dir_all(parent).map_err(copy_error(parent))?;
            }
            let text = rewrite_includes(file.text, root_bytes);
            fs::write(&copy, &text).map_err(copy_error(&copy))?;
        }

        // Only after every file is written: a symlinked directory must never
        // receive a copy (that would write into the real directory).
        // Standard input has no directory of its own (the working directory
        // is only where ngxfix ran), so nothing is added beside it.
        if !from_stdin {
            if let Some(main_dir) = real[0].parent() {
                for dir in overlay_dirs(main_dir, &real) {
                    overlay(&mirrored(root, &dir), &dir)?;
                }
            }
        }

        Ok(Mirror {
            main: mirrored(root, &real[0]),
            stdin: stdin.or_else(|| from_stdin.then(|| mirrored(root, &real[0]))),
        })
    }
}

/// Where an absolute path is mirrored under `root`. `.` and `..` are
/// resolved by name, never above `root`: a path such as `/a/../../../x`
/// (from a dump, or typed) must not lead the copy out of the mirror and
/// over a real file.
fn mirrored(root: &Path, real: &Path) -> PathBuf {
    let mut inside: Vec<&OsStr> = Vec::new();
    for component in real.components() {
        match component {
            Component::Normal(name) => inside.push(name),
            Component::ParentDir => {
                inside.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    let mut path = root.to_path_buf();
    path.extend(inside);
    path
}

/// The real directories whose missing entries the mirror should show: the
/// main file's directory, and every directory beneath it that the mirror
/// created (holding a copy), since relative paths start from the main
/// directory. A path with `.` or `..` is left out: in the mirror `..` is
/// taken literally, while the real one may cross a symlink.
fn overlay_dirs(main_dir: &Path, real: &[PathBuf]) -> BTreeSet<PathBuf> {
    let plain = |p: &Path| {
        p.components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
    };
    let mut dirs = BTreeSet::new();
    if !plain(main_dir) {
        return dirs;
    }
    dirs.insert(main_dir.to_path_buf());
    for path in real {
        for dir in path.ancestors().skip(1) {
            if dir == main_dir || !dir.starts_with(main_dir) {
                break;
            }
            if plain(dir) {
                dirs.insert(dir.to_path_buf());
            }
        }
    }
    dirs
}

/// Symlink each entry of `real` that `copy` lacks. A real directory that
/// cannot be read (a dump from another machine) is skipped.
fn overlay(copy: &Path, real: &Path) -> Result<(), VerifyError> {
    let Ok(entries) = fs::read_dir(real) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let target = copy.join(entry.file_name());
        if fs::symlink_metadata(&target).is_ok() {
            continue;
        }
        symlink(&entry.path(), &target).map_err(copy_error(&target))?;
    }
    Ok(())
}

/// The temporary prefix: a real `logs/` (for `-e` and relative logs) and
/// the real prefix's other entries symlinked, except the temp directories
/// (`client_body_temp`, ...) that nginx -t may create or chown.
fn prepare_prefix(prefix: &Path, real: Option<&Path>) -> Result<(), VerifyError> {
    let logs = prefix.join("logs");
    fs::create_dir_all(&logs).map_err(copy_error(&logs))?;
    let Some(Ok(entries)) = real.map(fs::read_dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name == "logs" || name.as_encoded_bytes().ends_with(b"_temp") {
            continue;
        }
        let target = prefix.join(&name);
        symlink(&entry.path(), &target).map_err(copy_error(&target))?;
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(original: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(original, link)
}

#[cfg(not(unix))]
fn symlink(_original: &Path, _link: &Path) -> io::Result<()> {
    Ok(()) // no symlinks: only the copied files are visible
}

fn copy_error(path: &Path) -> impl FnOnce(io::Error) -> VerifyError + '_ {
    move |error| VerifyError::Copy {
        path: path.to_path_buf(),
        error,
    }
}

/// The text of a copy: each `include` of an absolute path made to point into
/// `root`. Only the argument's bytes change and no line break is added, so
/// line numbers stay those of the real file. A text that does not parse is
/// left alone; nginx will report its syntax error.
fn rewrite_includes<'t>(text: &'t [u8], root: &[u8]) -> Cow<'t, [u8]> {
    let Ok(tree) = syntax::parse(text.to_vec()) else {
        return Cow::Borrowed(text);
    };
    let mut out = Vec::new();
    let mut done = 0;
    for directive in tree.directives() {
        if directive.name().value() != "include" {
            continue;
        }
        let mut args = directive.args();
        let (Some(arg), None) = (args.next(), args.next()) else {
            continue; // nginx refuses it anyway
        };
        let span = arg.span().range();
        let raw = &text[span.clone()];
        let inner = match arg.quote() {
            Quote::None => raw,
            _ => &raw[1..raw.len() - 1],
        };
        // A value starting with `/` is written with `/` first: an escape
        // would start with a backslash.
        if !inner.starts_with(b"/") {
            continue; // relative: resolved against the mirrored main directory
        }
        out.extend_from_slice(&text[done..span.start]);
        out.extend_from_slice(&reanchored(root, inner, arg.quote()));
        done = span.end;
    }
    if done == 0 {
        return Cow::Borrowed(text);
    }
    out.extend_from_slice(&text[done..]);
    Cow::Owned(out)
}

/// `root` followed by an include's argument (`inner`: as written, without
/// its quotes), as one word. The original's escapes are kept; `root` is
/// escaped as nginx's `ngx_conf_read_token()` unescapes (`\\`, `\"`, `\'`,
/// `\t`, `\r`, `\n`), which also keeps line breaks out of the word.
fn reanchored(root: &[u8], inner: &[u8], quote: Quote) -> Vec<u8> {
    // What ends or changes a bare word in nginx, or in our own parser.
    let special = |b: &u8| {
        matches!(
            b,
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}' | b'"' | b'\'' | b'\\' | b'#'
        )
    };
    let q = match quote {
        Quote::Single => b'\'',
        _ => b'"',
    };
    let quoted = quote != Quote::None || root.iter().any(special);
    let mut word = Vec::with_capacity(root.len() + inner.len() + 4);
    if !quoted {
        word.extend_from_slice(root);
        word.extend_from_slice(inner);
        return word;
    }
    word.push(q);
    for &b in root {
        match b {
            b'\\' => word.extend_from_slice(b"\\\\"),
            b'\t' => word.extend_from_slice(b"\\t"),
            b'\r' => word.extend_from_slice(b"\\r"),
            b'\n' => word.extend_from_slice(b"\\n"),
            b if b == q => word.extend_from_slice(&[b'\\', q]),
            b => word.push(b),
        }
    }
    if quote == Quote::None {
        // A bare word now inside quotes: its escapes mean the same there,
        // but a bare quote character must be escaped.
        let mut bytes = inner.iter();
        while let Some(&b) = bytes.next() {
            if b == b'\\' {
                word.push(b);
                if let Some(&next) = bytes.next() {
                    word.push(next);
                }
            } else if b == q {
                word.extend_from_slice(&[b'\\', q]);
            } else {
                word.push(b);
            }
        }
    } else {
        word.extend_from_slice(inner);
    }
    word.push(q);
    word
}

/// nginx's output with the temporary paths mapped back: the mirrored
/// standard input to `-`, `<tmp>/root` removed (leaving the real path),
/// `<tmp>/prefix` to `<temporary prefix>`. The closing "configuration file
/// <tmp>/... test failed" line is dropped: it names only the temporary main
/// file and says nothing the exit status does not.
fn map_output(text: &str, base: &Path, stdin: Option<&Path>) -> String {
    let base = base.to_string_lossy();
    let root = format!("{base}/root");
    let prefix = format!("{base}/prefix");
    let stdin = stdin.map(|p| p.to_string_lossy().into_owned());
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.starts_with("nginx: configuration file ")
            && line.ends_with(" test failed")
            && line.contains(&root)
        {
            continue;
        }
        let mut line = Cow::Borrowed(line);
        if let Some(stdin) = &stdin {
            if line.contains(stdin.as_str()) {
                line = Cow::Owned(line.replace(stdin.as_str(), "-"));
            }
        }
        let line = line
            .replace(&root, "")
            .replace(&prefix, "<temporary prefix>");
        out.push_str(&line);
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out
}

/// Run `program` in `dir` with stdin closed and stdout and stderr into the
/// file `out`, stopping it after `timeout`. A file rather than pipes: no
/// reader threads, and no deadlock on a full pipe.
fn run(
    program: &Path,
    args: &[&OsStr],
    dir: &Path,
    out: &Path,
    timeout: Duration,
) -> Result<(ExitStatus, String), VerifyError> {
    let file = fs::File::create(out).map_err(copy_error(out))?;
    let stderr = file.try_clone().map_err(copy_error(out))?;
    let child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(stderr)
        .spawn()
        .map_err(|error| VerifyError::Start {
            program: program.to_path_buf(),
            error,
        })?;
    let status = wait_bounded(child, timeout).ok_or_else(|| VerifyError::Timeout {
        program: program.to_path_buf(),
        timeout,
    })?;
    let text = fs::read(out).map_err(copy_error(out))?;
    Ok((status, String::from_utf8_lossy(&text).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// nginx for a test, or None (after a note) to skip it; with
    /// NGXFIX_REQUIRE_NGINX set, a missing nginx fails the test instead.
    fn nginx() -> Option<Nginx> {
        let found = Nginx::find();
        if found.is_none() {
            if std::env::var_os("NGXFIX_REQUIRE_NGINX").is_some() {
                panic!("NGXFIX_REQUIRE_NGINX is set but no nginx runs");
            }
            eprintln!("note: nginx not found; skipping a test that runs nginx -t");
        }
        found
    }

    /// A directory of real files for a test.
    struct Dir(tempfile::TempDir);

    impl Dir {
        fn new() -> Dir {
            Dir(tempfile::tempdir().unwrap())
        }

        /// The absolute (canonical) path of `name` in the directory.
        fn path(&self, name: &str) -> PathBuf {
            fs::canonicalize(self.0.path()).unwrap().join(name)
        }

        /// Write `text` to `name` on disk and return its path.
        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.path(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, text).unwrap();
            path
        }
    }

    fn tree<'a>(files: &'a [(PathBuf, &'a str)]) -> Vec<TreeFile<'a>> {
        files
            .iter()
            .map(|(path, text)| TreeFile {
                path,
                text: text.as_bytes(),
            })
            .collect()
    }

    fn rejected(verdict: Verdict) -> String {
        match verdict {
            Verdict::Rejected { output } => output,
            Verdict::Accepted => panic!("nginx accepted the configuration"),
        }
    }

    const VALID: &str = "events {}\nhttp {\n    server { listen 127.0.0.1:8080; }\n}\n";

    #[test]
    fn a_valid_configuration_is_accepted() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        let files = [(dir.path("nginx.conf"), VALID)];
        assert_eq!(test_tree(&nginx, &tree(&files)).unwrap(), Verdict::Accepted);
    }

    #[test]
    fn a_rejection_names_the_real_file_and_line() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        let main = dir.path("nginx.conf");
        let text = "events {}\nhttp {\n    no_such_directive on;\n}\n";
        let files = [(main.clone(), text)];
        let output = rejected(test_tree(&nginx, &tree(&files)).unwrap());
        eprintln!("nginx said:\n{output}");
        assert!(
            output.contains(&format!("{}:3", main.display())),
            "{output}"
        );
        assert!(output.contains("no_such_directive"), "{output}");
        assert!(!output.contains("ngxfix-verify-"), "{output}");
        assert!(!output.contains("test failed"), "{output}");
    }

    #[test]
    fn the_copy_is_tested_not_the_files_on_disk() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        // On disk the included file is fine; the text under test is not.
        let included = dir.write("conf.d/site.conf", "server { listen 127.0.0.1:8081; }\n");
        let main = dir.path("nginx.conf");
        let main_text = format!(
            "events {{}}\nhttp {{\n    include {};\n}}\n",
            included.display()
        );
        let files = [
            (main, main_text.as_str()),
            (
                included.clone(),
                "server {\n    listen 127.0.0.1:8081;\n    bogus_directive 1;\n}\n",
            ),
        ];
        let output = rejected(test_tree(&nginx, &tree(&files)).unwrap());
        assert!(
            output.contains(&format!("{}:3", included.display())),
            "{output}"
        );
    }

    #[test]
    fn a_quoted_absolute_include_is_followed_into_the_copy() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        let included = dir.path("conf.d/site.conf");
        let main_text = format!(
            "events {{}}\nhttp {{\n    include '{}';\n}}\n",
            included.display()
        );
        let files = [
            (dir.path("nginx.conf"), main_text.as_str()),
            (included.clone(), "server {\n    bogus_directive 1;\n}\n"),
        ];
        // The included file does not exist on disk: only the copy can be found.
        let output = rejected(test_tree(&nginx, &tree(&files)).unwrap());
        assert!(
            output.contains(&format!("{}:2", included.display())),
            "{output}"
        );
    }

    #[test]
    fn a_relative_include_resolves_in_the_copy() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        let included = dir.path("conf.d/a.conf");
        let main_text = "events {}\nhttp {\n    include conf.d/*.conf;\n}\n";
        let files = [
            (dir.path("nginx.conf"), main_text),
            (
                included.clone(),
                "server { listen 127.0.0.1:8082; }\nunknown_here;\n",
            ),
        ];
        // Had the glob matched nothing, nginx would accept the main file.
        let output = rejected(test_tree(&nginx, &tree(&files)).unwrap());
        assert!(
            output.contains(&format!("{}:2", included.display())),
            "{output}"
        );
    }

    #[test]
    fn verify_tells_passed_broken_and_unverifiable_apart() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        let main = dir.path("nginx.conf");
        let broken = "events {}\nhttp {\n    server { listen 127.0.0.1:8083; nonsense; }\n}\n";
        let also_broken = "events {}\nhttp {\n    server { listen 127.0.0.1:8083; rubbish; }\n}\n";
        let good = [(main.clone(), VALID)];
        let bad = [(main.clone(), broken)];
        let worse = [(main.clone(), also_broken)];

        assert_eq!(
            verify(&nginx, &tree(&bad), &tree(&good)).unwrap(),
            Verification::Passed
        );
        match verify(&nginx, &tree(&good), &tree(&bad)).unwrap() {
            Verification::Broken { output } => assert!(output.contains("nonsense"), "{output}"),
            other => panic!("expected Broken, got {other:?}"),
        }
        match verify(&nginx, &tree(&worse), &tree(&bad)).unwrap() {
            // The reason is the original's failure.
            Verification::Unverifiable { output } => {
                assert!(output.contains("rubbish"), "{output}")
            }
            other => panic!("expected Unverifiable, got {other:?}"),
        }
    }

    #[test]
    fn files_beside_the_main_file_are_reachable() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        // On disk beside the main file, but not part of the tree.
        dir.write("extra.conf", "server { listen 127.0.0.1:8084; }\n");
        dir.write("conf.d/certs/readme.txt", "not_a_directive;\n");
        let main_text =
            "events {}\nhttp {\n    include extra.conf;\n    include conf.d/*.conf;\n}\n";
        let files = [
            (dir.path("nginx.conf"), main_text),
            // conf.d is mirrored (it holds a copy); its other entries are
            // symlinked, the file itself is not written through them.
            (
                dir.path("conf.d/a.conf"),
                "include conf.d/certs/readme.txt;\n",
            ),
        ];
        // readme.txt is reached through conf.d's overlay: nginx parses it and
        // fails on its first word, at its real path.
        let output = rejected(test_tree(&nginx, &tree(&files)).unwrap());
        assert!(
            output.contains(&format!(
                "{}:1",
                dir.path("conf.d/certs/readme.txt").display()
            )),
            "{output}"
        );
        assert!(
            !dir.path("conf.d/a.conf").exists(),
            "a copy was written through a symlink"
        );

        let files = [(
            dir.path("nginx.conf"),
            "events {}\nhttp {\n    include extra.conf;\n}\n",
        )];
        assert_eq!(test_tree(&nginx, &tree(&files)).unwrap(), Verdict::Accepted);
    }

    #[test]
    fn relative_prefix_paths_land_in_the_temporary_prefix() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        let text = "error_log logs/ngxfix-test-error.log;\nevents {}\nhttp {\n    access_log logs/ngxfix-test-access.log;\n    server { listen 127.0.0.1:8085; }\n}\n";
        let files = [(dir.path("nginx.conf"), text)];
        assert_eq!(test_tree(&nginx, &tree(&files)).unwrap(), Verdict::Accepted);

        let text = "load_module modules/ngxfix_no_such_module.so;\nevents {}\n";
        let files = [(dir.path("nginx.conf"), text)];
        let output = rejected(test_tree(&nginx, &tree(&files)).unwrap());
        assert!(
            output.contains("<temporary prefix>/modules/ngxfix_no_such_module.so"),
            "{output}"
        );
        assert!(
            output.contains(&format!("{}:1", dir.path("nginx.conf").display())),
            "{output}"
        );
    }

    #[test]
    fn standard_input_is_named_dash() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        let included = dir.path("site.conf");
        let main_text = format!(
            "events {{}}\nhttp {{\n    include {};\n    oops;\n}}\n",
            included.display()
        );
        let files = [
            (PathBuf::from("-"), main_text.as_str()),
            (included, "server { listen 127.0.0.1:8086; }\n"),
        ];
        let output = rejected(test_tree(&nginx, &tree(&files)).unwrap());
        assert!(output.contains(" -:4"), "{output}");
        assert!(!output.contains(STDIN_FILE_NAME), "{output}");
    }

    #[test]
    fn no_files_is_an_error() {
        let nginx = Nginx::at(PathBuf::from("/nonexistent/nginx"));
        assert!(matches!(test_tree(&nginx, &[]), Err(VerifyError::NoFiles)));
    }

    #[test]
    fn a_missing_program_cannot_start() {
        let nginx = Nginx::at(PathBuf::from("/nonexistent/nginx"));
        let files = [(PathBuf::from("/etc/ngxfix-test/nginx.conf"), VALID)];
        let error = test_tree(&nginx, &tree(&files)).unwrap_err();
        assert!(matches!(error, VerifyError::Start { .. }), "{error}");
    }

    /// A shell script standing in for nginx.
    #[cfg(unix)]
    fn fake_nginx(dir: &Dir, script: &str) -> Nginx {
        Nginx::at(crate::nginx::fake(&dir.path(""), "fake-nginx", script))
    }

    #[cfg(unix)]
    #[test]
    fn a_hung_nginx_is_stopped() {
        let dir = Dir::new();
        let nginx = fake_nginx(&dir, "[ \"$1\" = -V ] && exit 0\nexec sleep 10");
        let files = [(dir.path("nginx.conf"), VALID)];
        let start = Instant::now();
        let error =
            test_tree_within(&nginx, &tree(&files), Duration::from_millis(200)).unwrap_err();
        assert!(matches!(error, VerifyError::Timeout { .. }), "{error}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[cfg(unix)]
    #[test]
    fn an_nginx_without_dash_e_is_run_again_without_it() {
        let dir = Dir::new();
        let log = dir.path("args.log");
        let script = format!(
            "[ \"$1\" = -V ] && exit 0\necho \"$@\" >> '{}'\nfor a; do [ \"$a\" = -e ] && {{ echo 'nginx: invalid option: \"e\"' >&2; exit 1; }}; done\nexit 0",
            log.display()
        );
        let nginx = fake_nginx(&dir, &script);
        let files = [(dir.path("nginx.conf"), VALID)];
        assert_eq!(test_tree(&nginx, &tree(&files)).unwrap(), Verdict::Accepted);
        let runs = fs::read_to_string(&log).unwrap();
        let runs: Vec<&str> = runs.lines().collect();
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert!(runs[0].contains(" -e "), "{runs:?}");
        assert!(
            runs[1].starts_with("-t -q -p ") && !runs[1].contains(" -e "),
            "{runs:?}"
        );
    }

    #[test]
    fn absolute_includes_are_pointed_into_the_copy() {
        let text = b"include /etc/nginx/a.conf;\nhttp {\n  include \"/etc/nginx/b c.conf\";\n  include '/etc/x\\'y';\n  include mime.types;\n  types { include /etc/t; }\n}\n";
        let out = rewrite_includes(text, b"/tmp/r");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "include /tmp/r/etc/nginx/a.conf;\nhttp {\n  include \"/tmp/r/etc/nginx/b c.conf\";\n  include '/tmp/r/etc/x\\'y';\n  include mime.types;\n  types { include /tmp/r/etc/t; }\n}\n"
        );
    }

    #[test]
    fn a_root_that_needs_quotes_is_quoted_and_escaped() {
        let text = b"include /etc/a\"b;\ninclude '/etc/c';\n";
        let out = rewrite_includes(text, b"/tmp/my dir/it's\\\n");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "include \"/tmp/my dir/it's\\\\\\n/etc/a\\\"b\";\ninclude '/tmp/my dir/it\\'s\\\\\\n/etc/c';\n"
        );
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 2);
    }

    #[test]
    fn the_rewrite_keeps_the_words_nginx_will_read() {
        // Round trip through our parser: the rewritten word's value is the
        // root followed by the original value.
        let root = "/tmp/a b\\c\"d'e";
        for original in [
            "/x/y.conf",
            "\"/x/y z.conf\"",
            "'/x/\\'q'",
            "/x/a\\\"b",
            "/x/a\"b",
        ] {
            let text = format!("include {original};\n");
            let before = syntax::parse(text.clone().into_bytes()).unwrap();
            let value = before
                .directives()
                .next()
                .unwrap()
                .args()
                .next()
                .unwrap()
                .value()
                .into_owned();
            let out = rewrite_includes(text.as_bytes(), root.as_bytes()).into_owned();
            let after = syntax::parse(out).unwrap();
            let word = after
                .directives()
                .next()
                .unwrap()
                .args()
                .next()
                .unwrap()
                .value()
                .into_owned();
            assert_eq!(word, format!("{root}{value}"), "{original}");
        }
    }

    #[test]
    fn unparsable_text_is_copied_as_is() {
        let text = b"include /etc/a.conf;\nhttp {\n";
        assert_eq!(rewrite_includes(text, b"/tmp/r").as_ref(), text);
    }

    #[test]
    fn the_error_is_found_in_what_nginx_printed() {
        let output = "nginx: [warn] the \"ssl\" directive is deprecated in /etc/nginx/a.conf:3\n\
                      nginx: [emerg] invalid value \"forever\" in \"keepalive_timeout\" directive in /etc/nginx/nginx.conf:12\n\
                      nginx: configuration file /etc/nginx/nginx.conf test failed\n";
        assert_eq!(
            error_position(output),
            Some((
                PathBuf::from("/etc/nginx/nginx.conf"),
                12,
                "invalid value \"forever\" in \"keepalive_timeout\" directive".to_string()
            ))
        );
        assert_eq!(error_position("nginx: [emerg] no line here\n"), None);
    }

    #[test]
    fn output_names_real_paths() {
        let base = Path::new("/tmp/ngxfix-verify-x");
        let text = "nginx: [emerg] unknown directive \"x\" in /tmp/ngxfix-verify-x/root/etc/nginx/nginx.conf:3\n\
                    nginx: [emerg] open() \"/tmp/ngxfix-verify-x/prefix/logs/a.log\" failed\n\
                    nginx: [emerg] in /tmp/ngxfix-verify-x/root/work/ngxfix-stdin.conf:1\n\
                    nginx: configuration file /tmp/ngxfix-verify-x/root/etc/nginx/nginx.conf test failed\n";
        let stdin = Path::new("/tmp/ngxfix-verify-x/root/work/ngxfix-stdin.conf");
        assert_eq!(
            map_output(text, base, Some(stdin)),
            "nginx: [emerg] unknown directive \"x\" in /etc/nginx/nginx.conf:3\n\
             nginx: [emerg] open() \"<temporary prefix>/logs/a.log\" failed\n\
             nginx: [emerg] in -:1"
        );
    }

    #[test]
    fn a_path_climbing_out_of_the_mirror_never_reaches_the_real_file() {
        let Some(nginx) = nginx() else { return };
        let dir = Dir::new();
        let real = dir.write("victim.conf", VALID);
        let climbing = PathBuf::from(format!("/..{}", "/..".repeat(12)) + real.to_str().unwrap());
        let files = [(climbing, "events {}\nhttp { not valid here; }\n")];
        let _ = test_tree(&nginx, &tree(&files)).unwrap();
        assert_eq!(fs::read_to_string(&real).unwrap(), VALID);
    }

    #[test]
    fn the_mirror_lives_under_root() {
        assert_eq!(
            mirrored(Path::new("/tmp/t/root"), Path::new("/etc/nginx/nginx.conf")),
            Path::new("/tmp/t/root/etc/nginx/nginx.conf")
        );
        // `..` cannot climb out of the mirror.
        assert_eq!(
            mirrored(
                Path::new("/tmp/t/root"),
                Path::new("/a/../../../../tmp/victim/./x.conf")
            ),
            Path::new("/tmp/t/root/tmp/victim/x.conf")
        );
        let real = [
            PathBuf::from("/etc/nginx/nginx.conf"),
            PathBuf::from("/etc/nginx/sites/a/b.conf"),
            PathBuf::from("/etc/other/c.conf"),
            PathBuf::from("/etc/nginx/x/../y/d.conf"),
        ];
        let dirs: Vec<PathBuf> = overlay_dirs(Path::new("/etc/nginx"), &real)
            .into_iter()
            .collect();
        assert_eq!(
            dirs,
            [
                "/etc/nginx",
                "/etc/nginx/sites",
                "/etc/nginx/sites/a",
                "/etc/nginx/x",
            ]
            .map(PathBuf::from)
        );
    }
}
