//! Where a `proxy_pass` / `fastcgi_pass` / `grpc_pass` / `uwsgi_pass` /
//! `scgi_pass` / `memcached_pass` sends requests.
//!
//! nginx looks the host part up among the `upstream{}` blocks of http
//! (case-insensitively, `ngx_http_upstream_add()`); a name with a port never
//! matches an explicit upstream (nginx refuses it: "upstream may not have
//! port"); anything else becomes an implicit upstream, which never pools
//! connections (the keepalive module skips implicit upstreams). With
//! variables, the host is evaluated per request and again looked up among the
//! upstreams first, so `proxy_pass http://$pool` reaches the upstreams its
//! possible values name; values from `set` and `map` are followed here.

use super::tree::{Node, NodeId};

/// What a `*_pass` directive reaches.
#[derive(Debug, Clone, PartialEq)]
pub enum Target<'m> {
    /// Named `upstream{}` blocks (several when a variable can name several).
    Upstream(Vec<Node<'m>>),
    /// A host or address: an implicit upstream without pooling.
    Address(String),
    /// A UNIX socket: also an implicit upstream.
    Unix(String),
    /// A host computed at run time that does not resolve to upstreams here.
    Variable(String),
}

impl Target<'_> {
    /// The kind as rule files name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Upstream(_) => "upstream",
            Target::Address(_) => "address",
            Target::Unix(_) => "unix",
            Target::Variable(_) => "variable",
        }
    }
}

/// The directives that pass requests to an upstream, and the URL schemes
/// each accepts.
pub(crate) const PASS_DIRECTIVES: &[(&str, &[&str])] = &[
    ("proxy_pass", &["http://", "https://"]),
    ("grpc_pass", &["grpc://", "grpcs://"]),
    ("uwsgi_pass", &["uwsgi://", "suwsgi://"]),
    ("fastcgi_pass", &[]),
    ("scgi_pass", &[]),
    ("memcached_pass", &[]),
];

/// A [`Target`] as the model keeps it, by node id: computed once per
/// directive, since rules ask for it several times each.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum KeptTarget {
    Upstream(Vec<NodeId>),
    Address(String),
    Unix(String),
    Variable(String),
}

impl KeptTarget {
    pub(super) fn keep(target: Target<'_>) -> Self {
        match target {
            Target::Upstream(ups) => KeptTarget::Upstream(ups.iter().map(|u| u.id()).collect()),
            Target::Address(host) => KeptTarget::Address(host),
            Target::Unix(path) => KeptTarget::Unix(path),
            Target::Variable(host) => KeptTarget::Variable(host),
        }
    }

    pub(super) fn target<'m>(&self, model: &'m super::Model<'m>) -> Target<'m> {
        match self {
            KeptTarget::Upstream(ids) => {
                Target::Upstream(ids.iter().map(|&id| model.node(id)).collect())
            }
            KeptTarget::Address(host) => Target::Address(host.clone()),
            KeptTarget::Unix(path) => Target::Unix(path.clone()),
            KeptTarget::Variable(host) => Target::Variable(host.clone()),
        }
    }
}

/// The target of a `*_pass` directive; `None` for other directives, a
/// `*_pass` without argument, or a stream `proxy_pass`.
pub fn pass_target<'m>(node: Node<'m>) -> Option<Target<'m>> {
    node.model().pass_target_of(node.id())
}

/// [`pass_target`], computed.
pub(super) fn compute_target<'m>(node: Node<'m>) -> Option<Target<'m>> {
    let schemes = PASS_DIRECTIVES
        .iter()
        .find(|(name, _)| *name == node.name())?
        .1;
    if node.context().0 & crate::model::Contexts::STREAM_SRV.0 != 0 {
        return None;
    }
    let url = node.arg(0)?.value().into_owned();
    let rest = without_scheme(&url, schemes);
    if let Some(path) = rest.strip_prefix("unix:") {
        return Some(Target::Unix(path.to_string()));
    }
    let host = host_of(node, rest);
    match host.find('$') {
        None => Some(by_host(node, host)),
        Some(0) => Some(resolve_variable(node, host)),
        // `http://app$request_uri`: the host is the literal part when a
        // path variable follows it.
        Some(at) if path_follows(&host[at..]) || set_to_path(node, &host[at..]) => {
            Some(match by_host(node, &host[..at]) {
                Target::Address(_) => Target::Variable(host.to_string()),
                reached => reached,
            })
        }
        Some(_) => Some(Target::Variable(host.to_string())),
    }
}

/// Whether `rest` (what follows the host) starts a path: empty, `/`, `?`,
/// or a variable whose value is a path or a query.
fn path_follows(rest: &str) -> bool {
    rest.is_empty()
        || [
            "/",
            "?",
            "$request_uri",
            "$uri",
            "$document_uri",
            "$is_args",
        ]
        .iter()
        .any(|v| rest.starts_with(v))
}

/// `url` without a leading scheme of `schemes` (ASCII, matched
/// case-insensitively as nginx does).
fn without_scheme<'a>(url: &'a str, schemes: &[&str]) -> &'a str {
    // Compared as bytes: the url's first `scheme.len()` bytes may end inside
    // a multi-byte character (`grpc_pass backenä;`), where a `str` slice
    // panics. When they match the ASCII scheme they are whole characters,
    // so cutting after them is safe.
    schemes
        .iter()
        .find(|scheme| {
            url.as_bytes()
                .get(..scheme.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(scheme.as_bytes()))
        })
        .map_or(url, |scheme| &url[scheme.len()..])
}

/// The host part of a URL without its scheme: `proxy_pass` URLs may carry
/// a path after the host.
fn host_of<'a>(node: Node<'_>, rest: &'a str) -> &'a str {
    match node.name() {
        "proxy_pass" => rest.split('/').next().unwrap_or(rest),
        _ => rest,
    }
}

fn by_host<'m>(node: Node<'m>, host: &str) -> Target<'m> {
    let has_port = match host.rsplit_once(':') {
        Some((name, port)) => !port.is_empty() && !name.ends_with(':') && !port.contains(']'),
        None => false,
    };
    match node.model().upstream(host) {
        Some(upstream) if !has_port => Target::Upstream(vec![upstream]),
        _ => Target::Address(host.to_string()),
    }
}

/// `$var` as the host (alone, or followed by a variable that holds the
/// path such as `$request_uri`): the upstreams its `set` or `map` values name.
fn resolve_variable<'m>(node: Node<'m>, host: &str) -> Target<'m> {
    let unresolved = || Target::Variable(host.to_string());
    let Some(after) = host.strip_prefix('$') else {
        return unresolved();
    };
    let (var, rest) = match after.strip_prefix('{') {
        Some(braced) => match braced.split_once('}') {
            Some((var, rest)) => (var, rest),
            None => return unresolved(),
        },
        None => {
            let len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            after.split_at(len)
        }
    };
    if var.is_empty() || !path_follows(rest) {
        return unresolved();
    }
    let var = format!("${var}");
    let values = set_values(node.ancestors(), &var);
    let model = node.model();
    let mut ids: Vec<NodeId> = Vec::new();
    for value in &values {
        if let Some(upstream) = model.upstream(value_host(value)) {
            ids.push(upstream.id());
        }
    }
    ids.extend_from_slice(model.map_upstreams(&var));
    // Each upstream once, in the order first named.
    let mut seen = rustc_hash::FxHashSet::default();
    ids.retain(|id| seen.insert(*id));
    if ids.is_empty() {
        unresolved()
    } else {
        Target::Upstream(ids.into_iter().map(|id| model.node(id)).collect())
    }
}

/// The values `set $var` gives in `scopes` (`var` with its `$`), in
/// order.
fn set_values<'m>(scopes: impl Iterator<Item = Node<'m>>, var: &str) -> Vec<String> {
    scopes
        .flat_map(|scope| scope.children_named("set"))
        .filter(|set| {
            set.arg(0)
                .is_some_and(|a| a.value().eq_ignore_ascii_case(var))
        })
        .filter_map(|set| set.arg(1).map(|a| a.value().into_owned()))
        .collect()
}

/// Whether `rest`, what follows a literal host, is one variable (and
/// nothing else) that the blocks around `node` only `set` to a path, a
/// query or nothing: `proxy_pass http://octane$suffix;` with `set $suffix
/// "";` and `set $suffix ?$query_string;` always reaches `octane`. `set`
/// inside an `if` counts: it is one of the values the variable can take.
fn set_to_path(node: Node<'_>, rest: &str) -> bool {
    let Some(var) = super::variables::whole_variable(rest) else {
        return false;
    };
    if node.model().map_for(&var).is_some() {
        return false;
    }
    let scopes = node.ancestors().flat_map(|scope| {
        std::iter::once(scope).chain(scope.children().filter(|c| c.name() == "if"))
    });
    let values = set_values(scopes, &var);
    !values.is_empty() && values.iter().all(|v| path_follows(v))
}

/// The host a variable's value names, for looking it up among the
/// upstreams: `proxy_pass $url;` with `set $url http://backend/;` holds a
/// whole URL. Any `*_pass` scheme is dropped, and the path: a value that
/// is not a URL has no `/` to cut at unless it is a socket path, which
/// names no upstream either way.
pub(crate) fn value_host(value: &str) -> &str {
    let rest = PASS_DIRECTIVES
        .iter()
        .map(|(_, schemes)| without_scheme(value, schemes))
        .min_by_key(|rest| rest.len())
        .unwrap_or(value);
    rest.split('/').next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts as config;
    use crate::model::{Model, Version};

    fn targets(conf: &str) -> Vec<String> {
        let tree = config(&[("/etc/nginx/nginx.conf", conf)]);
        let model = Model::new(&tree, Version::ASSUMED);
        model
            .nodes()
            .filter_map(|n| pass_target(n))
            .map(|t| match t {
                Target::Upstream(ups) => format!(
                    "upstream {}",
                    ups.iter()
                        .map(|u| u.arg(0).unwrap().value().into_owned())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                other => format!("{} {:?}", other.kind(), other),
            })
            .collect()
    }

    /// A variable after the host that is only ever set to a query or
    /// nothing (laradock's Octane site) leaves the host literal.
    #[test]
    fn a_suffix_set_to_a_query_keeps_the_host() {
        let found = targets(
            "http {
                upstream octane { server 127.0.0.1:8000; }
                map $host $mapped { default ?x; }
                server {
                    location @octane {
                        set $suffix \"\";
                        if ($uri = /index.php) { set $suffix ?$query_string; }
                        proxy_pass http://octane$suffix;
                    }
                    location /b { set $tail .example.com; proxy_pass http://octane$tail; }
                    location /c { proxy_pass http://octane$mapped; }
                    location /d { proxy_pass http://octane$unset; }
                }
            }",
        );
        assert_eq!(
            found,
            [
                "upstream octane",
                "variable Variable(\"octane$tail\")",
                "variable Variable(\"octane$mapped\")",
                "variable Variable(\"octane$unset\")",
            ]
        );
    }

    #[test]
    fn pass_directives_reach_upstreams_by_name() {
        let found = targets(
            "http {
                upstream App { server 127.0.0.1:8000; }
                upstream other { server 127.0.0.1:8001; }
                map $host $pool { default app; b.example other; }
                server {
                    location /a { proxy_pass http://app/; }
                    location /b { proxy_pass http://app:8000; }
                    location /c { proxy_pass http://127.0.0.1:8000; }
                    location /d { proxy_pass http://unix:/run/app.sock:/; }
                    location /e { proxy_pass https://$pool$request_uri; }
                    location /f { proxy_pass http://$pool; }
                    location /g { set $to other; proxy_pass http://$to; }
                    location /h { proxy_pass http://$host; }
                    location /i { fastcgi_pass app; grpc_pass grpc://App; }
                    location /j { set $url http://other/x; proxy_pass $url; }
                    location /k { proxy_pass http://other$request_uri; }
                    location /l { proxy_pass http://127.0.0.1:8000$request_uri; }
                    location /m { proxy_pass http://other$host; }
                }
            }",
        );
        assert_eq!(
            found,
            [
                "upstream App",
                "address Address(\"app:8000\")",
                "address Address(\"127.0.0.1:8000\")",
                "unix Unix(\"/run/app.sock:/\")",
                "upstream App,other",
                "upstream App,other",
                "upstream other",
                "variable Variable(\"$host\")",
                "upstream App",
                "upstream App",
                "upstream other",
                "upstream other",
                "variable Variable(\"127.0.0.1:8000$request_uri\")",
                "variable Variable(\"other$host\")",
            ]
        );
    }

    /// Names are UTF-8 text: `grpc_pass backenä;` is shorter than
    /// `grpc://` + 1 in characters but not in bytes, and cutting the scheme
    /// off by byte count once landed inside `ä` and panicked.
    #[test]
    fn non_ascii_names_are_cut_at_character_boundaries() {
        let found = targets(
            "http {
                upstream backenä { server 127.0.0.1:50051; }
                server {
                    location /a { grpc_pass backenä; }
                    location /b { proxy_pass aaaaaaé; }
                    location /c { uwsgi_pass ééé; }
                    location /d { grpc_pass grpc://backenä; }
                    location /e { set $u é; proxy_pass $u; }
                }
            }",
        );
        assert_eq!(
            found,
            [
                "upstream backenä",
                "address Address(\"aaaaaaé\")",
                "address Address(\"ééé\")",
                "upstream backenä",
                "variable Variable(\"$u\")",
            ]
        );
        assert_eq!(value_host("ééé/x"), "ééé");
        assert_eq!(value_host("grpc://é"), "é");
    }

    /// nginx folds only ASCII letters when it compares upstream names
    /// (`ngx_strncasecmp()`): `BACKENä` is `backenä`, `BACKENÄ` is not
    /// (nginx 1.22 then wants a port for the implicit upstream `backenä`).
    #[test]
    fn upstream_names_fold_ascii_letters_only() {
        let found = targets(
            "http {
                upstream BACKENä { server 127.0.0.1:50051; }
                upstream OTHERÄ { server 127.0.0.1:50052; }
                server {
                    location /a { grpc_pass backenä; }
                    location /b { grpc_pass otherä; }
                }
            }",
        );
        assert_eq!(found, ["upstream BACKENä", "address Address(\"otherä\")"]);
    }
}
