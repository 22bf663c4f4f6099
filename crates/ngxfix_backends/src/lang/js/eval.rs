//! Exact evaluation of the literal arithmetic JavaScript files write for
//! timeouts (`65000`, `65_000`, `65e3`, `65 * 1000`, `(60 + 5) * 1000`),
//! and writing a new value back in the same form.

use super::lex::{Kind, Tokens};

/// An exact rational number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    fn int(n: i128) -> Self {
        Ratio { num: n, den: 1 }
    }

    fn new(num: i128, den: i128) -> Option<Self> {
        if den == 0 {
            return None;
        }
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()).max(1);
        let g = i128::try_from(g).ok()?;
        let sign = if den < 0 { -1 } else { 1 };
        Some(Ratio {
            num: sign * num / g,
            den: sign * den / g,
        })
    }

    fn add(self, o: Self) -> Option<Self> {
        Ratio::new(
            self.num
                .checked_mul(o.den)?
                .checked_add(o.num.checked_mul(self.den)?)?,
            self.den.checked_mul(o.den)?,
        )
    }

    fn mul(self, o: Self) -> Option<Self> {
        Ratio::new(self.num.checked_mul(o.num)?, self.den.checked_mul(o.den)?)
    }

    fn div(self, o: Self) -> Option<Self> {
        Ratio::new(self.num.checked_mul(o.den)?, self.den.checked_mul(o.num)?)
    }

    fn neg(self) -> Self {
        Ratio {
            num: -self.num,
            den: self.den,
        }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// How a literal value was written, so that a new value can be written
/// the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Form {
    /// `65000`, or `65_000` grouped by thousands.
    Plain { underscores: bool },
    /// `65e3`: the exponent.
    Exponent(u32),
    /// `65 * 1000`: the first factor's byte range and form, and the product
    /// of the other factors.
    Product {
        start: usize,
        end: usize,
        first: Box<Form>,
        rest: u64,
    },
    /// Anything else evaluated exactly (`60000 + 5000`): replaced whole.
    Expression,
}

/// A value evaluated exactly: milliseconds, its byte range, its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Literal {
    pub(crate) value: u64,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) form: Form,
}

/// Why a value could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotLiteral {
    /// A variable, call, environment variable, ternary…: the source text.
    Computed,
    /// Negative, fractional or too large.
    OutOfRange,
}

/// Evaluates the expression starting at token `i`; returns the value and
/// the index of the first token after it. The expression must end there:
/// at `;`, `,`, a closing bracket, the end, or a line break that ends the
/// statement.
pub(crate) fn evaluate(t: &Tokens<'_>, i: usize) -> (Result<Literal, NotLiteral>, usize) {
    let mut p = Parser { t, i };
    let value = p.sum();
    let end = p.i;
    let rest = expression_end(t, end);
    let Some(value) = value else {
        return (Err(NotLiteral::Computed), rest);
    };
    if end == i || end != rest {
        return (Err(NotLiteral::Computed), rest);
    }
    if value.den != 1 || value.num < 0 {
        return (Err(NotLiteral::OutOfRange), rest);
    }
    let Ok(ms) = u64::try_from(value.num) else {
        return (Err(NotLiteral::OutOfRange), rest);
    };
    let (start, stop) = (t.toks[i].start, t.toks[end - 1].end);
    let form = form_of(t, i, end);
    (
        Ok(Literal {
            value: ms,
            start,
            end: stop,
            form,
        }),
        rest,
    )
}

/// The index where the expression starting at `from` ends, skipping over
/// brackets: the first `;` or `,` or closer at depth 0, or a token on a new
/// line after a complete operand.
pub(crate) fn expression_end(t: &Tokens<'_>, from: usize) -> usize {
    let mut i = from;
    while i < t.len() {
        if i > 0 && t.toks[i].newline_before && ends_operand(t, i - 1) && !continues(t, i) {
            return i;
        }
        let s = t.s(i);
        if t.kind(i) == Some(Kind::Punct) {
            match s {
                ";" | "," | ")" | "]" | "}" => return i,
                "(" | "[" | "{" => {
                    i = t.partner[i].map_or(t.len(), |p| p + 1);
                    continue;
                }
                _ => {}
            }
        }
        i += 1;
    }
    t.len()
}

fn ends_operand(t: &Tokens<'_>, i: usize) -> bool {
    match t.kind(i) {
        Some(Kind::Punct) => matches!(t.s(i), ")" | "]" | "}"),
        Some(_) => true,
        None => false,
    }
}

/// A line that starts with a binary operator or member access continues
/// the previous line's expression.
fn continues(t: &Tokens<'_>, i: usize) -> bool {
    t.kind(i) == Some(Kind::Punct)
        && matches!(
            t.s(i),
            "." | "?." | "?" | ":" | "+" | "-" | "*" | "/" | "%" | "**" | "&&" | "||" | "??"
        )
}

struct Parser<'t, 'a> {
    t: &'t Tokens<'a>,
    i: usize,
}

impl Parser<'_, '_> {
    fn sum(&mut self) -> Option<Ratio> {
        let mut acc = self.product()?;
        loop {
            if self.at_op("+") {
                self.i += 1;
                acc = acc.add(self.product()?)?;
            } else if self.at_op("-") {
                self.i += 1;
                acc = acc.add(self.product()?.neg())?;
            } else {
                return Some(acc);
            }
        }
    }

    fn product(&mut self) -> Option<Ratio> {
        let mut acc = self.unary()?;
        loop {
            if self.at_op("*") {
                self.i += 1;
                acc = acc.mul(self.unary()?)?;
            } else if self.at_op("/") {
                self.i += 1;
                acc = acc.div(self.unary()?)?;
            } else {
                return Some(acc);
            }
        }
    }

    fn unary(&mut self) -> Option<Ratio> {
        if self.at_op("-") {
            self.i += 1;
            return Some(self.unary()?.neg());
        }
        if self.at_op("+") {
            self.i += 1;
            return self.unary();
        }
        if self.at_op("(") {
            let close = self.t.partner[self.i]?;
            self.i += 1;
            let inner = self.sum()?;
            if self.i != close {
                return None;
            }
            self.i += 1;
            return Some(inner);
        }
        if self.t.kind(self.i) == Some(Kind::Num) {
            let n = number(self.t.s(self.i))?;
            self.i += 1;
            return Some(n);
        }
        None
    }

    /// A binary operator at the cursor, on the same line or continuing it.
    fn at_op(&self, op: &str) -> bool {
        self.t.kind(self.i) == Some(Kind::Punct) && self.t.s(self.i) == op
    }
}

/// A JavaScript numeric literal, exactly: decimal with `_` separators,
/// fraction and exponent, or `0x`/`0o`/`0b`. BigInts and legacy octal
/// (`0755`) are refused.
fn number(text: &str) -> Option<Ratio> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = lower.strip_prefix(prefix) {
            return i128::from_str_radix(digits, radix).ok().map(Ratio::int);
        }
    }
    if lower.ends_with('n') {
        return None;
    }
    let (mantissa, exp) = match lower.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (lower.as_str(), 0),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.len() > 1 && whole.starts_with('0') {
        return None;
    }
    if !whole
        .bytes()
        .chain(frac.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{frac}");
    if digits.is_empty() || digits.len() > 30 {
        return None;
    }
    let value: i128 = digits.parse().ok()?;
    let scale = exp - i32::try_from(frac.len()).ok()?;
    if !(-30..=30).contains(&scale) {
        return None;
    }
    let pow = 10i128.checked_pow(scale.unsigned_abs())?;
    if scale >= 0 {
        value.checked_mul(pow).map(Ratio::int)
    } else {
        Ratio::new(value, pow)
    }
}

/// How the tokens `from..to` write their value.
fn form_of(t: &Tokens<'_>, from: usize, to: usize) -> Form {
    if to == from + 1 {
        return literal_form(t.s(from));
    }
    // `a * b * c` with whole-number factors.
    let factors: Vec<usize> = (from..to).step_by(2).collect();
    let all_products = (from..to).skip(1).step_by(2).all(|i| t.is(i, "*"))
        && (to - from) % 2 == 1
        && factors.iter().all(|&i| t.kind(i) == Some(Kind::Num));
    if all_products {
        let first = literal_form(t.s(from));
        let rest = factors[1..].iter().try_fold(1u64, |acc, &i| {
            let n = number(t.s(i))?;
            (n.den == 1).then_some(())?;
            acc.checked_mul(u64::try_from(n.num).ok()?)
        });
        let first_whole = number(t.s(from)).is_some_and(|n| n.den == 1);
        if let (Some(rest), true, true) = (rest, first_whole, !matches!(first, Form::Expression)) {
            if rest > 0 {
                return Form::Product {
                    start: t.toks[from].start,
                    end: t.toks[from].end,
                    first: Box::new(first),
                    rest,
                };
            }
        }
    }
    Form::Expression
}

fn literal_form(text: &str) -> Form {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("0x") || lower.starts_with("0o") || lower.starts_with("0b") {
        return Form::Expression;
    }
    if let Some((m, e)) = lower.split_once('e') {
        if m.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(e) = e.trim_start_matches('+').parse::<u32>() {
                return Form::Exponent(e);
            }
        }
        return Form::Expression;
    }
    if lower.contains('.') {
        return Form::Expression;
    }
    Form::Plain {
        underscores: text.contains('_'),
    }
}

/// The edit that writes at least `at_least` milliseconds in the literal's
/// own form, and the value it writes (rounded up to the form's unit).
pub(crate) fn rewrite(lit: &Literal, at_least: u64) -> (usize, usize, String, u64) {
    match &lit.form {
        Form::Product {
            start,
            end,
            first,
            rest,
        } => {
            let factor = at_least.div_ceil(*rest);
            let (text, factor) = write(first, factor);
            (*start, *end, text, factor.saturating_mul(*rest))
        }
        form => {
            let (text, value) = write(form, at_least);
            (lit.start, lit.end, text, value)
        }
    }
}

/// `value` (or the next value the form can write) as text in `form`.
fn write(form: &Form, value: u64) -> (String, u64) {
    match form {
        Form::Plain { underscores: true } => (grouped(value), value),
        Form::Exponent(e) => {
            let unit = 10u64.checked_pow(*e).unwrap_or(u64::MAX);
            let m = value.div_ceil(unit);
            (format!("{m}e{e}"), m.saturating_mul(unit))
        }
        _ => (value.to_string(), value),
    }
}

/// `65000` as `65_000`.
fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> Result<u64, NotLiteral> {
        let t = Tokens::new(src);
        evaluate(&t, 0).0.map(|l| l.value)
    }

    #[test]
    fn literals_and_arithmetic_are_exact() {
        assert_eq!(eval("65000;"), Ok(65000));
        assert_eq!(eval("65_000"), Ok(65000));
        assert_eq!(eval("65e3"), Ok(65000));
        assert_eq!(eval("6.5e4,"), Ok(65000));
        assert_eq!(eval("1.5 * 1000"), Ok(1500));
        assert_eq!(eval("65 * 1000"), Ok(65000));
        assert_eq!(eval("(60 + 5) * 1000"), Ok(65000));
        assert_eq!(eval("2 * 60 * 1000 - 1000"), Ok(119_000));
        assert_eq!(eval("0x10"), Ok(16));
        assert_eq!(eval("130000 / 2"), Ok(65000));
        assert_eq!(eval("65000\nserver.listen()"), Ok(65000));
    }

    #[test]
    fn anything_else_is_not_a_literal() {
        for src in [
            "Number(process.env.KA)",
            "ka",
            "prod ? 65000 : 5000",
            "65000 || 5000",
            "65000n",
            "0755",
            "65 * SECOND",
            "65000 as number",
            "65000\n  ? 1 : 2",
        ] {
            assert_eq!(eval(src), Err(NotLiteral::Computed), "{src}");
        }
        assert_eq!(eval("1.5"), Err(NotLiteral::OutOfRange));
        assert_eq!(eval("-1"), Err(NotLiteral::OutOfRange));
        assert_eq!(eval("1 / 3"), Err(NotLiteral::OutOfRange));
    }

    #[test]
    fn rewriting_keeps_the_form() {
        let re = |src: &str, at_least: u64| {
            let t = Tokens::new(src);
            let lit = evaluate(&t, 0).0.unwrap();
            let (s, e, text, v) = rewrite(&lit, at_least);
            let mut out = src.to_string();
            out.replace_range(s..e, &text);
            (out, v)
        };
        assert_eq!(re("5000", 61000), ("61000".into(), 61000));
        assert_eq!(re("5_000", 61000), ("61_000".into(), 61000));
        assert_eq!(re("5e3", 61500), ("62e3".into(), 62000));
        assert_eq!(re("5 * 1000", 61000), ("61 * 1000".into(), 61000));
        assert_eq!(re("5 * 1000", 61001), ("62 * 1000".into(), 62000));
        assert_eq!(
            re("1 * 60 * 1000", 61000),
            ("2 * 60 * 1000".into(), 120_000)
        );
        assert_eq!(re("5000 + 0", 61000), ("61000".into(), 61000));
        assert_eq!(grouped(1_234_567), "1_234_567");
    }
}
