//! A fix with other values in the places its rule wrote its own: what
//! `fix -i`'s `e` applies once a person has edited the value a change
//! writes (`keepalive_timeout 4s;` made `3s`).
//!
//! The edits keep their ranges of the original text and only their new
//! text changes, so they clash, claim and land exactly as the rule's own
//! edits would: the rest of the pass, computed on the same original text,
//! stays consistent with them.

use super::{Edit, FixValue};

/// Why other values cannot take the place of a fix's own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not one new text per value.
    #[error("expected {expected} value{}, got {got}", if *.expected == 1 { "" } else { "s" })]
    Count { expected: usize, got: usize },
    /// A value left empty: the directive would lose its arguments.
    #[error("the value of {directive} is empty")]
    Empty { directive: String },
    /// A value on more than one line, which nginx arguments are not
    /// written as here.
    #[error("the value of {directive} spans several lines")]
    Multiline { directive: String },
    /// The fix's edits do not hold the value where it was found (they
    /// belong to another fix).
    #[error("the fix does not write `{text}` where expected")]
    Stale { text: String },
}

/// Whether a value can be shown and edited as one line of text.
pub fn editable(value: &FixValue) -> bool {
    !value.text.contains(['\n', '\r']) && !value.places.is_empty()
}

/// `edits` (a fix's, sorted or not) with each of `values` replaced by the
/// text of `new` at the same index. A value whose new text is unchanged
/// leaves its places as they are; the edits keep their order and ranges.
pub fn revalue(
    edits: &[Edit],
    values: &[FixValue],
    new: &[String],
) -> Result<Vec<Edit>, ValueError> {
    if values.len() != new.len() {
        return Err(ValueError::Count {
            expected: values.len(),
            got: new.len(),
        });
    }
    // Per edit, the splices to make: (offset in its text, old length, new).
    let mut splices: Vec<Vec<(usize, usize, &str)>> = vec![Vec::new(); edits.len()];
    for (value, text) in values.iter().zip(new) {
        let text = text.trim();
        if text.is_empty() {
            return Err(ValueError::Empty {
                directive: value.directive.clone(),
            });
        }
        if text.contains(['\n', '\r']) {
            return Err(ValueError::Multiline {
                directive: value.directive.clone(),
            });
        }
        for place in &value.places {
            let stale = || ValueError::Stale {
                text: value.text.clone(),
            };
            let index = edits
                .iter()
                .position(|e| e.file == place.file && e.start == place.start && e.end == place.end)
                .ok_or_else(stale)?;
            let at = place.at as usize;
            let held = edits[index].text.get(at..at + value.text.len());
            if held != Some(value.text.as_str()) {
                return Err(stale());
            }
            splices[index].push((at, value.text.len(), text));
        }
    }
    Ok(edits
        .iter()
        .zip(splices)
        .map(|(edit, mut splices)| {
            let mut edit = edit.clone();
            // Last first, so the earlier offsets still hold.
            splices.sort_by_key(|&(at, _, _)| std::cmp::Reverse(at));
            for (at, len, text) in splices {
                edit.text.replace_range(at..at + len, text);
            }
            edit
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileId;
    use crate::rules::fixes::ValuePlace;

    fn edit(start: u32, end: u32, text: &str) -> Edit {
        Edit {
            file: FileId::FIRST,
            start,
            end,
            text: text.into(),
        }
    }

    fn value(directive: &str, text: &str, places: &[(u32, u32, u32)]) -> FixValue {
        FixValue {
            directive: directive.into(),
            text: text.into(),
            places: places
                .iter()
                .map(|&(start, end, at)| ValuePlace {
                    file: FileId::FIRST,
                    start,
                    end,
                    at,
                })
                .collect(),
        }
    }

    #[test]
    fn the_new_value_takes_the_old_ones_place_in_the_inserted_line() {
        let edits = [edit(40, 40, "\n        keepalive_timeout 4s;")];
        let values = [value("keepalive_timeout", "4s", &[(40, 40, 27)])];
        let new = revalue(&edits, &values, &["3s".into()]).unwrap();
        assert_eq!(new, [edit(40, 40, "\n        keepalive_timeout 3s;")]);
        // Blanks around the typed value are not part of it; a line break
        // inside it is refused.
        let new = revalue(&edits, &values, &["1500\nms".into()]);
        assert_eq!(
            new,
            Err(ValueError::Multiline {
                directive: "keepalive_timeout".into()
            })
        );
        let new = revalue(&edits, &values, &["  1500ms \n".into()]).unwrap();
        assert_eq!(new[0].text, "\n        keepalive_timeout 1500ms;");
    }

    #[test]
    fn every_place_of_a_value_changes_and_other_edits_stay() {
        // `add` with scope everywhere writes one header in two blocks, and
        // a second action replaces an argument elsewhere.
        let edits = [
            edit(5, 5, " add_header X-A 1;"),
            edit(9, 11, "on"),
            edit(30, 30, " add_header X-A 1;"),
            edit(50, 52, ""),
        ];
        let values = [
            value("add_header", "X-A 1", &[(5, 5, 12), (30, 30, 12)]),
            value("gzip", "on", &[(9, 11, 0)]),
        ];
        let new = revalue(&edits, &values, &["X-A 2".into(), "on".into()]).unwrap();
        assert_eq!(
            new,
            [
                edit(5, 5, " add_header X-A 2;"),
                edit(9, 11, "on"),
                edit(30, 30, " add_header X-A 2;"),
                edit(50, 52, ""),
            ]
        );
    }

    #[test]
    fn two_values_in_one_edit_are_spliced_from_the_end() {
        let edits = [edit(0, 0, "a 1;\nb 22;\n")];
        let values = [
            value("a", "1", &[(0, 0, 2)]),
            value("b", "22", &[(0, 0, 7)]),
        ];
        let new = revalue(&edits, &values, &["333".into(), "4".into()]).unwrap();
        assert_eq!(new[0].text, "a 333;\nb 4;\n");
    }

    #[test]
    fn refusals() {
        let edits = [edit(0, 2, "4s")];
        let values = [value("keepalive_timeout", "4s", &[(0, 2, 0)])];
        assert_eq!(
            revalue(&edits, &values, &[]),
            Err(ValueError::Count {
                expected: 1,
                got: 0
            })
        );
        assert_eq!(
            revalue(&edits, &values, &[" ".into()]),
            Err(ValueError::Empty {
                directive: "keepalive_timeout".into()
            })
        );
        // Edits of another fix.
        let other = [edit(0, 2, "9s")];
        assert_eq!(
            revalue(&other, &values, &["3s".into()]),
            Err(ValueError::Stale { text: "4s".into() })
        );
        let moved = [edit(1, 2, "4s")];
        assert!(revalue(&moved, &values, &["3s".into()]).is_err());
        assert_eq!(
            ValueError::Count {
                expected: 2,
                got: 1
            }
            .to_string(),
            "expected 2 values, got 1"
        );
    }

    #[test]
    fn a_value_on_several_lines_is_not_offered() {
        assert!(editable(&value("a", "1", &[(0, 0, 0)])));
        assert!(!editable(&value("a", "1\n2", &[(0, 0, 0)])));
        assert!(!editable(&value("a", "1", &[])));
    }
}
