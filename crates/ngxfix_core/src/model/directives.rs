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
    pub(crate) fn child_kind(parent: Contexts, name: &str) -> Option<Contexts> {
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
                "map" | "geo" | "types" | "split_clients" | "match" | "charset_map" | "perl_set"
                | "js_set",
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
    #[cfg(test)]
    fn is_block(&self) -> bool {
        self.value == ValueKind::Block
    }

    /// The default arguments in effect for `version`, if any.
    pub(crate) fn default_for(&self, version: Version) -> Option<&'static str> {
        self.defaults
            .iter()
            .rev()
            .find(|(since, _)| *since <= version)
            .map(|(_, value)| *value)
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

/// Every entry named `name`.
pub fn entries(name: &str) -> &'static [DirectiveInfo] {
    // Asked for every directive of a tree, and again by rules and fixes: a
    // hash lookup, where a binary search over the table compared ten names.
    // The table is sorted by name, so a name's rows are one range.
    static BY_NAME: std::sync::LazyLock<rustc_hash::FxHashMap<&str, (usize, usize)>> =
        std::sync::LazyLock::new(|| {
            let mut by_name = rustc_hash::FxHashMap::default();
            for (i, info) in DIRECTIVES.iter().enumerate() {
                by_name.entry(info.name).or_insert((i, i)).1 = i + 1;
            }
            by_name
        });
    BY_NAME
        .get(name)
        .map_or(&[], |&(start, end)| &DIRECTIVES[start..end])
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

/// Not inherited (`Inherit::None`, spelled short for the table).
const NOT: Inherit = Inherit::None;
const MS: TimeSlot = TimeSlot::Milliseconds;
const SEC: TimeSlot = TimeSlot::Seconds;

/// Shorthand for a version in the table.
const fn v(major: u16, minor: u16, patch: u16) -> Version {
    Version::new(major, minor, patch)
}

// Contexts, as the "Context:" boxes of the docs write them.
const C_MAIN: Contexts = Contexts::MAIN;
const C_EVENTS: Contexts = Contexts::EVENTS;
const C_HTTP: Contexts = Contexts::HTTP;
/// `server` (http).
const C_SRV: Contexts = Contexts::HTTP_SERVER;
/// http, server.
const C_HS: Contexts = Contexts::HTTP.or(Contexts::HTTP_SERVER);
/// http, server, location.
const C_SLI: Contexts = Contexts::HTTP_SRV_LOC;
/// http, server, location, if in location.
const C_SLIF: Contexts = Contexts::HTTP_SRV_LOC_IF;
/// server, location.
const C_SL: Contexts = Contexts::HTTP_SERVER.or(Contexts::HTTP_LOCATION);
const C_LOC: Contexts = Contexts::HTTP_LOCATION;
/// location, if in location.
const C_LIF: Contexts = Contexts::HTTP_LOCATION.or(Contexts::HTTP_LOCATION_IF);
/// http, server, location, limit_except.
const C_SLI_LE: Contexts = Contexts::HTTP_SRV_LOC.or(Contexts::HTTP_LIMIT_EXCEPT);
/// server, location, if (the rewrite module's "if" is both kinds of `if`).
const C_REWRITE: Contexts = C_SL
    .or(Contexts::HTTP_SERVER_IF)
    .or(Contexts::HTTP_LOCATION_IF);
const C_UP: Contexts = Contexts::HTTP_UPSTREAM;
const C_STREAM: Contexts = Contexts::STREAM;
/// `server` (stream).
const C_S_SERVER: Contexts = Contexts::STREAM_SERVER;
/// stream, server.
const C_S_SRV: Contexts = Contexts::STREAM_SRV;
const C_S_UP: Contexts = Contexts::STREAM_UPSTREAM;
const C_MAIL: Contexts = Contexts::MAIL;
const C_MAIL_SERVER: Contexts = Contexts::MAIL_SERVER;
/// `error_log`: main, http, mail, stream, server, location.
const C_ERROR_LOG: Contexts = Contexts::MAIN
    .or(Contexts::HTTP_SRV_LOC)
    .or(Contexts::STREAM_SRV)
    .or(Contexts::MAIL)
    .or(Contexts::MAIL_SERVER);
/// `include`: any context, data blocks (`map`, `geo`, `types`) included.
const C_ANY: Contexts = Contexts((1 << 15) - 1);

// Module pages (paths under https://nginx.org/en/docs/).
const MAIN_CORE: &str = "ngx_core_module";
const CORE: &str = "http/ngx_http_core_module";
const PROXY: &str = "http/ngx_http_proxy_module";
const UPSTREAM: &str = "http/ngx_http_upstream_module";
const FASTCGI: &str = "http/ngx_http_fastcgi_module";
const UWSGI: &str = "http/ngx_http_uwsgi_module";
const SCGI: &str = "http/ngx_http_scgi_module";
const GRPC: &str = "http/ngx_http_grpc_module";
const HEADERS: &str = "http/ngx_http_headers_module";
const REWRITE: &str = "http/ngx_http_rewrite_module";
const MAP: &str = "http/ngx_http_map_module";
const GEO: &str = "http/ngx_http_geo_module";
const INDEX: &str = "http/ngx_http_index_module";
const ACCESS: &str = "http/ngx_http_access_module";
const AUTH_BASIC: &str = "http/ngx_http_auth_basic_module";
const AUTH_REQUEST: &str = "http/ngx_http_auth_request_module";
const LIMIT_REQ: &str = "http/ngx_http_limit_req_module";
const LIMIT_CONN: &str = "http/ngx_http_limit_conn_module";
const LOG: &str = "http/ngx_http_log_module";
const SSL: &str = "http/ngx_http_ssl_module";
const GZIP: &str = "http/ngx_http_gzip_module";
const GZIP_STATIC: &str = "http/ngx_http_gzip_static_module";
const REALIP: &str = "http/ngx_http_realip_module";
const SUB: &str = "http/ngx_http_sub_module";
const MIRROR: &str = "http/ngx_http_mirror_module";
const SECURE_LINK: &str = "http/ngx_http_secure_link_module";
const STUB_STATUS: &str = "http/ngx_http_stub_status_module";
const SPLIT_CLIENTS: &str = "http/ngx_http_split_clients_module";
const CHARSET: &str = "http/ngx_http_charset_module";
const USERID: &str = "http/ngx_http_userid_module";
const AUTOINDEX: &str = "http/ngx_http_autoindex_module";
const HTTP_V2: &str = "http/ngx_http_v2_module";
const HTTP_V3: &str = "http/ngx_http_v3_module";
const S_CORE: &str = "stream/ngx_stream_core_module";
const S_PROXY: &str = "stream/ngx_stream_proxy_module";
const S_UPSTREAM: &str = "stream/ngx_stream_upstream_module";
const S_ACCESS: &str = "stream/ngx_stream_access_module";
const S_LOG: &str = "stream/ngx_stream_log_module";
const S_LIMIT_CONN: &str = "stream/ngx_stream_limit_conn_module";
const S_MAP: &str = "stream/ngx_stream_map_module";
const S_RETURN: &str = "stream/ngx_stream_return_module";
const S_PASS: &str = "stream/ngx_stream_pass_module";
const S_SSL_PREREAD: &str = "stream/ngx_stream_ssl_preread_module";
const S_SSL: &str = "stream/ngx_stream_ssl_module";
const MAIL_CORE: &str = "mail/ngx_mail_core_module";

// Versions where a whole module appeared; its directives carry no note of
// their own.
const GRPC_SINCE: Version = v(1, 13, 10);
const STREAM_SINCE: Version = v(1, 9, 0);

// Defaults shared by many rows.
type Defaults = &'static [(Version, &'static str)];
const OFF: Defaults = &[(V0, "off")];
const ON: Defaults = &[(V0, "on")];
const ZERO: Defaults = &[(V0, "0")];
const S5: Defaults = &[(V0, "5s")];
const S30: Defaults = &[(V0, "30s")];
const S60: Defaults = &[(V0, "60s")];
const ONE_HOUR: Defaults = &[(V0, "1h")];
const ERROR_TIMEOUT: Defaults = &[(V0, "error timeout")];
/// One memory page.
const BUF_ONE: Defaults = &[(V0, "4k|8k")];
/// Two memory pages.
const BUF_TWO: Defaults = &[(V0, "8k|16k")];
const BUFS: Defaults = &[(V0, "8 4k|8k")];
const MAX_TEMP: Defaults = &[(V0, "1024m")];
const GET_HEAD: Defaults = &[(V0, "GET HEAD")];
const USER_RW: Defaults = &[(V0, "user:rw")];
/// `*_ssl_ciphers` of the upstream-facing modules.
const DEFAULT_CIPHERS: Defaults = &[(V0, "DEFAULT")];
/// `ssl_ciphers` of the server side.
const NGINX_CIPHERS: Defaults = &[(V0, "HIGH:!aNULL:!MD5")];
/// `keepalive_requests`, in http and in `upstream{}`: 100 before 1.19.10.
const KEEPALIVE_REQUESTS: Defaults = &[(V0, "100"), (v(1, 19, 10), "1000")];
/// `ssl_protocols` and `*_ssl_protocols`: TLSv1.3 added by default in
/// 1.23.4, TLSv1 and TLSv1.1 dropped in 1.27.3.
const SSL_PROTOCOLS: Defaults = &[
    (V0, "TLSv1 TLSv1.1 TLSv1.2"),
    (v(1, 23, 4), "TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"),
    (v(1, 27, 3), "TLSv1.2 TLSv1.3"),
];

/// Sorted by name (byte order); a test checks the order.
#[rustfmt::skip]
static DIRECTIVES: &[DirectiveInfo] = &[
    row("absolute_redirect", CORE, C_SLI, Flag, Scalar, ON, v(1, 11, 8)),
    row("accept_mutex", MAIN_CORE, C_EVENTS, Flag, NOT, &[(V0, "on"), (v(1, 11, 3), "off")], V0),
    row("accept_mutex_delay", MAIN_CORE, C_EVENTS, Dur(MS), NOT, &[(V0, "500ms")], V0),
    row("access_log", LOG, C_SLIF.or(Contexts::HTTP_LIMIT_EXCEPT), Text, Array, &[(V0, "logs/access.log combined")], V0),
    row("access_log", S_LOG, C_S_SRV, Text, Array, OFF, v(1, 11, 4)),
    row("add_header", HEADERS, C_SLIF, Text, Array, &[], V0),
    row("add_header_inherit", HEADERS, C_SLIF, Text, Scalar, ON, v(1, 29, 3)),
    row("add_trailer", HEADERS, C_SLIF, Text, Array, &[], v(1, 13, 2)),
    row("add_trailer_inherit", HEADERS, C_SLIF, Text, Scalar, ON, v(1, 29, 3)),
    row("aio", CORE, C_SLI, Text, Scalar, OFF, v(0, 8, 11)),
    row("aio_write", CORE, C_SLI, Flag, Scalar, OFF, v(1, 9, 13)),
    row("alias", CORE, C_LOC, Text, Scalar, &[], V0),
    row("allow", ACCESS, C_SLI_LE, Text, Array, &[], V0),
    row("allow", S_ACCESS, C_S_SRV, Text, Array, &[], v(1, 9, 2)),
    row("auth_basic", AUTH_BASIC, C_SLI_LE, Text, Scalar, OFF, V0),
    row("auth_basic_user_file", AUTH_BASIC, C_SLI_LE, Text, Scalar, &[], V0),
    row("auth_delay", CORE, C_SLI, Dur(MS), Scalar, &[(V0, "0s")], v(1, 17, 10)),
    row("auth_request", AUTH_REQUEST, C_SLI, Text, Scalar, OFF, v(1, 5, 4)),
    row("auth_request_set", AUTH_REQUEST, C_SLI, Text, Array, &[], v(1, 5, 4)),
    row("autoindex", AUTOINDEX, C_SLI, Flag, Scalar, OFF, V0),
    row("autoindex_exact_size", AUTOINDEX, C_SLI, Flag, Scalar, ON, V0),
    row("autoindex_format", AUTOINDEX, C_SLI, Text, Scalar, &[(V0, "html")], v(1, 7, 9)),
    row("autoindex_localtime", AUTOINDEX, C_SLI, Flag, Scalar, OFF, V0),
    row("break", REWRITE, C_REWRITE, Text, NOT, &[], V0),
    row("charset", CHARSET, C_SLIF, Text, Scalar, OFF, V0),
    row("charset_map", CHARSET, C_HTTP, Block, NOT, &[], V0),
    row("charset_types", CHARSET, C_SLI, Text, Scalar, &[(V0, "text/html text/xml text/plain text/vnd.wap.wml application/javascript application/rss+xml")], v(0, 7, 9)),
    row("chunked_transfer_encoding", CORE, C_SLI, Flag, Scalar, ON, V0),
    row("client_body_buffer_size", CORE, C_SLI, Size, Scalar, &[(V0, "8k|16k")], V0),
    row("client_body_in_file_only", CORE, C_SLI, Text, Scalar, OFF, V0),
    row("client_body_in_single_buffer", CORE, C_SLI, Flag, Scalar, OFF, V0),
    row("client_body_temp_path", CORE, C_SLI, Text, Scalar, &[(V0, "client_body_temp")], V0),
    row("client_body_timeout", CORE, C_SLI, Dur(MS), Scalar, S60, V0),
    row("client_header_buffer_size", CORE, C_HS, Size, Scalar, &[(V0, "1k")], V0),
    row("client_header_timeout", CORE, C_HS, Dur(MS), Scalar, S60, V0),
    row("client_max_body_size", CORE, C_SLI, Size, Scalar, &[(V0, "1m")], V0),
    row("connection_pool_size", CORE, C_HS, Size, Scalar, &[(V0, "256|512")], V0),
    row("daemon", MAIN_CORE, C_MAIN, Flag, NOT, ON, V0),
    row("debug_connection", MAIN_CORE, C_EVENTS, Text, NOT, &[], V0),
    row("debug_points", MAIN_CORE, C_MAIN, Text, NOT, &[], V0),
    row("default_type", CORE, C_SLI, Text, Scalar, &[(V0, "text/plain")], V0),
    row("deny", ACCESS, C_SLI_LE, Text, Array, &[], V0),
    row("deny", S_ACCESS, C_S_SRV, Text, Array, &[], v(1, 9, 2)),
    row("directio", CORE, C_SLI, Text, Scalar, OFF, v(0, 7, 7)),
    row("directio_alignment", CORE, C_SLI, Size, Scalar, &[(V0, "512")], v(0, 8, 11)),
    row("disable_symlinks", CORE, C_SLI, Text, Scalar, OFF, v(1, 1, 15)),
    row("env", MAIN_CORE, C_MAIN, Text, NOT, &[(V0, "TZ")], V0),
    row("error_log", MAIN_CORE, C_ERROR_LOG, Text, Array, &[(V0, "logs/error.log error")], V0),
    row("error_page", CORE, C_SLIF, Text, Array, &[], V0),
    row("etag", CORE, C_SLI, Flag, Scalar, ON, v(1, 3, 3)),
    row("events", MAIN_CORE, C_MAIN, Block, NOT, &[], V0),
    row("expires", HEADERS, C_SLIF, Text, Scalar, OFF, V0),
    row("fastcgi_bind", FASTCGI, C_SLI, Text, Scalar, &[], v(0, 8, 22)),
    row("fastcgi_buffer_size", FASTCGI, C_SLI, Size, Scalar, BUF_ONE, V0),
    row("fastcgi_buffering", FASTCGI, C_SLI, Flag, Scalar, ON, v(1, 5, 6)),
    row("fastcgi_buffers", FASTCGI, C_SLI, Text, Scalar, BUFS, V0),
    row("fastcgi_busy_buffers_size", FASTCGI, C_SLI, Size, Scalar, BUF_TWO, V0),
    row("fastcgi_cache", FASTCGI, C_SLI, Text, Scalar, OFF, V0),
    row("fastcgi_cache_background_update", FASTCGI, C_SLI, Flag, Scalar, OFF, v(1, 11, 10)),
    row("fastcgi_cache_bypass", FASTCGI, C_SLI, Text, Array, &[], V0),
    row("fastcgi_cache_key", FASTCGI, C_SLI, Text, Scalar, &[], V0),
    row("fastcgi_cache_lock", FASTCGI, C_SLI, Flag, Scalar, OFF, v(1, 1, 12)),
    row("fastcgi_cache_lock_age", FASTCGI, C_SLI, Dur(MS), Scalar, S5, v(1, 7, 8)),
    row("fastcgi_cache_lock_timeout", FASTCGI, C_SLI, Dur(MS), Scalar, S5, v(1, 1, 12)),
    row("fastcgi_cache_max_range_offset", FASTCGI, C_SLI, Number, Scalar, &[], v(1, 11, 6)),
    row("fastcgi_cache_methods", FASTCGI, C_SLI, Text, Scalar, GET_HEAD, v(0, 7, 59)),
    row("fastcgi_cache_min_uses", FASTCGI, C_SLI, Number, Scalar, &[(V0, "1")], V0),
    row("fastcgi_cache_path", FASTCGI, C_HTTP, Text, NOT, &[], V0),
    row("fastcgi_cache_revalidate", FASTCGI, C_SLI, Flag, Scalar, OFF, v(1, 5, 7)),
    row("fastcgi_cache_use_stale", FASTCGI, C_SLI, Text, Scalar, OFF, V0),
    row("fastcgi_cache_valid", FASTCGI, C_SLI, Text, Array, &[], V0),
    row("fastcgi_catch_stderr", FASTCGI, C_SLI, Text, Array, &[], V0),
    row("fastcgi_connect_timeout", FASTCGI, C_SLI, Dur(MS), Scalar, S60, V0),
    row("fastcgi_force_ranges", FASTCGI, C_SLI, Flag, Scalar, OFF, v(1, 7, 7)),
    row("fastcgi_hide_header", FASTCGI, C_SLI, Text, Array, &[], V0),
    row("fastcgi_ignore_client_abort", FASTCGI, C_SLI, Flag, Scalar, OFF, V0),
    row("fastcgi_ignore_headers", FASTCGI, C_SLI, Text, Scalar, &[], V0),
    row("fastcgi_index", FASTCGI, C_SLI, Text, Scalar, &[], V0),
    row("fastcgi_intercept_errors", FASTCGI, C_SLI, Flag, Scalar, OFF, V0),
    row("fastcgi_keep_conn", FASTCGI, C_SLI, Flag, Scalar, OFF, v(1, 1, 4)),
    row("fastcgi_limit_rate", FASTCGI, C_SLI, Size, Scalar, ZERO, v(1, 7, 7)),
    row("fastcgi_max_temp_file_size", FASTCGI, C_SLI, Size, Scalar, MAX_TEMP, V0),
    row("fastcgi_next_upstream", FASTCGI, C_SLI, Text, Scalar, ERROR_TIMEOUT, V0),
    row("fastcgi_next_upstream_timeout", FASTCGI, C_SLI, Dur(MS), Scalar, ZERO, v(1, 7, 5)),
    row("fastcgi_next_upstream_tries", FASTCGI, C_SLI, Number, Scalar, ZERO, v(1, 7, 5)),
    row("fastcgi_no_cache", FASTCGI, C_SLI, Text, Array, &[], V0),
    row("fastcgi_param", FASTCGI, C_SLI, Text, Array, &[], V0),
    row("fastcgi_pass", FASTCGI, C_LIF, Text, NOT, &[], V0),
    row("fastcgi_pass_header", FASTCGI, C_SLI, Text, Array, &[], V0),
    row("fastcgi_pass_request_body", FASTCGI, C_SLI, Flag, Scalar, ON, V0),
    row("fastcgi_pass_request_headers", FASTCGI, C_SLI, Flag, Scalar, ON, V0),
    row("fastcgi_read_timeout", FASTCGI, C_SLI, Dur(MS), Scalar, S60, V0),
    row("fastcgi_request_buffering", FASTCGI, C_SLI, Flag, Scalar, ON, v(1, 7, 11)),
    row("fastcgi_send_lowat", FASTCGI, C_SLI, Size, Scalar, ZERO, V0),
    row("fastcgi_send_timeout", FASTCGI, C_SLI, Dur(MS), Scalar, S60, V0),
    row("fastcgi_socket_keepalive", FASTCGI, C_SLI, Flag, Scalar, OFF, v(1, 15, 6)),
    row("fastcgi_split_path_info", FASTCGI, C_LOC, Text, Scalar, &[], V0),
    row("fastcgi_store", FASTCGI, C_SLI, Text, Scalar, OFF, V0),
    row("fastcgi_store_access", FASTCGI, C_SLI, Text, Scalar, USER_RW, V0),
    row("fastcgi_temp_file_write_size", FASTCGI, C_SLI, Size, Scalar, BUF_TWO, V0),
    row("fastcgi_temp_path", FASTCGI, C_SLI, Text, Scalar, &[(V0, "fastcgi_temp")], V0),
    row("geo", GEO, C_HTTP, Block, NOT, &[], V0),
    row("grpc_bind", GRPC, C_SLI, Text, Scalar, &[], GRPC_SINCE),
    row("grpc_buffer_size", GRPC, C_SLI, Size, Scalar, BUF_ONE, GRPC_SINCE),
    row("grpc_connect_timeout", GRPC, C_SLI, Dur(MS), Scalar, S60, GRPC_SINCE),
    row("grpc_hide_header", GRPC, C_SLI, Text, Array, &[], GRPC_SINCE),
    row("grpc_ignore_headers", GRPC, C_SLI, Text, Scalar, &[], GRPC_SINCE),
    row("grpc_intercept_errors", GRPC, C_SLI, Flag, Scalar, OFF, GRPC_SINCE),
    row("grpc_next_upstream", GRPC, C_SLI, Text, Scalar, ERROR_TIMEOUT, GRPC_SINCE),
    row("grpc_next_upstream_timeout", GRPC, C_SLI, Dur(MS), Scalar, ZERO, GRPC_SINCE),
    row("grpc_next_upstream_tries", GRPC, C_SLI, Number, Scalar, ZERO, GRPC_SINCE),
    row("grpc_pass", GRPC, C_LIF, Text, NOT, &[], GRPC_SINCE),
    row("grpc_pass_header", GRPC, C_SLI, Text, Array, &[], GRPC_SINCE),
    row("grpc_read_timeout", GRPC, C_SLI, Dur(MS), Scalar, S60, GRPC_SINCE),
    row("grpc_send_timeout", GRPC, C_SLI, Dur(MS), Scalar, S60, GRPC_SINCE),
    row("grpc_set_header", GRPC, C_SLI, Text, Array, &[(V0, "Content-Length $content_length")], GRPC_SINCE),
    row("grpc_socket_keepalive", GRPC, C_SLI, Flag, Scalar, OFF, v(1, 15, 6)),
    row("grpc_ssl_certificate", GRPC, C_SLI, Text, Scalar, &[], GRPC_SINCE),
    row("grpc_ssl_certificate_cache", GRPC, C_SLI, Text, Scalar, OFF, v(1, 27, 4)),
    row("grpc_ssl_certificate_key", GRPC, C_SLI, Text, Scalar, &[], GRPC_SINCE),
    row("grpc_ssl_ciphers", GRPC, C_SLI, Text, Scalar, DEFAULT_CIPHERS, GRPC_SINCE),
    row("grpc_ssl_conf_command", GRPC, C_SLI, Text, Array, &[], v(1, 19, 4)),
    row("grpc_ssl_crl", GRPC, C_SLI, Text, Scalar, &[], GRPC_SINCE),
    row("grpc_ssl_name", GRPC, C_SLI, Text, Scalar, &[(V0, "host from grpc_pass")], GRPC_SINCE),
    row("grpc_ssl_password_file", GRPC, C_SLI, Text, Scalar, &[], GRPC_SINCE),
    row("grpc_ssl_protocols", GRPC, C_SLI, Text, Scalar, SSL_PROTOCOLS, GRPC_SINCE),
    row("grpc_ssl_server_name", GRPC, C_SLI, Flag, Scalar, OFF, GRPC_SINCE),
    row("grpc_ssl_session_reuse", GRPC, C_SLI, Flag, Scalar, ON, GRPC_SINCE),
    row("grpc_ssl_trusted_certificate", GRPC, C_SLI, Text, Scalar, &[], GRPC_SINCE),
    row("grpc_ssl_verify", GRPC, C_SLI, Flag, Scalar, OFF, GRPC_SINCE),
    row("grpc_ssl_verify_depth", GRPC, C_SLI, Number, Scalar, &[(V0, "1")], GRPC_SINCE),
    row("gzip", GZIP, C_SLIF, Flag, Scalar, OFF, V0),
    row("gzip_buffers", GZIP, C_SLI, Text, Scalar, &[(V0, "32 4k|16 8k")], V0),
    row("gzip_comp_level", GZIP, C_SLI, Number, Scalar, &[(V0, "1")], V0),
    row("gzip_disable", GZIP, C_SLI, Text, Array, &[], v(0, 6, 23)),
    row("gzip_http_version", GZIP, C_SLI, Text, Scalar, &[(V0, "1.1")], V0),
    row("gzip_min_length", GZIP, C_SLI, Size, Scalar, &[(V0, "20")], V0),
    row("gzip_proxied", GZIP, C_SLI, Text, Scalar, OFF, V0),
    row("gzip_static", GZIP_STATIC, C_SLI, Text, Scalar, OFF, V0),
    row("gzip_types", GZIP, C_SLI, Text, Scalar, &[(V0, "text/html")], V0),
    row("gzip_vary", GZIP, C_SLI, Flag, Scalar, OFF, V0),
    row("hash", UPSTREAM, C_UP, Text, NOT, &[], v(1, 7, 2)),
    row("hash", S_UPSTREAM, C_S_UP, Text, NOT, &[], STREAM_SINCE),
    row("http", CORE, C_MAIN, Block, NOT, &[], V0),
    row("http2", HTTP_V2, C_HS, Flag, Scalar, OFF, v(1, 25, 1)),
    row("http2_body_preread_size", HTTP_V2, C_HS, Size, Scalar, &[(V0, "64k")], v(1, 11, 0)),
    row("http2_chunk_size", HTTP_V2, C_SLI, Size, Scalar, &[(V0, "8k")], v(1, 9, 5)),
    row("http2_max_concurrent_streams", HTTP_V2, C_HS, Number, Scalar, &[(V0, "128")], v(1, 9, 5)),
    row("http2_recv_buffer_size", HTTP_V2, C_HTTP, Size, NOT, &[(V0, "256k")], v(1, 9, 5)),
    row("http3", HTTP_V3, C_HS, Flag, Scalar, ON, v(1, 25, 0)),
    row("http3_hq", HTTP_V3, C_HS, Flag, Scalar, OFF, v(1, 25, 0)),
    row("http3_max_concurrent_streams", HTTP_V3, C_HS, Number, Scalar, &[(V0, "128")], v(1, 25, 0)),
    row("http3_stream_buffer_size", HTTP_V3, C_HS, Size, Scalar, &[(V0, "64k")], v(1, 25, 0)),
    row("if", REWRITE, C_SL, Block, NOT, &[], V0),
    row("if_modified_since", CORE, C_SLI, Text, Scalar, &[(V0, "exact")], v(0, 7, 24)),
    row("ignore_invalid_headers", CORE, C_HS, Flag, Scalar, ON, V0),
    row("include", MAIN_CORE, C_ANY, Text, NOT, &[], V0),
    row("index", INDEX, C_SLI, Text, Array, &[(V0, "index.html")], V0),
    row("internal", CORE, C_LOC, Text, Scalar, &[], V0),
    row("ip_hash", UPSTREAM, C_UP, Text, NOT, &[], V0),
    row("keepalive", UPSTREAM, C_UP, Number, NOT, &[(v(1, 29, 7), "32 local")], v(1, 1, 4)),
    row("keepalive_disable", CORE, C_SLI, Text, Scalar, &[(V0, "msie6")], v(0, 9, 0)),
    row("keepalive_min_timeout", CORE, C_SLI, Dur(MS), Scalar, ZERO, v(1, 27, 4)),
    row("keepalive_requests", CORE, C_SLI, Number, Scalar, KEEPALIVE_REQUESTS, v(0, 8, 0)),
    row("keepalive_requests", UPSTREAM, C_UP, Number, NOT, KEEPALIVE_REQUESTS, v(1, 15, 3)),
    row("keepalive_time", CORE, C_SLI, Dur(MS), Scalar, ONE_HOUR, v(1, 19, 10)),
    row("keepalive_time", UPSTREAM, C_UP, Dur(MS), NOT, ONE_HOUR, v(1, 19, 10)),
    row("keepalive_timeout", CORE, C_SLI, Dur(MS), Scalar, &[(V0, "75s")], V0),
    row("keepalive_timeout", UPSTREAM, C_UP, Dur(MS), NOT, S60, v(1, 15, 3)),
    row("large_client_header_buffers", CORE, C_HS, Text, Scalar, &[(V0, "4 8k")], V0),
    row("least_conn", UPSTREAM, C_UP, Text, NOT, &[], v(1, 3, 1)),
    row("least_conn", S_UPSTREAM, C_S_UP, Text, NOT, &[], STREAM_SINCE),
    row("limit_conn", LIMIT_CONN, C_SLI, Text, Array, &[], V0),
    row("limit_conn", S_LIMIT_CONN, C_S_SRV, Text, Array, &[], v(1, 9, 3)),
    row("limit_conn_dry_run", LIMIT_CONN, C_SLI, Flag, Scalar, OFF, v(1, 17, 6)),
    row("limit_conn_dry_run", S_LIMIT_CONN, C_S_SRV, Flag, Scalar, OFF, v(1, 17, 6)),
    row("limit_conn_log_level", LIMIT_CONN, C_SLI, Text, Scalar, &[(V0, "error")], v(0, 8, 18)),
    row("limit_conn_log_level", S_LIMIT_CONN, C_S_SRV, Text, Scalar, &[(V0, "error")], v(1, 9, 3)),
    row("limit_conn_status", LIMIT_CONN, C_SLI, Number, Scalar, &[(V0, "503")], v(1, 3, 15)),
    row("limit_conn_zone", LIMIT_CONN, C_HTTP, Text, NOT, &[], V0),
    row("limit_conn_zone", S_LIMIT_CONN, C_STREAM, Text, NOT, &[], v(1, 9, 3)),
    row("limit_except", CORE, C_LOC, Block, NOT, &[], V0),
    row("limit_rate", CORE, C_SLIF, Size, Scalar, ZERO, V0),
    row("limit_rate_after", CORE, C_SLIF, Size, Scalar, ZERO, v(0, 8, 0)),
    row("limit_req", LIMIT_REQ, C_SLI, Text, Array, &[], V0),
    row("limit_req_dry_run", LIMIT_REQ, C_SLI, Flag, Scalar, OFF, v(1, 17, 1)),
    row("limit_req_log_level", LIMIT_REQ, C_SLI, Text, Scalar, &[(V0, "error")], v(0, 8, 18)),
    row("limit_req_status", LIMIT_REQ, C_SLI, Number, Scalar, &[(V0, "503")], v(1, 3, 15)),
    row("limit_req_zone", LIMIT_REQ, C_HTTP, Text, NOT, &[], V0),
    row("lingering_close", CORE, C_SLI, Text, Scalar, ON, v(1, 1, 0)),
    row("lingering_time", CORE, C_SLI, Dur(MS), Scalar, &[(V0, "30s")], V0),
    row("lingering_timeout", CORE, C_SLI, Dur(MS), Scalar, &[(V0, "5s")], V0),
    row("listen", CORE, C_SRV, Text, NOT, &[(V0, "*:80 | *:8000")], V0),
    row("listen", S_CORE, C_S_SERVER, Text, NOT, &[], STREAM_SINCE),
    row("listen", MAIL_CORE, C_MAIL_SERVER, Text, NOT, &[], V0),
    row("load_module", MAIN_CORE, C_MAIN, Text, NOT, &[], v(1, 9, 11)),
    row("location", CORE, Contexts::HTTP_SERVER.or(Contexts::HTTP_LOCATION), Block, NOT, &[], V0),
    row("lock_file", MAIN_CORE, C_MAIN, Text, NOT, &[(V0, "logs/nginx.lock")], V0),
    row("log_format", LOG, C_HTTP, Text, NOT, &[(V0, "combined \"...\"")], V0),
    row("log_format", S_LOG, C_STREAM, Text, NOT, &[], v(1, 11, 4)),
    row("log_not_found", CORE, C_SLI, Flag, Scalar, ON, V0),
    row("log_subrequest", CORE, C_SLI, Flag, Scalar, OFF, V0),
    row("mail", MAIL_CORE, C_MAIN, Block, NOT, &[], V0),
    row("map", MAP, C_HTTP, Block, NOT, &[], V0),
    row("map", S_MAP, C_STREAM, Block, NOT, &[], v(1, 11, 2)),
    row("map_hash_bucket_size", MAP, C_HTTP, Number, NOT, &[(V0, "32|64|128")], V0),
    row("map_hash_bucket_size", S_MAP, C_STREAM, Number, NOT, &[(V0, "32|64|128")], v(1, 11, 2)),
    row("map_hash_max_size", MAP, C_HTTP, Number, NOT, &[(V0, "2048")], V0),
    row("map_hash_max_size", S_MAP, C_STREAM, Number, NOT, &[(V0, "2048")], v(1, 11, 2)),
    row("master_process", MAIN_CORE, C_MAIN, Flag, NOT, ON, V0),
    row("max_ranges", CORE, C_SLI, Number, Scalar, &[], v(1, 1, 2)),
    row("merge_slashes", CORE, C_HS, Flag, Scalar, ON, V0),
    row("mirror", MIRROR, C_SLI, Text, Array, OFF, v(1, 13, 4)),
    row("mirror_request_body", MIRROR, C_SLI, Flag, Scalar, ON, v(1, 13, 4)),
    row("msie_padding", CORE, C_SLI, Flag, Scalar, ON, V0),
    row("msie_refresh", CORE, C_SLI, Flag, Scalar, OFF, V0),
    row("multi_accept", MAIN_CORE, C_EVENTS, Flag, NOT, OFF, V0),
    row("open_file_cache", CORE, C_SLI, Text, Scalar, OFF, V0),
    row("open_file_cache_errors", CORE, C_SLI, Flag, Scalar, OFF, V0),
    row("open_file_cache_min_uses", CORE, C_SLI, Number, Scalar, &[(V0, "1")], V0),
    row("open_file_cache_valid", CORE, C_SLI, Dur(SEC), Scalar, S60, V0),
    row("open_log_file_cache", LOG, C_SLI, Text, Scalar, OFF, V0),
    row("open_log_file_cache", S_LOG, C_S_SRV, Text, Scalar, OFF, v(1, 11, 4)),
    row("output_buffers", CORE, C_SLI, Text, Scalar, &[(V0, "2 32k")], V0),
    row("override_charset", CHARSET, C_SLIF, Flag, Scalar, OFF, V0),
    row("pass", S_PASS, C_S_SERVER, Text, NOT, &[], v(1, 25, 5)),
    row("pcre_jit", MAIN_CORE, C_MAIN, Flag, NOT, OFF, v(1, 1, 12)),
    row("pid", MAIN_CORE, C_MAIN, Text, NOT, &[(V0, "logs/nginx.pid")], V0),
    row("port_in_redirect", CORE, C_SLI, Flag, Scalar, ON, V0),
    row("postpone_output", CORE, C_SLI, Size, Scalar, &[(V0, "1460")], V0),
    row("preread_buffer_size", S_CORE, C_S_SRV, Size, Scalar, &[(V0, "16k")], v(1, 11, 5)),
    row("preread_timeout", S_CORE, C_S_SRV, Dur(MS), Scalar, S30, v(1, 11, 5)),
    row("protocol", MAIL_CORE, C_MAIL_SERVER, Text, NOT, &[], V0),
    row("proxy_bind", PROXY, C_SLI, Text, Scalar, &[], v(0, 8, 22)),
    row("proxy_bind", S_PROXY, C_S_SRV, Text, Scalar, &[], v(1, 9, 2)),
    row("proxy_buffer_size", PROXY, C_SLI, Size, Scalar, BUF_ONE, V0),
    row("proxy_buffer_size", S_PROXY, C_S_SRV, Size, Scalar, &[(V0, "16k")], v(1, 9, 4)),
    row("proxy_buffering", PROXY, C_SLI, Flag, Scalar, ON, V0),
    row("proxy_buffers", PROXY, C_SLI, Text, Scalar, BUFS, V0),
    row("proxy_busy_buffers_size", PROXY, C_SLI, Size, Scalar, BUF_TWO, V0),
    row("proxy_cache", PROXY, C_SLI, Text, Scalar, OFF, V0),
    row("proxy_cache_background_update", PROXY, C_SLI, Flag, Scalar, OFF, v(1, 11, 10)),
    row("proxy_cache_bypass", PROXY, C_SLI, Text, Array, &[], V0),
    row("proxy_cache_convert_head", PROXY, C_SLI, Flag, Scalar, ON, v(1, 9, 7)),
    row("proxy_cache_key", PROXY, C_SLI, Text, Scalar, &[(V0, "$scheme$proxy_host$request_uri")], V0),
    row("proxy_cache_lock", PROXY, C_SLI, Flag, Scalar, OFF, v(1, 1, 12)),
    row("proxy_cache_lock_age", PROXY, C_SLI, Dur(MS), Scalar, S5, v(1, 7, 8)),
    row("proxy_cache_lock_timeout", PROXY, C_SLI, Dur(MS), Scalar, S5, v(1, 1, 12)),
    row("proxy_cache_max_range_offset", PROXY, C_SLI, Number, Scalar, &[], v(1, 11, 6)),
    row("proxy_cache_methods", PROXY, C_SLI, Text, Scalar, GET_HEAD, v(0, 7, 59)),
    row("proxy_cache_min_uses", PROXY, C_SLI, Number, Scalar, &[(V0, "1")], V0),
    row("proxy_cache_path", PROXY, C_HTTP, Text, NOT, &[], V0),
    row("proxy_cache_revalidate", PROXY, C_SLI, Flag, Scalar, OFF, v(1, 5, 7)),
    row("proxy_cache_use_stale", PROXY, C_SLI, Text, Scalar, OFF, V0),
    row("proxy_cache_valid", PROXY, C_SLI, Text, Array, &[], V0),
    row("proxy_connect_timeout", PROXY, C_SLI, Dur(MS), Scalar, S60, V0),
    row("proxy_connect_timeout", S_PROXY, C_S_SRV, Dur(MS), Scalar, S60, STREAM_SINCE),
    row("proxy_cookie_domain", PROXY, C_SLI, Text, Array, OFF, v(1, 1, 15)),
    row("proxy_cookie_flags", PROXY, C_SLI, Text, Array, OFF, v(1, 19, 3)),
    row("proxy_cookie_path", PROXY, C_SLI, Text, Array, OFF, v(1, 1, 15)),
    row("proxy_download_rate", S_PROXY, C_S_SRV, Size, Scalar, ZERO, v(1, 9, 3)),
    row("proxy_force_ranges", PROXY, C_SLI, Flag, Scalar, OFF, v(1, 7, 7)),
    row("proxy_half_close", S_PROXY, C_S_SRV, Flag, Scalar, OFF, v(1, 21, 4)),
    row("proxy_headers_hash_bucket_size", PROXY, C_SLI, Number, Scalar, &[(V0, "64")], V0),
    row("proxy_headers_hash_max_size", PROXY, C_SLI, Number, Scalar, &[(V0, "512")], V0),
    row("proxy_hide_header", PROXY, C_SLI, Text, Array, &[], V0),
    row("proxy_http_version", PROXY, C_SLI, Text, Scalar, &[(V0, "1.0"), (v(1, 29, 7), "1.1")], v(1, 1, 4)),
    row("proxy_ignore_client_abort", PROXY, C_SLI, Flag, Scalar, OFF, V0),
    row("proxy_ignore_headers", PROXY, C_SLI, Text, Scalar, &[], V0),
    row("proxy_intercept_errors", PROXY, C_SLI, Flag, Scalar, OFF, V0),
    row("proxy_limit_rate", PROXY, C_SLI, Size, Scalar, ZERO, v(1, 7, 7)),
    row("proxy_max_temp_file_size", PROXY, C_SLI, Size, Scalar, MAX_TEMP, V0),
    row("proxy_method", PROXY, C_SLI, Text, Scalar, &[], V0),
    row("proxy_next_upstream", PROXY, C_SLI, Text, Scalar, ERROR_TIMEOUT, V0),
    row("proxy_next_upstream", S_PROXY, C_S_SRV, Flag, Scalar, ON, STREAM_SINCE),
    row("proxy_next_upstream_timeout", PROXY, C_SLI, Dur(MS), Scalar, ZERO, v(1, 7, 5)),
    row("proxy_next_upstream_timeout", S_PROXY, C_S_SRV, Dur(MS), Scalar, ZERO, STREAM_SINCE),
    row("proxy_next_upstream_tries", PROXY, C_SLI, Number, Scalar, ZERO, v(1, 7, 5)),
    row("proxy_next_upstream_tries", S_PROXY, C_S_SRV, Number, Scalar, ZERO, STREAM_SINCE),
    row("proxy_no_cache", PROXY, C_SLI, Text, Array, &[], V0),
    row("proxy_pass", PROXY, Contexts::HTTP_LOCATION.or(Contexts::HTTP_LOCATION_IF).or(Contexts::HTTP_LIMIT_EXCEPT), Text, NOT, &[], V0),
    row("proxy_pass", S_PROXY, C_S_SERVER, Text, NOT, &[], STREAM_SINCE),
    row("proxy_pass_header", PROXY, C_SLI, Text, Array, &[], V0),
    row("proxy_pass_request_body", PROXY, C_SLI, Flag, Scalar, ON, V0),
    row("proxy_pass_request_headers", PROXY, C_SLI, Flag, Scalar, ON, V0),
    row("proxy_pass_trailers", PROXY, C_SLI, Flag, Scalar, OFF, v(1, 27, 2)),
    row("proxy_protocol", S_PROXY, C_S_SRV, Flag, Scalar, OFF, v(1, 9, 2)),
    row("proxy_protocol_timeout", S_CORE, C_S_SRV, Dur(MS), Scalar, S30, v(1, 11, 4)),
    row("proxy_read_timeout", PROXY, C_SLI, Dur(MS), Scalar, S60, V0),
    row("proxy_redirect", PROXY, C_SLI, Text, Array, &[(V0, "default")], V0),
    row("proxy_request_buffering", PROXY, C_SLI, Flag, Scalar, ON, v(1, 7, 11)),
    row("proxy_requests", S_PROXY, C_S_SRV, Number, Scalar, ZERO, v(1, 15, 7)),
    row("proxy_responses", S_PROXY, C_S_SRV, Number, Scalar, &[], v(1, 9, 13)),
    row("proxy_send_lowat", PROXY, C_SLI, Size, Scalar, ZERO, V0),
    row("proxy_send_timeout", PROXY, C_SLI, Dur(MS), Scalar, S60, V0),
    row("proxy_set_body", PROXY, C_SLI, Text, Scalar, &[], V0),
    row("proxy_set_header", PROXY, C_SLI, Text, KeyedArray, &[(V0, "Host $proxy_host; Connection close"), (v(1, 29, 7), "Host $proxy_host; Connection \"\"")], V0),
    row("proxy_socket_keepalive", PROXY, C_SLI, Flag, Scalar, OFF, v(1, 15, 6)),
    row("proxy_socket_keepalive", S_PROXY, C_S_SRV, Flag, Scalar, OFF, v(1, 15, 6)),
    row("proxy_ssl", S_PROXY, C_S_SRV, Flag, Scalar, OFF, STREAM_SINCE),
    row("proxy_ssl_certificate", PROXY, C_SLI, Text, Scalar, &[], v(1, 7, 8)),
    row("proxy_ssl_certificate", S_PROXY, C_S_SRV, Text, Scalar, &[], STREAM_SINCE),
    row("proxy_ssl_certificate_cache", PROXY, C_SLI, Text, Scalar, OFF, v(1, 27, 4)),
    row("proxy_ssl_certificate_key", PROXY, C_SLI, Text, Scalar, &[], v(1, 7, 8)),
    row("proxy_ssl_certificate_key", S_PROXY, C_S_SRV, Text, Scalar, &[], STREAM_SINCE),
    row("proxy_ssl_ciphers", PROXY, C_SLI, Text, Scalar, DEFAULT_CIPHERS, v(1, 5, 6)),
    row("proxy_ssl_ciphers", S_PROXY, C_S_SRV, Text, Scalar, DEFAULT_CIPHERS, STREAM_SINCE),
    row("proxy_ssl_conf_command", PROXY, C_SLI, Text, Array, &[], v(1, 19, 4)),
    row("proxy_ssl_conf_command", S_PROXY, C_S_SRV, Text, Array, &[], v(1, 19, 4)),
    row("proxy_ssl_crl", PROXY, C_SLI, Text, Scalar, &[], v(1, 7, 0)),
    row("proxy_ssl_crl", S_PROXY, C_S_SRV, Text, Scalar, &[], STREAM_SINCE),
    row("proxy_ssl_name", PROXY, C_SLI, Text, Scalar, &[(V0, "$proxy_host")], v(1, 7, 0)),
    row("proxy_ssl_name", S_PROXY, C_S_SRV, Text, Scalar, &[(V0, "host from proxy_pass")], STREAM_SINCE),
    row("proxy_ssl_password_file", PROXY, C_SLI, Text, Scalar, &[], v(1, 7, 8)),
    row("proxy_ssl_password_file", S_PROXY, C_S_SRV, Text, Scalar, &[], STREAM_SINCE),
    row("proxy_ssl_protocols", PROXY, C_SLI, Text, Scalar, SSL_PROTOCOLS, v(1, 5, 6)),
    row("proxy_ssl_protocols", S_PROXY, C_S_SRV, Text, Scalar, SSL_PROTOCOLS, STREAM_SINCE),
    row("proxy_ssl_server_name", PROXY, C_SLI, Flag, Scalar, OFF, v(1, 7, 0)),
    row("proxy_ssl_server_name", S_PROXY, C_S_SRV, Flag, Scalar, OFF, STREAM_SINCE),
    row("proxy_ssl_session_reuse", PROXY, C_SLI, Flag, Scalar, ON, V0),
    row("proxy_ssl_session_reuse", S_PROXY, C_S_SRV, Flag, Scalar, ON, STREAM_SINCE),
    row("proxy_ssl_trusted_certificate", PROXY, C_SLI, Text, Scalar, &[], v(1, 7, 0)),
    row("proxy_ssl_trusted_certificate", S_PROXY, C_S_SRV, Text, Scalar, &[], STREAM_SINCE),
    row("proxy_ssl_verify", PROXY, C_SLI, Flag, Scalar, OFF, v(1, 7, 0)),
    row("proxy_ssl_verify", S_PROXY, C_S_SRV, Flag, Scalar, OFF, STREAM_SINCE),
    row("proxy_ssl_verify_depth", PROXY, C_SLI, Number, Scalar, &[(V0, "1")], v(1, 7, 0)),
    row("proxy_ssl_verify_depth", S_PROXY, C_S_SRV, Number, Scalar, &[(V0, "1")], STREAM_SINCE),
    row("proxy_store", PROXY, C_SLI, Text, Scalar, OFF, V0),
    row("proxy_store_access", PROXY, C_SLI, Text, Scalar, USER_RW, V0),
    row("proxy_temp_file_write_size", PROXY, C_SLI, Size, Scalar, BUF_TWO, V0),
    row("proxy_temp_path", PROXY, C_SLI, Text, Scalar, &[(V0, "proxy_temp")], V0),
    row("proxy_timeout", S_PROXY, C_S_SRV, Dur(MS), Scalar, &[(V0, "10m")], STREAM_SINCE),
    row("proxy_upload_rate", S_PROXY, C_S_SRV, Size, Scalar, ZERO, v(1, 9, 3)),
    row("quic_active_connection_id_limit", HTTP_V3, C_HS, Number, Scalar, &[(V0, "2")], v(1, 25, 0)),
    row("quic_bpf", HTTP_V3, C_MAIN, Flag, NOT, OFF, v(1, 25, 0)),
    row("quic_gso", HTTP_V3, C_HS, Flag, Scalar, OFF, v(1, 25, 0)),
    row("quic_host_key", HTTP_V3, C_HS, Text, Scalar, &[], v(1, 25, 0)),
    row("quic_retry", HTTP_V3, C_HS, Flag, Scalar, OFF, v(1, 25, 0)),
    row("random", UPSTREAM, C_UP, Text, NOT, &[], v(1, 15, 1)),
    row("random", S_UPSTREAM, C_S_UP, Text, NOT, &[], v(1, 15, 1)),
    row("read_ahead", CORE, C_SLI, Size, Scalar, ZERO, V0),
    row("real_ip_header", REALIP, C_SLI, Text, Scalar, &[(V0, "X-Real-IP")], V0),
    row("real_ip_recursive", REALIP, C_SLI, Flag, Scalar, OFF, v(1, 3, 0)),
    row("recursive_error_pages", CORE, C_SLI, Flag, Scalar, OFF, V0),
    row("request_pool_size", CORE, C_HS, Size, Scalar, &[(V0, "4k")], V0),
    row("reset_timedout_connection", CORE, C_SLI, Flag, Scalar, OFF, V0),
    row("resolver", CORE, C_SLI, Text, Scalar, &[], V0),
    row("resolver", UPSTREAM, C_UP, Text, NOT, &[], v(1, 27, 3)),
    row("resolver", S_CORE, C_S_SRV, Text, Scalar, &[], v(1, 11, 3)),
    row("resolver", S_UPSTREAM, C_S_UP, Text, NOT, &[], v(1, 27, 3)),
    row("resolver_timeout", CORE, C_SLI, Dur(MS), Scalar, S30, V0),
    row("resolver_timeout", UPSTREAM, C_UP, Dur(MS), NOT, S30, v(1, 27, 3)),
    row("resolver_timeout", S_CORE, C_S_SRV, Dur(MS), Scalar, S30, v(1, 11, 3)),
    row("resolver_timeout", S_UPSTREAM, C_S_UP, Dur(MS), NOT, S30, v(1, 27, 3)),
    row("return", REWRITE, C_REWRITE, Text, NOT, &[], V0),
    row("return", S_RETURN, C_S_SERVER, Text, NOT, &[], v(1, 11, 2)),
    row("rewrite", REWRITE, C_REWRITE, Text, NOT, &[], V0),
    row("rewrite_log", REWRITE, C_HTTP.or(C_REWRITE), Flag, Scalar, OFF, V0),
    row("root", CORE, C_SLIF, Text, Scalar, &[(V0, "html")], V0),
    row("satisfy", CORE, C_SLI, Text, Scalar, &[(V0, "all")], V0),
    row("scgi_bind", SCGI, C_SLI, Text, Scalar, &[], V0),
    row("scgi_buffer_size", SCGI, C_SLI, Size, Scalar, BUF_ONE, V0),
    row("scgi_buffering", SCGI, C_SLI, Flag, Scalar, ON, V0),
    row("scgi_buffers", SCGI, C_SLI, Text, Scalar, BUFS, V0),
    row("scgi_busy_buffers_size", SCGI, C_SLI, Size, Scalar, BUF_TWO, V0),
    row("scgi_cache", SCGI, C_SLI, Text, Scalar, OFF, V0),
    row("scgi_cache_bypass", SCGI, C_SLI, Text, Array, &[], V0),
    row("scgi_cache_key", SCGI, C_SLI, Text, Scalar, &[], V0),
    row("scgi_cache_path", SCGI, C_HTTP, Text, NOT, &[], V0),
    row("scgi_cache_valid", SCGI, C_SLI, Text, Array, &[], V0),
    row("scgi_connect_timeout", SCGI, C_SLI, Dur(MS), Scalar, S60, V0),
    row("scgi_hide_header", SCGI, C_SLI, Text, Array, &[], V0),
    row("scgi_ignore_client_abort", SCGI, C_SLI, Flag, Scalar, OFF, V0),
    row("scgi_ignore_headers", SCGI, C_SLI, Text, Scalar, &[], V0),
    row("scgi_intercept_errors", SCGI, C_SLI, Flag, Scalar, OFF, V0),
    row("scgi_max_temp_file_size", SCGI, C_SLI, Size, Scalar, MAX_TEMP, V0),
    row("scgi_next_upstream", SCGI, C_SLI, Text, Scalar, ERROR_TIMEOUT, V0),
    row("scgi_next_upstream_timeout", SCGI, C_SLI, Dur(MS), Scalar, ZERO, v(1, 7, 5)),
    row("scgi_next_upstream_tries", SCGI, C_SLI, Number, Scalar, ZERO, v(1, 7, 5)),
    row("scgi_no_cache", SCGI, C_SLI, Text, Array, &[], V0),
    row("scgi_param", SCGI, C_SLI, Text, Array, &[], V0),
    row("scgi_pass", SCGI, C_LIF, Text, NOT, &[], V0),
    row("scgi_pass_header", SCGI, C_SLI, Text, Array, &[], V0),
    row("scgi_pass_request_body", SCGI, C_SLI, Flag, Scalar, ON, V0),
    row("scgi_pass_request_headers", SCGI, C_SLI, Flag, Scalar, ON, V0),
    row("scgi_read_timeout", SCGI, C_SLI, Dur(MS), Scalar, S60, V0),
    row("scgi_request_buffering", SCGI, C_SLI, Flag, Scalar, ON, v(1, 7, 11)),
    row("scgi_send_timeout", SCGI, C_SLI, Dur(MS), Scalar, S60, V0),
    row("scgi_socket_keepalive", SCGI, C_SLI, Flag, Scalar, OFF, v(1, 15, 6)),
    row("scgi_temp_path", SCGI, C_SLI, Text, Scalar, &[(V0, "scgi_temp")], V0),
    row("secure_link", SECURE_LINK, C_SLI, Text, Scalar, &[], V0),
    row("secure_link_md5", SECURE_LINK, C_SLI, Text, Scalar, &[], V0),
    row("secure_link_secret", SECURE_LINK, C_LOC, Text, Scalar, &[], V0),
    row("send_lowat", CORE, C_SLI, Size, Scalar, ZERO, V0),
    row("send_timeout", CORE, C_SLI, Dur(MS), Scalar, S60, V0),
    row("sendfile", CORE, C_SLIF, Flag, Scalar, OFF, V0),
    row("sendfile_max_chunk", CORE, C_SLI, Size, Scalar, &[(V0, "0"), (v(1, 21, 4), "2m")], V0),
    row("server", CORE, C_HTTP, Block, NOT, &[], V0),
    row("server", UPSTREAM, C_UP, Text, NOT, &[], V0),
    row("server", S_CORE, C_STREAM, Block, NOT, &[], STREAM_SINCE),
    row("server", S_UPSTREAM, C_S_UP, Text, NOT, &[], STREAM_SINCE),
    row("server", MAIL_CORE, C_MAIL, Block, NOT, &[], V0),
    row("server_name", CORE, C_SRV, Text, NOT, &[(V0, "\"\"")], V0),
    row("server_name", S_CORE, C_S_SERVER, Text, NOT, &[(V0, "\"\"")], v(1, 25, 5)),
    row("server_name_in_redirect", CORE, C_SLI, Flag, Scalar, OFF, V0),
    row("server_names_hash_bucket_size", CORE, C_HTTP, Number, NOT, &[(V0, "32|64|128")], V0),
    row("server_names_hash_bucket_size", S_CORE, C_STREAM, Number, NOT, &[(V0, "32|64|128")], v(1, 25, 5)),
    row("server_names_hash_max_size", CORE, C_HTTP, Number, NOT, &[(V0, "512")], V0),
    row("server_names_hash_max_size", S_CORE, C_STREAM, Number, NOT, &[(V0, "512")], v(1, 25, 5)),
    row("server_tokens", CORE, C_SLI, Text, Scalar, ON, V0),
    row("set", REWRITE, C_REWRITE, Text, NOT, &[], V0),
    row("set_real_ip_from", REALIP, C_SLI, Text, Array, &[], V0),
    row("source_charset", CHARSET, C_SLIF, Text, Scalar, &[], V0),
    row("split_clients", SPLIT_CLIENTS, C_HTTP, Block, NOT, &[], V0),
    row("ssl_alpn", S_SSL, C_S_SRV, Text, Scalar, &[], v(1, 21, 4)),
    row("ssl_buffer_size", SSL, C_HS, Size, Scalar, &[(V0, "16k")], v(1, 5, 9)),
    row("ssl_certificate", SSL, C_HS, Text, Array, &[], V0),
    row("ssl_certificate", S_SSL, C_S_SRV, Text, Array, &[], STREAM_SINCE),
    row("ssl_certificate_cache", SSL, C_HS, Text, Scalar, OFF, v(1, 27, 4)),
    row("ssl_certificate_compression", SSL, C_HS, Flag, Scalar, OFF, v(1, 29, 1)),
    row("ssl_certificate_key", SSL, C_HS, Text, Array, &[], V0),
    row("ssl_certificate_key", S_SSL, C_S_SRV, Text, Array, &[], STREAM_SINCE),
    row("ssl_ciphers", SSL, C_HS, Text, Scalar, NGINX_CIPHERS, V0),
    row("ssl_ciphers", S_SSL, C_S_SRV, Text, Scalar, NGINX_CIPHERS, STREAM_SINCE),
    row("ssl_client_certificate", SSL, C_HS, Text, Scalar, &[], V0),
    row("ssl_client_certificate", S_SSL, C_S_SRV, Text, Scalar, &[], v(1, 11, 8)),
    row("ssl_conf_command", SSL, C_HS, Text, Array, &[], v(1, 19, 4)),
    row("ssl_conf_command", S_SSL, C_S_SRV, Text, Array, &[], v(1, 19, 4)),
    row("ssl_crl", SSL, C_HS, Text, Scalar, &[], v(0, 8, 7)),
    row("ssl_crl", S_SSL, C_S_SRV, Text, Scalar, &[], v(1, 11, 8)),
    row("ssl_dhparam", SSL, C_HS, Text, Scalar, &[], v(0, 7, 2)),
    row("ssl_early_data", SSL, C_HS, Flag, Scalar, OFF, v(1, 15, 3)),
    row("ssl_ecdh_curve", SSL, C_HS, Text, Scalar, &[(V0, "prime256v1"), (v(1, 11, 0), "auto")], v(1, 1, 0)),
    row("ssl_engine", MAIN_CORE, C_MAIN, Text, NOT, &[], V0),
    row("ssl_handshake_timeout", S_SSL, C_S_SRV, Dur(MS), Scalar, S60, STREAM_SINCE),
    row("ssl_object_cache_inheritable", MAIN_CORE, C_MAIN, Flag, NOT, ON, v(1, 27, 4)),
    row("ssl_ocsp", SSL, C_HS, Text, Scalar, OFF, v(1, 19, 0)),
    row("ssl_ocsp_cache", SSL, C_HS, Text, Scalar, OFF, v(1, 19, 0)),
    row("ssl_ocsp_responder", SSL, C_HS, Text, Scalar, &[], v(1, 19, 0)),
    row("ssl_password_file", SSL, C_HS, Text, Scalar, &[], v(1, 7, 3)),
    row("ssl_prefer_server_ciphers", SSL, C_HS, Flag, Scalar, OFF, V0),
    row("ssl_prefer_server_ciphers", S_SSL, C_S_SRV, Flag, Scalar, OFF, STREAM_SINCE),
    row("ssl_preread", S_SSL_PREREAD, C_S_SRV, Flag, Scalar, OFF, v(1, 11, 5)),
    row("ssl_protocols", SSL, C_HS, Text, Scalar, SSL_PROTOCOLS, V0),
    row("ssl_protocols", S_SSL, C_S_SRV, Text, Scalar, SSL_PROTOCOLS, STREAM_SINCE),
    row("ssl_reject_handshake", SSL, C_HS, Flag, Scalar, OFF, v(1, 19, 4)),
    row("ssl_session_cache", SSL, C_HS, Text, Scalar, &[(V0, "none")], V0),
    row("ssl_session_cache", S_SSL, C_S_SRV, Text, Scalar, &[(V0, "none")], STREAM_SINCE),
    row("ssl_session_ticket_key", SSL, C_HS, Text, Array, &[], v(1, 5, 7)),
    row("ssl_session_tickets", SSL, C_HS, Flag, Scalar, ON, v(1, 5, 9)),
    row("ssl_session_timeout", SSL, C_HS, Dur(SEC), Scalar, &[(V0, "5m")], V0),
    row("ssl_session_timeout", S_SSL, C_S_SRV, Dur(SEC), Scalar, &[(V0, "5m")], STREAM_SINCE),
    row("ssl_stapling", SSL, C_HS, Flag, Scalar, OFF, v(1, 3, 7)),
    row("ssl_stapling_file", SSL, C_HS, Text, Scalar, &[], v(1, 3, 7)),
    row("ssl_stapling_responder", SSL, C_HS, Text, Scalar, &[], v(1, 3, 7)),
    row("ssl_stapling_verify", SSL, C_HS, Flag, Scalar, OFF, v(1, 3, 7)),
    row("ssl_trusted_certificate", SSL, C_HS, Text, Scalar, &[], v(1, 3, 7)),
    row("ssl_trusted_certificate", S_SSL, C_S_SRV, Text, Scalar, &[], v(1, 11, 8)),
    row("ssl_verify_client", SSL, C_HS, Text, Scalar, OFF, V0),
    row("ssl_verify_client", S_SSL, C_S_SRV, Text, Scalar, OFF, v(1, 11, 8)),
    row("ssl_verify_depth", SSL, C_HS, Number, Scalar, &[(V0, "1")], V0),
    row("ssl_verify_depth", S_SSL, C_S_SRV, Number, Scalar, &[(V0, "1")], v(1, 11, 8)),
    row("stream", S_CORE, C_MAIN, Block, NOT, &[], STREAM_SINCE),
    row("stub_status", STUB_STATUS, C_SL, Text, NOT, &[], V0),
    row("sub_filter", SUB, C_SLI, Text, Array, &[], V0),
    row("sub_filter_last_modified", SUB, C_SLI, Flag, Scalar, OFF, v(1, 5, 1)),
    row("sub_filter_once", SUB, C_SLI, Flag, Scalar, ON, V0),
    row("sub_filter_types", SUB, C_SLI, Text, Scalar, &[(V0, "text/html")], V0),
    row("subrequest_output_buffer_size", CORE, C_SLI, Size, Scalar, &[(V0, "4k|8k")], v(1, 13, 10)),
    row("tcp_nodelay", CORE, C_SLI, Flag, Scalar, ON, V0),
    row("tcp_nodelay", S_CORE, C_S_SRV, Flag, Scalar, ON, v(1, 9, 4)),
    row("tcp_nopush", CORE, C_SLI, Flag, Scalar, OFF, V0),
    row("thread_pool", MAIN_CORE, C_MAIN, Text, NOT, &[(V0, "default threads=32 max_queue=65536")], v(1, 7, 11)),
    row("timer_resolution", MAIN_CORE, C_MAIN, Dur(MS), NOT, &[], V0),
    row("try_files", CORE, C_SL, Text, NOT, &[], V0),
    row("types", CORE, C_SLI, Block, NOT, &[], V0),
    row("types_hash_bucket_size", CORE, C_SLI, Number, Scalar, &[(V0, "64")], V0),
    row("types_hash_max_size", CORE, C_SLI, Number, Scalar, &[(V0, "1024")], V0),
    row("underscores_in_headers", CORE, C_HS, Flag, Scalar, OFF, V0),
    row("uninitialized_variable_warn", REWRITE, C_HTTP.or(C_REWRITE), Flag, Scalar, ON, V0),
    row("upstream", UPSTREAM, C_HTTP, Block, NOT, &[], V0),
    row("upstream", S_UPSTREAM, C_STREAM, Block, NOT, &[], STREAM_SINCE),
    row("use", MAIN_CORE, C_EVENTS, Text, NOT, &[], V0),
    row("user", MAIN_CORE, C_MAIN, Text, NOT, &[(V0, "nobody nobody")], V0),
    row("userid", USERID, C_SLI, Text, Scalar, OFF, V0),
    row("userid_domain", USERID, C_SLI, Text, Scalar, &[(V0, "none")], V0),
    row("userid_expires", USERID, C_SLI, Text, Scalar, OFF, V0),
    row("userid_flags", USERID, C_SLI, Text, Scalar, OFF, v(1, 19, 3)),
    row("userid_mark", USERID, C_SLI, Text, Scalar, OFF, V0),
    row("userid_name", USERID, C_SLI, Text, Scalar, &[(V0, "uid")], V0),
    row("userid_p3p", USERID, C_SLI, Text, Scalar, &[(V0, "none")], V0),
    row("userid_path", USERID, C_SLI, Text, Scalar, &[(V0, "/")], V0),
    row("userid_service", USERID, C_SLI, Text, Scalar, &[(V0, "IP address of the server")], V0),
    row("uwsgi_bind", UWSGI, C_SLI, Text, Scalar, &[], V0),
    row("uwsgi_buffer_size", UWSGI, C_SLI, Size, Scalar, BUF_ONE, V0),
    row("uwsgi_buffering", UWSGI, C_SLI, Flag, Scalar, ON, V0),
    row("uwsgi_buffers", UWSGI, C_SLI, Text, Scalar, BUFS, V0),
    row("uwsgi_busy_buffers_size", UWSGI, C_SLI, Size, Scalar, BUF_TWO, V0),
    row("uwsgi_cache", UWSGI, C_SLI, Text, Scalar, OFF, V0),
    row("uwsgi_cache_bypass", UWSGI, C_SLI, Text, Array, &[], V0),
    row("uwsgi_cache_key", UWSGI, C_SLI, Text, Scalar, &[], V0),
    row("uwsgi_cache_lock", UWSGI, C_SLI, Flag, Scalar, OFF, v(1, 1, 12)),
    row("uwsgi_cache_lock_timeout", UWSGI, C_SLI, Dur(MS), Scalar, S5, v(1, 1, 12)),
    row("uwsgi_cache_path", UWSGI, C_HTTP, Text, NOT, &[], V0),
    row("uwsgi_cache_valid", UWSGI, C_SLI, Text, Array, &[], V0),
    row("uwsgi_connect_timeout", UWSGI, C_SLI, Dur(MS), Scalar, S60, V0),
    row("uwsgi_hide_header", UWSGI, C_SLI, Text, Array, &[], V0),
    row("uwsgi_ignore_client_abort", UWSGI, C_SLI, Flag, Scalar, OFF, V0),
    row("uwsgi_ignore_headers", UWSGI, C_SLI, Text, Scalar, &[], V0),
    row("uwsgi_intercept_errors", UWSGI, C_SLI, Flag, Scalar, OFF, V0),
    row("uwsgi_max_temp_file_size", UWSGI, C_SLI, Size, Scalar, MAX_TEMP, V0),
    row("uwsgi_modifier1", UWSGI, C_SLI, Number, Scalar, ZERO, V0),
    row("uwsgi_modifier2", UWSGI, C_SLI, Number, Scalar, ZERO, V0),
    row("uwsgi_next_upstream", UWSGI, C_SLI, Text, Scalar, ERROR_TIMEOUT, V0),
    row("uwsgi_next_upstream_timeout", UWSGI, C_SLI, Dur(MS), Scalar, ZERO, v(1, 7, 5)),
    row("uwsgi_next_upstream_tries", UWSGI, C_SLI, Number, Scalar, ZERO, v(1, 7, 5)),
    row("uwsgi_no_cache", UWSGI, C_SLI, Text, Array, &[], V0),
    row("uwsgi_param", UWSGI, C_SLI, Text, Array, &[], V0),
    row("uwsgi_pass", UWSGI, C_LIF, Text, NOT, &[], V0),
    row("uwsgi_pass_header", UWSGI, C_SLI, Text, Array, &[], V0),
    row("uwsgi_pass_request_body", UWSGI, C_SLI, Flag, Scalar, ON, V0),
    row("uwsgi_pass_request_headers", UWSGI, C_SLI, Flag, Scalar, ON, V0),
    row("uwsgi_read_timeout", UWSGI, C_SLI, Dur(MS), Scalar, S60, V0),
    row("uwsgi_request_buffering", UWSGI, C_SLI, Flag, Scalar, ON, v(1, 7, 11)),
    row("uwsgi_send_timeout", UWSGI, C_SLI, Dur(MS), Scalar, S60, V0),
    row("uwsgi_socket_keepalive", UWSGI, C_SLI, Flag, Scalar, OFF, v(1, 15, 6)),
    row("uwsgi_temp_path", UWSGI, C_SLI, Text, Scalar, &[(V0, "uwsgi_temp")], V0),
    row("variables_hash_bucket_size", CORE, C_HTTP, Number, NOT, &[(V0, "64")], V0),
    row("variables_hash_bucket_size", S_CORE, C_STREAM, Number, NOT, &[(V0, "64")], v(1, 11, 2)),
    row("variables_hash_max_size", CORE, C_HTTP, Number, NOT, &[(V0, "1024")], V0),
    row("variables_hash_max_size", S_CORE, C_STREAM, Number, NOT, &[(V0, "1024")], v(1, 11, 2)),
    row("worker_aio_requests", MAIN_CORE, C_EVENTS, Number, NOT, &[(V0, "32")], v(1, 1, 4)),
    row("worker_connections", MAIN_CORE, C_EVENTS, Number, NOT, &[(V0, "512")], V0),
    row("worker_cpu_affinity", MAIN_CORE, C_MAIN, Text, NOT, &[], V0),
    row("worker_priority", MAIN_CORE, C_MAIN, Number, NOT, ZERO, V0),
    row("worker_processes", MAIN_CORE, C_MAIN, Text, NOT, &[(V0, "1")], V0),
    row("worker_rlimit_core", MAIN_CORE, C_MAIN, Size, NOT, &[], V0),
    row("worker_rlimit_nofile", MAIN_CORE, C_MAIN, Number, NOT, &[], V0),
    row("worker_shutdown_timeout", MAIN_CORE, C_MAIN, Dur(MS), NOT, &[], v(1, 11, 11)),
    row("working_directory", MAIN_CORE, C_MAIN, Text, NOT, &[], V0),
    row("zone", UPSTREAM, C_UP, Text, NOT, &[], v(1, 9, 0)),
    row("zone", S_UPSTREAM, C_S_UP, Text, NOT, &[], STREAM_SINCE),
];

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
    fn entries_are_every_row_of_a_name() {
        for info in DIRECTIVES {
            let rows: Vec<_> = DIRECTIVES.iter().filter(|r| r.name == info.name).collect();
            let found: Vec<_> = entries(info.name).iter().collect();
            assert_eq!(found.len(), rows.len(), "{}", info.name);
            assert!(found.iter().zip(&rows).all(|(a, b)| std::ptr::eq(*a, *b)));
        }
        assert!(entries("no_such_directive").is_empty());
        assert!(entries("").is_empty());
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
        assert_eq!(
            keepalive.default_for(Version::new(1, 30, 0)),
            Some("32 local")
        );
        assert!(lookup("no_such_directive", Contexts::HTTP).is_none());
    }

    #[test]
    fn inherited_rows_sit_where_inheritance_happens() {
        let levels = Contexts::HTTP_SRV_LOC.or(Contexts::STREAM_SRV);
        for info in DIRECTIVES {
            if info.inherit != Inherit::None {
                assert!(
                    info.contexts.0 & levels.0 != 0,
                    "{} ({}) is inherited but allowed in no http/server/location/stream/server block",
                    info.name,
                    info.module
                );
            }
        }
    }

    #[test]
    fn spot_checks_against_the_docs_and_sources() {
        let at = |name: &str, context: Contexts| lookup(name, context).unwrap();

        // Contexts.
        let fastcgi_pass = at("fastcgi_pass", Contexts::HTTP_LOCATION_IF);
        assert!(fastcgi_pass.contexts.contains(Contexts::HTTP_LOCATION_IF));
        assert!(!fastcgi_pass.contexts.contains(Contexts::HTTP_SERVER));
        let header_timeout = at("client_header_timeout", Contexts::HTTP_SERVER);
        assert!(!header_timeout.contexts.contains(Contexts::HTTP_LOCATION));
        let stream_connect = at("proxy_connect_timeout", Contexts::STREAM_SERVER);
        assert_eq!(stream_connect.module, "stream/ngx_stream_proxy_module");
        assert_eq!(stream_connect.contexts, Contexts::STREAM_SRV);
        assert_eq!(
            at("proxy_connect_timeout", Contexts::HTTP_LOCATION).module,
            "http/ngx_http_proxy_module"
        );
        assert!(at("return", Contexts::HTTP_SERVER_IF)
            .contexts
            .contains(Contexts::HTTP_SERVER_IF));
        assert!(at("allow", Contexts::HTTP_LIMIT_EXCEPT)
            .contexts
            .contains(Contexts::HTTP_LIMIT_EXCEPT));

        // Defaults.
        let requests = at("keepalive_requests", Contexts::HTTP);
        assert_eq!(requests.default_for(Version::new(1, 18, 0)), Some("100"));
        assert_eq!(requests.default_for(Version::new(1, 20, 0)), Some("1000"));
        let protocols = at("ssl_protocols", Contexts::HTTP_SERVER);
        assert_eq!(
            protocols.default_for(Version::new(1, 26, 0)),
            Some("TLSv1 TLSv1.1 TLSv1.2 TLSv1.3")
        );
        assert_eq!(
            protocols.default_for(Version::new(1, 28, 0)),
            Some("TLSv1.2 TLSv1.3")
        );
        assert_eq!(
            at("proxy_next_upstream", Contexts::HTTP).default_for(Version::new(1, 24, 0)),
            Some("error timeout")
        );
        assert_eq!(
            at("proxy_next_upstream", Contexts::STREAM).default_for(Version::new(1, 24, 0)),
            Some("on")
        );
        let max_chunk = at("sendfile_max_chunk", Contexts::HTTP);
        assert_eq!(max_chunk.default_for(Version::new(1, 20, 2)), Some("0"));
        assert_eq!(max_chunk.default_for(Version::new(1, 22, 1)), Some("2m"));
        let accept_mutex = at("accept_mutex", Contexts::EVENTS);
        assert_eq!(accept_mutex.default_for(Version::new(1, 10, 3)), Some("on"));
        assert_eq!(
            accept_mutex.default_for(Version::new(1, 12, 0)),
            Some("off")
        );
        assert_eq!(
            at("fastcgi_param", Contexts::HTTP).default_for(Version::new(1, 30, 0)),
            None
        );

        // Versions.
        assert_eq!(
            at("grpc_pass", Contexts::HTTP_LOCATION).since,
            Version::new(1, 13, 10)
        );
        assert_eq!(
            at("add_header_inherit", Contexts::HTTP).since,
            Version::new(1, 29, 3)
        );
        assert_eq!(
            at("proxy_socket_keepalive", Contexts::HTTP).since,
            Version::new(1, 15, 6)
        );
        assert_eq!(
            at("keepalive_min_timeout", Contexts::HTTP).since,
            Version::new(1, 27, 4)
        );
        assert_eq!(
            at("http2", Contexts::HTTP_SERVER).since,
            Version::new(1, 25, 1)
        );
        assert_eq!(
            at("resolver", Contexts::HTTP_UPSTREAM).since,
            Version::new(1, 27, 3)
        );
        assert_eq!(at("resolver", Contexts::HTTP).since, Version::new(0, 0, 0));

        // Inheritance.
        assert_eq!(
            at("add_header", Contexts::HTTP_LOCATION).inherit,
            Inherit::Array
        );
        assert_eq!(
            at("proxy_set_header", Contexts::HTTP).inherit,
            Inherit::KeyedArray
        );
        assert_eq!(
            at("error_page", Contexts::HTTP_SERVER).inherit,
            Inherit::Array
        );
        assert_eq!(
            at("proxy_pass", Contexts::HTTP_LOCATION).inherit,
            Inherit::None
        );
        assert_eq!(
            at("keepalive_timeout", Contexts::HTTP_UPSTREAM).inherit,
            Inherit::None
        );
        assert_eq!(
            at("proxy_read_timeout", Contexts::HTTP).inherit,
            Inherit::Scalar
        );
        assert_eq!(at("rewrite", Contexts::HTTP_SERVER).inherit, Inherit::None);

        // Value kinds and time slots.
        assert_eq!(at("ssl_session_timeout", Contexts::HTTP).value, Dur(SEC));
        assert_eq!(at("open_file_cache_valid", Contexts::HTTP).value, Dur(SEC));
        assert_eq!(at("client_body_timeout", Contexts::HTTP).value, Dur(MS));
        assert_eq!(at("proxy_timeout", Contexts::STREAM).value, Dur(MS));
        assert_eq!(at("expires", Contexts::HTTP).value, Text);
        assert!(at("limit_except", Contexts::HTTP_LOCATION).is_block());
    }
}
