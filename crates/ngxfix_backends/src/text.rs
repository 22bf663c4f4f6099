//! Text helpers every backend format uses: line numbers for messages, the
//! file's own line ending for new lines, and exact decimal numbers.

use crate::{Edit, MisplacedEdit};
use ngxfix_text::Duration;

/// The 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The file name of a path, for messages.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The line break the file uses: that of its first line, else `\n`.
pub(crate) fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Lines with their start offsets; each line without its line break.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |raw| {
        let at = start;
        start += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        (at, line.strip_suffix('\r').unwrap_or(line))
    })
}

/// The length of a leading byte-order mark (0 or 3).
pub(crate) fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        3
    } else {
        0
    }
}

/// An edit that adds `line` as the last line of the file, with the file's
/// line ending, after a final line that lacks one.
pub(crate) fn append_line(text: &str, line: &str) -> Edit<()> {
    let eol = line_ending(text);
    let lead = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        eol
    };
    Edit::new(text.len(), text.len(), format!("{lead}{line}{eol}"))
}

/// An edit that adds `line` after the line holding `offset`, indented as
/// that line is.
pub(crate) fn insert_line_after(text: &str, offset: usize, line: &str) -> Edit<()> {
    let eol = line_ending(text);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    match text[offset..].find('\n') {
        Some(i) => Edit::new(
            offset + i + 1,
            offset + i + 1,
            format!("{indent}{line}{eol}"),
        ),
        None => Edit::new(text.len(), text.len(), format!("{eol}{indent}{line}")),
    }
}

/// A decimal number of `unit_ms` milliseconds each (`2`, `2.5`, `0.75`,
/// `65_000` with `underscores`), exactly; `None` if it is not a plain
/// non-negative decimal or is finer than a millisecond.
pub(crate) fn decimal(text: &str, unit_ms: u64, underscores: bool) -> Option<Duration> {
    let cleaned: String = if underscores {
        text.chars().filter(|c| *c != '_').collect()
    } else {
        text.to_string()
    };
    let (whole, frac) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut millis = whole.checked_mul(unit_ms)?;
    // The fraction in thousandths of the unit, then in milliseconds.
    let mut scale = unit_ms;
    for digit in frac.bytes().map(|b| u64::from(b - b'0')) {
        if digit != 0 && scale % 10 != 0 {
            return None;
        }
        scale /= 10;
        millis = millis.checked_add(digit * scale)?;
        if scale == 0 {
            break;
        }
    }
    Some(Duration::from_millis(millis))
}

/// `text` with `edits` applied (in any order); an error for overlapping
/// edits or ones that split a character or run past the end.
pub(crate) fn apply(text: &str, edits: &[Edit<()>]) -> Result<String, MisplacedEdit> {
    let edits: Vec<&Edit<()>> = edits.iter().collect();
    Ok(ngxfix_text::apply_str(text, &edits)?)
}

/// Whole seconds, rounded up: what a server reading whole seconds needs to
/// wait at least `d`.
pub(crate) fn ceil_secs(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000)
}

/// `d` in seconds as a decimal, as short as it can be written exactly
/// (`75`, `2.5`, `0.75`).
pub(crate) fn secs_text(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 == 0 {
        return (ms / 1000).to_string();
    }
    let text = format!("{}.{:03}", ms / 1000, ms % 1000);
    text.trim_end_matches('0').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        let ms = |t: &str, unit: u64| decimal(t, unit, true).map(Duration::as_millis);
        assert_eq!(ms("2", 1000), Some(2000));
        assert_eq!(ms("2.5", 1000), Some(2500));
        assert_eq!(ms(".75", 1000), Some(750));
        assert_eq!(ms("0.001", 1000), Some(1));
        assert_eq!(ms("0.0005", 1000), None);
        assert_eq!(ms("65_000", 1), Some(65000));
        assert_eq!(ms("1.5", 1), None);
        assert_eq!(ms("1.0", 1), Some(1));
        assert_eq!(ms("-1", 1000), None);
        assert_eq!(ms("1e3", 1), None);
        assert_eq!(ms(".", 1000), None);
        assert_eq!(decimal("65_000", 1, false), None);
    }

    #[test]
    fn seconds_round_up_and_print_short() {
        assert_eq!(ceil_secs(Duration::from_millis(61_000)), 61);
        assert_eq!(ceil_secs(Duration::from_millis(61_001)), 62);
        assert_eq!(secs_text(Duration::from_millis(2500)), "2.5");
        assert_eq!(secs_text(Duration::from_millis(750)), "0.75");
        assert_eq!(secs_text(Duration::from_millis(75_000)), "75");
    }

    #[test]
    fn new_lines_follow_the_file() {
        let crlf = "a = 1\r\nb = 2";
        assert_eq!(append_line(crlf, "c = 3").text, "\r\nc = 3\r\n");
        assert_eq!(append_line("a\n", "c").text, "c\n");
        let t = "x {\n    a 1;\n}\n";
        let e = insert_line_after(t, t.find('a').unwrap(), "b 2;");
        assert_eq!((e.start, e.text.as_str()), (13, "    b 2;\n"));
        assert_eq!(line_of(t, e.range().start), 3);
        let got: Vec<_> = lines("a\r\nb\n\nc").collect();
        assert_eq!(got, [(0, "a"), (3, "b"), (5, ""), (6, "c")]);
    }
}
