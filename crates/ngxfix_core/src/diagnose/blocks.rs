//! Which `upstream {}` blocks of a configuration list an address seen in
//! the log, so a failure at `10.0.0.1:8000` can be traced to `upstream app`.

use std::collections::BTreeMap;

use crate::model::Model;

/// `upstream NAME (file:line)` labels by address: each `server` of an
/// `upstream {}` block under the address nginx logs for it (a port-less
/// address gets nginx's default `:80`; a `unix:` path stays as written),
/// and each block under its own name (`no live upstreams` logs the name).
/// The servers are the model's, includes spliced: a block that includes
/// its server list is traced like one that writes it out.
pub fn upstream_blocks(model: &Model<'_>) -> BTreeMap<String, Vec<String>> {
    let mut upstreams: Vec<_> = model.upstreams().collect();
    // Labels are listed in the order the blocks are written, file by file
    // (the order of the configuration's files), not the spliced order: so
    // an address served by several blocks lists them as it always has. A
    // block spliced twice (its file included twice) is one block here.
    upstreams.sort_by_key(|u| (u.block.file(), u.block.directive().index()));
    upstreams.dedup_by_key(|u| (u.block.file(), u.block.directive().index()));
    let mut blocks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for upstream in upstreams {
        let Some(name) = upstream.block.arg(0).map(|a| a.value().into_owned()) else {
            continue;
        };
        let label = format!(
            "{name} ({}:{})",
            upstream.block.path(),
            upstream.block.line_col().line
        );
        let mut add = |key: String| {
            let list = blocks.entry(key).or_default();
            if !list.contains(&label) {
                list.push(label.clone());
            }
        };
        add(name.clone());
        for server in &upstream.servers {
            if let Some(address) = server.arg(0) {
                add(logged_address(&address.value()));
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
    use crate::model::Version;

    fn blocks_of(files: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        let config = crate::config::from_texts(files);
        upstream_blocks(&Model::new(&config, Version::ASSUMED))
    }

    #[test]
    fn servers_and_names() {
        let blocks = blocks_of(&[(
            "/etc/nginx/nginx.conf",
            "http {\n  upstream app {\n    server 10.0.0.1:8000 max_fails=3;\n    server backend;\n    server unix:/run/a.sock;\n    keepalive 8;\n  }\n  upstream v6 { server [::1]:9000; server [::2]; }\n}\n",
        )]);
        let label = "app (/etc/nginx/nginx.conf:2)".to_string();
        for address in ["10.0.0.1:8000", "backend:80", "unix:/run/a.sock", "app"] {
            assert_eq!(blocks[address], std::slice::from_ref(&label), "{address}");
        }
        assert!(blocks.contains_key("[::1]:9000"));
        assert!(blocks.contains_key("[::2]:80"));
    }

    /// Blocks are listed per address in the order they are written, file by
    /// file, and once each, whatever the spliced order: the main file's
    /// block first although the included one comes first in nginx's order,
    /// and a file included twice adds its block once.
    #[test]
    fn blocks_in_written_order_once_each() {
        let blocks = blocks_of(&[
            (
                "/etc/nginx/nginx.conf",
                "http {\n  include other.conf;\n  upstream a { server 10.0.0.1:80; }\n  include other.conf;\n}\n",
            ),
            ("/etc/nginx/other.conf", "upstream b { server 10.0.0.1; }\n"),
        ]);
        assert_eq!(
            blocks["10.0.0.1:80"],
            ["a (/etc/nginx/nginx.conf:3)", "b (/etc/nginx/other.conf:1)"]
        );
    }
}
