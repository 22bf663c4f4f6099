//! The application servers ngxfix knows and how each treats an idle
//! keepalive connection by default. The defaults come from each server's
//! source or documentation: each kind names its `source`.

use std::fmt;

use ngxfix_text::Duration;

/// How a server treats an idle keepalive connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idle {
    /// Closes it after this long.
    After(Duration),
    /// Never closes it for being idle.
    Never,
    /// Closes every connection after its response without sending
    /// `Connection: close` (uWSGI `--http-socket`): nginx cannot tell, and
    /// any reuse races with the close.
    AfterEachResponse,
    /// Closes every connection after its response and says so
    /// (`Connection: close`): safe, but nginx has nothing to pool
    /// (gunicorn's sync worker, Apache `KeepAlive Off`).
    NoKeepalive,
    /// Its configuration does not say, in a way ngxfix can read with
    /// confidence (a computed value, an environment variable): why.
    Unknown(String),
}

/// A kind of application server with its documented idle behaviour.
#[derive(Debug, Clone)]
pub struct ServerKind {
    /// The name used in specs (`gunicorn`).
    pub name: &'static str,
    /// Other names accepted for it.
    pub aliases: &'static [&'static str],
    /// The default idle behaviour of current versions.
    pub idle: Idle,
    /// The defaults of older versions, oldest first: `(major, idle)` is
    /// the default of the versions before `major` that no earlier entry
    /// covers.
    pub older: &'static [(u32, Idle)],
    /// Where the default is set, for messages and `--help`.
    pub setting: &'static str,
    /// A caveat worth telling the user.
    pub note: &'static str,
    /// Where the default is stated: a permalink to the source line, or the
    /// server's documentation.
    pub source: &'static str,
}

/// An idle timeout of `n` seconds, for the table and its readers.
pub const fn secs(n: u64) -> Idle {
    Idle::After(Duration::from_millis(n * 1000))
}

/// The Node major that brought `server.keepAliveTimeout`. Before it,
/// `server.timeout` closes idle connections.
pub(crate) const NODE_KEEP_ALIVE_TIMEOUT_SINCE: u32 = 8;

/// Node's `server.timeout` default before Node 13 (none since): what closes
/// idle connections before Node 8, and in Node 8–12 when keepAliveTimeout
/// is 0. Both Node facts live here, beside the table that uses them, so
/// that node.rs does not state them a second time.
pub(crate) const NODE_OLD_SERVER_TIMEOUT: Duration = Duration::from_secs(120);

/// Tomcat's `connectionTimeout` when nothing sets it
/// (`Constants.DEFAULT_CONNECTION_TIMEOUT`), and so its `keepAliveTimeout`:
/// embedded Tomcat's default (spring-boot below) and that of a server.xml
/// connector without either attribute (tomcat.rs). Here, beside the table,
/// so that the fact is stated once.
pub(crate) const TOMCAT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(60);

/// The server kinds ngxfix knows, with their defaults. Each names the
/// source line or document its default comes from; the ground-truth tests
/// (tests/it/ground_truth_*.rs) measure the real servers that the allowed
/// package registries have.
pub const SERVER_KINDS: &[ServerKind] = &[
    ServerKind {
        name: "gunicorn",
        aliases: &[],
        idle: secs(2),
        older: &[],
        setting: "keepalive / --keep-alive",
        note: "2s assumes a gthread or async worker (gevent, eventlet, tornado, UvicornWorker); the default worker is sync, which keeps nothing alive: declare it as gunicorn-sync",
        source: "https://github.com/benoitc/gunicorn/blob/65ac1a3a4c0aa00960968c720d6e6bd2ac32f1b9/gunicorn/config.py#L890-L909",
    },
    ServerKind {
        name: "gunicorn-sync",
        aliases: &[],
        idle: Idle::NoKeepalive,
        older: &[],
        setting: "worker_class = \"sync\" (the default; keepalive is ignored)",
        note: "closes every connection and says so (Connection: close): nothing is pooled; with --threads above 1 the worker is gthread (gunicorn)",
        source: "https://github.com/benoitc/gunicorn/blob/65ac1a3a4c0aa00960968c720d6e6bd2ac32f1b9/gunicorn/workers/sync.py#L176-L179",
    },
    ServerKind {
        name: "uvicorn",
        aliases: &[],
        idle: secs(5),
        older: &[],
        setting: "--timeout-keep-alive",
        note: "",
        source: "https://github.com/encode/uvicorn/blob/e6c7ce791fc634b6eedee40e0d0207faa8a9aefd/uvicorn/config.py#L214",
    },
    ServerKind {
        name: "hypercorn",
        aliases: &[],
        idle: secs(5),
        older: &[],
        setting: "--keep-alive / keep_alive_timeout",
        note: "",
        source: "https://github.com/pgjones/hypercorn/blob/0e2311f1ad2ae587aaa590f3824f59aa5dc0e770/src/hypercorn/config.py#L88",
    },
    ServerKind {
        name: "waitress",
        aliases: &[],
        idle: secs(120),
        older: &[],
        setting: "channel_timeout",
        note: "an idle channel is closed by the cleanup that runs every cleanup_interval (30s), so between channel_timeout and channel_timeout + cleanup_interval",
        source: "https://github.com/Pylons/waitress/blob/4a378915f6fef264c6aaf03f059bd992287ba8ba/src/waitress/adjustments.py#L250-L254",
    },
    ServerKind {
        name: "tornado",
        aliases: &[],
        idle: secs(3600),
        older: &[],
        setting: "HTTPServer(idle_connection_timeout=...)",
        note: "",
        source: "https://github.com/tornadoweb/tornado/blob/e530031405e2154654dedc4c84d5656b557ea310/tornado/httpserver.py#L189",
    },
    ServerKind {
        name: "daphne",
        aliases: &[],
        idle: secs(60),
        older: &[],
        setting: "none: Twisted's HTTPFactory timeout, which daphne leaves at its default",
        note: "Twisted's idle timeout (twisted.web.http._REQUEST_TIMEOUT); daphne has no option for it",
        source: "https://github.com/twisted/twisted/blob/64661601a1e492a9448ac1011deb9cd9467a9e30/src/twisted/web/http.py#L218",
    },
    ServerKind {
        name: "node",
        aliases: &["nodejs"],
        // 65 s on main since nodejs/node#62782 (semver-major: Node 27);
        // 5 s since keepAliveTimeout came in Node 8.
        idle: secs(65),
        older: &[
            (NODE_KEEP_ALIVE_TIMEOUT_SINCE, Idle::After(NODE_OLD_SERVER_TIMEOUT)),
            (27, secs(5)),
        ],
        setting: "server.keepAliveTimeout",
        note: "Node 20.18+ closes about 1s after keepAliveTimeout (keepAliveTimeoutBuffer, settable since 22.19/24.6)",
        source: "https://nodejs.org/api/http.html#serverkeepalivetimeout",
    },
    ServerKind {
        name: "apache",
        aliases: &["httpd"],
        idle: secs(5),
        older: &[],
        setting: "KeepAliveTimeout",
        note: "",
        source: "https://httpd.apache.org/docs/2.4/mod/core.html#keepalivetimeout",
    },
    ServerKind {
        name: "puma",
        aliases: &[],
        idle: secs(65),
        older: &[(7, secs(20))],
        setting: "persistent_timeout",
        note: "",
        source: "https://github.com/puma/puma/blob/ff2e2126ee2f0f97e21c57ce1967afde1b6f05a1/lib/puma/configuration.rb#L164",
    },
    ServerKind {
        name: "unicorn",
        aliases: &[],
        idle: Idle::NoKeepalive,
        older: &[],
        setting: "none: unicorn never keeps a connection alive",
        note: "every response says Connection: close; unicorn expects nginx to buffer in front of it",
        source: "https://github.com/defunkt/unicorn/blob/e9862718a7e98d3cbec74fc92ffc17a1023e18da/lib/unicorn/http_response.rb#L53",
    },
    ServerKind {
        name: "thin",
        aliases: &[],
        idle: secs(30),
        older: &[],
        setting: "--timeout / timeout",
        note: "inactivity timeout of the connection; past max_persistent_conns (100) keepalive connections thin answers Connection: close",
        source: "https://github.com/macournoyer/thin/blob/e7886a9bca2742586da74e06fffdd2093cc3a397/lib/thin/server.rb#L57",
    },
    ServerKind {
        name: "php-fpm",
        aliases: &["php", "fpm"],
        idle: Idle::Never,
        older: &[],
        setting: "none for a kept FastCGI connection (fastcgi_keep_conn on): the child waits for the next request without a timeout",
        note: "measured with Debian's stock pool (pm = dynamic): a kept connection is never closed for idling, and pm = ondemand's pm.process_idle_timeout does not reap its child (it is \"Reading headers\", not idle); request_terminate_timeout, when set, kills a child idling on a kept connection after that long; pm.max_requests closes the connection right after the child's last response; each kept connection holds a child, so keep nginx's keepalive below pm.max_children",
        source: "https://github.com/php/php-src/blob/01b3fc03c30c6cb85038250bb5640be3a09c6a32/main/fastcgi.c",
    },
    ServerKind {
        name: "tomcat",
        aliases: &[],
        idle: secs(20),
        older: &[],
        setting: "keepAliveTimeout (defaults to connectionTimeout)",
        note: "20s is connectionTimeout in the server.xml Tomcat ships; without it Tomcat uses 60s",
        source: "https://tomcat.apache.org/tomcat-10.1-doc/config/http.html",
    },
    ServerKind {
        name: "spring-boot",
        aliases: &[],
        idle: Idle::After(TOMCAT_CONNECTION_TIMEOUT),
        older: &[],
        setting: "server.tomcat.keep-alive-timeout",
        note: "embedded Tomcat: keepAliveTimeout defaults to connectionTimeout, 60s",
        source: "https://docs.spring.io/spring-boot/appendix/application-properties/index.html#application-properties.server.server.tomcat.keep-alive-timeout",
    },
    ServerKind {
        name: "jetty",
        aliases: &[],
        idle: secs(30),
        older: &[],
        setting: "jetty.http.idleTimeout (ServerConnector idleTimeout)",
        note: "",
        source: "https://github.com/jetty/jetty.project/blob/jetty-9.4.x/jetty-server/src/main/config/modules/http.mod",
    },
    ServerKind {
        name: "undertow",
        aliases: &[],
        idle: secs(60),
        older: &[],
        setting: "UndertowOptions.NO_REQUEST_TIMEOUT",
        note: "the default Undertow.builder() sets; an embedding (WildFly, Spring Boot) may set its own",
        source: "https://github.com/undertow-io/undertow/blob/c8299de0962021894d614a9209d42addb426c4bd/core/src/main/java/io/undertow/Undertow.java#L148",
    },
    ServerKind {
        name: "quarkus",
        aliases: &[],
        idle: secs(1800),
        older: &[],
        setting: "quarkus.http.idle-timeout",
        note: "",
        source: "https://github.com/quarkusio/quarkus/blob/08ba9f66fedad8a288ff0dc34d202630d1913ef0/extensions/vertx-http/runtime/src/main/java/io/quarkus/vertx/http/runtime/VertxHttpConfig.java",
    },
    ServerKind {
        name: "kestrel",
        aliases: &["aspnetcore", "aspnet-core"],
        idle: secs(130),
        // ASP.NET Core 1.x documents 2 minutes.
        older: &[(2, secs(120))],
        setting: "KestrelServerLimits.KeepAliveTimeout (Kestrel:Limits:KeepAliveTimeout)",
        note: "the version is ASP.NET Core's",
        source: "https://learn.microsoft.com/en-us/dotnet/api/microsoft.aspnetcore.server.kestrel.core.kestrelserverlimits.keepalivetimeout",
    },
    ServerKind {
        name: "uwsgi-http11",
        aliases: &["uwsgi-http11-socket"],
        idle: secs(4),
        older: &[],
        setting: "socket-timeout (--http11-socket)",
        note: "",
        source: "https://github.com/unbit/uwsgi/blob/6cbb2177ae48af91d2799ff3135abda545cf634c/core/init.c#L137",
    },
    ServerKind {
        name: "uwsgi-http",
        aliases: &[],
        // Measured with uWSGI 2.0.21: without `http-keepalive` the router
        // closes after every response and does not say so; with
        // `http-keepalive = N` (N > 1) it waits N seconds.
        idle: Idle::AfterEachResponse,
        older: &[],
        setting: "http-keepalive / http-timeout (--http router)",
        note: "without http-keepalive the router closes after each response; read uwsgi.ini (uwsgi:PATH) for its real setting",
        source: "https://github.com/unbit/uwsgi/blob/6cbb2177ae48af91d2799ff3135abda545cf634c/plugins/http/http.c#L1017-L1018",
    },
    ServerKind {
        name: "uwsgi-http-socket",
        aliases: &[],
        idle: Idle::AfterEachResponse,
        older: &[],
        setting: "--http-socket",
        note: "closes after every response without sending Connection: close",
        source: "https://github.com/unbit/uwsgi/blob/6cbb2177ae48af91d2799ff3135abda545cf634c/proto/http.c#L788-L799",
    },
    ServerKind {
        name: "go",
        aliases: &["go-net-http"],
        idle: Idle::Never,
        older: &[],
        setting: "http.Server{IdleTimeout} (0: ReadTimeout; both 0: none)",
        note: "",
        source: "https://pkg.go.dev/net/http#Server",
    },
    ServerKind {
        name: "actix-web",
        aliases: &["actix"],
        idle: secs(5),
        older: &[],
        setting: "HttpServer::keep_alive",
        note: "",
        source: "https://github.com/actix/actix-web/blob/4dc9f1d3887a0629732a4f2b3bce193a37cef1b7/actix-http/src/keep_alive.rs#L44-L48",
    },
    ServerKind {
        name: "mattermost",
        aliases: &[],
        idle: secs(60),
        older: &[],
        setting: "ServiceSettings.IdleTimeout (MM_SERVICESETTINGS_IDLETIMEOUT)",
        note: "",
        source: "https://github.com/mattermost/mattermost/blob/33b68c603c01dc87da764411792bb833f5f53887/server/public/model/config.go",
    },
    ServerKind {
        name: "minio",
        aliases: &[],
        idle: secs(30),
        older: &[],
        setting: "--idle-timeout (MINIO_IDLE_TIMEOUT)",
        note: "",
        source: "https://github.com/minio/minio/blob/7aac2a2c5b7c882e68c1ce017d8256be2feea27f/internal/http/server.go#L43-L44",
    },
    ServerKind {
        name: "caddy",
        aliases: &[],
        idle: secs(300),
        older: &[],
        setting: "servers { timeouts { idle } }",
        note: "",
        source: "https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/app.go#L891-L895",
    },
    ServerKind {
        name: "envoy",
        aliases: &[],
        idle: secs(3600),
        older: &[],
        setting: "common_http_protocol_options.idle_timeout",
        note: "",
        source: "https://www.envoyproxy.io/docs/envoy/v1.39.0/faq/configuration/timeouts",
    },
];

impl ServerKind {
    /// The kind named `name` (or one of its aliases), case-insensitively.
    pub fn find(name: &str) -> Option<&'static ServerKind> {
        SERVER_KINDS.iter().find(|k| {
            k.name.eq_ignore_ascii_case(name)
                || k.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
    }

    /// The idle behaviour of a version given by its major number. With no
    /// version, the shortest of the defaults: nginx closing sooner than
    /// needed only costs a reconnect, later than the backend a 502.
    pub fn idle_for(&self, major: Option<u32>) -> Idle {
        match major {
            Some(major) => self
                .older
                .iter()
                .find(|(before, _)| major < *before)
                .map_or(&self.idle, |(_, idle)| idle)
                .clone(),
            None => self
                .older
                .iter()
                .fold(self.idle.clone(), |acc, (_, older)| shorter(older, &acc)),
        }
    }

    /// The kind a format module reads files of, by its own name. Readers
    /// take the default of a setting their file leaves out from here, so
    /// that `KIND` and `KIND:PATH` agree; a name missing from the table is
    /// a bug in ngxfix (the readers' tests find it).
    pub(crate) fn own(name: &str) -> &'static ServerKind {
        Self::find(name).unwrap_or_else(|| panic!("{name} is not in SERVER_KINDS"))
    }

    /// The default idle timeout of a version, for a kind whose every
    /// default is a timeout (see [`ServerKind::idle_for`]).
    pub(crate) fn timeout_for(&self, major: Option<u32>) -> Duration {
        match self.idle_for(major) {
            Idle::After(d) => d,
            other => panic!("{}'s default is not a timeout: {other}", self.name),
        }
    }

    /// The major version whose default differs from the one before it,
    /// the latest such: what to give as `KIND@VERSION` for today's
    /// default. `None` when the default never changed.
    pub fn changed_in(&self) -> Option<u32> {
        self.older.last().map(|(major, _)| *major)
    }
}

impl Idle {
    /// Whether an idle connection stays open at least `target` (or is
    /// never closed for idling): a file that gives this needs no raise,
    /// and a raise must leave its file giving it.
    pub(crate) fn at_least(&self, target: Duration) -> bool {
        match self {
            Idle::Never => true,
            Idle::After(d) => *d >= target,
            _ => false,
        }
    }

    /// How bad it is for nginx, as a sort key: the most dangerous first.
    /// Not knowing is worst; a close nginx cannot see coming (after each
    /// response, silently) beats any timeout; shorter timeouts come before
    /// longer ones; a connection never closed, then one closed with
    /// `Connection: close` (nginx pools nothing), are harmless.
    pub(crate) fn danger(&self) -> (u8, u64) {
        match self {
            Idle::Unknown(_) => (0, 0),
            Idle::AfterEachResponse => (1, 0),
            Idle::After(d) => (2, d.as_millis()),
            Idle::Never => (3, 0),
            Idle::NoKeepalive => (4, 0),
        }
    }
}

fn shorter(a: &Idle, b: &Idle) -> Idle {
    match (a, b) {
        (Idle::After(x), Idle::After(y)) => Idle::After(*x.min(y)),
        (Idle::After(_), _) => a.clone(),
        _ => b.clone(),
    }
}

impl fmt::Display for Idle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Idle::After(d) => d.fmt(f),
            Idle::Never => f.write_str("no idle timeout"),
            Idle::AfterEachResponse => f.write_str("closes after each response"),
            Idle::NoKeepalive => f.write_str("no keepalive (Connection: close)"),
            Idle::Unknown(why) => write!(f, "cannot be determined: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{format, Source};

    #[test]
    fn node_defaults_follow_the_major_version() {
        let node = ServerKind::find("nodejs").unwrap();
        assert_eq!(node.idle_for(Some(7)), secs(120));
        assert_eq!(node.idle_for(Some(8)), secs(5));
        assert_eq!(node.idle_for(Some(26)), secs(5));
        assert_eq!(node.idle_for(Some(27)), secs(65));
        // Without a version, the shortest of them all.
        assert_eq!(node.idle_for(None), secs(5));
        assert_eq!(node.changed_in(), Some(27));
        let puma = ServerKind::find("puma").unwrap();
        assert_eq!(
            (
                puma.idle_for(Some(6)),
                puma.idle_for(Some(7)),
                puma.idle_for(None)
            ),
            (secs(20), secs(65), secs(20))
        );
        assert_eq!(ServerKind::find("gunicorn").unwrap().changed_in(), None);
    }

    /// Every kind says where its default comes from, and no name or alias
    /// is given twice (`find` would only ever see the first).
    #[test]
    fn every_kind_has_a_source_and_a_name_of_its_own() {
        let mut names = std::collections::BTreeSet::new();
        for kind in SERVER_KINDS {
            assert!(
                kind.source.starts_with("https://") && !kind.source.contains(' '),
                "{}: source {:?}",
                kind.name,
                kind.source
            );
            assert!(!kind.setting.is_empty(), "{}: no setting", kind.name);
            for name in std::iter::once(&kind.name).chain(kind.aliases) {
                assert!(
                    names.insert(name.to_ascii_lowercase()),
                    "{name} is named twice"
                );
            }
        }
    }

    #[test]
    fn the_added_kinds_and_their_defaults() {
        let idle = |name: &str| ServerKind::find(name).unwrap().idle_for(None);
        assert_eq!(idle("gunicorn"), secs(2));
        assert_eq!(idle("gunicorn-sync"), Idle::NoKeepalive);
        assert_eq!(idle("unicorn"), Idle::NoKeepalive);
        assert_eq!(idle("thin"), secs(30));
        assert_eq!(idle("tornado"), secs(3600));
        assert_eq!(idle("daphne"), secs(60));
        assert_eq!(idle("waitress"), secs(120));
        for name in ["php-fpm", "php", "FPM"] {
            assert_eq!(ServerKind::find(name).unwrap().name, "php-fpm");
        }
        assert_eq!(idle("php-fpm"), Idle::Never);
        assert_eq!(idle("go"), Idle::Never);
        assert_eq!(idle("actix"), secs(5));
        assert_eq!(ServerKind::find("actix").unwrap().name, "actix-web");
        assert_eq!(idle("mattermost"), secs(60));
        assert_eq!(idle("minio"), secs(30));
        assert_eq!(idle("jetty"), secs(30));
        assert_eq!(idle("undertow"), secs(60));
        assert_eq!(idle("quarkus"), secs(1800));
        // Kestrel: 2 minutes in ASP.NET Core 1.x, 130s since 2.0; without
        // a version the shorter.
        for name in ["kestrel", "aspnetcore", "aspnet-core"] {
            let kestrel = ServerKind::find(name).unwrap();
            assert_eq!(kestrel.name, "kestrel");
            assert_eq!(kestrel.idle_for(Some(1)), secs(120));
            assert_eq!(kestrel.idle_for(Some(8)), secs(130));
            assert_eq!(kestrel.idle_for(None), secs(120));
            assert_eq!(kestrel.changed_in(), Some(2));
        }
        // The sync worker's kind is named in gunicorn's note.
        assert!(ServerKind::find("gunicorn")
            .unwrap()
            .note
            .contains("gunicorn-sync"));
    }

    /// A file that sets no idle timeout reads as the bare kind's default,
    /// for every version: `KIND@V` and `KIND@V:PATH` agree. Tomcat is left
    /// out on purpose: a server.xml without `connectionTimeout` gets
    /// Tomcat's built-in 60 s, while the bare kind assumes the server.xml
    /// Tomcat ships, which sets 20 s.
    #[test]
    fn a_file_that_sets_nothing_reads_as_the_kinds_default() {
        let files: &[(&str, &str, &str)] = &[
            (
                "gunicorn",
                "gunicorn.conf.py",
                "bind = \"127.0.0.1:8000\"\nworker_class = \"gthread\"\n",
            ),
            ("uvicorn", "Procfile", "web: uvicorn app:app\n"),
            ("uvicorn", "serve.py", "import uvicorn\nuvicorn.run(app)\n"),
            (
                "hypercorn",
                "hypercorn.toml",
                "bind = [\"127.0.0.1:8000\"]\n",
            ),
            ("hypercorn", "Procfile", "web: hypercorn app:app\n"),
            ("uwsgi", "uwsgi.ini", "[uwsgi]\nhttp11-socket = :8000\n"),
            ("uwsgi", "uwsgi.ini", "[uwsgi]\nhttp = :8000\n"),
            ("uwsgi", "uwsgi.ini", "[uwsgi]\nhttp-socket = :8000\n"),
            (
                "node",
                "server.js",
                "const http = require('http');\nhttp.createServer(app).listen(3000);\n",
            ),
            ("node", "server.js", "app.listen(3000);\n"),
            ("puma", "puma.rb", "workers 2\n"),
            (
                "spring-boot",
                "application.properties",
                "server.port=8080\n",
            ),
            ("apache", "httpd.conf", "KeepAlive On\n"),
        ];
        for (kind, path, text) in files {
            for version in [
                None,
                Some(6),
                Some(7),
                Some(8),
                Some(26),
                Some(27),
                Some(30),
            ] {
                let reading = format(kind).unwrap().read(&Source {
                    path,
                    text,
                    version,
                });
                let table = ServerKind::find(reading.kind)
                    .unwrap_or_else(|| panic!("{kind}: {} is not a kind", reading.kind));
                assert_eq!(
                    reading.idle,
                    table.idle_for(version),
                    "{kind}@{version:?}:{path} {text:?}: {}",
                    reading.detail
                );
            }
        }
    }
}
