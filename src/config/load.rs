//! Loading a configuration tree: the main file and everything it includes.
//!
//! `include` is resolved as nginx does in `ngx_conf_include()`
//! (src/core/ngx_conf_file.c): a relative path is relative to the directory
//! of the main configuration file (nginx's conf prefix), not to the file that
//! says `include`; a pattern with `*`, `?` or `[` is expanded by glob(3) in
//! sorted order and may match nothing; a literal path that does not exist is
//! an error. nginx has no cycle check (it recurses until it runs out of file
//! descriptors); here a cycle is reported as an error.
//!
//! Files are parsed once each, level by level and in parallel, then linked.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::dump;
use super::LoadError;
use crate::syntax::{self, Directive, SourceError, SyntaxTree};

/// Index of a file in [`ConfigTree::files`].
pub type FileId = usize;

/// Where a file's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Read from disk.
    Disk,
    /// Standard input (a plain configuration, not a dump).
    Stdin,
    /// One file of an `nginx -T` dump.
    Dump,
}

/// One parsed file of the tree.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it (main file) or as resolved from the
    /// `include` (relative paths stay relative); `-` for standard input.
    pub path: PathBuf,
    pub origin: Origin,
    pub tree: SyntaxTree,
}

impl SourceFile {
    /// The path for messages.
    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }
}

/// A whole configuration: the main file first, then included files in the
/// order they were first reached (breadth first).
#[derive(Debug)]
pub struct ConfigTree {
    files: Vec<SourceFile>,
    /// (file, directive index) of each `include` → the files it pulls in.
    includes: FxHashMap<(FileId, u32), Vec<FileId>>,
}

impl ConfigTree {
    /// All files; index 0 is the main file.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The main configuration file.
    pub fn main(&self) -> &SourceFile {
        &self.files[0]
    }

    /// The files an `include` directive pulls in, in nginx's order; `None` if
    /// the directive is not an include.
    pub fn included(&self, file: FileId, directive: &Directive<'_>) -> Option<&[FileId]> {
        self.includes
            .get(&(file, directive.index()))
            .map(Vec::as_slice)
    }

    /// Load from a path on disk, following includes.
    pub fn load(path: &Path) -> Result<ConfigTree, LoadError> {
        let prefix = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Loader::new(Store::Disk, prefix).run(path.to_path_buf(), Origin::Disk, read_file(path)?)
    }

    /// Load one file on its own, without following its includes: for
    /// fragments such as a `sites-enabled/` file.
    pub fn load_single(path: &Path) -> Result<ConfigTree, LoadError> {
        let tree = parse(path, read_file(path)?)?;
        Ok(ConfigTree {
            files: vec![SourceFile {
                path: path.to_path_buf(),
                origin: Origin::Disk,
                tree,
            }],
            includes: FxHashMap::default(),
        })
    }

    /// Load from bytes read from standard input: an `nginx -T` dump is split
    /// into its files; anything else is one file named `-` whose relative
    /// includes are resolved against the working directory.
    pub fn load_stdin(text: Vec<u8>) -> Result<ConfigTree, LoadError> {
        match dump::split(&text) {
            Some(files) if !files.is_empty() => Self::load_dump(files),
            _ => Loader::new(Store::Disk, PathBuf::new()).run(
                PathBuf::from("-"),
                Origin::Stdin,
                text,
            ),
        }
    }

    /// Load the files of an `nginx -T` dump; the first is the main file.
    pub fn load_dump(files: Vec<dump::DumpedFile>) -> Result<ConfigTree, LoadError> {
        let mut files = files.into_iter();
        let main = files.next().ok_or(LoadError::EmptyDump)?;
        let prefix = main
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut store: BTreeMap<PathBuf, Vec<u8>> = files.map(|f| (f.path, f.text)).collect();
        // Listed so that includes and globs can reach it; its text is `main.text`.
        store.insert(main.path.clone(), Vec::new());
        Loader::new(Store::Dump(store), prefix).run(main.path, Origin::Dump, main.text)
    }
}

impl ConfigTree {
    /// Put new texts in place of some files' texts, each already parsed.
    /// Fixes never touch `include`: a changed file must keep its `include`
    /// directives with the same arguments, so the links carry over by
    /// position instead of being resolved again (no disk access between the
    /// passes of the fix loop). On an error nothing is changed.
    pub fn replace_texts(
        &mut self,
        changed: Vec<(FileId, SyntaxTree)>,
    ) -> Result<(), IncludesChanged> {
        // (old key, new key) of each include link; checked before any change.
        let mut moves = Vec::new();
        for (file, tree) in &changed {
            let before = include_args(&self.files[*file].tree);
            let after = include_args(tree);
            if !same_includes(&before, &after) {
                return Err(IncludesChanged {
                    path: self.files[*file].display_path(),
                });
            }
            moves.extend(
                before
                    .iter()
                    .zip(&after)
                    .map(|(b, a)| ((*file, b.0), (*file, a.0))),
            );
        }
        let links: Vec<_> = moves
            .into_iter()
            .filter_map(|(old, new)| self.includes.remove(&old).map(|targets| (new, targets)))
            .collect();
        self.includes.extend(links);
        for (file, tree) in changed {
            self.files[file].tree = tree;
        }
        Ok(())
    }

    /// Whether `tree`, a new text of `file`, has the same `include`
    /// directives with the same arguments, in the same order.
    pub fn includes_kept(&self, file: FileId, tree: &SyntaxTree) -> Result<(), IncludesChanged> {
        if same_includes(&include_args(&self.files[file].tree), &include_args(tree)) {
            Ok(())
        } else {
            Err(IncludesChanged {
                path: self.files[file].display_path(),
            })
        }
    }
}

/// A new text of a file adds, removes or changes an `include`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}: the change adds, removes or alters an include directive")]
pub struct IncludesChanged {
    pub path: String,
}

/// Whether two lists from [`include_args`] name the same files in the same
/// order (their directive indexes may differ).
fn same_includes(before: &[(u32, Vec<String>)], after: &[(u32, Vec<String>)]) -> bool {
    before.len() == after.len() && before.iter().zip(after).all(|(b, a)| b.1 == a.1)
}

/// Each `include` of a file: its directive index and its arguments as nginx
/// reads them (unescaped).
fn include_args(tree: &SyntaxTree) -> Vec<(u32, Vec<String>)> {
    tree.directives()
        .filter(|d| d.name().value() == "include")
        .map(|d| {
            (
                d.index(),
                d.args().map(|a| a.value().into_owned()).collect(),
            )
        })
        .collect()
}

/// Where included files are read from.
enum Store {
    Disk,
    /// The files of a dump, by the path nginx printed.
    Dump(BTreeMap<PathBuf, Vec<u8>>),
}

impl Store {
    fn origin(&self) -> Origin {
        match self {
            Store::Disk => Origin::Disk,
            Store::Dump(_) => Origin::Dump,
        }
    }

    /// The identity of a file, so each is parsed once however it is named.
    fn key(&self, path: &Path) -> PathBuf {
        match self {
            Store::Disk => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            Store::Dump(_) => path.to_path_buf(),
        }
    }

    fn exists(&self, path: &Path) -> bool {
        match self {
            Store::Disk => path.exists(),
            Store::Dump(files) => files.contains_key(path),
        }
    }

    /// glob(3) as nginx calls it: sorted, `*` does not match `/` or a leading
    /// dot.
    fn glob(&self, pattern: &str) -> Result<Vec<PathBuf>, String> {
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let mut found: Vec<PathBuf> = match self {
            Store::Disk => glob::glob_with(pattern, options)
                .map_err(|e| e.to_string())?
                .filter_map(Result::ok)
                .collect(),
            Store::Dump(files) => {
                let pattern = glob::Pattern::new(pattern).map_err(|e| e.to_string())?;
                files
                    .keys()
                    .filter(|p| pattern.matches_path_with(p, options))
                    .cloned()
                    .collect()
            }
        };
        // glob(3) sorts whole paths byte-wise (nginx runs in the C locale).
        found.sort_by(|a, b| {
            a.as_os_str()
                .as_encoded_bytes()
                .cmp(b.as_os_str().as_encoded_bytes())
        });
        Ok(found)
    }
}

struct Loader {
    store: Store,
    prefix: PathBuf,
    files: Vec<SourceFile>,
    keys: HashMap<PathBuf, FileId>,
    includes: FxHashMap<(FileId, u32), Vec<FileId>>,
}

impl Loader {
    fn new(store: Store, prefix: PathBuf) -> Self {
        Loader {
            store,
            prefix,
            files: Vec::new(),
            keys: HashMap::new(),
            includes: FxHashMap::default(),
        }
    }

    fn run(
        mut self,
        main: PathBuf,
        origin: Origin,
        text: Vec<u8>,
    ) -> Result<ConfigTree, LoadError> {
        let tree = parse(&main, text)?;
        self.keys.insert(self.store.key(&main), 0);
        self.files.push(SourceFile {
            path: main,
            origin,
            tree,
        });

        let mut level: Vec<FileId> = vec![0];
        while !level.is_empty() {
            let mut next = Vec::new();
            for id in level {
                for (directive, paths) in self.resolve_includes(id)? {
                    let mut targets = Vec::with_capacity(paths.len());
                    for path in paths {
                        let key = self.store.key(&path);
                        let target = match self.keys.get(&key) {
                            Some(&known) => known,
                            None => {
                                let new = self.files.len() + next.len();
                                self.keys.insert(key, new);
                                next.push((new, path));
                                new
                            }
                        };
                        targets.push(target);
                    }
                    self.includes.insert((id, directive), targets);
                }
            }
            let parsed = self.read_and_parse(&next)?;
            level = next.iter().map(|(id, _)| *id).collect();
            self.files.extend(parsed);
        }

        self.check_cycles()?;
        Ok(ConfigTree {
            files: self.files,
            includes: self.includes,
        })
    }

    /// Read and parse a batch of files in parallel; the first error in batch
    /// order wins, so results do not depend on thread timing.
    fn read_and_parse(&self, batch: &[(FileId, PathBuf)]) -> Result<Vec<SourceFile>, LoadError> {
        let origin = self.store.origin();
        batch
            .par_iter()
            .map(|(_, path)| {
                let text = match &self.store {
                    Store::Disk => read_file(path)?,
                    Store::Dump(files) => files[path].clone(),
                };
                Ok(SourceFile {
                    path: path.clone(),
                    origin,
                    tree: parse(path, text)?,
                })
            })
            .collect::<Vec<Result<SourceFile, LoadError>>>()
            .into_iter()
            .collect()
    }

    /// The `include` directives of a file and the paths each one names.
    fn resolve_includes(&self, id: FileId) -> Result<Vec<(u32, Vec<PathBuf>)>, LoadError> {
        let file = &self.files[id];
        let mut found = Vec::new();
        for directive in file.tree.directives() {
            if directive.name().value() != "include" {
                continue;
            }
            let mut args = directive.args();
            let (Some(arg), None) = (args.next(), args.next()) else {
                continue; // not an include nginx would accept; the rules report it
            };
            let value = arg.value();
            let path = self.prefix.join(value.as_ref());
            let paths = if value.contains(['*', '?', '[']) {
                let pattern = path.to_string_lossy();
                self.store.glob(&pattern).map_err(|why| {
                    located(
                        file,
                        &directive,
                        format!("invalid include pattern \"{value}\": {why}"),
                        None,
                    )
                })?
            } else if self.store.exists(&path) {
                vec![path]
            } else {
                return Err(located(
                    file,
                    &directive,
                    format!("included file \"{}\" does not exist", path.display()),
                    Some(format!(
                        "nginx resolves a relative include against the main file's directory{}",
                        prefix_hint(&self.prefix)
                    )),
                ));
            };
            found.push((directive.index(), paths));
        }
        Ok(found)
    }

    /// Depth-first walk in nginx's include order; an include that reaches a
    /// file already on the walk's stack is a cycle.
    fn check_cycles(&self) -> Result<(), LoadError> {
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            New,
            OnStack,
            Done,
        }
        // Each file's outgoing edges (include directive, target), in file order.
        let mut edges: Vec<Vec<(u32, FileId)>> = vec![Vec::new(); self.files.len()];
        for (&(file, directive), targets) in &self.includes {
            edges[file].extend(targets.iter().map(|&target| (directive, target)));
        }
        for list in &mut edges {
            list.sort_by_key(|&(directive, _)| directive); // stable: keeps glob order
        }

        let mut state = vec![State::New; self.files.len()];
        state[0] = State::OnStack;
        let mut stack: Vec<(FileId, usize)> = vec![(0, 0)];
        while let Some((file, next)) = stack.last_mut() {
            let file = *file;
            let Some(&(directive, target)) = edges[file].get(*next) else {
                state[file] = State::Done;
                stack.pop();
                continue;
            };
            *next += 1;
            match state[target] {
                State::Done => {}
                State::New => {
                    state[target] = State::OnStack;
                    stack.push((target, 0));
                }
                State::OnStack => {
                    let chain: Vec<String> = stack
                        .iter()
                        .map(|&(f, _)| self.files[f].display_path())
                        .chain([self.files[target].display_path()])
                        .collect();
                    let from = &self.files[file];
                    return Err(located(
                        from,
                        &from.tree.directive(directive),
                        "include cycle".to_string(),
                        Some(chain.join(" -> ")),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn prefix_hint(prefix: &Path) -> String {
    if prefix.as_os_str().is_empty() {
        String::new()
    } else {
        format!(" ({})", prefix.display())
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|error| LoadError::Read {
        path: path.display().to_string(),
        error,
    })
}

fn parse(path: &Path, text: Vec<u8>) -> Result<SyntaxTree, LoadError> {
    syntax::parse(text).map_err(|error| LoadError::Source {
        path: path.display().to_string(),
        error,
    })
}

fn located(
    file: &SourceFile,
    directive: &Directive<'_>,
    message: String,
    hint: Option<String>,
) -> LoadError {
    let offset = directive.span().start as usize;
    LoadError::Source {
        path: file.display_path(),
        error: SourceError::at(file.tree.text(), offset, message, hint),
    }
}
