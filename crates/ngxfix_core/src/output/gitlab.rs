//! GitLab's Code Quality report (`check --format gitlab`): a JSON array of
//! issues, each with a description, the rule as `check_name`, a severity
//! GitLab knows, the file and line, and a fingerprint.
//!
//! GitLab compares the report of a merge request with the target branch's
//! by fingerprint: an issue whose fingerprint is in both is "unchanged",
//! one only in the new report is "introduced". So the fingerprint must not
//! depend on the line number (a line inserted above would make every
//! finding below look new and fixed at once), nor on the machine or the
//! run. It is the FNV-1a 128-bit hash (written out here: a few lines, and
//! no dependency whose output could change with its version) of the rule
//! id, the path, the text of the directive the finding points at, and an
//! occurrence index that tells identical directives of one file apart
//! (the first `proxy_pass http://app;` with a finding of a rule is 0, the
//! second 1, in the order of the report, which follows the file).

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::rules::{Finding, Severity};

/// GitLab's severity for ours. GitLab knows `info`, `minor`, `major`,
/// `critical` and `blocker`; an ngxfix error (the configuration fails
/// requests: 502s, a disclosed secret) is `critical`, a warning `major`,
/// info `info`. `blocker` is left to what stops a pipeline, which is the
/// exit status's job (`--fail-on`), not the report's.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    }
}

/// FNV-1a, 128 bits (<http://www.isthe.com/chongo/tech/comp/fnv/>): stable
/// by definition, unlike `std`'s hashers, which are seeded or may change
/// between Rust versions.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a128(u128);

impl Default for Fnv1a128 {
    fn default() -> Self {
        Fnv1a128(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d)
    }
}

impl Fnv1a128 {
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

    /// Hash `bytes` in.
    pub fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u128::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// The hash so far.
    pub fn finish(self) -> u128 {
        self.0
    }
}

/// The FNV-1a 128 hash of `parts`, each preceded by its length, so that
/// ("ab", "c") and ("a", "bc") differ.
pub fn hash_parts(parts: &[&[u8]]) -> u128 {
    let mut hash = Fnv1a128::default();
    for part in parts {
        hash.write(&(part.len() as u64).to_le_bytes());
        hash.write(part);
    }
    hash.finish()
}

/// The path as GitLab resolves it, relative to the repository: a leading
/// `./` dropped (`./nginx/nginx.conf` and `nginx/nginx.conf` are one file
/// to GitLab, and should give one fingerprint).
pub fn report_path(path: &str) -> &str {
    let mut path = path;
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    path
}

/// The text of the directive a finding points at, as the report sees it:
/// its head ([`directive_head`](crate::syntax::directive_head), the words
/// to the `;` or `{`, blanks folded) on the finding's line. A line too long
/// to show whole was cut around the start, with `...`: still the same text
/// for the same line.
pub fn directive_text(finding: &Finding) -> String {
    let skip = finding.excerpt_col.saturating_sub(1) as usize;
    let rest: String = finding.excerpt.chars().skip(skip).collect();
    crate::syntax::directive_head(rest.as_bytes())
}

/// Hands out fingerprints in report order, counting identical keys.
#[derive(Debug, Default)]
pub struct Fingerprints {
    /// Occurrences so far of each key (the hash of rule, path and text).
    seen: FxHashMap<u128, u32>,
}

impl Fingerprints {
    /// The fingerprint of the next finding of the report: 32 hex digits.
    pub fn next(&mut self, finding: &Finding) -> String {
        let text = directive_text(finding);
        let path = report_path(&finding.path);
        let key = hash_parts(&[
            b"ngxfix gitlab fingerprint 1",
            finding.rule.as_bytes(),
            path.as_bytes(),
            text.as_bytes(),
        ]);
        let count = self.seen.entry(key).or_insert(0);
        let occurrence = *count;
        *count += 1;
        let fingerprint = hash_parts(&[&key.to_le_bytes(), &occurrence.to_le_bytes()]);
        format!("{fingerprint:032x}")
    }
}

/// One issue of the report.
#[derive(Debug, Serialize)]
pub struct Issue<'a> {
    pub description: String,
    pub check_name: &'a str,
    pub fingerprint: String,
    pub severity: &'static str,
    pub location: Location<'a>,
}

/// Where an issue is.
#[derive(Debug, Serialize)]
pub struct Location<'a> {
    pub path: &'a str,
    pub lines: Lines,
}

/// The issue's first line (GitLab reads `begin` only).
#[derive(Debug, Serialize)]
pub struct Lines {
    pub begin: u32,
}

/// The issue for `finding`, with its fingerprint from [`Fingerprints`].
pub fn issue(finding: &Finding, fingerprint: String) -> Issue<'_> {
    Issue {
        // The rule in front: GitLab's merge request widget shows the
        // description, not the check name.
        description: format!("{}: {}", finding.rule, finding.message),
        check_name: &finding.rule,
        fingerprint,
        severity: severity(finding.severity),
        location: Location {
            path: report_path(&finding.path),
            lines: Lines {
                begin: finding.start.line,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts;
    use crate::model::{Model, Version};
    use crate::rules::{load, run, RunOptions};

    fn findings(text: &str) -> Vec<Finding> {
        let tree = from_texts(&[("nginx.conf", text)]);
        let model = Model::new(&tree, Version::ASSUMED);
        let rules = load::builtin().unwrap();
        run(&rules, &model, &RunOptions::default())
    }

    fn fingerprints(findings: &[Finding]) -> Vec<(String, String)> {
        let mut prints = Fingerprints::default();
        findings
            .iter()
            .map(|f| (f.rule.clone(), prints.next(f)))
            .collect()
    }

    #[test]
    fn fnv1a_128_gives_the_reference_values() {
        // The FNV reference code's test vectors.
        let hash = |bytes: &[u8]| {
            let mut hash = Fnv1a128::default();
            hash.write(bytes);
            hash.finish()
        };
        assert_eq!(hash(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_eq!(hash(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
        assert_eq!(hash(b"foobar"), 0x343e_1662_793c_64bf_6f0d_3597_ba44_6f18);
        assert_ne!(hash_parts(&[b"ab", b"c"]), hash_parts(&[b"a", b"bc"]));
    }

    #[test]
    fn a_leading_dot_slash_is_not_part_of_the_path() {
        assert_eq!(report_path("./nginx/nginx.conf"), "nginx/nginx.conf");
        assert_eq!(report_path(".//nginx.conf"), "nginx.conf");
        assert_eq!(report_path("nginx.conf"), "nginx.conf");
        assert_eq!(
            report_path("/etc/nginx/nginx.conf"),
            "/etc/nginx/nginx.conf"
        );
        assert_eq!(report_path("../nginx.conf"), "../nginx.conf");
    }

    #[test]
    fn the_directive_text_is_the_span_on_its_line() {
        let found = findings(
            "http {\n  upstream app { server 127.0.0.1:8000; keepalive 8; }\n  server {\n    location / { proxy_pass http://app; }\n  }\n}\n",
        );
        let pass = found
            .iter()
            .find(|f| f.rule == "proxy-http-version")
            .expect("a finding at proxy_pass");
        assert_eq!(directive_text(pass), "proxy_pass http://app;");
    }

    #[test]
    fn inserting_lines_above_keeps_every_fingerprint() {
        let text = "http {\n  upstream app { server 127.0.0.1:8000; keepalive 8; }\n  server {\n    location / { proxy_pass http://app; }\n  }\n}\n";
        let before = fingerprints(&findings(text));
        assert!(before.len() >= 2, "{before:?}");
        let moved = text.replacen("http {\n", "# a comment\n\nhttp {\n  # another\n", 1);
        let after = findings(&moved);
        assert_ne!(
            after.iter().map(|f| f.start.line).collect::<Vec<_>>(),
            findings(text)
                .iter()
                .map(|f| f.start.line)
                .collect::<Vec<_>>()
        );
        assert_eq!(fingerprints(&after), before);
    }

    #[test]
    fn identical_directives_get_distinct_fingerprints() {
        let found = findings(
            "http {\n  upstream app { server 127.0.0.1:8000; keepalive 8; }\n  server {\n    location /a { proxy_pass http://app; }\n    location /b { proxy_pass http://app; }\n  }\n}\n",
        );
        let prints = fingerprints(&found);
        let same_rule: Vec<&String> = prints
            .iter()
            .filter(|(rule, _)| rule == "proxy-http-version")
            .map(|(_, print)| print)
            .collect();
        assert_eq!(same_rule.len(), 2, "{prints:?}");
        assert_ne!(same_rule[0], same_rule[1]);
        let mut all: Vec<&String> = prints.iter().map(|(_, p)| p).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), prints.len(), "{prints:?}");
    }

    #[test]
    fn the_rule_and_the_path_are_part_of_the_fingerprint() {
        let text = "http {\n  upstream app { server 127.0.0.1:8000; keepalive 8; }\n  server {\n    location / { proxy_pass http://app; }\n  }\n}\n";
        let found = findings(text);
        let mut elsewhere = found.clone();
        for f in &mut elsewhere {
            f.path = "other.conf".into();
        }
        let here = fingerprints(&found);
        let there = fingerprints(&elsewhere);
        for ((_, a), (_, b)) in here.iter().zip(&there) {
            assert_ne!(a, b);
        }
        assert!(here.iter().all(|(_, p)| p.len() == 32));
    }
}
