//! Rendering a [`Tally`] for people (aligned text with the likely cause and
//! the rules next to each signature) and programs (JSON, documented in
//! docs/json-output.md).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::entry::{Level, Timestamp};
use super::records::LineCounts;
use super::signature::{Retry, Signature, COUNT, SIGNATURES};
use super::tally::{AddressTally, Capped, Histogram, MethodTally, Tally};
use crate::output::plural;

/// Version of the `diagnose` JSON schema; bumped only on incompatible change.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Addresses listed in the text report (JSON lists every one kept).
const TEXT_UPSTREAMS: usize = 20;
/// Unrecognised messages listed (text and JSON).
const LISTED_OTHER: usize = 20;
/// At most this many histogram rows in a unit before a coarser one is used.
const MAX_ROWS: i64 = 60;

/// One input read.
#[derive(Debug, Clone)]
pub struct Input {
    /// As the user named it (`-` for standard input).
    pub name: String,
    pub gzip: bool,
    /// Lines and bytes of log text (after decompression).
    pub lines: LineCounts,
}

/// What the report is about.
pub struct Diagnosis<'a> {
    pub inputs: &'a [Input],
    pub tally: &'a Tally,
    /// The `upstream{}` blocks (`name (file:line)`) that list an address,
    /// by address, when a configuration was given.
    pub blocks: &'a BTreeMap<String, Vec<String>>,
}

impl Diagnosis<'_> {
    fn lines(&self) -> LineCounts {
        let mut all = LineCounts::default();
        for input in self.inputs {
            let l = input.lines;
            all.lines += l.lines;
            all.entry_lines += l.entry_lines;
            all.continuation_lines += l.continuation_lines;
            all.orphan_lines += l.orphan_lines;
            all.bytes += l.bytes;
        }
        all
    }

    /// Lines skipped: entry-like lines that do not parse, and lines that
    /// continue no entry.
    fn skipped(&self) -> u64 {
        self.tally.malformed + self.lines().orphan_lines
    }

    /// Signatures seen, most frequent first (failures before the others).
    fn seen(&self) -> Vec<usize> {
        let mut seen: Vec<usize> = (0..COUNT)
            .filter(|&i| self.tally.signatures[i].count > 0)
            .collect();
        seen.sort_by_key(|&i| {
            (
                !SIGNATURES[i].kind.is_failure(),
                std::cmp::Reverse(self.tally.signatures[i].count),
                i,
            )
        });
        seen
    }

    /// The rule ids the signatures seen point to, in table order.
    pub fn rule_ids(&self) -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = Vec::new();
        for (signature, tally) in SIGNATURES.iter().zip(&self.tally.signatures) {
            if tally.count > 0 {
                for rule in signature.rules {
                    if !ids.contains(&rule.id) {
                        ids.push(rule.id);
                    }
                }
            }
        }
        ids
    }

    /// Requests that became errors for the client because nginx does not
    /// retry their method after a stale-connection failure.
    fn not_retried(&self, index: usize) -> u64 {
        if SIGNATURES[index].retry != Retry::IdempotentOnly {
            return 0;
        }
        self.tally.signatures[index]
            .methods
            .iter()
            .filter(|(m, _)| !super::signature::retried_method(m))
            .map(|(_, n)| n)
            .sum()
    }

    fn addresses(&self) -> Vec<(Cow<'_, str>, &AddressTally)> {
        ranked(
            &self.tally.upstreams,
            "(other addresses)",
            AddressTally::total,
        )
    }

    fn signature_addresses(&self, index: usize) -> Vec<(Cow<'_, str>, u64)> {
        let mut list: Vec<_> = self
            .addresses()
            .into_iter()
            .map(|(a, t)| (a, t.0[index]))
            .filter(|(_, n)| *n > 0)
            .collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list
    }

    fn methods(&self) -> Vec<(Cow<'_, str>, &MethodTally)> {
        ranked(&self.tally.methods, "(other)", |m| m.failures)
    }

    fn other_messages(&self) -> Vec<(Cow<'_, str>, u64)> {
        let mut list = counts(ranked(&self.tally.other, "(other messages)", |n| *n));
        list.truncate(LISTED_OTHER);
        list
    }
}

/// A capped map's keys as text with their values, largest `size` first
/// (then by key), and what overflowed under `other`.
fn ranked<'t, V>(
    map: &'t Capped<V>,
    other: &'static str,
    size: impl Fn(&V) -> u64,
) -> Vec<(Cow<'t, str>, &'t V)> {
    let mut list: Vec<_> = map
        .iter()
        .map(|(k, v)| (String::from_utf8_lossy(k), v))
        .collect();
    if map.overflowed > 0 {
        list.push((Cow::Borrowed(other), &map.overflow));
    }
    list.sort_by(|a, b| size(b.1).cmp(&size(a.1)).then_with(|| a.0.cmp(&b.0)));
    list
}

fn counts<'t>(list: Vec<(Cow<'t, str>, &u64)>) -> Vec<(Cow<'t, str>, u64)> {
    list.into_iter().map(|(k, n)| (k, *n)).collect()
}

fn signature_methods(tally: &Tally, index: usize) -> Vec<(Cow<'_, str>, u64)> {
    counts(ranked(&tally.signatures[index].methods, "(other)", |n| *n))
}

/// The histogram unit for a time span: minutes, hours, days or weeks,
/// the finest giving at most [`MAX_ROWS`] rows (and no finer than kept).
fn unit(histogram: &Histogram) -> (i64, &'static str) {
    let (Some(first), Some(last)) = (
        histogram.buckets.keys().next(),
        histogram.buckets.keys().next_back(),
    ) else {
        return (1, "minute");
    };
    let units = [(1, "minute"), (60, "hour"), (1440, "day"), (10080, "week")];
    units
        .into_iter()
        .find(|&(width, _)| width >= histogram.width && (last - first) / width < MAX_ROWS)
        .unwrap_or((histogram.width.max(10080), "week"))
}

/// Every bucket from the first to the last, empty ones included, unless a
/// stray timestamp years away makes that span huge: then only the buckets
/// with failures (at most [`super::tally::MAX_BUCKETS`]).
fn rows(histogram: &Histogram) -> (Vec<(i64, u64)>, &'static str, i64) {
    let (width, name) = unit(histogram);
    let grouped = histogram.with_width(width);
    let (Some(&first), Some(&last)) = (
        grouped.buckets.keys().next(),
        grouped.buckets.keys().next_back(),
    ) else {
        return (Vec::new(), name, width);
    };
    if (last - first) / width >= 4 * MAX_ROWS {
        let rows = grouped.buckets.iter().map(|(&s, &n)| (s, n)).collect();
        return (rows, name, grouped.width);
    }
    let rows = (0..=(last - first) / width)
        .map(|i| {
            let start = first + i * width;
            (start, grouped.buckets.get(&start).copied().unwrap_or(0))
        })
        .collect();
    (rows, name, grouped.width)
}

fn bucket_label(start: i64, unit: &str) -> String {
    let t = Timestamp::from_minutes(start);
    let full = t.to_string();
    match unit {
        "minute" | "hour" => full[..16].to_string(),
        _ => full[..10].to_string(),
    }
}

fn time_range(first: Option<Timestamp>, last: Option<Timestamp>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a} .. {b}"),
        _ => "-".to_string(),
    }
}

fn entries(n: u64) -> String {
    format!("{n} {}", if n == 1 { "entry" } else { "entries" })
}

fn list(items: &[(Cow<'_, str>, u64)]) -> String {
    items
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text report.
pub fn text(out: &mut dyn Write, d: &Diagnosis<'_>) -> io::Result<()> {
    let t = d.tally;
    let lines = d.lines();
    writeln!(
        out,
        "Read {}: {}, {} bytes; {} ({} continuation), {} skipped as malformed.",
        plural(d.inputs.len(), "input"),
        plural(lines.lines as usize, "line"),
        lines.bytes,
        entries(t.entries),
        lines.continuation_lines,
        d.skipped(),
    )?;
    if t.entries > 0 {
        let levels: Vec<String> = Level::ALL
            .iter()
            .filter(|&&l| t.level(l) > 0)
            .map(|&l| format!("{} {}", l.as_str(), t.level(l)))
            .collect();
        writeln!(out, "Levels: {}.", levels.join(", "))?;
        writeln!(out, "Time: {}.", time_range(t.first, t.last))?;
    }
    writeln!(out)?;
    if t.failures == 0 {
        writeln!(out, "No upstream failures.")?;
    } else {
        failures_text(out, d)?;
    }
    neighbours_text(out, d)
}

fn failures_text(out: &mut dyn Write, d: &Diagnosis<'_>) -> io::Result<()> {
    let t = d.tally;
    writeln!(out, "Upstream failures: {}.", t.failures)?;
    writeln!(out)?;
    let seen: Vec<usize> = d
        .seen()
        .into_iter()
        .filter(|&i| SIGNATURES[i].kind.is_failure())
        .collect();
    let id_width = seen
        .iter()
        .map(|&i| SIGNATURES[i].id.len())
        .chain(["other-upstream-error".len(), "signature".len()])
        .max()
        .unwrap_or(0);
    writeln!(
        out,
        "  {:>7}  {:<id_width$}  {:<17}  message",
        "count", "signature", "phase"
    )?;
    for &i in &seen {
        let s = &SIGNATURES[i];
        writeln!(
            out,
            "  {:>7}  {:<id_width$}  {:<17}  {}",
            t.signatures[i].count,
            s.id,
            s.phase.map_or("-", |p| p.as_str()),
            t.signatures[i].message.as_deref().unwrap_or(s.title)
        )?;
    }
    if t.other_total > 0 {
        writeln!(
            out,
            "  {:>7}  {:<id_width$}  {:<17}  (see below)",
            t.other_total, "other-upstream-error", "-"
        )?;
    }
    for &i in &seen {
        writeln!(out)?;
        signature_text(out, d, i)?;
    }
    if t.other_total > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "other-upstream-error: {} (upstream errors no signature describes)",
            t.other_total
        )?;
        for (message, n) in d.other_messages() {
            writeln!(out, "    {n:>7}  {message}")?;
        }
    }
    upstreams_text(out, d)?;
    methods_text(out, d)?;
    histogram_text(out, d)?;
    rules_text(out, d)
}

fn signature_text(out: &mut dyn Write, d: &Diagnosis<'_>, i: usize) -> io::Result<()> {
    let s: &Signature = &SIGNATURES[i];
    let st = &d.tally.signatures[i];
    writeln!(
        out,
        "{}: {} ({})",
        s.id,
        st.count,
        time_range(st.first, st.last)
    )?;
    let methods = signature_methods(d.tally, i);
    if !methods.is_empty() {
        let mut line = format!("    methods:   {}", list(&methods));
        if st.no_method > 0 {
            line.push_str(&format!(", no request line {}", st.no_method));
        }
        writeln!(out, "{line}")?;
    }
    if s.retry != Retry::NotApplicable {
        let mut line = format!("    retry:     {}", s.retry.text());
        let lost = d.not_retried(i);
        if lost > 0 {
            line.push_str(&format!(": {lost} here"));
        }
        writeln!(out, "{line}")?;
    }
    let addresses = d.signature_addresses(i);
    if !addresses.is_empty() {
        let shown: Vec<_> = addresses.iter().take(TEXT_UPSTREAMS).cloned().collect();
        let more = addresses.len().saturating_sub(TEXT_UPSTREAMS);
        let mut line = format!("    upstreams: {}", list(&shown));
        if more > 0 {
            line.push_str(&format!(" and {more} more"));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(out, "    cause:     {}", s.cause)?;
    if st.unpooled_protocol > 0 {
        writeln!(
            out,
            "    note:      {} of these on uwsgi:// or scgi:// upstreams, which never reuse connections: not a stale keepalive connection there",
            st.unpooled_protocol
        )?;
    }
    if s.rules.is_empty() {
        writeln!(out, "    rules:     none (not a keepalive problem)")?;
    } else {
        let ids: Vec<&str> = s.rules.iter().map(|r| r.id).collect();
        writeln!(out, "    rules:     {}", ids.join(", "))?;
    }
    Ok(())
}

/// Each rule once, with why it matters for the first signature seen that
/// points to it.
fn rules_text(out: &mut dyn Write, d: &Diagnosis<'_>) -> io::Result<()> {
    let ids = d.rule_ids();
    if ids.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "Rules for these failures (`ngxfix explain RULE`; `--config` runs them):"
    )?;
    for id in ids {
        let why = d
            .seen()
            .into_iter()
            .flat_map(|i| SIGNATURES[i].rules)
            .find(|r| r.id == id)
            .map_or("", |r| r.why);
        writeln!(out, "  {id}: {why}")?;
    }
    Ok(())
}

fn upstreams_text(out: &mut dyn Write, d: &Diagnosis<'_>) -> io::Result<()> {
    let addresses = d.addresses();
    if addresses.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "By upstream address:")?;
    let width = addresses
        .iter()
        .take(TEXT_UPSTREAMS)
        .map(|(a, _)| a.chars().count())
        .max()
        .unwrap_or(0)
        .max("address".len());
    writeln!(out, "  {:>7}  {:<width$}  signatures", "count", "address")?;
    for (address, tally) in addresses.iter().take(TEXT_UPSTREAMS) {
        let mut parts: Vec<(Cow<'_, str>, u64)> = (0..=COUNT)
            .filter(|&i| tally.0[i] > 0)
            .map(|i| {
                let id = SIGNATURES.get(i).map_or("other-upstream-error", |s| s.id);
                (Cow::Borrowed(id), tally.0[i])
            })
            .collect();
        parts.sort_by_key(|p| std::cmp::Reverse(p.1));
        let mut line = format!(
            "  {:>7}  {:<width$}  {}",
            tally.total(),
            address,
            list(&parts)
        );
        if let Some(blocks) = d.blocks.get(address.as_ref()) {
            line.push_str(&format!("; upstream {}", blocks.join(", ")));
        }
        writeln!(out, "{line}")?;
    }
    if addresses.len() > TEXT_UPSTREAMS {
        writeln!(
            out,
            "  ... and {} more addresses (all in --format json)",
            addresses.len() - TEXT_UPSTREAMS
        )?;
    }
    if d.tally.no_upstream > 0 {
        writeln!(
            out,
            "  {:>7}  {:<width$}  (no upstream field in the line)",
            d.tally.no_upstream, "-"
        )?;
    }
    Ok(())
}

fn methods_text(out: &mut dyn Write, d: &Diagnosis<'_>) -> io::Result<()> {
    let methods = d.methods();
    if methods.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "By method (stale: failures on a reused connection, which nginx retries only for idempotent methods):"
    )?;
    let width = methods
        .iter()
        .map(|(m, _)| m.chars().count())
        .max()
        .unwrap_or(0)
        .max("method".len());
    writeln!(
        out,
        "  {:<width$}  {:>8}  {:>7}  after a stale connection",
        "method", "failures", "stale"
    )?;
    for (method, tally) in &methods {
        let what = if tally.stale == 0 {
            ""
        } else if super::signature::retried_method(method.as_bytes()) {
            "retried by nginx (the client usually got a response)"
        } else {
            "not retried: 502 to the client"
        };
        let line = format!(
            "  {:<width$}  {:>8}  {:>7}  {what}",
            method, tally.failures, tally.stale
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn histogram_text(out: &mut dyn Write, d: &Diagnosis<'_>) -> io::Result<()> {
    let (rows, unit, _) = rows(&d.tally.histogram);
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Upstream failures per {unit}:")?;
    let top = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    for (start, count) in rows {
        let bar = "#".repeat(((count * 50).div_ceil(top)) as usize);
        let line = format!("  {}  {count:>7}  {bar}", bucket_label(start, unit));
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn neighbours_text(out: &mut dyn Write, d: &Diagnosis<'_>) -> io::Result<()> {
    let others: Vec<usize> = d
        .seen()
        .into_iter()
        .filter(|&i| !SIGNATURES[i].kind.is_failure())
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Not upstream failures:")?;
    let width = others
        .iter()
        .map(|&i| SIGNATURES[i].id.len())
        .max()
        .unwrap_or(0);
    for i in others {
        writeln!(
            out,
            "  {:>7}  {:<width$}  {}",
            d.tally.signatures[i].count, SIGNATURES[i].id, SIGNATURES[i].cause
        )?;
    }
    Ok(())
}

fn retry_value(retry: Retry) -> Option<&'static str> {
    match retry {
        Retry::IdempotentOnly => Some("idempotent-only"),
        Retry::NextServer => Some("next-server"),
        Retry::IdempotentNextServer => Some("idempotent-next-server"),
        Retry::Never => Some("never"),
        Retry::NotApplicable => None,
    }
}

fn counts_object(items: &[(Cow<'_, str>, u64)]) -> Value {
    Value::Object(
        items
            .iter()
            .map(|(k, n)| (k.to_string(), json!(n)))
            .collect(),
    )
}

/// The JSON report; `findings` is the `findings` array of `check --format
/// json` when a configuration was checked, else `null`.
pub fn json(d: &Diagnosis<'_>, findings: Option<Vec<Value>>) -> Value {
    let t = d.tally;
    let lines = d.lines();
    let levels: serde_json::Map<String, Value> = Level::ALL
        .iter()
        .map(|&l| (l.as_str().to_string(), json!(t.level(l))))
        .collect();
    let signatures: Vec<Value> = d
        .seen()
        .into_iter()
        .map(|i| {
            let s = &SIGNATURES[i];
            let st = &t.signatures[i];
            json!({
                "id": s.id,
                "kind": s.kind.as_str(),
                "failure": s.kind.is_failure(),
                "message": st.message.as_deref().unwrap_or(s.title),
                "title": s.title,
                "phase": s.phase.map(|p| p.as_str()),
                "count": st.count,
                "first": st.first.map(|t| t.to_string()),
                "last": st.last.map(|t| t.to_string()),
                "methods": counts_object(&signature_methods(t, i)),
                "without_request": st.no_method,
                "not_retried": d.not_retried(i),
                "retry": retry_value(s.retry),
                "upstreams": counts_object(&d.signature_addresses(i)),
                "unpooled_protocol": st.unpooled_protocol,
                "cause": s.cause,
                "rules": s.rules.iter().map(|r| json!({"id": r.id, "why": r.why})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let upstreams: Vec<Value> = d
        .addresses()
        .into_iter()
        .map(|(address, tally)| {
            let by: serde_json::Map<String, Value> = (0..=COUNT)
                .filter(|&i| tally.0[i] > 0)
                .map(|i| {
                    let id = SIGNATURES.get(i).map_or("other-upstream-error", |s| s.id);
                    (id.to_string(), json!(tally.0[i]))
                })
                .collect();
            let blocks = d.blocks.get(address.as_ref()).cloned().unwrap_or_default();
            json!({
                "address": address,
                "failures": tally.total(),
                "signatures": by,
                "upstream_blocks": blocks,
            })
        })
        .collect();
    let methods: Vec<Value> = d
        .methods()
        .into_iter()
        .map(|(method, tally)| {
            json!({
                "method": method,
                "failures": tally.failures,
                "stale": tally.stale,
                "retried_by_nginx": super::signature::retried_method(method.as_bytes()),
            })
        })
        .collect();
    let (rows, unit, width) = rows(&t.histogram);
    let buckets: Vec<Value> = rows
        .into_iter()
        .map(|(start, count)| {
            json!({"start": Timestamp::from_minutes(start).to_string(), "failures": count})
        })
        .collect();
    let other: Vec<Value> = d
        .other_messages()
        .into_iter()
        .map(|(message, count)| json!({"message": message, "count": count}))
        .collect();
    json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "ngxfix", "version": env!("CARGO_PKG_VERSION")},
        "inputs": d.inputs.iter().map(|i| json!({
            "name": i.name,
            "gzip": i.gzip,
            "bytes": i.lines.bytes,
            "lines": i.lines.lines,
        })).collect::<Vec<_>>(),
        "lines": {
            "total": lines.lines,
            "entries": t.entries,
            "continuation": lines.continuation_lines,
            "malformed": t.malformed,
            "orphan": lines.orphan_lines,
            "truncated_entries": t.truncated,
        },
        "levels": levels,
        "first": t.first.map(|t| t.to_string()),
        "last": t.last.map(|t| t.to_string()),
        "upstream_failures": t.failures,
        "signatures": signatures,
        "other_upstream_errors": {
            "count": t.other_total,
            "messages": other,
        },
        "upstreams": upstreams,
        "failures_without_upstream": t.no_upstream,
        "methods": methods,
        "histogram": {
            "unit": unit,
            "width_minutes": width,
            "buckets": buckets,
        },
        "rules": d.rule_ids(),
        "findings": findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_units_and_rows() {
        let mut h = Histogram::default();
        for minute in [100, 101, 130] {
            h.add(minute);
        }
        let (rows_, unit_, width) = rows(&h);
        assert_eq!((unit_, width, rows_.len()), ("minute", 1, 31));
        assert_eq!(rows_[0], (100, 1));
        assert_eq!(rows_[15], (115, 0));
        h.add(100 + 3 * 60);
        assert_eq!(rows(&h).1, "hour");
        h.add(100 + 5 * 1440);
        assert_eq!(rows(&h).1, "day");
        // A stray timestamp decades away: only the buckets with failures.
        h.add(100 + 40 * 365 * 1440);
        let (rows_, unit_, _) = rows(&h);
        assert_eq!(unit_, "week");
        // The first week holds the first five.
        assert_eq!(rows_.len(), 2);
        assert_eq!(rows_.iter().map(|r| r.1).sum::<u64>(), 6);
    }
}
