//! The regular expressions of a configuration, read as nginx hands them to
//! PCRE: which directives hold one, and what can be told of one (its
//! capture groups in PCRE's numbering, its anchors, nested quantifiers,
//! the bytes a group can hold).
//!
//! Patterns are parsed by `regex-syntax`, which reads most of PCRE's
//! syntax. The constructs it lacks are translated first, keeping the
//! group numbering: a lookaround `(?=X)` becomes an empty group holding
//! one empty capture group per group of X (it matches no text, and the
//! groups after it keep their numbers), an atomic group or possessive
//! quantifier a marked group that the nested-quantifier test does not look
//! into (it cannot backtrack), a back-reference an empty match, `\Q...\E`
//! escaped literals, `\h`, `\v`, `\R` their classes, and a `{` that opens
//! no quantifier a literal. Recursion, subroutine calls, conditionals,
//! branch reset groups and `(*VERB)`s are not read: [`Unreadable`] says
//! which one.

use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, HirKind, Look};

use super::tree::Node;

/// Name given to the groups that stand for atomic groups and possessive
/// quantifiers; not a capture group of the pattern.
const ATOMIC: &str = "ngxfix_atomic_";

/// A regex found in a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The pattern, unquoted, without nginx's `~` / `~*` marks or the
    /// parentheses of `if`.
    pub pattern: String,
    /// Matched ignoring case (`~*`, `server_name`, `valid_referers`).
    pub caseless: bool,
}

/// The directives that can hold a regex, besides the entries of a `map`
/// (whose names are the map's keys): [`regexes_of`] finds none elsewhere.
pub const REGEX_HOLDERS: &[&str] = &[
    "location",
    "if",
    "rewrite",
    "server_name",
    "valid_referers",
    "proxy_redirect",
    "proxy_cookie_domain",
    "proxy_cookie_path",
];

/// The regexes a directive holds, in argument order: a regex `location`,
/// an `if` with `~`, `~*`, `!~` or `!~*`, `rewrite`, the `~` names of
/// `server_name` and `valid_referers`, a `~` entry of a `map`, and the `~`
/// forms of `proxy_redirect`, `proxy_cookie_domain` and
/// `proxy_cookie_path`.
pub fn regexes_of(node: Node<'_>) -> Vec<Found> {
    let in_map = node
        .parent()
        .is_some_and(|p| p.name() == "map" && p.block_kind().is_some());
    if !in_map && !REGEX_HOLDERS.contains(&node.name()) {
        return Vec::new();
    }
    let args: Vec<String> = node.args().map(|a| a.value().into_owned()).collect();
    let marked = |mark: &str, text: &str, always_caseless: bool| -> Option<Found> {
        let (caseless, rest) = match text.strip_prefix(mark)? {
            rest if rest.starts_with('*') => (true, &rest[1..]),
            rest => (always_caseless, rest),
        };
        Some(Found {
            pattern: rest.to_string(),
            caseless,
        })
    };
    match node.name() {
        "location" => match args.as_slice() {
            [modifier, pattern, ..] if modifier == "~" || modifier == "~*" => vec![Found {
                pattern: pattern.clone(),
                caseless: modifier == "~*",
            }],
            [attached] => marked("~", attached, false).into_iter().collect(),
            _ => Vec::new(),
        },
        "if" => if_regex(&args).into_iter().collect(),
        "rewrite" => args
            .first()
            .map(|p| Found {
                pattern: p.clone(),
                caseless: false,
            })
            .into_iter()
            .collect(),
        "server_name" | "valid_referers" => {
            args.iter().filter_map(|a| marked("~", a, true)).collect()
        }
        "proxy_redirect" | "proxy_cookie_domain" | "proxy_cookie_path" => args
            .first()
            .and_then(|a| marked("~", a, false))
            .into_iter()
            .collect(),
        name if in_map => marked("~", name, false).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The regex of an `if` condition: `($var ~ pattern)` in nginx's words,
/// with the parentheses stuck to the first and last words or apart.
fn if_regex(args: &[String]) -> Option<Found> {
    let mut words: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Some(first) = words.first_mut() {
        *first = first.strip_prefix('(').unwrap_or(first);
    }
    if words.last() == Some(&")") {
        words.pop();
    } else if let Some(last) = words.last_mut() {
        *last = last.strip_suffix(')').unwrap_or(last);
    }
    match words.as_slice() {
        [_, op, pattern] if matches!(*op, "~" | "~*" | "!~" | "!~*") => Some(Found {
            pattern: pattern.to_string(),
            caseless: op.ends_with('*'),
        }),
        _ => None,
    }
}

/// Why a pattern could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// A PCRE construct ngxfix does not read.
    #[error("{0} is a PCRE construct ngxfix does not read")]
    Unsupported(&'static str),
    /// Not a valid regex (PCRE would refuse it too, or reads it in a way
    /// ngxfix does not).
    #[error("{0}")]
    Invalid(String),
}

/// A pattern as read, shared: [`super::Model::regex`] keeps them.
pub type Parsed = std::sync::Arc<Result<Regex, Unreadable>>;

/// What ngxfix can tell of one regex.
#[derive(Debug, Clone)]
pub struct Regex {
    hir: Hir,
    /// Capture groups in PCRE's numbering (group 1 first): their names.
    groups: Vec<Option<String>>,
}

impl Regex {
    /// Read `pattern` as nginx compiles it (PCRE, byte-oriented; `caseless`
    /// for `~*`).
    pub fn parse(pattern: &str, caseless: bool) -> Result<Regex, Unreadable> {
        let translated = translate(pattern)?;
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .case_insensitive(caseless)
            .build()
            .parse(&translated)
            .map_err(|e| Unreadable::Invalid(last_line(&e.to_string())))?;
        let mut groups = Vec::new();
        collect_groups(&hir, &mut groups);
        Ok(Regex { hir, groups })
    }

    /// The number of capture groups (`$1` ... in nginx).
    pub fn captures(&self) -> usize {
        self.groups.len()
    }

    /// The number of capture groups without a name.
    pub fn unnamed(&self) -> usize {
        self.groups.iter().filter(|g| g.is_none()).count()
    }

    /// The names of the named capture groups, in order.
    pub fn named(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().filter_map(|g| g.as_deref())
    }

    /// The number of the group named `name` (names compare ignoring case,
    /// as nginx's variables do).
    pub fn group_number(&self, name: &str) -> Option<usize> {
        self.groups
            .iter()
            .position(|g| g.as_deref().is_some_and(|g| g.eq_ignore_ascii_case(name)))
            .map(|i| i + 1)
    }

    /// Every match starts at the start of the subject (`^`, `\A`).
    pub fn anchored_start(&self) -> bool {
        // `(?m)^` also matches after every newline: not an anchor.
        self.hir
            .properties()
            .look_set_prefix()
            .contains(Look::Start)
    }

    /// Every match ends at the end of the subject (`$`, `\z`).
    pub fn anchored_end(&self) -> bool {
        self.hir.properties().look_set_suffix().contains(Look::End)
    }

    /// The regex matches exactly one string (no class, repetition or
    /// alternation), with both anchors: a plain comparison would do.
    pub fn exact(&self) -> bool {
        self.anchored_start() && self.anchored_end() && is_fixed(&self.hir)
    }

    /// The one string an [`Regex::exact`] regex matches (nothing for one
    /// matched ignoring case, or holding bytes that are not UTF-8).
    pub fn literal(&self, caseless: bool) -> Option<String> {
        if caseless || !self.exact() {
            return None;
        }
        fn collect(hir: &Hir, out: &mut Vec<u8>) {
            match hir.kind() {
                HirKind::Literal(l) => out.extend_from_slice(&l.0),
                HirKind::Capture(c) => collect(&c.sub, out),
                HirKind::Concat(hs) => hs.iter().for_each(|h| collect(h, out)),
                _ => {}
            }
        }
        let mut bytes = Vec::new();
        collect(&self.hir, &mut bytes);
        String::from_utf8(bytes).ok()
    }

    /// A repetition inside an unbounded repetition, or an unbounded
    /// repetition of an alternation whose branches can start alike: the
    /// shapes that make a backtracking engine take exponential time on a
    /// subject that almost matches (ReDoS). `None` when there is none;
    /// else the group or repetition, as regex-syntax prints it back.
    pub fn nested_quantifier(&self) -> Option<String> {
        find_nested(&self.hir, false).map(|h| h.to_string())
    }

    /// The bytes group `group` (1-based) can hold; `None` when the pattern
    /// has no such group. Group 0 is the whole match.
    pub fn group_bytes(&self, group: usize) -> Option<ClassBytes> {
        let hir = if group == 0 {
            &self.hir
        } else {
            find_group(&self.hir, group)?
        };
        let mut class = ClassBytes::empty();
        bytes_of(hir, &mut class);
        Some(class)
    }

    /// Whether group `group` (1-based) can hold `byte`.
    pub fn group_can_contain(&self, group: usize, byte: u8) -> bool {
        self.group_bytes(group).is_some_and(|c| contains(&c, byte))
    }

    /// The bytes group `group` can start with, and whether it can be empty.
    pub fn group_first_bytes(&self, group: usize) -> Option<(ClassBytes, bool)> {
        let hir = if group == 0 {
            &self.hir
        } else {
            find_group(&self.hir, group)?
        };
        let mut class = ClassBytes::empty();
        let empty = first_bytes(hir, &mut class);
        Some((class, empty))
    }

    /// Two capture groups nest, one inside the other (`((a)b)`).
    pub fn nested_captures(&self) -> bool {
        fn walk(hir: &Hir, inside: bool) -> bool {
            match hir.kind() {
                HirKind::Capture(c) if !is_atomic(c) => inside || walk(&c.sub, true),
                HirKind::Capture(c) => walk(&c.sub, inside),
                HirKind::Repetition(r) => walk(&r.sub, inside),
                HirKind::Concat(hs) | HirKind::Alternation(hs) => {
                    hs.iter().any(|h| walk(h, inside))
                }
                _ => false,
            }
        }
        walk(&self.hir, false)
    }
}

/// Whether `class` holds `byte`.
pub fn contains(class: &ClassBytes, byte: u8) -> bool {
    class
        .ranges()
        .iter()
        .any(|r| r.start() <= byte && byte <= r.end())
}

fn last_line(message: &str) -> String {
    message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(message)
        .trim_start_matches("error: ")
        .to_string()
}

fn is_atomic(capture: &regex_syntax::hir::Capture) -> bool {
    capture
        .name
        .as_deref()
        .is_some_and(|n| n.starts_with(ATOMIC))
}

fn collect_groups(hir: &Hir, groups: &mut Vec<Option<String>>) {
    match hir.kind() {
        HirKind::Capture(c) => {
            if !is_atomic(c) {
                groups.push(c.name.as_deref().map(str::to_string));
            }
            collect_groups(&c.sub, groups);
        }
        HirKind::Repetition(r) => collect_groups(&r.sub, groups),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => {
            hs.iter().for_each(|h| collect_groups(h, groups))
        }
        _ => {}
    }
}

/// The `n`th capture group (1-based, PCRE numbering).
fn find_group(hir: &Hir, n: usize) -> Option<&Hir> {
    fn walk<'h>(hir: &'h Hir, n: usize, seen: &mut usize) -> Option<&'h Hir> {
        match hir.kind() {
            HirKind::Capture(c) => {
                if !is_atomic(c) {
                    *seen += 1;
                    if *seen == n {
                        return Some(&c.sub);
                    }
                }
                walk(&c.sub, n, seen)
            }
            HirKind::Repetition(r) => walk(&r.sub, n, seen),
            HirKind::Concat(hs) | HirKind::Alternation(hs) => {
                hs.iter().find_map(|h| walk(h, n, seen))
            }
            _ => None,
        }
    }
    walk(hir, n, &mut 0)
}

fn class_of(class: &Class) -> ClassBytes {
    match class {
        Class::Bytes(b) => b.clone(),
        Class::Unicode(u) => u.to_byte_class().unwrap_or_else(|| {
            ClassBytes::new(
                u.ranges()
                    .iter()
                    .filter(|r| r.start() as u32 <= 0xFF)
                    .map(|r| {
                        ClassBytesRange::new(r.start() as u8, (r.end() as u32).min(0xFF) as u8)
                    }),
            )
        }),
    }
}

fn bytes_of(hir: &Hir, class: &mut ClassBytes) {
    match hir.kind() {
        HirKind::Literal(l) => {
            for &b in l.0.iter() {
                class.union(&ClassBytes::new([ClassBytesRange::new(b, b)]));
            }
        }
        HirKind::Class(c) => class.union(&class_of(c)),
        HirKind::Capture(c) => bytes_of(&c.sub, class),
        HirKind::Repetition(r) if r.max != Some(0) => bytes_of(&r.sub, class),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => {
            hs.iter().for_each(|h| bytes_of(h, class))
        }
        _ => {}
    }
}

/// Adds the bytes `hir` can start with to `class`; returns whether `hir`
/// can match the empty string (so what follows it can start the match).
fn first_bytes(hir: &Hir, class: &mut ClassBytes) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(l) => match l.0.first() {
            Some(&b) => {
                class.union(&ClassBytes::new([ClassBytesRange::new(b, b)]));
                false
            }
            None => true,
        },
        HirKind::Class(c) => {
            class.union(&class_of(c));
            false
        }
        HirKind::Capture(c) => first_bytes(&c.sub, class),
        HirKind::Repetition(r) => {
            if r.max == Some(0) {
                return true;
            }
            let empty = first_bytes(&r.sub, class);
            empty || r.min == 0
        }
        HirKind::Concat(hs) => {
            for h in hs {
                if !first_bytes(h, class) {
                    return false;
                }
            }
            true
        }
        HirKind::Alternation(hs) => {
            let mut empty = false;
            for h in hs {
                empty |= first_bytes(h, class);
            }
            empty
        }
    }
}

fn is_fixed(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Literal(_) | HirKind::Look(_) => true,
        HirKind::Capture(c) => is_fixed(&c.sub),
        HirKind::Concat(hs) => hs.iter().all(is_fixed),
        HirKind::Class(_) | HirKind::Repetition(_) | HirKind::Alternation(_) => false,
    }
}

/// Whether `hir` can match more than a bounded number of times over: an
/// unbounded repetition of something that is not empty.
fn unbounded(r: &regex_syntax::hir::Repetition) -> bool {
    r.max.is_none() && r.sub.properties().maximum_len() != Some(0)
}

/// The first ReDoS shape in `hir` (see [`Regex::nested_quantifier`]);
/// `inside` tells whether an unbounded repetition is around it.
fn find_nested(hir: &Hir, inside: bool) -> Option<&Hir> {
    match hir.kind() {
        HirKind::Capture(c) if is_atomic(c) => None,
        HirKind::Capture(c) => find_nested(&c.sub, inside),
        HirKind::Repetition(r) => {
            if inside && varies(r) {
                return Some(hir);
            }
            if unbounded(r) {
                if let Some(found) = find_nested(&r.sub, true) {
                    // Report the outer repetition: it is what repeats.
                    return Some(if matches!(found.kind(), HirKind::Repetition(_)) {
                        hir
                    } else {
                        found
                    });
                }
                None
            } else {
                find_nested(&r.sub, inside)
            }
        }
        HirKind::Concat(hs) => hs.iter().enumerate().find_map(|(i, h)| {
            // `(?:[^/]+/)*`: the inner run cannot hold what ends it, so an
            // input splits one way only.
            if inside && separated(h, &hs[i + 1..]) {
                // Still a ReDoS shape of its own (`((a+)+\.)+`).
                return find_nested(h, false);
            }
            find_nested(h, inside)
        }),
        HirKind::Alternation(hs) => {
            if inside && branches_overlap(hs) {
                return Some(hir);
            }
            hs.iter().find_map(|h| find_nested(h, inside))
        }
        _ => None,
    }
}

/// Whether a repetition can match a varying number of times: a `+`, `*`
/// or a range like `{1,5}`, over something that is not empty.
fn varies(r: &regex_syntax::hir::Repetition) -> bool {
    r.max != Some(r.min) && r.sub.properties().maximum_len() != Some(0)
}

/// The repetition `hir` is, under any non-atomic capture groups.
fn repetition_of(hir: &Hir) -> Option<&regex_syntax::hir::Repetition> {
    match hir.kind() {
        HirKind::Repetition(r) => Some(r),
        HirKind::Capture(c) if !is_atomic(c) => repetition_of(&c.sub),
        _ => None,
    }
}

/// Whether `hir` is a varying repetition that what follows it (`rest`,
/// which cannot be empty) cannot start inside: a byte that ends the run is
/// never one the run could hold.
fn separated(hir: &Hir, rest: &[Hir]) -> bool {
    let Some(r) = repetition_of(hir) else {
        return false;
    };
    if !varies(r) || rest.is_empty() {
        return false;
    }
    let mut held = ClassBytes::empty();
    bytes_of(&r.sub, &mut held);
    let mut next = ClassBytes::empty();
    let mut empty = true;
    for h in rest {
        if !first_bytes(h, &mut next) {
            empty = false;
            break;
        }
    }
    held.intersect(&next);
    !empty && held.ranges().is_empty()
}

/// Whether two branches of an alternation can start with the same byte.
fn branches_overlap(branches: &[Hir]) -> bool {
    let firsts: Vec<ClassBytes> = branches
        .iter()
        .map(|b| {
            let mut class = ClassBytes::empty();
            first_bytes(b, &mut class);
            class
        })
        .collect();
    firsts.iter().enumerate().any(|(i, a)| {
        firsts[i + 1..].iter().any(|b| {
            let mut both = a.clone();
            both.intersect(b);
            !both.ranges().is_empty()
        })
    })
}

/// Rewrite the PCRE constructs regex-syntax does not read into ones it
/// does, keeping the numbering of capture groups (module documentation).
fn translate(pattern: &str) -> Result<String, Unreadable> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    // Where each open group starts in `out`, and how it is to be closed.
    let mut open: Vec<(usize, &'static str)> = Vec::new();
    // Where the last complete atom starts in `out`, for a possessive
    // quantifier to wrap it.
    let mut atom: Option<usize> = None;
    let mut atomics = 0usize;
    let mut extended = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let start = out.len();
                let Some(&next) = chars.get(i + 1) else {
                    return Err(Unreadable::Invalid("a pattern cannot end with `\\`".into()));
                };
                i += 2;
                match next {
                    'Q' => {
                        while i < chars.len()
                            && !(chars[i] == '\\' && chars.get(i + 1) == Some(&'E'))
                        {
                            push_literal(&mut out, chars[i]);
                            i += 1;
                        }
                        i = (i + 2).min(chars.len().max(i));
                        atom = Some(start);
                        continue;
                    }
                    'E' => continue,
                    'h' => out.push_str(r"[\t\x20\xA0]"),
                    'H' => out.push_str(r"[^\t\x20\xA0]"),
                    'v' => out.push_str(r"[\n\x0B\x0C\r\x85]"),
                    'V' => out.push_str(r"[^\n\x0B\x0C\r\x85]"),
                    'R' => out.push_str(r"(?:\r\n|[\n\x0B\x0C\r\x85])"),
                    'e' => out.push_str(r"\x1B"),
                    // PCRE's `\Z` is its `$`, which is read as the end too.
                    'Z' => out.push_str(r"\z"),
                    'K' | 'G' => {
                        atom = None;
                        continue;
                    }
                    'c' => {
                        let Some(&ctl) = chars.get(i) else {
                            return Err(Unreadable::Invalid("`\\c` needs a character".into()));
                        };
                        i += 1;
                        out.push_str(&format!(
                            r"\x{:02X}",
                            (ctl.to_ascii_uppercase() as u32) ^ 0x40
                        ));
                    }
                    '1'..='9' => {
                        // A back-reference (several digits allowed).
                        while chars.get(i).is_some_and(char::is_ascii_digit) {
                            i += 1;
                        }
                        out.push_str("(?:)");
                    }
                    '0' => {
                        let mut value = 0u32;
                        let mut n = 0;
                        while n < 2 && chars.get(i).is_some_and(|c| ('0'..='7').contains(c)) {
                            value = value * 8 + chars[i].to_digit(8).unwrap_or(0);
                            i += 1;
                            n += 1;
                        }
                        out.push_str(&format!(r"\x{value:02X}"));
                    }
                    'g' | 'k' => {
                        // \g{n}, \g-1, \k<name>, \k{name}, \k'name': back-references.
                        match chars.get(i) {
                            Some('{') | Some('<') | Some('\'') => {
                                let close = match chars[i] {
                                    '{' => '}',
                                    '<' => '>',
                                    _ => '\'',
                                };
                                while i < chars.len() && chars[i] != close {
                                    i += 1;
                                }
                                i += 1;
                            }
                            _ => {
                                if chars.get(i) == Some(&'-') {
                                    i += 1;
                                }
                                while chars.get(i).is_some_and(char::is_ascii_digit) {
                                    i += 1;
                                }
                            }
                        }
                        out.push_str("(?:)");
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                        // \x{..}, \p{..}: copy the braces.
                        if matches!(other, 'x' | 'p' | 'P') && chars.get(i) == Some(&'{') {
                            while i < chars.len() && chars[i] != '}' {
                                out.push(chars[i]);
                                i += 1;
                            }
                            if i < chars.len() {
                                out.push('}');
                                i += 1;
                            }
                        }
                    }
                }
                atom = Some(start);
            }
            '[' => {
                let start = out.len();
                i = copy_class(&chars, i, &mut out)?;
                atom = Some(start);
            }
            '(' => {
                let start = out.len();
                let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
                if rest.starts_with("(*") {
                    return Err(Unreadable::Unsupported("a `(*VERB)`"));
                }
                if rest.starts_with("(?#") {
                    while i < chars.len() && chars[i] != ')' {
                        i += 1;
                    }
                    i += 1;
                    continue;
                }
                let (skip, opener, closer): (usize, String, &'static str) = if rest
                    .starts_with("(?=")
                {
                    (3, "(?:".into(), LOOKAROUND)
                } else if rest.starts_with("(?!") {
                    (3, "(?:".into(), NEGATIVE_LOOKAROUND)
                } else if rest.starts_with("(?<=") {
                    (4, "(?:".into(), LOOKAROUND)
                } else if rest.starts_with("(?<!") {
                    (4, "(?:".into(), NEGATIVE_LOOKAROUND)
                } else if rest.starts_with("(?>") {
                    atomics += 1;
                    (3, format!("(?P<{ATOMIC}{atomics}>"), ")")
                } else if rest.starts_with("(?|") {
                    return Err(Unreadable::Unsupported("a branch reset group `(?|`"));
                } else if rest.starts_with("(?(") {
                    return Err(Unreadable::Unsupported("a conditional group `(?(`"));
                } else if rest.starts_with("(?R")
                    || rest.starts_with("(?&")
                    || rest.starts_with("(?P>")
                    || rest.starts_with("(?") && is_group_call(&chars[i + 2..])
                {
                    return Err(Unreadable::Unsupported("a recursion or subroutine call"));
                } else if rest.starts_with("(?P=") {
                    while i < chars.len() && chars[i] != ')' {
                        i += 1;
                    }
                    i += 1;
                    out.push_str("(?:)");
                    atom = Some(start);
                    continue;
                } else if rest.starts_with("(?'") {
                    let end = chars[i + 3..]
                        .iter()
                        .position(|&c| c == '\'')
                        .map(|p| i + 3 + p);
                    let Some(end) = end else {
                        return Err(Unreadable::Invalid("unclosed group name".into()));
                    };
                    let name: String = chars[i + 3..end].iter().collect();
                    i = end + 1;
                    out.push_str(&format!("(?P<{name}>"));
                    open.push((start, ")"));
                    atom = None;
                    continue;
                } else {
                    if rest.starts_with("(?") {
                        // Inline flags: note `x`, which makes `#` start a comment.
                        let flags: String = chars[i + 2..]
                            .iter()
                            .take_while(|c| c.is_ascii_alphabetic() || **c == '-')
                            .collect();
                        let on = flags.split('-').next().unwrap_or("");
                        if on.contains('x') {
                            extended = true;
                        }
                        for unsupported in ['J', 'X'] {
                            if flags.contains(unsupported) {
                                return Err(Unreadable::Unsupported("the inline flag `J` or `X`"));
                            }
                        }
                    }
                    (1, "(".into(), ")")
                };
                i += skip;
                out.push_str(&opener);
                open.push((start, closer));
                atom = None;
                continue;
            }
            ')' => {
                let (start, closer) = open
                    .pop()
                    .ok_or_else(|| Unreadable::Invalid("unopened group `)`".into()))?;
                if closer == LOOKAROUND || closer == NEGATIVE_LOOKAROUND {
                    out.push(')');
                    let groups = empty_groups(&out[start..], closer == LOOKAROUND)?;
                    out.truncate(start);
                    out.push_str(&groups);
                } else {
                    out.push_str(closer);
                }
                i += 1;
                atom = Some(start);
                continue;
            }
            '*' | '+' | '?' | '{' => {
                let quantifier_end = if c == '{' {
                    counted(&chars, i)
                } else {
                    Some(i + 1)
                };
                let Some(mut end) = quantifier_end else {
                    // A `{` that opens no quantifier is a literal in PCRE.
                    let start = out.len();
                    out.push_str(r"\{");
                    i += 1;
                    atom = Some(start);
                    continue;
                };
                out.extend(&chars[i..end]);
                match chars.get(end) {
                    Some('?') => {
                        out.push('?');
                        end += 1;
                    }
                    Some('+') => {
                        // Possessive: an atomic group around the atom and its quantifier.
                        if let Some(start) = atom {
                            atomics += 1;
                            out.insert_str(start, &format!("(?P<{ATOMIC}{atomics}>"));
                            out.push(')');
                        }
                        end += 1;
                    }
                    _ => {}
                }
                i = end;
                atom = None;
                continue;
            }
            '#' if extended => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            _ => {
                let start = out.len();
                out.push(c);
                i += 1;
                atom = Some(start);
                continue;
            }
        }
    }
    if !open.is_empty() {
        return Err(Unreadable::Invalid("unclosed group `(`".into()));
    }
    Ok(out)
}

/// `1)`, `+1)`, `-2)`: what follows `(?` in a subroutine call.
fn is_group_call(rest: &[char]) -> bool {
    let digits = match rest.first() {
        Some('+') | Some('-') => &rest[1..],
        _ => rest,
    };
    digits.first().is_some_and(char::is_ascii_digit)
}

/// Mark a lookaround's group in [`translate`], positive or negative:
/// closed by [`empty_groups`].
const LOOKAROUND: &str = "lookaround";
const NEGATIVE_LOOKAROUND: &str = "negative lookaround";

/// A lookaround, `(?:X)` translated, as what stands for it: an empty
/// group holding one empty capture group per group of X, named alike. It
/// matches nothing, as the zero-width test matches no text, and the groups
/// after it keep their numbers. A positive one whose X starts with `^`
/// keeps the anchor (`(?=^/a)`).
fn empty_groups(translated: &str, positive: bool) -> Result<String, Unreadable> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(translated)
        .map_err(|e| Unreadable::Invalid(last_line(&e.to_string())))?;
    let mut groups = Vec::new();
    collect_groups(&hir, &mut groups);
    let anchored = positive && hir.properties().look_set_prefix().contains(Look::Start);
    let mut out = String::from(if anchored { "(?:^" } else { "(?:" });
    for group in groups {
        match group {
            Some(name) => out.push_str(&format!("(?P<{name}>)")),
            None => out.push_str("()"),
        }
    }
    out.push(')');
    Ok(out)
}

fn push_literal(out: &mut String, c: char) {
    if regex_syntax::is_meta_character(c) {
        out.push('\\');
    }
    out.push(c);
}

/// Where a `{m}`, `{m,}` or `{m,n}` quantifier starting at `i` ends.
fn counted(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let digits = |j: &mut usize| {
        let from = *j;
        while chars.get(*j).is_some_and(char::is_ascii_digit) {
            *j += 1;
        }
        *j > from
    };
    if !digits(&mut j) {
        return None;
    }
    if chars.get(j) == Some(&',') {
        j += 1;
        digits(&mut j);
    }
    (chars.get(j) == Some(&'}')).then_some(j + 1)
}

/// Copy a bracketed class starting at `i`, translating `\h`-style escapes
/// and escaping what regex-syntax reads as class operators (`&&`, `--`,
/// `~~`, a nested `[`) but PCRE takes literally; returns where it ends.
fn copy_class(chars: &[char], mut i: usize, out: &mut String) -> Result<usize, Unreadable> {
    out.push('[');
    i += 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        out.push_str(r"\]");
        i += 1;
    }
    while i < chars.len() {
        let c = chars[i];
        match c {
            ']' => {
                out.push(']');
                return Ok(i + 1);
            }
            '\\' => {
                let next = *chars
                    .get(i + 1)
                    .ok_or_else(|| Unreadable::Invalid("unclosed class `[`".into()))?;
                match next {
                    'h' => out.push_str(r"\t\x20\xA0"),
                    'v' => out.push_str(r"\n\x0B\x0C\r\x85"),
                    'e' => out.push_str(r"\x1B"),
                    _ => {
                        out.push('\\');
                        out.push(next);
                    }
                }
                i += 2;
            }
            '[' if chars.get(i + 1) == Some(&':') => {
                // A POSIX class `[:alpha:]`, read alike by both.
                let end = chars[i..].iter().position(|&c| c == ']').map(|p| i + p);
                let Some(end) = end else {
                    return Err(Unreadable::Invalid("unclosed class `[`".into()));
                };
                out.extend(&chars[i..=end]);
                i = end + 1;
            }
            '[' | '&' | '-' | '~' if chars.get(i + 1) == Some(&c) || c == '[' => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(Unreadable::Invalid("unclosed class `[`".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> Regex {
        Regex::parse(p, false).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    #[test]
    fn captures_are_numbered_as_pcre_numbers_them() {
        assert_eq!(re(r"^/(\w+)/(?<id>\d+)(?:x)$").captures(), 2);
        assert_eq!(re(r"^/(\w+)/(?<id>\d+)$").unnamed(), 1);
        assert_eq!(
            re(r"(?'n'a)(?P<m>b)").named().collect::<Vec<_>>(),
            ["n", "m"]
        );
        // Groups inside a lookaround still count; atomic groups do not.
        assert_eq!(re(r"(?=(a))(?>b)(c)").captures(), 2);
        assert_eq!(re(r"(?i)/").captures(), 0);
    }

    #[test]
    fn anchors() {
        assert!(re(r"^/a").anchored_start());
        assert!(!re(r"\.php").anchored_start());
        assert!(re(r"\.php$").anchored_end());
        assert!(!re(r"^/a|^/b$").anchored_end());
        assert!(re(r"^(?:/a|/b)$").anchored_end());
        assert!(re(r"\A/a\z").anchored_start());
        assert!(re(r"^/a/?$").anchored_end());
        assert!(!re(r"(?m)^/a$").anchored_start(), "(?m): after any newline");
        assert!(!re(r"(?m)^/a$").exact());
        assert!(
            re(r"(?!/admin)^/v1").anchored_start(),
            "a lookahead matches nothing"
        );
        assert!(re(r"(?=^/foo)/foo/bar").anchored_start());
        assert!(re(r"^/a(?<=a)$").anchored_end());
        assert!(re(r"^/exact$").exact());
        assert!(re(r"\A/exact\Z").exact());
        assert!(!re(r"^/exa.t$").exact());
    }

    #[test]
    fn nested_quantifiers_are_found_and_atomic_ones_are_not() {
        assert!(re(r"^/(a+)+$").nested_quantifier().is_some());
        assert!(re(r"(\w*)*x").nested_quantifier().is_some());
        assert!(re(r"^(a|ab)+$").nested_quantifier().is_some());
        assert!(re(r"^(a|b)+$").nested_quantifier().is_none());
        assert!(re(r"^/(?>a+)+$").nested_quantifier().is_none());
        assert!(re(r"^/(a++)+$").nested_quantifier().is_none());
        assert!(re(r"^/api/(\w+)/(\d+)$").nested_quantifier().is_none());
        assert!(
            re(r"^(a{1,3})+$").nested_quantifier().is_some(),
            "a range varies too"
        );
        assert!(re(r"^(a{3})+$").nested_quantifier().is_none());
        assert!(
            re(r"^/(?:[^/]+/)*[^/]+\.php$")
                .nested_quantifier()
                .is_none(),
            "split one way"
        );
        assert!(re(r"^/(?:[a-z/]+/)*x$").nested_quantifier().is_some());
        assert!(re(r"^((a+)+\.)+$").nested_quantifier().is_some());
        assert!(re(r"^(([a-z0-9]+-?)+\.)+example\.com$")
            .nested_quantifier()
            .is_some());
    }

    #[test]
    fn what_a_group_can_hold() {
        let r = re(r"^/(\w+)/(.*)/([^/]+)$");
        assert!(!r.group_can_contain(1, b'\n'));
        assert!(
            !r.group_can_contain(2, b'\n'),
            "`.` does not match a newline"
        );
        assert!(r.group_can_contain(3, b'\n'), "a negated class does");
        assert!(re(r"(?s)(.*)").group_can_contain(1, b'\n'));
        assert!(re(r"(\s+)").group_can_contain(1, b'\r'));
        let (first, empty) = re(r"^/x(/.*)").group_first_bytes(1).unwrap();
        assert!(contains(&first, b'/') && !contains(&first, b'.') && !empty);
        assert!(re(r"((a)b)").nested_captures());
        assert!(!re(r"(a)(b)").nested_captures());
    }

    #[test]
    fn pcre_only_constructs_are_translated_or_named() {
        for p in [
            r"^/\Qa.b\E$",
            r"^/a{",
            r"^/{version}/x",
            r"a\h+\R",
            r"(?<!x)y",
            r"(a)\1",
            r"(?<n>a)\k<n>",
            r"x(?#comment)y",
            r"[\h]",
            r"[a-z&&b]",
            r"(?x) a # comment",
            r"[[:alpha:]]+",
            "caf\u{e9}",
        ] {
            re(p);
        }
        assert_eq!(
            Regex::parse(r"(?R)", false).unwrap_err(),
            Unreadable::Unsupported("a recursion or subroutine call")
        );
        assert!(matches!(
            Regex::parse(r"(a", false),
            Err(Unreadable::Invalid(_))
        ));
        assert!(matches!(
            Regex::parse(r"a)", false),
            Err(Unreadable::Invalid(_))
        ));
    }
}
