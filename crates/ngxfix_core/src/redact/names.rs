//! Which names mark a value as a credential: header, parameter, cookie and
//! variable names in nginx directives, and the names values are given in
//! free text and code (`password=`, `"api_key":`, `{ Authorization = }`).
//!
//! Two readings. nginx's own names (headers, variables, map sources, query
//! parameters) are judged by the words they contain anywhere
//! ([`is_sensitive_name`]): `X-Auth-Token`, `$upstream_secret`. Names met in
//! free text and code are judged by their whole words
//! ([`is_credential_name`]), since there `keys_zone=` or `monkey` must not
//! count: `db_pass`, `apiKey`, `pin-value`, `X-Csrf`.

/// Parts of nginx names that mark a header, parameter or variable as
/// carrying credentials wherever they appear in the name.
const SENSITIVE_PARTS: &[&str] = &[
    "token",
    "secret",
    "key",
    "passw",
    "passphrase",
    "pwd",
    "auth",
    "session",
    "signature",
    "credential",
    "cookie",
];

/// Words that name a credential when they are a whole word of a name
/// (`$db_pass`, `X-Csrf`, `DB_PASS`, `pin-value`), too short to look for
/// inside other words (`bypass`, `spin`, `design`).
const CREDENTIAL_WORDS: &[&str] = &[
    "pass",
    "passwd",
    "password",
    "passphrase",
    "pwd",
    "pw",
    "pin",
    "secret",
    "token",
    "apikey",
    "auth",
    "authorization",
    "cookie",
    "session",
    "sid",
    "sig",
    "signature",
    "hmac",
    "csrf",
    "xsrf",
    "otp",
    "jwt",
    "salt",
    "credential",
    "credentials",
    "cred",
    "creds",
    "dsn",
];

/// Words that make `key` a credential's name (`api_key`, `X-Client-Key`,
/// `secretKey`), where `cache_key` or `keys_zone` name something else.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "client",
    "app",
    "master",
    "signing",
    "encryption",
    "license",
    "auth",
    "service",
    "partner",
    "account",
    "shared",
    "hmac",
    "session",
    "consumer",
    "subscription",
    "admin",
    "deploy",
];

/// Headers whose names look sensitive but hold public challenges.
const PUBLIC_HEADERS: &[&str] = &["www-authenticate", "proxy-authenticate"];

/// Whether a header, parameter, cookie or variable name of nginx marks its
/// value as a credential (case-insensitive).
pub fn is_sensitive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !PUBLIC_HEADERS.contains(&lower.as_str())
        && (SENSITIVE_PARTS.iter().any(|part| lower.contains(part))
            || words(name)
                .iter()
                .any(|w| CREDENTIAL_WORDS.contains(&w.as_str())))
}

/// Words that end a credential's name without changing what it names
/// (`pin-value`, `password_b64`, `X-Hub-Signature-256`).
const NEUTRAL_ENDINGS: &[&str] = &[
    "value",
    "hash",
    "b64",
    "base64",
    "hex",
    "raw",
    "enc",
    "encoded",
    "encrypted",
    "str",
    "string",
    "plain",
    "text",
];

/// Whether a name met in free text or code (`password`, `apiKey`,
/// `X-Api-Key`, `SERVICE_SECRET`, `pin-value`) names a credential: its
/// head, the last word but neutral endings and numbers, is a credential
/// word, or `key` qualified as one (`api_key`; a `key` alone is a cache or
/// table key as often as not). A word in front only qualifies the head:
/// `auth_type`, `token_type_hint` and `jwt_claim` name no credential.
pub fn is_credential_name(name: &str) -> bool {
    if PUBLIC_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return false;
    }
    let words = words(name);
    let Some(head) = words.iter().rposition(|w| {
        !NEUTRAL_ENDINGS.contains(&w.as_str()) && !w.bytes().all(|b| b.is_ascii_digit())
    }) else {
        return false;
    };
    let word = words[head].as_str();
    CREDENTIAL_WORDS.contains(&word)
        || word.starts_with("passw")
        || (word == "key" && head > 0 && KEY_QUALIFIERS.contains(&words[head - 1].as_str()))
}

/// Words that, last in a function's name, make each of its string
/// arguments a credential (`red:auth("x")`, `set_password("x")`); a
/// function merely using one (`hmac_sha1(key, message)`) is not named so.
const CREDENTIAL_CALLS: &[&str] = &[
    "auth",
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
];

/// Whether a call (`auth`, `setPassword`) takes credentials as arguments.
pub(crate) fn is_credential_call(name: &str) -> bool {
    words(name)
        .last()
        .is_some_and(|w| CREDENTIAL_CALLS.contains(&w.as_str()))
}

/// Whether a map over this source (`$http_authorization`,
/// `"$cookie_sid:$arg_token"`) has credentials as its keys.
pub(crate) fn is_sensitive_source(source: &str) -> bool {
    variables(source).any(is_sensitive_name)
}

/// The variable names in a text.
pub fn variables(text: &str) -> impl Iterator<Item = &str> {
    text.split('$').skip(1).map(|rest| {
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        &rest[..len]
    })
}

/// The words of a name, lower-cased: split at `_`, `-`, `.`, `$`, spaces
/// and where lower case turns to upper (`dbPass`, `X-Api-Key`,
/// `$http_x_api_key`).
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            words.extend((!current.is_empty()).then(|| std::mem::take(&mut current)));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    words.extend((!current.is_empty()).then_some(current));
    words
}

#[cfg(test)]
mod tests {
    use super::*;

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
            // Whole words too short to look for inside others.
            "$db_pass",
            "DB_PASS",
            "X-Pass",
            "X-Csrf",
            "$hmac",
            "$sig",
            "$url_sig",
            "$upstream_pw",
        ] {
            assert!(is_sensitive_name(name), "{name}");
        }
        for name in [
            "Host",
            "X-Forwarded-For",
            "WWW-Authenticate",
            "Connection",
            "$bypass_cache",
            "$design",
            "X-Passenger-Version",
            "$spin",
        ] {
            assert!(!is_sensitive_name(name), "{name}");
        }
        assert!(is_sensitive_source("$http_authorization"));
        assert!(is_sensitive_source("\"${cookie_sid}:$remote_addr\""));
        assert!(is_sensitive_source("$arg_token"));
        assert!(!is_sensitive_source("$host"));
    }

    #[test]
    fn credential_names_are_whole_words() {
        for name in [
            "password",
            "db_password",
            "dbPass",
            "apiKey",
            "api_key",
            "X-Api-Key",
            "pin-value",
            "SERVICE_SECRET",
            "Authorization",
            "client_secret",
            "auth",
            "creds",
            "X-Hub-Signature-256",
            "password_b64",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
        for name in [
            "keys_zone",
            "cache_key",
            "key",
            "zone",
            "monkey",
            "keepalive",
            "passes",
            "bypass",
            "user",
            "WWW-Authenticate",
            "author",
            "auth_type",
            "token_type_hint",
            "jwt_claim",
            "password_file",
            "error_auth_failed",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
        assert!(is_credential_call("auth"));
        assert!(is_credential_call("setPassword"));
        assert!(!is_credential_call("hmac_sha1"));
        assert!(!is_credential_call("open"));
    }
}
