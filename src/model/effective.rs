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

use std::borrow::Cow;

use super::directives::{self, Contexts, DirectiveInfo, Inherit, ValueKind};
use super::tree::{Model, Node};

/// Where an effective value comes from.
#[derive(Debug, Clone)]
pub enum Source<'m> {
    /// Directives in the configuration: the one level that decides.
    Config(Vec<Node<'m>>),
    /// nginx's built-in default for this version.
    Default(&'static str),
    /// Neither configured nor defaulted.
    Unset,
}

/// The value nginx uses for a directive at one place.
#[derive(Debug, Clone)]
pub struct Effective<'m> {
    pub name: String,
    pub source: Source<'m>,
    /// The table row, when the directive is known.
    pub info: Option<&'static DirectiveInfo>,
    /// Built-in default entries merged in (keyed arrays), as argument text.
    pub merged_defaults: Vec<String>,
}

impl<'m> Effective<'m> {
    /// Whether the configuration sets it (at this level or inherited).
    pub fn is_configured(&self) -> bool {
        matches!(self.source, Source::Config(_))
    }

    /// Whether a value is in effect (configured or default).
    pub fn is_set(&self) -> bool {
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
    pub fn entry_args(&self) -> Vec<Vec<String>> {
        self.each_entry().collect()
    }

    /// The value as text: the first entry, `None` when unset.
    pub fn value(&self) -> Option<String> {
        self.each_entry().next().map(|args| args.join(" "))
    }

    /// The first argument of the first entry: what a duration, size or
    /// number directive's value is (`keepalive_timeout 65 60;` is 65s, the
    /// second argument being the `Keep-Alive` header's value).
    pub fn first_arg(&self) -> Option<String> {
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
            .nodes()
            .iter()
            .map(|n| n.args().map(|a| a.value().into_owned()).collect());
        let defaulted =
            (0..defaults.len()).map(move |i| defaults[i].split(' ').map(str::to_string).collect());
        configured.chain(defaulted)
    }

    /// The text a comparison reads: the first argument for durations,
    /// sizes and numbers, the whole value otherwise.
    pub fn compared_text(&self) -> Option<String> {
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

    /// The configured directives that decide the value.
    pub fn nodes(&self) -> &[Node<'m>] {
        match &self.source {
            Source::Config(nodes) => nodes,
            _ => &[],
        }
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
fn inherits_from_parent(kind: Contexts) -> bool {
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

/// The effective value of directive `name` in `block` (`None`: the main
/// level).
pub fn effective<'m>(model: &'m Model<'m>, block: Option<Node<'m>>, name: &str) -> Effective<'m> {
    let kind = block.map_or(Contexts::MAIN, |b| b.block_kind().unwrap_or(Contexts::NONE));
    let info = directives::lookup(name, kind);
    let inherit = info.map_or(Inherit::Scalar, |i| i.inherit);
    let mut level = block;
    let source = loop {
        let found: Vec<Node<'m>> = model.in_block(level, name).collect();
        if !found.is_empty() {
            break Source::Config(found);
        }
        let kind = level.map_or(Contexts::MAIN, |b| b.block_kind().unwrap_or(Contexts::NONE));
        match level {
            Some(current) if inherit != Inherit::None && inherits_from_parent(kind) => {
                level = current.parent();
            }
            _ => {
                break info
                    .and_then(|i| i.default_for(model.version()))
                    .map_or(Source::Unset, Source::Default);
            }
        }
    };
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
    }
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
}
