//! Java `.properties` lines as `java.util.Properties` (and Spring Boot's
//! `OriginTrackedPropertiesLoader`) read them: `\` continuations, keys
//! ending at `=`, `:` or a blank, escapes.

/// Whether a properties line ends in a `\` that continues it.
pub(crate) fn continues(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// The blanks a properties file skips around keys and values.
pub(crate) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0c')
}

/// The key (unescaped), where its written text ends, and where the value
/// starts: the key ends at an unescaped `=` or `:`, or at whitespace
/// followed by something else.
pub(crate) fn key(logical: &str) -> (String, usize, usize) {
    let mut key = String::new();
    let mut written_end = 0;
    let mut saw_space = false;
    let mut chars = logical.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some((j, e)) = chars.next() {
                key.push(unescape_char(e));
                written_end = j + e.len_utf8();
            }
            saw_space = false;
            continue;
        }
        if c == '=' || c == ':' {
            let value = skip_spaces(logical, i + 1);
            return (key, written_end, value);
        }
        if is_space(c) {
            saw_space = true;
            continue;
        }
        if saw_space {
            return (key, written_end, i);
        }
        key.push(c);
        written_end = i + c.len_utf8();
    }
    (key, written_end, logical.len())
}

fn skip_spaces(s: &str, from: usize) -> usize {
    from + s[from..].len() - s[from..].trim_start_matches(is_space).len()
}

fn unescape_char(c: char) -> char {
    match c {
        't' => '\t',
        'n' => '\n',
        'r' => '\r',
        'f' => '\x0c',
        other => other,
    }
}

/// A properties value with its escapes resolved (`\uXXXX` left as it is:
/// no timeout value has one).
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(e) = chars.next() {
                out.push(unescape_char(e));
            }
        } else {
            out.push(c);
        }
    }
    out
}
