//! Names nginx does not know: the nearest one it does (a typo's likely
//! intent), and the third-party modules whose directives are common enough
//! in real configurations that an "unknown directive" there is a missing
//! module, not a typo.

use super::{all, Contexts};

/// Directives of widely used third-party modules: a name, or a prefix
/// ending in `*`, and the module.
const THIRD_PARTY: &[(&str, &str)] = &[
    // OpenResty's lua-nginx-module and stream-lua-nginx-module.
    ("*_by_lua", "lua-nginx-module (OpenResty)"),
    ("*_by_lua_block", "lua-nginx-module (OpenResty)"),
    ("*_by_lua_file", "lua-nginx-module (OpenResty)"),
    ("lua_*", "lua-nginx-module (OpenResty)"),
    ("balancer_keepalive", "lua-nginx-module (OpenResty)"),
    // OpenResty's other bundled modules.
    ("more_*", "headers-more-nginx-module"),
    ("echo", "echo-nginx-module"),
    ("echo_*", "echo-nginx-module"),
    ("set_*", "set-misc-nginx-module"),
    ("srcache_*", "srcache-nginx-module"),
    ("memc_*", "memc-nginx-module"),
    ("redis2_*", "redis2-nginx-module"),
    ("redis_*", "HttpRedis module"),
    ("rds_*", "rds-json-nginx-module"),
    ("drizzle_*", "drizzle-nginx-module"),
    ("postgres_*", "ngx_postgres"),
    ("encrypted_session_*", "encrypted-session-nginx-module"),
    ("array_*", "array-var-nginx-module"),
    ("form_input*", "form-input-nginx-module"),
    ("iconv_*", "iconv-nginx-module"),
    ("xss_*", "xss-nginx-module"),
    // nginx's own JavaScript module, built separately.
    ("js_*", "njs (ngx_http_js_module)"),
    // NGINX Plus (commercial) directives.
    ("api", "NGINX Plus"),
    ("health_check", "NGINX Plus"),
    ("health_check_timeout", "NGINX Plus"),
    ("status_zone", "NGINX Plus"),
    ("keyval", "NGINX Plus"),
    ("keyval_zone", "NGINX Plus"),
    ("auth_jwt", "NGINX Plus"),
    ("auth_jwt_*", "NGINX Plus"),
    ("zone_sync", "NGINX Plus"),
    ("zone_sync_*", "NGINX Plus"),
    ("ntlm", "NGINX Plus"),
    ("queue", "NGINX Plus"),
    ("state", "NGINX Plus"),
    ("mqtt", "NGINX Plus"),
    ("mqtt_*", "NGINX Plus"),
    ("oidc_*", "NGINX Plus"),
    ("auth_oidc", "NGINX Plus"),
    ("otel_*", "nginx-otel"),
    // Other common modules.
    ("brotli", "ngx_brotli"),
    ("brotli_*", "ngx_brotli"),
    ("geoip2", "ngx_http_geoip2_module"),
    ("geoip2_*", "ngx_http_geoip2_module"),
    ("vhost_traffic_status*", "nginx-module-vts"),
    ("passenger_*", "Phusion Passenger"),
    ("rails_env", "Phusion Passenger"),
    ("rack_env", "Phusion Passenger"),
    ("modsecurity", "ModSecurity-nginx"),
    ("modsecurity_*", "ModSecurity-nginx"),
    ("pagespeed", "ngx_pagespeed"),
    ("fancyindex", "ngx-fancyindex"),
    ("fancyindex_*", "ngx-fancyindex"),
    ("dav_ext_*", "nginx-dav-ext-module"),
    ("auth_pam", "ngx_http_auth_pam_module"),
    ("auth_pam_*", "ngx_http_auth_pam_module"),
    ("auth_ldap", "nginx-auth-ldap"),
    ("auth_ldap_*", "nginx-auth-ldap"),
    ("ldap_server", "nginx-auth-ldap"),
    ("subs_filter", "ngx_http_substitutions_filter_module"),
    ("subs_filter_*", "ngx_http_substitutions_filter_module"),
    ("upload_progress", "nginx-upload-progress-module"),
    ("upload_progress_*", "nginx-upload-progress-module"),
    ("track_uploads", "nginx-upload-progress-module"),
    ("report_uploads", "nginx-upload-progress-module"),
    ("upload_*", "nginx-upload-module"),
    ("proxy_cache_purge", "ngx_cache_purge"),
    ("fastcgi_cache_purge", "ngx_cache_purge"),
    ("cache_purge_response_type", "ngx_cache_purge"),
    ("nchan_*", "nchan"),
    ("push_stream_*", "nginx-push-stream-module"),
    ("rtmp", "nginx-rtmp-module"),
    ("rtmp_*", "nginx-rtmp-module"),
    ("vod", "nginx-vod-module"),
    ("vod_*", "nginx-vod-module"),
    ("naxsi_*", "NAXSI"),
    ("SecRulesEnabled", "NAXSI"),
    ("SecRulesDisabled", "NAXSI"),
    ("LearningMode", "NAXSI"),
    ("DeniedUrl", "NAXSI"),
    ("CheckRule", "NAXSI"),
    ("BasicRule", "NAXSI"),
    ("MainRule", "NAXSI"),
    ("LibInjectionSql", "NAXSI"),
    ("LibInjectionXss", "NAXSI"),
    ("testcookie", "testcookie-nginx-module"),
    ("testcookie_*", "testcookie-nginx-module"),
    ("sticky_cookie_insert", "nginx-sticky-module"),
    ("check", "nginx_upstream_check_module"),
    ("check_*", "nginx_upstream_check_module"),
    ("dyups_*", "ngx_http_dyups_module"),
    ("jdomain", "ngx_upstream_jdomain"),
    ("waf", "ngx_waf"),
    ("waf_*", "ngx_waf"),
    ("ssl_ct", "nginx-ct"),
    ("ssl_ct_*", "nginx-ct"),
    ("zip", "mod_zip"),
    ("uwsgi_cache_purge", "ngx_cache_purge"),
    ("scgi_cache_purge", "ngx_cache_purge"),
    ("small_light", "ngx_small_light"),
    ("small_light_*", "ngx_small_light"),
    ("ts", "nginx-ts-module"),
    ("ts_*", "nginx-ts-module"),
    ("statsd_*", "nginx-statsd"),
    ("security_headers", "ngx_security_headers"),
    ("security_headers_*", "ngx_security_headers"),
    ("hide_server_tokens", "ngx_security_headers"),
    ("cookie_flag", "nginx_cookie_flag_module"),
    ("http_accounting*", "ngx_http_accounting_module"),
];

/// The third-party module a directive name belongs to, if it is one of the
/// widely used ones.
pub fn third_party_module(name: &str) -> Option<&'static str> {
    THIRD_PARTY
        .iter()
        .find(
            |(pattern, _)| match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
                (Some(suffix), _) => name.ends_with(suffix) && name.len() > suffix.len(),
                (None, Some(prefix)) => name.starts_with(prefix),
                (None, None) => *pattern == name,
            },
        )
        .map(|(_, module)| *module)
}

/// The nginx directive nearest to an unknown `name`, when one is close
/// enough to be what was meant: at most one edit away for short names, two
/// for names of six characters or more (a transposition counts as one).
/// Among equally near ones, a name allowed in `context` wins.
pub fn nearest(name: &str, context: Contexts) -> Option<&'static str> {
    let limit = if name.chars().count() >= 6 { 2 } else { 1 };
    let lower = name.to_ascii_lowercase();
    all()
        .iter()
        .filter(|row| row.until.is_none())
        .map(|row| {
            let distance = distance(&lower, row.name);
            (distance, !row.contexts.contains(context), row.name)
        })
        .filter(|(distance, _, _)| *distance <= limit)
        .min()
        .map(|(_, _, name)| name)
}

/// The optimal-string-alignment distance: insertions, deletions,
/// substitutions and transpositions of neighbours each count one.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return usize::MAX;
    }
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_directive() {
        assert_eq!(
            nearest("proxy_htp_version", Contexts::HTTP_LOCATION),
            Some("proxy_http_version")
        );
        assert_eq!(
            nearest("keepalive_timout", Contexts::HTTP_UPSTREAM),
            Some("keepalive_timeout")
        );
        assert_eq!(nearest("lisetn", Contexts::HTTP_SERVER), Some("listen"));
        assert_eq!(nearest("Listen", Contexts::HTTP_SERVER), Some("listen"));
        assert_eq!(nearest("more_set_headers", Contexts::HTTP_SERVER), None);
        assert_eq!(nearest("xyz", Contexts::HTTP), None);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn third_party_names_are_told_by_their_module() {
        assert_eq!(
            third_party_module("content_by_lua_block"),
            Some("lua-nginx-module (OpenResty)")
        );
        assert_eq!(
            third_party_module("more_set_headers"),
            Some("headers-more-nginx-module")
        );
        assert_eq!(
            third_party_module("js_import"),
            Some("njs (ngx_http_js_module)")
        );
        assert_eq!(third_party_module("_by_lua"), None);
        assert_eq!(third_party_module("proxy_pass"), None);
    }
}
