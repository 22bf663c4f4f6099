//! Which `upstream {}` blocks of a configuration list an address seen in
//! the log, so a failure at `10.0.0.1:8000` can be traced to `upstream app`.

use std::collections::BTreeMap;

use crate::config::ConfigTree;

/// `upstream NAME (file:line)` labels by address: each `server` of an
/// `upstream {}` block under the address nginx logs for it (a port-less
/// address gets nginx's default `:80`; a `unix:` path stays as written),
/// and each block under its own name (`no live upstreams` logs the name).
pub fn upstream_blocks(config: &ConfigTree) -> BTreeMap<String, Vec<String>> {
    let mut blocks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in config.files() {
        for directive in file.tree.directives() {
            if directive.name().value() != "upstream" {
                continue;
            }
            let Some(name) = directive.args().next().map(|a| a.value().into_owned()) else {
                continue;
            };
            let label = format!(
                "{name} ({}:{})",
                file.display_path(),
                directive.line_col().line
            );
            let mut add = |key: String| {
                let list = blocks.entry(key).or_default();
                if !list.contains(&label) {
                    list.push(label.clone());
                }
            };
            add(name.clone());
            for server in directive.children() {
                if server.name().value() != "server" {
                    continue;
                }
                if let Some(address) = server.args().next() {
                    add(logged_address(&address.value()));
                }
            }
        }
    }
    blocks
}

/// The address as nginx logs the peer: `host:port`, with port 80 when the
/// configuration gives none (`ngx_parse_url` default for upstream servers).
fn logged_address(address: &str) -> String {
    if address.starts_with("unix:") {
        return address.to_string();
    }
    let has_port = match address.strip_prefix('[') {
        Some(v6) => v6.contains("]:"),
        None => address.contains(':'),
    };
    if has_port {
        address.to_string()
    } else {
        format!("{address}:80")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_and_names() {
        let config = crate::config::from_texts(&[(
            "/etc/nginx/nginx.conf",
            "http {\n  upstream app {\n    server 10.0.0.1:8000 max_fails=3;\n    server backend;\n    server unix:/run/a.sock;\n    keepalive 8;\n  }\n  upstream v6 { server [::1]:9000; server [::2]; }\n}\n",
        )]);
        let blocks = upstream_blocks(&config);
        let label = "app (/etc/nginx/nginx.conf:2)".to_string();
        for address in ["10.0.0.1:8000", "backend:80", "unix:/run/a.sock", "app"] {
            assert_eq!(blocks[address], std::slice::from_ref(&label), "{address}");
        }
        assert!(blocks.contains_key("[::1]:9000"));
        assert!(blocks.contains_key("[::2]:80"));
    }
}
