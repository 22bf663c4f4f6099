//! Stable placeholders: the same secret gets the same placeholder
//! everywhere in a run, numbered per label in the order secrets are first
//! met (files in tree order, then document order), so the same input always
//! gives the same output.
//!
//! Placeholders are `REDACTED_<LABEL>_<N>`: letters, digits and `_` only,
//! safe unquoted in any argument, inside quotes, in a regex and next to a
//! `${var}`. Addresses and host names get stand-ins from the ranges set
//! aside for documentation (RFC 5737, RFC 3849, RFC 2606), so the result is
//! still an address or a name where nginx expects one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use std::net::{Ipv4Addr, Ipv6Addr};

/// What every placeholder contains; text holding it is never redacted again.
pub(crate) const MARK: &str = "REDACTED_";

/// The suffix of every stand-in host name.
pub(crate) const HOST_SUFFIX: &str = ".example";

/// Placeholders handed out so far.
#[derive(Debug, Default)]
pub struct Placeholders {
    secrets: HashMap<String, String>,
    counters: HashMap<&'static str, usize>,
    ipv4: HashMap<Ipv4Addr, Ipv4Addr>,
    ipv6: HashMap<Ipv6Addr, Ipv6Addr>,
    hosts: HashMap<String, String>,
    /// Placeholders, stand-in addresses and names already in the input: a
    /// new one must not be mistaken for them.
    taken: HashSet<String>,
    ipv4_made: u32,
    ipv6_made: u128,
    hosts_made: usize,
}

/// The shortest prefix a stand-in network gets: 32 blocks of /20 fit in
/// 198.18.0.0/15, so a `/8` becomes a `/20` (the same role, fewer hosts).
pub(crate) const MIN_NETWORK_PREFIX: u8 = 20;

/// What looks like a placeholder or a stand-in host name.
static STAND_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"REDACTED_[A-Z_]+?_[0-9]+|(?i)host[0-9]+\.example|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|2001:db8::[0-9a-f]+")
        .expect("valid regex")
});

/// Whether a text is one placeholder (`REDACTED_PRIVATE_KEY_1`): what an
/// earlier run wrote, never redacted again.
pub(crate) fn is_placeholder(text: &str) -> bool {
    STAND_IN
        .find(text)
        .is_some_and(|m| m.start() == 0 && m.end() == text.len() && text.starts_with(MARK))
}

impl Placeholders {
    /// Placeholders numbered past those already written in `texts`
    /// (`REDACTED_TOKEN_1`, `192.0.2.1`, `host1.example`), so a new secret
    /// never gets the stand-in of something else.
    pub(crate) fn avoiding<'t>(texts: impl IntoIterator<Item = &'t str>) -> Placeholders {
        let taken = texts
            .into_iter()
            .flat_map(|text| {
                STAND_IN
                    .find_iter(text)
                    .map(|m| m.as_str().to_ascii_lowercase())
            })
            .collect();
        Placeholders {
            taken,
            ..Placeholders::default()
        }
    }

    /// Number the IPv4 addresses of a run before any is asked for, in
    /// numeric order, so `a-b` ranges stay ranges. Without networks they
    /// come from the documentation ranges; with networks (`/N`) from
    /// 198.18.0.0/15, each network aligned on a block of its own (at least
    /// /[`MIN_NETWORK_PREFIX`] long, so several fit), the addresses inside
    /// it in its block, those after it past its block.
    pub(crate) fn plan_ipv4(&mut self, uses: impl IntoIterator<Item = (Ipv4Addr, Option<u8>)>) {
        let mut shortest: BTreeMap<Ipv4Addr, Option<u8>> = BTreeMap::new();
        for (addr, prefix) in uses {
            let entry = shortest.entry(addr).or_insert(prefix);
            *entry = match (*entry, prefix) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if shortest.values().all(Option::is_none) {
            for addr in shortest.keys() {
                self.ipv4(*addr);
            }
            return;
        }
        let space = u64::from(u32::from(Ipv4Addr::new(198, 18, 0, 0)));
        let space_end = space + (1 << 17);
        let mut cursor = space + 1;
        // Networks still open: (last original address, end of their block).
        let mut open: Vec<(u64, u64)> = Vec::new();
        for (addr, prefix) in shortest {
            let a = u64::from(u32::from(addr));
            while let Some(&(last, block_end)) = open.last() {
                if a <= last {
                    break;
                }
                cursor = cursor.max(block_end);
                open.pop();
            }
            if let Some(prefix) = prefix {
                let size = 1u64 << (32 - prefix.max(MIN_NETWORK_PREFIX));
                cursor = cursor.div_ceil(size) * size;
                open.push((a | ((1u64 << (32 - prefix)) - 1), cursor + size));
            } else {
                while self.is_taken(&Ipv4Addr::from(cursor as u32).to_string()) {
                    cursor += 1;
                }
            }
            if cursor >= space_end {
                // More than the space holds: the rest numbered one by one.
                self.ipv4(addr);
                continue;
            }
            self.ipv4.insert(addr, Ipv4Addr::from(cursor as u32));
            cursor += 1;
        }
    }

    /// The stand-in for the network `addr/prefix`: its planned address (see
    /// [`Placeholders::plan_ipv4`]) and a prefix of at least
    /// [`MIN_NETWORK_PREFIX`].
    pub(crate) fn ipv4_network(&mut self, addr: Ipv4Addr, prefix: u8) -> (Ipv4Addr, u8) {
        (self.ipv4(addr), prefix.max(MIN_NETWORK_PREFIX))
    }

    fn is_taken(&self, stand_in: &str) -> bool {
        self.taken.contains(&stand_in.to_ascii_lowercase())
    }
    /// The placeholder of a secret; a new one labelled `label` if the
    /// secret was not met before.
    pub fn secret(&mut self, secret: &str, label: &'static str) -> String {
        if let Some(known) = self.secrets.get(secret) {
            return known.clone();
        }
        let placeholder = loop {
            let n = self.next(label);
            let placeholder = format!("{MARK}{label}_{n}");
            if !self.is_taken(&placeholder) {
                break placeholder;
            }
        };
        self.secrets.insert(secret.to_string(), placeholder.clone());
        placeholder
    }

    /// The stand-in for an IPv4 address: 192.0.2.1-254, then
    /// 198.51.100.1-254, then 203.0.113.1-254, then 198.18.0.0/15
    /// (benchmarking, RFC 2544) for very large configurations.
    pub(crate) fn ipv4(&mut self, addr: Ipv4Addr) -> Ipv4Addr {
        if let Some(known) = self.ipv4.get(&addr) {
            return *known;
        }
        let stand_in = loop {
            let n = self.ipv4_made;
            self.ipv4_made += 1;
            let stand_in = match n / 254 {
                0 => Ipv4Addr::new(192, 0, 2, (n % 254 + 1) as u8),
                1 => Ipv4Addr::new(198, 51, 100, (n % 254 + 1) as u8),
                2 => Ipv4Addr::new(203, 0, 113, (n % 254 + 1) as u8),
                _ => Ipv4Addr::from(u32::from(Ipv4Addr::new(198, 18, 0, 1)) + (n - 762)),
            };
            if !self.is_taken(&stand_in.to_string()) {
                break stand_in;
            }
        };
        self.ipv4.insert(addr, stand_in);
        stand_in
    }

    /// The stand-in for an IPv6 address: 2001:db8::N.
    pub(crate) fn ipv6(&mut self, addr: Ipv6Addr) -> Ipv6Addr {
        if let Some(known) = self.ipv6.get(&addr) {
            return *known;
        }
        let stand_in = loop {
            self.ipv6_made += 1;
            let stand_in = Ipv6Addr::from((0x2001_0db8_u128 << 96) | self.ipv6_made);
            if !self.is_taken(&stand_in.to_string()) {
                break stand_in;
            }
        };
        self.ipv6.insert(addr, stand_in);
        stand_in
    }

    /// The stand-in for a host name (compared without case): `hostN.example`.
    pub fn host(&mut self, name: &str) -> String {
        let key = name.to_ascii_lowercase();
        if let Some(known) = self.hosts.get(&key) {
            return known.clone();
        }
        let stand_in = loop {
            self.hosts_made += 1;
            let stand_in = format!("host{}{HOST_SUFFIX}", self.hosts_made);
            if !self.is_taken(&stand_in) {
                break stand_in;
            }
        };
        self.hosts.insert(key, stand_in.clone());
        stand_in
    }

    fn next(&mut self, label: &'static str) -> usize {
        let counter = self.counters.entry(label).or_default();
        *counter += 1;
        *counter
    }
}

/// Whether an IPv4 address is one ngxfix keeps: loopback and the
/// unspecified address identify no one, netmasks are not addresses, and the
/// documentation and benchmarking ranges are where stand-ins come from
/// (keeping them makes a second run change nothing).
pub(crate) fn keeps_ipv4(addr: Ipv4Addr) -> bool {
    let [a, b, c, _] = addr.octets();
    addr.is_loopback()
        || addr.is_unspecified()
        || a == 255
        || (a, b, c) == (192, 0, 2)
        || (a, b, c) == (198, 51, 100)
        || (a, b, c) == (203, 0, 113)
        || (a == 198 && (b == 18 || b == 19))
}

/// Whether an IPv6 address is one ngxfix keeps (see [`keeps_ipv4`]).
pub(crate) fn keeps_ipv6(addr: Ipv6Addr) -> bool {
    let [a, b, ..] = addr.segments();
    addr.is_loopback() || addr.is_unspecified() || (a, b) == (0x2001, 0x0db8)
}

/// Whether a host name is one ngxfix keeps: `localhost` and the names
/// reserved for documentation and testing (RFC 2606, RFC 6761), stand-ins
/// included.
pub(crate) fn keeps_host(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || [".localhost", HOST_SUFFIX, ".invalid", ".test"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
        || ["example.com", "example.net", "example.org", "example"]
            .iter()
            .any(|doc| name == *doc || name.ends_with(&format!(".{doc}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        assert!(is_placeholder("REDACTED_PRIVATE_KEY_12"));
        assert!(!is_placeholder("REDACTED_TOKEN_1x"));
        assert!(!is_placeholder("xREDACTED_TOKEN_1"));
        assert!(!is_placeholder("host1.example"));
    }

    #[test]
    fn same_secret_same_placeholder_numbered_per_label() {
        let mut p = Placeholders::default();
        assert_eq!(p.secret("abc", "TOKEN"), "REDACTED_TOKEN_1");
        assert_eq!(p.secret("def", "PASSWORD"), "REDACTED_PASSWORD_1");
        assert_eq!(p.secret("ghi", "TOKEN"), "REDACTED_TOKEN_2");
        assert_eq!(p.secret("abc", "PASSWORD"), "REDACTED_TOKEN_1");
    }

    #[test]
    fn addresses_come_from_documentation_ranges() {
        let mut p = Placeholders::default();
        let a = Ipv4Addr::new(10, 1, 2, 3);
        assert_eq!(p.ipv4(a), Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(
            p.ipv4(Ipv4Addr::new(10, 1, 2, 4)),
            Ipv4Addr::new(192, 0, 2, 2)
        );
        assert_eq!(p.ipv4(a), Ipv4Addr::new(192, 0, 2, 1));
        for i in 0..300u32 {
            p.ipv4(Ipv4Addr::from(0x0b00_0000 + i));
        }
        assert_eq!(
            p.ipv4(Ipv4Addr::new(11, 0, 0, 0)),
            Ipv4Addr::new(192, 0, 2, 3)
        );
        assert_eq!(
            p.ipv4(Ipv4Addr::new(11, 0, 1, 0)),
            Ipv4Addr::new(198, 51, 100, 5)
        );
        let v6: Ipv6Addr = "fd00::1".parse().unwrap();
        assert_eq!(p.ipv6(v6).to_string(), "2001:db8::1");
        assert!(keeps_ipv4(p.ipv4(Ipv4Addr::new(8, 8, 8, 8))));
        assert!(keeps_ipv6(p.ipv6(v6)));
        assert!(!keeps_ipv4(Ipv4Addr::new(10, 0, 0, 1)));
    }

    #[test]
    fn numbering_skips_what_the_input_holds() {
        let mut p = Placeholders::avoiding([
            "set $a REDACTED_TOKEN_1; allow 192.0.2.1; server host1.example; # 2001:db8::1",
        ]);
        assert_eq!(p.secret("abc", "TOKEN"), "REDACTED_TOKEN_2");
        assert_eq!(p.secret("abc", "SECRET"), "REDACTED_TOKEN_2");
        assert_eq!(p.secret("def", "SECRET"), "REDACTED_SECRET_1");
        assert_eq!(
            p.ipv4(Ipv4Addr::new(10, 0, 0, 1)),
            Ipv4Addr::new(192, 0, 2, 2)
        );
        assert_eq!(p.host("db.corp.io"), "host2.example");
        assert_eq!(
            p.ipv6("fd00::1".parse().unwrap()).to_string(),
            "2001:db8::2"
        );
    }

    #[test]
    fn addresses_keep_their_order_and_networks_stay_distinct() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        let mut p = Placeholders::default();
        p.plan_ipv4([(ip("10.0.0.255"), None), (ip("10.0.0.0"), None)]);
        assert!(p.ipv4(ip("10.0.0.0")) < p.ipv4(ip("10.0.0.255")));
        let mut p = Placeholders::default();
        p.plan_ipv4([
            (ip("11.0.0.0"), Some(8)),
            (ip("10.0.0.7"), None),
            (ip("10.0.0.0"), Some(8)),
            (ip("12.0.0.1"), None),
        ]);
        let (ten, len) = p.ipv4_network(ip("10.0.0.0"), 8);
        let (eleven, _) = p.ipv4_network(ip("11.0.0.0"), 8);
        assert_eq!((ten, len), (ip("198.18.16.0"), 20));
        assert_eq!(eleven, ip("198.18.32.0"));
        assert_eq!(p.ipv4(ip("10.0.0.7")), ip("198.18.16.1"));
        assert_eq!(p.ipv4(ip("12.0.0.1")), ip("198.18.48.0"));
    }

    #[test]
    fn hosts_are_compared_without_case() {
        let mut p = Placeholders::default();
        assert_eq!(p.host("API.Corp.io"), "host1.example");
        assert_eq!(p.host("db.corp.io"), "host2.example");
        assert_eq!(p.host("api.corp.io"), "host1.example");
        assert!(keeps_host("host1.example"));
        assert!(keeps_host("localhost"));
        assert!(keeps_host("www.example.com"));
        assert!(!keeps_host("corp.io"));
    }
}
