//! A TOML file's top level: where a key's value is and where a new key
//! goes, by byte offsets into the file (a leading byte-order mark
//! included), so that an edit touches one value or adds one line.

use ::toml::de::{DeTable, DeValue, Error};

use crate::{text, Edit};

/// What kind of number a value is, as far as a reader of timeouts cares.
pub(crate) enum Number {
    /// A non-negative integer, in any radix TOML allows.
    Int(u64),
    /// A float, to be read exactly from its text.
    Float,
    /// Anything else: a negative integer, a string, a table.
    Other,
}

/// The value of the top-level `key`: its span and kind, or `None` when it
/// is not set; `Err` when the file is not TOML.
pub(crate) fn top_value(file: &str, key: &str) -> Result<Option<(usize, usize, Number)>, Error> {
    let bom = text::bom_len(file);
    let table = DeTable::parse(&file[bom..])?;
    let Some((_, value)) = table
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
    else {
        return Ok(None);
    };
    let span = value.span();
    let number = match value.get_ref() {
        DeValue::Integer(i) => u64::from_str_radix(i.as_str(), i.radix())
            .map(Number::Int)
            .unwrap_or(Number::Other),
        DeValue::Float(_) => Number::Float,
        _ => Number::Other,
    };
    Ok(Some((bom + span.start, bom + span.end, number)))
}

/// An edit adding a top-level key, written by `line(spaced)`: after the
/// last plain top-level key (a key after a `[table]` header would belong
/// to the table), spaced as that key is; else before the first table's
/// header; else at the end. `Err` when the file is not TOML.
pub(crate) fn insert_top_level(
    file: &str,
    line: impl Fn(bool) -> String,
) -> Result<Edit<()>, Error> {
    let bom = text::bom_len(file);
    let table = DeTable::parse(&file[bom..])?;
    let entries: Vec<_> = table.get_ref().iter().collect();
    let is_plain = |v: &DeValue<'_>| !matches!(v, DeValue::Table(_) | DeValue::Array(_));
    let last_plain = entries
        .iter()
        .filter(|(_, v)| is_plain(v.get_ref()))
        .max_by_key(|(_, v)| v.span().end);
    if let Some((key, value)) = last_plain {
        let key_at = bom + key.span().start;
        let value_at = bom + value.span().start;
        let spaced = file[key_at..value_at].contains(" =");
        let end = bom + value.span().end;
        let line_end = file[end..]
            .find(['\r', '\n'])
            .map_or(file.len(), |i| end + i);
        return Ok(Edit::new(
            line_end,
            line_end,
            format!("{}{}", text::line_ending(file), line(spaced)),
        ));
    }
    let first_table = entries.iter().map(|(k, _)| bom + k.span().start).min();
    match first_table {
        Some(at) => {
            let line_start = file[..at].rfind('\n').map_or(bom, |i| i + 1);
            let eol = text::line_ending(file);
            Ok(Edit::new(
                line_start,
                line_start,
                format!("{}{eol}{eol}", line(true)),
            ))
        }
        None => Ok(text::append_line(file, &line(true))),
    }
}
