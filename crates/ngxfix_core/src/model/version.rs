//! nginx versions and version ranges (`">= 1.15.3, < 1.29.7"`).

use std::fmt;
use std::str::FromStr;

/// An nginx version such as 1.29.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

impl Version {
    /// A version from its three parts.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// The version the rules assume when none is given or detected: the
    /// last one before upstream keepalive became the default (1.29.7), so
    /// that rules about configuring keepalive by hand stay on.
    pub const ASSUMED: Version = Version::new(1, 29, 6);

    /// The note that says [`Version::ASSUMED`] is assumed: `why` no
    /// version was found, `how` to give one.
    pub fn assumed_note(why: &str, how: &str) -> String {
        format!(
            "assuming nginx {} (before 1.29.7, where upstream keepalive must be configured \
             by hand): {why}; {how}",
            Version::ASSUMED
        )
    }
}

impl Version {
    /// The nginx version in what `nginx -v` prints (`nginx version:
    /// nginx/1.22.1 (Ubuntu)`). Forks name the nginx core they are built
    /// on: Tengine prints `Tengine/2.3.3 (nginx/1.18.0)`, OpenResty a
    /// fourth number after the core's three (`openresty/1.21.4.1`). Forks
    /// with their own numbering (Angie) give `None`.
    pub fn from_nginx_v(text: &str) -> Option<Version> {
        let digits = |rest: &str| -> String {
            rest.chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect()
        };
        let core = |marker: &str| -> Option<Version> {
            let at = text.find(marker)? + marker.len();
            let numbers = digits(&text[at..]);
            let three: Vec<&str> = numbers.split('.').take(3).collect();
            three.join(".").parse().ok()
        };
        core("nginx/").or_else(|| core("openresty/"))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a version or a range does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid nginx version \"{text}\": {reason}")]
pub struct VersionError {
    pub text: String,
    pub reason: &'static str,
}

impl FromStr for Version {
    type Err = VersionError;

    /// `1.29.7`, `1.29` (patch 0), also the `nginx/1.22.1` form `nginx -v`
    /// prints.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason| VersionError {
            text: text.to_string(),
            reason,
        };
        let bare = text.trim();
        let bare = bare.strip_prefix("nginx/").unwrap_or(bare);
        let mut parts = bare.split('.');
        let mut next = |required: bool| -> Result<u16, VersionError> {
            match parts.next() {
                None if !required => Ok(0),
                None => Err(error("expected MAJOR.MINOR[.PATCH]")),
                Some(part) => part
                    .parse::<u16>()
                    .map_err(|_| error("each part must be a number")),
            }
        };
        let version = Version::new(next(true)?, next(true)?, next(false)?);
        if parts.next().is_some() {
            return Err(error("expected at most three parts"));
        }
        Ok(version)
    }
}

/// One comparison of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    Lt(Version),
    Le(Version),
    Gt(Version),
    Ge(Version),
    Eq(Version),
}

/// A set of versions: comparisons joined by commas, all of which must hold
/// (`">= 1.15.3, < 1.29.7"`). The empty range holds for every version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionRange {
    bounds: Vec<Bound>,
    text: String,
}

impl VersionRange {
    /// Every version.
    pub fn any() -> Self {
        VersionRange::default()
    }

    /// Whether `version` is in the range.
    pub fn contains(&self, version: Version) -> bool {
        self.bounds.iter().all(|bound| match *bound {
            Bound::Lt(v) => version < v,
            Bound::Le(v) => version <= v,
            Bound::Gt(v) => version > v,
            Bound::Ge(v) => version >= v,
            Bound::Eq(v) => version == v,
        })
    }

    /// Whether the range holds for every version.
    pub(crate) fn is_any(&self) -> bool {
        self.bounds.is_empty()
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_any() {
            f.write_str("any")
        } else {
            f.write_str(&self.text)
        }
    }
}

impl FromStr for VersionRange {
    type Err = VersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut bounds = Vec::new();
        for part in text.split(',').map(str::trim) {
            if part.is_empty() || part == "*" {
                continue;
            }
            let (op, rest) = ["<=", ">=", "==", "<", ">", "="]
                .iter()
                .find_map(|op| part.strip_prefix(op).map(|rest| (*op, rest)))
                .ok_or_else(|| VersionError {
                    text: text.to_string(),
                    reason: "each comparison starts with <, <=, >, >= or =",
                })?;
            let version: Version = rest
                .trim()
                .parse()
                .map_err(|e: VersionError| VersionError {
                    text: text.to_string(),
                    reason: e.reason,
                })?;
            bounds.push(match op {
                "<" => Bound::Lt(version),
                "<=" => Bound::Le(version),
                ">" => Bound::Gt(version),
                ">=" => Bound::Ge(version),
                _ => Bound::Eq(version),
            });
        }
        Ok(VersionRange {
            bounds,
            text: text.trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_nginx_v() {
        let read = |text: &str| Version::from_nginx_v(text).map(|v| v.to_string());
        assert_eq!(
            read("nginx version: nginx/1.22.1\n").as_deref(),
            Some("1.22.1")
        );
        assert_eq!(
            read("nginx version: nginx/1.24.0 (Ubuntu)\n").as_deref(),
            Some("1.24.0")
        );
        assert_eq!(
            read("nginx version: openresty/1.21.4.1\n").as_deref(),
            Some("1.21.4")
        );
        assert_eq!(
            read("Tengine version: Tengine/2.3.3 (nginx/1.18.0)\n").as_deref(),
            Some("1.18.0")
        );
        assert_eq!(read("nginx version: Angie/1.5.0\n"), None);
        assert_eq!(read(""), None);
    }

    #[test]
    fn versions_parse_and_order() {
        let v: Version = "1.29.7".parse().unwrap();
        assert_eq!(v, Version::new(1, 29, 7));
        assert_eq!(
            "nginx/1.22.1".parse::<Version>().unwrap(),
            Version::new(1, 22, 1)
        );
        assert_eq!("1.30".parse::<Version>().unwrap(), Version::new(1, 30, 0));
        assert!(Version::new(1, 9, 0) < Version::new(1, 15, 3));
        assert!("1.x".parse::<Version>().is_err());
        assert!("1".parse::<Version>().is_err());
        assert!("1.2.3.4".parse::<Version>().is_err());
    }

    #[test]
    fn ranges_hold_where_all_bounds_do() {
        let range: VersionRange = ">= 1.15.3, < 1.29.7".parse().unwrap();
        assert!(range.contains(Version::new(1, 22, 1)));
        assert!(range.contains(Version::new(1, 15, 3)));
        assert!(!range.contains(Version::new(1, 29, 7)));
        assert!(!range.contains(Version::new(1, 14, 0)));
        assert!(""
            .parse::<VersionRange>()
            .unwrap()
            .contains(Version::new(0, 1, 0)));
        assert!("~1.2".parse::<VersionRange>().is_err());
        assert!("< 1.x".parse::<VersionRange>().is_err());
    }
}
