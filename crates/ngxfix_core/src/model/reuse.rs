//! Whether the requests a `*_pass` directive sends can leave their
//! upstream connection open for the next request: the half of pooling the
//! location decides (the other half, whether the upstream keeps a pool, is
//! [`crate::rules`]' `pooled`).

use super::targets::{Target, PASS_DIRECTIVES};
use super::{effective, scope_of, Model, Node, Upstream};

/// Whether requests passed by `pass` can leave their connection reusable,
/// given a pool to put it in (`None`: `pass` is no `*_pass` directive of
/// http):
///
/// - `proxy_pass`: not over HTTP/1.0 (nginx sends `Connection: close` and
///   the backend closes), and not when every request carries a
///   `Connection` header that closes the connection or upgrades it (a
///   constant `close`, or a `map` whose every value is `close` or
///   `upgrade`, as the WebSocket example's `'' close;` makes it: ordinary
///   requests close, upgraded ones are closed when the WebSocket ends and
///   never return to the pool);
/// - `fastcgi_pass`: only with `fastcgi_keep_conn on`;
/// - `grpc_pass`, `memcached_pass`: always;
/// - `uwsgi_pass`, `scgi_pass`: never (the modules close after each
///   response).
pub fn reuses_connections(pass: Node<'_>) -> Option<bool> {
    super::pass_target(pass)?;
    let model = pass.model();
    let block = scope_of(pass);
    let is = |name: &str, value: &str| {
        effective(model, block, name)
            .value()
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    };
    Some(match pass.name() {
        "proxy_pass" => !is("proxy_http_version", "1.0") && !connection_closes(model, block),
        "fastcgi_pass" => is("fastcgi_keep_conn", "on"),
        "grpc_pass" | "memcached_pass" => true,
        _ => false,
    })
}

/// Whether `pass` is a `proxy_pass` whose location sets, in the
/// configuration (not nginx's default), a `Connection` header that closes
/// or upgrades every request: the author chose to close, so a pool alone
/// would change nothing.
pub fn sets_closing_connection(pass: Node<'_>) -> bool {
    pass.name() == "proxy_pass"
        && super::pass_target(pass).is_some()
        && connection_header(pass.model(), scope_of(pass))
            .is_some_and(|header| header.configured && header.closes)
}

/// The `Connection` header a location sends.
struct ConnectionHeader {
    /// Set by a `proxy_set_header` of the configuration, not by default.
    configured: bool,
    /// Each value it can take is `close` or `upgrade`, and some is `close`
    /// (a constant `upgrade` alone lets a request without `Upgrade` through
    /// as an ordinary, reusable one).
    closes: bool,
}

fn connection_closes<'m>(model: &'m Model<'m>, block: Option<Node<'m>>) -> bool {
    connection_header(model, block).is_some_and(|header| header.closes)
}

fn connection_header<'m>(
    model: &'m Model<'m>,
    block: Option<Node<'m>>,
) -> Option<ConnectionHeader> {
    let headers = effective(model, block, "proxy_set_header");
    let is_connection =
        |name: Option<&String>| name.is_some_and(|n| n.eq_ignore_ascii_case("connection"));
    let configured = headers.entry_nodes().any(|node| {
        node.arg(0)
            .is_some_and(|a| a.value().eq_ignore_ascii_case("connection"))
    });
    let value = headers
        .entry_args()
        .into_iter()
        .find(|args| is_connection(args.first()))?
        .get(1)?
        .clone();
    let values = match super::variables::whole_variable(&value).and_then(|var| model.map_for(&var))
    {
        Some(map) => map_values(map),
        None => vec![value],
    };
    let closing = |v: &String| v.eq_ignore_ascii_case("close");
    let closes = values
        .iter()
        .all(|v| closing(v) || v.eq_ignore_ascii_case("upgrade"))
        && values.iter().any(closing);
    Some(ConnectionHeader { configured, closes })
}

/// Every value a `map` can give: its entries' values, and its default
/// (the empty string when it has no `default` entry).
fn map_values(map: Node<'_>) -> Vec<String> {
    let mut values = Vec::new();
    let mut has_default = false;
    for entry in map.children() {
        match entry.name() {
            "hostnames" | "volatile" | "include" => continue,
            "default" => has_default = true,
            _ => {}
        }
        values.extend(entry.arg(0).map(|a| a.value().into_owned()));
    }
    if !has_default {
        values.push(String::new());
    }
    values
}

/// An `upstream{}` block a `*_pass` of http reaches: whose servers
/// `ngxfix probe` measures.
#[derive(Debug, Clone)]
pub struct Reached<'m> {
    pub upstream: Upstream<'m>,
    /// Whether some pass reaching it can leave connections reusable
    /// ([`reuses_connections`]): the upstreams whose idle timeout matters.
    pub reused: bool,
    /// Whether some pass reaching it speaks TLS (`https://`, `grpcs://`).
    pub tls: bool,
}

/// The `upstream{}` blocks the `*_pass` directives reach (a variable's
/// possible values followed), each once, in the order they are written.
pub fn reached_upstreams<'m>(model: &'m Model<'m>) -> Vec<Reached<'m>> {
    let mut reached: Vec<Reached<'m>> = Vec::new();
    for (name, _) in PASS_DIRECTIVES {
        for pass in model.named(name) {
            let Some(Target::Upstream(blocks)) = super::pass_target(pass) else {
                continue;
            };
            let reused = reuses_connections(pass) == Some(true);
            let tls = pass.arg(0).is_some_and(|url| {
                url.value().starts_with("https://") || url.value().starts_with("grpcs://")
            });
            for block in blocks {
                match reached
                    .iter_mut()
                    .find(|r| r.upstream.block.id() == block.id())
                {
                    Some(known) => {
                        known.reused |= reused;
                        known.tls |= tls;
                    }
                    None => reached.push(Reached {
                        upstream: Upstream {
                            block,
                            servers: block.children_named("server").collect(),
                        },
                        reused,
                        tls,
                    }),
                }
            }
        }
    }
    reached.sort_by_key(|r| r.upstream.block.id());
    reached
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts as config;
    use crate::model::Version;

    /// Whether each `proxy_pass` (or other pass) of `http_inner`, in order,
    /// reuses connections, at nginx `version`.
    fn reuse(version: Version, http_inner: &str) -> Vec<bool> {
        let text = format!("http {{\n{http_inner}\n}}\n");
        let tree = config(&[("/etc/nginx/nginx.conf", &text)]);
        let model = Model::new(&tree, version);
        let mut passes: Vec<Node<'_>> = super::super::targets::PASS_DIRECTIVES
            .iter()
            .flat_map(|(name, _)| model.named(name))
            .collect();
        passes.sort_by_key(|n| n.id());
        passes
            .into_iter()
            .map(|p| reuses_connections(p).unwrap())
            .collect()
    }

    const NEW: Version = Version::new(1, 30, 0);
    const OLD: Version = Version::new(1, 24, 0);

    #[test]
    fn http_1_0_and_the_old_default_connection_close_reuse_nothing() {
        let plain = "server { location / { proxy_pass http://app; } }";
        assert_eq!(reuse(OLD, plain), [false]);
        assert_eq!(reuse(NEW, plain), [true]);
        let set = "server { location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }";
        assert_eq!(reuse(OLD, set), [true]);
        // HTTP/1.1 alone still sends the default `Connection: close` before
        // 1.29.7.
        let version_only =
            "server { location / { proxy_pass http://app; proxy_http_version 1.1; } }";
        assert_eq!(reuse(OLD, version_only), [false]);
        assert_eq!(reuse(NEW, version_only), [true]);
        let old_version =
            "proxy_http_version 1.0; server { location / { proxy_pass http://app; } }";
        assert_eq!(reuse(NEW, old_version), [false]);
    }

    #[test]
    fn connection_headers_that_close_or_upgrade_every_request() {
        let with = |header: &str| {
            format!(
                "map $http_upgrade $close_map {{ default upgrade; '' close; }}
                 map $http_upgrade $empty_map {{ default upgrade; '' ''; }}
                 map $http_upgrade $no_default {{ websocket upgrade; }}
                 server {{ location / {{ proxy_pass http://app; proxy_set_header Connection {header}; }} }}"
            )
        };
        assert_eq!(reuse(NEW, &with("close")), [false]);
        assert_eq!(reuse(NEW, &with("$close_map")), [false]);
        assert_eq!(reuse(NEW, &with("${close_map}")), [false]);
        // Ordinary requests through these keep their connection.
        assert_eq!(reuse(NEW, &with("upgrade")), [true]);
        assert_eq!(reuse(NEW, &with("$empty_map")), [true]);
        assert_eq!(reuse(NEW, &with("$no_default")), [true]);
        assert_eq!(reuse(NEW, &with("keep-alive")), [true]);
        assert_eq!(reuse(NEW, &with("\"$close_map, x\"")), [true]);
    }

    #[test]
    fn a_closing_header_set_by_the_configuration_not_by_default() {
        let sets = |version: Version, inner: &str| {
            let text = format!(
                "http {{ map $http_upgrade $c {{ default upgrade; '' close; }} {inner} }}\n"
            );
            let tree = config(&[("/etc/nginx/nginx.conf", &text)]);
            let model = Model::new(&tree, version);
            let pass = model.named("proxy_pass").next().unwrap();
            sets_closing_connection(pass)
        };
        let map =
            "server { location / { proxy_pass http://app; proxy_set_header Connection $c; } }";
        assert!(sets(OLD, map));
        assert!(sets(NEW, map));
        // nginx's own `Connection: close` before 1.29.7 is no choice.
        let plain = "server { location / { proxy_pass http://app; proxy_set_header Host $host; } }";
        assert!(!sets(OLD, plain));
        let upgrade =
            "server { location / { proxy_pass http://app; proxy_set_header Connection upgrade; } }";
        assert!(!sets(NEW, upgrade));
    }

    #[test]
    fn other_modules() {
        let text = "server {
            location /a { fastcgi_pass php; }
            location /b { fastcgi_pass php; fastcgi_keep_conn on; }
            location /c { uwsgi_pass py; }
            location /d { grpc_pass grpc://g; }
            location /e { scgi_pass s; }
            location /f { memcached_pass m; }
        }";
        assert_eq!(reuse(NEW, text), [false, true, false, true, false, true]);
    }
}
