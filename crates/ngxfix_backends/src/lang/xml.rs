//! Start tags of an XML file, scanned rather than parsed into a tree so
//! that an edit touches only the bytes of one attribute value: comments,
//! CDATA, processing instructions and the DOCTYPE are skipped, and every
//! start tag's attributes are read with their byte offsets.

/// A start tag: its attributes and where it is.
pub(crate) struct Tag<'a> {
    /// Offset of the `<`.
    pub(crate) start: usize,
    /// Offset just after the element name.
    pub(crate) name_end: usize,
    pub(crate) attrs: Vec<Attr<'a>>,
}

/// One attribute of a start tag, by byte offsets into the file.
pub(crate) struct Attr<'a> {
    /// Where the whitespace before the name starts.
    pub(crate) gap: usize,
    /// Where the name starts.
    pub(crate) start: usize,
    pub(crate) name: &'a str,
    /// The value, without its quotes, and where it starts.
    pub(crate) value: &'a str,
    pub(crate) value_start: usize,
    /// Just after the closing quote.
    pub(crate) end: usize,
    pub(crate) quote: char,
}

impl<'a> Tag<'a> {
    /// The attribute named `name` (the first, when it is repeated).
    pub(crate) fn attr(&self, name: &str) -> Option<&Attr<'a>> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// An attribute name the tag repeats.
    pub(crate) fn duplicate_attr(&self) -> Option<&'a str> {
        self.attrs
            .iter()
            .enumerate()
            .find(|(i, a)| self.attrs[..*i].iter().any(|b| b.name == a.name))
            .map(|(_, a)| a.name)
    }
}

/// The start tags named `name` outside comments, CDATA, processing
/// instructions and declarations; `Err(offset)` where a tag is malformed.
pub(crate) fn start_tags<'a>(text: &'a str, name: &str) -> Result<Vec<Tag<'a>>, usize> {
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(rel) = text[i..].find('<') {
        let at = i + rel;
        let rest = &text[at..];
        let skip_to = |close: &str, from: usize| {
            text[from..]
                .find(close)
                .map_or(text.len(), |p| from + p + close.len())
        };
        i = if rest.starts_with("<!--") {
            skip_to("-->", at + 4)
        } else if rest.starts_with("<![CDATA[") {
            skip_to("]]>", at + 9)
        } else if rest.starts_with("<?") {
            skip_to("?>", at + 2)
        } else if rest.starts_with("<!") {
            skip_declaration(text, at)
        } else if rest.starts_with("</") {
            skip_to(">", at + 2)
        } else {
            let (tag, end) = start_tag(text, at)?;
            if &text[at + 1..tag.name_end] == name {
                tags.push(tag);
            }
            end
        };
    }
    Ok(tags)
}

/// Past a `<!DOCTYPE ...>` declaration, with its internal subset.
fn skip_declaration(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut quote = None;
    for (j, &b) in bytes.iter().enumerate().skip(at + 2) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => depth += 1,
            (None, b']') => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return j + 1,
            _ => {}
        }
    }
    text.len()
}

/// The start tag at `at` and the offset just after it.
fn start_tag(text: &str, at: usize) -> Result<(Tag<'_>, usize), usize> {
    let bytes = text.as_bytes();
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let name_end = (at + 1..bytes.len())
        .find(|&j| is_space(bytes[j]) || bytes[j] == b'/' || bytes[j] == b'>')
        .ok_or(at)?;
    let mut tag = Tag {
        start: at,
        name_end,
        attrs: Vec::new(),
    };
    let mut j = name_end;
    loop {
        let gap = j;
        while j < bytes.len() && is_space(bytes[j]) {
            j += 1;
        }
        match bytes.get(j) {
            None => return Err(at),
            Some(b'>') => return Ok((tag, j + 1)),
            Some(b'/') if bytes.get(j + 1) == Some(&b'>') => return Ok((tag, j + 2)),
            Some(_) if j == gap => return Err(j),
            Some(_) => {}
        }
        let start = j;
        while j < bytes.len() && !is_space(bytes[j]) && !matches!(bytes[j], b'=' | b'>' | b'/') {
            j += 1;
        }
        let name = &text[start..j];
        while j < bytes.len() && is_space(bytes[j]) {
            j += 1;
        }
        if name.is_empty() || bytes.get(j) != Some(&b'=') {
            return Err(j.min(bytes.len().saturating_sub(1)));
        }
        j += 1;
        while j < bytes.len() && is_space(bytes[j]) {
            j += 1;
        }
        let quote = match bytes.get(j) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Err(j.min(bytes.len().saturating_sub(1))),
        };
        let value_start = j + 1;
        let close = text[value_start..]
            .find(quote as char)
            .map(|p| value_start + p)
            .ok_or(start)?;
        tag.attrs.push(Attr {
            gap,
            start,
            name,
            value: &text[value_start..close],
            value_start,
            end: close + 1,
            quote: quote as char,
        });
        j = close + 1;
    }
}
