//! Edits being gathered for a raise, placed in the file's own style.

use std::collections::BTreeMap;

use super::structure::object_items;
use super::*;

/// Where keepAliveTimeout now is, for settings that go beside it.
#[derive(Clone)]
pub(super) enum Anchor {
    Setting(Place),
    /// Added as a line at this insertion offset.
    Line {
        at: usize,
        target: String,
        semicolon: bool,
    },
    /// Added as an option of this object.
    NewOption {
        object: usize,
    },
}

impl Anchor {
    pub(super) fn is_option(&self) -> bool {
        matches!(
            self,
            Anchor::NewOption { .. } | Anchor::Setting(Place::Option { .. })
        )
    }
}

/// A property to add to an options object: name and value.
type NewProp = (&'static str, u64);

/// Edits being gathered: replacements, new lines (grouped by where they
/// go, so that lines added at one place come out in order) and new
/// options (grouped by the object and the property they follow).
#[derive(Default)]
pub(super) struct Plan {
    replacements: Vec<Edit<()>>,
    /// Insertion offset → indentation and lines.
    lines: BTreeMap<usize, (String, Vec<String>)>,
    /// (object `{`, property whose value ends there) → new properties.
    props: BTreeMap<(usize, Option<usize>), Vec<NewProp>>,
}

impl Plan {
    /// Replaces a value; a value shared by several servers is replaced
    /// once, with the largest value asked.
    pub(super) fn replace(&mut self, start: usize, end: usize, text: String) {
        let edit = Edit::new(start, end, text);
        match self
            .replacements
            .iter_mut()
            .find(|e| e.range() == (start..end))
        {
            Some(old) if is_larger(&edit.text, &old.text) => *old = edit,
            Some(_) => {}
            None => self.replacements.push(edit),
        }
    }

    /// Adds a line after the statement `first..=last`, indented as its
    /// first line; returns the insertion offset.
    pub(super) fn add_line(
        &mut self,
        t: &Tokens<'_>,
        first: usize,
        last: usize,
        line: String,
    ) -> usize {
        let text = t.text;
        let indent = indentation(text, t.toks[first].start).to_string();
        let at = next_line_start(text, t.toks[last].end);
        self.lines
            .entry(at)
            .or_insert_with(|| (indent, Vec::new()))
            .1
            .push(line);
        at
    }

    pub(super) fn append_line_at(&mut self, at: usize, line: String) {
        if let Some(entry) = self.lines.get_mut(&at) {
            entry.1.push(line);
        }
    }

    /// Adds a property to the object whose `{` is `object`: after the
    /// property whose value ends at token `after`, or after the last one.
    pub(super) fn add_prop(
        &mut self,
        object: usize,
        after: Option<usize>,
        name: &'static str,
        value: u64,
    ) {
        self.props
            .entry((object, after))
            .or_default()
            .push((name, value));
    }

    pub(super) fn edits(self, t: &Tokens<'_>) -> Vec<Edit<()>> {
        let text = t.text;
        let eol = line_ending(text);
        let mut out = self.replacements;
        for (at, (indent, lines)) in self.lines {
            let body: String = lines.iter().map(|l| format!("{indent}{l}{eol}")).collect();
            let body = if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
                format!("{eol}{}", body.strip_suffix(eol).unwrap_or(&body))
            } else {
                body
            };
            out.push(Edit::new(at, at, body));
        }
        for ((object, after), props) in self.props {
            out.extend(prop_edits(t, object, after, &props));
        }
        out
    }
}

/// The edits that add `props` to an object literal after the property
/// whose value ends at `after` (or the last property), in the object's
/// style: on new lines, with or without trailing commas, or inline.
fn prop_edits(
    t: &Tokens<'_>,
    object: usize,
    after: Option<usize>,
    props: &[(&str, u64)],
) -> Vec<Edit<()>> {
    let text = t.text;
    let insert = |at: usize, s: String| Edit::new(at, at, s);
    let items = object_items(t, object);
    let Some(close) = t.partner[object] else {
        return Vec::new();
    };
    let Some(last) = after.or_else(|| items.last().map(|&(_, last)| last)) else {
        // `{}`: the first properties.
        let body: Vec<String> = props.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        return vec![insert(t.toks[object].end, format!(" {} ", body.join(", ")))];
    };
    let item_first = items
        .iter()
        .find(|&&(_, l)| l == last)
        .map_or(last, |&(f, _)| f);
    let has_comma = t.is(last + 1, ",");
    let next = if has_comma { last + 2 } else { last + 1 };
    let on_own_lines = t.toks[item_first].newline_before
        && next <= close
        && t.toks.get(next).is_some_and(|n| n.newline_before);
    if !on_own_lines {
        let body: String = props.iter().map(|(k, v)| format!(", {k}: {v}")).collect();
        return vec![insert(t.toks[last].end, body)];
    }
    let eol = line_ending(text);
    let indent = indentation(text, t.toks[item_first].start);
    let lines: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{indent}{k}: {v}"))
        .collect();
    if has_comma {
        let at = line_end(text, t.toks[last + 1].end);
        let body: String = lines.iter().map(|l| format!("{eol}{l},")).collect();
        vec![insert(at, body)]
    } else {
        // The last property gains a comma; the new last one has none, as
        // the file writes it.
        let at = line_end(text, t.toks[last].end);
        let body = format!("{eol}{}", lines.join(&format!(",{eol}")));
        let mut out = vec![insert(t.toks[last].end, ",".into())];
        if at == t.toks[last].end {
            out[0].text.push_str(&body);
        } else {
            out.push(insert(at, body));
        }
        out
    }
}
