//! Effective values: what nginx uses for a directive in a block after
//! inheritance, or its default.
//!
//! http directives are merged location-if → location → (outer location) →
//! server → http (`ngx_conf_merge_*` in each module's merge function); stream
//! ones server → stream. A scalar takes the nearest level that sets it. An
//! array directive (`add_header`, `proxy_set_header`, ...) takes every
//! occurrence of the nearest level that has at least one, and nothing from
//! above it (research notes §3). `proxy_set_header` also merges its built-in
//! default headers into every level for the names it does not set.
//!
//! From nginx 1.29.3, `add_header_inherit` / `add_trailer_inherit` change
//! that for `add_header` / `add_trailer` (`ngx_http_headers_merge_conf()`
//! in `src/http/modules/ngx_http_headers_filter_module.c`): `off` inherits
//! nothing, not even into a level without entries of its own; `merge`
//! appends the entries in effect in the enclosing level after the level's
//! own. The control itself is inherited as a scalar. The *level* of an
//! effective value stays the nearest level with entries of its own
//! ([`Effective::nodes`]); what `merge` brings from above is kept apart
//! ([`Effective::inherited`]), so a fix that adds an entry to the level
//! adds it where nginx reads it and keeps the merged ones.

use std::borrow::Cow;

use super::directives::{self, Contexts, DirectiveInfo, Inherit, ValueKind};
use super::tree::{Model, Node};

/// Where an effective value comes from.
#[derive(Debug, Clone)]
pub enum Source<'m> {
    /// Directives in the configuration: those of the one level that decides
    /// (entries `add_header_inherit merge` brings from above are in
    /// [`Effective::inherited`]).
    Config(Vec<Node<'m>>),
    /// nginx's built-in default for this version.
    Default(&'static str),
    /// Neither configured nor defaulted.
    Unset,
}

/// The value nginx uses for a directive at one place.
///
/// For an array directive, the *level* of the value is the block whose own
/// occurrences are [`Effective::nodes`]: the nearest one that has any. Its
/// entries come first; then, with `add_header_inherit merge` (nginx
/// 1.29.3+), the entries in effect in the enclosing level
/// ([`Effective::inherited`]); then built-in defaults
/// ([`Effective::merged_defaults`]).
#[derive(Debug, Clone)]
pub struct Effective<'m> {
    /// The directive's name.
    pub name: String,
    /// Where the value comes from.
    pub source: Source<'m>,
    /// The table row, when the directive is known.
    pub info: Option<&'static DirectiveInfo>,
    /// Built-in default entries merged in (keyed arrays), as argument text.
    pub merged_defaults: Vec<String>,
    /// Directives of the levels above whose entries are appended after the
    /// level's own (`add_header_inherit merge` / `add_trailer_inherit
    /// merge`), in the order nginx appends them: the parent's own, then
    /// what the parent itself merged. Empty otherwise.
    pub inherited: Vec<Node<'m>>,
}

impl<'m> Effective<'m> {
    /// Whether the configuration sets it (at this level or inherited).
    pub(crate) fn is_configured(&self) -> bool {
        matches!(self.source, Source::Config(_))
    }

    /// Whether a value is in effect (configured or default).
    pub(crate) fn is_set(&self) -> bool {
        !matches!(self.source, Source::Unset)
    }

    /// Each entry's arguments as text, values joined by spaces: one entry for
    /// a scalar, one per occurrence (plus merged defaults) for an array.
    pub fn entries(&self) -> Vec<String> {
        self.entry_args()
            .into_iter()
            .map(|args| args.join(" "))
            .collect()
    }

    /// Each entry's argument values, kept apart (a quoted value may hold
    /// spaces).
    pub(crate) fn entry_args(&self) -> Vec<Vec<String>> {
        self.each_entry().collect()
    }

    /// The value as text: the first entry, `None` when unset.
    pub fn value(&self) -> Option<String> {
        self.each_entry().next().map(|args| args.join(" "))
    }

    /// The first argument of the first entry: what a duration, size or
    /// number directive's value is (`keepalive_timeout 65 60;` is 65s, the
    /// second argument being the `Keep-Alive` header's value).
    pub(crate) fn first_arg(&self) -> Option<String> {
        self.each_entry().next()?.into_iter().next()
    }

    /// The entries, built one at a time as they are read: comparisons read
    /// only the first, once per candidate directive and rule.
    fn each_entry(&self) -> impl Iterator<Item = Vec<String>> + '_ {
        let defaults: Cow<'_, [String]> = match &self.source {
            Source::Config(_) => Cow::Borrowed(&self.merged_defaults),
            Source::Default(text) => split_default(text),
            Source::Unset => Cow::Borrowed(&[]),
        };
        let configured = self
            .entry_nodes()
            .map(|n| n.args().map(|a| a.value().into_owned()).collect());
        let defaulted =
            (0..defaults.len()).map(move |i| defaults[i].split(' ').map(str::to_string).collect());
        configured.chain(defaulted)
    }

    /// The text a comparison reads: the first argument for durations,
    /// sizes and numbers, the whole value otherwise.
    pub(crate) fn compared_text(&self) -> Option<String> {
        let quantity = matches!(
            self.info.map(|i| i.value),
            Some(ValueKind::Duration(_) | ValueKind::Size | ValueKind::Number)
        );
        if quantity {
            self.first_arg()
        } else {
            self.value()
        }
    }

    /// The configured directives of the level that decides the value (for
    /// an array, that level's own occurrences: where an entry is added or
    /// replaced). Entries merged in from above are in
    /// [`Effective::inherited`].
    pub fn nodes(&self) -> &[Node<'m>] {
        match &self.source {
            Source::Config(nodes) => nodes,
            _ => &[],
        }
    }

    /// Every configured directive whose entry is in effect, in nginx's
    /// order: [`Effective::nodes`], then [`Effective::inherited`].
    pub(crate) fn entry_nodes(&self) -> impl Iterator<Item = Node<'m>> + '_ {
        self.nodes().iter().chain(self.inherited.iter()).copied()
    }
}

/// Default entries as written in the table: `;`-separated argument lists.
/// Split once per table text: `proxy_set_header`'s defaults are merged
/// into every effective value of it.
fn split_default(text: &'static str) -> Cow<'static, [String]> {
    static SPLIT: std::sync::LazyLock<rustc_hash::FxHashMap<&'static str, Vec<String>>> =
        std::sync::LazyLock::new(|| {
            directives::all()
                .iter()
                .flat_map(|info| info.defaults)
                .map(|&(_, text)| (text, split_entries(text)))
                .collect()
        });
    match SPLIT.get(text) {
        Some(entries) => Cow::Borrowed(entries),
        None => Cow::Owned(split_entries(text)),
    }
}

fn split_entries(text: &str) -> Vec<String> {
    text.split(';')
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| {
            entry
                .split_whitespace()
                .map(|word| if word == "\"\"" { "" } else { word })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The block whose settings apply at `node`: the node itself when it opens a
/// block nginx merges settings into, else its enclosing block.
pub fn scope_of<'m>(node: Node<'m>) -> Option<Node<'m>> {
    match node.block_kind() {
        Some(kind) if inherits_from_parent(kind) || is_level(kind) => Some(node),
        _ => node.parent(),
    }
}

/// Levels that hold their own settings.
fn is_level(kind: Contexts) -> bool {
    [
        Contexts::HTTP,
        Contexts::STREAM,
        Contexts::MAIL,
        Contexts::HTTP_UPSTREAM,
        Contexts::STREAM_UPSTREAM,
        Contexts::EVENTS,
    ]
    .contains(&kind)
}

/// Levels whose unset values come from the enclosing block.
pub(crate) fn inherits_from_parent(kind: Contexts) -> bool {
    [
        Contexts::HTTP_SERVER,
        Contexts::HTTP_LOCATION,
        Contexts::HTTP_LOCATION_IF,
        Contexts::HTTP_SERVER_IF,
        Contexts::HTTP_LIMIT_EXCEPT,
        Contexts::STREAM_SERVER,
        Contexts::MAIL_SERVER,
    ]
    .contains(&kind)
}

/// The directives whose inheritance another directive controls, with it
/// (both appeared in nginx 1.29.3).
const INHERIT_CONTROLS: &[(&str, &str)] = &[
    ("add_header", "add_header_inherit"),
    ("add_trailer", "add_trailer_inherit"),
];

/// The values of `add_header_inherit` / `add_trailer_inherit`
/// (`ngx_http_headers_inherit[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InheritMode {
    /// Nothing from the enclosing level, even into a level without entries.
    Off,
    /// The default: the enclosing level's entries when the level has none.
    On,
    /// The level's own entries, then the enclosing level's.
    Merge,
}

/// The directive controlling how `name` is inherited, when `version` has
/// it: before 1.29.3 nginx refuses `add_header_inherit`, and the classic
/// all-or-nothing rule holds whatever the file says.
fn inherit_control(name: &str, version: super::Version) -> Option<&'static str> {
    let (_, control) = INHERIT_CONTROLS.iter().find(|(n, _)| *n == name)?;
    let info = directives::entries(control).first()?;
    (info.since <= version).then_some(info.name)
}

/// The inheritance mode `control` gives each level from `block` up to the
/// first level that inherits nothing (its `http`), in one walk. The
/// control directive is itself inherited as a scalar
/// (`ngx_conf_merge_uint_value(..., NGX_HTTP_HEADERS_INHERIT_ON)`), default
/// `on`; nginx matches the word case-insensitively
/// (`ngx_conf_set_enum_slot()`).
fn modes_upward<'m>(
    model: &'m Model<'m>,
    block: Option<Node<'m>>,
    control: &str,
) -> Vec<InheritMode> {
    let mut levels = vec![block];
    let mut level = block;
    while let Some(current) = level {
        if !inherits_from_parent(kind_of(level)) {
            break;
        }
        level = current.parent();
        levels.push(level);
    }
    let mut modes = vec![InheritMode::On; levels.len()];
    let mut nearest = InheritMode::On;
    for (i, level) in levels.iter().enumerate().rev() {
        if let Some(own) = model.in_block(*level, control).last() {
            nearest = match own
                .args()
                .map(|a| a.value().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
            {
                v if v.eq_ignore_ascii_case("off") => InheritMode::Off,
                v if v.eq_ignore_ascii_case("merge") => InheritMode::Merge,
                _ => InheritMode::On,
            };
        }
        modes[i] = nearest;
    }
    modes
}

fn kind_of(level: Option<Node<'_>>) -> Contexts {
    level.map_or(Contexts::MAIN, |b| b.block_kind().unwrap_or(Contexts::NONE))
}

/// The effective value of directive `name` in `block` (`None`: the main
/// level).
pub fn effective<'m>(model: &'m Model<'m>, block: Option<Node<'m>>, name: &str) -> Effective<'m> {
    let info = directives::lookup(name, kind_of(block));
    // The inheritance mode of each level on the way up, found in one walk
    // and shared by every level below: chains of nested locations run to
    // tens of thousands.
    let modes = inherit_control(name, model.version()).map(|c| modes_upward(model, block, c));
    let (source, level, mut step) = deciding_level(model, block, name, info, modes.as_deref());
    // `add_header_inherit merge` at the level that has entries: the
    // enclosing level's effective entries (already merged with its own
    // parent's, as nginx merges parents first) follow the level's own.
    // Followed level by level rather than recursively: levels nest as deep
    // as blocks and includes together, tens of thousands of them.
    let mut inherited = Vec::new();
    if let (Source::Config(_), Some(modes)) = (&source, &modes) {
        let mut merging = level;
        while let Some(current) = merging {
            if !inherits_from_parent(kind_of(merging))
                || modes.get(step) != Some(&InheritMode::Merge)
            {
                break;
            }
            let parent = current.parent();
            let info = directives::lookup(name, kind_of(parent));
            match deciding_level(model, parent, name, info, modes.get(step + 1..)) {
                (Source::Config(nodes), above, up) => {
                    inherited.extend(nodes);
                    merging = above;
                    step += 1 + up;
                }
                _ => break,
            }
        }
    }
    let mut merged_defaults = Vec::new();
    if let (Source::Config(nodes), Some(info)) = (&source, info) {
        if info.inherit == Inherit::KeyedArray {
            if let Some(defaults) = info.default_for(model.version()) {
                let set: Vec<_> = nodes.iter().filter_map(|n| n.arg(0)).collect();
                merged_defaults = split_default(defaults)
                    .iter()
                    .filter(|entry| {
                        let key = entry.split(' ').next().unwrap_or("");
                        !set.iter().any(|a| a.value().eq_ignore_ascii_case(key))
                    })
                    .cloned()
                    .collect();
            }
        }
    }
    Effective {
        name: name.to_string(),
        source,
        info,
        merged_defaults,
        inherited,
    }
}

/// Where the value of `name` seen from `block` comes from, without what
/// `merge` brings from above: the directives of the nearest level up that
/// has any (as far as the directive is inherited), else its default; with
/// that level and how many levels up it is. `modes` are the inheritance
/// modes from `block` up, for a directive with an inheritance control.
fn deciding_level<'m>(
    model: &'m Model<'m>,
    block: Option<Node<'m>>,
    name: &str,
    info: Option<&'static DirectiveInfo>,
    modes: Option<&[InheritMode]>,
) -> (Source<'m>, Option<Node<'m>>, usize) {
    let inherit = info.map_or(Inherit::Scalar, |i| i.inherit);
    let default = || {
        info.and_then(|i| i.default_for(model.version()))
            .map_or(Source::Unset, Source::Default)
    };
    let mut level = block;
    let mut step = 0;
    let source = loop {
        let found: Vec<Node<'m>> = model.in_block(level, name).collect();
        if !found.is_empty() {
            break Source::Config(found);
        }
        match level {
            Some(current) if inherit != Inherit::None && inherits_from_parent(kind_of(level)) => {
                // `add_header_inherit off`: a level without entries gets
                // none from above either.
                if modes.is_some_and(|m| m.get(step) == Some(&InheritMode::Off)) {
                    break default();
                }
                level = current.parent();
                step += 1;
            }
            _ => break default(),
        }
    };
    (source, level, step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts as config;
    use crate::model::Version;

    const CONF: &str = "\
http {
    proxy_set_header X-Real-IP $remote_addr;
    proxy_http_version 1.1;
    server {
        location / { proxy_pass http://app; }
        location /api {
            proxy_set_header Host $host;
            proxy_http_version 1.0;
            if ($x) { proxy_pass http://app; }
        }
    }
}
";

    fn location<'m>(model: &'m Model<'m>, n: usize) -> Node<'m> {
        model.named("location").nth(n).unwrap()
    }

    #[test]
    fn scalars_come_from_the_nearest_level() {
        let tree = config(&[("/etc/nginx/nginx.conf", CONF)]);
        let model = Model::new(&tree, Version::new(1, 22, 1));
        let root = effective(&model, Some(location(&model, 0)), "proxy_http_version");
        assert_eq!(root.value().as_deref(), Some("1.1"));
        assert_eq!(root.nodes()[0].context(), Contexts::HTTP);
        let api = effective(&model, Some(location(&model, 1)), "proxy_http_version");
        assert_eq!(api.value().as_deref(), Some("1.0"));
        let inside_if = model.named("if").next().unwrap();
        let in_if = effective(&model, Some(inside_if), "proxy_http_version");
        assert_eq!(in_if.value().as_deref(), Some("1.0"));
        let timeout = effective(&model, Some(location(&model, 0)), "keepalive_timeout");
        assert!(!timeout.is_configured());
        assert_eq!(timeout.value().as_deref(), Some("75s"));
    }

    #[test]
    fn arrays_come_whole_from_one_level_with_keyed_defaults_merged() {
        let tree = config(&[("/etc/nginx/nginx.conf", CONF)]);
        let model = Model::new(&tree, Version::new(1, 22, 1));
        let root = effective(&model, Some(location(&model, 0)), "proxy_set_header");
        assert_eq!(
            root.entries(),
            [
                "X-Real-IP $remote_addr",
                "Host $proxy_host",
                "Connection close"
            ]
        );
        let api = effective(&model, Some(location(&model, 1)), "proxy_set_header");
        assert_eq!(api.entries(), ["Host $host", "Connection close"]);
        let new = Model::new(&tree, Version::new(1, 29, 7));
        let api = effective(&new, Some(location(&new, 1)), "proxy_set_header");
        assert_eq!(api.entries(), ["Host $host", "Connection "]);
    }

    #[test]
    fn upstream_directives_are_not_inherited() {
        let tree = config(&[(
            "/etc/nginx/nginx.conf",
            "http { keepalive_timeout 10s; upstream app { server a; } }",
        )]);
        let model = Model::new(&tree, Version::new(1, 22, 1));
        let upstream = model.upstream("app").unwrap();
        let timeout = effective(&model, scope_of(upstream), "keepalive_timeout");
        assert_eq!(timeout.value().as_deref(), Some("60s"));
        assert!(!timeout.is_configured());
    }

    // `add_header_inherit` / `add_trailer_inherit`, nginx 1.29.3 (commit
    // c93a0c48a, "Headers filter: inheritance control for add_header and
    // add_trailer"). ngx_http_headers_filter_module.c:
    //
    //     static ngx_conf_enum_t  ngx_http_headers_inherit[] = {
    //         { ngx_string("off"),   NGX_HTTP_HEADERS_INHERIT_OFF },
    //         { ngx_string("on"),    NGX_HTTP_HEADERS_INHERIT_ON },
    //         { ngx_string("merge"), NGX_HTTP_HEADERS_INHERIT_MERGE },
    //
    // and in ngx_http_headers_merge_conf(), called parents first
    // (ngx_http_merge_servers(), then ngx_http_merge_locations()
    // recursively, so `prev->headers` is already the parent's merged list):
    //
    //     ngx_conf_merge_uint_value(conf->headers_inherit, prev->headers_inherit,
    //                               NGX_HTTP_HEADERS_INHERIT_ON);
    //     if (conf->headers_inherit != NGX_HTTP_HEADERS_INHERIT_OFF
    //         && prev->headers)
    //     {
    //         if (conf->headers == NULL) {
    //             conf->headers = prev->headers;
    //         } else if (conf->headers_inherit == NGX_HTTP_HEADERS_INHERIT_MERGE) {
    //             hv = ngx_array_push_n(conf->headers, prev->headers->nelts);
    //             ngx_memcpy(hv, prev->headers->elts, ...);
    //
    // (the same for trailers).

    fn headers<'m>(model: &'m Model<'m>, block: Node<'m>, name: &str) -> Vec<String> {
        effective(model, Some(block), name).entries()
    }

    fn at<'m>(model: &'m Model<'m>, name: &str, n: usize) -> Node<'m> {
        model.named(name).nth(n).unwrap()
    }

    const MERGED: &str = "\
http {
    add_header H 1;
    server {
        add_header S 1;
        add_header S 2;
        location /merge {
            add_header_inherit merge;
            add_header L 1;
            location /merge/nested { add_header N 1; }
            location /merge/empty { }
            if ($x) { add_header I 1; }
        }
        location /plain { add_header L 1; }
    }
}
";

    /// `merge`: the level's own entries, then the parent's (`ngx_array_push_n`
    /// appends to `conf->headers`); the mode is inherited like a scalar
    /// (`ngx_conf_merge_uint_value`), so nested levels merge too.
    #[test]
    fn add_header_inherit_merge_appends_the_parents_entries() {
        let tree = config(&[("/etc/nginx/nginx.conf", MERGED)]);
        let model = Model::new(&tree, Version::new(1, 29, 3));
        let merge = at(&model, "location", 0);
        let value = effective(&model, Some(merge), "add_header");
        assert_eq!(value.entries(), ["L 1", "S 1", "S 2"]);
        // The level is the location: its own entry is where a fix adds.
        assert_eq!(value.nodes().len(), 1);
        assert_eq!(value.nodes()[0].parent(), Some(merge));
        assert_eq!(value.inherited.len(), 2);
        assert_eq!(value.inherited[0].context(), Contexts::HTTP_SERVER);
        assert_eq!(value.entry_nodes().count(), 3);
        assert_eq!(value.value().as_deref(), Some("L 1"));
        // The server itself merges nothing (`on` there): http's `H` is not in.
        let server = at(&model, "server", 0);
        assert_eq!(headers(&model, server, "add_header"), ["S 1", "S 2"]);
        // Nested: its own, then the outer location's merged list, in order.
        let nested = at(&model, "location", 1);
        assert_eq!(
            headers(&model, nested, "add_header"),
            ["N 1", "L 1", "S 1", "S 2"]
        );
        // `if` in location is merged like a nested location.
        let inside_if = at(&model, "if", 0);
        assert_eq!(
            headers(&model, inside_if, "add_header"),
            ["I 1", "L 1", "S 1", "S 2"]
        );
        // The default, `on`: all or nothing.
        let plain = at(&model, "location", 3);
        assert_eq!(headers(&model, plain, "add_header"), ["L 1"]);
        assert!(effective(&model, Some(plain), "add_header")
            .inherited
            .is_empty());
    }

    /// `merge` at a level without entries: `conf->headers == NULL`, so it
    /// takes the parent's list as it is; the level of the value is the
    /// parent's.
    #[test]
    fn add_header_inherit_merge_without_entries_takes_the_parents_list() {
        let tree = config(&[("/etc/nginx/nginx.conf", MERGED)]);
        let model = Model::new(&tree, Version::new(1, 29, 3));
        let empty = at(&model, "location", 2);
        let value = effective(&model, Some(empty), "add_header");
        assert_eq!(value.entries(), ["L 1", "S 1", "S 2"]);
        assert_eq!(value.nodes().len(), 1);
        assert_eq!(value.nodes()[0].parent(), Some(at(&model, "location", 0)));
    }

    /// Set at http, the mode reaches every level below; a level that sets
    /// `on` again stops merging there only. Entries merged at a level with
    /// no `add_header` pass through it unchanged.
    #[test]
    fn add_header_inherit_is_inherited_and_can_be_reset() {
        let tree = config(&[(
            "/etc/nginx/nginx.conf",
            "http {
                add_header_inherit merge;
                add_header H 1;
                server {
                    add_header S 1;
                    location /a { add_header A 1; }
                    location /b { add_header_inherit on; add_header B 1; }
                    location /c { }
                }
                server {
                    location /d { add_header D 1; }
                }
            }",
        )]);
        let model = Model::new(&tree, Version::new(1, 29, 3));
        let [a, b, c, d] = [0, 1, 2, 3].map(|n| at(&model, "location", n));
        assert_eq!(headers(&model, a, "add_header"), ["A 1", "S 1", "H 1"]);
        assert_eq!(headers(&model, b, "add_header"), ["B 1"]);
        assert_eq!(headers(&model, c, "add_header"), ["S 1", "H 1"]);
        // The second server has none of its own: it takes http's list.
        assert_eq!(headers(&model, d, "add_header"), ["D 1", "H 1"]);
    }

    /// `off`: the `!= NGX_HTTP_HEADERS_INHERIT_OFF` test skips both
    /// branches, so even a level without entries gets none, and the levels
    /// below it inherit that emptiness (or `off` itself).
    #[test]
    fn add_header_inherit_off_stops_inheritance() {
        let tree = config(&[(
            "/etc/nginx/nginx.conf",
            "http {
                add_header H 1;
                server {
                    add_header_inherit off;
                    location /a { }
                    location /b { add_header_inherit on; }
                    location /c { add_header_inherit merge; add_header C 1; }
                    location /d { add_header D 1; }
                }
                server { location /e { add_header_inherit off; } }
                server { location /f { } }
            }",
        )]);
        let model = Model::new(&tree, Version::new(1, 29, 3));
        let server = at(&model, "server", 0);
        let off = effective(&model, Some(server), "add_header");
        assert!(!off.is_set());
        assert!(off.entries().is_empty());
        let [a, b, c, d, e, f] = [0, 1, 2, 3, 4, 5].map(|n| at(&model, "location", n));
        assert!(headers(&model, a, "add_header").is_empty());
        // `on` below an `off` level: the parent's list is empty.
        assert!(headers(&model, b, "add_header").is_empty());
        assert_eq!(headers(&model, c, "add_header"), ["C 1"]);
        assert_eq!(headers(&model, d, "add_header"), ["D 1"]);
        assert!(headers(&model, e, "add_header").is_empty());
        assert_eq!(headers(&model, f, "add_header"), ["H 1"]);
    }

    /// Before 1.29.3 nginx has no such directive (it refuses the file), so
    /// the classic rule is kept whatever the file says; the value is
    /// matched case-insensitively (`ngx_conf_set_enum_slot` uses
    /// `ngx_strcasecmp`); `add_trailer_inherit` works the same way, apart
    /// from `add_header_inherit`.
    #[test]
    fn add_header_inherit_needs_1_29_3_and_add_trailer_has_its_own() {
        let tree = config(&[(
            "/etc/nginx/nginx.conf",
            "http {
                add_header H 1;
                add_trailer T 1;
                server {
                    add_header_inherit MERGE;
                    add_trailer_inherit off;
                    location / { add_header L 1; }
                }
            }",
        )]);
        let old = Model::new(&tree, Version::new(1, 29, 2));
        let server = at(&old, "server", 0);
        let location = at(&old, "location", 0);
        assert_eq!(headers(&old, location, "add_header"), ["L 1"]);
        assert_eq!(headers(&old, server, "add_trailer"), ["T 1"]);
        let new = Model::new(&tree, Version::new(1, 29, 3));
        let server = at(&new, "server", 0);
        let location = at(&new, "location", 0);
        assert_eq!(headers(&new, location, "add_header"), ["L 1", "H 1"]);
        assert!(headers(&new, server, "add_trailer").is_empty());
        assert!(headers(&new, location, "add_trailer").is_empty());
        // Other array directives keep the all-or-nothing rule.
        assert!(inherit_control("proxy_hide_header", Version::new(1, 29, 3)).is_none());
    }

    /// Merged levels nest as deep as blocks and includes together: tens of
    /// thousands of them are followed without a frame each (this overflowed
    /// a test thread's stack when each level recursed).
    #[test]
    fn merges_through_deep_includes_are_followed_without_recursion() {
        let (files, depth) = (100, crate::syntax::MAX_NESTING - 1);
        let level = "location /x { add_header_inherit merge; add_header A 1; ";
        let texts: Vec<(String, String)> = (0..files)
            .map(|i| {
                let inner = if i + 1 < files {
                    format!("include f{}.conf;", i + 1)
                } else {
                    String::new()
                };
                let (head, levels, tail) = if i == 0 {
                    ("http { server { ", depth - 2, " } }")
                } else {
                    ("", depth, "")
                };
                let text = format!(
                    "{head}{}{inner}{}{tail}\n",
                    level.repeat(levels),
                    "}".repeat(levels)
                );
                (format!("/etc/nginx/f{i}.conf"), text)
            })
            .collect();
        let texts: Vec<(&str, &str)> = texts
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let tree = config(&texts);
        let model = Model::new(&tree, Version::new(1, 29, 3));
        let locations = files * depth - 2;
        let deepest = at(&model, "location", locations - 1);
        let value = effective(&model, Some(deepest), "add_header");
        assert_eq!(value.nodes().len(), 1);
        assert_eq!(value.inherited.len(), locations - 1);
    }
}
