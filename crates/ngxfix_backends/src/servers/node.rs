//! Node.js: `keepAliveTimeout` (milliseconds) of the HTTP servers a
//! JavaScript or TypeScript file creates, set as a property
//! (`server.keepAliveTimeout = 65000`) or as a `createServer` option.
//!
//! Facts this module relies on (nodejs/node `lib/_http_server.js`,
//! `doc/api/http.md`; checked against the installed Node 20):
//! - The default is 5000 ms from Node 8 through 26 and 65000 ms on main
//!   (nodejs/node#62782, expected in Node 27). The kinds table
//!   ([`crate::kinds`]) holds these defaults; this module reads them there.
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

use crate::lang::js::eval::{self, Literal, NotLiteral};
use crate::lang::js::lex::{Kind, Tokens};

use crate::format::{need, Need, ServerFormat};
use crate::kinds::{ServerKind, NODE_KEEP_ALIVE_TIMEOUT_SINCE, NODE_OLD_SERVER_TIMEOUT};
use crate::text::{self, line_ending, line_of};
use crate::{Edit, Idle, RaiseError, Reading, Source};
use ngxfix_text::Duration;

mod plan;
mod structure;

use plan::{Anchor, Plan};
use structure::{assignments, bindings, creations, in_class_body, object_props};

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

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
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
fn edits(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
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

    fn raise(&self, target_ms: u64) -> Result<Vec<Edit<()>>, RaiseError> {
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

#[cfg(test)]
mod tests;
