//! Every link in the project's Markdown resolves from a clone: README.md,
//! CONTRIBUTING.md, CHANGELOG.md, ARCHITECTURE.md and every `docs/**/*.md`.
//!
//! Links are read as GitHub renders them: inline links and images
//! (`[text](target)`, `![alt](src)`), reference definitions
//! (`[label]: target`), autolinks (`<https://...>`) and the `href` and `src`
//! of HTML tags. Nothing inside fenced or indented code blocks, inline code
//! or HTML comments is a link. A link fails, reported as `file:line`, when:
//!
//! - a relative target is not a file or folder of the repository, leads out
//!   of it (`../shared/`, the research notes beside a clone, is not part of
//!   it), or is absolute (`/docs/x.md` works on github.com only);
//! - its `#fragment` names neither a heading of the target Markdown file
//!   (GitHub's anchors: lowercase, punctuation other than `-` and `_`
//!   dropped, each space a `-`, repeats numbered `-1`, `-2`, ...) nor an
//!   `<a id>` / `<a name>` in it; a fragment on any other file must be a
//!   GitHub line anchor (`#L10`, `#L10-L20`);
//! - any other target is not an `http`/`https` URL to a public host:
//!   `file:`, `mailto:`, `localhost`, single-label hosts (`http://app/`),
//!   loopback, private, link-local and documentation addresses, and the
//!   reserved names (`.local`, `.internal`, `.test`, `example.com`, ...)
//!   are refused.
//!
//! CI has no network, so a public URL is checked for its form only: that
//! the page answers is not tested here.

use std::collections::{BTreeSet, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

/// The Markdown files at the root that are checked besides `docs/`.
const ROOT_DOCUMENTS: &[&str] = &[
    "README.md",
    "CONTRIBUTING.md",
    "CHANGELOG.md",
    "ARCHITECTURE.md",
];

/// One link as written: its line (1-based) and its target.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Link {
    line: usize,
    target: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_link_in_the_docs_resolves() {
    let root = root();
    let mut problems = Vec::new();
    let mut checked = 0;
    for document in documents(&root) {
        let text = std::fs::read_to_string(root.join(&document))
            .unwrap_or_else(|e| panic!("{}: {e}", document.display()));
        for link in extract_links(&text) {
            checked += 1;
            if let Err(why) = check_link(&root, &document, &link.target) {
                problems.push(format!(
                    "{}:{}: ({}) {why}",
                    document.display(),
                    link.line,
                    link.target
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {checked} links do not resolve:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The README alone links to every page of docs/: far fewer would mean
    // the extractor stopped seeing links, and the test would pass on
    // nothing.
    assert!(checked > 200, "only {checked} links found");
}

/// The documents checked, relative to the repository root: the root files
/// above, then every Markdown file under `docs/`, in name order.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut documents: Vec<PathBuf> = ROOT_DOCUMENTS.iter().map(PathBuf::from).collect();
    let mut found = Vec::new();
    let mut folders = vec![root.join("docs")];
    while let Some(folder) = folders.pop() {
        let entries =
            std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        for entry in entries {
            let path = entry.expect("a docs/ entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(
                    path.strip_prefix(root)
                        .expect("under the root")
                        .to_path_buf(),
                );
            }
        }
    }
    found.sort();
    documents.extend(found);
    documents
}

// ---------------------------------------------------------------------------
// Reading Markdown

/// `text` with its code blocks (fenced and indented) blanked: every byte
/// but a line feed becomes a space, so offsets and lines stay.
fn without_code_blocks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // The open fence: its character and length.
    let mut fence: Option<(char, usize)> = None;
    // The column list item content starts at (0 outside lists): indented
    // code inside a list item starts four columns further in.
    let mut list_indent = 0;
    let mut previous_blank = true;
    // Whether the previous line was paragraph text, which an indented line
    // continues rather than starting code.
    let mut open_paragraph = false;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = indentation(content);
        let trimmed = content.trim_start();
        let blank = trimmed.is_empty();
        let code = if let Some((c, n)) = fence {
            let run = trimmed.chars().take_while(|&x| x == c).count();
            if run >= n && trimmed[run * c.len_utf8()..].trim().is_empty() {
                fence = None;
            }
            true
        } else if blank {
            false
        } else if indent >= list_indent + 4 && !open_paragraph {
            true
        } else if let Some(opened) = fence_opening(trimmed) {
            fence = Some(opened);
            true
        } else {
            if let Some(content_column) = list_item_content(content) {
                list_indent = content_column;
            } else if previous_blank && indent < list_indent {
                list_indent = 0;
            }
            false
        };
        open_paragraph = !blank && !code && !trimmed.starts_with('#');
        previous_blank = blank;
        if code {
            out.extend(line.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Columns of leading whitespace, a tab reaching the next multiple of 4.
fn indentation(line: &str) -> usize {
    let mut column = 0;
    for c in line.chars() {
        match c {
            ' ' => column += 1,
            '\t' => column += 4 - column % 4,
            _ => break,
        }
    }
    column
}

/// The fence a line opens (```` ``` ```` or `~~~`, three or more), if any.
fn fence_opening(trimmed: &str) -> Option<(char, usize)> {
    let c = trimmed.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let run = trimmed.chars().take_while(|&x| x == c).count();
    // A backtick fence's info string may not hold a backtick (that would be
    // inline code).
    let info_ok = c == '~' || !trimmed[run..].contains('`');
    (run >= 3 && info_ok).then_some((c, run))
}

/// The column a list item's content starts at, if the line is one.
fn list_item_content(line: &str) -> Option<usize> {
    static ITEM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([ \t]*)([-*+]|[0-9]{1,9}[.)])( +|$)").unwrap());
    let caps = ITEM.captures(line)?;
    let spaces = caps[3].len();
    // Five or more spaces after the marker: the content is indented code,
    // and the item's content column is one past the marker.
    let gap = if spaces == 0 || spaces > 4 { 1 } else { spaces };
    Some(indentation(&caps[1]) + caps[2].len() + gap)
}

/// `text` without anything that cannot hold a link: code blocks, inline
/// code spans (which may run over lines of one paragraph) and HTML
/// comments, blanked as in [`without_code_blocks`].
fn prose(text: &str) -> String {
    let mut bytes = without_code_blocks(text).into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'<' if bytes[i..].starts_with(b"<!--") => {
                let end = find(&bytes, i + 4, b"-->").map_or(bytes.len(), |e| e + 3);
                blank(&mut bytes[i..end]);
                i = end;
            }
            b'`' => {
                let run = run_of(&bytes, i, b'`');
                match closing_backticks(&bytes, i + run, run) {
                    Some(end) => {
                        blank(&mut bytes[i..end]);
                        i = end;
                    }
                    // No closing run in the paragraph: literal backticks.
                    None => i += run,
                }
            }
            _ => i += 1,
        }
    }
    String::from_utf8(bytes).expect("blanking keeps UTF-8: whole characters become spaces")
}

fn blank(bytes: &mut [u8]) {
    for b in bytes.iter_mut().filter(|b| **b != b'\n') {
        *b = b' ';
    }
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn run_of(bytes: &[u8], at: usize, byte: u8) -> usize {
    bytes[at..].iter().take_while(|&&b| b == byte).count()
}

/// The end of the run of exactly `run` backticks that closes a code span
/// opened before `from`, looked for up to the end of the paragraph.
fn closing_backticks(bytes: &[u8], from: usize, run: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => {
                let n = run_of(bytes, i, b'`');
                if n == run {
                    return Some(i + n);
                }
                i += n;
            }
            b'\n' => {
                let rest = &bytes[i + 1..];
                let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                if rest[..line_end].iter().all(|b| b.is_ascii_whitespace()) {
                    return None;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// Every link of a Markdown text, in the order written.
fn extract_links(text: &str) -> Vec<Link> {
    static DEFINITION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^ {0,3}\[([^\]\^][^\]]*)\]:[ \t]*(<[^>\n]*>|[^\s]+)").unwrap()
    });
    static AUTOLINK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*)>").unwrap());
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[A-Za-z][^<>]*>").unwrap());
    static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).unwrap()
    });

    let prose = prose(text);
    let lines = LineIndex::new(&prose);
    let mut found: Vec<(usize, String)> = Vec::new();

    for caps in DEFINITION.captures_iter(&prose) {
        let target = caps.get(2).unwrap();
        let bracketed = usize::from(target.as_str().starts_with('<'));
        found.push((
            target.start() + bracketed,
            unbracket(target.as_str()).to_string(),
        ));
    }
    for tag in TAG.find_iter(&prose) {
        for caps in ATTRIBUTE.captures_iter(tag.as_str()) {
            let value = caps.get(1).or_else(|| caps.get(2)).unwrap();
            found.push((tag.start() + value.start(), value.as_str().to_string()));
        }
    }
    let bytes = prose.as_bytes();
    let mut from = 0;
    while let Some(at) = find(bytes, from, b"](") {
        from = at + 2;
        if escaped(bytes, at) || !opens_before(bytes, at) {
            continue;
        }
        if let Some((start, target)) = destination(&prose, at + 2) {
            found.push((start, target));
        }
    }

    // An autolink is also `<...>` written as a definition's or inline
    // link's target, found above at the same offset.
    for caps in AUTOLINK.captures_iter(&prose) {
        let target = caps.get(1).unwrap();
        if !found.iter().any(|(offset, _)| *offset == target.start()) {
            found.push((target.start(), target.as_str().to_string()));
        }
    }

    found.sort_by_key(|(offset, _)| *offset);
    found
        .into_iter()
        .map(|(offset, target)| Link {
            line: lines.line_of(offset),
            target,
        })
        .collect()
}

/// Whether the byte at `at` is escaped by an odd run of backslashes.
fn escaped(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

/// Whether the `]` at `close` closes a `[` of the same paragraph.
fn opens_before(bytes: &[u8], close: usize) -> bool {
    let mut depth = 0;
    let mut i = close;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b']' if !escaped(bytes, i) => depth += 1,
            b'[' if !escaped(bytes, i) => {
                if depth == 0 {
                    return true;
                }
                depth -= 1;
            }
            b'\n' => {
                // A blank (or blanked) line before this one ends the
                // paragraph: no `[` above it belongs to this `]`.
                let start = bytes[..i]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                if bytes[start..i].iter().all(|b| b.is_ascii_whitespace()) {
                    return false;
                }
            }
            _ => {}
        }
    }
    false
}

/// The link destination that starts at `from` (just after `](`): `<...>`,
/// or up to white space or the `)` that balances. Returns its offset and
/// text.
fn destination(text: &str, from: usize) -> Option<(usize, String)> {
    let bytes = text.as_bytes();
    let mut start = from;
    while start < bytes.len() && matches!(bytes[start], b' ' | b'\t') {
        start += 1;
    }
    if bytes.get(start) == Some(&b'<') {
        let end = start
            + 1
            + bytes[start + 1..]
                .iter()
                .position(|&b| b == b'>' || b == b'\n')?;
        return (bytes[end] == b'>').then(|| (start + 1, text[start + 1..end].to_string()));
    }
    let mut depth = 0usize;
    let mut end = start;
    while end < bytes.len() {
        match bytes[end] {
            b'\\' => end += 1,
            b'(' => depth += 1,
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            b if b.is_ascii_whitespace() => break,
            _ => {}
        }
        end += 1;
    }
    let end = end.min(bytes.len());
    Some((start, text[start..end].to_string()))
}

fn unbracket(target: &str) -> &str {
    target
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(target)
}

/// Byte offsets to 1-based line numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

// ---------------------------------------------------------------------------
// Anchors

/// GitHub's anchor for a heading's text (github-slugger's rule, without
/// the numbering of repeats): lowercase; letters, marks, digits, connector
/// punctuation (`_`), `-` and spaces kept, every other character dropped;
/// each space a `-`.
fn slug(heading: &str) -> String {
    static DROPPED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[^\p{L}\p{M}\p{N}\p{Pc} \-]").unwrap());
    DROPPED
        .replace_all(&heading.to_lowercase(), "")
        .replace(' ', "-")
}

/// The anchors a Markdown file offers: one per heading, a repeated one
/// numbered as GitHub numbers it (`a`, `a-1`, `a-2`), and every `id` or
/// `name` of an `<a>` tag.
fn anchors(text: &str) -> BTreeSet<String> {
    static ATX: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?[ \t]*$").unwrap());
    static SETEXT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^ {0,3}(?:=+|-+)[ \t]*$").unwrap());
    static HTML_ANCHOR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)<a\s[^>]*\b(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).unwrap()
    });

    let blocks = without_code_blocks(text);
    let lines: Vec<&str> = blocks.lines().collect();
    let mut headings = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    for line in &lines {
        if let Some(caps) = ATX.captures(line) {
            let text = caps.get(1).map_or("", |m| m.as_str());
            headings.push(strip_closing_hashes(text).to_string());
            paragraph.clear();
        } else if !paragraph.is_empty() && SETEXT.is_match(line) {
            headings.push(paragraph.join(" "));
            paragraph.clear();
        } else if line.trim().is_empty()
            || list_item_content(line).is_some()
            || line.trim_start().starts_with('|')
            || line.trim_start().starts_with('>')
        {
            paragraph.clear();
        } else {
            paragraph.push(line.trim());
        }
    }

    let mut taken = BTreeSet::new();
    let mut repeats: HashMap<String, usize> = HashMap::new();
    for heading in headings {
        let base = slug(&rendered_text(&heading));
        let mut anchor = base.clone();
        while taken.contains(&anchor) {
            let n = repeats.entry(base.clone()).or_insert(0);
            *n += 1;
            anchor = format!("{base}-{n}");
        }
        repeats.entry(anchor.clone()).or_insert(0);
        taken.insert(anchor);
    }
    for caps in HTML_ANCHOR.captures_iter(&blocks) {
        let id = caps.get(1).or_else(|| caps.get(2)).unwrap();
        taken.insert(id.as_str().to_string());
    }
    taken
}

/// An ATX heading's text without its optional closing `#` sequence.
fn strip_closing_hashes(text: &str) -> &str {
    let without = text.trim_end_matches('#');
    if without.len() == text.len() {
        text
    } else if without.is_empty() {
        ""
    } else if without.ends_with([' ', '\t']) {
        without.trim_end()
    } else {
        text
    }
}

/// A heading's text as GitHub renders it, for its anchor: links and images
/// become their text, HTML tags go. (Backticks and emphasis marks are
/// punctuation, which [`slug`] drops anyway.)
fn rendered_text(heading: &str) -> String {
    static LINK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"!?\[([^\]]*)\]\([^)]*\)").unwrap());
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"</?[A-Za-z][^<>]*>").unwrap());
    let text = LINK.replace_all(heading, "$1");
    TAG.replace_all(&text, "").into_owned()
}

// ---------------------------------------------------------------------------
// Checking a target

/// Why `target`, written in `document` (relative to `root`), does not
/// resolve.
fn check_link(root: &Path, document: &Path, target: &str) -> Result<(), String> {
    static SCHEME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9+.\-]*:").unwrap());
    if target.is_empty() {
        return Err("empty link target".into());
    }
    if SCHEME.is_match(target) {
        return check_url(target);
    }
    if target.starts_with("//") {
        return Err("a scheme-relative URL: write https://".into());
    }
    let (path, fragment) = match target.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (target, None),
    };
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    if path.starts_with('/') {
        return Err(
            "an absolute path, which resolves on github.com only: write it relative to this file"
                .into(),
        );
    }
    let relative = if path.is_empty() {
        document.to_path_buf()
    } else {
        let folder = document.parent().unwrap_or(Path::new(""));
        inside(&folder.join(percent_decoded(path)?)).ok_or_else(|| {
            "leads out of the repository (../shared and the like are not part of a clone)"
                .to_string()
        })?
    };
    let full = root.join(&relative);
    if !full.exists() {
        return Err(format!("{} does not exist", relative.display()));
    }
    let canonical = full.canonicalize().map_err(|e| e.to_string())?;
    let canonical_root = root.canonicalize().map_err(|e| e.to_string())?;
    if !canonical.starts_with(&canonical_root) {
        return Err(format!(
            "{} is a link out of the repository",
            relative.display()
        ));
    }
    match fragment {
        None => Ok(()),
        Some(fragment) => check_fragment(&full, &relative, &percent_decoded(fragment)?),
    }
}

/// `path` (relative to the root) with `.` and `..` resolved, or `None`
/// when a `..` climbs above the root.
fn inside(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

fn check_fragment(full: &Path, relative: &Path, fragment: &str) -> Result<(), String> {
    static LINE_ANCHOR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^L[0-9]+(C[0-9]+)?(-L[0-9]+(C[0-9]+)?)?$").unwrap());
    if fragment.is_empty() {
        return Err("an empty #fragment".into());
    }
    if full.is_dir() {
        return Err(format!("#{fragment} on a folder"));
    }
    let markdown = full
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"));
    if !markdown {
        return if LINE_ANCHOR.is_match(fragment) {
            Ok(())
        } else {
            Err(format!(
                "#{fragment} on {}, which is not Markdown: only line anchors (#L10, #L10-L20) resolve there",
                relative.display()
            ))
        };
    }
    let text = std::fs::read_to_string(full).map_err(|e| e.to_string())?;
    if anchors(&text).contains(fragment) {
        Ok(())
    } else {
        Err(format!(
            "no heading or <a id> in {} gives #{fragment}",
            relative.display()
        ))
    }
}

fn percent_decoded(text: &str) -> Result<String, String> {
    if !text.contains('%') {
        return Ok(text.to_string());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("a bad %-escape in {text}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{text} does not decode to UTF-8"))
}

/// Whether `url` is an `http(s)` URL to a host anyone can reach (by its
/// form: nothing is fetched).
fn check_url(url: &str) -> Result<(), String> {
    let (scheme, rest) = url.split_once(':').expect("a scheme");
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!(
            "a {scheme}: link: only http(s) URLs to public hosts resolve for every reader"
        ));
    }
    let rest = rest
        .strip_prefix("//")
        .ok_or_else(|| "no //host after the scheme".to_string())?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| "an unclosed [IPv6] host".to_string())?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return Err(format!("a bad port in {authority}"));
        }
        host.to_string()
    } else {
        let (host, port) = host_port.split_once(':').unwrap_or((host_port, ""));
        if host_port.contains(':') && !is_port(port) {
            return Err(format!("a bad port in {authority}"));
        }
        host.to_string()
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    public_host(&host).map_err(|why| format!("{why}: not a public host"))
}

fn is_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// Why `host` (lowercase) is not a public host.
fn public_host(host: &str) -> Result<(), String> {
    /// Names reserved for tests, examples and local networks (RFC 2606,
    /// RFC 6761, RFC 6762, ICANN's .internal): no public page lives there.
    const RESERVED_SUFFIXES: &[&str] = &[
        "localhost",
        "local",
        "internal",
        "test",
        "invalid",
        "example",
        "example.com",
        "example.net",
        "example.org",
        "home.arpa",
    ];
    if host.is_empty() {
        return Err("no host".into());
    }
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return public_v4(v4);
    }
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return public_v6(v6);
    }
    if let Some(reserved) = RESERVED_SUFFIXES
        .iter()
        .find(|s| host == **s || host.ends_with(&format!(".{s}")))
    {
        return Err(format!("{host} is under the reserved name {reserved}"));
    }
    if !host.contains('.') {
        return Err(format!("{host} is a single-label name"));
    }
    let valid = host.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if valid {
        Ok(())
    } else {
        Err(format!("{host} is not a host name"))
    }
}

fn public_v4(address: Ipv4Addr) -> Result<(), String> {
    let [a, b, c, _] = address.octets();
    let why = if address.is_loopback() {
        "loopback"
    } else if address.is_unspecified() || a == 0 {
        "unspecified"
    } else if address.is_private() {
        "private"
    } else if address.is_link_local() {
        "link-local"
    } else if a == 100 && (64..128).contains(&b) {
        "shared (carrier-grade NAT)"
    } else if (a, b, c) == (192, 0, 2) || (a, b, c) == (198, 51, 100) || (a, b, c) == (203, 0, 113)
    {
        "documentation"
    } else if a == 198 && (b == 18 || b == 19) {
        "benchmarking"
    } else if address.is_broadcast() || address.is_multicast() || a >= 240 {
        "not unicast"
    } else {
        return Ok(());
    };
    Err(format!("{address} is a {why} address"))
}

fn public_v6(address: Ipv6Addr) -> Result<(), String> {
    let first = address.segments()[0];
    let why = if address.is_loopback() {
        "loopback"
    } else if address.is_unspecified() {
        "unspecified"
    } else if first & 0xfe00 == 0xfc00 {
        "unique-local"
    } else if first & 0xffc0 == 0xfe80 {
        "link-local"
    } else if first == 0x2001 && address.segments()[1] == 0x0db8 {
        "documentation"
    } else if address.is_multicast() {
        "multicast"
    } else if let Some(v4) = address.to_ipv4_mapped() {
        return public_v4(v4);
    } else {
        return Ok(());
    };
    Err(format!("{address} is a {why} address"))
}

// ---------------------------------------------------------------------------
// The checker's own tests

fn targets(text: &str) -> Vec<(usize, String)> {
    extract_links(text)
        .into_iter()
        .map(|l| (l.line, l.target))
        .collect()
}

fn owned(pairs: &[(usize, &str)]) -> Vec<(usize, String)> {
    pairs.iter().map(|(l, t)| (*l, t.to_string())).collect()
}

#[test]
fn extracts_every_kind_of_link_with_its_line() {
    let text = "\
# Title

See [the docs](docs/a.md), ![a plot](docs/p.svg \"its title\") and
[a link split over
lines](b.md#part) and <https://nginx.org/en/docs/>.
[angle](<docs/with space.md>) and [parens](https://en.wikipedia.org/wiki/A_(b)).
<a href=\"docs/h.md\">h</a> <img src='docs/i.png'>

[ref]: docs/ref.md \"title\"
   [other ref]: <https://example.org/x>
";
    assert_eq!(
        targets(text),
        owned(&[
            (3, "docs/a.md"),
            (3, "docs/p.svg"),
            (5, "b.md#part"),
            (5, "https://nginx.org/en/docs/"),
            (6, "docs/with space.md"),
            (6, "https://en.wikipedia.org/wiki/A_(b)"),
            (7, "docs/h.md"),
            (7, "docs/i.png"),
            (9, "docs/ref.md"),
            (10, "https://example.org/x"),
        ])
    );
}

#[test]
fn code_and_comments_hold_no_links() {
    let text = "\
Before [one](1.md).

```sh
echo [x](fenced.md) <https://localhost/>
```

~~~~
[y](tilde.md)
```
still [inside](tilde-inner.md)
~~~~

Inline `[z](code.md)` and ``a ` [w](double.md)`` and a span `that runs
over [two](lines.md) lines` end here; an unclosed ` stays [real](real.md).

    [indented](indented.md) code after a blank line

- a list item
  continued with [item](item.md)

      [indented](in-item.md) code inside the item

  ```
  [fenced](in-item-fence.md)
  ```
<!-- [hidden](comment.md)
over lines -->
\\[not](escaped.md) but [after](after.md)
";
    assert_eq!(
        targets(text),
        owned(&[
            (1, "1.md"),
            (14, "real.md"),
            (19, "item.md"),
            (28, "after.md")
        ])
    );
}

#[test]
fn brackets_without_a_link_are_not_links() {
    // A `](` with no `[` in its paragraph, and a footnote definition.
    let text = "a] (b) c](d)\n\n[^1]: a footnote\n";
    assert_eq!(targets(text), vec![]);
}

#[test]
fn slugs_follow_github() {
    assert_eq!(slug("Crash safety and limits"), "crash-safety-and-limits");
    assert_eq!(slug("`ngxfix check`"), "ngxfix-check");
    assert_eq!(
        slug("Which side a timeout fix changes: `--prefer`"),
        "which-side-a-timeout-fix-changes---prefer"
    );
    assert_eq!(slug("10. `ngxfix.toml`"), "10-ngxfixtoml");
    assert_eq!(
        slug("Measure your backends: `ngxfix probe`"),
        "measure-your-backends-ngxfix-probe"
    );
    assert_eq!(slug("snake_case and a-dash"), "snake_case-and-a-dash");
    assert_eq!(slug("Über die Größe"), "über-die-größe");
    assert_eq!(slug("What's new? (2.0)"), "whats-new-20");
    assert_ne!(slug("Crash Safety"), "Crash-Safety");
}

#[test]
fn anchors_number_repeats_and_read_every_heading_form() {
    let text = "\
# Example
## Example
## Example 1 ##
### Example
Setext *heading*
================
A [linked](x.md) heading
---
```
# not a heading
```
    # nor this
<a id=\"custom-id\"></a> <a name='old-style'></a>
";
    let found = anchors(text);
    let expected: BTreeSet<String> = [
        "example",
        "example-1",
        "example-1-1",
        "example-2",
        "setext-heading",
        "a-linked-heading",
        "custom-id",
        "old-style",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(found, expected);
}

#[test]
fn the_checker_refuses_what_does_not_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("docs/sub")).unwrap();
    std::fs::write(root.join("README.md"), "# ngxfix\n## Quick start\n").unwrap();
    std::fs::write(
        root.join("docs/a.md"),
        "# A page\n## Crash safety and limits\n",
    )
    .unwrap();
    std::fs::write(root.join("docs/sub/code.rs"), "fn main() {}\n").unwrap();
    let doc = Path::new("docs/a.md");

    for good in [
        "../README.md",
        "../README.md#quick-start",
        "#crash-safety-and-limits",
        "a.md#a-page",
        "sub/",
        "./sub/code.rs#L1",
        "sub/code.rs#L1-L2",
        "https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive",
        "http://github.com:443/nginx/nginx",
        "https://[2606:4700::1]/",
    ] {
        assert_eq!(check_link(root, doc, good), Ok(()), "{good}");
    }

    for (bad, why) in [
        ("missing.md", "does not exist"),
        (
            "../../shared/research/nginx-semantics.md",
            "leads out of the repository",
        ),
        ("../README.md#quick_start", "gives #quick_start"),
        ("#Crash-Safety-And-Limits", "gives #Crash-Safety-And-Limits"),
        ("#", "empty #fragment"),
        ("sub#x", "on a folder"),
        ("sub/code.rs#main", "only line anchors"),
        ("/docs/a.md", "absolute path"),
        ("", "empty link target"),
        ("//cdn.jsdelivr.net/x.js", "scheme-relative"),
        ("file:///etc/nginx/nginx.conf", "a file: link"),
        ("mailto:someone@nginx.org", "a mailto: link"),
        ("http://localhost:8000/", "reserved name localhost"),
        ("http://127.0.0.1:8000/", "loopback"),
        ("https://10.1.2.3/", "private"),
        ("http://[::1]:8000/", "loopback"),
        ("http://app/", "single-label"),
        ("https://example.com/x", "reserved name example.com"),
        ("https://nginx.local/", "reserved name local"),
        ("https://nginx.org:http/", "bad port"),
    ] {
        let result = check_link(root, doc, bad);
        assert!(
            result.as_ref().is_err_and(|e| e.contains(why)),
            "{bad}: {result:?}, expected an error saying {why:?}"
        );
    }
}

#[test]
fn a_symbolic_link_out_of_the_repository_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("notes.md"), "# Notes\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::os::unix::fs::symlink(outside.path(), root.join("shared")).unwrap();
    std::fs::write(root.join("README.md"), "").unwrap();
    let result = check_link(root, Path::new("README.md"), "shared/notes.md");
    assert!(
        result
            .as_ref()
            .is_err_and(|e| e.contains("out of the repository")),
        "{result:?}"
    );
}
