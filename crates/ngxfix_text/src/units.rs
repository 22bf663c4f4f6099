//! Durations and sizes, parsed exactly as nginx parses them.
//!
//! Durations follow `ngx_parse_time()` (src/core/ngx_parse.c): a sequence of
//! number+unit parts in decreasing unit order, optionally separated by spaces
//! (`1h 30m`, `1d12h`), units `y M w d h m s ms`, a number without a unit
//! meaning seconds. Directives stored in
//! milliseconds (`ngx_conf_set_msec_slot`, e.g. `keepalive_timeout`,
//! `proxy_read_timeout`) refuse `y` and `M`; directives stored in seconds
//! (`ngx_conf_set_sec_slot`, e.g. `ssl_session_timeout`) refuse `ms`. Sizes follow `ngx_parse_size()`: a
//! number with an optional `k`/`K`, `m`/`M` or `g`/`G` suffix (powers of 1024).

use std::fmt;

/// Why a value is not a valid duration or size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} \"{value}\"")]
pub struct UnitError {
    pub kind: &'static str,
    pub value: String,
}

/// How a directive stores a duration, which decides the units it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSlot {
    /// `ngx_conf_set_msec_slot`: `ms` allowed, `y` and `M` refused.
    Milliseconds,
    /// `ngx_conf_set_sec_slot`: every unit but `ms`.
    Seconds,
}

/// A duration, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    millis: u64,
}

impl Duration {
    /// From milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        Duration { millis }
    }

    /// From seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Duration {
            millis: secs * 1000,
        }
    }

    /// Milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.millis
    }

    /// Parse the way nginx parses a directive's duration argument.
    pub fn parse(text: &str, slot: TimeSlot) -> Result<Self, UnitError> {
        parse_time(text.as_bytes(), slot)
            .map(Duration::from_millis)
            .ok_or_else(|| UnitError {
                kind: "duration",
                value: text.to_string(),
            })
    }

    /// `self - other`, or zero.
    pub fn saturating_sub(self, other: Duration) -> Duration {
        Duration::from_millis(self.millis.saturating_sub(other.millis))
    }

    /// `self + other`, saturating.
    pub fn saturating_add(self, other: Duration) -> Duration {
        Duration::from_millis(self.millis.saturating_add(other.millis))
    }
}

/// nginx's own notation, shortest exact form: `4s`, `1500ms`, `2m`, `1h`.
/// Larger units than hours are not used so that values stay obvious.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis;
        if ms % 1000 != 0 {
            return write!(f, "{ms}ms");
        }
        let s = ms / 1000;
        if s != 0 && s % 3600 == 0 {
            write!(f, "{}h", s / 3600)
        } else if s != 0 && s % 60 == 0 {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

/// `ngx_parse_time()`, returning milliseconds.
fn parse_time(text: &[u8], slot: TimeSlot) -> Option<u64> {
    // The order units must come in; each may appear once.
    #[derive(PartialEq, PartialOrd, Clone, Copy)]
    enum Step {
        Start,
        Year,
        Month,
        Week,
        Day,
        Hour,
        Min,
        Sec,
        Msec,
        Last,
    }
    let mut step = match slot {
        TimeSlot::Seconds => Step::Start,
        TimeSlot::Milliseconds => Step::Month,
    };
    let (mut value, mut total, mut valid) = (0u64, 0u64, false);
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        if c.is_ascii_digit() {
            value = value.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
            valid = true;
            continue;
        }
        // (next step, seconds per unit); `ms` is handled apart.
        let (next, scale_secs) = match c {
            b'y' => (Step::Year, 60 * 60 * 24 * 365),
            b'M' => (Step::Month, 60 * 60 * 24 * 30),
            b'w' => (Step::Week, 60 * 60 * 24 * 7),
            b'd' => (Step::Day, 60 * 60 * 24),
            b'h' => (Step::Hour, 60 * 60),
            b'm' if text.get(i) == Some(&b's') => {
                if slot == TimeSlot::Seconds || step >= Step::Msec {
                    return None;
                }
                i += 1;
                step = Step::Msec;
                total = total.checked_add(value)?;
                value = 0;
                i += skip_spaces(&text[i..]);
                continue;
            }
            b'm' => (Step::Min, 60),
            b's' => (Step::Sec, 1),
            // A space ends a part that had no unit: seconds.
            b' ' => (Step::Last, 1),
            _ => return None,
        };
        let too_late = match next {
            Step::Year => step > Step::Start,
            Step::Last => step >= Step::Sec,
            _ => step >= next,
        };
        if too_late {
            return None;
        }
        step = next;
        let scale = match slot {
            TimeSlot::Milliseconds => scale_secs * 1000,
            TimeSlot::Seconds => scale_secs,
        };
        total = total.checked_add(value.checked_mul(scale)?)?;
        value = 0;
        // Spaces may separate parts (`1h 30m`).
        i += skip_spaces(&text[i..]);
    }
    if !valid {
        return None;
    }
    // A trailing number without a unit is seconds, whatever came before (so
    // `1s500` is 501 seconds to nginx, as its code reads).
    let tail = match slot {
        TimeSlot::Milliseconds => value.checked_mul(1000)?,
        TimeSlot::Seconds => value,
    };
    let total = total.checked_add(tail)?;
    let millis = match slot {
        TimeSlot::Milliseconds => total,
        TimeSlot::Seconds => total.checked_mul(1000)?,
    };
    // nginx computes in ngx_int_t and refuses what overflows it.
    (total <= i64::MAX as u64).then_some(millis)
}

fn skip_spaces(rest: &[u8]) -> usize {
    rest.iter().take_while(|&&b| b == b' ').count()
}

/// A size, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size {
    bytes: u64,
}

impl Size {
    /// From bytes.
    pub const fn from_bytes(bytes: u64) -> Self {
        Size { bytes }
    }

    /// Bytes.
    pub fn as_bytes(self) -> u64 {
        self.bytes
    }

    /// Parse the way `ngx_parse_size()` does.
    pub fn parse(text: &str) -> Result<Self, UnitError> {
        let error = || UnitError {
            kind: "size",
            value: text.to_string(),
        };
        let (digits, scale) = match text.as_bytes().last() {
            Some(b'k' | b'K') => (&text[..text.len() - 1], 1u64 << 10),
            Some(b'm' | b'M') => (&text[..text.len() - 1], 1 << 20),
            Some(b'g' | b'G') => (&text[..text.len() - 1], 1 << 30),
            _ => (text, 1),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        let n: u64 = digits.parse().map_err(|_| error())?;
        n.checked_mul(scale).map(Size::from_bytes).ok_or_else(error)
    }
}

/// `10m`, `512k`, `1g` when exact, else bytes.
impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.bytes;
        for (unit, scale) in [("g", 1u64 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
            if b != 0 && b % scale == 0 {
                return write!(f, "{}{unit}", b / scale);
            }
        }
        write!(f, "{b}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> Option<u64> {
        Duration::parse(text, TimeSlot::Milliseconds)
            .ok()
            .map(Duration::as_millis)
    }

    fn secs(text: &str) -> Option<u64> {
        Duration::parse(text, TimeSlot::Seconds)
            .ok()
            .map(|d| d.as_millis() / 1000)
    }

    #[test]
    fn durations_as_nginx_reads_them() {
        assert_eq!(ms("60"), Some(60_000));
        assert_eq!(ms("75s"), Some(75_000));
        assert_eq!(ms("750ms"), Some(750));
        assert_eq!(ms("1m30s"), Some(90_000));
        assert_eq!(ms("1h 30m"), Some(5_400_000));
        assert_eq!(ms("1h  30m 5s"), Some(5_405_000));
        assert_eq!(ms("1d"), Some(86_400_000));
        assert_eq!(ms("2w"), Some(14 * 86_400_000));
        assert_eq!(ms("1s500ms"), Some(1500));
        assert_eq!(ms("1s 500ms"), Some(1500));
        assert_eq!(ms("1s500"), Some(501_000));
        assert_eq!(ms("10 "), Some(10_000));
        assert_eq!(ms("10 5s"), None);
        assert_eq!(ms("0"), Some(0));
        // Units out of order, repeated, unknown, or missing a number.
        assert_eq!(ms("30s1m"), None);
        assert_eq!(ms("1s1s"), None);
        assert_eq!(ms("10x"), None);
        assert_eq!(ms("s"), None);
        assert_eq!(ms(""), None);
        assert_eq!(ms("-1"), None);
        // Millisecond slots refuse months and years; second slots refuse ms.
        assert_eq!(ms("1M"), None);
        assert_eq!(ms("1y"), None);
        assert_eq!(secs("1y"), Some(365 * 86_400));
        assert_eq!(secs("1M"), Some(30 * 86_400));
        assert_eq!(secs("10ms"), None);
        assert_eq!(ms("99999999999999999999"), None);
    }

    #[test]
    fn durations_print_in_nginx_notation() {
        let shown: Vec<String> = [4_000, 1_500, 120_000, 3_600_000, 0, 61_000]
            .into_iter()
            .map(|m| Duration::from_millis(m).to_string())
            .collect();
        assert_eq!(shown, ["4s", "1500ms", "2m", "1h", "0s", "61s"]);
        for m in [4_000, 1_500, 120_000, 3_600_000, 0, 61_000, 1] {
            let d = Duration::from_millis(m);
            assert_eq!(
                Duration::parse(&d.to_string(), TimeSlot::Milliseconds),
                Ok(d)
            );
        }
        let a = Duration::from_secs(5);
        assert_eq!(a.saturating_sub(Duration::from_secs(1)).to_string(), "4s");
        assert_eq!(a.saturating_sub(Duration::from_secs(9)).as_millis(), 0);
    }

    #[test]
    fn sizes_as_nginx_reads_them() {
        let bytes = |t: &str| Size::parse(t).ok().map(Size::as_bytes);
        assert_eq!(bytes("512"), Some(512));
        assert_eq!(bytes("10m"), Some(10 << 20));
        assert_eq!(bytes("8K"), Some(8 << 10));
        assert_eq!(bytes("1g"), Some(1 << 30));
        assert_eq!(bytes("1.5m"), None);
        assert_eq!(bytes("m"), None);
        assert_eq!(bytes("10 m"), None);
        assert_eq!(Size::from_bytes(10 << 20).to_string(), "10m");
        assert_eq!(Size::from_bytes(1000).to_string(), "1000");
    }
}
