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

use super::context::{include_argument, RootContext, CONTEXT_FILE_NAME, STDIN_FILE_NAME};
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
    /// The main file ngxfix writes around a fragment to give it its
    /// context ([`RootContext`]); never reported on, edited or saved.
    Context,
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
    /// The file the user named: the main file, or a fragment the main file
    /// was written around.
    entry: FileId,
    /// The files findings are reported in (`None`: all but a written
    /// context): a site file checked through the nginx.conf that includes
    /// it reports on itself and what it includes, not on its neighbours.
    focus: Option<Vec<bool>>,
    /// Includes whose files do not exist, skipped because the tree was
    /// loaded leniently (a fragment whose main file is not known).
    skipped: Vec<SkippedInclude>,
}

/// An `include` whose file does not exist, read past in a lenient load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedInclude {
    pub file: FileId,
    /// The include directive's index in its file.
    pub directive: u32,
    /// The path it names, resolved against the prefix.
    pub path: PathBuf,
}

/// How to load a tree from disk.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The directory relative includes resolve against (nginx's conf
    /// prefix). Default: the main file's directory.
    pub prefix: Option<PathBuf>,
    /// Read only the named file, without its includes.
    pub no_includes: bool,
    /// Read past an include whose file does not exist (recorded in
    /// [`ConfigTree::skipped`]) instead of failing, as for a fragment
    /// whose prefix is only a guess.
    pub lenient: bool,
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

    /// The file the user named (the main file, unless a context was
    /// written around it).
    pub fn entry(&self) -> FileId {
        self.entry
    }

    /// Whether the tree is a fragment read without its nginx.conf: its main
    /// file was written around it, and what the real nginx.conf defines
    /// (upstreams, maps, modules loaded) is not known.
    pub fn is_fragment(&self) -> bool {
        self.files[0].origin == Origin::Context
    }

    /// Whether findings in `file` are reported: not in a written context,
    /// and only in the focused files when there is a focus.
    pub fn reports(&self, file: FileId) -> bool {
        self.files[file].origin != Origin::Context
            && self.focus.as_ref().is_none_or(|focus| focus[file])
    }

    /// Report findings only in `file` and the files it includes, directly
    /// or through them.
    pub fn focus_on(&mut self, file: FileId) {
        let mut focus = vec![false; self.files.len()];
        let mut stack = vec![file];
        while let Some(current) = stack.pop() {
            if std::mem::replace(&mut focus[current], true) {
                continue;
            }
            stack.extend(
                self.includes
                    .iter()
                    .filter(|((from, _), _)| *from == current)
                    .flat_map(|(_, targets)| targets.iter().copied()),
            );
        }
        self.focus = Some(focus);
        self.entry = file;
    }

    /// The files read from disk, standard input or a dump (the written
    /// context is not one of them).
    pub fn files_read(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.origin != Origin::Context)
            .count()
    }

    /// Includes read past because their files do not exist (lenient loads).
    pub fn skipped(&self) -> &[SkippedInclude] {
        &self.skipped
    }

    /// The skipped include at directive `directive` of `file`, if any.
    pub fn skipped_include(&self, file: FileId, directive: u32) -> Option<&SkippedInclude> {
        self.skipped
            .iter()
            .find(|s| s.file == file && s.directive == directive)
    }

    /// The file a path names, compared by identity on disk (symlinks and
    /// `..` resolved) or, for a dump, by the path as printed.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        let wanted = std::fs::canonicalize(path).ok();
        self.files.iter().position(|f| match (f.origin, &wanted) {
            (Origin::Disk, Some(wanted)) => {
                std::fs::canonicalize(&f.path).is_ok_and(|p| &p == wanted)
            }
            (Origin::Dump, _) => f.path == path,
            _ => false,
        })
    }

    /// The same tree read as the inside of `context`: a main file is
    /// written around the current main file (which becomes the entry), so
    /// that every block kind, inheritance and upstream is what it is when
    /// nginx.conf includes the fragment there. `prefix` is where the
    /// fragment's relative includes were resolved, hence where the written
    /// main file sits in `nginx -t`'s copy. A main context changes nothing.
    pub fn in_context(self, context: RootContext, prefix: &Path) -> ConfigTree {
        if context == RootContext::Main {
            return self;
        }
        let fragment = &self.files[0];
        let include = match fragment.origin {
            // nginx -t's copy names standard input this way, beside the
            // written main file.
            Origin::Stdin => STDIN_FILE_NAME.to_string(),
            _ => include_argument(
                &std::path::absolute(&fragment.path).unwrap_or_else(|_| fragment.path.clone()),
            ),
        };
        let tree = syntax::parse(context.main_text(&include).into_bytes())
            .expect("the written context parses");
        let include_index = tree
            .directives()
            .find(|d| d.name().value() == "include")
            .expect("the written context includes the fragment")
            .index();
        let shift = |id: FileId| id + 1;
        let mut includes: FxHashMap<(FileId, u32), Vec<FileId>> = self
            .includes
            .into_iter()
            .map(|((file, directive), targets)| {
                (
                    (shift(file), directive),
                    targets.into_iter().map(shift).collect(),
                )
            })
            .collect();
        includes.insert((0, include_index), vec![1]);
        let mut files = Vec::with_capacity(self.files.len() + 1);
        files.push(SourceFile {
            path: prefix.join(CONTEXT_FILE_NAME),
            origin: Origin::Context,
            tree,
        });
        files.extend(self.files);
        ConfigTree {
            files,
            includes,
            entry: shift(self.entry),
            focus: self
                .focus
                .map(|focus| std::iter::once(false).chain(focus).collect()),
            skipped: self
                .skipped
                .into_iter()
                .map(|s| SkippedInclude {
                    file: shift(s.file),
                    ..s
                })
                .collect(),
        }
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
        Self::load_with(path, &LoadOptions::default())
    }

    /// Load from a path on disk as `options` say.
    pub fn load_with(path: &Path, options: &LoadOptions) -> Result<ConfigTree, LoadError> {
        Self::load_text(path, read_file(path)?, options)
    }

    /// Load the file at `path`, whose text has been read, as `options` say.
    pub fn load_text(
        path: &Path,
        text: Vec<u8>,
        options: &LoadOptions,
    ) -> Result<ConfigTree, LoadError> {
        let prefix = options
            .prefix
            .clone()
            .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
        Loader::new(Store::Disk, prefix, options).run(path.to_path_buf(), Origin::Disk, text)
    }

    /// Load one file on its own, without following its includes: for
    /// fragments such as a `sites-enabled/` file.
    pub fn load_single(path: &Path) -> Result<ConfigTree, LoadError> {
        Self::load_with(
            path,
            &LoadOptions {
                no_includes: true,
                ..LoadOptions::default()
            },
        )
    }

    /// Load from bytes read from standard input: an `nginx -T` dump is split
    /// into its files; anything else is one file named `-` whose relative
    /// includes are resolved against the working directory.
    pub fn load_stdin(text: Vec<u8>) -> Result<ConfigTree, LoadError> {
        Self::load_stdin_with(text, &LoadOptions::default())
    }

    /// [`ConfigTree::load_stdin`] as `options` say (the prefix defaults to
    /// the working directory).
    pub fn load_stdin_with(text: Vec<u8>, options: &LoadOptions) -> Result<ConfigTree, LoadError> {
        match dump::split(&text) {
            Some(files) if !files.is_empty() => Self::load_dump(files),
            _ => Loader::new(
                Store::Disk,
                options.prefix.clone().unwrap_or_default(),
                options,
            )
            .run(PathBuf::from("-"), Origin::Stdin, text),
        }
    }

    /// Load the files of an `nginx -T` dump; the first is the main file.
    pub fn load_dump(files: Vec<dump::DumpedFile>) -> Result<ConfigTree, LoadError> {
        Self::load_dump_with(files, &LoadOptions::default())
    }

    /// [`ConfigTree::load_dump`] as `options` say (`lenient`; the prefix
    /// is always the main file's directory).
    pub fn load_dump_with(
        files: Vec<dump::DumpedFile>,
        options: &LoadOptions,
    ) -> Result<ConfigTree, LoadError> {
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
        Loader::new(Store::Dump(store), prefix, options).run(main.path, Origin::Dump, main.text)
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
    follow: bool,
    lenient: bool,
    files: Vec<SourceFile>,
    keys: HashMap<PathBuf, FileId>,
    includes: FxHashMap<(FileId, u32), Vec<FileId>>,
    skipped: Vec<SkippedInclude>,
}

impl Loader {
    fn new(store: Store, prefix: PathBuf, options: &LoadOptions) -> Self {
        Loader {
            store,
            prefix,
            follow: !options.no_includes,
            lenient: options.lenient,
            files: Vec::new(),
            keys: HashMap::new(),
            includes: FxHashMap::default(),
            skipped: Vec::new(),
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

        let mut level: Vec<FileId> = if self.follow { vec![0] } else { Vec::new() };
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
            entry: 0,
            focus: None,
            skipped: self.skipped,
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
    fn resolve_includes(&mut self, id: FileId) -> Result<Vec<(u32, Vec<PathBuf>)>, LoadError> {
        let file = &self.files[id];
        let mut found = Vec::new();
        let mut skipped = Vec::new();
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
            } else if self.lenient {
                skipped.push(SkippedInclude {
                    file: id,
                    directive: directive.index(),
                    path,
                });
                continue;
            } else {
                return Err(located(
                    file,
                    &directive,
                    format!("included file \"{}\" does not exist", path.display()),
                    Some(missing_hint(&value, &self.prefix)),
                ));
            };
            found.push((directive.index(), paths));
        }
        self.skipped.extend(skipped);
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

/// What to say about an include whose file does not exist: nginx resolves
/// a relative one against its configuration prefix (the directory of
/// nginx.conf), not against the file that says `include`.
pub fn missing_hint(argument: &str, prefix: &Path) -> String {
    if Path::new(argument).is_absolute() {
        return "the path is absolute; the file is not there".to_string();
    }
    let prefix = if prefix.as_os_str().is_empty() {
        "the working directory".to_string()
    } else {
        prefix.display().to_string()
    };
    format!(
        "nginx resolves a relative include against its prefix, the directory of nginx.conf \
         (here {prefix}), not against the file that includes it; --prefix DIR sets it"
    )
}

/// Read a file of a tree, with its path in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
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
