//! A fix with other values in the places its rule wrote its own: what
//! `fix -i`'s `e` applies once a person has edited the value a change
//! writes (`keepalive_timeout 4s;` made `3s`).
//!
//! The edits keep their ranges of the original text and only their new
//! text changes, so they clash, claim and land exactly as the rule's own
//! edits would: the rest of the pass, computed on the same original text,
//! stays consistent with them.
//!
//! A new value must stay the arguments of its directive and nothing else:
//! [`check_file`] compares the file as the edited fix leaves it with the
//! file as the rule's own fix would, directive by directive. A `;` in the
//! value would end the directive early and start another, a `#` would
//! comment out the `;` that ends it, a `\` at its end would escape that
//! `;`: each would still parse, as something else.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Edit, FixValue};
use crate::config::FileId;
use crate::syntax::{self, SyntaxTree};

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
    /// The value alone does not parse as arguments (the file with it does
    /// not either, and says where).
    #[error("`{value}` cannot be the value of {directive}: {why}")]
    Syntax {
        directive: String,
        value: String,
        why: String,
    },
    /// The value parses, but not as arguments only: it would end its
    /// directive early or run it on.
    #[error("`{value}` cannot be the value of {directive}: {why}")]
    NotArguments {
        directive: String,
        value: String,
        why: String,
    },
    /// The value reads as arguments, but in its place the file would read
    /// as other directives than the rule's change makes.
    #[error(
        "`{value}` does not stay the arguments of {directive}: \
         the file would read as other directives around it"
    )]
    Spills { directive: String, value: String },
}

/// Whether a value can be shown and edited as one line of text.
pub fn editable(value: &FixValue) -> bool {
    !value.text.contains(['\n', '\r']) && !value.places.is_empty()
}

/// The words of `value`, a typed value of `directive`, as nginx reads
/// them between a directive's name and the `;` that ends it; refused with
/// the reason when they would not all stay there.
pub fn words(directive: &str, value: &str) -> Result<Vec<String>, ValueError> {
    let value = value.trim();
    let refused = |why: &str| ValueError::NotArguments {
        directive: directive.to_string(),
        value: value.to_string(),
        why: why.to_string(),
    };
    // The `;` on a line of its own: a comment or an escape at the value's
    // end then shows as one instead of as a missing `;`.
    const NAME: &str = "v ";
    let text = format!("{NAME}{value}\n;");
    let tree = syntax::parse(text.into_bytes()).map_err(|e| ValueError::Syntax {
        directive: directive.to_string(),
        value: value.to_string(),
        why: e.message,
    })?;
    if tree.directive_count() != 1 {
        let next = tree.directive(1).span().start as usize - NAME.len();
        let rest = value[next..].trim_end();
        return Err(refused(&format!(
            "a `;` in it ends {directive} there, and `{rest}` would be another directive"
        )));
    }
    let statement = tree.directive(0);
    if statement.has_block() {
        return Err(refused("a `{` in it would open a block"));
    }
    if tree.comments().next().is_some() {
        return Err(refused(&format!(
            "a `#` in it starts a comment, which would hide the `;` that ends {directive}"
        )));
    }
    let end = (NAME.len() + value.len()) as u32;
    if statement.args().any(|a| a.span().end > end) {
        return Err(refused(&format!(
            "the `\\` at its end would escape the `;` that ends {directive}"
        )));
    }
    let words: Vec<String> = statement.args().map(|a| a.raw().into_owned()).collect();
    if words.is_empty() {
        return Err(ValueError::Empty {
            directive: directive.to_string(),
        });
    }
    Ok(words)
}

/// Check that `edited`, the tree of `file` as the fix with `new` in place
/// of its `values` leaves it, reads as `rule`, the tree as the fix's own
/// `edits` leave it, but for the values: the same directives in the same
/// order, each with the same name, block or not and comments, and the
/// same arguments, except that the arguments a value wrote are now the
/// words of its new text (as many, and nothing else).
pub fn check_file(
    file: FileId,
    edits: &[Edit],
    rule: &SyntaxTree,
    edited: &SyntaxTree,
    values: &[FixValue],
    new: &[String],
) -> Result<(), ValueError> {
    let words: Vec<Vec<String>> = values
        .iter()
        .zip(new)
        .map(|(value, new)| words(&value.directive, new))
        .collect::<Result<_, _>>()?;
    // Where each value sits in the rule's text: (value, start, end).
    let mine: Vec<&Edit> = edits.iter().filter(|e| e.file == file).collect();
    let landed = landings(&mine);
    let mut ranges: Vec<(usize, u32, u32)> = Vec::new();
    for (index, value) in values.iter().enumerate() {
        for place in value.places.iter().filter(|p| p.file == file) {
            let at = place.at as usize;
            let found = mine.iter().zip(&landed).find(|(e, _)| {
                e.start == place.start
                    && e.end == place.end
                    && e.text.get(at..at + value.text.len()) == Some(value.text.as_str())
            });
            let Some((_, &start)) = found else {
                return Err(ValueError::Stale {
                    text: value.text.clone(),
                });
            };
            let start = start + place.at;
            ranges.push((index, start, start + value.text.len() as u32));
        }
    }
    // The first directive that reads otherwise is blamed on the value
    // written in or before it.
    let spills = |at: u32| {
        let index = ranges
            .iter()
            .filter(|&&(_, start, _)| start <= at)
            .max_by_key(|&&(_, start, _)| start)
            .or(ranges.first())
            .map_or(0, |&(index, _, _)| index);
        ValueError::Spills {
            directive: values
                .get(index)
                .map_or(String::new(), |v| v.directive.clone()),
            value: new.get(index).map_or("", |v| v.trim()).to_string(),
        }
    };
    if rule.directive_count() != edited.directive_count()
        || rule.comments().count() != edited.comments().count()
    {
        let differs = rule
            .directives()
            .zip(edited.directives())
            .find(|(a, b)| a.name().raw() != b.name().raw())
            .map_or(u32::MAX, |(a, _)| a.span().start);
        return Err(spills(differs));
    }
    for (a, b) in rule.directives().zip(edited.directives()) {
        let mut expected: Vec<Cow<'_, str>> = Vec::new();
        let mut written: Vec<usize> = Vec::new();
        for arg in a.args() {
            let span = arg.span();
            let holder = ranges
                .iter()
                .position(|&(_, start, end)| start <= span.start && span.end <= end);
            match holder {
                Some(range) if !written.contains(&range) => {
                    written.push(range);
                    expected.extend(words[ranges[range].0].iter().map(|w| Cow::from(w.as_str())));
                }
                Some(_) => {}
                None => expected.push(arg.raw()),
            }
        }
        let same = a.name().raw() == b.name().raw()
            && a.has_block() == b.has_block()
            && b.args().map(|w| w.raw()).eq(expected);
        if !same {
            return Err(spills(a.span().start));
        }
    }
    Ok(())
}

/// Where each of one file's edits (in their order) starts in the text
/// `apply` makes of them: sorted by range, keeping their order at one
/// range, identical edits once.
fn landings(edits: &[&Edit]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (edits[i].start, edits[i].end));
    let mut first: HashMap<&Edit, u32> = HashMap::new();
    let mut landed = vec![0; edits.len()];
    let mut delta: i64 = 0;
    for i in order {
        let edit = edits[i];
        landed[i] = *first.entry(edit).or_insert_with(|| {
            let at = (i64::from(edit.start) + delta) as u32;
            delta += edit.text.len() as i64 - i64::from(edit.end - edit.start);
            at
        });
    }
    landed
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
    fn a_value_is_words_that_stay_before_the_semicolon() {
        assert_eq!(words("server_tokens", " off ").unwrap(), ["off"]);
        assert_eq!(
            words("proxy_set_header", r#"Connection "a;b" 'c#d' e\;f"#).unwrap(),
            ["Connection", r#""a;b""#, "'c#d'", r"e\;f"]
        );
        let why = |value: &str| match words("server_tokens", value) {
            Err(ValueError::NotArguments { why, .. }) => why,
            other => panic!("{value}: {other:?}"),
        };
        assert!(
            why("off # no tokens").contains("`#`"),
            "{}",
            why("off # no tokens")
        );
        assert!(why(r"off\").contains(r"`\`"), "{}", why(r"off\"));
        assert_eq!(
            why("off; server_tokens on"),
            "a `;` in it ends server_tokens there, and `server_tokens on` would be another directive"
        );
        // What does not parse alone is left to the file's parse, which
        // says where.
        for value in ["off }", "off {", "\"unclosed"] {
            assert!(
                matches!(
                    words("server_tokens", value),
                    Err(ValueError::Syntax { .. })
                ),
                "{value}"
            );
        }
        assert_eq!(
            words("server_tokens", "off # x").unwrap_err().to_string(),
            "`off # x` cannot be the value of server_tokens: a `#` in it starts a comment, \
             which would hide the `;` that ends server_tokens"
        );
    }

    fn tree(text: &str) -> SyntaxTree {
        syntax::parse(text.as_bytes().to_vec()).unwrap()
    }

    /// The trees `text` becomes with the rule's `edits` and with `new` in
    /// place of `values`.
    fn both(text: &str, edits: &[Edit], values: &[FixValue], new: &[&str]) -> [SyntaxTree; 2] {
        let new: Vec<String> = new.iter().map(|v| v.to_string()).collect();
        let edited = revalue(edits, values, &new).unwrap();
        let after = |edits: &[Edit]| {
            let edits: Vec<&Edit> = edits.iter().collect();
            tree(std::str::from_utf8(&crate::fix::apply(text.as_bytes(), &edits).unwrap()).unwrap())
        };
        [after(edits), after(&edited)]
    }

    #[test]
    fn the_file_reads_as_the_rules_change_but_for_the_values() {
        let text = "http {\n    server { listen 80; }\n    server { }\n}\n";
        let edits = [
            edit(19, 19, " add_header X-A 1;"),
            edit(45, 45, " add_header X-A 1;"),
        ];
        let values = [value("add_header", "X-A 1", &[(19, 19, 12), (45, 45, 12)])];
        let new = ["X-B \"2 3\"".to_string()];
        let [rule, edited] = both(text, &edits, &values, &["X-B \"2 3\""]);
        assert_eq!(
            check_file(FileId::FIRST, &edits, &rule, &edited, &values, &new),
            Ok(())
        );
        // A value the text after it runs on into is more than its words.
        let glued = [edit(27, 27, "1")]; // `listen 180;`
        let values = [value("listen", "1", &[(27, 27, 0)])];
        let new = ["2".to_string()];
        let [rule, edited] = both(text, &glued, &values, &["2"]);
        assert_eq!(
            check_file(FileId::FIRST, &glued, &rule, &edited, &values, &new),
            Err(ValueError::Spills {
                directive: "listen".into(),
                value: "2".into()
            })
        );
    }

    #[test]
    fn a_value_on_several_lines_is_not_offered() {
        assert!(editable(&value("a", "1", &[(0, 0, 0)])));
        assert!(!editable(&value("a", "1\n2", &[(0, 0, 0)])));
        assert!(!editable(&value("a", "1", &[])));
    }
}
