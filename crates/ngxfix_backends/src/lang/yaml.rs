//! Enough of a YAML line to read block mappings line by line: a line's
//! key, and its value when it is a plain or quoted scalar (with why it
//! cannot be read in place when it is something else).

/// A key on a YAML line: its text (unquoted), and where its value starts.
pub(crate) fn key(content: &str) -> Option<(String, usize)> {
    let (key, after) = match content.chars().next()? {
        q @ ('"' | '\'') => {
            let close = content[1..].find(q)? + 1;
            (content[1..close].to_string(), close + 1)
        }
        '-' | '?' | '[' | '{' | '#' | '&' | '*' | '!' | '|' | '>' | '%' | '@' | '`' => {
            return None;
        }
        _ => {
            let bytes = content.as_bytes();
            let colon = (0..bytes.len()).find(|&i| {
                bytes[i] == b':' && bytes.get(i + 1).is_none_or(|b| *b == b' ' || *b == b'\t')
            })?;
            let key = &content[..colon];
            if key.contains(" #") || key.contains("\t#") {
                return None;
            }
            (key.trim_end().to_string(), colon)
        }
    };
    let rest = &content[after..];
    let rest = rest.trim_start_matches([' ', '\t']);
    let colon_at = content.len() - rest.len();
    let value = rest.strip_prefix(':')?;
    if !(value.is_empty() || value.starts_with([' ', '\t'])) {
        return None;
    }
    Some((key, colon_at + 1))
}

/// A YAML value after its key.
pub(crate) enum Value {
    /// A mapping follows on the next lines (nothing after the key, a
    /// comment, or only an anchor).
    Mapping,
    /// A scalar: its text, its span relative to the raw value when it can
    /// be replaced in place, and why it cannot be read when it cannot (an
    /// alias, a block scalar, a flow collection).
    Scalar {
        text: String,
        span: Option<(usize, usize)>,
        problem: Option<&'static str>,
    },
}

/// The value `raw` (what follows a key's colon) holds.
pub(crate) fn value(raw: &str) -> Value {
    let lead = raw.len() - raw.trim_start_matches([' ', '\t']).len();
    let v = &raw[lead..];
    let scalar = |text: &str, span: Option<(usize, usize)>, problem| Value::Scalar {
        text: text.to_string(),
        span,
        problem,
    };
    match v.chars().next() {
        None | Some('#') => Value::Mapping,
        Some('&') => {
            let anchor_end = v.find([' ', '\t']).unwrap_or(v.len());
            match value(&v[anchor_end..]) {
                Value::Mapping => Value::Mapping,
                Value::Scalar { text, .. } => scalar(&text, None, Some("carries a YAML anchor")),
            }
        }
        Some(q @ ('"' | '\'')) => match v[1..].find(q) {
            Some(close) => {
                let inner = &v[1..1 + close];
                let escaped = (q == '"' && inner.contains('\\'))
                    || (q == '\'' && v[1 + close + 1..].starts_with('\''));
                let problem = escaped.then_some("has escapes");
                scalar(inner, Some((lead + 1, lead + 1 + close)), problem)
            }
            None => scalar(v, None, Some("is a quoted value over several lines")),
        },
        Some('|' | '>') => scalar(v, None, Some("is a block scalar")),
        Some('{' | '[') => scalar(v, None, Some("is a flow collection")),
        Some('*') => scalar(v, None, Some("is a YAML alias")),
        Some('!') => scalar(v, None, Some("has a YAML tag")),
        Some(_) => {
            let end = [" #", "\t#"]
                .iter()
                .filter_map(|c| v.find(c))
                .min()
                .unwrap_or(v.len());
            let plain = v[..end].trim_end();
            scalar(plain, Some((lead, lead + plain.len())), None)
        }
    }
}
