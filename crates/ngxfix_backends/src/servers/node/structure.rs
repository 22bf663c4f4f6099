//! Reading a source's structure: the modules it imports, the servers it
//! creates, and the assignments and options that set their timeouts.

use super::*;

/// An imported name: `local` is bound to `imported` (None: the module
/// itself or its default export) of `module`.
#[derive(Debug, Clone)]
pub(super) struct Binding {
    local: String,
    imported: Option<String>,
    module: String,
}

const HTTP_MODULES: &[&str] = &["http", "https", "node:http", "node:https"];

/// `import x from 'm'`, `import * as x from 'm'`, `import { a, b as c }
/// from 'm'`, `const x = require('m')`, `const { a, b: c } = require('m')`.
pub(super) fn bindings(t: &Tokens<'_>) -> Vec<Binding> {
    let mut out = Vec::new();
    for i in 0..t.len() {
        if t.is(i, "import") && !t.is(i + 1, "(") && !t.is(i.wrapping_sub(1), ".") {
            import_bindings(t, i, &mut out);
        }
        if t.is(i, "require") && t.is(i + 1, "(") && t.is(i + 3, ")") {
            if let Some(module) = t.str_value(i + 2) {
                require_bindings(t, i, module, &mut out);
            }
        }
    }
    out
}

fn import_bindings(t: &Tokens<'_>, at: usize, out: &mut Vec<Binding>) {
    let mut end = at + 1;
    while end < t.len() && !t.is(end, ";") && t.kind(end) != Some(Kind::Str) {
        end += 1;
    }
    let Some(module) = t.str_value(end) else {
        return;
    };
    let mut i = at + 1;
    let mut in_braces = false;
    while i < end {
        let s = t.s(i);
        match s {
            "{" => in_braces = true,
            "}" => in_braces = false,
            "*" if t.is(i + 1, "as") => {
                push_binding(out, t.s(i + 2), None, module);
                i += 2;
            }
            _ if t.kind(i) == Some(Kind::Ident) && !matches!(s, "from" | "type" | "as") => {
                if in_braces {
                    let local = if t.is(i + 1, "as") { t.s(i + 2) } else { s };
                    push_binding(out, local, Some(s), module);
                    if t.is(i + 1, "as") {
                        i += 2;
                    }
                } else {
                    push_binding(out, s, None, module);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

fn require_bindings(t: &Tokens<'_>, at: usize, module: &str, out: &mut Vec<Binding>) {
    if !t.is(at.wrapping_sub(1), "=") || at < 2 {
        return;
    }
    let before = at - 2;
    if t.kind(before) == Some(Kind::Ident) {
        push_binding(out, t.s(before), None, module);
    } else if t.is(before, "}") {
        let Some(open) = t.partner[before] else {
            return;
        };
        let mut i = open + 1;
        while i < before {
            if t.kind(i) == Some(Kind::Ident) {
                let (local, skip) = if t.is(i + 1, ":") {
                    (t.s(i + 2), 2)
                } else {
                    (t.s(i), 0)
                };
                push_binding(out, local, Some(t.s(i)), module);
                i += skip;
            }
            i += 1;
        }
    }
}

fn push_binding(out: &mut Vec<Binding>, local: &str, imported: Option<&str>, module: &str) {
    out.push(Binding {
        local: local.to_string(),
        imported: imported.map(str::to_string),
        module: module.to_string(),
    });
}

fn binding<'b>(bindings: &'b [Binding], local: &str) -> Option<&'b Binding> {
    bindings.iter().rev().find(|b| b.local == local)
}

/// Whether `name` is the http or https module (bound so, or by its usual
/// name when the file does not say).
fn is_http_module(bindings: &[Binding], name: &str) -> bool {
    match binding(bindings, name) {
        Some(b) => b.imported.is_none() && HTTP_MODULES.contains(&b.module.as_str()),
        None => name == "http" || name == "https",
    }
}

/// Whether the bare name `name` is the http module's export `export`.
fn is_http_export(t: &Tokens<'_>, bindings: &[Binding], name: &str, export: &str) -> bool {
    match binding(bindings, name) {
        Some(b) => {
            b.imported.as_deref() == Some(export) && HTTP_MODULES.contains(&b.module.as_str())
        }
        None => (0..t.len()).any(|i| t.str_value(i).is_some_and(|s| HTTP_MODULES.contains(&s))),
    }
}

const NOT_CHAIN_ROOTS: &[&str] = &[
    "return",
    "typeof",
    "new",
    "await",
    "if",
    "else",
    "case",
    "in",
    "of",
    "void",
    "delete",
    "throw",
    "yield",
    "const",
    "let",
    "var",
    "export",
    "instanceof",
    "function",
    "async",
];

/// The first token of the member chain whose last token is `last`
/// (`this.app.server`, `(server as any)`, `getServer()`, `server!`).
fn chain_start(t: &Tokens<'_>, last: usize) -> Option<usize> {
    let mut k = last;
    loop {
        while t.is(k, "!") && k > 0 {
            k -= 1;
        }
        let mut start = match t.kind(k)? {
            Kind::Ident if !NOT_CHAIN_ROOTS.contains(&t.s(k)) => k,
            Kind::Punct if matches!(t.s(k), ")" | "]") => t.partner[k]?,
            _ => return None,
        };
        if t.is(start, "(") || t.is(start, "[") {
            let callee = start.checked_sub(1);
            if let Some(c) = callee.filter(|&c| {
                !t.toks[start].newline_before
                    && (matches!(t.s(c), ")" | "]")
                        || t.kind(c) == Some(Kind::Ident) && !NOT_CHAIN_ROOTS.contains(&t.s(c)))
            }) {
                k = c;
                if t.kind(c) == Some(Kind::Ident) {
                    start = c;
                } else {
                    continue;
                }
            }
        }
        match start.checked_sub(1) {
            Some(dot) if t.is(dot, ".") || t.is(dot, "?.") => k = dot.checked_sub(1)?,
            _ => return Some(start),
        }
    }
}

/// The source text of tokens `first..=last`, whitespace collapsed.
fn chain_text(t: &Tokens<'_>, first: usize, last: usize) -> String {
    let raw = &t.text[t.toks[first].start..t.toks[last].end];
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How an assignment statement sits in its code.
#[derive(Debug, PartialEq, Eq)]
enum Context {
    Statement,
    Conditional,
    /// Part of a larger expression (`a && (s.x = 1)`).
    Expression,
}

fn context(t: &Tokens<'_>, parents: &[Option<usize>], first: usize) -> Context {
    let mut p = parents[first];
    while let Some(o) = p {
        if t.is(o, "{") && opens_conditional(t, o) {
            return Context::Conditional;
        }
        p = parents[o];
    }
    let Some(prev) = first.checked_sub(1) else {
        return Context::Statement;
    };
    match t.s(prev) {
        ";" | "{" | "}" | ":" | "do" => Context::Statement,
        "else" => Context::Conditional,
        ")" if t.partner[prev].is_some_and(|o| follows_condition(t, o)) => Context::Conditional,
        _ if t.toks[first].newline_before
            && (t.kind(prev) != Some(Kind::Punct) || matches!(t.s(prev), ")" | "]")) =>
        {
            Context::Statement
        }
        _ => Context::Expression,
    }
}

/// Whether the `(` at `open` holds the condition of `if`, a loop, `switch`,
/// `catch` or `with`.
fn follows_condition(t: &Tokens<'_>, open: usize) -> bool {
    open.checked_sub(1)
        .is_some_and(|k| matches!(t.s(k), "if" | "while" | "for" | "switch" | "catch" | "with"))
}

/// Whether the `{` at `o` opens the body of a conditional or a loop.
fn opens_conditional(t: &Tokens<'_>, o: usize) -> bool {
    let Some(prev) = o.checked_sub(1) else {
        return false;
    };
    match t.s(prev) {
        "else" => true,
        ")" => t.partner[prev].is_some_and(|open| follows_condition(t, open)),
        _ => false,
    }
}

/// Whether token `i` sits directly in a class body, where no statement
/// can be added.
pub(super) fn in_class_body(t: &Tokens<'_>, i: usize) -> bool {
    let Some(open) = parents(t)[i] else {
        return false;
    };
    if !t.is(open, "{") {
        return false;
    }
    (0..open)
        .rev()
        .take_while(|&k| t.kind(k) == Some(Kind::Ident) || matches!(t.s(k), "." | "," | "<" | ">"))
        .any(|k| t.is(k, "class"))
}

/// For each token, its innermost enclosing bracket.
fn parents(t: &Tokens<'_>) -> Vec<Option<usize>> {
    let mut out = vec![None; t.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, slot) in out.iter_mut().enumerate() {
        while stack
            .last()
            .is_some_and(|&o| t.partner[o].is_some_and(|c| c < i))
        {
            stack.pop();
        }
        *slot = stack.last().copied();
        if matches!(t.s(i), "(" | "[" | "{") && t.partner[i].is_some_and(|c| c > i) {
            stack.push(i);
        }
    }
    out
}

/// `x.keepAliveTimeout = v` (also `x["keepAliveTimeout"] = v`) and the other
/// settings, and `x.setTimeout(...)`, in source order.
pub(super) fn assignments(t: &Tokens<'_>) -> Vec<Setting> {
    let parents = parents(t);
    let mut out = Vec::new();
    for i in 0..t.len() {
        let (prop, chain_last, after) =
            if t.kind(i) == Some(Kind::Ident) && t.is(i.wrapping_sub(1), ".") {
                match Prop::from_name(t.s(i)) {
                    Some(p) => (p, i.wrapping_sub(2), i + 1),
                    None => {
                        if t.s(i) == "setTimeout" && t.is(i + 1, "(") {
                            if let Some(s) = set_timeout_call(t, i) {
                                out.push(s);
                            }
                        }
                        continue;
                    }
                }
            } else if t.is(i.wrapping_sub(1), "[") && t.is(i + 1, "]") {
                match t.str_value(i).and_then(Prop::from_name) {
                    Some(p) => (p, i.wrapping_sub(2), i + 2),
                    None => continue,
                }
            } else {
                continue;
            };
        let op = t.s(after);
        let simple = t.is(after, "=");
        let compound = t.kind(after) == Some(Kind::Punct)
            && op.len() >= 2
            && op.ends_with('=')
            && !matches!(op, "==" | "===" | "!=" | "!==" | "<=" | ">=" | "=>");
        if !simple && !compound {
            continue;
        }
        let Some(first) = chain_start(t, chain_last) else {
            continue;
        };
        out.push(assignment(
            t, &parents, prop, first, chain_last, after, compound,
        ));
    }
    out
}

fn assignment(
    t: &Tokens<'_>,
    parents: &[Option<usize>],
    prop: Prop,
    first: usize,
    chain_last: usize,
    op: usize,
    compound: bool,
) -> Setting {
    let target = chain_text(t, first, chain_last);
    let (value, end) = eval::evaluate(t, op + 1);
    let value_last = end.saturating_sub(1).max(op);
    let semicolon = t.is(end, ";");
    let line = line_of(t.text, t.toks[first].start);
    let stmt = snippet(t, first, value_last);
    let value = match context(t, parents, first) {
        _ if compound => Err(Unreadable::Computed {
            stmt: stmt.clone(),
            line,
        }),
        Context::Conditional => Err(Unreadable::Conditional {
            stmt: stmt.clone(),
            line,
        }),
        Context::Expression => Err(Unreadable::InExpression {
            stmt: stmt.clone(),
            line,
        }),
        Context::Statement => value.map_err(|e| not_literal_why(&stmt, line, &e, t, op + 1, end)),
    };
    Setting {
        prop,
        value,
        line,
        stmt,
        place: Place::Assign {
            target,
            first,
            last: if semicolon { end } else { value_last },
            semicolon,
        },
        order: first + 1,
    }
}

fn set_timeout_call(t: &Tokens<'_>, name: usize) -> Option<Setting> {
    let first = chain_start(t, name.checked_sub(2)?)?;
    let close = t.partner[name + 1]?;
    let stmt = snippet(t, first, close);
    Some(Setting {
        prop: Prop::Timeout,
        value: Err(Unreadable::SocketTimeout { stmt: stmt.clone() }),
        line: line_of(t.text, t.toks[first].start),
        stmt,
        place: Place::Call {
            target: chain_text(t, first, name - 2),
        },
        order: first + 1,
    })
}

/// The creations of servers in the file, and `x.listen(...)` calls whose
/// server is not kept.
pub(super) fn creations(
    t: &Tokens<'_>,
    bindings: &[Binding],
) -> (Vec<Creation>, Vec<(usize, String)>) {
    let mut out: Vec<Creation> = Vec::new();
    for i in 0..t.len() {
        if let Some((maker, start, open)) = maker_at(t, bindings, i) {
            if let Some(c) = creation(t, maker, start, open) {
                out.push(c);
            }
        }
    }
    let mut unassigned = Vec::new();
    for i in 0..t.len() {
        if !(t.is(i, "listen") && t.is(i.wrapping_sub(1), ".") && t.is(i + 1, "(")) {
            continue;
        }
        let Some(start) = chain_start(t, i.wrapping_sub(2)) else {
            continue;
        };
        // `http.createServer(app).listen()` is the server already found;
        // `server.listen()` listens on one.
        let root = t.s(start);
        let known = out
            .iter()
            .any(|c| c.first <= start && start <= c.last || c.name.as_deref() == Some(root));
        if known {
            continue;
        }
        match creation(t, Maker::Http, start, i + 1) {
            Some(c) if c.name.is_some() => out.push(c),
            _ => unassigned.push((
                line_of(t.text, t.toks[start].start),
                chain_text(t, start, i),
            )),
        }
    }
    out.sort_by_key(|c| c.first);
    (out, unassigned)
}

/// A call at token `i` that makes a server: what makes it, the callee's
/// first token and the call's `(`.
fn maker_at(t: &Tokens<'_>, bindings: &[Binding], i: usize) -> Option<(Maker, usize, usize)> {
    if t.kind(i) != Some(Kind::Ident) {
        return None;
    }
    let name = t.s(i);
    let member = t.is(i.wrapping_sub(1), ".");
    let defined = t.is(i.wrapping_sub(1), "function")
        || t.partner
            .get(i + 1)
            .copied()
            .flatten()
            .is_some_and(|c| t.is(c + 1, "{"));
    if defined {
        return None;
    }
    match name {
        "createServer" if t.is(i + 1, "(") => {
            let ok = if member {
                i >= 2
                    && t.kind(i - 2) == Some(Kind::Ident)
                    && !t.is(i.wrapping_sub(3), ".")
                    && is_http_module(bindings, t.s(i - 2))
            } else {
                is_http_export(t, bindings, name, "createServer")
            };
            ok.then(|| (Maker::Http, if member { i - 2 } else { i }, i + 1))
        }
        "Server" if t.is(i + 1, "(") => {
            let (ok, new_at) = if member {
                let ok = i >= 3
                    && t.kind(i - 2) == Some(Kind::Ident)
                    && t.is(i - 3, "new")
                    && is_http_module(bindings, t.s(i - 2));
                (ok, i.saturating_sub(3))
            } else {
                let ok = t.is(i.wrapping_sub(1), "new")
                    && binding(bindings, name).is_some_and(|b| {
                        b.imported.as_deref() == Some("Server")
                            && HTTP_MODULES.contains(&b.module.as_str())
                    });
                (ok, i.saturating_sub(1))
            };
            ok.then_some((Maker::Http, new_at, i + 1))
        }
        "require"
            if t.str_value(i + 2) == Some("fastify") && t.is(i + 3, ")") && t.is(i + 4, "(") =>
        {
            Some((Maker::Fastify, i, i + 4))
        }
        _ if !member && t.is(i + 1, "(") => {
            let b = binding(bindings, name)?;
            let fastify = b.module == "fastify"
                && (b.imported.is_none() || b.imported.as_deref() == Some("fastify"));
            fastify.then_some((Maker::Fastify, i, i + 1))
        }
        _ => None,
    }
}

/// The creation whose callee starts at `start` and whose call opens at
/// `open`: its name, options and statement.
fn creation(t: &Tokens<'_>, maker: Maker, start: usize, open: usize) -> Option<Creation> {
    let close = t.partner[open]?;
    let mut last = close;
    while t.is(last + 1, ".") && t.kind(last + 2) == Some(Kind::Ident) && t.is(last + 3, "(") {
        last = t.partner[last + 3]?;
    }
    let semicolon = t.is(last + 1, ";");
    let options = options_object(t, open);
    let maker = match maker {
        Maker::Fastify => fastify_kind(t, options),
        m => m,
    };
    let (name, first) = match assigned_name(t, start) {
        Some((name, first)) => (Some(name), first),
        None => (None, start),
    };
    Some(Creation {
        maker,
        name,
        callee: chain_text(t, start, open - 1),
        line: line_of(t.text, t.toks[start].start),
        options,
        first,
        last: if semicolon { last + 1 } else { last },
        semicolon,
    })
}

fn fastify_kind(t: &Tokens<'_>, options: Option<usize>) -> Maker {
    let Some(object) = options else {
        return Maker::Fastify;
    };
    for (key, value) in object_props(t, object) {
        match t.s(key) {
            "http2" if t.is(value, "true") => {
                return Maker::Unsupported("fastify({ http2: true }) makes an HTTP/2 server, whose idle handling ngxfix does not read".into())
            }
            "serverFactory" => return Maker::Unsupported("fastify's serverFactory makes the server".into()),
            _ => {}
        }
    }
    Maker::Fastify
}

/// The variable a call starting at `start` is assigned to, and the
/// statement's first token: `const server = ...`, `server = ...`,
/// `this.server = ...`, `const server: http.Server = ...`.
fn assigned_name(t: &Tokens<'_>, start: usize) -> Option<(String, usize)> {
    let mut j = start;
    if t.is(j.wrapping_sub(1), "await") {
        j -= 1;
    }
    let eq = j.checked_sub(1)?;
    if !t.is(eq, "=") {
        return None;
    }
    // A TypeScript annotation: `const name: Type =`.
    let annotated = (eq.saturating_sub(12)..eq)
        .rev()
        .take_while(|&k| !matches!(t.s(k), ";" | "{" | "}" | "="))
        .find(|&k| {
            t.is(k, ":")
                && t.kind(k.wrapping_sub(1)) == Some(Kind::Ident)
                && is_declaration(t, k.wrapping_sub(2))
        });
    let (name, first) = match annotated {
        Some(colon) => (t.s(colon - 1).to_string(), colon - 1),
        None => {
            let first = chain_start(t, eq.checked_sub(1)?)?;
            (chain_text(t, first, eq - 1), first)
        }
    };
    let mut first = first;
    if is_declaration(t, first.wrapping_sub(1)) {
        first -= 1;
    }
    if t.is(first.wrapping_sub(1), "export") {
        first -= 1;
    }
    Some((name, first))
}

fn is_declaration(t: &Tokens<'_>, i: usize) -> bool {
    matches!(t.s(i), "const" | "let" | "var") && t.kind(i) == Some(Kind::Ident)
}

/// The options object of the call opening at `open`: an object literal
/// first argument, or a variable declared as one.
fn options_object(t: &Tokens<'_>, open: usize) -> Option<usize> {
    let arg = open + 1;
    if t.is(arg, "{") {
        return Some(arg);
    }
    if t.kind(arg) != Some(Kind::Ident) || !(t.is(arg + 1, ",") || t.is(arg + 1, ")")) {
        return None;
    }
    let name = t.s(arg);
    (0..t.len()).find_map(|k| {
        if !(t.kind(k) == Some(Kind::Ident)
            && t.s(k) == name
            && is_declaration(t, k.wrapping_sub(1)))
        {
            return None;
        }
        let eq = (k + 1..t.len().min(k + 12)).find(|&e| t.is(e, "=") || t.is(e, ";"))?;
        (t.is(eq, "=") && t.is(eq + 1, "{")).then_some(eq + 1)
    })
}

/// The top-level items of the object literal opening at `object`: each
/// item's first and last token.
pub(super) fn object_items(t: &Tokens<'_>, object: usize) -> Vec<(usize, usize)> {
    let Some(close) = t.partner[object] else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let mut first = object + 1;
    let mut i = object + 1;
    while i < close {
        if t.is(i, ",") {
            if i > first {
                items.push((first, i - 1));
            }
            first = i + 1;
        } else if matches!(t.s(i), "(" | "[" | "{") {
            if let Some(p) = t.partner[i].filter(|&p| p < close) {
                i = p;
            }
        }
        i += 1;
    }
    if close > first {
        items.push((first, close - 1));
    }
    items
}

/// The properties of an object literal: key token and the value's first
/// token (the key itself for shorthand).
pub(super) fn object_props(t: &Tokens<'_>, object: usize) -> Vec<(usize, usize)> {
    object_items(t, object)
        .into_iter()
        .filter_map(|(first, last)| {
            let keyed = matches!(t.kind(first), Some(Kind::Ident | Kind::Str));
            if keyed && t.is(first + 1, ":") && first + 2 <= last {
                Some((first, first + 2))
            } else if keyed && first == last {
                Some((first, first))
            } else {
                None
            }
        })
        .collect()
}
