//! High-entropy strings: API keys, tokens, hashes and passwords that no
//! directive names as secret, found by how random they look.
//!
//! A candidate is a run of base64/base64url/hex characters of at least
//! [`MIN_LEN`] bytes. It must mix character classes (digits with letters, or
//! upper with lower case) and have a Shannon entropy of at least
//! [`MIN_BITS`] bits a character ([`MIN_HEX_BITS`] for hex strings, whose
//! alphabet caps them at 4). Paths are judged segment by segment, and
//! compound identifiers (`ECDHE-RSA-AES128-GCM-SHA256`,
//! `ngx_http_upstream_module`) are not secrets however long. Shorter runs,
//! from [`MIN_TOKEN_LEN`] bytes, count when they have the shape of a
//! generated token: all three classes, changing every character or two.

use super::text::{Dollar, Piece};

/// Shortest string judged: API keys and tokens are longer, while words,
/// names and most identifiers are shorter.
pub(crate) const MIN_LEN: usize = 20;
/// Bits a character for a mixed-alphabet string. A random base64 string of
/// 20 characters scores about 4.1; English words and identifiers of that
/// length stay under 3.5.
pub(crate) const MIN_BITS: f64 = 3.7;
/// Bits a character for a hex string (at most 4; a random 32-digit hex
/// string scores about 3.7).
pub(crate) const MIN_HEX_BITS: f64 = 3.2;
/// Hex strings shorter than a 128-bit hash are too often colors, ids or
/// counters.
pub(crate) const MIN_HEX_LEN: usize = 32;

/// Shannon entropy of a string, in bits a byte.
pub(crate) fn shannon(text: &str) -> f64 {
    let mut counts = [0u32; 256];
    for &b in text.as_bytes() {
        counts[b as usize] += 1;
    }
    let len = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// Shortest string judged by its shape (`looks_like_token`): generated
/// tokens of 16 to 19 characters (a token in a `location` path, an API
/// key of a map), too short for their entropy to tell.
pub(crate) const MIN_TOKEN_LEN: usize = 16;

/// Whether `text` on its own looks like a random secret.
pub(crate) fn looks_random(text: &str) -> bool {
    if text.contains(super::placeholder::MARK) {
        return false;
    }
    if text.len() < MIN_LEN {
        return looks_like_token(text);
    }
    let bytes = text.as_bytes();
    let lower = bytes.iter().any(u8::is_ascii_lowercase);
    let upper = bytes.iter().any(u8::is_ascii_uppercase);
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    if bytes.iter().all(u8::is_ascii_hexdigit) && !(lower && upper) {
        return text.len() >= MIN_HEX_LEN && digits > 0 && shannon(text) >= MIN_HEX_BITS;
    }
    let mixed = (digits > 0 && (lower || upper)) || (lower && upper);
    mixed
        && !is_compound_identifier(text)
        && average_word_len(text) < MIN_WORD_LEN
        && shannon(text) >= MIN_BITS
}

/// A short generated token (`Qz8Wk2Lx7Rm4Tp9v`): letters and digits only,
/// at least three of each of upper case, lower case and digits, changing
/// class every one or two characters (words and names keep a class for
/// longer), and hardly a character twice.
fn looks_like_token(text: &str) -> bool {
    let bytes = text.as_bytes();
    let count = |class: fn(&u8) -> bool| bytes.iter().filter(|b| class(b)).count();
    text.len() >= MIN_TOKEN_LEN
        && bytes.iter().all(u8::is_ascii_alphanumeric)
        && count(u8::is_ascii_uppercase) >= 3
        && count(u8::is_ascii_lowercase) >= 3
        && count(u8::is_ascii_digit) >= 3
        && average_word_len(text) < 2.0
        && shannon(text) >= MIN_TOKEN_BITS
}

/// Bits a character for a short token: 16 characters, nearly all
/// different, score close to 4.
const MIN_TOKEN_BITS: f64 = 3.6;

/// Average length of the words a string splits into (`Camel`, `case`,
/// `HTTP`, `42`): 4 and more in `ImapAuthenticateWithApachePhpScript`,
/// under 2 in random base64.
const MIN_WORD_LEN: f64 = 4.0;

fn average_word_len(text: &str) -> f64 {
    let class = |b: u8| match b {
        b'a'..=b'z' => 0,
        b'A'..=b'Z' => 1,
        b'0'..=b'9' => 2,
        _ => 3,
    };
    let mut words = 0;
    let mut previous = None;
    let mut run = 0;
    for b in text.bytes() {
        let c = class(b);
        // A capital followed by lower case is one word.
        let continues = previous == Some(c) || (previous == Some(1) && c == 0 && run == 1);
        if continues {
            run += 1;
        } else {
            words += 1;
            run = 1;
        }
        previous = Some(c);
    }
    text.len() as f64 / f64::from(words.max(1))
}

/// `AES128-GCM-SHA256`, `X_Forwarded_Proto`, `TLSv1_2-only`: parts joined by
/// `-` or `_`, each a word, a number, or a word followed by a number. Random
/// strings that happen to hold `-` or `_` have parts that mix them freely.
fn is_compound_identifier(text: &str) -> bool {
    let parts: Vec<&str> = text.split(['-', '_']).collect();
    parts.len() >= 2
        && parts.iter().all(|part| {
            let letters = part.bytes().take_while(u8::is_ascii_alphabetic).count();
            let rest = &part.as_bytes()[letters..];
            rest.iter().all(u8::is_ascii_digit) && (letters == 0 || is_word_case(&part[..letters]))
        })
}

/// A path segment that reads as a name: no capitals, and three lower-case
/// letters in a row (`h5bp`, `web_performance`, `conf.d`), which random
/// base64 between two `/` rarely is.
fn is_path_word(segment: &str) -> bool {
    segment.len() >= 3
        && !segment.bytes().any(|b| b.is_ascii_uppercase())
        && segment
            .as_bytes()
            .windows(3)
            .any(|w| w.iter().all(u8::is_ascii_lowercase))
}

/// One case, or a capital then lower case: how words are written, unlike
/// random letters.
fn is_word_case(word: &str) -> bool {
    let tail = &word[1..];
    word.bytes().all(|b| b.is_ascii_lowercase())
        || word.bytes().all(|b| b.is_ascii_uppercase())
        || tail.bytes().all(|b| b.is_ascii_lowercase())
        || word.len() <= 4
}

/// The characters of base64, base64url and hex strings.
fn is_run_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-')
}

/// The high-entropy strings inside a piece of text (an argument, a comment),
/// as pieces of it. Hex strings in a URL are commit and content hashes,
/// public by nature, and stay.
pub fn find(piece: Piece<'_>) -> Vec<Piece<'_>> {
    let bytes = piece.text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !is_run_char(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_run_char(bytes[i]) {
            i += 1;
        }
        // A run right after `\` is an escape; in an nginx argument, one
        // after `$` (or `${`) is a variable name.
        let previous = start.checked_sub(1).map(|i| bytes[i]);
        let variable = piece.dollar == Dollar::Variable && matches!(previous, Some(b'$' | b'{'));
        if previous == Some(b'\\') || variable {
            continue;
        }
        let word_start = bytes[..start]
            .iter()
            .rposition(u8::is_ascii_whitespace)
            .map_or(0, |p| p + 1);
        let in_url = piece.text[word_start..start].contains("://");
        let before = found.len();
        judge_assignments(piece.slice(start, i), &mut found);
        if in_url {
            let mut index = 0;
            found.retain(|p| {
                index += 1;
                index <= before || !p.text.bytes().all(|b| b.is_ascii_hexdigit())
            });
        }
    }
    found
}

/// `name=value` inside a run is two runs: only trailing `=` is base64
/// padding.
fn judge_assignments<'a>(run: Piece<'a>, found: &mut Vec<Piece<'a>>) {
    let bytes = run.text.as_bytes();
    let mut part_start = 0;
    let mut j = 0;
    while j < bytes.len() {
        if bytes[j] != b'=' {
            j += 1;
            continue;
        }
        let mut k = j;
        while k < bytes.len() && bytes[k] == b'=' {
            k += 1;
        }
        if k < bytes.len() {
            judge_run(run.slice(part_start, j), found);
            part_start = k;
        }
        j = k;
    }
    judge_run(run.from(part_start), found);
}

/// A run is judged whole, unless it reads as a path, then each segment.
fn judge_run<'a>(run: Piece<'a>, found: &mut Vec<Piece<'a>>) {
    let trimmed = run.trim_matches(|c| matches!(c, '/' | '-' | '_'));
    let Some(run) = trimmed else { return };
    let path_like = run.text.contains('/')
        && (run.text.split('/').any(is_path_word) || run.text.contains("//"));
    if !path_like {
        // Base64 padding belongs to the secret but adds no randomness.
        let core = run.text.trim_end_matches('=');
        if looks_random(core) {
            found.push(run);
        }
        return;
    }
    let mut offset = 0;
    for segment in run.text.split('/') {
        if looks_random(segment.trim_end_matches('=')) {
            found.push(run.slice(offset, offset + segment.len()));
        }
        offset += segment.len() + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        find(Piece::new(0, text))
            .into_iter()
            .map(|p| p.text)
            .collect()
    }

    #[test]
    fn entropy_of_simple_strings() {
        assert_eq!(shannon("aaaa"), 0.0);
        assert!((shannon("abab") - 1.0).abs() < 1e-9);
        assert!((shannon("abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn random_tokens_are_found() {
        for secret in [
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "AKIAIOSFODNN7EX4MPL3K3Y9Q",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "dGhpcyBpcyBhIHNlY3JldCB0b2tlbg==",
        ] {
            assert_eq!(found(secret), [secret], "{secret}");
        }
        // Inside other text, and a path segment of its own.
        assert_eq!(
            found("STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
            ["sk_live_4eC39HqLyjWDarjtT1zdp7dc"]
        );
        assert_eq!(
            found("token wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE; x"),
            ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE"]
        );
        assert_eq!(
            found("/hooks/services/T0AB12CD3/B0EF45GH6/aB3dE5fG7hJ9kL1mN3pQ5rS7"),
            ["aB3dE5fG7hJ9kL1mN3pQ5rS7"]
        );
    }

    #[test]
    fn ordinary_words_are_not_secrets() {
        for text in [
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
            "ngx_http_upstream_keepalive_module",
            "/var/www/example.com/public_html/index.php",
            "$http_x_forwarded_for$request_uri",
            "application/vnd.ms-fontobject",
            "X-Content-Type-Options-Something",
            "TLSv1.2 TLSv1.3",
            "REDACTED_TOKEN_12345678901234",
            "0123456789abcdef",
            "proxy_set_header_X_Forwarded_For",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "ImapAuthenticateWithApachePhpScript",
            "h5bp/web_performance/cache_expiration.conf",
            "https://github.com/h5bp/x/commit/37b5fec090d00f38de64b591bcddcb205aadf8ee",
            "/api/v2/Users/ById/12345",
            "ServerTokens2024Prod",
            "X509v3SubjectKeyId",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }
}
