//! What is secret, and why: each detector names the [`Kind`] of what it
//! found, so the report can say it without showing it.
//!
//! Directive detectors know where nginx keeps credentials (header values,
//! `secure_link_*`, `set`/`js_var`/`env` of sensitive names, values
//! compared with a credential in `if`, keys of maps over credentials,
//! inline `data:` keys); free-text detectors run on every argument, comment
//! and string of embedded code (vendor tokens, JWTs, webhook URLs, PEM
//! bodies, URL userinfo, sensitive query parameters, `password=...` and
//! `"api_key": "..."`, `Bearer ...`, high-entropy strings; in prose also
//! `password: ...` and `password is ...`). A value made only of nginx
//! variables is never a secret: it names one at run time. A secret found is
//! replaced to the end of its token: quotes, `$`, `#` and `;` inside it do
//! not end it.

use std::sync::LazyLock;

use regex::Regex;

use super::names::{is_credential_name, is_sensitive_name, is_sensitive_source};
use super::text::{Dollar, Piece};
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
    "auth_http_header",
];

/// Directives that give a variable a value: `set $name value`.
const SET_VARIABLE: &[&str] = &["set", "js_var", "auth_request_set"];

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
pub(crate) fn is_plain_word(word: &str) -> bool {
    let rest = word
        .strip_prefix(|c: char| c.is_ascii_uppercase())
        .unwrap_or(word);
    rest.bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-')
}

/// Whether a value met in prose (`password: X`) looks like a secret: one
/// token (not a phrase, nor code that happens to follow a quote), not a
/// plain word, a path, a variable or a switch, and with a digit, a symbol
/// or mixed case.
fn looks_like_secret(value: &str) -> bool {
    let bytes = value.as_bytes();
    value.len() >= 6
        && !value.contains(char::is_whitespace)
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

/// Whether a value is a sentence (`Authentication failed`, `an access
/// token that you can get from the portal`): three words or more, most of
/// them plain words. A message or a description, not a credential.
fn is_sentence(value: &str) -> bool {
    let words: Vec<&str> = value.split_whitespace().collect();
    let plain = words
        .iter()
        .filter(|w| is_plain_word(w.trim_end_matches([',', '.', ':', ';', '!', '?'])))
        .count();
    words.len() >= 3 && plain * 2 > words.len()
}

/// Whether a value is regex syntax rather than a literal (`([a-z]+)`,
/// `\d{6}`, `.*`): in `if ($args ~ "token=(.+)")` the pattern stays.
fn looks_like_regex(value: &str) -> bool {
    let paired =
        |open: char, close: char| value.find(open).is_some_and(|i| value[i..].contains(close));
    paired('(', ')')
        || paired('[', ']')
        || value.contains(".*")
        || value.contains(".+")
        || ["\\d", "\\w", "\\s", "\\S"]
            .iter()
            .any(|e| value.contains(e))
}

/// Push the secret core of each literal part of `value` (variables stay,
/// but one written right after the secret's letters is part of it).
fn push_literals(value: Piece<'_>, kind: Kind, out: &mut Vec<Found>) {
    for literal in value.secret_literals() {
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

/// The pieces of a directive's arguments, each read as nginx reads it:
/// `env` does not interpolate, so a `$` in its value is literal.
pub(crate) fn arguments<'a>(scope: &Scope<'a>, d: &Directive<'_>) -> Vec<Piece<'a>> {
    let literal = d.name().value() == "env";
    d.args()
        .map(|w| {
            let piece = scope.word(&w);
            if literal {
                piece.literal()
            } else {
                piece
            }
        })
        .collect()
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
    let args = arguments(scope, d);
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
    } else if SET_VARIABLE.contains(&name) {
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
    } else if name == "if" {
        compared_credential(&args, out);
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

/// `if ($http_x_api_key != "value")`, `if ($arg_sig = value)`, `if
/// ($http_authorization ~ "^Bearer\s+value$")`: what a credential is
/// compared with is the credential (a regex keeps its syntax).
fn compared_credential(args: &[Piece<'_>], out: &mut Vec<Found>) {
    let [variable, operator, value, ..] = args else {
        return;
    };
    if !is_sensitive_source(variable.text) {
        return;
    }
    // `value)`: the closing bracket glued to a bare value.
    let value = match value.text.strip_suffix(')') {
        Some(inner) if args.len() == 3 => value.slice(0, inner.len()),
        _ => *value,
    };
    match operator.text {
        "=" | "!=" => credential(value, Kind::HeaderCredential, HEADER_NUMBER, out),
        "~" | "~*" | "!~" | "!~*" => regex_literals(value, Kind::HeaderCredential, out),
        _ => {}
    }
}

/// A header (or parameter) value: for a sensitive name, its literal parts
/// go, keeping an authentication scheme in front, `param=` names, and
/// cookie names and attributes.
fn header_value(header: &str, value: Piece<'_>, out: &mut Vec<Found>) {
    if is_sensitive_name(header.trim()) {
        credential_value(header, value, Kind::HeaderCredential, out);
    }
}

/// The value of a credential named `name` (a header, a parameter, a field
/// of code): its literal parts go, keeping an authentication scheme in
/// front, `param=` names, cookie names and attributes, and a URL's address
/// (only its userinfo and sensitive parameters go).
pub(crate) fn credential_value(name: &str, value: Piece<'_>, kind: Kind, out: &mut Vec<Found>) {
    if name.to_ascii_lowercase().contains("cookie") {
        cookie_values(value, out);
        return;
    }
    if is_sentence(value.text) {
        return;
    }
    if value.text.contains("://") {
        free_text(value, false, out);
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
        credential(piece, kind, HEADER_NUMBER, out);
    }
}

/// The shortest number taken for a credential under a header's or
/// variable's name: a name like `X-Session-Timeout` holds numbers that are
/// not secret, while a PIN or a numeric key is longer.
const HEADER_NUMBER: usize = 6;

/// The shortest number taken for a credential under a credential's own
/// name (`pin-value=1234`, `password=123456`).
const NAMED_NUMBER: usize = 4;

/// A value known to be a credential: its literal parts, and a number of
/// `min_digits` or more too (elsewhere trivial, here a PIN or a numeric
/// key).
fn credential(value: Piece<'_>, kind: Kind, min_digits: usize, out: &mut Vec<Found>) {
    push_literals(value, kind, out);
    for literal in value.secret_literals() {
        if let Some(core) = literal.secret_core() {
            if core.text.len() >= min_digits && core.text.bytes().all(|b| b.is_ascii_digit()) {
                out.push(Found::secret(core, kind));
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
            regex_literals(body, Kind::MapKey, out);
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
fn regex_literals(body: Piece<'_>, kind: Kind, out: &mut Vec<Found>) {
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
            out.push(Found::secret(run, kind));
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

/// A name followed by what gives it a value: `name=`, `"name":` (JSON,
/// also with nginx-escaped quotes), `name =>`, and in prose `name:` and
/// `name is`. Group 1 is the name, 2 a quote closing it, 3 the separator.
static NAMED_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([A-Za-z][A-Za-z0-9_.-]*)(\\?["'])?[ \t]*(=>|==?|:|[ \t](?:is|was)[ \t])[ \t]*"#)
        .expect("valid regex")
});

/// An authentication scheme and what follows it: `Bearer x`, `Basic x`.
static SCHEME_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:bearer|basic|token|apikey)[ \t]+").expect("valid regex")
});

/// Tokens whose vendor prefix or shape says what they are, whatever their
/// entropy: AWS, GitHub, Slack, Stripe, Google keys, and JSON Web Tokens
/// (the signature is the secret, however regular it looks).
static KNOWN_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:(?:AKIA|ASIA)[A-Z0-9]{16}",
        r"|(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}",
        r"|xox[abposr]-[A-Za-z0-9-]{10,}",
        r"|(?:sk|rk|pk)_live_[A-Za-z0-9]{10,}",
        r"|AIza[A-Za-z0-9_-]{35}",
        r"|eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*)",
    ))
    .expect("valid regex")
});

/// Webhook URLs whose last path segment is the credential (Slack,
/// Discord): group 1 is that segment.
static WEBHOOK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:hooks\.slack\.com/(?:services|workflows|triggers)/(?:[A-Za-z0-9_-]+/)*",
        r"|discord(?:app)?\.com/api/webhooks/[0-9]+/)",
        r"([A-Za-z0-9_-]{8,})",
    ))
    .expect("valid regex")
});

/// The body of a PEM private key block.
static PRIVATE_KEY_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END [A-Z ]*PRIVATE KEY-----")
        .expect("valid regex")
});

/// Secrets in text anywhere (an argument, a comment, a string of code):
/// vendor tokens, JWTs, webhook tokens, PEM bodies, URL userinfo,
/// sensitive query parameters, named credentials, `Bearer` credentials,
/// high-entropy strings. `prose` (comments, and text in code) also reads
/// `password: x` and `password is x`, for values that look like secrets.
pub(crate) fn free_text(piece: Piece<'_>, prose: bool, out: &mut Vec<Found>) {
    for m in KNOWN_TOKEN.find_iter(piece.text) {
        out.push(Found::secret(
            piece.slice(m.start(), m.end()),
            Kind::KnownToken,
        ));
    }
    for caps in WEBHOOK.captures_iter(piece.text) {
        let token = caps.get(1).expect("group 1");
        if !token.as_str().contains(placeholder::MARK) {
            out.push(Found::secret(
                piece.slice(token.start(), token.end()),
                Kind::KnownToken,
            ));
        }
    }
    for caps in PRIVATE_KEY_BLOCK.captures_iter(piece.text) {
        let body = caps.get(1).expect("group 1");
        if let Some(body) = pem_body(piece.slice(body.start(), body.end())) {
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
    named_values(piece, prose, out);
    for m in SCHEME_VALUE.find_iter(piece.text) {
        if let Some(value) = piece.from(m.end()).value() {
            if looks_like_credential(value.text) {
                push_literals(value, Kind::HeaderCredential, out);
            }
        }
    }
    for found in entropy::find(piece) {
        out.push(Found::secret(whole_token(piece, found), Kind::HighEntropy));
    }
}

/// A PEM body without the blank lines and line-break escapes (`\n` in an
/// nginx string) around it, which belong to the block's layout.
fn pem_body(body: Piece<'_>) -> Option<Piece<'_>> {
    let layout = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_whitespace())
            || ["\\n", "\\r", "\\t"].iter().any(|e| s.starts_with(e))
    };
    let (mut start, mut end) = (0, body.text.len());
    while start < end && layout(&body.text[start..end]) {
        start += if body.text[start..].starts_with('\\') {
            2
        } else {
            1
        };
    }
    while start < end {
        let text = &body.text[start..end];
        if text.ends_with(|c: char| c.is_ascii_whitespace()) {
            end -= 1;
        } else if ["\\n", "\\r", "\\t"].iter().any(|e| text.ends_with(e)) {
            end -= 2;
        } else {
            break;
        }
    }
    (start < end).then(|| body.slice(start, end))
}

/// Values given a credential's name: `password=x` and `"api_key":"x"`
/// anywhere (not in a query string: that has its own reading, nor a PKCS#11
/// URI's `token=`, a label: only its `pin-value` is secret); in prose also
/// `password: x` and `password is x`, when the value looks like a secret.
fn named_values(piece: Piece<'_>, prose: bool, out: &mut Vec<Found>) {
    for caps in NAMED_VALUE.captures_iter(piece.text) {
        let whole = caps.get(0).expect("match");
        let name = caps.get(1).expect("name");
        let quoted = caps.get(2).is_some();
        let separator = caps.get(3).expect("separator").as_str();
        let before = &piece.text[..name.start()];
        let allowed = match separator {
            "=" | "=>" => true,
            ":" => prose || quoted,
            "==" => false,
            _ => prose,
        };
        if !allowed || before.ends_with(['?', '&']) || !is_credential_name(name.as_str()) {
            continue;
        }
        let token_start = before
            .rfind(|c: char| c.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        if before[token_start..].contains("pkcs11:") && name.as_str() != "pin-value" {
            continue;
        }
        let Some(value) = piece.from(whole.end()).value() else {
            continue;
        };
        if looks_like_regex(value.text) {
            continue;
        }
        if prose {
            let one_token = !value.text.trim().contains(char::is_whitespace);
            if one_token
                && value
                    .secret_core()
                    .is_some_and(|c| looks_like_secret(c.text))
            {
                push_literals(value, Kind::Assignment, out);
            }
        } else {
            credential(value, Kind::Assignment, NAMED_NUMBER, out);
        }
    }
}

/// Whether what follows `Bearer` is a credential: long enough, not a word,
/// a variable or `realm="..."` parameters.
fn looks_like_credential(value: &str) -> bool {
    let core = value.trim_end_matches([',', ';', '"', '\'', ')']);
    core.len() >= 8 && looks_like_secret(core) && !core.trim_end_matches('=').contains('=')
}

/// A string found by its look, with the symbols glued to it (`!`, `$`,
/// `%`, `^`, `*`, `~`, `|`) and the letters and digits past them: the rest
/// of its token.
fn whole_token<'a>(piece: Piece<'a>, found: Piece<'a>) -> Piece<'a> {
    let is_part = |b: u8| b.is_ascii_alphanumeric() || b"!$%^*~|".contains(&b);
    let is_symbol = |b: u8| b"!$%^*~|".contains(&b);
    let bytes = piece.text.as_bytes();
    let (mut start, mut end) = (
        (found.start - piece.start) as usize,
        (found.end() - piece.start) as usize,
    );
    if bytes.get(end).copied().is_some_and(is_symbol) {
        while end < bytes.len() && is_part(bytes[end]) {
            end += 1;
        }
    }
    if start > 0 && is_symbol(bytes[start - 1]) {
        while start > 0 && is_part(bytes[start - 1]) {
            start -= 1;
        }
    }
    // In an nginx argument, `${name}` braces stay whole.
    if piece.dollar == Dollar::Variable && piece.text[start..end].ends_with('$') {
        end -= 1;
    }
    piece.slice(start, end)
}

/// `user:password` (the password goes; the user too when it looks random)
/// or a lone `user`, which goes when it looks like a token (as in
/// `https://TOKEN@host`): long and not a plain name, with or without
/// digits.
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
            let text = info.text;
            let token_like = text.len() >= 16
                && !is_plain_word(text)
                && !text.contains(['.', '$'])
                && text.bytes().any(|b| b.is_ascii_alphabetic());
            if (token_like || entropy::looks_random(text)) && !info.only_variables() {
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
        Piece::new(0, text)
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

    /// Free text as an argument, or as prose (a comment: `$` is literal).
    fn free(text: &str, prose: bool) -> Vec<(String, Kind)> {
        let mut out = Vec::new();
        let piece = if prose {
            piece(text).literal()
        } else {
            piece(text)
        };
        free_text(piece, prose, &mut out);
        secrets(text, &out)
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
        regex_literals(piece(body), Kind::MapKey, &mut out);
        assert_eq!(secrets(body, &out), [("abcdef123456".into(), Kind::MapKey)]);
        let mut out = Vec::new();
        let body = "^sk_live_[A-Za-z0-9_]{24}$";
        regex_literals(piece(body), Kind::MapKey, &mut out);
        assert_eq!(secrets(body, &out), [("sk_live_".into(), Kind::MapKey)]);
    }
}
