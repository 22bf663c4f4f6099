//! The logical configuration: one tree of directives as nginx sees it, with
//! every `include` spliced in place, each directive knowing its enclosing
//! block and that block's kind. Indexes make the lookups the rules need
//! cheap on large trees: directives by name, the directives of one block by
//! name, `upstream{}` blocks by name, `map` blocks by the variable they set.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use super::buckets::Buckets;
use super::directives::Contexts;
use super::targets::KeptTarget;
use super::version::Version;
use crate::config::{ConfigTree, FileId};
use crate::syntax::{Directive, LineCol, Span, Word};

/// Index of a directive in [`Model`] (walk order). A type of its own
/// rather than a bare number: a node index cannot be passed where a
/// directive's index in its file, a rule's index or a byte offset is
/// meant. Only the model makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// The node at `index` in walk order.
    pub(crate) fn new(index: u32) -> Self {
        NodeId(index)
    }

    /// The node's position in walk order.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

const NONE: u32 = u32::MAX;

/// Blocks with at most this many directives inside are searched by a scan.
const SCAN_LIMIT: u32 = 64;

/// One of two iterators.
enum Either<A, B> {
    Left(A),
    Right(B),
}

impl<T, A: Iterator<Item = T>, B: Iterator<Item = T>> Iterator for Either<A, B> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self {
            Either::Left(a) => a.next(),
            Either::Right(b) => b.next(),
        }
    }
}

/// 20 bytes a directive: the model of a 20,000-server tree is a few MB.
#[derive(Debug, Clone, Copy)]
struct NodeRec {
    directive: u32,
    /// Enclosing block node, or `NONE` at the top level.
    parent: u32,
    /// One past the last node of this node's logical subtree.
    end: u32,
    /// Interned name.
    sym: u32,
    file: u16,
    /// Kind of the enclosing block (a `Contexts` bit).
    context: u16,
}

impl NodeRec {
    fn file(&self) -> FileId {
        FileId::new(usize::from(self.file))
    }
}

/// A configuration tree seen as one logical tree, plus the nginx version the
/// rules assume for it.
pub struct Model<'c> {
    config: &'c ConfigTree,
    version: Version,
    nodes: Vec<NodeRec>,
    names: Vec<String>,
    symbols: HashMap<String, u32>,
    /// The directives by name (symbol).
    by_name: Buckets,
    /// The directives of large blocks (and of the top level) by (block,
    /// name): `http{}` can hold tens of thousands; small blocks are scanned.
    in_large: HashMap<(u32, u32), Vec<NodeId>>,
    upstreams: HashMap<String, NodeId>,
    maps: HashMap<String, NodeId>,
    /// The target of each `*_pass` directive, each computed on first use
    /// (by whichever thread asks first: rules ask several times per
    /// directive, from parallel matching).
    targets: HashMap<NodeId, std::sync::OnceLock<Option<KeptTarget>>>,
    /// The `*_pass` directives reaching each `upstream{}`, built on first use.
    passes: std::sync::OnceLock<HashMap<NodeId, Vec<NodeId>>>,
    /// The upstreams each `map`'s values name (by map node), built on first
    /// use: a map routing to thousands of upstreams is read once, not once
    /// per `proxy_pass` that uses it.
    map_targets: std::sync::OnceLock<HashMap<NodeId, Vec<NodeId>>>,
    /// The variables the configuration defines, built on first use
    /// ([`super::variables`]).
    defined_vars: std::sync::OnceLock<rustc_hash::FxHashSet<String>>,
    /// The `map`, `geo`, ... defining each variable (lowercase), found on
    /// first use.
    global_definers: std::sync::OnceLock<rustc_hash::FxHashMap<String, Vec<NodeId>>>,
    /// Regexes read so far, by pattern and caselessness: a pattern repeated
    /// over thousands of servers is read once.
    regexes: std::sync::Mutex<rustc_hash::FxHashMap<(String, bool), super::pcre::Parsed>>,
    /// For each variable name (lowercase) written with more than one
    /// letter case, its first spelling in walk order, found on first use.
    mixed_spellings: std::sync::OnceLock<rustc_hash::FxHashMap<String, String>>,
}

/// A directive of the model.
#[derive(Clone, Copy)]
pub struct Node<'m> {
    model: &'m Model<'m>,
    id: NodeId,
}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.line_col();
        write!(
            f,
            "{} at {}:{}:{}",
            self.name(),
            self.path(),
            at.line,
            at.col
        )
    }
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// An `upstream` directive and the `server` directives of its block, as
/// [`Model::upstreams`] yields them.
#[derive(Debug, Clone)]
pub struct Upstream<'m> {
    /// The `upstream` directive itself (its name is argument 0).
    pub block: Node<'m>,
    /// The `server` directives directly in its block, includes spliced, in
    /// the order nginx reads them: each knows the file it is written in.
    pub servers: Vec<Node<'m>>,
}

impl<'c> Model<'c> {
    /// Build the logical tree of `config` for nginx `version`.
    pub fn new(config: &'c ConfigTree, version: Version) -> Self {
        let mut model = Model {
            config,
            version,
            nodes: Vec::new(),
            names: Vec::new(),
            symbols: HashMap::default(),
            by_name: Buckets::default(),
            in_large: HashMap::default(),
            upstreams: HashMap::default(),
            maps: HashMap::default(),
            targets: HashMap::default(),
            passes: std::sync::OnceLock::new(),
            map_targets: std::sync::OnceLock::new(),
            defined_vars: std::sync::OnceLock::new(),
            mixed_spellings: std::sync::OnceLock::new(),
            regexes: std::sync::Mutex::default(),
            global_definers: std::sync::OnceLock::new(),
        };
        assert!(
            config.files().len() <= usize::from(u16::MAX),
            "at most 65535 files are supported"
        );
        // Each file once; a file included in several places adds more.
        model.nodes.reserve_exact(
            config
                .files()
                .iter()
                .map(|f| f.tree.directive_count())
                .sum(),
        );
        let mut stack: Vec<u32> = Vec::new();
        config.walk(|node, context| {
            // `walk` reports the context as enclosing blocks; their ids are
            // the open entries of `stack`, closed as the walk leaves them.
            while stack.len() > context.len() {
                let closed = stack.pop().unwrap();
                model.nodes[closed as usize].end = model.nodes.len() as u32;
            }
            let parent = stack.last().copied().unwrap_or(NONE);
            let parent_kind = if parent == NONE {
                Contexts::MAIN
            } else {
                model.block_kind_of(NodeId(parent))
            };
            let name = node.directive.name().value();
            let sym = model.intern(&name);
            let id = model.nodes.len() as u32;
            model.nodes.push(NodeRec {
                // At most u16::MAX files, asserted above.
                file: node.file.index() as u16,
                directive: node.directive.index(),
                parent,
                end: id + 1,
                sym,
                context: parent_kind.0 as u16,
            });
            if node.directive.has_block() && config.included(node.file, &node.directive).is_none() {
                stack.push(id);
            }
        });
        while let Some(closed) = stack.pop() {
            model.nodes[closed as usize].end = model.nodes.len() as u32;
        }
        // The `*_pass` directives get their target slots in the same pass.
        let pass_syms: Vec<u32> = super::targets::PASS_DIRECTIVES
            .iter()
            .filter_map(|(name, _)| model.symbols.get(*name).copied())
            .collect();
        let mut targets = HashMap::default();
        let mut in_large: HashMap<(u32, u32), Vec<NodeId>> = HashMap::default();
        for (id, rec) in model.nodes.iter().enumerate() {
            if pass_syms.contains(&rec.sym) {
                targets.insert(NodeId(id as u32), std::sync::OnceLock::new());
            }
            let large = rec.parent == NONE || {
                let parent = model.nodes[rec.parent as usize];
                parent.end - rec.parent > SCAN_LIMIT
            };
            if large {
                in_large
                    .entry((rec.parent, rec.sym))
                    .or_default()
                    .push(NodeId(id as u32));
            }
        }
        model.in_large = in_large;
        model.targets = targets;
        let nodes = &model.nodes;
        model.by_name = Buckets::new(nodes.len(), model.names.len(), |id| nodes[id].sym);
        model.index_named_blocks();
        model
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&sym) = self.symbols.get(name) {
            return sym;
        }
        let sym = self.names.len() as u32;
        self.names.push(name.to_string());
        self.symbols.insert(name.to_string(), sym);
        sym
    }

    fn block_kind_of(&self, id: NodeId) -> Contexts {
        let rec = self.nodes[id.index()];
        Contexts::child_kind(
            Contexts(u32::from(rec.context)),
            &self.names[rec.sym as usize],
        )
        .unwrap_or(Contexts::NONE)
    }

    fn index_named_blocks(&mut self) {
        let mut upstreams = HashMap::default();
        for node in self.named("upstream") {
            if node.context() == Contexts::HTTP {
                if let Some(name) = node.arg(0) {
                    // nginx matches upstream names case-insensitively.
                    upstreams
                        .entry(name.value().to_ascii_lowercase())
                        .or_insert(node.id);
                }
            }
        }
        let mut maps = HashMap::default();
        for node in self.named("map") {
            if let Some(var) = node.arg(1) {
                maps.entry(var.value().to_ascii_lowercase())
                    .or_insert(node.id);
            }
        }
        self.upstreams = upstreams;
        self.maps = maps;
    }

    /// The configuration files.
    pub fn config(&self) -> &'c ConfigTree {
        self.config
    }

    /// The nginx version the model assumes (defaults depend on it).
    pub fn version(&self) -> Version {
        self.version
    }

    /// Number of directives.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the configuration has no directive.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The directive with an id.
    pub fn node(&self, id: NodeId) -> Node<'_> {
        assert!(id.index() < self.nodes.len(), "node id out of range");
        Node { model: self, id }
    }

    /// Every directive, in the order nginx reads them.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        (0..self.nodes.len() as u32).map(move |id| Node {
            model: self,
            id: NodeId(id),
        })
    }

    /// Every directive named `name`, in order.
    pub fn named<'m>(&'m self, name: &str) -> impl Iterator<Item = Node<'m>> + 'm {
        let group = match self.symbols.get(name) {
            Some(&sym) => self.by_name.get(sym),
            None => &[],
        };
        group.iter().map(move |&id| Node { model: self, id })
    }

    /// Every directive whose name passes `name` or whose enclosing block's
    /// name passes `block` (`main` at the top level), in order. Each test
    /// runs once per distinct name, and only the directives it selects are
    /// read.
    pub(crate) fn select(
        &self,
        name: impl Fn(&str) -> bool,
        block: impl Fn(&str) -> bool,
    ) -> Cow<'_, [NodeId]> {
        let syms = 0..self.names.len() as u32;
        let named = self
            .by_name
            .union(syms.clone().filter(|&s| name(&self.names[s as usize])));
        // The children of the blocks selected, block by block: each walk
        // steps over the children's own subtrees.
        let mut within: Vec<NodeId> = Vec::new();
        if block("main") {
            within.extend(self.top_level().map(|n| n.id));
        }
        for &parent in self
            .by_name
            .union(syms.filter(|&s| block(&self.names[s as usize])))
            .iter()
        {
            within.extend(self.node(parent).children().map(|n| n.id));
        }
        within.sort_unstable();
        if within.is_empty() {
            named
        } else if named.is_empty() {
            Cow::Owned(within)
        } else {
            let mut both = [&named[..], &within[..]].concat();
            both.sort_unstable();
            both.dedup();
            Cow::Owned(both)
        }
    }

    /// The top-level directives of the main file (includes spliced).
    fn top_level(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        self.children_range(0, self.nodes.len() as u32)
    }

    fn children_range(&self, start: u32, end: u32) -> impl Iterator<Item = Node<'_>> + '_ {
        std::iter::successors((start < end).then_some(start), move |&id| {
            let next = self.nodes[id as usize].end;
            (next < end).then_some(next)
        })
        .map(move |id| Node {
            model: self,
            id: NodeId(id),
        })
    }

    /// The directives named `name` directly in `block` (`None`: the top
    /// level), includes spliced, in order.
    pub(crate) fn in_block<'m>(
        &'m self,
        block: Option<Node<'m>>,
        name: &str,
    ) -> impl Iterator<Item = Node<'m>> + 'm {
        let parent = block.map_or(NONE, |b| b.id.0);
        let sym = self.symbols.get(name).copied();
        // Small blocks (most locations and servers) are scanned in place:
        // their records are contiguous. Large ones are indexed.
        if let Some(block) = block.filter(|b| self.nodes[b.id.index()].end - b.id.0 <= SCAN_LIMIT) {
            let found: Vec<NodeId> = match sym {
                Some(sym) => block
                    .children()
                    .filter(|n| self.nodes[n.id.index()].sym == sym)
                    .map(|n| n.id)
                    .collect(),
                None => Vec::new(),
            };
            return Either::Left(found.into_iter().map(move |id| Node { model: self, id }));
        }
        let found: &[NodeId] = sym
            .and_then(|sym| self.in_large.get(&(parent, sym)))
            .map_or(&[], Vec::as_slice);
        Either::Right(found.iter().map(move |&id| Node { model: self, id }))
    }

    /// The `upstream{}` block in http named `name` (case-insensitive).
    pub fn upstream(&self, name: &str) -> Option<Node<'_>> {
        self.upstreams
            .get(super::lowercase(name).as_ref())
            .map(|&id| self.node(id))
    }

    /// Every `upstream` directive with the `server` directives of its
    /// block, includes spliced, in the order nginx reads them. Unlike
    /// [`Model::upstream`], which resolves names as `*_pass` does (`http{}`
    /// only, first block of a name), this is every directive named
    /// `upstream` wherever it is written (`stream{}`, a fragment's top
    /// level, a repeated name), and a block in a file included twice comes
    /// twice: the callers want all the names and servers written, and tell
    /// blocks apart by where they are written.
    pub fn upstreams(&self) -> impl Iterator<Item = Upstream<'_>> + '_ {
        self.named("upstream").map(|block| Upstream {
            block,
            servers: block.children_named("server").collect(),
        })
    }

    /// Where the `*_pass` directive `id` sends requests (see
    /// [`super::pass_target`]).
    pub(super) fn pass_target_of(&self, id: NodeId) -> Option<super::Target<'_>> {
        self.targets
            .get(&id)?
            .get_or_init(|| super::targets::compute_target(self.node(id)).map(KeptTarget::keep))
            .as_ref()
            .map(|kept| kept.target(self))
    }

    /// The `*_pass` directives that reach the `upstream{}` block `upstream`,
    /// in tree order.
    pub(crate) fn passes_to(&self, upstream: NodeId) -> &[NodeId] {
        let index = self.passes.get_or_init(|| {
            let mut index: HashMap<NodeId, Vec<NodeId>> = HashMap::default();
            for (name, _) in super::targets::PASS_DIRECTIVES {
                for node in self.named(name) {
                    if let Some(super::Target::Upstream(ups)) = self.pass_target_of(node.id()) {
                        for up in ups {
                            index.entry(up.id()).or_default().push(node.id());
                        }
                    }
                }
            }
            for passes in index.values_mut() {
                passes.sort_unstable();
                passes.dedup();
            }
            index
        });
        index.get(&upstream).map_or(&[], Vec::as_slice)
    }

    /// The upstreams the values of the `map` setting `var` name, each once
    /// (a value may be a whole URL: [`super::targets::value_host`]).
    pub(crate) fn map_upstreams(&self, var: &str) -> &[NodeId] {
        let Some(map) = self.map_for(var) else {
            return &[];
        };
        let index = self.map_targets.get_or_init(|| {
            let mut index: HashMap<NodeId, Vec<NodeId>> = HashMap::default();
            for map in self.named("map") {
                let mut seen = rustc_hash::FxHashSet::default();
                let mut ids = Vec::new();
                for entry in map.children() {
                    if let Some(value) = entry.arg(0) {
                        let value = value.value();
                        if let Some(up) = self.upstream(super::targets::value_host(&value)) {
                            if seen.insert(up.id()) {
                                ids.push(up.id());
                            }
                        }
                    }
                }
                index.insert(map.id(), ids);
            }
            index
        });
        index.get(&map.id()).map_or(&[], Vec::as_slice)
    }

    /// The variables the configuration defines, lowercase, without `$`.
    pub(crate) fn defined_variables(&self) -> &rustc_hash::FxHashSet<String> {
        self.defined_vars
            .get_or_init(|| super::variables::defined(self))
    }

    /// The directives defining variable `name` (lowercase, without `$`)
    /// for the whole configuration: `map`, `geo`, `split_clients`, ...
    pub(crate) fn global_definers(&self, name: &str) -> impl Iterator<Item = Node<'_>> + '_ {
        self.global_definers
            .get_or_init(|| super::definitions::global_definers(self))
            .get(name)
            .into_iter()
            .flatten()
            .map(move |&id| self.node(id))
    }

    /// `pattern` read as a regex ([`super::pcre::Regex::parse`]), once per
    /// pattern and run.
    pub fn regex(&self, pattern: &str, caseless: bool) -> super::pcre::Parsed {
        let key = (pattern.to_string(), caseless);
        let mut cache = self.regexes.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(key)
            .or_insert_with(|| std::sync::Arc::new(super::pcre::Regex::parse(pattern, caseless)))
            .clone()
    }

    /// How the configuration first writes each variable it writes in more
    /// than one letter case: lowercase name to spelling, without `$`.
    pub(crate) fn mixed_spellings(&self) -> &rustc_hash::FxHashMap<String, String> {
        self.mixed_spellings
            .get_or_init(|| super::variables::mixed_spellings(self))
    }

    /// The `map` block whose result is the variable `var` (with its `$`).
    pub(crate) fn map_for(&self, var: &str) -> Option<Node<'_>> {
        self.maps
            .get(&var.to_ascii_lowercase())
            .map(|&id| self.node(id))
    }
}

impl<'m> Node<'m> {
    fn rec(&self) -> NodeRec {
        self.model.nodes[self.id.index()]
    }

    /// The model this node belongs to.
    pub fn model(&self) -> &'m Model<'m> {
        self.model
    }

    /// Position in walk order.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The file the directive is written in.
    pub fn file(&self) -> FileId {
        self.rec().file()
    }

    /// The path of that file, for messages.
    pub fn path(&self) -> String {
        self.model.config.file(self.file()).display_path()
    }

    /// The syntax node.
    pub fn directive(&self) -> Directive<'m> {
        let rec = self.rec();
        self.model
            .config
            .file(rec.file())
            .tree
            .directive(rec.directive)
    }

    /// The name (unquoted value).
    pub fn name(&self) -> &'m str {
        &self.model.names[self.rec().sym as usize]
    }

    /// The arguments.
    pub fn args(&self) -> impl Iterator<Item = Word<'m>> + Clone + 'm {
        self.directive().args()
    }

    /// Argument `index`.
    pub fn arg(&self, index: usize) -> Option<Word<'m>> {
        self.args().nth(index)
    }

    /// The arguments' values joined by single spaces.
    pub(crate) fn args_text(&self) -> String {
        let mut text = String::new();
        for (i, arg) in self.args().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(&arg.value());
        }
        text
    }

    /// The enclosing block directive, `None` at the top level.
    pub fn parent(&self) -> Option<Node<'m>> {
        let parent = self.rec().parent;
        (parent != NONE).then_some(Node {
            model: self.model,
            id: NodeId(parent),
        })
    }

    /// Enclosing blocks, innermost first.
    pub fn ancestors(&self) -> impl Iterator<Item = Node<'m>> + 'm {
        std::iter::successors(self.parent(), |n| n.parent())
    }

    /// The kind of the block this directive sits in.
    pub fn context(&self) -> Contexts {
        Contexts(u32::from(self.rec().context))
    }

    /// The kind of block this directive opens, if nginx knows it.
    pub(crate) fn block_kind(&self) -> Option<Contexts> {
        self.is_block()
            .then(|| self.model.block_kind_of(self.id))
            .filter(|k| *k != Contexts::NONE)
    }

    /// Whether the directive has a `{ }` block (an `include` has none).
    pub(crate) fn is_block(&self) -> bool {
        let rec = self.rec();
        rec.end > self.id.0 + 1 || {
            let directive = self.directive();
            directive.has_block() && self.model.config.included(rec.file(), &directive).is_none()
        }
    }

    /// The directives of the block, includes spliced, in order.
    pub fn children(&self) -> impl Iterator<Item = Node<'m>> + 'm {
        self.model.children_range(self.id.0 + 1, self.rec().end)
    }

    /// The directives named `name` directly in this block.
    pub(crate) fn children_named(&self, name: &str) -> impl Iterator<Item = Node<'m>> + 'm {
        self.model.in_block(Some(*self), name)
    }

    /// The directives before this one in the same block, nearest first.
    pub(crate) fn preceding_siblings(&self) -> impl Iterator<Item = Node<'m>> + 'm {
        let model = self.model;
        let id = self.id.0;
        let start = self.parent().map_or(0, |p| p.id.0 + 1);
        model
            .children_range(start, id)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
    }

    /// The directives after this one in the same block, in order.
    pub(crate) fn following_siblings(&self) -> impl Iterator<Item = Node<'m>> + 'm {
        let end = self
            .parent()
            .map_or(self.model.nodes.len() as u32, |p| p.rec().end);
        self.model.children_range(self.rec().end, end)
    }

    /// Where the directive is written.
    pub fn span(&self) -> Span {
        self.directive().span()
    }

    /// Line and column of the name.
    pub fn line_col(&self) -> LineCol {
        self.directive().line_col()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts as config;

    #[test]
    fn includes_are_spliced_into_their_block() {
        let tree = config(&[
            (
                "/etc/nginx/nginx.conf",
                "events {}\nhttp {\n  include conf.d/*.conf;\n  server { listen 80; }\n}\n",
            ),
            (
                "/etc/nginx/conf.d/up.conf",
                "upstream app { server 127.0.0.1:8000; keepalive 8; }\n",
            ),
        ]);
        let model = Model::new(&tree, Version::ASSUMED);
        let http = model.named("http").next().unwrap();
        let names: Vec<_> = http.children().map(|n| n.name()).collect();
        assert_eq!(names, ["include", "upstream", "server"]);
        let upstream = model.upstream("APP").unwrap();
        assert_eq!(upstream.file(), FileId::new(1));
        assert_eq!(upstream.parent(), Some(http));
        assert_eq!(upstream.block_kind(), Some(Contexts::HTTP_UPSTREAM));
        let keepalive = upstream.children_named("keepalive").next().unwrap();
        assert_eq!(keepalive.context(), Contexts::HTTP_UPSTREAM);
        assert_eq!(keepalive.args_text(), "8");
        let siblings: Vec<_> = keepalive.preceding_siblings().map(|n| n.name()).collect();
        assert_eq!(siblings, ["server"]);
        let listen = model.named("listen").next().unwrap();
        assert_eq!(listen.context(), Contexts::HTTP_SERVER);
        let ancestors: Vec<_> = listen.ancestors().map(|n| n.name()).collect();
        assert_eq!(ancestors, ["server", "http"]);
        assert_eq!(model.top_level().count(), 2);
        assert!(!model.named("include").next().unwrap().is_block());
    }

    #[test]
    fn maps_are_found_by_their_variable() {
        let tree = config(&[(
            "/etc/nginx/nginx.conf",
            "http { map $http_upgrade $connection_upgrade { default upgrade; '' close; } }\n",
        )]);
        let model = Model::new(&tree, Version::ASSUMED);
        let map = model.map_for("$connection_upgrade").unwrap();
        let entries: Vec<_> = map.children().map(|n| (n.name(), n.args_text())).collect();
        assert_eq!(
            entries,
            [
                ("default", "upgrade".to_string()),
                ("", "close".to_string())
            ]
        );
        assert_eq!(map.children().next().unwrap().context(), Contexts::DATA);
    }
}
