//! Which variables exist: those nginx's own http modules provide, and those
//! the configuration defines. nginx refuses a configuration that uses any
//! other (`unknown "name" variable`); in practice such a name is often a
//! placeholder a template tool (envsubst) replaces before nginx starts.

use super::tree::Node;
use rustc_hash::FxHashSet;

use super::Model;

/// The variables of nginx's http modules, from the `ngx_http_variable_t`
/// tables and `ngx_http_add_variable()` calls of the nginx source (commit
/// 3f6f7824d, 1.31): every module, including those a build may leave out,
/// since a build without one refuses its directives first.
const BUILT_IN: &[&str] = &[
    "ancient_browser",
    "args",
    "binary_remote_addr",
    "body_bytes_sent",
    "bytes_sent",
    "connection",
    "connection_requests",
    "connection_time",
    "connections_active",
    "connections_reading",
    "connections_waiting",
    "connections_writing",
    "content_length",
    "content_type",
    "date_gmt",
    "date_local",
    "document_root",
    "document_uri",
    "fastcgi_path_info",
    "fastcgi_script_name",
    "geoip_area_code",
    "geoip_city",
    "geoip_city_continent_code",
    "geoip_city_country_code",
    "geoip_city_country_code3",
    "geoip_city_country_name",
    "geoip_country_code",
    "geoip_country_code3",
    "geoip_country_name",
    "geoip_dma_code",
    "geoip_latitude",
    "geoip_longitude",
    "geoip_org",
    "geoip_postal_code",
    "geoip_region",
    "geoip_region_name",
    "grpc_internal_trailers",
    "gzip_ratio",
    "host",
    "hostname",
    "http2",
    "http3",
    "https",
    "invalid_referer",
    "is_args",
    "is_request_port",
    "limit_conn_status",
    "limit_rate",
    "limit_req_status",
    "memcached_key",
    "modern_browser",
    "msec",
    "msie",
    "nginx_version",
    "pid",
    "pipe",
    "proxy_add_via",
    "proxy_add_x_forwarded_for",
    "proxy_host",
    "proxy_internal_body_length",
    "proxy_internal_chunked",
    "proxy_port",
    "proxy_protocol_addr",
    "proxy_protocol_port",
    "proxy_protocol_server_addr",
    "proxy_protocol_server_port",
    "query_string",
    "realip_remote_addr",
    "realip_remote_port",
    "realpath_root",
    "remote_addr",
    "remote_port",
    "remote_user",
    "request",
    "request_body",
    "request_body_file",
    "request_completion",
    "request_filename",
    "request_id",
    "request_length",
    "request_method",
    "request_port",
    "request_time",
    "request_uri",
    "scheme",
    "secure_link",
    "secure_link_expires",
    "server_addr",
    "server_name",
    "server_port",
    "server_protocol",
    "slice_range",
    "ssl_alpn_protocol",
    "ssl_cipher",
    "ssl_ciphers",
    "ssl_client_cert",
    "ssl_client_escaped_cert",
    "ssl_client_fingerprint",
    "ssl_client_i_dn",
    "ssl_client_i_dn_legacy",
    "ssl_client_raw_cert",
    "ssl_client_s_dn",
    "ssl_client_s_dn_legacy",
    "ssl_client_serial",
    "ssl_client_sigalg",
    "ssl_client_v_end",
    "ssl_client_v_remain",
    "ssl_client_v_start",
    "ssl_client_verify",
    "ssl_curve",
    "ssl_curves",
    "ssl_early_data",
    "ssl_ech_outer_server_name",
    "ssl_ech_status",
    "ssl_protocol",
    "ssl_server_name",
    "ssl_session_id",
    "ssl_session_reused",
    "ssl_sigalg",
    "ssl_sigalgs",
    "status",
    "tcpinfo_rcv_space",
    "tcpinfo_rtt",
    "tcpinfo_rttvar",
    "tcpinfo_snd_cwnd",
    "time_iso8601",
    "time_local",
    "uid_got",
    "uid_reset",
    "uid_set",
    "upstream_addr",
    "upstream_bytes_received",
    "upstream_bytes_sent",
    "upstream_cache_etag",
    "upstream_cache_last_modified",
    "upstream_cache_status",
    "upstream_connect_time",
    "upstream_header_time",
    "upstream_response_length",
    "upstream_response_time",
    "upstream_status",
    "uri",
];

/// Prefixes of the variables nginx makes up from request data (`$arg_id`,
/// `$http_x_token`, ...).
const BUILT_IN_PREFIXES: &[&str] = &[
    "arg_",
    "cookie_",
    "http_",
    "sent_http_",
    "sent_trailer_",
    "upstream_http_",
    "upstream_trailer_",
    "upstream_cookie_",
    "proxy_protocol_tlv_",
];

/// Directives whose first argument defines a variable (`$name`), nginx's
/// and the common third-party modules' (Perl, njs, Lua, auth_request).
const DEFINERS: &[&str] = &[
    "set",
    "map",
    "geo",
    "split_clients",
    "perl_set",
    "js_set",
    "auth_request_set",
    "set_by_lua",
    "set_by_lua_block",
    "set_by_lua_file",
];

/// Whether `name` (without its `$`, any case: nginx compares variable names
/// case-insensitively) is a variable nginx provides or the configuration
/// defines (with a defining directive or a named regex capture); numbered
/// captures (`$1`) always count.
pub fn is_known(model: &Model<'_>, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.bytes().all(|b| b.is_ascii_digit())
        || BUILT_IN.contains(&lower.as_str())
        || BUILT_IN_PREFIXES.iter().any(|p| lower.starts_with(p))
        || model.defined_variables().contains(&lower)
}

/// The variable `value` consists of, with its `$` (`$connection_upgrade`
/// or `${connection_upgrade}`), when it is one variable and nothing else.
pub(crate) fn whole_variable(value: &str) -> Option<String> {
    let name = value.strip_prefix('$')?;
    let name = name
        .strip_prefix('{')
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    let plain = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    plain.then(|| format!("${name}"))
}

/// The variables the configuration defines, lowercase, without `$`.
pub(super) fn defined(model: &Model<'_>) -> FxHashSet<String> {
    let mut found = FxHashSet::default();
    for definer in DEFINERS {
        for node in model.named(definer) {
            // `map $source $result`: the result is the second argument.
            let at = usize::from(*definer == "map" || *definer == "split_clients");
            let index = if *definer == "geo" && node.args().count() > 1 {
                1
            } else {
                at
            };
            if let Some(var) = node.arg(index) {
                if let Some(name) = var.value().strip_prefix('$') {
                    found.insert(name.to_ascii_lowercase());
                }
            }
        }
    }
    // Named captures of regular expressions (`(?<name>...)`, `(?P<name>`,
    // `(?'name'`), wherever they are written: a map entry's name is one.
    // Only files whose text holds a `(?` can have one (unescaping a word
    // cannot make one), and most hold none.
    let holds: Vec<bool> = model
        .config()
        .files()
        .iter()
        .map(|file| memchr::memmem::find(file.tree.text(), b"(?").is_some())
        .collect();
    for node in model.nodes().filter(|n| holds[n.file().index()]) {
        captures(node.name(), &mut found);
        for arg in node.args() {
            captures(&arg.value(), &mut found);
        }
    }
    found
}

/// The first spelling of each variable the configuration's arguments
/// write in more than one way (`$My_Var` and `$my_var` are one variable
/// to nginx), keyed by its lowercase name. Variables written one way only
/// (nearly all) are left out: they are never inconsistent.
pub(super) fn mixed_spellings(model: &Model<'_>) -> rustc_hash::FxHashMap<String, String> {
    let mut first: rustc_hash::FxHashMap<String, String> = rustc_hash::FxHashMap::default();
    let mut mixed = rustc_hash::FxHashSet::default();
    // Of two spellings that differ, one has an uppercase letter: only the
    // names some text spells so can be mixed, and usually there is none.
    let upper = spelled_in_uppercase(model);
    if upper.is_empty() {
        return first;
    }
    for node in model.nodes() {
        for arg in node.args() {
            for name in super::definitions::names_in(&arg.value()) {
                let lower = super::lowercase(name);
                if !upper.contains(lower.as_ref()) {
                    continue;
                }
                match first.get(lower.as_ref()) {
                    Some(earlier) if earlier != name => {
                        mixed.insert(lower.into_owned());
                    }
                    Some(_) => {}
                    None => {
                        first.insert(lower.into_owned(), name.to_string());
                    }
                }
            }
        }
    }
    first.retain(|lower, _| mixed.contains(lower));
    first
}

/// The names (lowercase) that a variable reference in some file's text,
/// comments included, spells with an uppercase letter: every name an
/// argument spells so (a word's value holds no `$name` its text does not).
fn spelled_in_uppercase(model: &Model<'_>) -> FxHashSet<String> {
    let mut found = FxHashSet::default();
    for file in model.config().files() {
        let text = String::from_utf8_lossy(file.tree.text());
        found.extend(
            super::definitions::names_in(&text)
                .filter(|name| name.bytes().any(|b| b.is_ascii_uppercase()))
                .map(str::to_ascii_lowercase),
        );
    }
    found
}

/// The first variable of `node`'s arguments that the configuration wrote
/// with other letter case before: `$MY_VAR (first written $My_Var)`.
pub fn inconsistent(node: Node<'_>) -> Option<String> {
    let mixed = node.model().mixed_spellings();
    if mixed.is_empty() {
        return None;
    }
    node.args().find_map(|arg| {
        super::definitions::names_in(&arg.value()).find_map(|name| {
            let earlier = mixed.get(super::lowercase(name).as_ref())?;
            (earlier != name).then(|| format!("${name} (first written ${earlier})"))
        })
    })
}

fn captures(word: &str, found: &mut FxHashSet<String>) {
    if !word.contains("(?") {
        return;
    }
    for opener in ["(?<", "(?P<", "(?'"] {
        for (at, _) in word.match_indices(opener) {
            let rest = &word[at + opener.len()..];
            let len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if len > 0 {
                found.insert(rest[..len].to_ascii_lowercase());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts as config;
    use crate::model::Version;

    fn known(text: &str, names: &[&str]) -> Vec<bool> {
        let tree = config(&[("/etc/nginx/nginx.conf", text)]);
        let model = Model::new(&tree, Version::ASSUMED);
        names.iter().map(|n| is_known(&model, n)).collect()
    }

    #[test]
    fn nginx_variables_and_those_the_configuration_defines() {
        let text = "http {
            map $http_upgrade $connection_upgrade { default upgrade; }
            geo $remote_addr $office { default 0; }
            geo $trusted { default 0; }
            split_clients $remote_addr $bucket { 50% a; * b; }
            server {
                server_name ~^(?<sub>.+)\\.example\\.com$;
                location ~ ^/u/(?P<user>[a-z]+) { set $Target http://x; }
            }
        }\n";
        let names = [
            "host",
            "HTTP_HOST",
            "arg_id",
            "1",
            "connection_upgrade",
            "office",
            "trusted",
            "bucket",
            "sub",
            "user",
            "target",
        ];
        assert!(
            known(text, &names).iter().all(|k| *k),
            "{:?}",
            known(text, &names)
        );
        assert_eq!(
            known(
                text,
                &["FLASK_SERVER_ADDR", "backend_url", "remote_address"]
            ),
            [false, false, false]
        );
    }

    #[test]
    fn spellings_and_captures_are_found_in_whichever_file_holds_them() {
        let tree = config(&[
            (
                "/etc/nginx/nginx.conf",
                "http { server { return 200 \"$my_var $host\"; } include conf.d/*.conf; }\n",
            ),
            (
                "/etc/nginx/conf.d/a.conf",
                "server { location ~ ^/(?<Part>x) { add_header X ${My_Var}; } }\n",
            ),
            ("/etc/nginx/conf.d/b.conf", "server { set $HOST_name 1; }\n"),
        ]);
        let model = Model::new(&tree, Version::ASSUMED);
        let mixed = model.mixed_spellings();
        assert_eq!(mixed.get("my_var").map(String::as_str), Some("my_var"));
        assert_eq!(mixed.len(), 1, "{mixed:?}");
        assert!(model.defined_variables().contains("part"));
        let nothing = config(&[("/etc/nginx/nginx.conf", "http { set $Host 1; }\n")]);
        assert!(Model::new(&nothing, Version::ASSUMED)
            .mixed_spellings()
            .is_empty());
    }
}
