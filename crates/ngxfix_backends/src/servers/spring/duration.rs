//! Durations, as Spring Boot's `DurationStyle` reads them, and written
//! back in the style a value already has.

use super::*;

/// Why a value is not a duration Spring Boot and Tomcat take; after the
/// entry in messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum BadDuration {
    #[error("is not a valid ISO-8601 duration")]
    NotIso,
    #[error("is not a Spring Boot duration (like 75s, 500ms or PT75S)")]
    NotDuration,
    #[error("has an unknown unit \"{0}\"")]
    UnknownUnit(String),
    #[error("is too large")]
    TooLarge,
    #[error("does not fit Tomcat's int milliseconds")]
    OutOfInt,
}

/// Milliseconds as Tomcat gets them from `(int) duration.toMillis()`.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Millis {
    After(u64),
    /// 0 or below: Tomcat's "no timeout".
    Never,
}

/// How a duration is written, to write a new one the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Style {
    /// A bare number: milliseconds.
    Bare,
    /// A number with a unit suffix, as written (`s`, `ms`, `S`).
    Suffix(String),
    /// ISO-8601 (`PT75S`), lower case when written so.
    Iso { lower: bool },
    /// A new setting.
    Inserted,
}

/// Nanoseconds per unit suffix (`DurationStyle.Unit`, case-insensitive).
fn unit_nanos(suffix: &str) -> Option<i128> {
    Some(match suffix.to_ascii_lowercase().as_str() {
        "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "d" => 86_400_000_000_000,
        _ => return None,
    })
}

/// A Spring Boot duration: `75s`, `500ms`, `-1`, `PT1M30S`.
pub(super) fn parse_duration(v: &str) -> Result<(Millis, Style), BadDuration> {
    let unsigned = v.strip_prefix(['+', '-']).unwrap_or(v);
    let nanos = if unsigned.starts_with(['P', 'p']) {
        let lower = unsigned.starts_with('p');
        (
            iso_nanos(&unsigned[1..]).ok_or(BadDuration::NotIso)?,
            Style::Iso { lower },
        )
    } else {
        let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
        let suffix = &unsigned[digits..];
        if digits == 0 || suffix.len() > 2 || !suffix.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(BadDuration::NotDuration);
        }
        let (per, style) = if suffix.is_empty() {
            (1_000_000, Style::Bare)
        } else {
            (
                unit_nanos(suffix).ok_or_else(|| BadDuration::UnknownUnit(suffix.to_string()))?,
                Style::Suffix(suffix.to_string()),
            )
        };
        let n: i128 = unsigned[..digits]
            .parse()
            .map_err(|_| BadDuration::TooLarge)?;
        (n.checked_mul(per).ok_or(BadDuration::TooLarge)?, style)
    };
    let (nanos, style) = nanos;
    let ms = nanos / 1_000_000;
    if v.starts_with('-') || ms == 0 {
        return Ok((Millis::Never, style));
    }
    match u64::try_from(ms) {
        Ok(ms) if ms <= i32::MAX as u64 => Ok((Millis::After(ms), style)),
        _ => Err(BadDuration::OutOfInt),
    }
}

/// The nanoseconds of an ISO-8601 duration after its `P`
/// (`java.time.Duration.parse`: days, then `T` hours, minutes, seconds
/// with up to 9 decimals); components with their own sign are not read.
fn iso_nanos(rest: &str) -> Option<i128> {
    let upper = rest.to_ascii_uppercase();
    let (days, time) = match upper.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (upper.as_str(), None),
    };
    let mut total: i128 = 0;
    let mut any = false;
    if !days.is_empty() {
        let n = days.strip_suffix('D').filter(|n| all_digits(n))?;
        total = n.parse::<i128>().ok()?.checked_mul(86_400_000_000_000)?;
        any = true;
    }
    if let Some(mut t) = time {
        if t.is_empty() {
            return None;
        }
        for (unit, per) in [('H', 3_600_000_000_000i128), ('M', 60_000_000_000)] {
            if let Some(i) = t.find(unit) {
                let n = &t[..i];
                if !all_digits(n) {
                    return None;
                }
                total = total.checked_add(n.parse::<i128>().ok()?.checked_mul(per)?)?;
                t = &t[i + 1..];
            }
        }
        if !t.is_empty() {
            let secs = t.strip_suffix('S')?;
            let (whole, frac) = secs.split_once(['.', ',']).unwrap_or((secs, ""));
            if !all_digits(whole) || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let frac_nanos: i128 = format!("{frac:0<9}").parse().ok()?;
            total = total.checked_add(
                whole.parse::<i128>().ok()?.checked_mul(1_000_000_000)? + frac_nanos,
            )?;
        }
        any = true;
    }
    any.then_some(total)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl Style {
    /// `target` written in this style, exactly (Tomcat reads milliseconds).
    pub(super) fn write(&self, target: Duration) -> String {
        let ms = target.as_millis();
        let short = || {
            if ms % 1000 == 0 {
                format!("{}s", ms / 1000)
            } else {
                format!("{ms}ms")
            }
        };
        match self {
            Style::Bare => ms.to_string(),
            Style::Iso { lower } => {
                let iso = format!("PT{}S", text::secs_text(target));
                if *lower {
                    iso.to_ascii_lowercase()
                } else {
                    iso
                }
            }
            Style::Suffix(suffix) => {
                let per = unit_nanos(suffix).unwrap_or(1_000_000);
                let nanos = i128::from(ms) * 1_000_000;
                if nanos % per == 0 {
                    format!("{}{suffix}", nanos / per)
                } else {
                    short()
                }
            }
            Style::Inserted => short(),
        }
    }
}
