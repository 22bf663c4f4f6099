//! What `nginx -t` accepts, and what it would refuse in a configuration:
//! every directive of nginx's own modules (those built by default, those
//! built `--with-*`, and those since removed), where each may appear, how
//! many arguments it takes and whether it may repeat in one block.
//!
//! The table (`table.rs`) was read from the `ngx_command_t` arrays of the
//! nginx source (1.31.5, commit 3f6f782), each context, argument count and
//! repeat verdict then checked against `nginx -t` of that source built with
//! every module that needs no outside library (10,608 probes); the versions
//! each directive appeared and was removed in come from the release tags.
//! The checks follow `ngx_conf_handler()` (src/core/ngx_conf_file.c) and
//! `ngx_conf_read_token()`, in that order: a token too long for nginx's
//! 4096-byte buffer, an unknown name, a name not allowed in its block, a
//! block where `;` is expected (or the reverse), a wrong argument count, a
//! flag that is neither `on` nor `off`, then a second occurrence where the
//! module's handler refuses one ("is duplicate").

mod names;
mod table;

use rustc_hash::FxHashMap;

use super::directives::Contexts;
use super::tree::{Model, Node, NodeId};
use super::version::Version;
use crate::config::FileId;
use crate::syntax::{Quote, SyntaxTree};

pub use names::{nearest, third_party_module};

/// Argument counts a directive takes, as the bits of `cmd->type`
/// (`NGX_CONF_NOARGS` .. `NGX_CONF_TAKE7`, `FLAG`, `1MORE`, `2MORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Args(u16);

impl Args {
    const FLAG: u16 = 1 << 8;
    const MORE1: u16 = 1 << 9;
    const MORE2: u16 = 1 << 10;
    /// Any count: rows whose counts are not known (removed directives).
    const ANY: u16 = 1 << 11;
    const BLOCK: u16 = 1 << 12;

    /// Whether the directive opens a block.
    pub fn block(self) -> bool {
        self.0 & Self::BLOCK != 0
    }

    /// The counts taken, in words: `1 or 2 arguments`, `on or off`.
    pub fn describe(self) -> String {
        let bits = self.0;
        if bits & Self::FLAG != 0 {
            return "one: on or off".to_string();
        }
        if bits & Self::MORE1 != 0 {
            return "at least 1 argument".to_string();
        }
        if bits & Self::MORE2 != 0 {
            return "at least 2 arguments".to_string();
        }
        let counts: Vec<u16> = (0..=7).filter(|n| bits & (1 << n) != 0).collect();
        let words: Vec<String> = counts.iter().map(u16::to_string).collect();
        let list = match words.as_slice() {
            [] => "none".to_string(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        };
        let plural = if counts == [1] { "" } else { "s" };
        format!("{list} argument{plural}")
    }

    /// Whether `count` arguments are accepted, as `ngx_conf_handler()`
    /// tests them.
    pub fn accepts(self, count: usize) -> bool {
        let bits = self.0;
        if bits & Self::ANY != 0 {
            true
        } else if bits & Self::FLAG != 0 {
            count == 1
        } else if bits & Self::MORE1 != 0 {
            count >= 1
        } else if bits & Self::MORE2 != 0 {
            count >= 2
        } else {
            count <= 7 && bits & (1 << count) != 0
        }
    }
}

/// When a second occurrence in one block is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Never: arrays, blocks, rules.
    Many,
    /// Always: "is duplicate" (the `ngx_conf_set_*_slot` handlers and
    /// most custom ones).
    Once,
    /// Only with the same zone (`limit_conn`, `limit_req`).
    SameZone,
    /// `off` cannot be combined with anything (`proxy_redirect`, `mirror`,
    /// `proxy_cookie_*`).
    OffAlone,
    /// Once, and not after a `map{}` of the same block, which sets it
    /// (`map_hash_max_size`, `map_hash_bucket_size`).
    OnceBeforeMap,
}

/// One directive as one module declares it.
#[derive(Debug, Clone, Copy)]
pub struct Accepted {
    pub name: &'static str,
    /// The module, without `ngx_` and `_module` (`http_proxy`).
    pub module: &'static str,
    pub contexts: Contexts,
    pub args: Args,
    pub repeat: Repeat,
    /// Whether the handler is `ngx_conf_set_flag_slot`, which refuses a
    /// value other than `on` or `off`.
    pub flag: bool,
    /// The first release that had it.
    pub since: Version,
    /// The first release that refused it, for removed directives.
    pub until: Option<Version>,
}

impl Accepted {
    /// Whether `version` has this directive.
    pub(crate) fn in_version(&self, version: Version) -> bool {
        self.since <= version && self.until.is_none_or(|until| version < until)
    }
}

/// Every row of `name` (the table is sorted by name).
pub fn rows(name: &str) -> &'static [Accepted] {
    static BY_NAME: std::sync::LazyLock<FxHashMap<&str, (usize, usize)>> =
        std::sync::LazyLock::new(|| {
            let mut by_name = FxHashMap::default();
            for (i, row) in table::TABLE.iter().enumerate() {
                by_name.entry(row.name).or_insert((i, i)).1 = i + 1;
            }
            by_name
        });
    BY_NAME
        .get(name)
        .map_or(&[], |&(start, end)| &table::TABLE[start..end])
}

/// The whole table, sorted by name.
pub fn all() -> &'static [Accepted] {
    table::TABLE
}

/// Every context `name` is accepted in, by any module and any version;
/// `None` for a name nginx does not know.
pub(crate) fn contexts(name: &str) -> Option<Contexts> {
    let rows = rows(name);
    (!rows.is_empty()).then(|| {
        rows.iter()
            .fold(Contexts::NONE, |all, r| all.or(r.contexts))
    })
}

/// Whether nginx accepts `name` in a block of kind `kind`; `None` for a
/// name it does not know.
pub fn allowed(name: &str, kind: Contexts) -> Option<bool> {
    contexts(name).map(|all| all.contains(kind))
}

/// Why `nginx -t` would refuse a directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalKind {
    /// The file starts with a UTF-8 byte order mark, which nginx reads as
    /// part of the first directive's name.
    Bom,
    /// A word (or a comment) longer than nginx's 4096-byte read buffer.
    TooLong,
    /// No module of nginx has this name.
    Unknown,
    /// Its modules do not take it in this block.
    NotAllowed,
    /// A block where `;` is expected or the reverse, the wrong number of
    /// arguments, or a flag that is neither `on` nor `off`.
    Arguments,
    /// A second occurrence in a block where one is all nginx takes.
    Duplicate,
}

impl RefusalKind {
    /// Every kind, in the order nginx meets them.
    pub const ALL: [RefusalKind; 6] = [
        RefusalKind::TooLong,
        RefusalKind::Bom,
        RefusalKind::Unknown,
        RefusalKind::NotAllowed,
        RefusalKind::Arguments,
        RefusalKind::Duplicate,
    ];

    /// The name rule files use.
    pub fn name(self) -> &'static str {
        match self {
            RefusalKind::Bom => "bom",
            RefusalKind::TooLong => "too-long",
            RefusalKind::Unknown => "unknown",
            RefusalKind::NotAllowed => "not-allowed",
            RefusalKind::Arguments => "arguments",
            RefusalKind::Duplicate => "duplicate",
        }
    }
}

impl std::str::FromStr for RefusalKind {
    type Err = UnknownRefusal;

    fn from_str(text: &str) -> Result<Self, UnknownRefusal> {
        RefusalKind::ALL
            .into_iter()
            .find(|k| k.name() == text)
            .ok_or_else(|| UnknownRefusal {
                text: text.to_string(),
            })
    }
}

/// Text that names no [`RefusalKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown refusal \"{text}\" (one of {})",
    RefusalKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownRefusal {
    /// The text as given.
    pub text: String,
}

/// What `nginx -t` would say about a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// nginx's own words (`unknown directive "proxy_htp_version"`).
    pub message: String,
    /// What it is about, or what to do about it.
    pub hint: String,
    /// For an unknown name: the third-party module it belongs to, or the
    /// reason it may come from one (the configuration loads modules, or
    /// is a fragment whose nginx.conf is not known).
    pub third_party: Option<String>,
}

/// What the checks need besides the model.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Directive names to take as known (third-party modules the user
    /// has), `*` at the end matching any rest (`more_*`).
    pub extra: Vec<String>,
}

impl Known {
    fn contains(&self, name: &str) -> bool {
        self.extra
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => pattern == name,
            })
    }
}

/// nginx's read buffer (`NGX_CONF_BUFFER`): a token must fit in it.
const BUFFER: usize = 4096;

/// Every directive of `model` that `nginx -t` would refuse, with why.
pub fn refusals(model: &Model<'_>, known: &Known) -> FxHashMap<NodeId, Refusal> {
    let version = model.version();
    let config = model.config();
    let loads_modules = model.named("load_module").next().is_some();
    let fragment = config.is_fragment();
    // Long comments, placed on the directive after them in their file.
    let comments: FxHashMap<(FileId, u32), Refusal> = config
        .files_with_ids()
        .flat_map(|(file, source)| {
            long_comments(&source.tree)
                .into_iter()
                .map(move |(index, refusal)| ((file, index), refusal))
        })
        .collect();
    // Each directive is checked on its own (a duplicate looks back in its
    // block): in parallel, as rules are matched.
    let found = crate::par::filter_map_range(0..model.len() as u32, 4096, |index| {
        let id = NodeId::new(index);
        let node = model.node(id);
        let kind = node.context();
        // Lines of data blocks (map, types, ...) are read by their module,
        // and nothing is known of the inside of a block nginx does not
        // know: only the tokenizer's limits apply there.
        let directives = kind != Contexts::NONE && kind != Contexts::DATA;
        let refusal = comments
            .get(&(node.file(), node.directive().index()))
            .cloned()
            .or_else(|| too_long(node))
            .or_else(|| directives.then(|| bom(node)).flatten())
            .or_else(|| {
                directives
                    .then(|| {
                        refusal_in_context(node, kind, version, known, loads_modules, fragment)
                    })
                    .flatten()
            });
        refusal.map(|refusal| (id, refusal))
    })
    .into_iter()
    .collect();
    one_per_module(model, found)
}

/// The directives `nginx -t` would refuse as a second occurrence, as
/// `path:line: message`, sorted: what no fix may add.
pub fn duplicates(model: &Model<'_>) -> Vec<String> {
    let mut found: Vec<String> = refusals(model, &Known::default())
        .into_iter()
        .filter(|(_, r)| r.kind == RefusalKind::Duplicate)
        .map(|(id, r)| {
            let node = model.node(id);
            format!("{}:{}: {}", node.path(), node.line_col().line, r.message)
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The directives of a known third-party module are reported once, at the
/// first of them, which counts the others: an OpenResty configuration has
/// dozens of `*_by_lua*` lines, and one note says what they all would.
fn one_per_module(
    model: &Model<'_>,
    mut found: FxHashMap<NodeId, Refusal>,
) -> FxHashMap<NodeId, Refusal> {
    let mut by_module: FxHashMap<&'static str, Vec<NodeId>> = FxHashMap::default();
    for (&id, refusal) in &found {
        if refusal.kind == RefusalKind::Unknown {
            if let Some(module) = third_party_module(model.node(id).name()) {
                by_module.entry(module).or_default().push(id);
            }
        }
    }
    for (module, mut ids) in by_module {
        ids.sort_unstable();
        // A file included in several places is one set of lines.
        let mut places: Vec<(FileId, u32)> = ids
            .iter()
            .map(|&id| (model.node(id).file(), model.node(id).directive().index()))
            .collect();
        places.sort_unstable();
        places.dedup();
        let others = places.len() - 1;
        for id in &ids[1..] {
            found.remove(id);
        }
        if others > 0 {
            if let Some(first) = found.get_mut(&ids[0]) {
                first.hint.push_str(&format!(
                    " ({others} more directive{} of {module} in this configuration, not reported one by one)",
                    if others == 1 { "" } else { "s" }
                ));
            }
        }
    }
    found
}

fn refusal_in_context(
    node: Node<'_>,
    kind: Contexts,
    version: Version,
    known: &Known,
    loads_modules: bool,
    fragment: bool,
) -> Option<Refusal> {
    let name = node.name();
    if known.contains(name) {
        return None;
    }
    let all = rows(name);
    let mut present = all.iter().filter(|r| r.in_version(version)).peekable();
    if present.peek().is_none() {
        return Some(unknown(name, all, kind, version, loads_modules, fragment));
    }
    let Some(row) = present.clone().find(|r| r.contexts.contains(kind)) else {
        return Some(Refusal {
            kind: RefusalKind::NotAllowed,
            message: format!("\"{name}\" directive is not allowed here"),
            hint: allowed_hint(present),
            third_party: None,
        });
    };
    arguments(node, row).or_else(|| duplicate(node, row))
}

/// The blocks a directive is allowed in, for a hint.
fn allowed_hint<'a>(rows: impl Iterator<Item = &'a Accepted>) -> String {
    let all = rows.fold(Contexts::NONE, |all, r| all.or(r.contexts));
    let names: Vec<&str> = [
        (Contexts::MAIN, "main"),
        (Contexts::EVENTS, "events"),
        (Contexts::HTTP, "http"),
        (Contexts::HTTP_SERVER, "server"),
        (Contexts::HTTP_LOCATION, "location"),
        (
            Contexts::HTTP_SERVER_IF.or(Contexts::HTTP_LOCATION_IF),
            "if",
        ),
        (Contexts::HTTP_LIMIT_EXCEPT, "limit_except"),
        (Contexts::HTTP_UPSTREAM, "upstream"),
        (Contexts::STREAM, "stream"),
        (Contexts::STREAM_SERVER, "stream server"),
        (Contexts::STREAM_UPSTREAM, "stream upstream"),
        (Contexts::MAIL, "mail"),
        (Contexts::MAIL_SERVER, "mail server"),
    ]
    .into_iter()
    .filter(|(kind, _)| all.0 & kind.0 != 0)
    .map(|(_, name)| name)
    .collect();
    format!("nginx takes it in: {}", names.join(", "))
}

fn unknown(
    name: &str,
    all: &[Accepted],
    kind: Contexts,
    version: Version,
    loads_modules: bool,
    fragment: bool,
) -> Refusal {
    let message = format!("unknown directive \"{}\"", name);
    let removed = all
        .iter()
        .filter_map(|r| r.until)
        .filter(|&u| u <= version)
        .max();
    let added = all.iter().map(|r| r.since).filter(|&s| s > version).min();
    let module = third_party_module(name);
    let hint = if let Some(until) = removed {
        format!("nginx {until} removed it; the check assumes nginx {version}")
    } else if let Some(since) = added {
        format!("nginx {since} added it; the check assumes nginx {version}")
    } else if let Some(close) = module.is_none().then(|| nearest(name, kind)).flatten() {
        format!("did you mean \"{close}\"?")
    } else {
        "no module of nginx has it; when a third-party module of your nginx does, list it in \
         extra_directives in ngxfix.toml"
            .to_string()
    };
    let third_party = if removed.is_some() || added.is_some() {
        None
    } else if let Some(module) = module {
        Some(module.to_string())
    } else if loads_modules {
        Some("a module the configuration loads (load_module)".to_string())
    } else if fragment {
        Some("a module the nginx.conf around this file may load".to_string())
    } else {
        None
    };
    Refusal {
        kind: RefusalKind::Unknown,
        message,
        hint,
        third_party,
    }
}

/// A block where `;` is expected or the reverse, a wrong count, a flag
/// that is neither `on` nor `off` (case-insensitively).
fn arguments(node: Node<'_>, row: &Accepted) -> Option<Refusal> {
    let name = node.name();
    let directive = node.directive();
    let refused = |message: String, hint: String| {
        Some(Refusal {
            kind: RefusalKind::Arguments,
            message,
            hint,
            third_party: None,
        })
    };
    if row.args.0 & Args::ANY != 0 {
        return None;
    }
    let is_block = directive.has_block() || directive.lua_code().is_some();
    if !row.args.block() && is_block {
        return refused(
            format!("directive \"{name}\" is not terminated by \";\""),
            format!("{name} takes no block: {name} ...;"),
        );
    }
    if row.args.block() && !is_block {
        return refused(
            format!("directive \"{name}\" has no opening \"{{\""),
            format!("{name} opens a block: {name} ... {{ ... }}"),
        );
    }
    let count = directive.args().count();
    if !row.args.accepts(count) {
        return refused(
            format!("invalid number of arguments in \"{name}\" directive"),
            format!("{count} given; it takes {}", row.args.describe()),
        );
    }
    if row.flag {
        let value = directive.args().next().map(|a| a.value().into_owned())?;
        if !(value.eq_ignore_ascii_case("on") || value.eq_ignore_ascii_case("off")) {
            return refused(
                format!(
                    "invalid value \"{value}\" in \"{name}\" directive, it must be \"on\" or \"off\""
                ),
                format!("{name} is a flag, in any case"),
            );
        }
    }
    None
}

/// A second occurrence nginx refuses; `root` and `alias` share one
/// setting.
fn duplicate(node: Node<'_>, row: &Accepted) -> Option<Refusal> {
    let name = node.name();
    let shares_a_setting = matches!(name, "root" | "alias") && row.module == "http_core";
    if row.repeat == Repeat::Many && !shares_a_setting {
        return None;
    }
    let model = node.model();
    let block = node.parent();
    let earlier = |other: &str| {
        model
            .in_block(block, other)
            .take_while(|n| n.id() < node.id())
            .collect::<Vec<_>>()
    };
    let refused = |message: String, hint: String| {
        Some(Refusal {
            kind: RefusalKind::Duplicate,
            message,
            hint,
            third_party: None,
        })
    };
    let first_line = |nodes: &[Node<'_>]| {
        nodes.first().map_or_else(String::new, |n| {
            format!("the first is on line {} of {}", n.line_col().line, n.path())
        })
    };
    if shares_a_setting {
        let other = if name == "root" { "alias" } else { "root" };
        let before = earlier(other);
        if !before.is_empty() {
            return refused(
                format!("\"{name}\" directive is duplicate, \"{other}\" directive was specified earlier"),
                first_line(&before),
            );
        }
    }
    let before = earlier(name);
    let is_off = |n: &Node<'_>| {
        let mut args = n.args();
        matches!((args.next(), args.next()), (Some(a), None) if a.value() == "off")
    };
    let same = match row.repeat {
        Repeat::Many => false,
        Repeat::Once => !before.is_empty(),
        Repeat::SameZone => {
            // `limit_conn ZONE N`, `limit_req zone=ZONE ...` in any order.
            let zone = |n: &Node<'_>| {
                let args: Vec<String> = n.args().map(|a| a.value().into_owned()).collect();
                args.iter()
                    .find_map(|a| a.strip_prefix("zone=").map(str::to_string))
                    .or_else(|| args.first().cloned())
            };
            let mine = zone(&node);
            before.iter().any(|n| zone(n) == mine)
        }
        Repeat::OffAlone => !before.is_empty() && (is_off(&node) || before.iter().any(is_off)),
        Repeat::OnceBeforeMap => {
            let maps = earlier("map");
            if before.is_empty() && !maps.is_empty() {
                return refused(
                    format!("\"{name}\" directive is duplicate"),
                    format!(
                        "a map{{}} above it in the same block already set {name} to its default; write {name} before the first map"
                    ),
                );
            }
            !before.is_empty()
        }
    };
    same.then(|| Refusal {
        kind: RefusalKind::Duplicate,
        message: format!("\"{name}\" directive is duplicate"),
        hint: first_line(&before),
        third_party: None,
    })
}

/// The byte order mark nginx reads as part of the first directive's name.
fn bom(node: Node<'_>) -> Option<Refusal> {
    let directive = node.directive();
    if directive.index() != 0 || !directive.tree().text().starts_with(b"\xEF\xBB\xBF") {
        return None;
    }
    // nginx reads the mark and what follows it up to whitespace, `;` or
    // `{` as one word (a `#` there starts no comment), and prints the
    // three bytes as they are; shown escaped here.
    let text = directive.tree().text();
    let rest = &text[3..];
    let word = rest
        .iter()
        .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{'))
        .unwrap_or(rest.len());
    let name = String::from_utf8_lossy(&rest[..word]);
    Some(Refusal {
        kind: RefusalKind::Bom,
        message: format!("unknown directive \"\\xEF\\xBB\\xBF{name}\""),
        hint: "the file starts with a UTF-8 byte order mark (BOM), which nginx reads as part of \
               the first directive's name"
            .to_string(),
        third_party: None,
    })
}

/// A word of the directive that does not fit in nginx's read buffer (the
/// rules of `ngx_conf_read_token()`, checked against nginx byte by byte).
fn too_long(node: Node<'_>) -> Option<Refusal> {
    let directive = node.directive();
    let text = directive.tree().text();
    let whitespace = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    std::iter::once(directive.name())
        .chain(directive.args())
        .find_map(|word| {
            let span = word.span();
            let (start, end) = (span.start as usize, span.end as usize);
            // Whitespace right after the word, and more input after that.
            let space_then_more =
                text.get(end).copied().is_some_and(whitespace) && end + 1 < text.len();
            let first_ten = |from: usize| {
                String::from_utf8_lossy(&text[from..(from + 10).min(end)]).into_owned()
            };
            let started =
                |from: usize| format!("too long parameter \"{}...\" started", first_ten(from));
            let length = end - start;
            match word.quote() {
                Quote::None => (length >= BUFFER || (length == BUFFER - 1 && space_then_more))
                    .then(|| started(start)),
                quote => {
                    let content = length - 2;
                    let mark = if quote == Quote::Double { '"' } else { '\'' };
                    if content >= BUFFER {
                        Some(format!(
                            "too long parameter, probably missing terminating \"{mark}\" character"
                        ))
                    } else if (content == BUFFER - 1 && end < text.len())
                        || (content == BUFFER - 2 && space_then_more)
                    {
                        Some(started(start + 1))
                    } else {
                        None
                    }
                }
            }
            .map(|message| (word.line_col().line, length, message))
        })
        .map(|(line, length, message)| Refusal {
            kind: RefusalKind::TooLong,
            message,
            hint: format!(
                "a word of {length} bytes on line {line}: nginx reads at most {} at once",
                BUFFER - 1
            ),
            third_party: None,
        })
}

/// Comments too long for nginx's read buffer, each placed on the first
/// directive after it in its file (else the last one before it), by
/// directive index.
fn long_comments(tree: &SyntaxTree) -> Vec<(u32, Refusal)> {
    let text = tree.text();
    let mut found = Vec::new();
    for comment in tree.comments() {
        let span = comment.span();
        let (start, end) = (span.start as usize, span.end as usize);
        let length = end - start;
        let newline_after = text.get(end) == Some(&b'\n');
        if !(length >= BUFFER && newline_after || length > BUFFER) {
            continue;
        }
        let after = tree.directives().find(|d| d.span().start as usize > start);
        let before = tree
            .directives()
            .filter(|d| (d.span().start as usize) < start)
            .last();
        let Some(directive) = after.or(before) else {
            continue;
        };
        let line = tree.line_col(span.start).line;
        let shown = String::from_utf8_lossy(&text[start..(start + 10).min(end)]).into_owned();
        found.push((
            directive.index(),
            Refusal {
                kind: RefusalKind::TooLong,
                message: format!("too long parameter \"{shown}...\" started"),
                hint: format!(
                    "the comment on line {line} is {length} bytes long: nginx reads at most {} at once, comments included",
                    BUFFER - 1
                ),
                third_party: None,
            },
        ));
    }
    found
}

#[cfg(test)]
mod tests;
