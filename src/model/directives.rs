//! The directive table: where each directive may appear, whether it opens a
//! block, what its value is, how it is inherited, its default and the
//! version that added or changed it.
//!
//! Sources: the "Syntax / Default / Context" boxes and "appeared in version"
//! notes of nginx.org's module pages, and the merge functions of the module
//! sources where the docs are silent or stale (see
//! `shared/research/nginx-semantics.md`). One name can have several entries
//! when modules share it (`keepalive_timeout` in http and in `upstream{}`,
//! `proxy_pass` in http and in stream); [`lookup`] picks the one for a
//! context.

use super::units::TimeSlot;
use super::version::Version;

/// Block kinds a directive may appear in, as a bit set. The kind of a block
/// comes from its directive and where it sits: `server` in `http` is
/// [`Contexts::HTTP_SERVER`], in `stream` it is [`Contexts::STREAM_SERVER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Contexts(pub u32);

impl Contexts {
    pub const MAIN: Contexts = Contexts(1 << 0);
    pub const EVENTS: Contexts = Contexts(1 << 1);
    pub const HTTP: Contexts = Contexts(1 << 2);
    pub const HTTP_SERVER: Contexts = Contexts(1 << 3);
    pub const HTTP_LOCATION: Contexts = Contexts(1 << 4);
    /// `if` inside a `server`.
    pub const HTTP_SERVER_IF: Contexts = Contexts(1 << 5);
    /// `if` inside a `location`.
    pub const HTTP_LOCATION_IF: Contexts = Contexts(1 << 6);
    pub const HTTP_LIMIT_EXCEPT: Contexts = Contexts(1 << 7);
    pub const HTTP_UPSTREAM: Contexts = Contexts(1 << 8);
    pub const STREAM: Contexts = Contexts(1 << 9);
    pub const STREAM_SERVER: Contexts = Contexts(1 << 10);
    pub const STREAM_UPSTREAM: Contexts = Contexts(1 << 11);
    pub const MAIL: Contexts = Contexts(1 << 12);
    pub const MAIL_SERVER: Contexts = Contexts(1 << 13);
    /// The inside of `map`, `geo`, `types`, `split_clients`, `match` and
    /// similar blocks, whose lines are data, not directives.
    pub const DATA: Contexts = Contexts(1 << 14);

    pub const NONE: Contexts = Contexts(0);
    /// http, server, location: where most http directives are allowed.
    pub const HTTP_SRV_LOC: Contexts =
        Contexts(Self::HTTP.0 | Self::HTTP_SERVER.0 | Self::HTTP_LOCATION.0);
    /// http, server, location and `if` in location.
    pub const HTTP_SRV_LOC_IF: Contexts = Contexts(Self::HTTP_SRV_LOC.0 | Self::HTTP_LOCATION_IF.0);
    pub const STREAM_SRV: Contexts = Contexts(Self::STREAM.0 | Self::STREAM_SERVER.0);

    /// Both sets together.
    pub const fn or(self, other: Contexts) -> Contexts {
        Contexts(self.0 | other.0)
    }

    /// Whether every kind in `other` is in `self`.
    pub const fn contains(self, other: Contexts) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// The block kind a directive named `name` opens when it sits in a block
    /// of kind `parent`; `None` if it opens no block nginx knows.
    pub fn child_kind(parent: Contexts, name: &str) -> Option<Contexts> {
        let kind = match (name, parent) {
            ("events", Contexts::MAIN) => Contexts::EVENTS,
            ("http", Contexts::MAIN) => Contexts::HTTP,
            ("stream", Contexts::MAIN) => Contexts::STREAM,
            ("mail", Contexts::MAIN) => Contexts::MAIL,
            ("server", Contexts::HTTP) => Contexts::HTTP_SERVER,
            ("server", Contexts::STREAM) => Contexts::STREAM_SERVER,
            ("server", Contexts::MAIL) => Contexts::MAIL_SERVER,
            ("upstream", Contexts::HTTP) => Contexts::HTTP_UPSTREAM,
            ("upstream", Contexts::STREAM) => Contexts::STREAM_UPSTREAM,
            ("location", p) if p == Contexts::HTTP_SERVER || p == Contexts::HTTP_LOCATION => {
                Contexts::HTTP_LOCATION
            }
            ("if", Contexts::HTTP_SERVER) => Contexts::HTTP_SERVER_IF,
            ("if", Contexts::HTTP_LOCATION) => Contexts::HTTP_LOCATION_IF,
            ("limit_except", Contexts::HTTP_LOCATION) => Contexts::HTTP_LIMIT_EXCEPT,
            (
                "map" | "geo" | "types" | "split_clients" | "match" | "charset_map"
                | "perl_set" | "js_set",
                _,
            ) => Contexts::DATA,
            _ => return None,
        };
        Some(kind)
    }
}

/// What a directive's arguments are, for comparisons and arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// `on` / `off`.
    Flag,
    /// A duration; the slot decides which units nginx accepts.
    Duration(TimeSlot),
    /// A size (`k`, `m`, `g`).
    Size,
    /// A plain number.
    Number,
    /// Anything else: names, URLs, several arguments.
    Text,
    /// A block directive.
    Block,
}

/// How a directive's value reaches the blocks below the one that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inherit {
    /// The nearest level that sets it wins (`proxy_http_version`, timeouts).
    Scalar,
    /// All or nothing: a level with at least one occurrence replaces every
    /// occurrence inherited from above (`add_header`, `fastcgi_param`).
    Array,
    /// Like [`Inherit::Array`], and the built-in default entries are merged
    /// into every level for each key (first argument, case-insensitive) the
    /// level does not set (`proxy_set_header`).
    KeyedArray,
    /// Not inherited: main-level, block and `upstream{}` directives.
    None,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct DirectiveInfo {
    pub name: &'static str,
    /// The nginx.org page that documents it, e.g. `http/ngx_http_proxy_module`.
    pub module: &'static str,
    pub contexts: Contexts,
    pub value: ValueKind,
    pub inherit: Inherit,
    /// The default in effect from each version on, oldest first, written as
    /// nginx arguments; for array directives, entries are separated by `;`.
    /// Empty: no default (unset unless configured).
    pub defaults: &'static [(Version, &'static str)],
    /// The version that added the directive (0.0.0: as old as the module).
    pub since: Version,
}

impl DirectiveInfo {
    /// Whether the directive opens a block.
    pub fn is_block(&self) -> bool {
        self.value == ValueKind::Block
    }

    /// The default arguments in effect for `version`, if any.
    pub fn default_for(&self, version: Version) -> Option<&'static str> {
        self.defaults
            .iter()
            .rev()
            .find(|(since, _)| *since <= version)
            .map(|(_, value)| *value)
    }

    /// The reference documentation address.
    pub fn doc_url(&self) -> String {
        format!("https://nginx.org/en/docs/{}.html#{}", self.module, self.name)
    }
}

/// The table entry for `name` in a block of kind `context` (the first entry
/// whose contexts include it), else the first entry of that name.
pub fn lookup(name: &str, context: Contexts) -> Option<&'static DirectiveInfo> {
    let entries = entries(name);
    entries
        .iter()
        .find(|info| info.contexts.contains(context))
        .or_else(|| entries.first())
}

/// Every entry named `name` (the table is sorted by name).
pub fn entries(name: &str) -> &'static [DirectiveInfo] {
    let start = DIRECTIVES.partition_point(|info| info.name < name);
    let end = start + DIRECTIVES[start..].partition_point(|info| info.name == name);
    &DIRECTIVES[start..end]
}

/// The whole table, sorted by name.
pub fn all() -> &'static [DirectiveInfo] {
    DIRECTIVES
}

const V0: Version = Version::new(0, 0, 0);

/// Shorthand for table rows.
const fn row(
    name: &'static str,
    module: &'static str,
    contexts: Contexts,
    value: ValueKind,
    inherit: Inherit,
    defaults: &'static [(Version, &'static str)],
    since: Version,
) -> DirectiveInfo {
    DirectiveInfo {
        name,
        module,
        contexts,
        value,
        inherit,
        defaults,
        since,
    }
}

use Inherit::{Array, KeyedArray, Scalar};
use ValueKind::{Block, Duration as Dur, Flag, Number, Size, Text};

const MS: TimeSlot = TimeSlot::Milliseconds;
const C_HTTP: Contexts = Contexts::HTTP;
const C_SLI: Contexts = Contexts::HTTP_SRV_LOC;
const C_SLIF: Contexts = Contexts::HTTP_SRV_LOC_IF;
const C_UP: Contexts = Contexts::HTTP_UPSTREAM;
const C_MAIN: Contexts = Contexts::MAIN;
const PROXY: &str = "http/ngx_http_proxy_module";
const UPSTREAM: &str = "http/ngx_http_upstream_module";
const CORE: &str = "http/ngx_http_core_module";

/// Sorted by name; a test checks the order.
static DIRECTIVES: &[DirectiveInfo] = &[
    row("http", "http/ngx_http_core_module", C_MAIN, Block, Inherit::None, &[], V0),
    row("keepalive", UPSTREAM, C_UP, Number, Inherit::None, &[(Version::new(1, 29, 7), "32 local")], Version::new(1, 1, 4)),
    row("keepalive_timeout", CORE, C_SLI, Dur(MS), Scalar, &[(V0, "75s")], V0),
    row("keepalive_timeout", UPSTREAM, C_UP, Dur(MS), Inherit::None, &[(V0, "60s")], Version::new(1, 15, 3)),
    row("location", CORE, Contexts::HTTP_SERVER.or(Contexts::HTTP_LOCATION), Block, Inherit::None, &[], V0),
    row("proxy_http_version", PROXY, C_SLI, Text, Scalar, &[(V0, "1.0"), (Version::new(1, 29, 7), "1.1")], Version::new(1, 1, 4)),
    row("proxy_pass", PROXY, Contexts::HTTP_LOCATION.or(Contexts::HTTP_LOCATION_IF).or(Contexts::HTTP_LIMIT_EXCEPT), Text, Inherit::None, &[], V0),
    row("proxy_set_header", PROXY, C_SLI, Text, KeyedArray, &[(V0, "Host $proxy_host; Connection close"), (Version::new(1, 29, 7), "Host $proxy_host; Connection \"\"")], V0),
    row("server", CORE, C_HTTP, Block, Inherit::None, &[], V0),
    row("server_tokens", CORE, C_SLI, Flag, Scalar, &[(V0, "on")], V0),
    row("upstream", UPSTREAM, C_HTTP, Block, Inherit::None, &[], V0),
];

#[allow(dead_code)]
const _UNUSED: (ValueKind, ValueKind, Inherit, Contexts) = (Size, Flag, Array, C_SLIF);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_each_name_context_pair_is_unique() {
        for pair in DIRECTIVES.windows(2) {
            assert!(
                pair[0].name <= pair[1].name,
                "{} sorts after {}",
                pair[0].name,
                pair[1].name
            );
            if pair[0].name == pair[1].name {
                assert_eq!(
                    pair[0].contexts.0 & pair[1].contexts.0,
                    0,
                    "two entries for {} share a context",
                    pair[0].name
                );
            }
        }
    }

    #[test]
    fn defaults_are_ordered_by_version() {
        for info in DIRECTIVES {
            assert!(
                info.defaults.windows(2).all(|w| w[0].0 < w[1].0),
                "{}: defaults out of order",
                info.name
            );
        }
    }

    #[test]
    fn lookup_picks_the_entry_for_the_context() {
        let http = lookup("keepalive_timeout", Contexts::HTTP_SERVER).unwrap();
        assert_eq!(http.default_for(Version::new(1, 22, 1)), Some("75s"));
        let upstream = lookup("keepalive_timeout", Contexts::HTTP_UPSTREAM).unwrap();
        assert_eq!(upstream.default_for(Version::new(1, 22, 1)), Some("60s"));
        assert_eq!(upstream.since, Version::new(1, 15, 3));
        let keepalive = lookup("keepalive", Contexts::HTTP_UPSTREAM).unwrap();
        assert_eq!(keepalive.default_for(Version::new(1, 22, 1)), None);
        assert_eq!(keepalive.default_for(Version::new(1, 30, 0)), Some("32 local"));
        assert!(lookup("no_such_directive", Contexts::HTTP).is_none());
    }
}
