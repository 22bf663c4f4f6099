//! How `check` and `fix` read what they are pointed at: a main nginx.conf
//! as it is; a site file through the nginx.conf that includes it; a file
//! or pasted text that holds the inside of a block (a fragment) in that
//! block, its context inferred from its directives or given with
//! `--context`; an `nginx -T` dump (on standard input or in a file) split
//! into its files.

use std::path::{Path, PathBuf};

use anyhow::Context;

use ngxfix::config::context::guessed_prefix;
use ngxfix::config::{
    dump, ConfigTree, ContextFrom, FileOrigin, LoadOptions, Reading, RootContext,
};
use ngxfix::disk::{self, read_file, read_stdin};
use ngxfix::model::fragment;

/// What the user said about how to read the inputs.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// `--context`: the block the files' top level is the inside of.
    pub context: Option<RootContext>,
    /// `--prefix`: where relative includes resolve.
    pub prefix: Option<PathBuf>,
    /// `--no-includes`: the named files alone.
    pub no_includes: bool,
    /// `--max-file-size`: the most bytes read of one file.
    pub max_file_size: u64,
}

impl ReadOptions {
    /// The options the command line gave.
    pub fn new(args: &crate::cli::ReadingArgs, limits: &crate::cli::ReadLimits) -> ReadOptions {
        ReadOptions {
            context: args.context,
            prefix: args.prefix.clone(),
            no_includes: args.no_includes,
            max_file_size: limits.max_file_size,
        }
    }
}

/// Read one input (`None`: the default main file; `-`: standard input).
pub fn read(path: Option<&Path>, options: &ReadOptions) -> anyhow::Result<(ConfigTree, Reading)> {
    let Some(path) = path else {
        let path = super::default_main_path();
        let tree = disk::tree::load_with(&path, &strict(options, &path))?;
        let reading = Reading::of(&tree, ContextFrom::Main, RootContext::Main);
        return Ok((tree, reading));
    };
    let from_stdin = path.as_os_str() == "-";
    let text = if from_stdin {
        read_stdin(options.max_file_size)?
    } else {
        read_file(path, options.max_file_size)?
    };
    if let Some(files) = dump::split(&text).filter(|files| !files.is_empty()) {
        let tree = ConfigTree::load_dump(files)?;
        let reading = Reading::of(&tree, ContextFrom::Dump, RootContext::Main);
        return Ok((tree, reading));
    }
    if options.context == Some(RootContext::Main) {
        let tree = load(path, from_stdin, text, &strict(options, path))?;
        let reading = Reading::of(&tree, ContextFrom::Given, RootContext::Main);
        return Ok((tree, reading));
    }

    // Read leniently first, includes resolved where a fragment's would be:
    // what the file holds says how to read it.
    let prefix = match &options.prefix {
        Some(prefix) => prefix.clone(),
        None if from_stdin => PathBuf::new(),
        None if path.is_absolute() => guessed_prefix(path),
        None => {
            // Guessed from where the file really is (`api.conf` named from
            // inside sites-enabled/ is still in sites-enabled/), and kept
            // relative, as the path was given, when it is below the
            // working directory.
            let cwd = std::env::current_dir().context("reading the working directory")?;
            let guess = guessed_prefix(&cwd.join(path));
            guess
                .strip_prefix(&cwd)
                .map_or(guess.clone(), Path::to_path_buf)
        }
    };
    let lenient = LoadOptions {
        prefix: Some(prefix.clone()),
        no_includes: options.no_includes,
        lenient: true,
        max_file_size: options.max_file_size,
    };
    let tree = load(path, from_stdin, text, &lenient)?;
    let (context, from, evidence, doubt) = match options.context {
        Some(given) => (given, ContextFrom::Given, Vec::new(), None),
        None => {
            let inferred = fragment::infer(&tree);
            (
                inferred.context,
                ContextFrom::Inferred,
                inferred.evidence,
                inferred.doubt,
            )
        }
    };

    if context == RootContext::Main && doubt.is_none() {
        // A main file: its includes resolve against its own directory (or
        // --prefix), and one that does not exist is an error, as for nginx.
        let strict = strict(options, path);
        let same_prefix = strict
            .prefix
            .as_deref()
            .is_some_and(|own| same_dir(own, &prefix));
        let tree = if same_prefix && tree.skipped().is_empty() {
            tree
        } else {
            let text = tree.main().tree.text().to_vec();
            drop(tree);
            load(path, from_stdin, text, &strict)?
        };
        let reading = Reading::of(&tree, ContextFrom::Main, RootContext::Main);
        return Ok((tree, reading));
    }

    if !from_stdin && !options.no_includes && options.context.is_none() {
        if let Some((tree, main)) = through_main(path, options.max_file_size)? {
            let mut reading = Reading::of(&tree, ContextFrom::Including, context);
            reading.path = path.display().to_string();
            reading.main = Some(main);
            return Ok((tree, reading));
        }
    }

    let tree = disk::tree::in_context(tree, context, &prefix);
    let mut reading = Reading::of(&tree, from, context);
    reading.evidence = evidence;
    reading.doubt = doubt;
    // Where relative includes resolved is worth saying only when there
    // are some to resolve.
    let includes = !options.no_includes
        && tree
            .files()
            .iter()
            .filter(|f| f.origin != FileOrigin::Context)
            .any(|f| f.tree.directives().any(|d| d.name().value() == "include"));
    if includes && (!from_stdin || options.prefix.is_some()) {
        reading.prefix = Some(if prefix.as_os_str().is_empty() {
            ".".to_string()
        } else {
            prefix.display().to_string()
        });
    }
    Ok((tree, reading))
}

/// Whether two spellings of a directory (`""` is the working directory)
/// name the same one.
fn same_dir(a: &Path, b: &Path) -> bool {
    let real = |p: &Path| {
        std::fs::canonicalize(if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        })
    };
    a == b || matches!((real(a), real(b)), (Ok(a), Ok(b)) if a == b)
}

/// Options for reading a main file: its includes must exist, and resolve
/// against its own directory unless `--prefix` says otherwise.
fn strict(options: &ReadOptions, path: &Path) -> LoadOptions {
    let own = if path.as_os_str() == "-" {
        PathBuf::new()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    LoadOptions {
        prefix: Some(options.prefix.clone().unwrap_or(own)),
        no_includes: options.no_includes,
        lenient: false,
        max_file_size: options.max_file_size,
    }
}

fn load(
    path: &Path,
    from_stdin: bool,
    text: Vec<u8>,
    options: &LoadOptions,
) -> anyhow::Result<ConfigTree> {
    Ok(if from_stdin {
        disk::tree::load_stdin_with(text, options)?
    } else {
        disk::tree::load_text(path, text, options)?
    })
}

/// The nginx.conf that includes the site file `path`, with its whole tree
/// focused on `path`: the nearest `nginx.conf` in a directory above it
/// whose includes reach it, else the one nginx was built to read. A
/// candidate that cannot be read is passed over.
fn through_main(path: &Path, max_file_size: u64) -> anyhow::Result<Option<(ConfigTree, String)>> {
    let cwd = std::env::current_dir().context("reading the working directory")?;
    let absolute = cwd.join(path);
    let itself = std::fs::canonicalize(&absolute).ok();
    let mut candidates: Vec<PathBuf> = absolute
        .parent()
        .into_iter()
        .flat_map(Path::ancestors)
        .map(|dir| dir.join("nginx.conf"))
        .collect();
    candidates.push(super::default_main_path());
    let mut tried: Vec<PathBuf> = Vec::new();
    for candidate in candidates {
        let Ok(real) = std::fs::canonicalize(&candidate) else {
            continue;
        };
        if Some(&real) == itself.as_ref() || tried.contains(&real) || !real.is_file() {
            continue;
        }
        tried.push(real);
        // Shown as the user would type it: relative below the working
        // directory, absolute elsewhere.
        let shown = match candidate.strip_prefix(&cwd) {
            Ok(relative) => relative.to_path_buf(),
            Err(_) => candidate.clone(),
        };
        let options = LoadOptions {
            lenient: true,
            max_file_size,
            ..LoadOptions::default()
        };
        let Ok(mut tree) = disk::tree::load_with(&shown, &options) else {
            continue;
        };
        if let Some(file) = disk::tree::find(&tree, path) {
            tree.focus_on(file);
            return Ok(Some((tree, shown.display().to_string())));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_the_same_however_it_is_spelled() {
        let cwd = std::env::current_dir().unwrap();
        assert!(same_dir(Path::new(""), &cwd));
        assert!(same_dir(Path::new("src"), &cwd.join("src")));
        assert!(same_dir(Path::new("src/../src"), Path::new("src")));
        assert!(!same_dir(Path::new("src"), Path::new("tests")));
        assert!(!same_dir(Path::new("no/such/dir"), Path::new("src")));
    }
}
