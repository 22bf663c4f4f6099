//! Python literals as Python reads them: strings, numbers (with `_`,
//! radix prefixes and literal integer arithmetic such as `2 * 60`), and
//! the integers `int()` and argparse accept.

use super::Expr;

/// A literal value an expression evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Literal {
    /// An integer, after any literal arithmetic (`2 * 60`).
    Int(i128),
    /// A float literal as written (`1.5`), for exact decimal parsing.
    Float(String),
    /// A plain string literal, with the span of its contents.
    Str {
        value: String,
        start: usize,
        end: usize,
    },
    Bool(bool),
}

/// The literal value of `expr`, if it is one (or literal integer
/// arithmetic): never evaluates names or calls.
pub(crate) fn literal(expr: &Expr) -> Option<Literal> {
    let t = expr.text.trim();
    if let Some(s) = string_literal(t) {
        let lead = expr.text.len() - expr.text.trim_start().len();
        let open = expr.start + lead + t.find(['"', '\''])? + 1;
        return Some(Literal::Str {
            value: s.to_string(),
            start: open,
            end: open + s.len(),
        });
    }
    match t {
        "True" => return Some(Literal::Bool(true)),
        "False" => return Some(Literal::Bool(false)),
        _ => {}
    }
    let tokens = tokenize(t)?;
    if let [Tok::Float(f)] = tokens.as_slice() {
        return Some(Literal::Float(f.clone()));
    }
    let mut p = Arith {
        toks: &tokens,
        at: 0,
    };
    let v = p.sum()?;
    (p.at == tokens.len()).then_some(Literal::Int(v))
}

/// The contents of a plain one-line string literal without escapes.
fn string_literal(t: &str) -> Option<&str> {
    let body = t.strip_prefix(['u', 'U']).unwrap_or(t);
    let q = body.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = body.strip_prefix(q)?.strip_suffix(q)?;
    (!inner.contains(q) && !inner.contains('\\') && !inner.contains('\n')).then_some(inner)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i128),
    Float(String),
    Op(&'static str),
}

fn tokenize(t: &str) -> Option<Vec<Tok>> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                // An exponent's sign.
                if matches!(b[i], b'e' | b'E') && matches!(b.get(i + 1), Some(b'+' | b'-')) {
                    i += 1;
                }
                i += 1;
            }
            let word = &t[start..i];
            out.push(match py_int(word) {
                Some(v) => Tok::Int(v),
                None if is_py_float(word) => Tok::Float(word.to_string()),
                None => return None,
            });
        } else {
            let op = ["//", "**", "+", "-", "*", "(", ")"]
                .into_iter()
                .find(|op| t[i..].starts_with(op))?;
            out.push(Tok::Op(op));
            i += op.len();
        }
    }
    Some(out)
}

/// A Python integer literal (`75`, `1_000`, `0x4b`, `0o113`, `0b1`).
fn py_int(word: &str) -> Option<i128> {
    let lower = word.to_ascii_lowercase();
    let (digits, radix) = match lower.get(..2) {
        Some("0x") => (&lower[2..], 16),
        Some("0o") => (&lower[2..], 8),
        Some("0b") => (&lower[2..], 2),
        _ => (lower.as_str(), 10),
    };
    let digits = digits.strip_prefix('_').unwrap_or(digits);
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    // Decimal literals cannot have leading zeros (except zero itself).
    if radix == 10 && clean.len() > 1 && clean.starts_with('0') && clean.bytes().any(|b| b != b'0')
    {
        return None;
    }
    i128::from_str_radix(&clean, radix).ok()
}

fn is_py_float(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    let (mantissa, exp) = match w.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (w.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (a.is_empty() || digits(a))
                && (b.is_empty() || digits(b))
                && !(a.is_empty() && b.is_empty())
        }
        None => digits(mantissa),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.trim_start_matches(['+', '-'])));
    mantissa_ok && exp_ok && (mantissa.contains('.') || exp.is_some())
}

/// Integer arithmetic over `+ - * // **` and parentheses, exactly.
struct Arith<'t> {
    toks: &'t [Tok],
    at: usize,
}

impl Arith<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn op(&mut self, ops: &[&str]) -> Option<&'static str> {
        match self.peek() {
            Some(Tok::Op(o)) if ops.contains(o) => {
                let o = *o;
                self.at += 1;
                Some(o)
            }
            _ => None,
        }
    }

    fn sum(&mut self) -> Option<i128> {
        let mut v = self.product()?;
        while let Some(op) = self.op(&["+", "-"]) {
            let r = self.product()?;
            v = if op == "+" {
                v.checked_add(r)?
            } else {
                v.checked_sub(r)?
            };
        }
        Some(v)
    }

    fn product(&mut self) -> Option<i128> {
        let mut v = self.unary()?;
        while let Some(op) = self.op(&["*", "//"]) {
            let r = self.unary()?;
            v = if op == "*" {
                v.checked_mul(r)?
            } else {
                v.checked_div_euclid(r).filter(|_| r > 0)?
            };
        }
        Some(v)
    }

    fn unary(&mut self) -> Option<i128> {
        match self.op(&["-", "+"]) {
            Some("-") => self.unary()?.checked_neg(),
            Some(_) => self.unary(),
            None => self.power(),
        }
    }

    fn power(&mut self) -> Option<i128> {
        let base = self.atom()?;
        if self.op(&["**"]).is_some() {
            let exp = u32::try_from(self.unary()?).ok()?;
            return base.checked_pow(exp);
        }
        Some(base)
    }

    fn atom(&mut self) -> Option<i128> {
        match self.peek()?.clone() {
            Tok::Int(v) => {
                self.at += 1;
                Some(v)
            }
            Tok::Op("(") => {
                self.at += 1;
                let v = self.sum()?;
                self.op(&[")"])?;
                Some(v)
            }
            _ => None,
        }
    }
}

/// An integer as Python's `int(text, 0)` or `int(text)` reads it.
pub(crate) fn int(text: &str) -> Option<i128> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = match literal(&Expr {
        start: 0,
        end: digits.len(),
        text: digits.to_string(),
    })? {
        Literal::Int(v)
            if digits
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            v
        }
        _ => return None,
    };
    Some(if neg { -v } else { v })
}

/// A non-negative integer as Python's `int(text)` reads it (argparse and
/// click `type=int`): decimal digits, `_` between them, spaces around.
pub(crate) fn arg_int(text: &str) -> Option<u64> {
    let t = text.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    if !t.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return None;
    }
    t.replace('_', "").parse().ok()
}
