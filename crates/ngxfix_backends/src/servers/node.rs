//! Node.js: `keepAliveTimeout` (milliseconds) of the HTTP servers a
//! JavaScript or TypeScript file creates, set as a property
//! (`server.keepAliveTimeout = 65000`) or as a `createServer` option.
//!
//! Facts this module relies on (nodejs/node `lib/_http_server.js`,
//! `doc/api/http.md`; checked against the installed Node 20):
//! - The default is 5000 ms from Node 8 through 26 and 65000 ms on main
//!   (nodejs/node#62782, expected in Node 27). The kinds table
//!   ([`super::kinds`]) holds these defaults; this module reads them there.
//! - `0` disables the keep-alive timer: the socket then only has
//!   `server.timeout`, 0 (none) by default since Node 13.
//! - After the last response the socket times out after `keepAliveTimeout +
//!   keepAliveTimeoutBuffer`: a fixed 1000 ms since 20.18 (nodejs/node#54863),
//!   settable since 22.19/24.6 (#59243). The reading is keepAliveTimeout
//!   itself, the conservative value nginx must stay under.
//! - `createServer` reads `keepAliveTimeout`, `headersTimeout` and
//!   `requestTimeout` options since Node 18 (#41263) and throws when
//!   `headersTimeout > requestTimeout` there (both non-zero); assigning the
//!   properties later is not checked.
//! - `headersTimeout` defaults to min(60000, requestTimeout), and
//!   `requestTimeout` to 300000 (Node 18+); headersTimeout was 40000 before
//!   12.17/13.5. Node 10–12 closed idle keep-alive sockets at headersTimeout
//!   (nodejs/node#27363), so a raised keepAliveTimeout keeps headersTimeout
//!   above it.
//! - fastify creates the server with its own `keepAliveTimeout` option,
//!   72000 ms by default.

use std::collections::BTreeMap;

use crate::lang::js::eval::{self, Literal, NotLiteral};
use crate::lang::js::lex::{Kind, Tokens};

use crate::format::{need, Need, ServerFormat};
use crate::kinds::{ServerKind, NODE_KEEP_ALIVE_TIMEOUT_SINCE, NODE_OLD_SERVER_TIMEOUT};
use crate::text::{self, line_ending, line_of};
use crate::{Idle, RaiseError, Reading, Source, TextEdit};
use ngxfix_text::Duration;

const KIND: &str = "node";
const FASTIFY_DEFAULT_MS: u64 = 72_000;
const REQUEST_TIMEOUT_DEFAULT_MS: u64 = 300_000;
const HEADERS_TIMEOUT_CAP_MS: u64 = 60_000;
const HEADERS_MARGIN_MS: u64 = 1000;
/// `server.timeout`'s default before Node 13 (0, none, since).
const OLD_SERVER_TIMEOUT_MS: u64 = NODE_OLD_SERVER_TIMEOUT.as_millis();

/// Node.js: the source that creates the HTTP servers.
#[derive(Debug)]
pub(crate) struct Node;

impl ServerFormat for Node {
    fn kinds(&self) -> &'static [&'static str] {
        &["node", "nodejs"]
    }

    fn files(&self) -> &'static str {
        "the JavaScript or TypeScript source that creates the server"
    }

    fn read(&self, src: &Source<'_>) -> Reading {
        read(src)
    }

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<TextEdit>, RaiseError> {
        edits(src, target)
    }
}

/// The idle keepalive timeout the servers in a Node.js source file get.
fn read(src: &Source<'_>) -> Reading {
    let t = Tokens::new(src.text);
    let file = File::new(&t, src);
    let (idle, detail) = file.reading();
    Reading {
        idle,
        kind: KIND,
        detail,
    }
}

/// Edits that give every server in the file a keepAliveTimeout of at least
/// `target`, keeping headersTimeout (and requestTimeout) consistent.
fn edits(src: &Source<'_>, target: Duration) -> Result<Vec<TextEdit>, RaiseError> {
    let t = Tokens::new(src.text);
    let file = File::new(&t, src);
    file.raise(target.as_millis())
}

/// The settings ngxfix reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prop {
    KeepAlive,
    Headers,
    Request,
    Buffer,
    /// `server.timeout` / `server.setTimeout()`: only matters when
    /// keepAliveTimeout is 0.
    Timeout,
}

impl Prop {
    fn from_name(name: &str) -> Option<Prop> {
        Some(match name {
            "keepAliveTimeout" => Prop::KeepAlive,
            "headersTimeout" => Prop::Headers,
            "requestTimeout" => Prop::Request,
            "keepAliveTimeoutBuffer" => Prop::Buffer,
            "timeout" => Prop::Timeout,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Prop::KeepAlive => "keepAliveTimeout",
            Prop::Headers => "headersTimeout",
            Prop::Request => "requestTimeout",
            Prop::Buffer => "keepAliveTimeoutBuffer",
            Prop::Timeout => "timeout",
        }
    }
}

/// Where a setting is written.
#[derive(Debug, Clone)]
enum Place {
    /// `target.prop = value`: the statement's first and last tokens.
    Assign {
        target: String,
        first: usize,
        last: usize,
        semicolon: bool,
    },
    /// `prop: value` in an options object: the object's `{` and the
    /// value's last token.
    Option { object: usize, value_last: usize },
    /// `target.setTimeout(...)`.
    Call { target: String },
}

#[derive(Debug, Clone)]
struct Setting {
    prop: Prop,
    value: Result<Literal, Unreadable>,
    line: usize,
    /// The statement as written, for messages.
    stmt: String,
    place: Place,
    /// Source order; options come first, as they apply at construction.
    order: usize,
}

/// What makes a server.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Maker {
    /// `http.createServer`, `https.createServer`, `new http.Server`,
    /// `app.listen` assigned to a variable.
    Http,
    Fastify,
    /// A fastify server whose keep-alive ngxfix does not read (HTTP/2,
    /// serverFactory): why.
    Unsupported(String),
}

#[derive(Debug, Clone)]
struct Creation {
    maker: Maker,
    /// The variable (or property) it is assigned to.
    name: Option<String>,
    /// The callee as written, for messages.
    callee: String,
    line: usize,
    /// The options object's `{`.
    options: Option<usize>,
    /// The statement's first and last tokens.
    first: usize,
    last: usize,
    semicolon: bool,
}

impl Creation {
    /// The expression settings are assigned on.
    fn target(&self) -> Option<String> {
        let name = self.name.as_ref()?;
        Some(match self.maker {
            Maker::Fastify => format!("{name}.server"),
            _ => name.clone(),
        })
    }

    /// Every expression that names the server: a class field
    /// (`server = http.createServer(...)` in a class body) is configured
    /// as `this.server`.
    fn targets(&self) -> Vec<String> {
        let Some(target) = self.target() else {
            return Vec::new();
        };
        let bare = self.name.as_deref().is_some_and(|n| {
            n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        });
        if bare {
            vec![format!("this.{target}"), target]
        } else {
            vec![target]
        }
    }
}

/// A server: made in this file, or only configured here (an assignment on
/// a server made elsewhere).
#[derive(Debug)]
struct Server {
    label: String,
    creation: Option<usize>,
    targets: Vec<String>,
    settings: Vec<Setting>,
}

/// What a server's setting comes to after all its statements.
enum State<'s> {
    Unset,
    Known(&'s Setting, &'s Literal),
    Unknown(String),
}

/// A file's servers and what it says about them.
struct File<'t, 'a> {
    t: &'t Tokens<'a>,
    src: &'t Source<'a>,
    creations: Vec<Creation>,
    servers: Vec<Server>,
    /// `app.listen(...)` calls not kept in a variable: line and callee.
    unassigned: Vec<(usize, String)>,
    /// Whether Node applies createServer options (Node 18+).
    options_honoured: bool,
}

impl<'t, 'a> File<'t, 'a> {
    fn new(t: &'t Tokens<'a>, src: &'t Source<'a>) -> Self {
        let bindings = bindings(t);
        let (creations, unassigned) = creations(t, &bindings);
        let mut file = File {
            t,
            src,
            creations,
            servers: Vec::new(),
            unassigned,
            options_honoured: src.version.is_none_or(|v| v >= 18),
        };
        file.servers = file.gather(assignments(t));
        file
    }

    /// Servers from creations, then from keepAliveTimeout assignments on
    /// anything else; other settings join the server they are assigned on.
    fn gather(&self, assigned: Vec<Setting>) -> Vec<Server> {
        let mut servers: Vec<Server> = self
            .creations
            .iter()
            .enumerate()
            .map(|(i, c)| Server {
                label: c
                    .target()
                    .unwrap_or_else(|| format!("the server of {} at line {}", c.callee, c.line)),
                creation: Some(i),
                targets: c.targets(),
                settings: self.option_settings(c),
            })
            .collect();
        for s in &assigned {
            let Some(target) = assign_target(s) else {
                continue;
            };
            if s.prop == Prop::KeepAlive && !servers.iter().any(|v| v.targets.contains(target)) {
                servers.push(Server {
                    label: target.clone(),
                    creation: None,
                    targets: vec![target.clone()],
                    settings: Vec::new(),
                });
            }
        }
        for s in assigned {
            let Some(target) = assign_target(&s) else {
                continue;
            };
            // Every server kept in that variable (`let server; if (tls)
            // server = https.createServer(...) else ...`) gets it.
            for server in servers.iter_mut().filter(|v| v.targets.contains(target)) {
                server.settings.push(s.clone());
            }
        }
        for server in &mut servers {
            server.settings.sort_by_key(|s| s.order);
        }
        servers
    }

    /// The settings in a creation's options object.
    fn option_settings(&self, c: &Creation) -> Vec<Setting> {
        let Some(object) = c.options else {
            return Vec::new();
        };
        let wanted: &[Prop] = match c.maker {
            Maker::Http => &[Prop::KeepAlive, Prop::Headers, Prop::Request, Prop::Buffer],
            Maker::Fastify => &[Prop::KeepAlive],
            Maker::Unsupported(_) => &[],
        };
        object_props(self.t, object)
            .into_iter()
            .filter_map(|(key, value_first)| {
                let prop = Prop::from_name(self.t.s(key))
                    .or_else(|| Prop::from_name(self.t.str_value(key)?))?;
                wanted
                    .contains(&prop)
                    .then(|| self.option_setting(prop, object, key, value_first))
            })
            .collect()
    }

    fn option_setting(&self, prop: Prop, object: usize, key: usize, value_first: usize) -> Setting {
        let t = self.t;
        let (value, end) = match value_first {
            // Shorthand `{ keepAliveTimeout }` is a variable.
            v if v == key => (Err(NotLiteral::Computed), key + 1),
            v => eval::evaluate(t, v),
        };
        let value_last = end.saturating_sub(1).max(key);
        let line = line_of(t.text, t.toks[key].start);
        let stmt = snippet(t, key, value_last);
        Setting {
            prop,
            value: value.map_err(|e| not_literal_why(&stmt, line, &e, t, value_first, end)),
            line,
            stmt,
            place: Place::Option { object, value_last },
            order: 0,
        }
    }

    fn state<'s>(&self, server: &'s Server, prop: Prop) -> State<'s> {
        let mut state = State::Unset;
        for s in server.settings.iter().filter(|s| s.prop == prop) {
            if matches!(s.place, Place::Option { .. })
                && !self.options_honoured
                && self.maker_of(server) == Some(&Maker::Http)
            {
                continue;
            }
            state = match &s.value {
                Ok(lit) => State::Known(s, lit),
                Err(why) => State::Unknown(why.to_string()),
            };
        }
        state
    }

    fn maker_of(&self, server: &Server) -> Option<&Maker> {
        server.creation.map(|i| &self.creations[i].maker)
    }

    fn default_ms(&self, server: Option<&Server>) -> u64 {
        match server.and_then(|s| self.maker_of(s)) {
            Some(Maker::Fastify) => FASTIFY_DEFAULT_MS,
            _ => node_default_ms(self.src.version),
        }
    }

    fn default_note(&self, server: Option<&Server>) -> String {
        if matches!(server.and_then(|s| self.maker_of(s)), Some(Maker::Fastify)) {
            return format!("fastify's default keepAliveTimeout, {FASTIFY_DEFAULT_MS} ms");
        }
        let path = self.src.path;
        let ignored = if !self.options_honoured
            && server.is_some_and(|s| {
                s.settings
                    .iter()
                    .any(|x| x.prop == Prop::KeepAlive && matches!(x.place, Place::Option { .. }))
            }) {
            " (Node before 18 ignores the keepAliveTimeout option of createServer)"
        } else {
            ""
        };
        match self.src.version {
            Some(v) if v < NODE_KEEP_ALIVE_TIMEOUT_SINCE => format!(
                "Node {v} has no keepAliveTimeout: server.timeout, {OLD_SERVER_TIMEOUT_MS} ms by default, closes idle connections"
            ),
            Some(v) => format!("Node {v}'s default, {} ms{ignored}", node_default_ms(Some(v))),
            None => {
                // The latest change of default, as the kinds table gives it.
                let since = ServerKind::own(KIND).changed_in().unwrap_or_default();
                let before = since.saturating_sub(1);
                format!(
                    "Node's default, {} ms through Node {before} ({} ms from Node {since}: give the version as node@{since}:{path})",
                    node_default_ms(Some(before)),
                    node_default_ms(Some(since))
                )
            }
        }
    }

    /// A server's idle timeout and where it comes from.
    fn idle_of(&self, server: &Server) -> (Idle, String) {
        if let Some(c) = server.creation.map(|i| &self.creations[i]) {
            if let Maker::Unsupported(why) = &c.maker {
                let why = format!("{why} (line {})", c.line);
                return (Idle::Unknown(why.clone()), why);
            }
        }
        match self.state(server, Prop::KeepAlive) {
            State::Known(s, lit) if lit.value == 0 => self.disabled(server, s),
            State::Known(s, lit) => (
                Idle::After(Duration::from_millis(lit.value)),
                format!("{} at line {}", s.stmt, s.line),
            ),
            State::Unknown(why) => (Idle::Unknown(why.clone()), why),
            State::Unset => {
                let ms = self.default_ms(Some(server));
                let note = self.default_note(Some(server));
                let detail = if server.creation.is_some() && self.servers.len() == 1 {
                    format!("keepAliveTimeout is not set in {}: {note}", self.src.path)
                } else {
                    format!("{} has no keepAliveTimeout: {note}", server.label)
                };
                (Idle::After(Duration::from_millis(ms)), detail)
            }
        }
    }

    /// keepAliveTimeout 0: no idle timer, unless `server.timeout` is set.
    fn disabled(&self, server: &Server, s: &Setting) -> (Idle, String) {
        let timeout = server.settings.iter().find(|x| x.prop == Prop::Timeout);
        match timeout {
            Some(x) => {
                let why = format!(
                    "{} at line {} turns the keep-alive timer off, and then {} at line {} decides how long an idle connection stays open",
                    s.stmt, s.line, x.stmt, x.line
                );
                (Idle::Unknown(why.clone()), why)
            }
            None => match self.src.version {
                Some(v) if v < 13 => (
                    Idle::After(Duration::from_millis(OLD_SERVER_TIMEOUT_MS)),
                    format!(
                        "{} at line {} turns the keep-alive timer off: Node {v} then closes idle connections at server.timeout, {OLD_SERVER_TIMEOUT_MS} ms by default",
                        s.stmt, s.line
                    ),
                ),
                v => (
                    Idle::Never,
                    format!(
                        "{} at line {}: no idle timeout (Node keeps idle connections open{})",
                        s.stmt,
                        s.line,
                        if v.is_none() {
                            format!("; before Node 13, server.timeout closed them after {OLD_SERVER_TIMEOUT_MS} ms")
                        } else {
                            String::new()
                        }
                    ),
                ),
            },
        }
    }

    /// The reading for the whole file: the shortest of its servers.
    fn reading(&self) -> (Idle, String) {
        if self.servers.is_empty() {
            let ms = node_default_ms(self.src.version);
            let detail = format!(
                "keepAliveTimeout is not set in {}: {}{}",
                self.src.path,
                self.default_note(None),
                self.buffer_note(None)
            );
            return (Idle::After(Duration::from_millis(ms)), detail);
        }
        let idles: Vec<(Idle, String, &Server)> = self
            .servers
            .iter()
            .map(|s| {
                let (idle, detail) = self.idle_of(s);
                (idle, detail, s)
            })
            .collect();
        if let Some((idle, detail, _)) = idles.iter().find(|(i, ..)| matches!(i, Idle::Unknown(_)))
        {
            return (idle.clone(), detail.clone());
        }
        let shortest = idles
            .iter()
            .filter_map(|(idle, detail, server)| match idle {
                Idle::After(d) => Some((*d, detail, *server)),
                _ => None,
            })
            .min_by_key(|(d, ..)| *d);
        let many = if self.servers.len() > 1 {
            format!(", the shortest of {} servers", self.servers.len())
        } else {
            String::new()
        };
        match shortest {
            Some((d, detail, server)) => (
                Idle::After(d),
                format!("{detail}{many}{}", self.buffer_note(Some(server))),
            ),
            None => (Idle::Never, format!("{}{many}", idles[0].1)),
        }
    }

    /// What recent Node versions add before closing.
    fn buffer_note(&self, server: Option<&Server>) -> String {
        if let Some(server) = server {
            if let State::Known(s, lit) = self.state(server, Prop::Buffer) {
                return format!(
                    "; Node 22.19+/24.6+ close the idle socket keepAliveTimeoutBuffer = {} ms after it (line {})",
                    lit.value, s.line
                );
            }
        }
        match self.src.version {
            Some(v) if v < 20 => String::new(),
            _ => "; Node 20.18 and later close the idle socket keepAliveTimeoutBuffer (1000 ms) after it"
                .to_string(),
        }
    }

    fn raise(&self, target_ms: u64) -> Result<Vec<TextEdit>, RaiseError> {
        if self.servers.is_empty() {
            return Err(RaiseError::Nowhere(self.nowhere(target_ms)));
        }
        let mut plan = Plan::default();
        for server in &self.servers {
            match need(&self.idle_of(server).0, Duration::from_millis(target_ms)) {
                Ok(Need::Nothing) => continue,
                Ok(_) => {}
                Err(unknown) => {
                    return Err(RaiseError::ByHand {
                        why: unknown.to_string(),
                        setting: format!(
                            "{} to at least {target_ms}",
                            server_prop(server, "keepAliveTimeout")
                        ),
                    })
                }
            }
            self.raise_server(server, target_ms, &mut plan)?;
        }
        Ok(plan.edits(self.t))
    }

    /// Why there is nowhere to put the setting.
    fn nowhere(&self, target_ms: u64) -> String {
        match self.unassigned.first() {
            Some((line, callee)) => format!(
                "{callee}(...) at line {line} of {} does not keep the server it creates: write `const server = {callee}(...)` and add `server.keepAliveTimeout = {target_ms};` after it",
                self.src.path
            ),
            None => format!(
                "no HTTP server is created in {} (http.createServer, https.createServer, new http.Server, fastify(), or `const server = app.listen(...)`): add `server.keepAliveTimeout = {target_ms};` after the statement that creates it",
                self.src.path
            ),
        }
    }

    fn raise_server(
        &self,
        server: &Server,
        target_ms: u64,
        plan: &mut Plan,
    ) -> Result<(), RaiseError> {
        let (new_k, anchor) = match self.state(server, Prop::KeepAlive) {
            State::Known(s, lit) => {
                let (start, end, text, value) = eval::rewrite(lit, target_ms);
                plan.replace(start, end, text);
                (value, Anchor::Setting(s.place.clone()))
            }
            _ => (target_ms, self.add_keepalive(server, target_ms, plan)?),
        };
        // fastify needs Node 14+, where headersTimeout no longer closes
        // idle connections; its own options do not include it.
        if matches!(self.maker_of(server), Some(Maker::Fastify)) {
            return Ok(());
        }
        self.keep_headers_above(server, new_k, &anchor, plan);
        Ok(())
    }

    /// Adds keepAliveTimeout where the server has none: a line after the
    /// statement that creates it, or an option of an unnamed server.
    fn add_keepalive(
        &self,
        server: &Server,
        value: u64,
        plan: &mut Plan,
    ) -> Result<Anchor, RaiseError> {
        let c = server.creation.map(|i| &self.creations[i]).ok_or_else(|| {
            RaiseError::Nowhere(format!("{} has no keepAliveTimeout to raise", server.label))
        })?;
        if let Some(target) = c.target() {
            if in_class_body(self.t, c.first) {
                return Err(RaiseError::Nowhere(format!(
                    "the server {} creates at line {} of {} is a class field: set this.{target}.keepAliveTimeout = {value} where the class sets it up (its constructor)",
                    c.callee, c.line, self.src.path
                )));
            }
            let semi = if c.semicolon { ";" } else { "" };
            let at = plan.add_line(
                self.t,
                c.first,
                c.last,
                format!("{target}.keepAliveTimeout = {value}{semi}"),
            );
            return Ok(Anchor::Line {
                at,
                target,
                semicolon: c.semicolon,
            });
        }
        match c.options {
            Some(object) if self.options_honoured || c.maker == Maker::Fastify => {
                plan.add_prop(object, None, "keepAliveTimeout", value);
                Ok(Anchor::NewOption { object })
            }
            _ => Err(RaiseError::Nowhere(format!(
                "the server {} creates at line {} of {} is not kept in a variable: write `const server = {}(...)` and add `server.keepAliveTimeout = {value};` after it",
                c.callee, c.line, self.src.path, c.callee
            ))),
        }
    }

    /// Keeps headersTimeout above the new keepAliveTimeout, and
    /// requestTimeout at or above headersTimeout where Node checks it.
    fn keep_headers_above(&self, server: &Server, new_k: u64, anchor: &Anchor, plan: &mut Plan) {
        let request = self.state(server, Prop::Request);
        let wanted = new_k.saturating_add(HEADERS_MARGIN_MS);
        let (new_h, h_anchor) = match self.state(server, Prop::Headers) {
            State::Known(_, lit) if lit.value == 0 || lit.value > new_k => return,
            State::Known(s, lit) => {
                let (start, end, text, value) = eval::rewrite(lit, wanted);
                plan.replace(start, end, text);
                (value, Anchor::Setting(s.place.clone()))
            }
            State::Unknown(_) => return,
            State::Unset => {
                let cap = headers_timeout_cap(self.src.version);
                let default = match &request {
                    State::Known(_, r) => r.value.min(cap),
                    _ => cap,
                };
                if default == 0 || default > new_k {
                    return;
                }
                self.add_beside(anchor, Prop::Headers, wanted, plan);
                (wanted, anchor.clone())
            }
        };
        match request {
            State::Known(_, r) if r.value > 0 && r.value < new_h => {
                let (start, end, text, _) = eval::rewrite(r, new_h);
                plan.replace(start, end, text);
            }
            // createServer throws when a headersTimeout option exceeds the
            // default requestTimeout; assigned properties are not checked.
            State::Unset if h_anchor.is_option() && new_h > REQUEST_TIMEOUT_DEFAULT_MS => {
                self.add_beside(&h_anchor, Prop::Request, new_h, plan);
            }
            _ => {}
        }
    }

    /// Adds `prop` next to the setting `anchor` points at.
    fn add_beside(&self, anchor: &Anchor, prop: Prop, value: u64, plan: &mut Plan) {
        let line = |target: &str, semicolon: bool| {
            let semi = if semicolon { ";" } else { "" };
            format!("{target}.{} = {value}{semi}", prop.name())
        };
        match anchor {
            Anchor::Setting(Place::Option {
                object, value_last, ..
            }) => plan.add_prop(*object, Some(*value_last), prop.name(), value),
            Anchor::NewOption { object } => plan.add_prop(*object, None, prop.name(), value),
            Anchor::Setting(Place::Assign {
                target,
                first,
                last,
                semicolon,
            }) => {
                plan.add_line(self.t, *first, *last, line(target, *semicolon));
            }
            Anchor::Line {
                at,
                target,
                semicolon,
            } => plan.append_line_at(*at, line(target, *semicolon)),
            Anchor::Setting(Place::Call { .. }) => {}
        }
    }
}

/// Where keepAliveTimeout now is, for settings that go beside it.
#[derive(Clone)]
enum Anchor {
    Setting(Place),
    /// Added as a line at this insertion offset.
    Line {
        at: usize,
        target: String,
        semicolon: bool,
    },
    /// Added as an option of this object.
    NewOption {
        object: usize,
    },
}

impl Anchor {
    fn is_option(&self) -> bool {
        matches!(
            self,
            Anchor::NewOption { .. } | Anchor::Setting(Place::Option { .. })
        )
    }
}

/// A property to add to an options object: name and value.
type NewProp = (&'static str, u64);

/// Edits being gathered: replacements, new lines (grouped by where they
/// go, so that lines added at one place come out in order) and new
/// options (grouped by the object and the property they follow).
#[derive(Default)]
struct Plan {
    replacements: Vec<TextEdit>,
    /// Insertion offset → indentation and lines.
    lines: BTreeMap<usize, (String, Vec<String>)>,
    /// (object `{`, property whose value ends there) → new properties.
    props: BTreeMap<(usize, Option<usize>), Vec<NewProp>>,
}

impl Plan {
    /// Replaces a value; a value shared by several servers is replaced
    /// once, with the largest value asked.
    fn replace(&mut self, start: usize, end: usize, text: String) {
        let edit = TextEdit { start, end, text };
        match self
            .replacements
            .iter_mut()
            .find(|e| e.start == start && e.end == end)
        {
            Some(old) if is_larger(&edit.text, &old.text) => *old = edit,
            Some(_) => {}
            None => self.replacements.push(edit),
        }
    }

    /// Adds a line after the statement `first..=last`, indented as its
    /// first line; returns the insertion offset.
    fn add_line(&mut self, t: &Tokens<'_>, first: usize, last: usize, line: String) -> usize {
        let text = t.text;
        let indent = indentation(text, t.toks[first].start).to_string();
        let at = next_line_start(text, t.toks[last].end);
        self.lines
            .entry(at)
            .or_insert_with(|| (indent, Vec::new()))
            .1
            .push(line);
        at
    }

    fn append_line_at(&mut self, at: usize, line: String) {
        if let Some(entry) = self.lines.get_mut(&at) {
            entry.1.push(line);
        }
    }

    /// Adds a property to the object whose `{` is `object`: after the
    /// property whose value ends at token `after`, or after the last one.
    fn add_prop(&mut self, object: usize, after: Option<usize>, name: &'static str, value: u64) {
        self.props
            .entry((object, after))
            .or_default()
            .push((name, value));
    }

    fn edits(self, t: &Tokens<'_>) -> Vec<TextEdit> {
        let text = t.text;
        let eol = line_ending(text);
        let mut out = self.replacements;
        for (at, (indent, lines)) in self.lines {
            let body: String = lines.iter().map(|l| format!("{indent}{l}{eol}")).collect();
            let body = if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
                format!("{eol}{}", body.strip_suffix(eol).unwrap_or(&body))
            } else {
                body
            };
            out.push(TextEdit {
                start: at,
                end: at,
                text: body,
            });
        }
        for ((object, after), props) in self.props {
            out.extend(prop_edits(t, object, after, &props));
        }
        out
    }
}

/// The edits that add `props` to an object literal after the property
/// whose value ends at `after` (or the last property), in the object's
/// style: on new lines, with or without trailing commas, or inline.
fn prop_edits(
    t: &Tokens<'_>,
    object: usize,
    after: Option<usize>,
    props: &[(&str, u64)],
) -> Vec<TextEdit> {
    let text = t.text;
    let insert = |at: usize, s: String| TextEdit {
        start: at,
        end: at,
        text: s,
    };
    let items = object_items(t, object);
    let Some(close) = t.partner[object] else {
        return Vec::new();
    };
    let Some(last) = after.or_else(|| items.last().map(|&(_, last)| last)) else {
        // `{}`: the first properties.
        let body: Vec<String> = props.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        return vec![insert(t.toks[object].end, format!(" {} ", body.join(", ")))];
    };
    let item_first = items
        .iter()
        .find(|&&(_, l)| l == last)
        .map_or(last, |&(f, _)| f);
    let has_comma = t.is(last + 1, ",");
    let next = if has_comma { last + 2 } else { last + 1 };
    let on_own_lines = t.toks[item_first].newline_before
        && next <= close
        && t.toks.get(next).is_some_and(|n| n.newline_before);
    if !on_own_lines {
        let body: String = props.iter().map(|(k, v)| format!(", {k}: {v}")).collect();
        return vec![insert(t.toks[last].end, body)];
    }
    let eol = line_ending(text);
    let indent = indentation(text, t.toks[item_first].start);
    let lines: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{indent}{k}: {v}"))
        .collect();
    if has_comma {
        let at = line_end(text, t.toks[last + 1].end);
        let body: String = lines.iter().map(|l| format!("{eol}{l},")).collect();
        vec![insert(at, body)]
    } else {
        // The last property gains a comma; the new last one has none, as
        // the file writes it.
        let at = line_end(text, t.toks[last].end);
        let body = format!("{eol}{}", lines.join(&format!(",{eol}")));
        let mut out = vec![insert(t.toks[last].end, ",".into())];
        if at == t.toks[last].end {
            out[0].text.push_str(&body);
        } else {
            out.push(insert(at, body));
        }
        out
    }
}

/// headersTimeout's default (before requestTimeout lowers it): 40000 ms
/// until 12.17/13.5 (nodejs/node#30071), 60000 ms since. Only a known old
/// major gets the older value: the rule matters most there.
fn headers_timeout_cap(version: Option<u32>) -> u64 {
    match version {
        Some(v) if v <= 13 => 40_000,
        _ => HEADERS_TIMEOUT_CAP_MS,
    }
}

/// Node's default keepAliveTimeout for a version, from the kinds table
/// (`node` and `node:PATH` of a file that sets none agree). Before Node 8,
/// which has none, `server.timeout` closes idle sockets.
fn node_default_ms(version: Option<u32>) -> u64 {
    ServerKind::own(KIND).timeout_for(version).as_millis()
}

/// Whether the number text `a` writes a larger value than `b` (same form:
/// longer, or as long and later in order, digits and separators alike).
fn is_larger(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

fn assign_target(s: &Setting) -> Option<&String> {
    match &s.place {
        Place::Assign { target, .. } | Place::Call { target } => Some(target),
        Place::Option { .. } => None,
    }
}

fn server_prop(server: &Server, prop: &str) -> String {
    match server.targets.last() {
        Some(t) => format!("{t}.{prop}"),
        None => prop.to_string(),
    }
}

/// The indentation of the line holding `offset`.
fn indentation(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let start = start.max(text::bom_len(text).min(offset));
    let rest = &text[start..];
    &rest[..rest.len() - rest.trim_start_matches([' ', '\t']).len()]
}

/// The start of the line after the one holding `offset` (the end of the
/// file when there is none).
fn next_line_start(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// Where the line holding `offset` ends, before its line break.
fn line_end(text: &str, offset: usize) -> usize {
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    if end > offset && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Tokens `first..=last` as one line of text, shortened for messages.
fn snippet(t: &Tokens<'_>, first: usize, last: usize) -> String {
    let (Some(a), Some(b)) = (t.toks.get(first), t.toks.get(last)) else {
        return String::new();
    };
    let raw = &t.text[a.start..b.end.max(a.start)];
    let one_line = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 80 {
        let cut: String = one_line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// Why a setting's value is not one ngxfix reads: the statement as
/// written, and its line.
#[derive(Debug, Clone, thiserror::Error)]
enum Unreadable {
    #[error("{stmt} at line {line} comes from an environment variable")]
    FromEnv { stmt: String, line: usize },
    #[error("{stmt} at line {line} is computed")]
    Computed { stmt: String, line: usize },
    #[error("{stmt} at line {line} is not a whole, non-negative number of milliseconds")]
    OutOfRange { stmt: String, line: usize },
    #[error("{stmt} at line {line} is inside a conditional or loop")]
    Conditional { stmt: String, line: usize },
    #[error("{stmt} at line {line} is part of a larger expression")]
    InExpression { stmt: String, line: usize },
    /// `server.setTimeout(...)`: its value is not read.
    #[error("{stmt} sets the socket timeout")]
    SocketTimeout { stmt: String },
}

fn not_literal_why(
    stmt: &str,
    line: usize,
    e: &NotLiteral,
    t: &Tokens<'_>,
    from: usize,
    to: usize,
) -> Unreadable {
    let value = snippet(t, from, to.saturating_sub(1).max(from));
    let stmt = stmt.to_string();
    match e {
        NotLiteral::Computed if value.contains("process.env") || value.contains("env.") => {
            Unreadable::FromEnv { stmt, line }
        }
        NotLiteral::Computed => Unreadable::Computed { stmt, line },
        NotLiteral::OutOfRange => Unreadable::OutOfRange { stmt, line },
    }
}

// ---------------------------------------------------------------------------
// Reading the file's structure.

/// An imported name: `local` is bound to `imported` (None: the module
/// itself or its default export) of `module`.
#[derive(Debug, Clone)]
struct Binding {
    local: String,
    imported: Option<String>,
    module: String,
}

const HTTP_MODULES: &[&str] = &["http", "https", "node:http", "node:https"];

/// `import x from 'm'`, `import * as x from 'm'`, `import { a, b as c }
/// from 'm'`, `const x = require('m')`, `const { a, b: c } = require('m')`.
fn bindings(t: &Tokens<'_>) -> Vec<Binding> {
    let mut out = Vec::new();
    for i in 0..t.len() {
        if t.is(i, "import") && !t.is(i + 1, "(") && !t.is(i.wrapping_sub(1), ".") {
            import_bindings(t, i, &mut out);
        }
        if t.is(i, "require") && t.is(i + 1, "(") && t.is(i + 3, ")") {
            if let Some(module) = t.str_value(i + 2) {
                require_bindings(t, i, module, &mut out);
            }
        }
    }
    out
}

fn import_bindings(t: &Tokens<'_>, at: usize, out: &mut Vec<Binding>) {
    let mut end = at + 1;
    while end < t.len() && !t.is(end, ";") && t.kind(end) != Some(Kind::Str) {
        end += 1;
    }
    let Some(module) = t.str_value(end) else {
        return;
    };
    let mut i = at + 1;
    let mut in_braces = false;
    while i < end {
        let s = t.s(i);
        match s {
            "{" => in_braces = true,
            "}" => in_braces = false,
            "*" if t.is(i + 1, "as") => {
                push_binding(out, t.s(i + 2), None, module);
                i += 2;
            }
            _ if t.kind(i) == Some(Kind::Ident) && !matches!(s, "from" | "type" | "as") => {
                if in_braces {
                    let local = if t.is(i + 1, "as") { t.s(i + 2) } else { s };
                    push_binding(out, local, Some(s), module);
                    if t.is(i + 1, "as") {
                        i += 2;
                    }
                } else {
                    push_binding(out, s, None, module);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

fn require_bindings(t: &Tokens<'_>, at: usize, module: &str, out: &mut Vec<Binding>) {
    if !t.is(at.wrapping_sub(1), "=") || at < 2 {
        return;
    }
    let before = at - 2;
    if t.kind(before) == Some(Kind::Ident) {
        push_binding(out, t.s(before), None, module);
    } else if t.is(before, "}") {
        let Some(open) = t.partner[before] else {
            return;
        };
        let mut i = open + 1;
        while i < before {
            if t.kind(i) == Some(Kind::Ident) {
                let (local, skip) = if t.is(i + 1, ":") {
                    (t.s(i + 2), 2)
                } else {
                    (t.s(i), 0)
                };
                push_binding(out, local, Some(t.s(i)), module);
                i += skip;
            }
            i += 1;
        }
    }
}

fn push_binding(out: &mut Vec<Binding>, local: &str, imported: Option<&str>, module: &str) {
    out.push(Binding {
        local: local.to_string(),
        imported: imported.map(str::to_string),
        module: module.to_string(),
    });
}

fn binding<'b>(bindings: &'b [Binding], local: &str) -> Option<&'b Binding> {
    bindings.iter().rev().find(|b| b.local == local)
}

/// Whether `name` is the http or https module (bound so, or by its usual
/// name when the file does not say).
fn is_http_module(bindings: &[Binding], name: &str) -> bool {
    match binding(bindings, name) {
        Some(b) => b.imported.is_none() && HTTP_MODULES.contains(&b.module.as_str()),
        None => name == "http" || name == "https",
    }
}

/// Whether the bare name `name` is the http module's export `export`.
fn is_http_export(t: &Tokens<'_>, bindings: &[Binding], name: &str, export: &str) -> bool {
    match binding(bindings, name) {
        Some(b) => {
            b.imported.as_deref() == Some(export) && HTTP_MODULES.contains(&b.module.as_str())
        }
        None => (0..t.len()).any(|i| t.str_value(i).is_some_and(|s| HTTP_MODULES.contains(&s))),
    }
}

const NOT_CHAIN_ROOTS: &[&str] = &[
    "return",
    "typeof",
    "new",
    "await",
    "if",
    "else",
    "case",
    "in",
    "of",
    "void",
    "delete",
    "throw",
    "yield",
    "const",
    "let",
    "var",
    "export",
    "instanceof",
    "function",
    "async",
];

/// The first token of the member chain whose last token is `last`
/// (`this.app.server`, `(server as any)`, `getServer()`, `server!`).
fn chain_start(t: &Tokens<'_>, last: usize) -> Option<usize> {
    let mut k = last;
    loop {
        while t.is(k, "!") && k > 0 {
            k -= 1;
        }
        let mut start = match t.kind(k)? {
            Kind::Ident if !NOT_CHAIN_ROOTS.contains(&t.s(k)) => k,
            Kind::Punct if matches!(t.s(k), ")" | "]") => t.partner[k]?,
            _ => return None,
        };
        if t.is(start, "(") || t.is(start, "[") {
            let callee = start.checked_sub(1);
            if let Some(c) = callee.filter(|&c| {
                !t.toks[start].newline_before
                    && (matches!(t.s(c), ")" | "]")
                        || t.kind(c) == Some(Kind::Ident) && !NOT_CHAIN_ROOTS.contains(&t.s(c)))
            }) {
                k = c;
                if t.kind(c) == Some(Kind::Ident) {
                    start = c;
                } else {
                    continue;
                }
            }
        }
        match start.checked_sub(1) {
            Some(dot) if t.is(dot, ".") || t.is(dot, "?.") => k = dot.checked_sub(1)?,
            _ => return Some(start),
        }
    }
}

/// The source text of tokens `first..=last`, whitespace collapsed.
fn chain_text(t: &Tokens<'_>, first: usize, last: usize) -> String {
    let raw = &t.text[t.toks[first].start..t.toks[last].end];
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How an assignment statement sits in its code.
#[derive(Debug, PartialEq, Eq)]
enum Context {
    Statement,
    Conditional,
    /// Part of a larger expression (`a && (s.x = 1)`).
    Expression,
}

fn context(t: &Tokens<'_>, parents: &[Option<usize>], first: usize) -> Context {
    let mut p = parents[first];
    while let Some(o) = p {
        if t.is(o, "{") && opens_conditional(t, o) {
            return Context::Conditional;
        }
        p = parents[o];
    }
    let Some(prev) = first.checked_sub(1) else {
        return Context::Statement;
    };
    match t.s(prev) {
        ";" | "{" | "}" | ":" | "do" => Context::Statement,
        "else" => Context::Conditional,
        ")" if t.partner[prev].is_some_and(|o| follows_condition(t, o)) => Context::Conditional,
        _ if t.toks[first].newline_before
            && (t.kind(prev) != Some(Kind::Punct) || matches!(t.s(prev), ")" | "]")) =>
        {
            Context::Statement
        }
        _ => Context::Expression,
    }
}

/// Whether the `(` at `open` holds the condition of `if`, a loop, `switch`,
/// `catch` or `with`.
fn follows_condition(t: &Tokens<'_>, open: usize) -> bool {
    open.checked_sub(1)
        .is_some_and(|k| matches!(t.s(k), "if" | "while" | "for" | "switch" | "catch" | "with"))
}

/// Whether the `{` at `o` opens the body of a conditional or a loop.
fn opens_conditional(t: &Tokens<'_>, o: usize) -> bool {
    let Some(prev) = o.checked_sub(1) else {
        return false;
    };
    match t.s(prev) {
        "else" => true,
        ")" => t.partner[prev].is_some_and(|open| follows_condition(t, open)),
        _ => false,
    }
}

/// Whether token `i` sits directly in a class body, where no statement
/// can be added.
fn in_class_body(t: &Tokens<'_>, i: usize) -> bool {
    let Some(open) = parents(t)[i] else {
        return false;
    };
    if !t.is(open, "{") {
        return false;
    }
    (0..open)
        .rev()
        .take_while(|&k| t.kind(k) == Some(Kind::Ident) || matches!(t.s(k), "." | "," | "<" | ">"))
        .any(|k| t.is(k, "class"))
}

/// For each token, its innermost enclosing bracket.
fn parents(t: &Tokens<'_>) -> Vec<Option<usize>> {
    let mut out = vec![None; t.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, slot) in out.iter_mut().enumerate() {
        while stack
            .last()
            .is_some_and(|&o| t.partner[o].is_some_and(|c| c < i))
        {
            stack.pop();
        }
        *slot = stack.last().copied();
        if matches!(t.s(i), "(" | "[" | "{") && t.partner[i].is_some_and(|c| c > i) {
            stack.push(i);
        }
    }
    out
}

/// `x.keepAliveTimeout = v` (also `x["keepAliveTimeout"] = v`) and the other
/// settings, and `x.setTimeout(...)`, in source order.
fn assignments(t: &Tokens<'_>) -> Vec<Setting> {
    let parents = parents(t);
    let mut out = Vec::new();
    for i in 0..t.len() {
        let (prop, chain_last, after) =
            if t.kind(i) == Some(Kind::Ident) && t.is(i.wrapping_sub(1), ".") {
                match Prop::from_name(t.s(i)) {
                    Some(p) => (p, i.wrapping_sub(2), i + 1),
                    None => {
                        if t.s(i) == "setTimeout" && t.is(i + 1, "(") {
                            if let Some(s) = set_timeout_call(t, i) {
                                out.push(s);
                            }
                        }
                        continue;
                    }
                }
            } else if t.is(i.wrapping_sub(1), "[") && t.is(i + 1, "]") {
                match t.str_value(i).and_then(Prop::from_name) {
                    Some(p) => (p, i.wrapping_sub(2), i + 2),
                    None => continue,
                }
            } else {
                continue;
            };
        let op = t.s(after);
        let simple = t.is(after, "=");
        let compound = t.kind(after) == Some(Kind::Punct)
            && op.len() >= 2
            && op.ends_with('=')
            && !matches!(op, "==" | "===" | "!=" | "!==" | "<=" | ">=" | "=>");
        if !simple && !compound {
            continue;
        }
        let Some(first) = chain_start(t, chain_last) else {
            continue;
        };
        out.push(assignment(
            t, &parents, prop, first, chain_last, after, compound,
        ));
    }
    out
}

fn assignment(
    t: &Tokens<'_>,
    parents: &[Option<usize>],
    prop: Prop,
    first: usize,
    chain_last: usize,
    op: usize,
    compound: bool,
) -> Setting {
    let target = chain_text(t, first, chain_last);
    let (value, end) = eval::evaluate(t, op + 1);
    let value_last = end.saturating_sub(1).max(op);
    let semicolon = t.is(end, ";");
    let line = line_of(t.text, t.toks[first].start);
    let stmt = snippet(t, first, value_last);
    let value = match context(t, parents, first) {
        _ if compound => Err(Unreadable::Computed {
            stmt: stmt.clone(),
            line,
        }),
        Context::Conditional => Err(Unreadable::Conditional {
            stmt: stmt.clone(),
            line,
        }),
        Context::Expression => Err(Unreadable::InExpression {
            stmt: stmt.clone(),
            line,
        }),
        Context::Statement => value.map_err(|e| not_literal_why(&stmt, line, &e, t, op + 1, end)),
    };
    Setting {
        prop,
        value,
        line,
        stmt,
        place: Place::Assign {
            target,
            first,
            last: if semicolon { end } else { value_last },
            semicolon,
        },
        order: first + 1,
    }
}

fn set_timeout_call(t: &Tokens<'_>, name: usize) -> Option<Setting> {
    let first = chain_start(t, name.checked_sub(2)?)?;
    let close = t.partner[name + 1]?;
    let stmt = snippet(t, first, close);
    Some(Setting {
        prop: Prop::Timeout,
        value: Err(Unreadable::SocketTimeout { stmt: stmt.clone() }),
        line: line_of(t.text, t.toks[first].start),
        stmt,
        place: Place::Call {
            target: chain_text(t, first, name - 2),
        },
        order: first + 1,
    })
}

/// The creations of servers in the file, and `x.listen(...)` calls whose
/// server is not kept.
fn creations(t: &Tokens<'_>, bindings: &[Binding]) -> (Vec<Creation>, Vec<(usize, String)>) {
    let mut out: Vec<Creation> = Vec::new();
    for i in 0..t.len() {
        if let Some((maker, start, open)) = maker_at(t, bindings, i) {
            if let Some(c) = creation(t, maker, start, open) {
                out.push(c);
            }
        }
    }
    let mut unassigned = Vec::new();
    for i in 0..t.len() {
        if !(t.is(i, "listen") && t.is(i.wrapping_sub(1), ".") && t.is(i + 1, "(")) {
            continue;
        }
        let Some(start) = chain_start(t, i.wrapping_sub(2)) else {
            continue;
        };
        // `http.createServer(app).listen()` is the server already found;
        // `server.listen()` listens on one.
        let root = t.s(start);
        let known = out
            .iter()
            .any(|c| c.first <= start && start <= c.last || c.name.as_deref() == Some(root));
        if known {
            continue;
        }
        match creation(t, Maker::Http, start, i + 1) {
            Some(c) if c.name.is_some() => out.push(c),
            _ => unassigned.push((
                line_of(t.text, t.toks[start].start),
                chain_text(t, start, i),
            )),
        }
    }
    out.sort_by_key(|c| c.first);
    (out, unassigned)
}

/// A call at token `i` that makes a server: what makes it, the callee's
/// first token and the call's `(`.
fn maker_at(t: &Tokens<'_>, bindings: &[Binding], i: usize) -> Option<(Maker, usize, usize)> {
    if t.kind(i) != Some(Kind::Ident) {
        return None;
    }
    let name = t.s(i);
    let member = t.is(i.wrapping_sub(1), ".");
    let defined = t.is(i.wrapping_sub(1), "function")
        || t.partner
            .get(i + 1)
            .copied()
            .flatten()
            .is_some_and(|c| t.is(c + 1, "{"));
    if defined {
        return None;
    }
    match name {
        "createServer" if t.is(i + 1, "(") => {
            let ok = if member {
                i >= 2
                    && t.kind(i - 2) == Some(Kind::Ident)
                    && !t.is(i.wrapping_sub(3), ".")
                    && is_http_module(bindings, t.s(i - 2))
            } else {
                is_http_export(t, bindings, name, "createServer")
            };
            ok.then(|| (Maker::Http, if member { i - 2 } else { i }, i + 1))
        }
        "Server" if t.is(i + 1, "(") => {
            let (ok, new_at) = if member {
                let ok = i >= 3
                    && t.kind(i - 2) == Some(Kind::Ident)
                    && t.is(i - 3, "new")
                    && is_http_module(bindings, t.s(i - 2));
                (ok, i.saturating_sub(3))
            } else {
                let ok = t.is(i.wrapping_sub(1), "new")
                    && binding(bindings, name).is_some_and(|b| {
                        b.imported.as_deref() == Some("Server")
                            && HTTP_MODULES.contains(&b.module.as_str())
                    });
                (ok, i.saturating_sub(1))
            };
            ok.then_some((Maker::Http, new_at, i + 1))
        }
        "require"
            if t.str_value(i + 2) == Some("fastify") && t.is(i + 3, ")") && t.is(i + 4, "(") =>
        {
            Some((Maker::Fastify, i, i + 4))
        }
        _ if !member && t.is(i + 1, "(") => {
            let b = binding(bindings, name)?;
            let fastify = b.module == "fastify"
                && (b.imported.is_none() || b.imported.as_deref() == Some("fastify"));
            fastify.then_some((Maker::Fastify, i, i + 1))
        }
        _ => None,
    }
}

/// The creation whose callee starts at `start` and whose call opens at
/// `open`: its name, options and statement.
fn creation(t: &Tokens<'_>, maker: Maker, start: usize, open: usize) -> Option<Creation> {
    let close = t.partner[open]?;
    let mut last = close;
    while t.is(last + 1, ".") && t.kind(last + 2) == Some(Kind::Ident) && t.is(last + 3, "(") {
        last = t.partner[last + 3]?;
    }
    let semicolon = t.is(last + 1, ";");
    let options = options_object(t, open);
    let maker = match maker {
        Maker::Fastify => fastify_kind(t, options),
        m => m,
    };
    let (name, first) = match assigned_name(t, start) {
        Some((name, first)) => (Some(name), first),
        None => (None, start),
    };
    Some(Creation {
        maker,
        name,
        callee: chain_text(t, start, open - 1),
        line: line_of(t.text, t.toks[start].start),
        options,
        first,
        last: if semicolon { last + 1 } else { last },
        semicolon,
    })
}

fn fastify_kind(t: &Tokens<'_>, options: Option<usize>) -> Maker {
    let Some(object) = options else {
        return Maker::Fastify;
    };
    for (key, value) in object_props(t, object) {
        match t.s(key) {
            "http2" if t.is(value, "true") => {
                return Maker::Unsupported("fastify({ http2: true }) makes an HTTP/2 server, whose idle handling ngxfix does not read".into())
            }
            "serverFactory" => return Maker::Unsupported("fastify's serverFactory makes the server".into()),
            _ => {}
        }
    }
    Maker::Fastify
}

/// The variable a call starting at `start` is assigned to, and the
/// statement's first token: `const server = ...`, `server = ...`,
/// `this.server = ...`, `const server: http.Server = ...`.
fn assigned_name(t: &Tokens<'_>, start: usize) -> Option<(String, usize)> {
    let mut j = start;
    if t.is(j.wrapping_sub(1), "await") {
        j -= 1;
    }
    let eq = j.checked_sub(1)?;
    if !t.is(eq, "=") {
        return None;
    }
    // A TypeScript annotation: `const name: Type =`.
    let annotated = (eq.saturating_sub(12)..eq)
        .rev()
        .take_while(|&k| !matches!(t.s(k), ";" | "{" | "}" | "="))
        .find(|&k| {
            t.is(k, ":")
                && t.kind(k.wrapping_sub(1)) == Some(Kind::Ident)
                && is_declaration(t, k.wrapping_sub(2))
        });
    let (name, first) = match annotated {
        Some(colon) => (t.s(colon - 1).to_string(), colon - 1),
        None => {
            let first = chain_start(t, eq.checked_sub(1)?)?;
            (chain_text(t, first, eq - 1), first)
        }
    };
    let mut first = first;
    if is_declaration(t, first.wrapping_sub(1)) {
        first -= 1;
    }
    if t.is(first.wrapping_sub(1), "export") {
        first -= 1;
    }
    Some((name, first))
}

fn is_declaration(t: &Tokens<'_>, i: usize) -> bool {
    matches!(t.s(i), "const" | "let" | "var") && t.kind(i) == Some(Kind::Ident)
}

/// The options object of the call opening at `open`: an object literal
/// first argument, or a variable declared as one.
fn options_object(t: &Tokens<'_>, open: usize) -> Option<usize> {
    let arg = open + 1;
    if t.is(arg, "{") {
        return Some(arg);
    }
    if t.kind(arg) != Some(Kind::Ident) || !(t.is(arg + 1, ",") || t.is(arg + 1, ")")) {
        return None;
    }
    let name = t.s(arg);
    (0..t.len()).find_map(|k| {
        if !(t.kind(k) == Some(Kind::Ident)
            && t.s(k) == name
            && is_declaration(t, k.wrapping_sub(1)))
        {
            return None;
        }
        let eq = (k + 1..t.len().min(k + 12)).find(|&e| t.is(e, "=") || t.is(e, ";"))?;
        (t.is(eq, "=") && t.is(eq + 1, "{")).then_some(eq + 1)
    })
}

/// The top-level items of the object literal opening at `object`: each
/// item's first and last token.
fn object_items(t: &Tokens<'_>, object: usize) -> Vec<(usize, usize)> {
    let Some(close) = t.partner[object] else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let mut first = object + 1;
    let mut i = object + 1;
    while i < close {
        if t.is(i, ",") {
            if i > first {
                items.push((first, i - 1));
            }
            first = i + 1;
        } else if matches!(t.s(i), "(" | "[" | "{") {
            if let Some(p) = t.partner[i].filter(|&p| p < close) {
                i = p;
            }
        }
        i += 1;
    }
    if close > first {
        items.push((first, close - 1));
    }
    items
}

/// The properties of an object literal: key token and the value's first
/// token (the key itself for shorthand).
fn object_props(t: &Tokens<'_>, object: usize) -> Vec<(usize, usize)> {
    object_items(t, object)
        .into_iter()
        .filter_map(|(first, last)| {
            let keyed = matches!(t.kind(first), Some(Kind::Ident | Kind::Str));
            if keyed && t.is(first + 1, ":") && first + 2 <= last {
                Some((first, first + 2))
            } else if keyed && first == last {
                Some((first, first))
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
