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

use super::tree::Node;

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
pub const PASS_DIRECTIVES: &[(&str, &[&str])] = &[
    ("proxy_pass", &["http://", "https://"]),
    ("grpc_pass", &["grpc://", "grpcs://"]),
    ("uwsgi_pass", &["uwsgi://", "suwsgi://"]),
    ("fastcgi_pass", &[]),
    ("scgi_pass", &[]),
    ("memcached_pass", &[]),
];

/// The target of a `*_pass` directive; `None` for other directives, a
/// `*_pass` without argument, or a stream `proxy_pass`.
pub fn pass_target<'m>(node: Node<'m>) -> Option<Target<'m>> {
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
    if host.contains('$') {
        return Some(resolve_variable(node, host, schemes));
    }
    Some(by_host(node, host))
}

fn without_scheme<'a>(url: &'a str, schemes: &[&str]) -> &'a str {
    schemes
        .iter()
        .find(|scheme| {
            url.len() >= scheme.len() && url[..scheme.len()].eq_ignore_ascii_case(scheme)
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
fn resolve_variable<'m>(node: Node<'m>, host: &str, schemes: &[&str]) -> Target<'m> {
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
    let path_follows = rest.is_empty()
        || [
            "/",
            "?",
            "$request_uri",
            "$uri",
            "$document_uri",
            "$is_args",
        ]
        .iter()
        .any(|v| rest.starts_with(v));
    if var.is_empty() || !path_follows {
        return unresolved();
    }
    let var = format!("${var}");
    let mut values = Vec::new();
    for scope in node.ancestors() {
        for set in scope.children_named("set") {
            if set
                .arg(0)
                .is_some_and(|a| a.value().eq_ignore_ascii_case(&var))
            {
                values.extend(set.arg(1).map(|a| a.value().into_owned()));
            }
        }
    }
    let model = node.model();
    if let Some(map) = model.map_for(&var) {
        for entry in map.children() {
            values.extend(entry.arg(0).map(|a| a.value().into_owned()));
        }
    }
    let mut upstreams: Vec<Node<'m>> = Vec::new();
    for value in &values {
        // `proxy_pass $url;` with `set $url http://backend/;`: the value is
        // a whole URL.
        let value = host_of(node, without_scheme(value, schemes));
        if let Some(upstream) = model.upstream(value) {
            if !upstreams.contains(&upstream) {
                upstreams.push(upstream);
            }
        }
    }
    if upstreams.is_empty() {
        unresolved()
    } else {
        Target::Upstream(upstreams)
    }
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
            ]
        );
    }
}
