//! The `regex` condition and the `{regex.*}` references: tests on the
//! regexes a directive holds, read by [`crate::model::pcre`].

use super::matcher::{value_passes, Subject};
use super::schema::{RegexTest, ValueTest};
use super::template::Value;
use crate::model::pcre::{regexes_of, Found, Regex, Unreadable};
use crate::model::{Node, ValueKind};

/// Whether some regex of the subject passes every test of `test`. A
/// subject holding no regex passes none.
pub(crate) fn passes(test: &RegexTest, node: Node<'_>, subject: &Subject<'_, '_>) -> bool {
    let model = node.model();
    regexes_of(node).iter().any(|found| {
        let parsed = model.regex(&found.pattern, found.caseless);
        one_passes(test, found, &parsed, subject)
    })
}

fn one_passes(
    test: &RegexTest,
    found: &Found,
    parsed: &Result<Regex, Unreadable>,
    subject: &Subject<'_, '_>,
) -> bool {
    if test.readable.is_some_and(|r| r != parsed.is_ok()) {
        return false;
    }
    if test.caseless.is_some_and(|c| c != found.caseless) {
        return false;
    }
    let asks_more = test.captures.is_some()
        || test.unnamed_captures.is_some()
        || test.named_captures.is_some()
        || test.anchored_start.is_some()
        || test.anchored_end.is_some()
        || test.exact.is_some()
        || test.nested_quantifier.is_some()
        || test.nested_captures.is_some()
        || test.capture_can_contain.is_some();
    if !asks_more {
        return true;
    }
    // A regex ngxfix cannot read passes no test on what it holds.
    let Ok(regex) = parsed else {
        return false;
    };
    let count = |t: &Option<ValueTest>, n: usize| {
        t.as_ref()
            .is_none_or(|t| value_passes(t, Some(&n.to_string()), Some(ValueKind::Number), subject))
    };
    let flag = |t: Option<bool>, actual: fn(&Regex) -> bool| t.is_none_or(|t| t == actual(regex));
    count(&test.captures, regex.captures())
        && count(&test.unnamed_captures, regex.unnamed())
        && count(&test.named_captures, regex.named().count())
        && flag(test.anchored_start, Regex::anchored_start)
        && flag(test.anchored_end, Regex::anchored_end)
        && flag(test.exact, Regex::exact)
        && flag(test.nested_quantifier, |r| r.nested_quantifier().is_some())
        && flag(test.nested_captures, Regex::nested_captures)
        && test.capture_can_contain.as_ref().is_none_or(|chars| {
            focused(regex, subject)
                .into_iter()
                .any(|g| chars.bytes().any(|b| regex.group_can_contain(g, b)))
        })
}

/// The capture groups a capture test is about: the one a `defined_by`
/// link came through, else every one.
fn focused(regex: &Regex, subject: &Subject<'_, '_>) -> Vec<usize> {
    use crate::model::definitions::Group;
    match &subject.env.focus {
        Some(Group::Number(n)) => vec![*n],
        Some(Group::Name(name)) => regex.group_number(name).into_iter().collect(),
        None => (1..=regex.captures()).collect(),
    }
}

/// `{regex.pattern}`, `{regex.captures}`, `{regex.nested}`,
/// `{regex.unreadable}`: of the subject's first regex.
pub(crate) fn reference(what: &str, node: Node<'_>) -> Option<Value> {
    let found = regexes_of(node).into_iter().next()?;
    let parsed = node.model().regex(&found.pattern, found.caseless);
    let parsed = parsed.as_ref();
    match what {
        "pattern" => Some(Value::Text(found.pattern)),
        "captures" => parsed
            .as_ref()
            .ok()
            .map(|r| Value::Number(r.captures() as i64)),
        "nested" => parsed.as_ref().ok()?.nested_quantifier().map(Value::Text),
        "literal" => parsed
            .as_ref()
            .ok()?
            .literal(found.caseless)
            .map(Value::Text),
        "unreadable" => parsed.as_ref().err().map(|e| Value::Text(e.to_string())),
        _ => None,
    }
}
