//! `application.properties`, read into documents the way Spring Boot's
//! `OriginTrackedPropertiesLoader` reads it.

use super::*;
use crate::lang::properties;

/// A physical line: its start offset and text (without line break).
type Line<'t> = (usize, &'t str);

/// Reads properties the way `OriginTrackedPropertiesLoader` does.
#[derive(Default)]
struct PropertiesReader {
    done: Vec<Document>,
    doc: Document,
    /// The prefix of the comment on the line before, if it was one: a
    /// `#---` right after a `#` comment is a comment, not a separator.
    last_comment: Option<char>,
}

impl File<'_> {
    pub(super) fn parse_properties(&mut self) {
        let text = self.text;
        let bom = text::bom_len(text);
        let lines: Vec<Line<'_>> = text::lines(text)
            .map(|(at, l)| {
                if at == 0 {
                    (bom, &l[bom.min(l.len())..])
                } else {
                    (at, l)
                }
            })
            .collect();
        let mut reader = PropertiesReader::default();
        let mut i = 0;
        while i < lines.len() {
            let (at, line) = lines[i];
            let content = line.trim_start_matches(properties::is_space);
            i += 1;
            match content.chars().next() {
                None => reader.last_comment = None,
                Some(c @ ('#' | '!')) => reader.comment(at, line, c),
                Some(_) => {
                    reader.last_comment = None;
                    let mut segments = vec![(at + line.len() - content.len(), content)];
                    while properties::continues(segments[segments.len() - 1].1) && i < lines.len() {
                        let (next_at, next) = lines[i];
                        let trimmed = next.trim_start_matches(properties::is_space);
                        segments.push((next_at + next.len() - trimmed.len(), trimmed));
                        i += 1;
                    }
                    if let Some(entry) = property(&segments, lines[i - 1].0, i - segments.len() + 1)
                    {
                        if is_condition(&entry.path) {
                            reader.doc.condition = Some(entry.shown(false));
                        }
                        reader.doc.entries.push(entry);
                    }
                }
            }
        }
        reader.done.push(reader.doc);
        self.docs = reader.done;
    }
}

impl PropertiesReader {
    /// A line starting with `#` or `!` (`prefix`): a comment, or a
    /// `#---` / `!---` document separator.
    fn comment(&mut self, at: usize, line: &str, prefix: char) {
        let rest = line
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix("---"))
            .map(|r| r.trim_matches(properties::is_space));
        if rest == Some("") && self.last_comment != Some(prefix) {
            self.doc.end = Some(at);
            self.done.push(std::mem::take(&mut self.doc));
        } else if self.doc.entries.is_empty() {
            // Spring Boot folds a document that starts with a comment back
            // into the one before.
            if let Some(mut previous) = self.done.pop() {
                previous.end = None;
                self.doc = previous;
            }
        }
        self.last_comment = Some(prefix);
    }
}

/// One logical properties line (its physical lines joined) as an entry.
fn property(segments: &[Line<'_>], last_line: usize, line: usize) -> Option<Entry> {
    // The logical line, with each byte's offset in the file.
    let mut logical = String::new();
    let mut offsets: Vec<usize> = Vec::new();
    for (k, &(at, seg)) in segments.iter().enumerate() {
        let seg = if k + 1 < segments.len() {
            &seg[..seg.len() - 1]
        } else {
            seg
        };
        logical.push_str(seg);
        offsets.extend(at..at + seg.len());
    }
    let (key, key_end, value_start) = properties::key(&logical);
    let key_raw = logical[..key_end].to_string();
    if key.trim().is_empty() {
        return None;
    }
    let raw_value = logical[value_start..].trim_end_matches(properties::is_space);
    let value = properties::unescape(raw_value);
    let single = segments.len() == 1;
    let span = (single && !raw_value.contains('\\')).then(|| {
        let start = offsets
            .get(value_start)
            .copied()
            .unwrap_or(segments[0].0 + logical.len());
        (start, start + raw_value.len())
    });
    let path = path_of(key.trim());
    Some(Entry {
        setting: setting_of(&path),
        path,
        own_key: key_raw.clone(),
        key: key_raw,
        value,
        span,
        line,
        last_line,
        sep: if single {
            logical[key_end..value_start].to_string()
        } else {
            "=".to_string()
        },
        problem: None,
    })
}
