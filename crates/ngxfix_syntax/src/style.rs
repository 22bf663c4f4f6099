//! New text in the file's own style: its line ending, its indentation
//! (copied from the neighbour, else the block's plus the file's unit), on
//! its own line when the neighbour has one, inline in one-line blocks.
//! A comment line cannot sit inside a one-line block (it would swallow the
//! rest of the line), so inline insertions leave comments out.

use crate::{Directive, SyntaxTree};
use ngxfix_text::FileId;

use ngxfix_text::Edit;

/// A file being edited: its id, its tree and its style.
#[derive(Clone, Copy)]
pub struct FileText<'t> {
    pub file: FileId,
    pub tree: &'t SyntaxTree,
    pub style: &'t Style,
}

/// The style of each file of a tree, computed on first use (reading a
/// file's style scans all of it; a run may make thousands of edits).
#[derive(Debug, Default)]
pub struct Styles(Vec<std::sync::OnceLock<Style>>);

impl Styles {
    /// Room for `files` files.
    pub fn new(files: usize) -> Self {
        Styles((0..files).map(|_| std::sync::OnceLock::new()).collect())
    }

    /// The file `file` with its style.
    pub fn file<'t>(&'t self, file: FileId, tree: &'t SyntaxTree) -> FileText<'t> {
        FileText {
            file,
            tree,
            style: self.0[file.index()].get_or_init(|| style_of(tree.text())),
        }
    }
}

/// How a file writes lines and indents blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    pub newline: &'static str,
    pub unit: String,
}

/// The line ending of the first line break, and the indent unit: a tab when
/// lines indented with tabs outnumber those indented with spaces, else the
/// smallest space indentation (default four spaces).
pub fn style_of(text: &[u8]) -> Style {
    let newline = match text.iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && text[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    };
    let (mut tabs, mut spaced, mut smallest) = (0usize, 0usize, usize::MAX);
    for line in text.split(|&b| b == b'\n') {
        let blank = line.iter().all(|b| b.is_ascii_whitespace());
        if blank {
            continue;
        }
        match line.first() {
            Some(b'\t') => tabs += 1,
            Some(b' ') => {
                spaced += 1;
                let n = line.iter().take_while(|&&b| b == b' ').count();
                smallest = smallest.min(n);
            }
            _ => {}
        }
    }
    let unit = if tabs > spaced {
        "\t".to_string()
    } else if spaced > 0 && smallest <= 8 {
        " ".repeat(smallest)
    } else {
        "    ".to_string()
    };
    Style { newline, unit }
}

/// Where the blanks (spaces and tabs) before `offset` begin.
fn blanks_start(text: &[u8], offset: usize) -> usize {
    text[..offset]
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1)
}

/// The whitespace before a directive when it starts its line (after a
/// byte order mark at the line's start). Read back over the blanks only:
/// a directive inside a line is told by the byte before them, without
/// reading back to the line's start, which on a one-line configuration is
/// the whole file up to the directive, once per edit.
fn indent_of(tree: &SyntaxTree, d: &Directive<'_>) -> Option<String> {
    let text = tree.text();
    let start = d.span().start as usize;
    starts_line(text, start)
        .map(|(_, blanks)| String::from_utf8_lossy(&text[blanks..start]).into_owned())
}

/// When only blanks (after a byte order mark) come before `offset` on its
/// line: where the line starts and where its blanks do.
fn starts_line(text: &[u8], offset: usize) -> Option<(usize, usize)> {
    let blanks = blanks_start(text, offset);
    let head = &text[..blanks];
    let head = head.strip_suffix(b"\xEF\xBB\xBF").unwrap_or(head);
    matches!(head.last(), None | Some(b'\n')).then_some((head.len(), blanks))
}

/// The end of a directive including a comment trailing it on its line (a
/// comment token holds the CR of a CRLF line end; that stays out).
fn end_with_comment(d: &Directive<'_>) -> usize {
    let end = d.trailing_comment().map_or(d.span().end, |c| c.span().end) as usize;
    if d.tree().text()[..end].ends_with(b"\r") {
        end - 1
    } else {
        end
    }
}

/// Whether only whitespace follows `offset` up to the end of its line.
fn rest_is_blank(text: &[u8], offset: usize) -> bool {
    text[offset..]
        .iter()
        .take_while(|&&b| b != b'\n')
        .all(|b| b.is_ascii_whitespace())
}

fn same_line(text: &[u8], a: usize, b: usize) -> bool {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    !text[lo..hi].contains(&b'\n')
}

/// The indentation for a directive inside `block`.
fn child_indent(tree: &SyntaxTree, block: Option<&Directive<'_>>, style: &Style) -> String {
    match block {
        None => String::new(),
        Some(block) => {
            if let Some(child) = block.children().find(|c| {
                !same_line(
                    tree.text(),
                    c.span().start as usize,
                    block.span().start as usize,
                )
            }) {
                if let Some(indent) = indent_of(tree, &child) {
                    return indent;
                }
            }
            indent_of(tree, block).unwrap_or_default() + &style.unit
        }
    }
}

/// Statements for a one-line spot: comments left out.
fn inline(lines: &[String]) -> String {
    lines
        .iter()
        .filter(|l| !l.starts_with('#'))
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

fn own_lines(lines: &[String], indent: &str, newline: &str, leading: bool) -> String {
    let mut out = String::new();
    for line in lines {
        if leading {
            out.push_str(newline);
        }
        out.push_str(indent);
        out.push_str(line);
        if !leading {
            out.push_str(newline);
        }
    }
    out
}

/// Insert `lines` (statements or comments) after directive `d`.
pub fn insert_after(f: &FileText<'_>, d: &Directive<'_>, lines: &[String]) -> Edit {
    let (file, tree, style) = (f.file, f.tree, f.style);
    let text = tree.text();
    let end = end_with_comment(d);
    match indent_of(tree, d) {
        Some(indent) if rest_is_blank(text, end) => Edit {
            file,
            start: end as u32,
            end: end as u32,
            text: own_lines(lines, &indent, style.newline, true),
        },
        _ => {
            let at = d.span().end;
            Edit {
                file,
                start: at,
                end: at,
                text: format!(" {}", inline(lines)),
            }
        }
    }
}

/// Insert `lines` before directive `d`.
pub fn insert_before(f: &FileText<'_>, d: &Directive<'_>, lines: &[String]) -> Edit {
    let (file, tree, style) = (f.file, f.tree, f.style);
    let start = d.span().start as usize;
    match indent_of(tree, d) {
        Some(indent) => {
            let at = start - indent.len();
            Edit {
                file,
                start: at as u32,
                end: at as u32,
                text: own_lines(lines, &indent, style.newline, false),
            }
        }
        None => Edit {
            file,
            start: start as u32,
            end: start as u32,
            text: format!("{} ", inline(lines)),
        },
    }
}

/// Insert `lines` at the start (`last: false`) or the end of a block
/// (`None`: the top level of the file).
pub fn insert_in_block(
    f: &FileText<'_>,
    block: Option<&Directive<'_>>,
    lines: &[String],
    last: bool,
) -> Edit {
    let (file, tree, style) = (f.file, f.tree, f.style);
    let children: Vec<Directive<'_>> = match block {
        Some(b) => b.children().collect(),
        None => tree.top_level().collect(),
    };
    let text = tree.text();
    if let Some(child) = if last {
        children.last()
    } else {
        children.first()
    } {
        return if last {
            insert_after(f, child, lines)
        } else {
            insert_before(f, child, lines)
        };
    }
    let Some(block) = block else {
        // An empty file: append.
        let at = text.len() as u32;
        let lead = if text.is_empty() || text.ends_with(b"\n") {
            ""
        } else {
            style.newline
        };
        return Edit {
            file,
            start: at,
            end: at,
            text: format!("{lead}{}", own_lines(lines, "", style.newline, false)),
        };
    };
    let open = block.open_brace().expect("a block has a brace");
    let close = block.terminator();
    if same_line(text, open.end as usize, close.start as usize) {
        let between = &text[open.end as usize..close.start as usize];
        if between.iter().all(|b| b.is_ascii_whitespace()) {
            return Edit {
                file,
                start: open.end,
                end: close.start,
                text: format!(" {} ", inline(lines)),
            };
        }
    }
    // `{` ends its line (maybe after a comment): a new line below it.
    let mut at = open.end as usize;
    while at < text.len() && text[at] != b'\n' {
        at += 1;
    }
    if at > 0 && text[at - 1] == b'\r' {
        at -= 1;
    }
    let indent = child_indent(tree, Some(block), style);
    Edit {
        file,
        start: at as u32,
        end: at as u32,
        text: own_lines(lines, &indent, style.newline, true),
    }
}

/// Remove directive `d`: its whole line when it is alone on it, else just
/// the directive and the space before it.
pub fn remove(f: &FileText<'_>, d: &Directive<'_>) -> Edit {
    let (file, tree) = (f.file, f.tree);
    let text = tree.text();
    let span = d.span();
    let end = end_with_comment(d);
    if let Some((start, _)) =
        starts_line(text, span.start as usize).filter(|_| rest_is_blank(text, end))
    {
        let mut stop = end;
        while stop < text.len() && text[stop] != b'\n' {
            stop += 1;
        }
        if stop < text.len() {
            stop += 1;
        }
        return Edit {
            file,
            start: start as u32,
            end: stop as u32,
            text: String::new(),
        };
    }
    let mut start = span.start as usize;
    while start > 0 && (text[start - 1] == b' ' || text[start - 1] == b'\t') {
        start -= 1;
    }
    Edit {
        file,
        start: start as u32,
        end: span.end,
        text: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use ngxfix_text::apply;

    fn run(conf: &str, f: impl Fn(&FileText<'_>, &SyntaxTree) -> Edit) -> String {
        let tree = parse(conf.as_bytes().to_vec()).unwrap();
        let styles = Styles::new(1);
        let edit = f(&styles.file(FileId::FIRST, &tree), &tree);
        String::from_utf8(apply(tree.text(), &[&edit]).unwrap()).unwrap()
    }

    fn find<'t>(tree: &'t SyntaxTree, name: &str) -> Directive<'t> {
        tree.directives()
            .find(|d| d.name().value() == name)
            .unwrap()
    }

    fn line(s: &str) -> Vec<String> {
        vec![s.to_string()]
    }

    #[test]
    fn style_follows_the_file() {
        assert_eq!(style_of(b"a {\r\n\tb;\r\n}\r\n").newline, "\r\n");
        assert_eq!(style_of(b"a {\n\tb;\n}\n").unit, "\t");
        assert_eq!(style_of(b"a {\n  b {\n    c;\n  }\n}\n").unit, "  ");
        assert_eq!(style_of(b"a;\n").unit, "    ");
    }

    #[test]
    fn insertions_copy_the_neighbours_indentation() {
        let conf = "http {\r\n\tserver {\r\n\t\tlisten 80; # web\r\n\t}\r\n}\r\n";
        let out = run(conf, |f, t| {
            insert_after(f, &find(t, "listen"), &line("listen 81;"))
        });
        assert_eq!(
            out,
            "http {\r\n\tserver {\r\n\t\tlisten 80; # web\r\n\t\tlisten 81;\r\n\t}\r\n}\r\n"
        );
        let out = run(conf, |f, t| {
            insert_before(f, &find(t, "listen"), &["# why".into(), "x 1;".into()])
        });
        assert_eq!(
            out,
            "http {\r\n\tserver {\r\n\t\t# why\r\n\t\tx 1;\r\n\t\tlisten 80; # web\r\n\t}\r\n}\r\n"
        );
    }

    #[test]
    fn one_line_blocks_stay_on_one_line() {
        let conf = "location / { proxy_pass http://app; }\n";
        let out = run(conf, |f, t| {
            insert_after(f, &find(t, "proxy_pass"), &line("proxy_http_version 1.1;"))
        });
        assert_eq!(
            out,
            "location / { proxy_pass http://app; proxy_http_version 1.1; }\n"
        );
        let out = run("upstream app {}\n", |f, t| {
            insert_in_block(f, Some(&find(t, "upstream")), &line("keepalive 8;"), true)
        });
        assert_eq!(out, "upstream app { keepalive 8; }\n");
    }

    #[test]
    fn a_directive_after_a_byte_order_mark_starts_its_line() {
        let conf = "\u{feff}  listen 80;\n";
        let out = run(conf, |f, t| {
            insert_after(f, &find(t, "listen"), &line("listen 81;"))
        });
        assert_eq!(out, "\u{feff}  listen 80;\n  listen 81;\n");
        assert_eq!(run(conf, |f, t| remove(f, &find(t, "listen"))), "");
        // Text between the mark and the blanks: inside its line.
        let out = run("\u{feff}a; b;\n", |f, t| {
            insert_before(f, &find(t, "b"), &line("c;"))
        });
        assert_eq!(out, "\u{feff}a; c; b;\n");
    }

    #[test]
    fn comments_are_left_out_of_one_line_spots() {
        let lines = vec!["# why".to_string(), "x 1;".to_string()];
        let out = run("a { }\n", |f, t| {
            insert_in_block(f, Some(&find(t, "a")), &lines, false)
        });
        assert_eq!(
            out, "a { x 1; }\n",
            "a comment would swallow the closing brace"
        );
        let out = run("a { b; }\n", |f, t| insert_after(f, &find(t, "b"), &lines));
        assert_eq!(out, "a { b; x 1; }\n");
    }

    #[test]
    fn empty_multi_line_blocks_get_an_indented_line() {
        let conf = "http {\n  upstream app { # pool\n  }\n}";
        let out = run(conf, |f, t| {
            insert_in_block(f, Some(&find(t, "upstream")), &line("keepalive 8;"), false)
        });
        assert_eq!(
            out,
            "http {\n  upstream app { # pool\n    keepalive 8;\n  }\n}"
        );
    }

    #[test]
    fn removal_takes_the_whole_line_or_just_the_directive() {
        let conf = "a {\n    b 1; # note\n    c 2;\n}\n";
        assert_eq!(
            run(conf, |f, t| remove(f, &find(t, "b"))),
            "a {\n    c 2;\n}\n"
        );
        assert_eq!(
            run("a { b 1; c 2; }\n", |f, t| remove(f, &find(t, "c"))),
            "a { b 1; }\n"
        );
    }
}
