//! Text templates in rule files: `"keepalive_timeout {backend.idle_timeout -
//! param.margin}"`. A `{...}` holds an expression: references (`param.NAME`,
//! `arg.N`, `args`, `name`, `upstream.name`, `backend.idle_timeout`,
//! `backend.name`, `effective.DIRECTIVE`, `default.DIRECTIVE`,
//! `nginx.version`, `refused.message`, `include.path`), literals (`1s`, `512k`, `32`), `+` and `-`, and
//! `min(a, b)` / `max(a, b)`. Durations print in nginx notation (`4s`,
//! `1500ms`); `{{` and `}}` are literal braces.

use std::fmt;

use serde::Deserialize;

use crate::model::{Duration, Size, TimeSlot};

/// A value an expression yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Duration(Duration),
    Size(Size),
    Number(i64),
    Text(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Duration(d) => d.fmt(f),
            Value::Size(s) => s.fmt(f),
            Value::Number(n) => n.fmt(f),
            Value::Text(t) => f.write_str(t),
        }
    }
}

impl Value {
    /// Read a literal: a plain integer is a number, then a duration with a
    /// unit, then a size, else text.
    pub(crate) fn literal(text: &str) -> Value {
        Value::quantity(text).unwrap_or_else(|| Value::Text(text.to_string()))
    }

    /// Whether a literal reads as a number, duration or size.
    pub(crate) fn is_quantity(text: &str) -> bool {
        Value::quantity(text).is_some()
    }

    /// The number, duration or size a literal reads as, if any; without
    /// copying the text, which matters where two words are compared.
    fn quantity(text: &str) -> Option<Value> {
        let trimmed = text.trim();
        if let Ok(n) = trimmed.parse::<i64>() {
            return Some(Value::Number(n));
        }
        let has_unit = trimmed.chars().any(|c| c.is_ascii_alphabetic());
        if has_unit && trimmed.starts_with(|c: char| c.is_ascii_digit()) {
            if let Ok(d) = Duration::parse(trimmed, TimeSlot::Milliseconds) {
                return Some(Value::Duration(d));
            }
            if let Ok(s) = Size::parse(trimmed) {
                return Some(Value::Size(s));
            }
        }
        None
    }
}

/// What a reference resolves against; implemented by the matcher.
pub trait Scope {
    /// The value of a reference such as `param.margin`, `None` if it has no
    /// value here (e.g. `backend.idle_timeout` with no backend declared).
    fn lookup(&self, path: &[String]) -> Option<Value>;
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("{0} has no value here")]
    Missing(String),
    #[error("cannot compute {0}")]
    Type(String),
}

/// Why a template's text does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `}` that closes no `{`.
    #[error("unmatched `}}` in template \"{text}\" (write `}}}}` for a brace)")]
    UnmatchedClose { text: String },
    /// A `{` with no `}` after it.
    #[error("unclosed `{{` in template \"{text}\"")]
    Unclosed { text: String },
    /// The expression `{inner}` in the template does not parse.
    #[error("in template \"{text}\", `{{{inner}}}`: {why}")]
    Expr {
        text: String,
        inner: String,
        why: ExprError,
    },
}

/// Why an expression inside a template's `{...}` does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    /// A token left over after a whole expression.
    #[error("unexpected `{0}`")]
    Trailing(String),
    /// A character no token starts with.
    #[error("unexpected character `{0}`")]
    Character(char),
    /// Nothing between the braces.
    #[error("empty expression")]
    Empty,
    /// A token other than the one the grammar needs (`None`: the end).
    #[error("expected `{expected}`, found {}", found.as_deref().map_or("the end".to_string(), |t| format!("`{t}`")))]
    Expected {
        expected: String,
        found: Option<String>,
    },
    /// The expression ends where a value should be.
    #[error("expected a value, found the end")]
    NoValue,
    /// A literal that starts with a digit but is no number, duration or size.
    #[error("`{0}` is not a number, duration or size")]
    NotANumber(String),
    /// A reference whose root is not one of [`ROOTS`].
    #[error("unknown reference `{0}` (references start with {roots})", roots = ROOTS.join(", "))]
    UnknownReference(String),
    /// A reference with an empty part (`param..x`, `param.`).
    #[error("malformed reference `{0}`")]
    MalformedReference(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Literal(Value),
    Ref(Vec<String>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    /// A quantity times a plain number.
    Mul(Box<Expr>, Box<Expr>),
    /// A quantity divided by a plain number (rounded down).
    Div(Box<Expr>, Box<Expr>),
    Min(Box<Expr>, Box<Expr>),
    Max(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Expr(Expr),
}

/// A parsed template. In TOML it is a string, or a number (`ge = 2`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Source")]
pub struct Template {
    parts: Vec<Part>,
    source: String,
}

/// The roots a reference may start with.
pub(crate) const ROOTS: &[&str] = &[
    "param",
    "arg",
    "args",
    "name",
    "upstream",
    "backend",
    "front_lb",
    "effective",
    "default",
    "nginx",
    "refused",
    "include",
    "unknown_variable",
    "inconsistent_variable",
    "regex",
    "dropped",
    "tree",
    "listen",
    "parent",
];

/// What a template is written as.
#[derive(Deserialize)]
#[serde(untagged, expecting = "a string or a number")]
enum Source {
    Text(String),
    Integer(i64),
}

impl TryFrom<Source> for Template {
    type Error = TemplateError;

    fn try_from(source: Source) -> Result<Self, TemplateError> {
        match source {
            Source::Text(text) => Template::parse(&text),
            Source::Integer(n) => Template::parse(&n.to_string()),
        }
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Template {
    /// Parse `text`; the error says what is wrong and where in the text.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(['{', '}']) {
            literal.push_str(&rest[..i]);
            let brace = &rest[i..];
            if let Some(after) = brace.strip_prefix("{{") {
                literal.push('{');
                rest = after;
            } else if let Some(after) = brace.strip_prefix("}}") {
                literal.push('}');
                rest = after;
            } else if brace.starts_with('}') {
                return Err(TemplateError::UnmatchedClose {
                    text: text.to_string(),
                });
            } else {
                let end = brace.find('}').ok_or_else(|| TemplateError::Unclosed {
                    text: text.to_string(),
                })?;
                let inner = &brace[1..end];
                let expr = parse_expr(inner).map_err(|why| TemplateError::Expr {
                    text: text.to_string(),
                    inner: inner.to_string(),
                    why,
                })?;
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(Part::Expr(expr));
                rest = &brace[end + 1..];
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template {
            parts,
            source: text.to_string(),
        })
    }

    /// The template's source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every reference the template uses, as dotted paths.
    pub fn references(&self) -> Vec<Vec<String>> {
        fn collect(expr: &Expr, out: &mut Vec<Vec<String>>) {
            match expr {
                Expr::Literal(_) => {}
                Expr::Ref(path) => out.push(path.clone()),
                Expr::Add(a, b)
                | Expr::Sub(a, b)
                | Expr::Mul(a, b)
                | Expr::Div(a, b)
                | Expr::Min(a, b)
                | Expr::Max(a, b) => {
                    collect(a, out);
                    collect(b, out);
                }
            }
        }
        let mut out = Vec::new();
        for part in &self.parts {
            if let Part::Expr(expr) = part {
                collect(expr, &mut out);
            }
        }
        out
    }

    /// When the template is a single expression, its value (typed); else
    /// the rendered text.
    pub(crate) fn evaluate(&self, scope: &dyn Scope) -> Result<Value, EvalError> {
        match self.parts.as_slice() {
            [Part::Expr(expr)] => eval(expr, scope),
            [Part::Text(text)] => Ok(Value::Text(text.clone())),
            _ => self.render(scope).map(Value::Text),
        }
    }

    /// The template's text when it holds no expression.
    pub(crate) fn as_text(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Text(text)] => Some(text),
            _ => None,
        }
    }

    /// The text with every expression replaced by its value.
    pub fn render(&self, scope: &dyn Scope) -> Result<String, EvalError> {
        // A lone reference to a text (`{listen.socket}`, a peers key asked
        // of every listen) is that text, not a copy of it.
        if let [Part::Expr(expr)] = self.parts.as_slice() {
            return eval(expr, scope).map(|value| match value {
                Value::Text(text) => text,
                other => other.to_string(),
            });
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Expr(expr) => out.push_str(&eval(expr, scope)?.to_string()),
            }
        }
        Ok(out)
    }
}

fn eval(expr: &Expr, scope: &dyn Scope) -> Result<Value, EvalError> {
    Ok(match expr {
        Expr::Literal(value) => value.clone(),
        Expr::Ref(path) => scope
            .lookup(path)
            .ok_or_else(|| EvalError::Missing(path.join(".")))?,
        Expr::Add(a, b) => arith(eval(a, scope)?, eval(b, scope)?, true)?,
        Expr::Sub(a, b) => arith(eval(a, scope)?, eval(b, scope)?, false)?,
        Expr::Mul(a, b) => scale(eval(a, scope)?, eval(b, scope)?, true)?,
        Expr::Div(a, b) => scale(eval(a, scope)?, eval(b, scope)?, false)?,
        Expr::Min(a, b) | Expr::Max(a, b) => {
            let (x, y) = (eval(a, scope)?, eval(b, scope)?);
            let ordering = compare(&x, &y)
                .ok_or_else(|| EvalError::Type(format!("min/max of {x} and {y}")))?;
            let first = matches!(expr, Expr::Min(..)) == ordering.is_le();
            if first {
                x
            } else {
                y
            }
        }
    })
}

/// Numbers stand for seconds next to durations and bytes next to sizes.
fn coerce(value: &Value, like: &Value) -> Option<Value> {
    match (value, like) {
        (Value::Number(n), Value::Duration(_)) if *n >= 0 => {
            Some(Value::Duration(Duration::from_secs(*n as u64)))
        }
        (Value::Number(n), Value::Size(_)) if *n >= 0 => {
            Some(Value::Size(Size::from_bytes(*n as u64)))
        }
        (Value::Text(t), Value::Duration(_)) => Duration::parse(t, TimeSlot::Milliseconds)
            .ok()
            .map(Value::Duration),
        (Value::Text(t), Value::Size(_)) => Size::parse(t).ok().map(Value::Size),
        (Value::Text(t), Value::Number(_)) => t.trim().parse().ok().map(Value::Number),
        _ => Some(value.clone()),
    }
}

fn arith(a: Value, b: Value, add: bool) -> Result<Value, EvalError> {
    // Two texts (two parameters) read as literals, as in `compare`.
    let (a, b) = match (&a, &b) {
        (Value::Text(x), Value::Text(y)) => (Value::literal(x), Value::literal(y)),
        _ => (a, b),
    };
    let b2 = coerce(&b, &a).unwrap_or(b.clone());
    let a2 = coerce(&a, &b2).unwrap_or(a.clone());
    let op = if add { "+" } else { "-" };
    match (&a2, &b2) {
        (Value::Duration(x), Value::Duration(y)) => Ok(Value::Duration(if add {
            x.saturating_add(*y)
        } else {
            x.saturating_sub(*y)
        })),
        (Value::Size(x), Value::Size(y)) => {
            let (x, y) = (x.as_bytes(), y.as_bytes());
            Ok(Value::Size(Size::from_bytes(if add {
                x.saturating_add(y)
            } else {
                x.saturating_sub(y)
            })))
        }
        (Value::Number(x), Value::Number(y)) => Ok(Value::Number(if add { x + y } else { x - y })),
        _ => Err(EvalError::Type(format!("{a} {op} {b}"))),
    }
}

/// A duration, size or number times (or divided by) a plain number.
fn scale(a: Value, b: Value, mul: bool) -> Result<Value, EvalError> {
    let read = |v: Value| match v {
        Value::Text(text) => Value::literal(&text),
        other => other,
    };
    let (a, b) = (read(a), read(b));
    let op = if mul { "*" } else { "/" };
    // Multiplication takes the number on either side.
    let (quantity, factor) = match (&a, &b) {
        (q, Value::Number(n)) => (q, *n),
        (Value::Number(n), q) if mul => (q, *n),
        _ => return Err(EvalError::Type(format!("{a} {op} {b}"))),
    };
    let factor = u64::try_from(factor)
        .ok()
        .filter(|&f| mul || f > 0)
        .ok_or_else(|| EvalError::Type(format!("{a} {op} {b}")))?;
    let apply = |x: u64| {
        if mul {
            x.saturating_mul(factor)
        } else {
            x / factor
        }
    };
    Ok(match quantity {
        Value::Duration(d) => Value::Duration(Duration::from_millis(apply(d.as_millis()))),
        Value::Size(s) => Value::Size(Size::from_bytes(apply(s.as_bytes()))),
        Value::Number(n) if *n >= 0 => Value::Number(apply(*n as u64) as i64),
        _ => return Err(EvalError::Type(format!("{a} {op} {b}"))),
    })
}

/// Order two values of the same kind (numbers coerced to durations/sizes);
/// `None` when they cannot be compared.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    // Text takes the kind of the other side (`1m` is a minute next to a
    // duration, a mebibyte next to a size); two texts read as literals.
    let (a, b) = match (a, b) {
        (Value::Text(x), Value::Text(y)) => match (Value::quantity(x), Value::quantity(y)) {
            // Two words that are not quantities do not compare (the common
            // case, cut short: this runs per entry of an array directive).
            (None, None) => return None,
            (x, y) => (
                x.unwrap_or_else(|| a.clone()),
                y.unwrap_or_else(|| b.clone()),
            ),
        },
        (Value::Text(_), _) => (coerce(a, b)?, b.clone()),
        (_, Value::Text(_)) => (a.clone(), coerce(b, a)?),
        _ => (coerce(a, b)?, coerce(b, a)?),
    };
    let b = coerce(&b, &a)?;
    let a = coerce(&a, &b)?;
    match (&a, &b) {
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        (Value::Size(x), Value::Size(y)) => Some(x.cmp(y)),
        (Value::Number(x), Value::Number(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn parse_expr(text: &str) -> Result<Expr, ExprError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, pos: 0 };
    let expr = parser.sum()?;
    if parser.pos != parser.tokens.len() {
        return Err(ExprError::Trailing(parser.tokens[parser.pos].clone()));
    }
    Ok(expr)
}

fn tokenize(text: &str) -> Result<Vec<String>, ExprError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if "+-*/(),".contains(c) {
            tokens.push(c.to_string());
            chars.next();
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_alphanumeric() || d == '_' || d == '.' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(text[i..end].to_string());
        } else {
            return Err(ExprError::Character(c));
        }
    }
    if tokens.is_empty() {
        return Err(ExprError::Empty);
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<String>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn expect(&mut self, what: &str) -> Result<(), ExprError> {
        if self.peek() == Some(what) {
            self.pos += 1;
            Ok(())
        } else {
            Err(ExprError::Expected {
                expected: what.to_string(),
                found: self.peek().map(str::to_string),
            })
        }
    }

    fn sum(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.product()?;
        while let Some(op @ ("+" | "-")) = self.peek() {
            let add = op == "+";
            self.pos += 1;
            let right = self.product()?;
            left = if add {
                Expr::Add(Box::new(left), Box::new(right))
            } else {
                Expr::Sub(Box::new(left), Box::new(right))
            };
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.term()?;
        while let Some(op @ ("*" | "/")) = self.peek() {
            let mul = op == "*";
            self.pos += 1;
            let right = self.term()?;
            left = if mul {
                Expr::Mul(Box::new(left), Box::new(right))
            } else {
                Expr::Div(Box::new(left), Box::new(right))
            };
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, ExprError> {
        let token = self.peek().ok_or(ExprError::NoValue)?.to_string();
        self.pos += 1;
        if token == "min" || token == "max" {
            self.expect("(")?;
            let a = self.sum()?;
            self.expect(",")?;
            let b = self.sum()?;
            self.expect(")")?;
            return Ok(if token == "min" {
                Expr::Min(Box::new(a), Box::new(b))
            } else {
                Expr::Max(Box::new(a), Box::new(b))
            });
        }
        if token.starts_with(|c: char| c.is_ascii_digit()) {
            return match Value::literal(&token) {
                Value::Text(_) => Err(ExprError::NotANumber(token)),
                value => Ok(Expr::Literal(value)),
            };
        }
        let path: Vec<String> = token.split('.').map(str::to_string).collect();
        if !ROOTS.contains(&path[0].as_str()) {
            return Err(ExprError::UnknownReference(token));
        }
        if path.iter().any(String::is_empty) {
            return Err(ExprError::MalformedReference(token));
        }
        Ok(Expr::Ref(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Facts;
    impl Scope for Facts {
        fn lookup(&self, path: &[String]) -> Option<Value> {
            match path.join(".").as_str() {
                "backend.idle_timeout" => Some(Value::Duration(Duration::from_secs(5))),
                "param.margin" => Some(Value::Text("1s".into())),
                "upstream.name" => Some(Value::Text("app".into())),
                "param.pool" => Some(Value::Text("32".into())),
                _ => None,
            }
        }
    }

    #[test]
    fn quantities_scale_by_plain_numbers() {
        let render = |t: &str| Template::parse(t).unwrap().render(&Facts);
        assert_eq!(render("{backend.idle_timeout / 2}").unwrap(), "2500ms");
        assert_eq!(
            render("{2 * backend.idle_timeout + param.margin}").unwrap(),
            "11s"
        );
        assert_eq!(render("{300ms / 2}").unwrap(), "150ms");
        assert_eq!(render("{param.pool / 3}").unwrap(), "10");
        assert_eq!(
            render("{max(backend.idle_timeout - 6s, backend.idle_timeout / 2)}").unwrap(),
            "2500ms"
        );
        assert!(render("{backend.idle_timeout / 0}").is_err());
        assert!(render("{backend.idle_timeout * backend.idle_timeout}").is_err());
        assert!(render("{2 / backend.idle_timeout}").is_err());
    }

    #[test]
    fn templates_render_with_duration_arithmetic() {
        let t =
            Template::parse("keepalive_timeout {backend.idle_timeout - param.margin};").unwrap();
        assert_eq!(t.render(&Facts).unwrap(), "keepalive_timeout 4s;");
        let t = Template::parse("{backend.idle_timeout - 1500ms}").unwrap();
        assert_eq!(
            t.evaluate(&Facts).unwrap(),
            Value::Duration(Duration::from_millis(3500))
        );
        let t = Template::parse("{min(backend.idle_timeout - param.margin, 60s)}").unwrap();
        assert_eq!(t.render(&Facts).unwrap(), "4s");
        let t = Template::parse("{max(2, param.pool + 1)} in {upstream.name} {{x}}").unwrap();
        assert_eq!(t.render(&Facts).unwrap(), "33 in app {x}");
        let t = Template::parse("{backend.idle_timeout - 6s}").unwrap();
        assert_eq!(t.render(&Facts).unwrap(), "0s");
        // Two parameters are both text: they read as literals.
        let t = Template::parse("{param.pool - param.margin}").unwrap();
        assert_eq!(t.render(&Facts).unwrap(), "31s");
        let t = Template::parse("{2s - param.margin}").unwrap();
        assert_eq!(t.render(&Facts).unwrap(), "1s");
    }

    #[test]
    fn bad_templates_say_why() {
        let err = |s: &str| Template::parse(s).unwrap_err().to_string();
        assert!(err("{backend.idle_timeout").contains("unclosed `{`"));
        assert!(err("x }").contains("unmatched `}`"));
        assert!(err("{bogus.x}").contains("unknown reference `bogus.x`"));
        assert!(err("{param.a +}").contains("expected a value"));
        assert!(err("{min(1s)}").contains("expected `,`"));
        assert!(err("{5q}").contains("not a number, duration or size"));
        assert!(err("{param.a % 2}").contains("unexpected character `%`"));
    }

    #[test]
    fn parse_errors_read_as_before() {
        let err = |s: &str| Template::parse(s).unwrap_err().to_string();
        assert_eq!(
            err("x }"),
            "unmatched `}` in template \"x }\" (write `}}` for a brace)"
        );
        assert_eq!(err("a {b"), "unclosed `{` in template \"a {b\"");
        assert_eq!(err("{}"), "in template \"{}\", `{}`: empty expression");
        assert_eq!(
            err("{1 2}"),
            "in template \"{1 2}\", `{1 2}`: unexpected `2`"
        );
        assert_eq!(
            err("{min(1s}"),
            "in template \"{min(1s}\", `{min(1s}`: expected `,`, found the end"
        );
        assert_eq!(
            err("{min(1s)}"),
            "in template \"{min(1s)}\", `{min(1s)}`: expected `,`, found `)`"
        );
        assert_eq!(
            err("{bogus}"),
            format!(
                "in template \"{{bogus}}\", `{{bogus}}`: unknown reference `bogus` \
                 (references start with {})",
                ROOTS.join(", ")
            )
        );
        assert_eq!(
            err("{param..x}"),
            "in template \"{param..x}\", `{param..x}`: malformed reference `param..x`"
        );
    }

    #[test]
    fn missing_facts_and_type_errors_are_reported() {
        let t = Template::parse("{param.nope}").unwrap();
        assert_eq!(
            t.render(&Facts),
            Err(EvalError::Missing("param.nope".into()))
        );
        let t = Template::parse("{upstream.name - 1s}").unwrap();
        assert!(matches!(t.render(&Facts), Err(EvalError::Type(_))));
    }

    #[test]
    fn values_compare_across_notations() {
        use std::cmp::Ordering::*;
        let v = Value::literal;
        assert_eq!(compare(&v("60s"), &v("1m")), Some(Equal));
        assert_eq!(compare(&v("75"), &v("60s")), Some(Greater));
        assert_eq!(compare(&v("512k"), &v("1m")), None, "1m reads as a minute");
        assert_eq!(
            compare(
                &Value::Size(Size::parse("512k").unwrap()),
                &Value::Text("1m".into())
            ),
            Some(Less)
        );
        assert_eq!(compare(&v("abc"), &v("1s")), None);
    }
}
