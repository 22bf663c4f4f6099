//! Byte-range edits: the one edit type of every layer.

use std::hash::Hash;

use crate::FileId;

/// Replace `start..end` of a file's original text with `text` (an insertion
/// when the range is empty). `F` names the file: a configuration file's
/// [`FileId`] (the default), a backend file's index, or `()` for an edit of
/// one text on its own, as a backend format computes it before the caller
/// says which file it is ([`Edit::in_file`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edit<F = FileId> {
    pub file: F,
    pub start: u32,
    pub end: u32,
    pub text: String,
}

impl Edit<()> {
    /// An edit of one text on its own, at byte offsets of a text shorter
    /// than 4 GiB (what every reader of ngxfix reads).
    ///
    /// # Panics
    ///
    /// When an offset does not fit in 32 bits.
    pub fn new(start: usize, end: usize, text: impl Into<String>) -> Self {
        let offset = |at: usize| u32::try_from(at).expect("a text under 4 GiB");
        Edit {
            file: (),
            start: offset(start),
            end: offset(end),
            text: text.into(),
        }
    }
}

impl<F> Edit<F> {
    /// The same edit, of the file `file`.
    pub fn in_file<G>(self, file: G) -> Edit<G> {
        Edit {
            file,
            start: self.start,
            end: self.end,
            text: self.text,
        }
    }

    /// The replaced range, as `usize` offsets to slice a text with.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Why edits cannot be applied together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("edits overlap at bytes {0}..{1}")]
    Overlap(u32, u32),
    #[error("edit range {0}..{1} is outside the file")]
    OutOfRange(u32, u32),
    #[error("edit range {0}..{1} splits a character")]
    Split(u32, u32),
}

/// Apply edits of one file to its text. Identical edits count once; two
/// insertions at the same offset keep their given order; overlapping
/// ranges are refused.
pub fn apply<F: Eq + Hash>(text: &[u8], edits: &[&Edit<F>]) -> Result<Vec<u8>, EditError> {
    let mut seen = std::collections::HashSet::with_capacity(edits.len());
    let mut sorted: Vec<&Edit<F>> = edits.iter().copied().filter(|e| seen.insert(*e)).collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    // The exact size: the new text is kept as the file's text, and a
    // doubled buffer would hold up to twice the file for the whole run.
    let removed: usize = sorted
        .iter()
        .map(|e| e.end.saturating_sub(e.start) as usize)
        .sum();
    let added: usize = sorted.iter().map(|e| e.text.len()).sum();
    let mut out = Vec::with_capacity((text.len() + added).saturating_sub(removed));
    let mut pos = 0u32;
    for edit in sorted {
        if edit.end as usize > text.len() || edit.start > edit.end {
            return Err(EditError::OutOfRange(edit.start, edit.end));
        }
        if edit.start < pos {
            return Err(EditError::Overlap(edit.start, pos));
        }
        out.extend_from_slice(&text[pos as usize..edit.start as usize]);
        out.extend_from_slice(edit.text.as_bytes());
        pos = edit.end;
    }
    out.extend_from_slice(&text[pos as usize..]);
    Ok(out)
}

/// [`apply`] to a text that is UTF-8, refusing (as [`EditError::Split`])
/// an edit that would cut a character in two.
pub fn apply_str<F: Eq + Hash>(text: &str, edits: &[&Edit<F>]) -> Result<String, EditError> {
    for edit in edits {
        for at in [edit.start, edit.end] {
            if (at as usize) <= text.len() && !text.is_char_boundary(at as usize) {
                return Err(EditError::Split(edit.start, edit.end));
            }
        }
    }
    let bytes = apply(text.as_bytes(), edits)?;
    // Every edit starts and ends between characters and puts in UTF-8.
    Ok(String::from_utf8(bytes).expect("edits between characters keep UTF-8"))
}

/// Whether two edits cannot be applied in one pass: their ranges overlap,
/// or an insertion touches a replaced range (at its start, inside or at its
/// end: whether the new text goes before or after the replacement would be a
/// guess). Identical edits and insertions at the same offset do not clash:
/// the first apply once, the others keep their order.
pub fn clash<F: PartialEq>(a: &Edit<F>, b: &Edit<F>) -> bool {
    if a == b || a.file != b.file {
        return false;
    }
    match (a.start == a.end, b.start == b.end) {
        (true, true) => false,
        (false, false) => a.start < b.end && b.start < a.end,
        (true, false) => b.start <= a.start && a.start <= b.end,
        (false, true) => a.start <= b.start && b.start <= a.end,
    }
}

/// Where offset `pos` of a file's text before `applied` (edits applied
/// together) is afterwards: moved by every edit that ends at or before it
/// (an insertion at `pos` goes before it); `None` when an edit replaces text
/// around it.
pub fn shift_offset<F: PartialEq>(file: F, pos: u32, applied: &[&Edit<F>]) -> Option<u32> {
    shift(file, pos, applied, true)
}

/// [`shift_offset`] for the end of a range: text inserted exactly at `pos`
/// goes after it, so a range does not take in what later edits write where
/// it ends.
pub fn shift_end<F: PartialEq>(file: F, pos: u32, applied: &[&Edit<F>]) -> Option<u32> {
    shift(file, pos, applied, false)
}

/// `pos` moved by `applied`; an insertion at `pos` moves it when
/// `insertion_before`.
fn shift<F: PartialEq>(
    file: F,
    pos: u32,
    applied: &[&Edit<F>],
    insertion_before: bool,
) -> Option<u32> {
    let mut delta: i64 = 0;
    for a in applied.iter().filter(|a| a.file == file) {
        if !insertion_before && a.start == pos && a.end == pos {
            continue;
        }
        if a.end <= pos {
            delta += a.text.len() as i64 - i64::from(a.end - a.start);
        } else if a.start < pos {
            return None;
        }
    }
    u32::try_from(i64::from(pos) + delta).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: u32, end: u32, text: &str) -> Edit {
        Edit {
            file: FileId::FIRST,
            start,
            end,
            text: text.into(),
        }
    }

    #[test]
    fn the_new_text_is_held_in_exactly_its_size() {
        // Kept as the file's text for the rest of a run: a buffer grown by
        // doubling would hold up to twice the file.
        let text = "location / { proxy_pass http://app; }\n".repeat(1000);
        let edits: Vec<Edit> = (0..1000u32)
            .map(|i| edit(i * 38 + 36, i * 38 + 36, " proxy_http_version 1.1;"))
            .chain([edit(0, 8, "loc")])
            .collect();
        let refs: Vec<&Edit> = edits.iter().collect();
        let out = apply(text.as_bytes(), &refs).unwrap();
        assert_eq!(out.len(), text.len() + 1000 * 24 - 5);
        assert_eq!(out.capacity(), out.len());
    }

    #[test]
    fn edits_splice_into_the_original() {
        let text = b"keepalive_timeout 60s;\n";
        let a = edit(18, 21, "4s");
        let b = edit(23, 23, "keepalive 8;\n");
        assert_eq!(
            apply(text, &[&b, &a, &a]).unwrap(),
            b"keepalive_timeout 4s;\nkeepalive 8;\n"
        );
        let c = edit(19, 22, "x");
        assert_eq!(apply(text, &[&a, &c]), Err(EditError::Overlap(19, 21)));
        assert_eq!(
            apply(text, &[&edit(20, 40, "")]),
            Err(EditError::OutOfRange(20, 40))
        );
    }

    #[test]
    fn an_edit_of_one_text_applies_to_a_string_between_characters() {
        let text = "a = é\n";
        let e = Edit::new(4, 6, "x");
        assert_eq!(apply_str(text, &[&e]).unwrap(), "a = x\n");
        // Inside the two bytes of `é`: refused, not a broken string.
        let split = Edit::new(5, 6, "x");
        assert_eq!(apply_str(text, &[&split]), Err(EditError::Split(5, 6)));
        // Told its file, it is the same edit.
        let located = e.clone().in_file(FileId::new(3));
        assert_eq!((located.file, located.range()), (FileId::new(3), 4..6));
    }

    #[test]
    fn overlapping_edits_clash() {
        let (a, b, c) = (edit(0, 5, "x"), edit(3, 8, "y"), edit(8, 8, "z"));
        assert!(clash(&a, &b));
        assert!(clash(&b, &c), "an insertion touching a replaced range");
        assert!(!clash(&a, &c));
        assert!(!clash(&a, &a.clone()), "identical edits apply once");
        assert!(
            !clash(&c, &edit(8, 8, "w")),
            "insertions at one place keep their order"
        );
    }

    #[test]
    fn offsets_follow_the_text_around_them() {
        let applied = [edit(0, 2, "abcd"), edit(10, 10, "xy"), edit(20, 22, "")];
        let applied: Vec<&Edit> = applied.iter().collect();
        // Before, between and after the applied edits.
        assert_eq!(shift_offset(FileId::FIRST, 0, &applied), Some(0));
        assert_eq!(shift_offset(FileId::FIRST, 2, &applied), Some(4));
        assert_eq!(shift_offset(FileId::FIRST, 5, &applied), Some(7));
        // An insertion at the offset goes before it.
        assert_eq!(shift_offset(FileId::FIRST, 10, &applied), Some(14));
        assert_eq!(shift_offset(FileId::FIRST, 30, &applied), Some(32));
        // Inside a replaced range: gone.
        assert_eq!(shift_offset(FileId::FIRST, 1, &applied), None);
        assert_eq!(shift_offset(FileId::FIRST, 21, &applied), None);
        // Other files are not moved.
        assert_eq!(shift_offset(FileId::new(1), 30, &applied), Some(30));
    }

    #[test]
    fn an_insertion_at_a_range_end_moves_its_start_but_not_its_end() {
        let insert = edit(4, 4, "xy");
        let before = edit(1, 2, "");
        let applied = [&insert, &before];
        assert_eq!(shift_offset(FileId::FIRST, 4, &applied), Some(5));
        assert_eq!(shift_end(FileId::FIRST, 4, &applied), Some(3));
        // Text replaced around the offset leaves it nowhere, either way.
        let around = edit(3, 5, "z");
        assert_eq!(shift_end(FileId::FIRST, 4, &[&around]), None);
    }
}
