//! Loading a configuration tree: the main file and everything it includes.
//!
//! `include` is resolved as nginx does in `ngx_conf_include()`
//! (src/core/ngx_conf_file.c): a relative path is relative to the directory
//! of the main configuration file (nginx's conf prefix), not to the file that
//! says `include`; a pattern with `*`, `?` or `[` is expanded by glob(3) in
//! sorted order and may match nothing; a literal path that does not exist is
//! an error. nginx has no cycle check (it recurses until it runs out of file
//! descriptors); here a cycle is reported as an error, and so are includes
//! nested more than [`MAX_INCLUDE_DEPTH`] deep.
//!
//! Files are parsed once each, level by level and in parallel, then linked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::context::{
    absolute_lexically, include_argument, RootContext, CONTEXT_FILE_NAME, STDIN_FILE_NAME,
};
use super::dump;
use super::limits::{size_text, DEFAULT_MAX_FILE_SIZE};
use super::source::{sort_as_glob, IncludeSource, MemorySource};
use super::LoadError;
use crate::syntax::{self, Directive, SourceError, SyntaxTree};

/// Includes nested deeper than this are refused: a file included by the
/// main file is one level down, a file it includes two. Real configurations
/// nest a few levels; nginx itself keeps every file of the chain open and
/// fails at its descriptor limit (1024 by default). The limit bounds the
/// chains a load follows and the links an error shows, not memory or stack:
/// every walk over includes keeps its own stack.
pub const MAX_INCLUDE_DEPTH: usize = 100;

/// The most directives a configuration may hold with every include read in
/// place. Files including the same file twice, level after level, double
/// at each level: thirty levels of a few lines are a billion directives,
/// which nginx would spend hours on and ngxfix must not. A real
/// configuration with 20,000 servers holds about 200,000.
pub(crate) const MAX_SPLICED_DIRECTIVES: usize = 5_000_000;

/// Index of a file in [`ConfigTree::files`].
pub use crate::text::FileId;

/// Where a file's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOrigin {
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
    pub origin: FileOrigin,
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

/// How to load a tree.
#[derive(Debug, Clone)]
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
    /// The most bytes read of one file (`--max-file-size`).
    pub max_file_size: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            prefix: None,
            no_includes: false,
            lenient: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

impl ConfigTree {
    /// All files; index 0 is the main file.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The file `id`.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.index()]
    }

    /// All files with their ids, in order.
    pub fn files_with_ids(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(index, file)| (FileId::new(index), file))
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
    pub(crate) fn is_fragment(&self) -> bool {
        self.files[0].origin == FileOrigin::Context
    }

    /// Whether findings in `file` are reported: not in a written context,
    /// and only in the focused files when there is a focus.
    pub fn reports(&self, file: FileId) -> bool {
        self.files[file.index()].origin != FileOrigin::Context
            && self.focus.as_ref().is_none_or(|focus| focus[file.index()])
    }

    /// Report findings only in `file` and the files it includes, directly
    /// or through them.
    pub fn focus_on(&mut self, file: FileId) {
        let mut focus = vec![false; self.files.len()];
        let mut stack = vec![file];
        while let Some(current) = stack.pop() {
            if std::mem::replace(&mut focus[current.index()], true) {
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
            .filter(|f| f.origin != FileOrigin::Context)
            .count()
    }

    /// Includes read past because their files do not exist (lenient loads).
    pub fn skipped(&self) -> &[SkippedInclude] {
        &self.skipped
    }

    /// The skipped include at directive `directive` of `file`, if any.
    pub(crate) fn skipped_include(&self, file: FileId, directive: u32) -> Option<&SkippedInclude> {
        self.skipped
            .iter()
            .find(|s| s.file == file && s.directive == directive)
    }

    /// The file a path names, compared by identity in `source` (on disk:
    /// symlinks and `..` resolved) or, for a dump, by the path as printed.
    pub fn find(&self, source: &dyn IncludeSource, path: &Path) -> Option<FileId> {
        let wanted = source.canonical(path);
        let index = self.files.iter().position(|f| match (f.origin, &wanted) {
            (FileOrigin::Disk, Some(wanted)) => {
                source.canonical(&f.path).is_some_and(|p| &p == wanted)
            }
            (FileOrigin::Dump, _) => f.path == path,
            _ => false,
        })?;
        Some(FileId::new(index))
    }

    /// The same tree read as the inside of `context`: a main file is
    /// written around the current main file (which becomes the entry), so
    /// that every block kind, inheritance and upstream is what it is when
    /// nginx.conf includes the fragment there. `prefix` is where the
    /// fragment's relative includes were resolved, hence where the written
    /// main file sits in `nginx -t`'s copy. A main context changes nothing.
    ///
    /// The written main file includes the fragment by its path made
    /// absolute without asking the system ([`absolute_lexically`]: a
    /// relative path stays relative); `crate::disk::tree::in_context` makes
    /// it absolute against the working directory.
    pub fn in_context(self, context: RootContext, prefix: &Path) -> ConfigTree {
        let fragment = absolute_lexically(&self.files[0].path);
        self.in_context_including(context, prefix, &fragment)
    }

    /// [`ConfigTree::in_context`], the written main file including the
    /// fragment by the path `fragment` (absolute, for `nginx -t`'s copy;
    /// standard input is named its own way).
    pub fn in_context_including(
        self,
        context: RootContext,
        prefix: &Path,
        fragment: &Path,
    ) -> ConfigTree {
        if context == RootContext::Main {
            return self;
        }
        let include = match self.files[0].origin {
            // nginx -t's copy names standard input this way, beside the
            // written main file.
            FileOrigin::Stdin => STDIN_FILE_NAME.to_string(),
            _ => include_argument(fragment),
        };
        let tree = syntax::parse(context.main_text(&include).into_bytes())
            .expect("the written context parses");
        let include_index = tree
            .directives()
            .find(|d| d.name().value() == "include")
            .expect("the written context includes the fragment")
            .index();
        let shift = |id: FileId| FileId::new(id.index() + 1);
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
        includes.insert((FileId::FIRST, include_index), vec![FileId::new(1)]);
        let mut files = Vec::with_capacity(self.files.len() + 1);
        files.push(SourceFile {
            path: prefix.join(CONTEXT_FILE_NAME),
            origin: FileOrigin::Context,
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

    /// Load the file at `path` from `source`, as `options` say.
    pub fn load_from(
        source: &dyn IncludeSource,
        path: &Path,
        options: &LoadOptions,
    ) -> Result<ConfigTree, LoadError> {
        let text = source.read(path, options.max_file_size)?;
        Self::load_text_from(source, path, text, options)
    }

    /// Load the file at `path`, whose text has been read, as `options` say;
    /// its includes are read from `source`.
    pub fn load_text_from(
        source: &dyn IncludeSource,
        path: &Path,
        text: Vec<u8>,
        options: &LoadOptions,
    ) -> Result<ConfigTree, LoadError> {
        let prefix = options
            .prefix
            .clone()
            .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
        Loader::new(source, prefix, options).run(path.to_path_buf(), source.origin(), text)
    }

    /// Load from bytes read from standard input: an `nginx -T` dump is split
    /// into its files; anything else is one file named `-` whose includes
    /// are read from `source` (relative ones resolved against the prefix,
    /// by default the working directory).
    pub fn load_stdin_from(
        source: &dyn IncludeSource,
        text: Vec<u8>,
        options: &LoadOptions,
    ) -> Result<ConfigTree, LoadError> {
        match dump::split(&text) {
            Some(files) if !files.is_empty() => Self::load_dump(files),
            _ => Loader::new(source, options.prefix.clone().unwrap_or_default(), options).run(
                PathBuf::from("-"),
                FileOrigin::Stdin,
                text,
            ),
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
        let mut source: MemorySource = files.map(|f| (f.path, f.text)).collect();
        // Listed so that includes and globs can reach it; its text is `main.text`.
        source.insert(main.path.clone(), Vec::new());
        Loader::new(&source, prefix, options).run(main.path, FileOrigin::Dump, main.text)
    }
}

impl ConfigTree {
    /// Put new texts in place of some files' texts, each already parsed.
    /// Fixes never touch `include`: a changed file must keep its `include`
    /// directives with the same arguments, so the links carry over by
    /// position instead of being resolved again (no disk access between the
    /// passes of the fix loop). On an error nothing is changed. Returns the
    /// trees replaced.
    pub(crate) fn replace_texts(
        &mut self,
        changed: Vec<(FileId, SyntaxTree)>,
    ) -> Result<Vec<(FileId, SyntaxTree)>, IncludesChanged> {
        // (old key, new key) of each include link; checked before any change.
        let mut moves = Vec::new();
        for (file, tree) in &changed {
            let before = include_args(&self.files[file.index()].tree);
            let after = include_args(tree);
            if !same_includes(&before, &after) {
                return Err(IncludesChanged {
                    path: self.files[file.index()].display_path(),
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
        Ok(changed
            .into_iter()
            .map(|(file, tree)| {
                let old = std::mem::replace(&mut self.files[file.index()].tree, tree);
                (file, old)
            })
            .collect())
    }

    /// Whether `tree`, a new text of `file`, has the same `include`
    /// directives with the same arguments, in the same order.
    pub(crate) fn includes_kept(
        &self,
        file: FileId,
        tree: &SyntaxTree,
    ) -> Result<(), IncludesChanged> {
        if same_includes(
            &include_args(&self.files[file.index()].tree),
            &include_args(tree),
        ) {
            Ok(())
        } else {
            Err(IncludesChanged {
                path: self.files[file.index()].display_path(),
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

struct Loader<'s> {
    source: &'s dyn IncludeSource,
    prefix: PathBuf,
    follow: bool,
    lenient: bool,
    max_file_size: u64,
    files: Vec<SourceFile>,
    /// By file id (ahead of `files` while a level is read): the include
    /// (file, directive index) that first reached the file, breadth first,
    /// so on the shortest chain from the main file; `None` for the main file.
    reached_from: Vec<Option<(FileId, u32)>>,
    /// By file id: the includes on that shortest chain.
    depth: Vec<usize>,
    keys: HashMap<PathBuf, FileId>,
    includes: FxHashMap<(FileId, u32), Vec<FileId>>,
    skipped: Vec<SkippedInclude>,
}

impl<'s> Loader<'s> {
    fn new(source: &'s dyn IncludeSource, prefix: PathBuf, options: &LoadOptions) -> Self {
        Loader {
            source,
            prefix,
            follow: !options.no_includes,
            lenient: options.lenient,
            max_file_size: options.max_file_size,
            files: Vec::new(),
            reached_from: Vec::new(),
            depth: Vec::new(),
            keys: HashMap::new(),
            includes: FxHashMap::default(),
            skipped: Vec::new(),
        }
    }

    fn run(
        mut self,
        main: PathBuf,
        origin: FileOrigin,
        text: Vec<u8>,
    ) -> Result<ConfigTree, LoadError> {
        let tree = parse(&main, text)?;
        self.keys.insert(self.key(&main), FileId::FIRST);
        self.reached_from.push(None);
        self.depth.push(0);
        self.files.push(SourceFile {
            path: main,
            origin,
            tree,
        });

        let mut level: Vec<FileId> = if self.follow {
            vec![FileId::FIRST]
        } else {
            Vec::new()
        };
        while !level.is_empty() {
            let mut next = Vec::new();
            for id in level {
                for (directive, paths) in self.resolve_includes(id)? {
                    let mut targets = Vec::with_capacity(paths.len());
                    for path in paths {
                        let key = self.key(&path);
                        let target = match self.keys.get(&key) {
                            Some(&known) => known,
                            None => {
                                let new = FileId::new(self.files.len() + next.len());
                                let depth = self.depth[id.index()] + 1;
                                if depth > MAX_INCLUDE_DEPTH {
                                    // Stopped here: a chain deeper than
                                    // the limit is not read to its end.
                                    let mut links = self.chain_to(id);
                                    links.push((id, directive));
                                    return Err(self.too_deep(&links, path.display().to_string()));
                                }
                                self.keys.insert(key, new);
                                self.reached_from.push(Some((id, directive)));
                                self.depth.push(depth);
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
            entry: FileId::FIRST,
            focus: None,
            skipped: self.skipped,
        })
    }

    /// The identity of a file, so each is parsed once however it is named.
    fn key(&self, path: &Path) -> PathBuf {
        self.source
            .canonical(path)
            .unwrap_or_else(|| path.to_path_buf())
    }

    /// Read and parse a batch of files in parallel; the first error in batch
    /// order wins, so results do not depend on thread timing.
    fn read_and_parse(&self, batch: &[(FileId, PathBuf)]) -> Result<Vec<SourceFile>, LoadError> {
        let origin = self.source.origin();
        crate::par::map(batch, |(id, path)| -> Result<SourceFile, LoadError> {
            let text = self
                .source
                .read(path, self.max_file_size)
                .map_err(|error| self.at_include(*id, error))?;
            Ok(SourceFile {
                path: path.clone(),
                origin,
                tree: parse(path, text)?,
            })
        })
        .into_iter()
        .collect()
    }

    /// A file's read error, located at the include that first reached it,
    /// the way a missing include is.
    fn at_include(&self, id: FileId, error: LoadError) -> LoadError {
        let Some((from, directive)) = self.reached_from[id.index()] else {
            return error;
        };
        let (message, hint) = match error {
            LoadError::NotRegular { path, kind } => (
                format!("included file \"{path}\" is {kind}, not a regular file"),
                None,
            ),
            LoadError::TooLarge { path, limit } => (
                format!(
                    "included file \"{path}\" is larger than {}, the most ngxfix reads \
                     of one file (--max-file-size)",
                    size_text(limit)
                ),
                Some("--max-file-size SIZE raises the limit: bytes, or with K, M or G".to_string()),
            ),
            LoadError::Read { path, error } => (
                format!("included file \"{path}\" cannot be read: {error}"),
                None,
            ),
            other => return other,
        };
        let file = &self.files[from.index()];
        located(file, &file.tree.directive(directive), message, hint)
    }

    /// The include links (file, directive index) of the shortest chain from
    /// the main file to `id`, outermost first.
    fn chain_to(&self, id: FileId) -> Vec<(FileId, u32)> {
        let mut links = Vec::with_capacity(self.depth[id.index()]);
        let mut file = id;
        while let Some(link) = self.reached_from[file.index()] {
            links.push(link);
            file = link.0;
        }
        links.reverse();
        links
    }

    /// Includes nested too deeply: `links` is a chain of includes from the
    /// main file, longer than [`MAX_INCLUDE_DEPTH`], whose last one pulls
    /// in `last`. The error is at the first include past the limit.
    fn too_deep(&self, links: &[(FileId, u32)], last: String) -> LoadError {
        let (file, directive) = links[MAX_INCLUDE_DEPTH];
        let chain: Vec<String> = links
            .iter()
            .map(|&(f, _)| self.files[f.index()].display_path())
            .chain([last])
            .collect();
        let file = &self.files[file.index()];
        located(
            file,
            &file.tree.directive(directive),
            "includes are nested too deeply to read".to_string(),
            Some(format!(
                "more than {MAX_INCLUDE_DEPTH} levels: {}",
                shortened_chain(&chain)
            )),
        )
    }

    /// The `include` directives of a file and the paths each one names.
    fn resolve_includes(&mut self, id: FileId) -> Result<Vec<(u32, Vec<PathBuf>)>, LoadError> {
        let file = &self.files[id.index()];
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
                let mut matched = self.source.glob(&pattern).map_err(|why| {
                    located(
                        file,
                        &directive,
                        format!("invalid include pattern \"{value}\": {why}"),
                        None,
                    )
                })?;
                sort_as_glob(&mut matched);
                matched
            } else if self.source.exists(&path) {
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
    /// file already on the walk's stack is a cycle. The walk also measures
    /// the longest chain of includes below each file: loading read files
    /// breadth first, on their shortest chains, and a file reached first
    /// from near the top may also sit at the end of a long chain.
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
            edges[file.index()].extend(targets.iter().map(|&target| (directive, target)));
        }
        for list in &mut edges {
            list.sort_by_key(|&(directive, _)| directive); // stable: keeps glob order
        }

        let mut state = vec![State::New; self.files.len()];
        // For each file done: the includes on the longest chain below it,
        // and that chain's first link.
        let mut below = vec![0usize; self.files.len()];
        let mut longest: Vec<Option<(u32, FileId)>> = vec![None; self.files.len()];
        // For each file done: its directives with its includes spliced in.
        let mut spliced = vec![0usize; self.files.len()];
        state[0] = State::OnStack;
        // Each file on the walk and how many of its edges were taken; the
        // edge before `next` is the include the walk went down by.
        let mut stack: Vec<(FileId, usize)> = vec![(FileId::FIRST, 0)];
        let links = |stack: &[(FileId, usize)]| -> Vec<(FileId, u32)> {
            stack
                .iter()
                .map(|&(f, next)| (f, edges[f.index()][next - 1].0))
                .collect()
        };
        while let Some((file, next)) = stack.last_mut() {
            let file = *file;
            let Some(&(directive, target)) = edges[file.index()].get(*next) else {
                state[file.index()] = State::Done;
                // Every target is done: one on the stack is a cycle, and a
                // new one was walked before this file ends.
                longest[file.index()] = edges[file.index()]
                    .iter()
                    .copied()
                    .rev() // max_by_key keeps the last maximum: the first in file order
                    .max_by_key(|&(_, t)| below[t.index()]);
                below[file.index()] =
                    longest[file.index()].map_or(0, |(_, t)| below[t.index()] + 1);
                spliced[file.index()] = edges[file.index()].iter().fold(
                    self.files[file.index()].tree.directive_count(),
                    |sum, &(_, t)| sum.saturating_add(spliced[t.index()]),
                );
                // Where the includes tip it over (one file alone is held
                // to --max-file-size instead).
                let biggest = edges[file.index()]
                    .iter()
                    .max_by_key(|&&(_, t)| spliced[t.index()]);
                if let (true, Some(&(directive, _))) =
                    (spliced[file.index()] > MAX_SPLICED_DIRECTIVES, biggest)
                {
                    let from = &self.files[file.index()];
                    return Err(located(
                        from,
                        &from.tree.directive(directive),
                        "includes pull in too much to read".to_string(),
                        Some(format!(
                            "more than {MAX_SPLICED_DIRECTIVES} directives once every include \
                             is read in place (a file included from several places counts \
                             each time)"
                        )),
                    ));
                }
                stack.pop();
                continue;
            };
            *next += 1;
            match state[target.index()] {
                State::Done if stack.len() + below[target.index()] > MAX_INCLUDE_DEPTH => {
                    // Down the longest chain below the target, to its end.
                    let mut chain = links(&stack);
                    let mut end = target;
                    while let Some((directive, t)) = longest[end.index()] {
                        chain.push((end, directive));
                        end = t;
                    }
                    return Err(self.too_deep(&chain, self.files[end.index()].display_path()));
                }
                State::Done => {}
                State::New if stack.len() > MAX_INCLUDE_DEPTH => {
                    let chain = links(&stack);
                    return Err(self.too_deep(&chain, self.files[target.index()].display_path()));
                }
                State::New => {
                    state[target.index()] = State::OnStack;
                    stack.push((target, 0));
                }
                State::OnStack => {
                    let chain: Vec<String> = stack
                        .iter()
                        .map(|&(f, _)| self.files[f.index()].display_path())
                        .chain([self.files[target.index()].display_path()])
                        .collect();
                    let from = &self.files[file.index()];
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

/// A chain of files for a message: whole when short, else its first and
/// last few links around how many were left out.
fn shortened_chain(chain: &[String]) -> String {
    const ENDS: usize = 3;
    if chain.len() <= 2 * ENDS + 1 {
        return chain.join(" -> ");
    }
    format!(
        "{} -> ... {} more ... -> {}",
        chain[..ENDS].join(" -> "),
        chain.len() - 2 * ENDS,
        chain[chain.len() - ENDS..].join(" -> ")
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::dump::DumpedFile;

    /// A dump of files named by `(name, text)`, under /etc/nginx/.
    fn load(files: &[(String, String)]) -> Result<ConfigTree, LoadError> {
        ConfigTree::load_dump(
            files
                .iter()
                .map(|(name, text)| DumpedFile {
                    path: PathBuf::from(format!("/etc/nginx/{name}")),
                    text: text.clone().into_bytes(),
                })
                .collect(),
        )
    }

    /// `f0.conf` includes `f1.conf` ... up to `f{links}.conf`.
    fn chain(links: usize) -> Vec<(String, String)> {
        (0..=links)
            .map(|i| {
                let text = if i < links {
                    format!("include f{}.conf;\n", i + 1)
                } else {
                    "events {}\n".to_string()
                };
                (format!("f{i}.conf"), text)
            })
            .collect()
    }

    #[test]
    fn includes_nest_up_to_the_limit() {
        let tree = load(&chain(MAX_INCLUDE_DEPTH)).expect("at the limit");
        assert_eq!(tree.files().len(), MAX_INCLUDE_DEPTH + 1);

        let error = load(&chain(MAX_INCLUDE_DEPTH + 1)).unwrap_err().to_string();
        assert!(
            error.starts_with("/etc/nginx/f100.conf:1:1: includes are nested too deeply to read\n"),
            "{error}"
        );
        assert!(
            error.contains(
                "more than 100 levels: /etc/nginx/f0.conf -> /etc/nginx/f1.conf -> \
                 /etc/nginx/f2.conf -> ... 96 more ... -> /etc/nginx/f99.conf -> \
                 /etc/nginx/f100.conf -> /etc/nginx/f101.conf"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_long_chain_stops_at_the_limit() {
        let error = load(&chain(5_000)).unwrap_err().to_string();
        assert!(error.contains("f100.conf:1:1: includes are nested too deeply"));
        assert!(error.contains("-> /etc/nginx/f101.conf"), "{error}");
    }

    #[test]
    fn the_longest_chain_counts_not_the_first_one_read() {
        // c0 is read one level down, and reached again 51 levels down,
        // where the 60 includes below it go past the limit.
        let mut files = vec![(
            "nginx.conf".to_string(),
            "include c0.conf;\ninclude b0.conf;\n".to_string(),
        )];
        for i in 0..50 {
            let next = if i < 49 {
                format!("b{}", i + 1)
            } else {
                "c0".to_string()
            };
            files.push((format!("b{i}.conf"), format!("include {next}.conf;\n")));
        }
        for i in 0..=60 {
            let text = if i < 60 {
                format!("include c{}.conf;\n", i + 1)
            } else {
                String::new()
            };
            files.push((format!("c{i}.conf"), text));
        }
        let error = load(&files).unwrap_err().to_string();
        // Link 101: nginx.conf, b0..b49, then c0.. c49 includes c50.
        assert!(
            error.starts_with("/etc/nginx/c49.conf:1:1: includes are nested too deeply"),
            "{error}"
        );
        assert!(
            error.contains(
                "/etc/nginx/nginx.conf -> /etc/nginx/b0.conf -> /etc/nginx/b1.conf -> ... 106 more ... \
                 -> /etc/nginx/c58.conf -> /etc/nginx/c59.conf -> /etc/nginx/c60.conf"
            ),
            "{error}"
        );

        // Without the second way in, the same files load.
        files[0].1 = "include c0.conf;\n".to_string();
        load(&files).expect("c0's chain alone is 61 links");
    }

    #[test]
    fn long_chains_are_shortened_around_their_middle() {
        let names = |n: usize| (0..n).map(|i| format!("f{i}")).collect::<Vec<_>>();
        assert_eq!(shortened_chain(&names(3)), "f0 -> f1 -> f2");
        assert_eq!(
            shortened_chain(&names(7)),
            "f0 -> f1 -> f2 -> f3 -> f4 -> f5 -> f6"
        );
        assert_eq!(
            shortened_chain(&names(8)),
            "f0 -> f1 -> f2 -> ... 2 more ... -> f5 -> f6 -> f7"
        );
    }
}
