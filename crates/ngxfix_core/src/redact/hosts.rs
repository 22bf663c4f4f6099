//! `--hosts`: IP addresses anywhere, and host names where nginx expects a
//! host (`server_name`, URLs, upstream `server`, `*_pass`, `resolver`, the
//! `Host` header, syslog `server=`, keys of maps over the host).
//!
//! Kept: upstream names (`proxy_pass http://app` must still reach
//! `upstream app`, or the findings change), loopback and `localhost`
//! (identifying no one), `unix:` sockets, variables, and the documentation
//! ranges the stand-ins come from. Addresses keep their numeric order (so
//! geo `a-b` ranges stay valid); a CIDR is replaced with its `/N`: when a
//! configuration has networks, each gets an aligned block of its own in
//! 198.18.0.0/15, at least a /20 (`10.0.0.0/8` -> `198.18.16.0/20`), so
//! distinct networks stay distinct and their addresses stay inside them.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

use super::placeholder::{keeps_host, keeps_ipv4, keeps_ipv6};
use super::text::Piece;
use super::{detect, Found, Kind, Scope};
use crate::model::targets::PASS_DIRECTIVES;
use crate::syntax::Directive;

/// Variables whose value is a host name: maps over them have host keys.
const HOST_VARIABLES: &[&str] = &["$host", "$http_host", "$server_name", "$ssl_server_name"];

/// Addresses in any text; URL hosts unless `comment`: in comments most
/// URLs point at documentation (nginx.org, MDN, RFCs), so there only the
/// names the configuration itself uses as hosts go (found by propagation).
pub(crate) fn free_text(
    piece: Piece<'_>,
    comment: bool,
    upstreams: &HashSet<String>,
    out: &mut Vec<Found>,
) {
    ipv4(piece, out);
    ipv6(piece, out);
    if !comment {
        url_hosts(piece, upstreams, out);
    }
}

/// Host names in the places a directive takes one; `in_upstream`: the
/// directive is in an `upstream{}` block (possibly through an include, so
/// the caller, who has the spliced tree, says).
pub(crate) fn directive(
    scope: &Scope<'_>,
    d: &Directive<'_>,
    in_upstream: bool,
    upstreams: &HashSet<String>,
    out: &mut Vec<Found>,
) {
    let name = d.name().value();
    let args: Vec<Piece<'_>> = d.args().map(|w| scope.word(&w)).collect();
    match name.as_ref() {
        "server_name" => args.iter().for_each(|a| server_name(*a, out)),
        "server" if in_upstream => {
            if let Some(arg) = args.first() {
                host_port(after_userinfo(*arg), upstreams, out);
            }
        }
        "resolver" => args
            .iter()
            .filter(|a| !a.text.contains('='))
            .for_each(|a| host_port(*a, upstreams, out)),
        "proxy_set_header" | "grpc_set_header"
            if args
                .first()
                .is_some_and(|h| h.text.eq_ignore_ascii_case("host")) =>
        {
            if let Some(value) = args.get(1) {
                for literal in value.literals() {
                    dotted_host(literal, out);
                }
            }
        }
        "proxy_ssl_name" | "grpc_ssl_name" | "uwsgi_ssl_name" => {
            if let Some(value) = args.first() {
                value
                    .literals()
                    .into_iter()
                    .for_each(|l| dotted_host(l, out));
            }
        }
        "access_log" | "error_log" => {
            for arg in &args {
                if let Some(at) = arg.text.find("server=") {
                    let rest = arg.from(at + 7);
                    let end = rest.text.find(',').unwrap_or(rest.text.len());
                    host_port(rest.slice(0, end), upstreams, out);
                }
            }
        }
        pass if PASS_DIRECTIVES.iter().any(|(p, _)| *p == pass) => {
            // With a scheme, the URL scan finds the host.
            if let Some(arg) = args.first().filter(|a| !a.text.contains("://")) {
                host_port(after_userinfo(*arg), upstreams, out);
            }
        }
        _ => {}
    }
    if let Some(map) = d.parent().filter(|p| p.name().value() == "map") {
        let source = map.args().next().map(|w| w.value().to_ascii_lowercase());
        if source.is_some_and(|s| HOST_VARIABLES.contains(&s.as_str())) {
            server_name(scope.word(&d.name()), out);
        }
    }
}

fn after_userinfo(arg: Piece<'_>) -> Piece<'_> {
    match arg.text.find('@') {
        Some(at) => arg.from(at + 1),
        None => arg,
    }
}

/// `host`, `host:port`, or an address (found by the address scan); not
/// `unix:`, variables or upstream names.
fn host_port(arg: Piece<'_>, upstreams: &HashSet<String>, out: &mut Vec<Found>) {
    if arg.text.starts_with("unix:") || arg.text.starts_with('[') {
        return;
    }
    let end = arg.text.find([':', '/']).unwrap_or(arg.text.len());
    let host = arg.slice(0, end);
    if is_host_name(host.text) && !upstreams.contains(&host.text.to_ascii_lowercase()) {
        out.push(Found::host(host, false));
    }
}

/// A literal that is a dotted host name, possibly with a port.
fn dotted_host(literal: Piece<'_>, out: &mut Vec<Found>) {
    let end = literal.text.find(':').unwrap_or(literal.text.len());
    let host = literal.slice(0, end);
    if host.text.contains('.') && is_host_name(host.text) {
        out.push(Found::host(host, false));
    }
}

/// A `server_name` (or a key of a map over the host): exact, `*.` or `.`
/// wildcard in front, `.*` behind, or a regex whose escaped domains go.
fn server_name(arg: Piece<'_>, out: &mut Vec<Found>) {
    if let Some(regex) = arg.text.strip_prefix('~') {
        let body = arg.from(arg.text.len() - regex.len());
        for m in ESCAPED_DOMAIN.find_iter(body.text) {
            let domain = m.as_str().replace("\\.", ".");
            if is_host_name(&domain) && !keeps_host(&domain) {
                out.push(Found::host(body.slice(m.start(), m.end()), true));
            }
        }
        return;
    }
    if arg.text.contains('$') {
        return;
    }
    let start = if arg.text.starts_with("*.") {
        2
    } else {
        usize::from(arg.text.starts_with('.'))
    };
    let end = arg.text.len() - if arg.text.ends_with(".*") { 2 } else { 0 };
    if start >= end {
        return;
    }
    let host = arg.slice(start, end);
    if host.text.contains('.') && is_host_name(host.text) {
        out.push(Found::host(host, false));
    }
}

/// A host name nginx could resolve, not one kept: letters, digits, `-`,
/// `_` and dots, with a letter in its last label (so not an address or a
/// number).
pub(crate) fn is_host_name(name: &str) -> bool {
    let valid_chars = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        && !name.starts_with(['.', '-'])
        && !name.ends_with(['.', '-'])
        && !name.contains("..");
    valid_chars
        && name
            .rsplit('.')
            .next()
            .is_some_and(|last| last.bytes().any(|b| b.is_ascii_alphabetic()))
        && !keeps_host(name)
}

static ESCAPED_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9-]+(?:\\\.[A-Za-z0-9-]+)*\\\.[A-Za-z][A-Za-z0-9-]*")
        .expect("valid regex")
});

static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}").expect("valid regex"));

static BRACKETED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([0-9A-Fa-f:.]+)\]").expect("valid regex"));

fn url_hosts(piece: Piece<'_>, upstreams: &HashSet<String>, out: &mut Vec<Found>) {
    for scheme in detect::URL_SCHEME.find_iter(piece.text) {
        let rest = &piece.text[scheme.end()..];
        let start = scheme.end() + detect::url_userinfo(rest).map_or(0, |info| info.len() + 1);
        let len = piece.text[start..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            .count();
        let end = start + len;
        // `http://app$request_uri`, `http://${name}`: computed, kept.
        if len == 0 || matches!(piece.text.as_bytes().get(end), Some(b'$' | b'{')) {
            continue;
        }
        let host = &piece.text[start..end];
        if is_host_name(host) && !upstreams.contains(&host.to_ascii_lowercase()) {
            out.push(Found::host(piece.slice(start, end), false));
        }
    }
}

/// Dotted quads not inside a longer run of digits and dots (a version
/// number, an OID).
fn ipv4(piece: Piece<'_>, out: &mut Vec<Found>) {
    let bytes = piece.text.as_bytes();
    for m in IPV4.find_iter(piece.text) {
        let before = m.start().checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(m.end()).copied();
        let after2 = bytes.get(m.end() + 1).copied();
        let glued = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.');
        if glued(before)
            || after.is_some_and(|b| b.is_ascii_alphanumeric())
            || (after == Some(b'.') && after2.is_some_and(|b| b.is_ascii_digit()))
        {
            continue;
        }
        if let Ok(addr) = m.as_str().parse::<Ipv4Addr>() {
            if !keeps_ipv4(addr) {
                // A CIDR's `/N` goes with its address: the stand-in network
                // may need another length to stay distinct and aligned.
                let digits = bytes[m.end()..]
                    .iter()
                    .skip(1)
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let prefix = (after == Some(b'/') && (1..=2).contains(&digits))
                    .then(|| {
                        piece.text[m.end() + 1..m.end() + 1 + digits]
                            .parse::<u8>()
                            .ok()
                    })
                    .flatten()
                    .filter(|p| *p <= 32);
                let end = m.end() + prefix.map_or(0, |_| 1 + digits);
                out.push(Found {
                    start: piece.start + m.start() as u32,
                    end: piece.start + end as u32,
                    kind: Kind::Ipv4,
                    value: super::Value::Ipv4(addr, prefix),
                });
            }
        }
    }
}

/// IPv6 addresses: in brackets (`[fd00::1]:80`), or a whole
/// whitespace-separated word, with an optional `/prefix`.
fn ipv6(piece: Piece<'_>, out: &mut Vec<Found>) {
    let mut push = |p: Piece<'_>| {
        if let Ok(addr) = p.text.parse::<Ipv6Addr>() {
            if !keeps_ipv6(addr) {
                out.push(Found {
                    start: p.start,
                    end: p.end(),
                    kind: Kind::Ipv6,
                    value: super::Value::Ipv6(addr),
                });
            }
        }
    };
    for caps in BRACKETED.captures_iter(piece.text) {
        let m = caps.get(1).expect("group 1");
        push(piece.slice(m.start(), m.end()));
    }
    for word in piece.split_whitespace() {
        if word.text.starts_with('[') {
            continue;
        }
        let Some(word) = word.trim_matches(|c| matches!(c, ';' | ',' | '"' | '\'' | '(' | ')'))
        else {
            continue;
        };
        let end = word.text.find('/').unwrap_or(word.text.len());
        let addr = word.slice(0, end);
        if addr.text.matches(':').count() >= 2 {
            push(addr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(text: &str) -> Piece<'_> {
        Piece::new(0, text)
    }

    fn found_texts(text: &str, found: &[Found]) -> Vec<String> {
        found
            .iter()
            .map(|f| text[f.start as usize..f.end as usize].to_string())
            .collect()
    }

    fn free(text: &str) -> Vec<String> {
        let mut upstreams = HashSet::new();
        upstreams.insert("app_backend".to_string());
        let mut out = Vec::new();
        free_text(piece(text), false, &upstreams, &mut out);
        found_texts(text, &out)
    }

    #[test]
    fn addresses_anywhere() {
        assert_eq!(free("10.0.0.1:8080"), ["10.0.0.1"]);
        assert_eq!(free("allow 10.0.0.0/8;"), ["10.0.0.0/8"]);
        assert_eq!(free("127.0.0.1 0.0.0.0 192.0.2.1"), Vec::<String>::new());
        assert_eq!(
            free("version 1.2.3.4.5 and 999.1.1.1"),
            Vec::<String>::new()
        );
        assert_eq!(free("listen [fd00::1]:443"), ["fd00::1"]);
        assert_eq!(free("fe80::1/64"), ["fe80::1"]);
        assert_eq!(free("[::1]:80 ::"), Vec::<String>::new());
    }

    #[test]
    fn url_hosts_but_not_upstreams() {
        assert_eq!(free("http://api.corp.io:8443/x"), ["api.corp.io"]);
        assert_eq!(free("http://app_backend"), Vec::<String>::new());
        assert_eq!(free("http://APP_BACKEND/x"), Vec::<String>::new());
        assert_eq!(free("http://localhost:3000"), Vec::<String>::new());
        assert_eq!(free("https://$host$request_uri"), Vec::<String>::new());
        assert_eq!(free("https://u:p@db.corp.io/"), ["db.corp.io"]);
    }

    #[test]
    fn server_names_keep_wildcards_and_regex_syntax() {
        let cases = [
            ("*.corp.io", vec!["corp.io"]),
            (".corp.io", vec!["corp.io"]),
            ("www.corp.*", vec!["www.corp"]),
            ("_", vec![]),
            ("localhost", vec![]),
            ("~^(?<sub>.+)\\.corp\\.io$", vec!["corp\\.io"]),
        ];
        for (name, expected) in cases {
            let mut out = Vec::new();
            server_name(piece(name), &mut out);
            assert_eq!(found_texts(name, &out), expected, "{name}");
        }
    }

    #[test]
    fn host_names() {
        assert!(is_host_name("db-1.corp.io"));
        assert!(is_host_name("backend"));
        assert!(!is_host_name("10.0.0.1"));
        assert!(!is_host_name("host3.example"));
        assert!(!is_host_name("$host"));
    }
}
