//! Just enough of Python to read settings from a config module the way
//! Python runs it (gunicorn.conf.py, a hypercorn `file:` config, a script
//! calling `uvicorn.run(...)`): the last module-level assignment of a name
//! wins; one inside an `if`/`try`/loop, an `import *` or `globals()` makes
//! the value depend on something ngxfix does not run.
//!
//! The file is first masked (string contents and comments blanked, byte
//! offsets kept), so brackets, `=` and `;` are only ever seen in code.

use crate::{text, Edit};

mod literal;

pub(crate) use literal::{arg_int, int, literal, Literal};

/// A span of the file with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expr {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) text: String,
}

/// What a module leaves a name bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binding {
    /// Never assigned.
    Absent,
    /// Its last assignment, at module level.
    Set {
        expr: Expr,
        line: usize,
        /// `keepalive = 5` vs `keepalive=5`.
        spaced: bool,
    },
    /// The value depends on something ngxfix cannot see: why.
    Unknown(String),
}

/// The block a statement sits in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ctx {
    Module,
    /// Inside `if`, `for`, `while`, `try`, `with`, `match` at this line.
    Conditional {
        keyword: String,
        line: usize,
    },
    Function,
    Class,
}

/// One statement: its code span (comments excluded) and where it sits.
#[derive(Debug, Clone)]
struct Stmt {
    start: usize,
    end: usize,
    ctx: Ctx,
    /// The end of the physical line its logical line ends on.
    line_end: usize,
}

/// A parsed module: the file, its masked copy, and its statements.
pub(crate) struct Module<'a> {
    text: &'a str,
    mask: Vec<u8>,
    stmts: Vec<Stmt>,
    /// Why Python would not run it, when ngxfix can tell.
    problem: Option<String>,
}

/// A module-level `name = value` statement, for placing a new setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopAssignment {
    pub(crate) name: String,
    /// The end of the line the statement ends on (before its line break).
    pub(crate) line_end: usize,
    pub(crate) spaced: bool,
}

/// A call's argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arg {
    /// `name=` of a keyword argument.
    pub(crate) keyword: Option<String>,
    /// `*args` or `**kwargs`.
    pub(crate) star: bool,
    /// The value's expression.
    pub(crate) value: Expr,
    /// The whole argument's span.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// `name = value` rather than `name=value`.
    pub(crate) spaced: bool,
}

/// A call found in the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    pub(crate) line: usize,
    /// Offsets of its parentheses.
    pub(crate) open: usize,
    pub(crate) close: usize,
    pub(crate) args: Vec<Arg>,
    /// The comma after the last argument, if there is one.
    pub(crate) trailing_comma: Option<usize>,
}

const COMPOUND: &[&str] = &[
    "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "def", "class",
    "async", "match", "case",
];

impl<'a> Module<'a> {
    /// Parse `text` (a BOM is skipped).
    pub(crate) fn parse(text: &'a str) -> Module<'a> {
        let (mask, open_string) = mask(text);
        let stmts = statements(text, &mask);
        let problem = match open_string {
            Some(at) => Some(format!(
                "the string at line {} is not closed",
                text::line_of(text, at)
            )),
            None => open_bracket(&mask).map(|at| {
                format!(
                    "the bracket at line {} does not match",
                    text::line_of(text, at)
                )
            }),
        };
        Module {
            text,
            mask,
            stmts,
            problem,
        }
    }

    /// Why Python would refuse the file (an unclosed string or bracket),
    /// when ngxfix can tell: its statements then mean nothing.
    pub(crate) fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    fn code(&self, start: usize, end: usize) -> &str {
        // The mask is ASCII wherever the file is, so offsets that are
        // ASCII in the mask are boundaries in the file.
        std::str::from_utf8(&self.mask[start..end]).unwrap_or("")
    }

    /// What the module leaves `name` bound to.
    pub(crate) fn binding(&self, name: &str) -> Binding {
        let declared_global = self.stmts.iter().any(|s| {
            let code = self.code(s.start, s.end).trim();
            code.strip_prefix("global ")
                .is_some_and(|rest| rest.split(',').any(|n| n.trim() == name))
        });
        let mut last = Binding::Absent;
        for s in &self.stmts {
            let Some(event) = self.event(s, name) else {
                continue;
            };
            let line = text::line_of(self.text, s.start);
            last = match (&s.ctx, event) {
                (Ctx::Class, _) => continue,
                (Ctx::Function, _) if !declared_global => continue,
                (Ctx::Function, _) => Binding::Unknown(format!(
                    "{name} is assigned inside a function (declared global) at line {line}"
                )),
                (Ctx::Conditional { keyword, line: at }, Event::Assign { .. }) => Binding::Unknown(
                    format!("{name} is assigned inside `{keyword}` (line {at}) at line {line}"),
                ),
                (Ctx::Conditional { keyword, line: at }, Event::Opaque(why)) => Binding::Unknown(
                    format!("{why} inside `{keyword}` (line {at}) at line {line} may set {name}"),
                ),
                (Ctx::Module, Event::Assign { expr, spaced }) => {
                    Binding::Set { expr, line, spaced }
                }
                (Ctx::Module, Event::Opaque(why)) => {
                    Binding::Unknown(format!("{why} at line {line} may set {name}"))
                }
            };
        }
        last
    }

    /// Module-level simple assignments, in order.
    pub(crate) fn top_assignments(&self) -> Vec<TopAssignment> {
        self.stmts
            .iter()
            .filter(|s| s.ctx == Ctx::Module)
            .filter_map(|s| {
                let (targets, _, spaced) = self.split_assignment(s.start, s.end)?;
                let name = simple_target(self.code(targets[0].0, targets[0].1))?;
                Some(TopAssignment {
                    name: name.to_string(),
                    line_end: s.line_end,
                    spaced,
                })
            })
            .collect()
    }

    /// An edit adding `name = value` at module level: after the last
    /// assignment to one of `after`, else at the end; spaced as its
    /// neighbours.
    pub(crate) fn insert_assignment(&self, name: &str, value: &str, after: &[&str]) -> Edit<()> {
        let tops = self.top_assignments();
        let anchor = tops.iter().rev().find(|a| after.contains(&a.name.as_str()));
        let spaced = anchor.or(tops.last()).is_none_or(|a| a.spaced);
        let line = if spaced {
            format!("{name} = {value}")
        } else {
            format!("{name}={value}")
        };
        match anchor {
            Some(a) => Edit::new(
                a.line_end,
                a.line_end,
                format!("{}{line}", text::line_ending(self.text)),
            ),
            None => text::append_line(self.text, &line),
        }
    }

    /// Calls of any of `callees` (`uvicorn.run`), wherever they are.
    pub(crate) fn calls(&self, callees: &[String]) -> Vec<Call> {
        let mut out = Vec::new();
        for s in &self.stmts {
            let code = self.code(s.start, s.end);
            for callee in callees {
                let mut from = 0;
                while let Some(p) = code[from..].find(callee.as_str()) {
                    let at = from + p;
                    from = at + callee.len();
                    let before = code[..at].bytes().next_back();
                    if before.is_some_and(|b| b == b'.' || is_ident_byte(b)) {
                        continue;
                    }
                    let rest = &code[from..];
                    let gap = rest.len() - rest.trim_start().len();
                    if !rest[gap..].starts_with('(') {
                        continue;
                    }
                    if let Some(call) = self.call(s.start + from + gap) {
                        out.push(call);
                    }
                }
            }
        }
        out.sort_by_key(|c| c.open);
        out
    }

    /// The names `from module import ...` binds to `names` (aliases
    /// included), at any level.
    pub(crate) fn imported_as(&self, module: &str, names: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.stmts {
            let code = self.code(s.start, s.end).trim();
            let Some(rest) = code.strip_prefix("from ") else {
                continue;
            };
            let Some((m, items)) = rest.split_once(" import ") else {
                continue;
            };
            if m.trim() != module {
                continue;
            }
            let items = items.trim().trim_start_matches('(').trim_end_matches(')');
            for item in items.split(',') {
                let mut parts = item.split_whitespace();
                let (Some(n), alias) = (parts.next(), parts.nth(1)) else {
                    continue;
                };
                if names.contains(&n) {
                    out.push(alias.unwrap_or(n).to_string());
                }
            }
        }
        out
    }

    fn call(&self, open: usize) -> Option<Call> {
        let close = close_of(&self.mask, open)?;
        let mut args = Vec::new();
        let mut depth = 0usize;
        let mut arg_start = open + 1;
        let mut trailing_comma = None;
        let mut last_comma = None;
        for i in open + 1..=close {
            match self.mask[i] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth > 0 => depth -= 1,
                b',' | b')' if depth == 0 => {
                    let piece = self.code(arg_start, i);
                    if piece.trim().is_empty() {
                        if self.mask[i] == b')' && !args.is_empty() {
                            trailing_comma = last_comma;
                        }
                    } else {
                        args.push(self.arg(arg_start, i)?);
                    }
                    last_comma = (self.mask[i] == b',').then_some(i);
                    arg_start = i + 1;
                }
                _ => {}
            }
        }
        Some(Call {
            line: text::line_of(self.text, open),
            open,
            close,
            args,
            trailing_comma,
        })
    }

    fn arg(&self, start: usize, end: usize) -> Option<Arg> {
        let (start, end) = trim_span(&self.mask, start, end);
        let code = self.code(start, end);
        if code.starts_with('*') {
            return Some(Arg {
                keyword: None,
                star: true,
                value: self.expr(start, end),
                start,
                end,
                spaced: false,
            });
        }
        let eq = top_level_eq(code.as_bytes()).first().copied();
        let (keyword, value, spaced) = match eq {
            Some(eq) if simple_target(&code[..eq]).is_some() => {
                let (vs, ve) = trim_span(&self.mask, start + eq + 1, end);
                let spaced = code[..eq].ends_with(' ');
                (
                    simple_target(&code[..eq]).map(str::to_string),
                    self.expr(vs, ve),
                    spaced,
                )
            }
            _ => (None, self.expr(start, end), false),
        };
        Some(Arg {
            keyword,
            star: false,
            value,
            start,
            end,
            spaced,
        })
    }

    fn expr(&self, start: usize, end: usize) -> Expr {
        Expr {
            start,
            end,
            text: self.text.get(start..end).unwrap_or("").to_string(),
        }
    }

    /// `targets = value` in a statement: target spans, the value's span,
    /// and whether the first `=` has spaces around it.
    #[allow(clippy::type_complexity)]
    fn split_assignment(
        &self,
        start: usize,
        end: usize,
    ) -> Option<(Vec<(usize, usize)>, (usize, usize), bool)> {
        let code = self.code(start, end);
        let eqs = top_level_eq(code.as_bytes());
        let last = *eqs.last()?;
        let mut targets = Vec::new();
        let mut from = 0;
        for &eq in &eqs {
            targets.push(trim_span(&self.mask, start + from, start + eq));
            from = eq + 1;
        }
        let value = trim_span(&self.mask, start + last + 1, end);
        let first = eqs[0];
        let spaced = code[..first].ends_with(' ') || code[first + 1..].starts_with(' ');
        Some((targets, value, spaced))
    }

    /// How a statement affects `name`, if it does.
    fn event(&self, s: &Stmt, name: &str) -> Option<Event> {
        let code = self.code(s.start, s.end).trim();
        for hidden in ["globals()", "vars()", "locals()", "exec(", "__dict__"] {
            if code.contains(hidden) {
                return Some(Event::Opaque(format!("`{hidden}`")));
            }
        }
        if let Some(rest) = code.strip_prefix("from ") {
            let items = rest.split_once(" import ")?.1;
            let items = items.trim().trim_start_matches('(').trim_end_matches(')');
            if items.trim() == "*" {
                return Some(Event::Opaque(format!("`{}`", code.trim())));
            }
            return imports_name(items, name).then(|| Event::Opaque(format!("`{code}`")));
        }
        if let Some(items) = code.strip_prefix("import ") {
            return imports_name(items, name).then(|| Event::Opaque(format!("`{code}`")));
        }
        if let Some(rest) = code.strip_prefix("del ") {
            return rest
                .split(',')
                .any(|t| t.trim() == name)
                .then(|| Event::Opaque(format!("`{code}`")));
        }
        if let Some(rest) = code.strip_prefix(name) {
            let op = rest.trim_start();
            let augmented = [
                "+=", "-=", "*=", "/=", "//=", "%=", "**=", ">>=", "<<=", "&=", "|=", "^=", "@=",
            ];
            if augmented.iter().any(|a| op.starts_with(a)) {
                return Some(Event::Opaque(format!("`{code}`")));
            }
        }
        let (targets, value, spaced) = self.split_assignment(s.start, s.end)?;
        for (ts, te) in targets {
            let target = self.code(ts, te);
            let target = target.split(':').next().unwrap_or("").trim();
            if target == name {
                return Some(Event::Assign {
                    expr: self.expr(value.0, value.1),
                    spaced,
                });
            }
            if mentions(target, name) && !target.contains('.') && !target.contains('[') {
                return Some(Event::Opaque(format!("unpacking into `{target}`")));
            }
        }
        None
    }
}

enum Event {
    Assign { expr: Expr, spaced: bool },
    Opaque(String),
}

/// Whether `import a, b as c` / `from m import a, b as c` binds `name`.
fn imports_name(items: &str, name: &str) -> bool {
    items.split(',').any(|item| {
        let mut parts = item.split_whitespace();
        let first = parts.next().unwrap_or("");
        let bound = match (parts.next(), parts.next()) {
            (Some("as"), Some(alias)) => alias,
            _ => first.split('.').next().unwrap_or(""),
        };
        bound == name
    })
}

/// Whether `code` contains `name` as a whole identifier.
fn mentions(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].bytes().next_back();
        let after = code[at + name.len()..].bytes().next();
        !before.is_some_and(is_ident_byte) && !after.is_some_and(is_ident_byte)
    })
}

fn is_ident_byte(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80
}

/// `target` when it is one plain name (an annotation after `:` allowed).
fn simple_target(target: &str) -> Option<&str> {
    let t = target.split(':').next()?.trim();
    let ok = !t.is_empty()
        && !t.as_bytes()[0].is_ascii_digit()
        && t.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric());
    ok.then_some(t)
}

/// Offsets of the assignment `=` signs at bracket depth 0 (not `==`, `<=`,
/// `:=`, `+=`, ...).
fn top_level_eq(code: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (i, &c) in code.iter().enumerate() {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'=' if depth == 0 => {
                let prev = i.checked_sub(1).map(|p| code[p]);
                let next = code.get(i + 1);
                let compound = prev.is_some_and(|p| b"=!<>:+-*/%&|^@".contains(&p));
                if !compound && next != Some(&b'=') {
                    out.push(i);
                }
            }
            _ => {}
        }
    }
    out
}

/// `start..end` without surrounding whitespace (per the mask).
fn trim_span(mask: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && mask[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && (mask[end - 1].is_ascii_whitespace() || mask[end - 1] == b'\\') {
        end -= 1;
    }
    (start, end)
}

/// The offset of the bracket closing the one at `open`.
fn close_of(mask: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in mask.iter().enumerate().skip(open) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A copy of `text` with string contents replaced by `_` and comments by
/// spaces (quotes kept), so only code remains; a BOM becomes spaces. Also
/// where the first string that never closes starts.
fn mask(text: &str) -> (Vec<u8>, Option<usize>) {
    let b = text.as_bytes();
    let mut m = b.to_vec();
    let bom = text::bom_len(text);
    m[..bom].fill(b' ');
    let mut i = bom;
    let mut open = None;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    m[i] = b' ';
                    i += 1;
                }
            }
            q @ (b'\'' | b'"') => {
                let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
                let quote = if triple { 3 } else { 1 };
                let start = i;
                i += quote;
                let mut closed = false;
                while i < b.len() {
                    if b[i] == b'\\' {
                        m[i] = b'_';
                        if let Some(x) = m.get_mut(i + 1) {
                            *x = b'_';
                        }
                        i += 2;
                    } else if b[i] == q && (!triple || b[i..].starts_with(&[q, q, q])) {
                        i += quote;
                        closed = true;
                        break;
                    } else if b[i] == b'\n' && !triple {
                        break;
                    } else {
                        m[i] = b'_';
                        i += 1;
                    }
                }
                if !closed {
                    open.get_or_insert(start);
                }
            }
            _ => i += 1,
        }
    }
    (m, open)
}

/// The first bracket of the masked text that is never closed, or closed
/// by the wrong kind, or a closing one that closes nothing.
fn open_bracket(mask: &[u8]) -> Option<usize> {
    let mut stack: Vec<(usize, u8)> = Vec::new();
    for (i, &c) in mask.iter().enumerate() {
        let want = match c {
            b'(' | b'[' | b'{' => {
                stack.push((i, c));
                continue;
            }
            b')' => b'(',
            b']' => b'[',
            b'}' => b'{',
            _ => continue,
        };
        match stack.pop() {
            Some((_, open)) if open == want => {}
            Some((at, _)) => return Some(at),
            None => return Some(i),
        }
    }
    stack.first().map(|(at, _)| *at)
}

/// The statements of a masked module with the block each sits in.
fn statements(text: &str, mask: &[u8]) -> Vec<Stmt> {
    let mut out = Vec::new();
    // Open blocks: (indent, context inside).
    let mut stack: Vec<(usize, Ctx)> = Vec::new();
    let bom = text::bom_len(text);
    for (start, end) in logical_lines(mask) {
        let indent = indent_width(&mask[start.max(bom).min(end)..end]);
        let (s, e) = trim_span(mask, start, end);
        if s == e {
            continue;
        }
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let ctx = current(&stack);
        let line_end = line_end_of(mask, e);
        let code = std::str::from_utf8(&mask[s..e]).unwrap_or("");
        match header(code) {
            Some((keyword, colon)) => {
                let line = text::line_of(text, s);
                let inner = match keyword {
                    "def" => Ctx::Function,
                    "async" if code.starts_with("async def") => Ctx::Function,
                    "class" => Ctx::Class,
                    _ => Ctx::Conditional {
                        keyword: keyword.to_string(),
                        line,
                    },
                };
                let inner = combine(&ctx, inner);
                out.push(Stmt {
                    start: s,
                    end: s + colon,
                    ctx: ctx.clone(),
                    line_end,
                });
                split_statements(mask, s + colon + 1, e, &inner, line_end, &mut out);
                stack.push((indent, inner));
            }
            None => split_statements(mask, s, e, &ctx, line_end, &mut out),
        }
    }
    out
}

/// The context of the innermost open block.
fn current(stack: &[(usize, Ctx)]) -> Ctx {
    stack.last().map_or(Ctx::Module, |(_, c)| c.clone())
}

/// A block inside `outer`: functions and classes shadow conditionals
/// around them, and a conditional inside a function stays a function.
fn combine(outer: &Ctx, inner: Ctx) -> Ctx {
    match (outer, inner) {
        (Ctx::Function, _) => Ctx::Function,
        (Ctx::Class, Ctx::Conditional { .. }) => Ctx::Class,
        (Ctx::Conditional { keyword, line }, Ctx::Conditional { .. }) => Ctx::Conditional {
            keyword: keyword.clone(),
            line: *line,
        },
        (_, inner) => inner,
    }
}

/// `;`-separated statements of `mask[start..end]`.
fn split_statements(
    mask: &[u8],
    start: usize,
    end: usize,
    ctx: &Ctx,
    line_end: usize,
    out: &mut Vec<Stmt>,
) {
    let mut depth = 0usize;
    let mut from = start;
    for i in start..=end {
        let c = if i < end { mask[i] } else { b';' };
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b';' if depth == 0 => {
                let (s, e) = trim_span(mask, from, i);
                if s < e {
                    out.push(Stmt {
                        start: s,
                        end: e,
                        ctx: ctx.clone(),
                        line_end,
                    });
                }
                from = i + 1;
            }
            _ => {}
        }
    }
}

/// A compound statement's keyword and the offset of its header's colon.
fn header(code: &str) -> Option<(&'static str, usize)> {
    let word_end = code
        .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
        .unwrap_or(code.len());
    let keyword = *COMPOUND.iter().find(|k| **k == &code[..word_end])?;
    let b = code.as_bytes();
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(word_end) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b':' if depth == 0 && b.get(i + 1) != Some(&b'=') => return Some((keyword, i)),
            // `match = 3`: a name, not a statement.
            b'=' if depth == 0
                && b.get(i + 1) != Some(&b'=')
                && !(i > 0 && b"=!<>".contains(&b[i - 1])) =>
            {
                return None
            }
            _ => {}
        }
    }
    None
}

/// Logical lines of the masked text: physical lines joined inside
/// brackets and after a backslash.
fn logical_lines(mask: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < mask.len() {
        match mask[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'\\' if matches!(mask.get(i + 1), Some(b'\n')) => i += 1,
            b'\\' if mask.get(i + 1) == Some(&b'\r') && mask.get(i + 2) == Some(&b'\n') => i += 2,
            b'\n' if depth == 0 => {
                out.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < mask.len() {
        out.push((start, mask.len()));
    }
    out
}

/// The end of the physical line holding `offset` (before its break).
fn line_end_of(mask: &[u8], offset: usize) -> usize {
    let end = mask[offset.min(mask.len())..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(mask.len(), |p| offset + p);
    if end > 0 && mask.get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

/// Leading whitespace width, tabs to the next multiple of 8.
fn indent_width(line: &[u8]) -> usize {
    let mut w = 0;
    for &c in line {
        match c {
            b' ' => w += 1,
            b'\t' => w = (w / 8 + 1) * 8,
            b'\x0c' => w = 0,
            _ => break,
        }
    }
    w
}

#[cfg(test)]
mod tests;
