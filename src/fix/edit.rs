//! Byte-range edits.

use crate::config::FileId;

/// Replace `start..end` of a file's original text with `text` (an insertion
/// when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Edit {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
    pub text: String,
}

/// Why edits cannot be applied together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("edits overlap at bytes {0}..{1}")]
    Overlap(u32, u32),
    #[error("edit range {0}..{1} is outside the file")]
    OutOfRange(u32, u32),
}

/// Apply edits of one file to its text. Identical edits count once; two
/// insertions at the same offset keep their given order; overlapping
/// ranges are refused.
pub fn apply(text: &[u8], edits: &[&Edit]) -> Result<Vec<u8>, EditError> {
    let mut seen = std::collections::HashSet::with_capacity(edits.len());
    let mut sorted: Vec<&Edit> = edits.iter().copied().filter(|e| seen.insert(*e)).collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = Vec::with_capacity(text.len() + 64);
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

/// Choose edits that can be applied together: in order of position, each
/// edit that does not overlap one already chosen (an insertion touching a
/// replaced range counts as overlapping). The rest wait for the next pass.
pub fn non_overlapping<'e>(edits: &[&'e Edit]) -> (Vec<&'e Edit>, usize) {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut chosen: Vec<&Edit> = Vec::new();
    let mut skipped = 0;
    for edit in sorted {
        if chosen.iter().any(|c| clash(c, edit)) {
            skipped += 1;
        } else {
            chosen.push(edit);
        }
    }
    (chosen, skipped)
}

/// Whether two edits cannot be applied in one pass: they overlap, or an
/// insertion touches a replaced range (its place next to the new text would
/// be a guess). Identical edits and insertions at the same offset do not
/// clash: the first apply once, the others keep their order.
pub fn clash(a: &Edit, b: &Edit) -> bool {
    a != b
        && a.file == b.file
        && b.start < a.end.max(a.start + 1)
        && a.start < b.end.max(b.start + 1)
        && !(a.start == a.end && b.start == b.end && a.start == b.start)
}

/// Where an edit computed on a file's text before `applied` (edits of the
/// same file, applied together) lands afterwards; `None` when an applied
/// edit overlaps it, so it no longer says anything about the new text.
pub fn shift(edit: &Edit, applied: &[&Edit]) -> Option<Edit> {
    let mut delta: i64 = 0;
    let point = edit.start == edit.end;
    for a in applied.iter().filter(|a| a.file == edit.file) {
        let inserted_before = a.start == a.end && a.start <= edit.start;
        let replaced_before = a.end <= edit.start && !(point && a.end == edit.start);
        if inserted_before || replaced_before {
            delta += a.text.len() as i64 - i64::from(a.end - a.start);
        } else if !(a.start >= edit.end && !(point && a.start == edit.start)) {
            return None;
        }
    }
    let moved = |pos: u32| u32::try_from(i64::from(pos) + delta).ok();
    Some(Edit {
        file: edit.file,
        start: moved(edit.start)?,
        end: moved(edit.end)?,
        text: edit.text.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: u32, end: u32, text: &str) -> Edit {
        Edit {
            file: 0,
            start,
            end,
            text: text.into(),
        }
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
    fn overlapping_edits_wait() {
        let (a, b, c) = (edit(0, 5, "x"), edit(3, 8, "y"), edit(8, 8, "z"));
        let (chosen, skipped) = non_overlapping(&[&b, &a, &c]);
        assert_eq!(chosen, [&a, &c]);
        assert_eq!(skipped, 1);
    }

    #[test]
    fn edits_follow_the_text_around_them() {
        let applied = [edit(0, 2, "abcd"), edit(10, 10, "xy")];
        let applied: Vec<&Edit> = applied.iter().collect();
        // After both applied edits: moved by 2 + 2.
        assert_eq!(shift(&edit(12, 14, "q"), &applied), Some(edit(16, 18, "q")));
        // Between them: moved by 2.
        assert_eq!(shift(&edit(4, 6, "q"), &applied), Some(edit(6, 8, "q")));
        // An insertion where another was made lands after it.
        assert_eq!(shift(&edit(10, 10, "q"), &applied), Some(edit(14, 14, "q")));
        // Overlapping or touching a replaced range: meaningless now.
        assert_eq!(shift(&edit(1, 3, "q"), &applied), None);
        assert_eq!(shift(&edit(2, 2, "q"), &applied), None);
        assert_eq!(shift(&edit(8, 12, "q"), &applied), None);
        // Other files are not moved.
        let other = Edit {
            file: 1,
            ..edit(12, 14, "q")
        };
        assert_eq!(shift(&other, &applied), Some(other.clone()));
    }
}
