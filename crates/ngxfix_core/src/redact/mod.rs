//! Redaction: the configuration tree with its secrets (and, on request, its
//! addresses and host names) replaced by stable placeholders, as byte-range
//! edits on each file's original text, so formatting, comments, CRLF and a
//! BOM stay as written and the result still parses.
//!
//! The pass: detectors ([`detect`], [`hosts`], and for Lua and Perl code
//! `code`) mark byte ranges in every directive, comment (and directives
//! commented out) and Lua block; each secret found is then looked for
//! everywhere else in the tree, so a token also pasted into a comment goes
//! too; overlapping ranges merge; numbering follows the files in tree order
//! and each file in document order ([`placeholder`]). Files that directives
//! name as secret ([`detect::SECRET_FILES`]) are never opened: only the
//! configuration and its includes are read.
//!
//! Redaction never changes what a file parses as: ranges stay inside a
//! word, a comment, or a string or comment of code; a range spanning lines
//! keeps its line breaks (and the `#` of a commented-out line); and each
//! redacted file is parsed again and compared with the original, token by
//! token, before anything is printed.

mod code;
pub mod detect;
pub(crate) mod entropy;
pub mod hosts;
pub mod names;
pub mod placeholder;
pub mod report;
pub mod text;

use std::collections::{BTreeMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::config::{ConfigTree, FileId};
use crate::model::{Model, Version};
use crate::syntax::{self, Directive, Quote, SyntaxTree, TokenKind, Word};
use crate::text::Edit;
use code::Lang;
use detect::MapSecrets;
use placeholder::Placeholders;
use text::Piece;

/// What to redact besides secrets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Also IP addresses and host names.
    pub hosts: bool,
}

/// Why a range was redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A credential in the value of a sensitive header or parameter.
    HeaderCredential,
    /// A cookie's value.
    Cookie,
    /// The password of a URL's userinfo.
    UrlPassword,
    /// A URL's user name that looks like a token.
    UrlUser,
    /// `secure_link_secret`, or a literal in `secure_link_md5`.
    SecureLinkSecret,
    /// The value of `set $token ...`, `js_var`, `env API_KEY=...`, or of a
    /// map into a sensitive variable.
    SecretVariable,
    /// A key of a map over credentials, or a random-looking key.
    MapKey,
    /// A private key written inline (`data:...`, a PEM block).
    PrivateKey,
    /// A token with a vendor's prefix (AWS, GitHub, Slack, Stripe, Google),
    /// a JSON Web Token, a webhook URL's token.
    KnownToken,
    /// A sensitive URL query parameter (`?access_token=...`).
    QueryParameter,
    /// A value given a credential's name in free text or code:
    /// `password=...`, `"api_key": "..."`, `password: ...` in a comment,
    /// `local secret = "..."` in Lua, `password => "..."` in Perl.
    Assignment,
    /// A string that looks random (an API key, a hash).
    HighEntropy,
    /// An IPv4 address (`--hosts`).
    Ipv4,
    /// An IPv6 address (`--hosts`).
    Ipv6,
    /// A host name (`--hosts`).
    Hostname,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 15] = [
        Kind::HeaderCredential,
        Kind::Cookie,
        Kind::UrlPassword,
        Kind::UrlUser,
        Kind::SecureLinkSecret,
        Kind::SecretVariable,
        Kind::MapKey,
        Kind::PrivateKey,
        Kind::KnownToken,
        Kind::QueryParameter,
        Kind::Assignment,
        Kind::HighEntropy,
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Hostname,
    ];

    /// The kind's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::HeaderCredential => "header-credential",
            Kind::Cookie => "cookie",
            Kind::UrlPassword => "url-password",
            Kind::UrlUser => "url-user",
            Kind::SecureLinkSecret => "secure-link-secret",
            Kind::SecretVariable => "secret-variable",
            Kind::MapKey => "map-key",
            Kind::PrivateKey => "private-key",
            Kind::KnownToken => "known-token",
            Kind::QueryParameter => "query-parameter",
            Kind::Assignment => "assignment",
            Kind::HighEntropy => "high-entropy",
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Hostname => "hostname",
        }
    }

    /// The label inside a secret's placeholder (`REDACTED_<LABEL>_N`).
    fn label(self) -> &'static str {
        match self {
            Kind::HeaderCredential | Kind::QueryParameter | Kind::UrlUser | Kind::KnownToken => {
                "TOKEN"
            }
            Kind::Cookie => "COOKIE",
            Kind::UrlPassword => "PASSWORD",
            Kind::SecureLinkSecret | Kind::SecretVariable | Kind::Assignment => "SECRET",
            Kind::MapKey => "KEY",
            Kind::PrivateKey => "PRIVATE_KEY",
            Kind::HighEntropy | Kind::Ipv4 | Kind::Ipv6 | Kind::Hostname => "STRING",
        }
    }
}

/// What replaces a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// A placeholder for the range's text.
    Secret,
    /// An IPv4 address, with the length of its `/N` when it is a network's.
    Ipv4(Ipv4Addr, Option<u8>),
    Ipv6(Ipv6Addr),
    /// A host name; `escaped` when written in a regex (`corp\.io`).
    Host {
        escaped: bool,
    },
}

/// A range of a file to redact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub start: u32,
    pub end: u32,
    pub kind: Kind,
    pub value: Value,
}

impl Found {
    fn secret(piece: Piece<'_>, kind: Kind) -> Found {
        Found {
            start: piece.start,
            end: piece.end(),
            kind,
            value: Value::Secret,
        }
    }

    fn host(piece: Piece<'_>, escaped: bool) -> Found {
        Found {
            start: piece.start,
            end: piece.end(),
            kind: Kind::Hostname,
            value: Value::Host { escaped },
        }
    }
}

/// The text detectors read words from, and where it sits in the file (a
/// comment parsed on its own starts past the `#`).
pub(crate) struct Scope<'a> {
    text: &'a str,
    base: u32,
}

impl<'a> Scope<'a> {
    /// A word's text inside its quotes, with its place in the file.
    fn word(&self, word: &Word<'_>) -> Piece<'a> {
        let span = word.span();
        let quoted = u32::from(word.quote() != Quote::None && span.len() >= 2);
        let (start, end) = (span.start + quoted, span.end - quoted);
        Piece::new(self.base + start, &self.text[start as usize..end as usize])
    }
}

/// One redacted range, for the report: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    #[serde(skip)]
    pub file: FileId,
    pub line: u32,
    pub kind: Kind,
    /// What now stands in the file.
    pub placeholder: String,
}

/// A directive naming a file of secrets, which was not read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unread {
    #[serde(skip)]
    pub file: FileId,
    pub line: u32,
    pub directive: String,
}

/// The result of a redaction.
#[derive(Debug)]
pub struct Redacted {
    /// The redacted text of each file of the tree, by [`FileId`].
    pub texts: Vec<Vec<u8>>,
    /// What was redacted, in file and document order.
    pub entries: Vec<Entry>,
    /// Directives naming secret files, whose contents were never read.
    pub unread: Vec<Unread>,
}

/// A redaction that would break the configuration: a bug, reported instead
/// of printing a broken or leaking result.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    #[error("internal error: the redacted text would not parse: {error}; please report it")]
    Unparsable { error: String },
    #[error(
        "internal error: redacting {path} would change how line {line} parses; please report it"
    )]
    Restructured { path: String, line: u32 },
    #[error("internal error: redacting {path}: {error}; please report it")]
    Edit {
        path: String,
        error: crate::text::EditError,
    },
}

/// Redact every file of a tree.
pub fn redact(config: &ConfigTree, options: Options) -> Result<Redacted, RedactError> {
    let upstreams = Upstreams::of(config);
    let texts: Vec<_> = config
        .files()
        .iter()
        // The text the grammar read: offsets agree with the tree's spans.
        .map(|f| crate::syntax::grammar_view(f.tree.text()))
        .collect();
    let mut unread = Vec::new();
    let mut found: Vec<Vec<Found>> = Vec::with_capacity(texts.len());
    let in_map = files_in_maps(config);
    for (id, file) in config.files_with_ids() {
        let scope = Scope {
            text: &texts[id.index()],
            base: 0,
        };
        let mut out = Vec::new();
        let detector = Detector {
            options,
            upstreams: &upstreams,
        };
        detector.tree(
            &file.tree,
            &scope,
            in_map[id.index()],
            &mut out,
            Some((id, &mut unread)),
        );
        detector.free_texts(&file.tree, &texts[id.index()], in_map[id.index()], &mut out);
        found.push(out);
    }
    propagate(config, &texts, &mut found, &upstreams.names);

    let mut placeholders = Placeholders::avoiding(texts.iter().map(|t| t.as_ref()));
    // Addresses are numbered in their own order, so `a-b` ranges and
    // networks keep their meaning.
    placeholders.plan_ipv4(found.iter().flatten().filter_map(|f| match f.value {
        Value::Ipv4(addr, prefix) => Some((addr, prefix)),
        _ => None,
    }));
    let mut entries = Vec::new();
    let mut redacted = Vec::with_capacity(texts.len());
    for (id, file) in config.files_with_ids() {
        let text = &texts[id.index()];
        let mut found = std::mem::take(&mut found[id.index()]);
        // The name of a directive with a Lua body is syntax: it decides how
        // the body parses (a map's key is a directive name too).
        for d in file.tree.directives().filter(|d| d.lua_code().is_some()) {
            let name = d.name().span();
            found.retain(|f| f.end <= name.start || name.end <= f.start);
        }
        let merged = merge(found, text, &upstreams.names);
        let mut edits = Vec::with_capacity(merged.len());
        for f in merged {
            let original = &text[f.start as usize..f.end as usize];
            let stand_in = match f.value {
                Value::Secret => placeholders.secret(original, f.kind.label()),
                Value::Ipv4(addr, None) => placeholders.ipv4(addr).to_string(),
                Value::Ipv4(addr, Some(prefix)) => {
                    let (net, prefix) = placeholders.ipv4_network(addr, prefix);
                    format!("{net}/{prefix}")
                }
                Value::Ipv6(addr) => placeholders.ipv6(addr).to_string(),
                Value::Host { escaped: false } => placeholders.host(original),
                Value::Host { escaped: true } => placeholders
                    .host(&original.replace("\\.", "."))
                    .replace('.', "\\."),
            };
            entries.push(Entry {
                file: id,
                line: file.tree.line_col(f.start).line,
                kind: f.kind,
                placeholder: stand_in.clone(),
            });
            edits.push(Edit {
                file: id,
                start: f.start,
                end: f.end,
                text: stand_in + &line_breaks(original),
            });
        }
        let refs: Vec<&Edit> = edits.iter().collect();
        let path = file.display_path();
        let new =
            crate::text::apply(file.tree.text(), &refs).map_err(|error| RedactError::Edit {
                path: path.clone(),
                error,
            })?;
        if !edits.is_empty() {
            let reparsed = syntax::parse(new.clone()).map_err(|e| RedactError::Unparsable {
                error: e.display(&path).to_string(),
            })?;
            if let Some(offset) = first_difference(&file.tree, &reparsed) {
                return Err(RedactError::Restructured {
                    path,
                    line: file.tree.line_col(offset).line,
                });
            }
        }
        redacted.push(new);
    }
    Ok(Redacted {
        texts: redacted,
        entries,
        unread,
    })
}

/// What a secret spanning lines leaves of them: each line break (with the
/// backslash escaping it, if one does), and the `#` opening the next line
/// when it is a comment's, so every line keeps its number and a line of a
/// commented-out block stays commented out.
fn line_breaks(original: &str) -> String {
    let mut out = String::new();
    for (i, _) in original.match_indices('\n') {
        let before = original[..i].strip_suffix('\r').unwrap_or(&original[..i]);
        let escapes = before.len() - before.trim_end_matches('\\').len();
        if escapes % 2 == 1 {
            out.push('\\');
        }
        out.push_str(&original[before.len()..=i]);
        let next = &original[i + 1..];
        let indent = next.len() - next.trim_start_matches([' ', '\t']).len();
        if next[indent..].starts_with('#') {
            out.push_str(&next[..=indent]);
        }
    }
    out
}

/// Where a redacted file first reads differently from its original: a
/// token of another kind, or a directive with other arguments or another
/// parent. `None` when both read alike (only the words' text changed).
fn first_difference(original: &SyntaxTree, redacted: &SyntaxTree) -> Option<u32> {
    let mut before = original.tokens();
    let mut after = redacted.tokens();
    loop {
        match (before.next(), after.next()) {
            (None, None) => break,
            (Some(a), Some(b)) if a.kind == b.kind => {}
            (a, _) => {
                return Some(a.map_or(original.text().len() as u32, |t| t.start));
            }
        }
    }
    let shape = |d: Directive<'_>| (d.parent().map(|p| p.index()), d.args().count());
    original
        .directives()
        .zip(redacted.directives())
        .find(|(a, b)| shape(*a) != shape(*b))
        .map(|(a, _)| a.span().start)
        .or_else(|| {
            (original.directive_count() != redacted.directive_count())
                .then(|| original.text().len() as u32)
        })
}

/// For each file, the map whose `include` pulls it in, if one does: its
/// top-level directives are that map's entries.
fn files_in_maps(config: &ConfigTree) -> Vec<Option<MapSecrets>> {
    let mut in_map = vec![None; config.files().len()];
    for (id, file) in config.files_with_ids() {
        for d in file
            .tree
            .directives()
            .filter(|d| d.name().value() == "include")
        {
            let Some(map) = d.parent().filter(|p| p.name().value() == "map") else {
                continue;
            };
            for &included in config.included(id, &d).unwrap_or_default() {
                in_map[included.index()] = Some(MapSecrets::of(&map));
            }
        }
    }
    in_map
}

/// The innermost map block around byte `at` of a file, or the map the file
/// is included in.
fn map_around(tree: &SyntaxTree, at: u32, file_map: Option<MapSecrets>) -> Option<MapSecrets> {
    tree.directives()
        .filter(|d| d.name().value() == "map" && d.has_block())
        .filter(|d| d.span().start <= at && at < d.span().end)
        .last()
        .map(|d| MapSecrets::of(&d))
        .or(file_map)
}

/// Runs of comments on consecutive lines, as one text with each `#` made a
/// space (so offsets stay): a block commented out line by line, such as a
/// whole `map { ... }`, parses as one.
fn commented_blocks(tree: &SyntaxTree, text: &str) -> Vec<(u32, String)> {
    let mut runs: Vec<(u32, u32, Vec<u32>)> = Vec::new();
    for comment in tree.comments() {
        let span = comment.span();
        let line_start = text[..span.start as usize].rfind('\n').map_or(0, |i| i + 1);
        let own_line = text[line_start..span.start as usize].trim().is_empty();
        match runs.last_mut() {
            Some((_, end, hashes))
                if own_line
                    && text[*end as usize..span.start as usize].trim().is_empty()
                    && text[*end as usize..span.start as usize]
                        .matches('\n')
                        .count()
                        == 1 =>
            {
                *end = span.end;
                hashes.push(span.start);
            }
            _ if own_line => runs.push((span.start, span.end, vec![span.start])),
            _ => {}
        }
    }
    runs.into_iter()
        .filter(|(_, _, hashes)| hashes.len() > 1)
        .map(|(start, end, hashes)| {
            let mut masked = text.as_bytes()[start as usize..end as usize].to_vec();
            for hash in hashes {
                masked[(hash - start) as usize] = b' ';
            }
            (
                start,
                String::from_utf8(masked).expect("only '#' bytes replaced"),
            )
        })
        .collect()
}

/// What redaction needs to know of the `upstream{}` blocks, from the
/// model (includes spliced): a block's `server` list may be written in a
/// file it includes, where nothing in that file's own text says so.
struct Upstreams {
    /// The name of every block, lower-cased (nginx compares them without
    /// case): never redacted, or `proxy_pass` would miss them.
    names: HashSet<String>,
    /// Every `server` directive of a block, by (file, directive index):
    /// with `--hosts`, its host goes.
    servers: HashSet<(FileId, u32)>,
}

impl Upstreams {
    fn of(config: &ConfigTree) -> Upstreams {
        // Only the tree's shape is read, which no nginx version changes.
        let model = Model::new(config, Version::ASSUMED);
        let mut names = HashSet::new();
        let mut servers = HashSet::new();
        for upstream in model.upstreams() {
            names.extend(
                upstream
                    .block
                    .arg(0)
                    .map(|a| a.value().to_ascii_lowercase()),
            );
            servers.extend(
                upstream
                    .servers
                    .iter()
                    .map(|s| (s.file(), s.directive().index())),
            );
        }
        Upstreams { names, servers }
    }
}

/// Directives whose arguments are names, lists or patterns that can look
/// random but are never secret: not judged by entropy.
const NOT_RANDOM: &[&str] = &[
    "ssl_ciphers",
    "proxy_ssl_ciphers",
    "grpc_ssl_ciphers",
    "uwsgi_ssl_ciphers",
    "ssl_ecdh_curve",
    "ssl_conf_command",
    "status_zone",
    "zone",
];

/// Whether redaction leaves a directive alone: `include` must still name
/// its files, `upstream` its name.
fn untouchable(d: &Directive<'_>) -> bool {
    matches!(d.name().value().as_ref(), "include" | "upstream")
}

/// Where a directive's argument holds code: its language, which argument,
/// and which argument names the variable the code's value sets.
fn code_argument(d: &Directive<'_>) -> Option<(Lang, usize, Option<usize>)> {
    let name = d.name().value();
    match name.as_ref() {
        "set_by_lua" => Some((Lang::Lua, 1, Some(0))),
        "perl_set" => Some((Lang::Perl, 1, Some(0))),
        "perl" => Some((Lang::Perl, 0, None)),
        lua if lua.ends_with("_by_lua") => Some((Lang::Lua, 0, None)),
        _ => None,
    }
}

struct Detector<'u> {
    options: Options,
    upstreams: &'u Upstreams,
}

impl Detector<'_> {
    /// The directives of a tree (a file, or a comment parsed as one);
    /// `unread` is given for a file, with its id.
    fn tree(
        &self,
        tree: &SyntaxTree,
        scope: &Scope<'_>,
        outer_map: Option<MapSecrets>,
        out: &mut Vec<Found>,
        mut unread: Option<(FileId, &mut Vec<Unread>)>,
    ) {
        for d in tree.directives().filter(|d| !untouchable(d)) {
            detect::directive(scope, &d, outer_map, out);
            let before = out.len();
            // The name of a directive with a Lua body is syntax: it decides
            // how the body parses.
            if d.lua_code().is_none() {
                self.argument(scope.word(&d.name()), out);
            }
            let args = detect::arguments(scope, &d);
            let code = code_argument(&d);
            for (i, arg) in args.iter().enumerate() {
                match code {
                    Some((lang, at, returns)) if at == i => {
                        let returns = returns.and_then(|r| args.get(r)).map(|r| r.text);
                        code::code_in_word(*arg, lang, returns, out);
                        self.hosts_in_text(*arg, false, out);
                    }
                    _ => self.argument(*arg, out),
                }
            }
            if NOT_RANDOM.contains(&d.name().value().as_ref()) {
                let mut index = 0;
                out.retain(|f| {
                    index += 1;
                    index <= before || f.kind != Kind::HighEntropy
                });
            }
            if self.options.hosts {
                let in_upstream = match &unread {
                    Some((file, _)) => self.upstreams.servers.contains(&(*file, d.index())),
                    // Directives in a comment are no part of the model:
                    // there a `server` is an upstream's when the comment
                    // holds the block around it.
                    None => d.parent().is_some_and(|p| p.name().value() == "upstream"),
                };
                hosts::directive(scope, &d, in_upstream, &self.upstreams.names, out);
            }
            let name = d.name().value();
            if let Some((file, unread)) = unread.as_mut() {
                let inline = d
                    .args()
                    .next()
                    .is_some_and(|a| a.value().starts_with("data:"));
                if detect::SECRET_FILES.contains(&name.as_ref()) && !inline {
                    unread.push(Unread {
                        file: *file,
                        line: d.line_col().line,
                        directive: name.into_owned(),
                    });
                }
            }
        }
    }

    /// Comments (and the directives commented out in them) and Lua code.
    fn free_texts(
        &self,
        tree: &SyntaxTree,
        text: &str,
        file_map: Option<MapSecrets>,
        out: &mut Vec<Found>,
    ) {
        for (start, masked) in commented_blocks(tree, text) {
            if let Ok(inner) = syntax::parse(masked.as_bytes().to_vec()) {
                let scope = Scope {
                    text: &masked,
                    base: start,
                };
                let map = map_around(tree, start, file_map);
                self.tree(&inner, &scope, map, out, None);
            }
        }
        for comment in tree.comments() {
            let span = comment.span();
            let body = &text[span.start as usize + 1..span.end as usize];
            let piece = Piece::new(span.start + 1, body.strip_suffix('\r').unwrap_or(body));
            detect::free_text(piece.literal(), true, out);
            self.hosts_in_text(piece, true, out);
            if let Ok(inner) = syntax::parse(piece.text.as_bytes().to_vec()) {
                let scope = Scope {
                    text: piece.text,
                    base: piece.start,
                };
                let map = map_around(tree, piece.start, file_map);
                self.tree(&inner, &scope, map, out, None);
            }
        }
        for d in tree.directives() {
            let Some(span) = d.lua_code() else { continue };
            let piece = Piece::new(span.start, &text[span.range()]);
            // `set_by_lua_block $token { ... }`: what it returns is $token.
            let returns = match d.name().value().as_ref() {
                "set_by_lua_block" => d.args().next().map(|a| a.value()),
                _ => None,
            };
            code::code(piece, Lang::Lua, returns.as_deref(), out);
            // Only inside strings and comments, as the code's own
            // detectors: elsewhere a host could run over Lua syntax
            // (`http://p--x`, where `--` opens a comment).
            for (start, end) in code::lua_text_ranges(piece) {
                let inside = Piece::new(start, &text[start as usize..end as usize]);
                self.hosts_in_text(inside, false, out);
            }
        }
    }

    /// An argument (or a directive's name) as free text.
    fn argument(&self, piece: Piece<'_>, out: &mut Vec<Found>) {
        detect::free_text(piece, false, out);
        self.hosts_in_text(piece, false, out);
    }

    /// With `--hosts`, the addresses (and, outside comments, the URL
    /// hosts) in a text.
    fn hosts_in_text(&self, piece: Piece<'_>, comment: bool, out: &mut Vec<Found>) {
        if self.options.hosts {
            hosts::free_text(piece, comment, &self.upstreams.names, out);
        }
    }
}

/// Secrets of 8 characters or more, and dotted host names, found anywhere
/// are redacted wherever else they appear as a whole word: in arguments,
/// comments and Lua strings and comments (never in `include` or
/// `upstream` names).
fn propagate(
    config: &ConfigTree,
    texts: &[std::borrow::Cow<'_, str>],
    found: &mut [Vec<Found>],
    upstreams: &HashSet<String>,
) {
    let mut known: BTreeMap<&str, (Kind, Value)> = BTreeMap::new();
    for (id, list) in found.iter().enumerate() {
        for f in list {
            let original = &texts[id][f.start as usize..f.end as usize];
            // A plain word is never spread: after `password:` in prose it
            // is a guess, and renaming `keepalive` everywhere would break
            // the configuration.
            let wanted = match f.value {
                Value::Secret => original.len() >= 8 && !detect::is_plain_word(original),
                Value::Host { escaped: false } => original.contains('.'),
                _ => false,
            };
            if wanted && !upstreams.contains(&original.to_ascii_lowercase()) {
                known
                    .entry(original)
                    .or_insert_with(|| (f.kind, f.value.clone()));
            }
        }
    }
    if known.is_empty() {
        return;
    }
    // Longest first: the regex takes the first alternative that matches.
    let mut keys: Vec<&str> = known.keys().copied().collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let pattern = keys
        .iter()
        .map(|k| regex::escape(k))
        .collect::<Vec<_>>()
        .join("|");
    let Ok(search) = regex::Regex::new(&pattern) else {
        return; // too many to compile: each was still redacted where found
    };
    for (id, file) in config.files().iter().enumerate() {
        let text: &str = &texts[id];
        let bytes = text.as_bytes();
        let regions = searchable(&file.tree, text);
        for (start, end) in regions {
            let region = &text[start as usize..end as usize];
            for m in search.find_iter(region) {
                let (s, e) = (start as usize + m.start(), start as usize + m.end());
                let (kind, value) = &known[m.as_str()];
                let host = matches!(value, Value::Host { .. });
                let glued_before = s
                    .checked_sub(1)
                    .is_some_and(|i| is_word_byte(bytes[i], host));
                let glued_after = bytes.get(e).is_some_and(|&b| {
                    is_word_byte(b, false)
                        || (host
                            && (b == b'-'
                                || (b == b'.'
                                    && bytes.get(e + 1).is_some_and(u8::is_ascii_alphanumeric))))
                });
                if !glued_before && !glued_after {
                    found[id].push(Found {
                        start: s as u32,
                        end: e as u32,
                        kind: *kind,
                        value: value.clone(),
                    });
                }
            }
        }
    }
}

fn is_word_byte(b: u8, host: bool) -> bool {
    b.is_ascii_alphanumeric() || (host && matches!(b, b'.' | b'-' | b'_'))
}

/// The byte ranges a propagated secret may be replaced in: arguments of
/// every directive but `include` and `upstream` (never directive names nor
/// paths), comments, and the strings and comments of Lua code.
fn searchable(tree: &SyntaxTree, text: &str) -> Vec<(u32, u32)> {
    let mut regions = Vec::new();
    for d in tree.directives().filter(|d| !untouchable(d)) {
        for word in d.args().filter(|w| !w.value().starts_with('/')) {
            let span = word.span();
            let quoted = u32::from(word.quote() != Quote::None && span.len() >= 2);
            regions.push((span.start + quoted, span.end - quoted));
        }
    }
    for token in tree.tokens() {
        match token.kind {
            TokenKind::Comment => regions.push((token.start, token.end)),
            TokenKind::LuaCode => regions.extend(code::lua_text_ranges(Piece::new(
                token.start,
                &text[token.span().range()],
            ))),
            _ => {}
        }
    }
    regions
}

/// Sorted, overlapping ranges merged into one (a secret then), ranges
/// inside another dropped, and nothing that names an upstream or is a
/// placeholder already (so a second run changes nothing).
fn merge(mut found: Vec<Found>, text: &str, upstreams: &HashSet<String>) -> Vec<Found> {
    found.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let mut merged: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        if f.start >= f.end {
            continue;
        }
        if let Some(last) = merged.last_mut() {
            if f.start < last.end {
                if f.end > last.end {
                    last.end = f.end;
                    if last.value != Value::Secret {
                        last.value = Value::Secret;
                        last.kind = if f.value == Value::Secret {
                            f.kind
                        } else {
                            Kind::HighEntropy
                        };
                    }
                }
                continue;
            }
        }
        merged.push(f);
    }
    for f in &mut merged {
        (f.start, f.end) = keep_tokens(text, f.start, f.end);
    }
    merged.retain(|f| {
        let original = &text[f.start as usize..f.end as usize];
        f.start < f.end
            && !upstreams.contains(&original.to_ascii_lowercase())
            && !placeholder::is_placeholder(original)
    });
    merged
}

/// A range narrowed so that replacing it cannot change where the grammar
/// ends a word, whatever the detector that found it took the text for:
///
/// - the `$` that keeps a `{` in its word (`abc${x}`: nginx reads that `{`
///   as a character, even where `$` is no variable, as in `env`) stays with
///   the `{`: replaced, it would leave the `{` to open a block;
/// - a `\` escaping a byte after the range that means something (a `;`,
///   a quote, a brace, whitespace, another `\`) stays with it: replaced,
///   it would let the `;` end the directive or the quote the string;
/// - a line break escaped by a `\` before the range stays with it: what a
///   range leaves of its line breaks ([`line_breaks`]) is unescaped.
///
/// Only such punctuation is left out, never the secret's letters; a range
/// left empty is dropped.
fn keep_tokens(text: &str, mut start: u32, mut end: u32) -> (u32, u32) {
    let bytes = text.as_bytes();
    // Whether the byte at `at` is escaped: an odd run of `\` before it.
    let escaped = |at: u32| {
        let run = bytes[..at as usize]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        run % 2 == 1
    };
    if start < end && bytes[start as usize].is_ascii_whitespace() && escaped(start) {
        start += 1;
    }
    if bytes.get(end as usize) == Some(&b'{') {
        // The `{` after the range is a character of its word when the run
        // of `{` it ends starts right after a `$`.
        let mut dollar = end;
        while dollar > 0 && bytes[dollar as usize - 1] == b'{' {
            dollar -= 1;
        }
        if dollar > 0 && bytes[dollar as usize - 1] == b'$' && !escaped(dollar - 1) {
            end = (dollar - 1).max(start);
        }
    }
    let meaningful = |b: u8| b.is_ascii() && !b.is_ascii_alphanumeric();
    if start < end && bytes.get(end as usize).is_some_and(|&b| meaningful(b)) && escaped(end) {
        end -= 1;
    }
    (start, end)
}

#[cfg(test)]
mod tests;
