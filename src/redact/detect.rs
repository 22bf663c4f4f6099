//! What is secret, and why: each detector names the [`Kind`] of what it
//! found, so the report can say it without showing it.
//!
//! Directive detectors know where nginx keeps credentials (header values,
//! `secure_link_*`, `set`/`env` of sensitive names, keys of maps over
//! credentials, inline `data:` keys); free-text detectors run on every
//! argument, comment and Lua block (URL passwords, sensitive query
//! parameters, `password = ...` in comments, high-entropy strings). A value
//! made only of nginx variables is never a secret: it names one at run time.

use std::sync::LazyLock;

use regex::Regex;

use super::text::Piece;
use super::{entropy, placeholder, Found, Kind, Scope};
use crate::syntax::Directive;

/// Directives whose first argument names a header or parameter and whose
/// second is its value.
const NAME_VALUE: &[&str] = &[
    "proxy_set_header",
    "grpc_set_header",
    "add_header",
    "add_trailer",
    "fastcgi_param",
    "uwsgi_param",
    "scgi_param",
];

/// headers-more directives: each argument is `Name: value`.
const HEADERS_MORE: &[&str] = &["more_set_headers", "more_set_input_headers"];

/// Directives naming a file of secrets (keys, passwords, user lists).
/// ngxfix reads only the configuration and its includes, never these.
pub const SECRET_FILES: &[&str] = &[
    "ssl_certificate_key",
    "proxy_ssl_certificate_key",
    "grpc_ssl_certificate_key",
    "uwsgi_ssl_certificate_key",
    "ssl_password_file",
    "proxy_ssl_password_file",
    "grpc_ssl_password_file",
    "uwsgi_ssl_password_file",
    "ssl_session_ticket_key",
    "auth_basic_user_file",
    "auth_jwt_key_file",
];

/// Parts of names that mark a header, parameter or variable as carrying
/// credentials.
const SENSITIVE_PARTS: &[&str] = &[
    "token",
    "secret",
    "key",
    "passw",
    "pwd",
    "auth",
    "session",
    "signature",
    "credential",
    "cookie",
];

/// Headers whose names look sensitive but hold public challenges.
const PUBLIC_HEADERS: &[&str] = &["www-authenticate", "proxy-authenticate"];

/// Authentication schemes kept in front of a redacted credential.
const AUTH_SCHEMES: &[&str] = &[
    "basic",
    "bearer",
    "digest",
    "token",
    "negotiate",
    "ntlm",
    "hoba",
    "mutual",
    "apikey",
    "aws4-hmac-sha256",
];

/// Cookie attributes, whose values are not the cookie's.
const COOKIE_ATTRIBUTES: &[&str] = &[
    "path",
    "domain",
    "expires",
    "max-age",
    "samesite",
    "secure",
    "httponly",
    "partitioned",
    "priority",
];

/// Whether a header, parameter, cookie or variable name marks its value as
/// a credential (case-insensitive).
pub fn is_sensitive_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    !PUBLIC_HEADERS.contains(&name.as_str())
        && SENSITIVE_PARTS.iter().any(|part| name.contains(part))
}

/// Whether a map over this source (`$http_authorization`,
/// `"$cookie_sid:$arg_token"`) has credentials as its keys.
pub fn is_sensitive_source(source: &str) -> bool {
    variables(source).any(is_sensitive_name)
}

/// The variable names in a text.
fn variables(text: &str) -> impl Iterator<Item = &str> {
    text.split('$').skip(1).map(|rest| {
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        &rest[..len]
    })
}

/// A value that carries no secret: a switch, a number, a path.
fn is_trivial(core: &str) -> bool {
    let lower = core.to_ascii_lowercase();
    core.len() < 2
        || core.contains(placeholder::MARK)
        || core.starts_with('/')
        || core.bytes().all(|b| b.is_ascii_digit())
        || ["on", "off", "true", "false", "yes", "no", "none", "null"].contains(&lower.as_str())
}

/// A word of lower-case letters, `_` and `-` (or one capital first): an
/// English word or an nginx directive name, never taken for a secret on a
/// guess.
pub fn is_plain_word(word: &str) -> bool {
    let rest = word
        .strip_prefix(|c: char| c.is_ascii_uppercase())
        .unwrap_or(word);
    rest.bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-')
}

/// Whether a value met in prose (`password: X`) looks like a secret: not a
/// plain word, a path, a variable or a switch, and with a digit, a symbol
/// or mixed case.
fn looks_like_secret(value: &str) -> bool {
    let bytes = value.as_bytes();
    value.len() >= 6
        && !is_plain_word(value)
        && !value.starts_with(['/', '$', '.'])
        && !value.contains("://")
        && (bytes.iter().any(u8::is_ascii_digit)
            || (bytes.iter().any(u8::is_ascii_uppercase)
                && bytes.iter().any(u8::is_ascii_lowercase))
            || bytes
                .iter()
                .any(|b| !b.is_ascii_alphanumeric() && !b"_-.".contains(b)))
}

/// Push the secret core of each literal part of `value` (variables stay).
fn push_literals(value: Piece<'_>, kind: Kind, out: &mut Vec<Found>) {
    for literal in value.literals() {
        // A path: the core would lose its leading `/` and look like a word.
        if literal.text.starts_with('/') {
            continue;
        }
        if let Some(core) = literal.secret_core() {
            if !is_trivial(core.text) {
                out.push(Found::secret(core, kind));
            }
        }
    }
}

/// Secrets in the directive's own arguments (and, in a map over
/// credentials, its key).
///
/// `outer_map` is the map a top-level directive of this text sits in: the
/// map around a comment, or the map whose `include` pulled the file in.
pub(crate) fn directive(
    scope: &Scope<'_>,
    d: &Directive<'_>,
    outer_map: Option<MapSecrets>,
    out: &mut Vec<Found>,
) {
    let name = d.name().value();
    let args: Vec<Piece<'_>> = d.args().map(|w| scope.word(&w)).collect();
    let name = name.as_ref();
    if NAME_VALUE.contains(&name) {
        if let (Some(header), Some(value)) = (args.first(), args.get(1)) {
            header_value(header.text, *value, out);
        }
    } else if HEADERS_MORE.contains(&name) {
        for arg in args.iter().filter(|a| !a.text.starts_with('-')) {
            if let Some(colon) = arg.text.find(':') {
                header_value(&arg.text[..colon], arg.from(colon + 1), out);
            }
        }
    } else if name == "set" {
        if let (Some(var), Some(value)) = (args.first(), args.get(1)) {
            if is_sensitive_name(var.text) {
                push_literals(*value, Kind::SecretVariable, out);
            }
        }
    } else if name == "env" {
        if let Some((var, _)) = args.first().and_then(|a| a.text.split_once('=')) {
            if is_sensitive_name(var) {
                push_literals(args[0].from(var.len() + 1), Kind::SecretVariable, out);
            }
        }
    } else if name == "secure_link_secret" {
        for arg in &args {
            push_literals(*arg, Kind::SecureLinkSecret, out);
        }
    } else if name == "secure_link_md5" {
        for piece in args.iter().flat_map(Piece::split_whitespace) {
            push_literals(piece, Kind::SecureLinkSecret, out);
        }
    } else if SECRET_FILES.contains(&name) {
        // nginx ≥ 1.15.10 takes the key itself after `data:`.
        if let Some(arg) = args.first().filter(|a| a.text.starts_with("data:")) {
            let key = arg.from(5);
            if !key.text.is_empty() {
                out.push(Found::secret(key, Kind::PrivateKey));
            }
        }
    }
    match d.parent() {
        Some(parent) if parent.name().value() == "map" => {
            map_entry(scope, MapSecrets::of(&parent), d, out);
        }
        Some(_) => {}
        None => {
            if let Some(map) = outer_map {
                map_entry(scope, map, d, out);
            }
        }
    }
    if [
        "server",
        "proxy_pass",
        "grpc_pass",
        "uwsgi_pass",
        "fastcgi_pass",
        "scgi_pass",
    ]
    .contains(&name)
    {
        if let Some(arg) = args.first() {
            userinfo_without_scheme(*arg, out);
        }
    }
}

/// A header (or parameter) value: for a sensitive name, its literal parts
/// go, keeping an authentication scheme in front, `param=` names, and
/// cookie names and attributes.
fn header_value(header: &str, value: Piece<'_>, out: &mut Vec<Found>) {
    let header = header.trim();
    if !is_sensitive_name(header) {
        return;
    }
    let lower = header.to_ascii_lowercase();
    if lower.contains("cookie") {
        cookie_values(value, out);
        return;
    }
    for (i, piece) in value.split_whitespace().into_iter().enumerate() {
        if i == 0 && AUTH_SCHEMES.contains(&piece.text.to_ascii_lowercase().as_str()) {
            continue;
        }
        // `username="x",` (Digest, AWS4): the parameter name stays.
        let piece = match piece.text.find('=') {
            Some(eq) if is_parameter(&piece.text[..eq], &piece.text[eq..]) => piece.from(eq + 1),
            _ => piece,
        };
        push_literals(piece, Kind::HeaderCredential, out);
        // A number is trivial elsewhere, but under this name it is a PIN
        // or a numeric key.
        for literal in piece.literals() {
            if let Some(core) = literal.secret_core() {
                if core.text.len() >= 6 && core.text.bytes().all(|b| b.is_ascii_digit()) {
                    out.push(Found::secret(core, Kind::HeaderCredential));
                }
            }
        }
    }
}

/// Whether `name` before `=rest` names a parameter (`username="x"`), not
/// the start of base64 whose padding follows.
fn is_parameter(name: &str, rest: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !rest.trim_start_matches('=').is_empty()
}

/// `a=1; b=2; Path=/`: the values of the cookies, not their names or
/// attributes.
fn cookie_values(value: Piece<'_>, out: &mut Vec<Found>) {
    let mut offset = 0;
    for part in value.text.split(';') {
        let piece = value.slice(offset, offset + part.len());
        offset += part.len() + 1;
        let Some(eq) = part.find('=') else { continue };
        let name = part[..eq].trim().to_ascii_lowercase();
        if !COOKIE_ATTRIBUTES.contains(&name.as_str()) {
            push_literals(piece.from(eq + 1), Kind::Cookie, out);
        }
    }
}

/// What a `map` block says about its entries: whether its source carries
/// credentials (its keys are secret) and whether its output variable does
/// (its values are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct MapSecrets {
    pub keys: bool,
    pub values: bool,
}

impl MapSecrets {
    /// What a `map SOURCE $output { ... }` directive says.
    pub fn of(map: &Directive<'_>) -> MapSecrets {
        let mut args = map.args().map(|w| w.value().into_owned());
        let (source, output) = (args.next(), args.next());
        MapSecrets {
            keys: source.as_deref().is_some_and(is_sensitive_source),
            values: output.as_deref().is_some_and(is_sensitive_source),
        }
    }
}

/// An entry of a map: a key of a map whose source carries credentials, or
/// a key that looks random whatever the source; the value when the map's
/// output variable is sensitive. A regex key keeps its `~`/`~*` and its
/// syntax; only long literal runs in it go.
pub(crate) fn map_entry(
    scope: &Scope<'_>,
    map: MapSecrets,
    entry: &Directive<'_>,
    out: &mut Vec<Found>,
) {
    let key = scope.word(&entry.name());
    if ["hostnames", "include", "volatile"].contains(&key.text) {
        return;
    }
    if map.values {
        if let Some(value) = entry.args().next() {
            push_literals(scope.word(&value), Kind::SecretVariable, out);
        }
    }
    if key.text == "default" {
        return;
    }
    if let Some(regex) = key.text.strip_prefix('~') {
        let body = key.from(key.text.len() - regex.trim_start_matches('*').len());
        if map.keys {
            regex_literals(body, out);
        }
        return;
    }
    if let Some(core) = key.secret_core() {
        let random = entropy::looks_random(core.text);
        if (map.keys && core.text.len() >= 4 && !is_trivial(core.text) && !key.only_variables())
            || random
        {
            out.push(Found::secret(core, Kind::MapKey));
        }
    }
}

/// Runs of 8 or more letters, digits, `_` and `-` in a regex: the literal
/// credentials it matches (`\s`, `\d` and other escapes stay).
fn regex_literals(body: Piece<'_>, out: &mut Vec<Found>) {
    let bytes = body.text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let is_literal = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        // A character class (`[A-Za-z0-9]`) is syntax, not a credential.
        if bytes[i] == b'[' {
            i += 1;
            while i < bytes.len() && bytes[i] != b']' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            continue;
        }
        if !is_literal(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_literal(bytes[i]) {
            i += 1;
        }
        let run = body.slice(start, i);
        if run.text.len() >= 8 && !run.text.contains(placeholder::MARK) {
            out.push(Found::secret(run, Kind::MapKey));
        }
    }
}

/// The start of a URL, up to its authority.
pub(crate) static URL_SCHEME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b[a-z][a-z0-9+.-]*://").expect("valid regex"));

/// The userinfo of the URL whose authority starts at `rest`: up to the last
/// `@` of the word (a password may hold `@`, `/`, `#` or an escaped quote),
/// unless what comes before that `@` is a host, a port and a path.
pub(crate) fn url_userinfo(rest: &str) -> Option<&str> {
    let bytes = rest.as_bytes();
    let mut end = bytes.len();
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = i > 0 && bytes[i - 1] == b'\\';
        if b.is_ascii_whitespace()
            || matches!(b, b'<' | b'>')
            || (!escaped && matches!(b, b'"' | b'\''))
        {
            end = i;
            break;
        }
    }
    let word = &rest[..end];
    let info = &word[..word.rfind('@')?];
    match info.split_once(':') {
        // `host:8080/path@x`: a port and a path, no password.
        Some((user, after)) => {
            let port = after.split('/').next().unwrap_or("");
            let is_port =
                after.contains('/') && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
            (!user.contains(['/', '?']) && !is_port).then_some(info)
        }
        None => (!info.contains(['/', '?', '#'])).then_some(info),
    }
}

static SENSITIVE_QUERY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"[?&]([A-Za-z0-9_.\-]+)=([^&\s#"']*)"#).expect("valid regex"));

static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b[a-z0-9_.-]*(?:passw(?:or)?d|pwd|secret|token|(?:api|access|private)[_-]?key|credential)[a-z0-9_.-]*["']?\s*[:=]\s*["']?([^\s"',;]+)"#,
    )
    .expect("valid regex")
});

/// Tokens whose vendor prefix says what they are, whatever their entropy.
static KNOWN_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:(?:AKIA|ASIA)[A-Z0-9]{16}",
        r"|(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}",
        r"|xox[abposr]-[A-Za-z0-9-]{10,}",
        r"|(?:sk|rk|pk)_live_[A-Za-z0-9]{10,}",
        r"|AIza[A-Za-z0-9_-]{35})",
    ))
    .expect("valid regex")
});

/// The body of a PEM private key block.
static PRIVATE_KEY_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END [A-Z ]*PRIVATE KEY-----")
        .expect("valid regex")
});

/// Secrets in text anywhere: URL userinfo, sensitive query parameters,
/// high-entropy strings; in comments and Lua code also `password = ...`.
pub(crate) fn free_text(piece: Piece<'_>, prose: bool, out: &mut Vec<Found>) {
    for m in KNOWN_TOKEN.find_iter(piece.text) {
        out.push(Found::secret(
            piece.slice(m.start(), m.end()),
            Kind::KnownToken,
        ));
    }
    for caps in PRIVATE_KEY_BLOCK.captures_iter(piece.text) {
        let body = caps.get(1).expect("group 1");
        let body = piece.slice(body.start(), body.end());
        if let Some(body) = body.trim_matches(|c: char| c.is_whitespace() || c == '\\') {
            out.push(Found::secret(body, Kind::PrivateKey));
        }
    }
    for m in URL_SCHEME.find_iter(piece.text) {
        if let Some(info) = url_userinfo(&piece.text[m.end()..]) {
            userinfo(piece.slice(m.end(), m.end() + info.len()), out);
        }
    }
    for caps in SENSITIVE_QUERY.captures_iter(piece.text) {
        let (name, value) = (caps.get(1).expect("name"), caps.get(2).expect("value"));
        if is_sensitive_name(name.as_str()) {
            push_literals(
                piece.slice(value.start(), value.end()),
                Kind::QueryParameter,
                out,
            );
        }
    }
    if prose {
        for caps in ASSIGNMENT.captures_iter(piece.text) {
            let m = caps.get(1).expect("group 1");
            // Prose says `token: see the wiki`: only a word that looks
            // like a secret is one.
            if looks_like_secret(m.as_str()) {
                push_literals(piece.slice(m.start(), m.end()), Kind::Assignment, out);
            }
        }
    }
    out.extend(
        entropy::find(piece)
            .into_iter()
            .map(|p| Found::secret(p, Kind::HighEntropy)),
    );
}

/// A quoted Lua string: its contents are group 1 (double) or 2 (single).
const LUA_STRING: &str = r#"(?:"((?:\\.|[^"\\\n])*)"|'((?:\\.|[^'\\\n])*)')"#;

static LUA_SET_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\bset_header\s*\(\s*{LUA_STRING}\s*,\s*{LUA_STRING}"
    ))
    .expect("valid regex")
});

static LUA_AUTH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\bauth\s*\(\s*{LUA_STRING}")).expect("valid regex"));

static LUA_ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b[a-z0-9_]*(?:passw(?:or)?d|pwd|secret|token|(?:api|access|private)[_-]?key|credential)[a-z0-9_]*\s*=\s*",
    )
    .expect("valid regex")
});

/// Credentials in Lua code, always inside their quotes so the code stays
/// valid: the value of `set_header("Authorization", "...")` (a sensitive
/// name), the argument of `auth("...")`, and the strings assigned to a
/// sensitive name (`local secret = os.getenv("X") or "fallback"` loses
/// the fallback, not the call's argument).
pub(crate) fn lua(piece: Piece<'_>, out: &mut Vec<Found>) {
    let contents = |caps: &regex::Captures<'_>, first: usize| {
        caps.get(first)
            .or_else(|| caps.get(first + 1))
            .map(|m| piece.slice(m.start(), m.end()))
    };
    for caps in LUA_SET_HEADER.captures_iter(piece.text) {
        if let (Some(name), Some(value)) = (contents(&caps, 1), contents(&caps, 3)) {
            header_value(name.text, value, out);
        }
    }
    for caps in LUA_AUTH.captures_iter(piece.text) {
        if let Some(value) = contents(&caps, 1) {
            push_literals(value, Kind::Assignment, out);
        }
    }
    for m in LUA_ASSIGNMENT.find_iter(piece.text) {
        for value in lua_top_level_strings(piece.from(m.end())) {
            push_literals(value, Kind::Assignment, out);
        }
    }
}

/// The contents of the strings of a Lua expression outside any call's
/// parentheses, up to the end of the line or a `,`, `;` or `}` ending it.
fn lua_top_level_strings(rest: Piece<'_>) -> Vec<Piece<'_>> {
    let bytes = rest.text.as_bytes();
    let mut strings = Vec::new();
    let (mut depth, mut i) = (0usize, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => break,
            b',' | b';' | b'}' if depth == 0 => break,
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            quote @ (b'"' | b'\'') => {
                let start = i + 1;
                i = start;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 0 {
                    strings.push(rest.slice(start, i.min(bytes.len())));
                }
            }
            _ => {}
        }
        i += 1;
    }
    strings
}

/// `user:password` (the password goes; the user too when it looks random)
/// or a lone `user`, which goes when it looks like a token (as in
/// `https://TOKEN@host`).
fn userinfo(info: Piece<'_>, out: &mut Vec<Found>) {
    match info.text.find(':') {
        Some(colon) => {
            let user = info.slice(0, colon);
            if entropy::looks_random(user.text) {
                out.push(Found::secret(user, Kind::UrlUser));
            }
            let password = info.from(colon + 1);
            if !password.text.is_empty() && !password.only_variables() {
                push_literals(password, Kind::UrlPassword, out);
            }
        }
        None => {
            let token_like = info.text.len() >= 16
                && info.text.bytes().any(|b| b.is_ascii_digit())
                && info.text.bytes().any(|b| b.is_ascii_alphabetic());
            if (token_like || entropy::looks_random(info.text)) && !info.only_variables() {
                push_literals(info, Kind::UrlUser, out);
            }
        }
    }
}

/// `user:pass@host:port` without a scheme, as pasted into `server` or a
/// `*_pass` (nginx refuses it, but the password is still in the file).
fn userinfo_without_scheme(arg: Piece<'_>, out: &mut Vec<Found>) {
    if arg.text.contains("://") {
        return;
    }
    if let Some(at) = arg.text.find('@') {
        let info = arg.slice(0, at);
        if !info.text.contains('/') {
            userinfo(info, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(text: &str) -> Piece<'_> {
        Piece { start: 0, text }
    }

    fn secrets(text: &str, found: &[Found]) -> Vec<(String, Kind)> {
        found
            .iter()
            .map(|f| (text[f.start as usize..f.end as usize].to_string(), f.kind))
            .collect()
    }

    fn header(name: &str, value: &str) -> Vec<(String, Kind)> {
        let mut out = Vec::new();
        header_value(name, piece(value), &mut out);
        secrets(value, &out)
    }

    fn free(text: &str, prose: bool) -> Vec<(String, Kind)> {
        let mut out = Vec::new();
        free_text(piece(text), prose, &mut out);
        secrets(text, &out)
    }

    #[test]
    fn sensitive_names() {
        for name in [
            "Authorization",
            "Proxy-Authorization",
            "Cookie",
            "Set-Cookie",
            "X-Api-Key",
            "X-Auth-Token",
            "HTTP_X_SESSION_ID",
            "$upstream_secret",
            "X-Hub-Signature",
            "DB_PASSWORD",
        ] {
            assert!(is_sensitive_name(name), "{name}");
        }
        for name in ["Host", "X-Forwarded-For", "WWW-Authenticate", "Connection"] {
            assert!(!is_sensitive_name(name), "{name}");
        }
        assert!(is_sensitive_source("$http_authorization"));
        assert!(is_sensitive_source("\"${cookie_sid}:$remote_addr\""));
        assert!(is_sensitive_source("$arg_token"));
        assert!(!is_sensitive_source("$host"));
    }

    #[test]
    fn header_credentials_keep_their_structure() {
        let h = Kind::HeaderCredential;
        assert_eq!(
            header("Authorization", "Basic dXNlcjpwYXNz"),
            [("dXNlcjpwYXNz".into(), h)]
        );
        assert_eq!(header("Authorization", "Bearer $jwt"), []);
        assert_eq!(
            header("Authorization", "Basic YWRtaW46cGFzcw=="),
            [("YWRtaW46cGFzcw==".into(), h)]
        );
        assert_eq!(header("Authorization", "$http_authorization"), []);
        assert_eq!(
            header("X-Api-Key", "k-$host-abc123"),
            [("k-".into(), h), ("abc123".into(), h)]
        );
        assert_eq!(
            header(
                "Authorization",
                "Digest username=\\\"bob\\\", response=\\\"6629fae4\\\""
            ),
            [("bob".into(), h), ("6629fae4".into(), h)]
        );
        assert_eq!(header("X-Forwarded-For", "secret-value"), []);
        assert_eq!(header("Access-Control-Allow-Credentials", "true"), []);
    }

    #[test]
    fn cookies_keep_names_and_attributes() {
        assert_eq!(
            header("Cookie", "sid=abc123; theme=dark; tok=$cookie_tok"),
            [
                ("abc123".into(), Kind::Cookie),
                ("dark".into(), Kind::Cookie)
            ]
        );
        assert_eq!(
            header("Set-Cookie", "sid=s3cr3t; Path=/; Domain=x.com; HttpOnly"),
            [("s3cr3t".into(), Kind::Cookie)]
        );
    }

    #[test]
    fn url_passwords_and_tokens() {
        assert_eq!(
            free("http://admin:hunter2@db.internal:5432/x", false),
            [("hunter2".into(), Kind::UrlPassword)]
        );
        assert_eq!(free("https://git@github.com/x", false), []);
        assert_eq!(
            free("https://ghp1234567890abcdefXYZ@github.com/x", false)[0],
            ("ghp1234567890abcdefXYZ".into(), Kind::UrlUser)
        );
        assert_eq!(free("http://u:$password@host", false), []);
        for (url, password) in [
            ("http://user:p@ssw0rd@backend.internal", "p@ssw0rd"),
            ("http://user:pa/ss99@backend.internal", "pa/ss99"),
            ("http://user:pa#ss99@backend.internal/x", "pa#ss99"),
            ("http://user:pa\\\"ss99@backend.internal", "pa\\\"ss99"),
        ] {
            assert_eq!(
                free(url, false),
                [(password.into(), Kind::UrlPassword)],
                "{url}"
            );
        }
        assert_eq!(free("http://host:8080/a@b", false), []);
        assert_eq!(free("see http://h/x \"http://a@b\"", false), []);
        assert_eq!(
            free("https://h/cb?state=1&access_token=abc123&x=2", false),
            [("abc123".into(), Kind::QueryParameter)]
        );
        let mut out = Vec::new();
        userinfo_without_scheme(piece("app:s3cret@10.0.0.1:80"), &mut out);
        assert_eq!(
            secrets("app:s3cret@10.0.0.1:80", &out),
            [("s3cret".into(), Kind::UrlPassword)]
        );
    }

    #[test]
    fn vendor_tokens_whatever_their_entropy() {
        for token in [
            "AKIAIEQH746YNG7BY3A4",
            "ASIAROGUBBBAYN3BO47O",
            "ghp_aaaaaaaaaaaaaaaaaaaaaaaa",
            "github_pat_11AAAAAAA0aaaaaaaaaaaa_bbb",
            "xoxb-1234567890-abcdefgh",
            "sk_live_aaaaaaaaaaaaaaaa",
            "AIzaSyAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            let text = format!("return 200 \"{token}\";");
            assert_eq!(
                free(&text, false),
                [(token.into(), Kind::KnownToken)],
                "{token}"
            );
        }
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----";
        assert_eq!(free(pem, false), [("MIIEabc".into(), Kind::PrivateKey)]);
        assert_eq!(
            free(" private_key: abcdefgh12", true),
            [("abcdefgh12".into(), Kind::Assignment)]
        );
        assert_eq!(
            header("X-Secret-Numbers", "987654"),
            [("987654".into(), Kind::HeaderCredential)]
        );
        assert_eq!(header("X-Session-Timeout", "3600"), []);
        assert_eq!(header("SESSION_SAVE_PATH", "/var/lib/php/sessions"), []);
    }

    #[test]
    fn assignments_in_prose_only() {
        assert_eq!(
            free(" old password: hunter22 (rotated)", true),
            [("hunter22".into(), Kind::Assignment)]
        );
        assert_eq!(
            free(" api_key=\"abc987\"", true),
            [("abc987".into(), Kind::Assignment)]
        );
        assert_eq!(free("keys_zone=one:10m", false), []);
        assert_eq!(free(" password: $var", true), []);
        // Prose: English words and directive names are not secrets.
        for text in [
            " Token: see https://wiki.corp/x",
            " password: change me",
            " Auth token: keepalive",
            " X-Auth-Token: proxy_pass forwards it",
            " ssl_password_file: /etc/nginx/pass.txt",
            " token=ok",
        ] {
            assert_eq!(free(text, true), [], "{text}");
        }
    }

    #[test]
    fn regex_keys_lose_long_literals_only() {
        let mut out = Vec::new();
        let body = "^Bearer\\s+abcdef123456$";
        regex_literals(piece(body), &mut out);
        assert_eq!(secrets(body, &out), [("abcdef123456".into(), Kind::MapKey)]);
        let mut out = Vec::new();
        let body = "^sk_live_[A-Za-z0-9_]{24}$";
        regex_literals(piece(body), &mut out);
        assert_eq!(secrets(body, &out), [("sk_live_".into(), Kind::MapKey)]);
    }
}
