//! Aggregating entries in bounded memory: counts per signature, upstream
//! address, method and minute. Every map has a cap on its distinct keys
//! (addresses, methods and messages come from the log, so from clients and
//! backends); what does not fit is counted in an "other" bucket, and the
//! per-minute histogram coarsens its buckets instead of growing.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::entry::{upstream_address, upstream_scheme, Entry, Level, Timestamp};
use super::signature::{classify, Class, Retry, COUNT, SIGNATURES};

/// Distinct upstream addresses kept.
pub(crate) const MAX_UPSTREAMS: usize = 10_000;
/// Distinct methods kept, overall and per signature (methods are what
/// clients send: anything).
pub(crate) const MAX_METHODS: usize = 32;
/// Distinct messages of unrecognised upstream errors kept.
pub(crate) const MAX_OTHER_MESSAGES: usize = 1_000;
/// Bytes of an unrecognised message kept as its key.
const OTHER_MESSAGE_BYTES: usize = 200;
/// Histogram buckets kept before they are coarsened.
pub(crate) const MAX_BUCKETS: usize = 4_096;
/// Bucket widths in minutes, finest first (then doubling).
const WIDTHS: [i64; 7] = [1, 5, 15, 60, 360, 1_440, 10_080];

/// A map from log bytes to counts with at most `cap` keys.
#[derive(Debug, Clone)]
pub struct Capped<V> {
    map: FxHashMap<Box<[u8]>, V>,
    cap: usize,
    /// Everything whose key did not fit.
    pub overflow: V,
    /// Entries counted in `overflow`.
    pub overflowed: u64,
}

impl<V: Default> Capped<V> {
    /// An empty map that keeps at most `cap` keys.
    pub fn new(cap: usize) -> Self {
        Capped {
            map: FxHashMap::default(),
            cap,
            overflow: V::default(),
            overflowed: 0,
        }
    }

    /// The value for `key`, inserted when there is room, else the overflow.
    pub fn slot(&mut self, key: &[u8]) -> &mut V {
        if !self.map.contains_key(key) {
            if self.map.len() >= self.cap {
                self.overflowed += 1;
                return &mut self.overflow;
            }
            self.map.insert(key.into(), V::default());
        }
        self.map.get_mut(key).expect("inserted above")
    }
}

impl<V> Capped<V> {
    /// The keys kept and their values (the overflow is not among them).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &V)> {
        self.map.iter().map(|(k, v)| (&**k, v))
    }

    /// Keys kept.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Counts of one signature.
#[derive(Debug, Clone)]
pub struct SignatureTally {
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub methods: Capped<u64>,
    /// Entries without a request line.
    pub no_method: u64,
    /// Entries on uwsgi:// or scgi:// upstreams, which never pool
    /// connections (research notes §1).
    pub unpooled_protocol: u64,
    /// The message of the first entry, as the log says it (its first line,
    /// at most [`MESSAGE_MAX`] characters): reports show it rather than the
    /// signature's generic wording, which names no real socket or address.
    pub message: Option<String>,
}

/// Characters of a log message kept as a signature's example.
pub const MESSAGE_MAX: usize = 200;

impl Default for SignatureTally {
    fn default() -> Self {
        SignatureTally {
            count: 0,
            first: None,
            last: None,
            methods: Capped::new(MAX_METHODS),
            no_method: 0,
            unpooled_protocol: 0,
            message: None,
        }
    }
}

/// Failures at one upstream address, per signature; the last slot counts
/// unrecognised upstream errors.
#[derive(Debug, Clone)]
pub struct AddressTally(pub [u64; COUNT + 1]);

impl Default for AddressTally {
    fn default() -> Self {
        AddressTally([0; COUNT + 1])
    }
}

impl AddressTally {
    /// Failures at the address, all signatures.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

/// Failures of one method.
#[derive(Debug, Default, Clone, Copy)]
pub struct MethodTally {
    pub failures: u64,
    /// Of those, stale-connection failures nginx retries only for
    /// idempotent methods ([`Retry::IdempotentOnly`]).
    pub stale: u64,
}

/// Upstream failures per time bucket; buckets are `width` minutes wide and
/// start at multiples of it (minutes since 1970, log local time).
#[derive(Debug, Clone)]
pub struct Histogram {
    pub width: i64,
    pub buckets: BTreeMap<i64, u64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            width: 1,
            buckets: BTreeMap::new(),
        }
    }
}

impl Histogram {
    /// Count one failure in the minute `minute` (see
    /// [`Timestamp::minutes`]).
    pub fn add(&mut self, minute: i64) {
        *self
            .buckets
            .entry(minute.div_euclid(self.width) * self.width)
            .or_default() += 1;
        while self.buckets.len() > MAX_BUCKETS {
            self.coarsen();
        }
    }

    fn coarsen(&mut self) {
        let wider = WIDTHS
            .iter()
            .copied()
            .find(|&w| w > self.width)
            .unwrap_or(self.width * 2);
        self.regroup(wider);
    }

    /// Re-bucket to `width` (a multiple of the current width).
    fn regroup(&mut self, width: i64) {
        let mut buckets = BTreeMap::new();
        for (&start, &count) in &self.buckets {
            *buckets.entry(start.div_euclid(width) * width).or_default() += count;
        }
        self.width = width;
        self.buckets = buckets;
    }

    /// A copy with buckets `width` minutes wide (no finer than kept).
    pub(crate) fn with_width(&self, width: i64) -> Histogram {
        let mut copy = self.clone();
        if width > copy.width {
            copy.regroup(width);
        }
        copy
    }
}

/// Everything counted.
#[derive(Debug, Clone)]
pub struct Tally {
    pub entries: u64,
    /// Lines that start like an entry (a date) but do not parse.
    pub malformed: u64,
    /// Entries whose last field nginx cut at its line limit.
    pub truncated: u64,
    pub levels: [u64; 8],
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// Upstream failures: failure signatures and unrecognised upstream
    /// errors.
    pub failures: u64,
    /// Entries not about an upstream.
    pub not_upstream: u64,
    pub signatures: Vec<SignatureTally>,
    /// Unrecognised upstream errors by message (without its action).
    pub other: Capped<u64>,
    pub other_total: u64,
    pub upstreams: Capped<AddressTally>,
    /// Failures with no upstream field.
    pub no_upstream: u64,
    pub methods: Capped<MethodTally>,
    pub histogram: Histogram,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            entries: 0,
            malformed: 0,
            truncated: 0,
            levels: [0; 8],
            first: None,
            last: None,
            failures: 0,
            not_upstream: 0,
            signatures: vec![SignatureTally::default(); COUNT],
            other: Capped::new(MAX_OTHER_MESSAGES),
            other_total: 0,
            upstreams: Capped::new(MAX_UPSTREAMS),
            no_upstream: 0,
            methods: Capped::new(MAX_METHODS),
            histogram: Histogram::default(),
        }
    }
}

fn widen(first: &mut Option<Timestamp>, last: &mut Option<Timestamp>, time: Timestamp) {
    if first.is_none_or(|t| time < t) {
        *first = Some(time);
    }
    if last.is_none_or(|t| time > t) {
        *last = Some(time);
    }
}

/// A method as a key: request lines are the client's, so anything that is
/// not a plausible method token is counted as one `(invalid)` key.
fn method_key(method: &[u8]) -> &[u8] {
    if method.len() <= 20 && method.iter().all(|b| b.is_ascii_uppercase() || *b == b'-') {
        method
    } else {
        b"(invalid)"
    }
}

impl Tally {
    /// Count one record that starts like an entry but does not parse.
    pub fn malformed(&mut self) {
        self.malformed += 1;
    }

    /// Count one entry.
    pub fn add(&mut self, entry: &Entry<'_>) {
        self.entries += 1;
        self.truncated += u64::from(entry.truncated);
        self.levels[Level::ALL
            .iter()
            .position(|&l| l == entry.level)
            .unwrap_or(0)] += 1;
        widen(&mut self.first, &mut self.last, entry.time);
        let slot = match classify(entry) {
            Class::NotUpstream => {
                self.not_upstream += 1;
                return;
            }
            Class::Known(index) => {
                let signature = &SIGNATURES[index];
                let tally = &mut self.signatures[index];
                tally.count += 1;
                if tally.message.is_none() {
                    let first = entry
                        .message
                        .split(|&b| b == b'\n')
                        .next()
                        .unwrap_or_default();
                    let text = String::from_utf8_lossy(first);
                    tally.message = Some(text.chars().take(MESSAGE_MAX).collect());
                }
                widen(&mut tally.first, &mut tally.last, entry.time);
                if !signature.kind.is_failure() {
                    return;
                }
                match entry.method() {
                    Some(method) => *tally.methods.slot(method_key(method)) += 1,
                    None => tally.no_method += 1,
                }
                let scheme = entry.upstream.and_then(upstream_scheme);
                if matches!(scheme, Some(b"uwsgi" | b"scgi")) {
                    tally.unpooled_protocol += 1;
                }
                index
            }
            Class::OtherUpstream => {
                self.other_total += 1;
                let (_, head) = super::signature::Phase::split(entry.message);
                *self
                    .other
                    .slot(&head[..head.len().min(OTHER_MESSAGE_BYTES)]) += 1;
                COUNT
            }
        };
        self.failures += 1;
        self.histogram.add(entry.time.minutes());
        if let Some(method) = entry.method() {
            let tally = self.methods.slot(method_key(method));
            tally.failures += 1;
            if slot < COUNT && SIGNATURES[slot].retry == Retry::IdempotentOnly {
                tally.stale += 1;
            }
        }
        match entry.upstream {
            Some(upstream) => self.upstreams.slot(upstream_address(upstream)).0[slot] += 1,
            None => self.no_upstream += 1,
        }
    }

    /// Count of a level.
    pub fn level(&self, level: Level) -> u64 {
        self.levels[Level::ALL.iter().position(|&l| l == level).unwrap_or(0)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::entry::parse;
    use crate::diagnose::signature::by_id;

    fn add(tally: &mut Tally, line: &str) {
        tally.add(&parse(line.as_bytes()).unwrap());
    }

    #[test]
    fn counts_by_signature_method_and_address() {
        let mut t = Tally::default();
        for (method, addr) in [
            ("GET", "10.0.0.1:80"),
            ("POST", "10.0.0.1:80"),
            ("POST", "10.0.0.2:80"),
        ] {
            add(&mut t, &format!("2026/11/24 13:39:35 [error] 1#1: *1 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 1.1.1.1, server: _, request: \"{method} / HTTP/1.1\", upstream: \"http://{addr}/\", host: \"h\""));
        }
        add(&mut t, "2026/11/24 13:41:00 [error] 1#1: *1 no live upstreams while connecting to upstream, client: 1.1.1.1, server: _, request: \"GET / HTTP/1.1\", upstream: \"http://app/\", host: \"h\"");
        add(&mut t, "2026/11/24 13:42:00 [error] 1#1: *1 memcached sent invalid trailer while reading upstream, client: 1.1.1.1, server: _, request: \"GET / HTTP/1.1\", upstream: \"memcached://10.0.0.3:11211\", host: \"h\"");
        add(
            &mut t,
            "2026/11/24 13:43:00 [info] 1#1: *1 client closed keepalive connection",
        );
        add(&mut t, "2026/11/24 13:38:00 [info] 1#1: *1 client prematurely closed connection while sending to client, client: 1.1.1.1, server: _");
        let reset = by_id("reset-reading-header").unwrap();
        assert_eq!(t.entries, 7);
        assert_eq!(t.failures, 5);
        assert_eq!(t.not_upstream, 1);
        assert_eq!(t.signatures[reset].count, 3);
        assert_eq!(t.signatures[by_id("client-closed").unwrap()].count, 1);
        let methods: BTreeMap<_, _> = t.signatures[reset]
            .methods
            .iter()
            .map(|(k, v)| (k.to_vec(), *v))
            .collect();
        assert_eq!(methods[&b"POST".to_vec()], 2);
        let post = t.methods.iter().find(|(k, _)| *k == b"POST").unwrap().1;
        assert_eq!((post.failures, post.stale), (2, 2));
        let get = t.methods.iter().find(|(k, _)| *k == b"GET").unwrap().1;
        assert_eq!((get.failures, get.stale), (3, 1));
        let addr1 = t
            .upstreams
            .iter()
            .find(|(k, _)| *k == b"10.0.0.1:80")
            .unwrap()
            .1;
        assert_eq!(addr1.0[reset], 2);
        let app = t.upstreams.iter().find(|(k, _)| *k == b"app").unwrap().1;
        assert_eq!(app.0[by_id("no-live-upstreams").unwrap()], 1);
        assert_eq!(t.other_total, 1);
        assert_eq!(
            t.other.iter().next().unwrap().0,
            b"memcached sent invalid trailer"
        );
        assert_eq!(t.first.unwrap().to_string(), "2026/11/24 13:38:00");
        assert_eq!(t.last.unwrap().to_string(), "2026/11/24 13:43:00");
        assert_eq!(t.level(Level::Info), 2);
        assert_eq!(t.histogram.buckets.values().sum::<u64>(), 5);
    }

    #[test]
    fn maps_are_capped() {
        let mut t = Tally::default();
        for i in 0..(MAX_UPSTREAMS + 50) {
            add(&mut t, &format!("2026/11/24 13:39:35 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 1.1.1.1, server: _, request: \"M{} / HTTP/1.1\", upstream: \"http://10.{}.{}.{}:80/\", host: \"h\"", char::from(b'A' + (i % 26) as u8).to_string().repeat(1 + i / 26), i >> 16, (i >> 8) & 255, i & 255));
        }
        assert_eq!(t.upstreams.len(), MAX_UPSTREAMS);
        assert_eq!(t.upstreams.overflowed, 50);
        assert_eq!(t.upstreams.overflow.total(), 50);
        assert_eq!(t.methods.len(), MAX_METHODS);
        assert_eq!(t.failures, (MAX_UPSTREAMS + 50) as u64);
    }

    #[test]
    fn invalid_methods_share_one_key() {
        let mut t = Tally::default();
        for method in ["\\x16\\x03\\x01", "get", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
            add(&mut t, &format!("2026/11/24 13:39:35 [error] 1#1: *1 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 1.1.1.1, server: _, request: \"{method} / HTTP/1.1\", upstream: \"http://a:1/\", host: \"h\""));
        }
        assert_eq!(t.methods.len(), 1);
        assert_eq!(t.methods.iter().next().unwrap().0, b"(invalid)");
    }

    #[test]
    fn histogram_coarsens_instead_of_growing() {
        let mut h = Histogram::default();
        // One failure a minute for ten days.
        for minute in 0..(10 * 1440) {
            h.add(minute);
        }
        assert!(h.buckets.len() <= MAX_BUCKETS);
        assert_eq!(h.width, 5);
        assert_eq!(h.buckets.values().sum::<u64>(), 10 * 1440);
        let daily = h.with_width(1440);
        assert_eq!(daily.buckets.len(), 10);
        assert!(daily.buckets.values().all(|&c| c == 1440));
    }
}
