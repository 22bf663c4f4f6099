//! Inline suppressions: `# ngxfix: ignore RULE[,RULE] -- reason`, on the
//! line before a directive (comment lines may stack) or at the end of its
//! line. A suppression that silences nothing is itself reported, so stale
//! ones do not pile up.

use std::collections::{HashMap, HashSet};

use super::engine::{located, Finding, FixState, UNUSED_SUPPRESSION};
use super::schema::Severity;
use crate::config::{ConfigTree, FileId};
use crate::syntax::Span;

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    pub file: FileId,
    pub span: Span,
    /// The line whose directive it silences.
    pub line: u32,
    /// Written after code on that line.
    pub trailing: bool,
    pub rules: Vec<String>,
    pub reason: Option<String>,
}

/// The rule ids and reason of a suppression comment's text (after `#`).
pub(crate) fn parse_comment(text: &str) -> Option<(Vec<String>, Option<String>)> {
    let body = text.trim_start();
    let body = body.strip_prefix("ngxfix:")?.trim_start();
    let body = body.strip_prefix("ignore")?;
    if !body.is_empty() && !body.starts_with(char::is_whitespace) {
        return None;
    }
    let (ids, reason) = match body.split_once("--") {
        Some((ids, reason)) => (
            ids,
            Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
        ),
        None => (body, None),
    };
    let rules: Vec<String> = ids
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some((rules, reason))
}

/// Every suppression comment of the tree.
pub(crate) fn collect(config: &ConfigTree) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (file, source) in config.files_with_ids() {
        let tree = &source.tree;
        let text = tree.text();
        for comment in tree.comments() {
            // Most comments are prose: skip them before decoding any text.
            let raw = tree.slice(comment.span());
            if !raw.windows(7).any(|w| w == b"ngxfix:") {
                continue;
            }
            let Some((rules, reason)) = parse_comment(&comment.text()) else {
                continue;
            };
            let span = comment.span();
            let line_start = text[..span.start as usize]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let trailing = text[line_start..span.start as usize]
                .iter()
                .any(|b| !b.is_ascii_whitespace());
            let target = if trailing {
                span.start as usize
            } else {
                next_code(text, span.end as usize)
            };
            found.push(Suppression {
                file,
                span,
                line: tree.line_col(target as u32).line,
                trailing,
                rules,
                reason,
            });
        }
    }
    found
}

/// The first byte of code after `offset`, skipping blanks and comment lines.
fn next_code(text: &[u8], mut offset: usize) -> usize {
    loop {
        while offset < text.len() && text[offset].is_ascii_whitespace() {
            offset += 1;
        }
        if offset < text.len() && text[offset] == b'#' {
            while offset < text.len() && text[offset] != b'\n' {
                offset += 1;
            }
        } else {
            return offset.min(text.len());
        }
    }
}

/// Drop suppressed items (`place` gives an item's file, span and rule id);
/// return the rest and a finding for each suppression (of an active rule)
/// that silenced nothing and for each unknown rule id it names.
pub(crate) fn filter<'a, T>(
    config: &ConfigTree,
    items: Vec<T>,
    place: impl Fn(&T) -> (FileId, Span, &'a str),
    active: &[&str],
    known: &[&str],
    report_unused: bool,
) -> (Vec<T>, Vec<Finding>) {
    let suppressions = collect(config);
    if suppressions.is_empty() {
        return (items, Vec::new());
    }
    let mut used = vec![Vec::<String>::new(); suppressions.len()];
    let mut kept = Vec::with_capacity(items.len());
    let mut unused = Vec::new();
    // Suppressions by the line they silence: an item looks at those of
    // its own lines, not at every suppression of the tree (findings times
    // suppressions on a large tree).
    let mut by_line: HashMap<(FileId, u32), Vec<usize>> = HashMap::new();
    for (i, s) in suppressions.iter().enumerate() {
        by_line.entry((s.file, s.line)).or_default().push(i);
    }
    let files: HashSet<FileId> = suppressions.iter().map(|s| s.file).collect();
    for item in items {
        let (file, span, rule) = place(&item);
        // Lines are only computed in files that have suppressions.
        if !files.contains(&file) {
            kept.push(item);
            continue;
        }
        let tree = &config.file(file).tree;
        let (start, end) = (tree.line_col(span.start).line, tree.line_col(span.end).line);
        let at = |line: u32| by_line.get(&(file, line)).map_or(&[][..], Vec::as_slice);
        // The first in file order that names the rule, as each item
        // takes one suppression.
        let silencer = at(start)
            .iter()
            .chain(at(end).iter().filter(|&&i| suppressions[i].trailing))
            .copied()
            .filter(|&i| suppressions[i].rules.iter().any(|r| r == rule))
            .min();
        match silencer {
            Some(i) => used[i].push(rule.to_string()),
            None => kept.push(item),
        }
    }
    if report_unused {
        for (i, s) in suppressions.iter().enumerate() {
            let tree = &config.file(s.file).tree;
            let path: std::sync::Arc<str> = config.file(s.file).display_path().into();
            let report = |message: String| {
                located(
                    UNUSED_SUPPRESSION,
                    Severity::Warning,
                    "Suppression comment silences nothing",
                    message,
                    s.file,
                    path.clone(),
                    tree,
                    s.span,
                    FixState::None,
                    true,
                )
            };
            if s.rules.is_empty() {
                unused.push(report(
                    "suppression names no rule: write `# ngxfix: ignore RULE -- reason`".into(),
                ));
            }
            for rule in &s.rules {
                if !known.contains(&rule.as_str()) {
                    unused.push(report(format!("suppression names unknown rule `{rule}`")));
                } else if active.contains(&rule.as_str()) && !used[i].contains(rule) {
                    unused.push(report(format!(
                        "suppression of `{rule}` silences nothing on line {}",
                        s.line
                    )));
                }
            }
        }
    }
    (kept, unused)
}

/// The reason `check --add-suppressions` writes, for the user to replace
/// with the real one.
pub const REASON_PLACEHOLDER: &str = "TODO: say why this is accepted";

/// The comment lines that silence findings: for each line of `lines` (from
/// 1), the rule ids found there and where the first of their directives
/// starts. Each comment goes above its line with the line's indentation and
/// the file's line break (after a byte-order mark on the first line), so the
/// file's style and every other byte stay. A line that begins inside a
/// value (the end of a multi-line quoted argument) cannot take a comment
/// above it: there the directive moves to a line of its own, under its
/// comment, the whitespace before it replaced.
pub fn comment_edits(
    tree: &crate::syntax::SyntaxTree,
    lines: &std::collections::BTreeMap<u32, (u32, std::collections::BTreeSet<String>)>,
) -> Vec<crate::text::Edit<()>> {
    use crate::syntax::TokenKind;
    let text = tree.text();
    let crlf = memchr::memchr(b'\n', text).is_some_and(|at| at > 0 && text[at - 1] == b'\r');
    let eol = if crlf { "\r\n" } else { "\n" };
    let indent_at = |start: usize| -> String {
        text[start..]
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .map(|&b| b as char)
            .collect()
    };
    lines
        .iter()
        .map(|(&line, (directive, rules))| {
            let ids: Vec<&str> = rules.iter().map(String::as_str).collect();
            let comment = format!("# ngxfix: ignore {} -- {REASON_PLACEHOLDER}", ids.join(","));
            let mut start = tree.lines().line_range(text, line).start;
            if start == 0 && text.starts_with(b"\xEF\xBB\xBF") {
                start = 3;
            }
            match tree.token_containing(start as u32) {
                Some(token)
                    if token.start < start as u32 && token.kind != TokenKind::Whitespace =>
                {
                    let value_line = tree.line_col(token.start).line;
                    let indent = indent_at(tree.lines().line_range(text, value_line).start);
                    let directive = *directive as usize;
                    let blanks = text[..directive]
                        .iter()
                        .rev()
                        .take_while(|&&b| b == b' ' || b == b'\t')
                        .count();
                    crate::text::Edit::new(
                        directive - blanks,
                        directive,
                        format!("{eol}{indent}{comment}{eol}{indent}"),
                    )
                }
                _ => {
                    let indent = indent_at(start);
                    crate::text::Edit::new(start, start, format!("{indent}{comment}{eol}"))
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_comments_parse() {
        assert_eq!(
            parse_comment(" ngxfix: ignore a-b,c -- backend closes after 75s"),
            Some((
                vec!["a-b".into(), "c".into()],
                Some("backend closes after 75s".into())
            ))
        );
        assert_eq!(
            parse_comment("ngxfix: ignore x"),
            Some((vec!["x".into()], None))
        );
        assert_eq!(parse_comment(" ngxfix: ignored x"), None);
        assert_eq!(parse_comment(" a comment"), None);
    }

    #[test]
    fn suppressions_target_their_directive_line() {
        let tree = crate::config::from_texts(&[(
            "/etc/nginx/nginx.conf",
            "http {\n    # ngxfix: ignore r1 -- why\n\n    # more words\n    listen 80;\n    server_tokens on; # ngxfix: ignore r2\n}\n",
        )]);
        let found = collect(&tree);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[0].trailing), (5, false));
        assert_eq!((found[1].line, found[1].trailing), (6, true));
    }

    /// `text` with comments for the findings at each (line, directive
    /// start) with their rules.
    fn with_comments(text: &str, lines: &[(u32, u32, &[&str])]) -> String {
        let tree = crate::syntax::parse(text.as_bytes().to_vec()).unwrap();
        let lines = lines
            .iter()
            .map(|(line, at, rules)| (*line, (*at, rules.iter().map(|r| r.to_string()).collect())))
            .collect();
        let edits = comment_edits(&tree, &lines);
        let edits: Vec<&crate::text::Edit<()>> = edits.iter().collect();
        String::from_utf8(crate::text::edit::apply(text.as_bytes(), &edits).unwrap()).unwrap()
    }

    #[test]
    fn comments_go_above_their_line_in_the_file_style() {
        assert_eq!(
            with_comments(
                "http {\n\tserver_tokens on; keepalive_timeout 0;\n}\n",
                &[(2, 8, &["b", "a"])]
            ),
            "http {\n\t# ngxfix: ignore a,b -- TODO: say why this is accepted\n\tserver_tokens on; keepalive_timeout 0;\n}\n"
        );
        assert_eq!(
            with_comments(
                "\u{feff}server_tokens on;\r\nx y;",
                &[(1, 3, &["a"]), (2, 22, &["c"])]
            ),
            "\u{feff}# ngxfix: ignore a -- TODO: say why this is accepted\r\nserver_tokens on;\r\n\
             # ngxfix: ignore c -- TODO: say why this is accepted\r\nx y;"
        );
    }

    #[test]
    fn a_written_comment_silences_its_line() {
        let text = with_comments("http {\n    listen 80;\n}\n", &[(2, 11, &["r1"])]);
        let tree = crate::config::from_texts(&[("/etc/nginx/nginx.conf", &text)]);
        let found = collect(&tree);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].line, found[0].rules.as_slice()),
            (3, &["r1".to_string()][..])
        );
        assert_eq!(found[0].reason.as_deref(), Some(REASON_PLACEHOLDER));
    }

    #[test]
    fn a_line_that_begins_inside_a_value_gets_its_comment_before_the_directive() {
        let text = "server {\n    add_header X \"a\nb\";  listen 80;\n}\n";
        let at = text.find("listen").unwrap() as u32;
        let commented = with_comments(text, &[(3, at, &["r1"])]);
        assert_eq!(
            commented,
            "server {\n    add_header X \"a\nb\";\n    # ngxfix: ignore r1 -- TODO: say why this is accepted\n    listen 80;\n}\n"
        );
        // The value is unchanged and the comment silences the directive.
        let tree = crate::config::from_texts(&[("/etc/nginx/nginx.conf", &commented)]);
        let source = &tree.file(crate::config::FileId::FIRST).tree;
        let header = source
            .directives()
            .find(|d| d.name().value() == "add_header")
            .unwrap();
        assert_eq!(header.args().nth(1).unwrap().value(), "a\nb");
        let found = collect(&tree);
        let listen = source
            .directives()
            .find(|d| d.name().value() == "listen")
            .unwrap();
        assert_eq!(found[0].line, listen.line_col().line);
    }
}
