//! Spring Boot's `application.properties` and `application.yml`: the idle
//! keepalive timeout of its embedded Tomcat.
//!
//! `server.tomcat.keep-alive-timeout` (Spring Boot 2.5+, spring-boot#23539)
//! sets Tomcat's `keepAliveTimeout`; without it Tomcat uses
//! `connectionTimeout`, which `server.tomcat.connection-timeout` sets;
//! without that, Tomcat's own 60 s. Both are `java.time.Duration`s with no
//! `@DurationUnit`, so a bare number is milliseconds; Spring Boot hands
//! Tomcat `(int) duration.toMillis()`, and Tomcat treats 0 or less as no
//! timeout. `server.tomcat.max-keep-alive-requests=1` closes every
//! connection (`Connection: close`).
//!
//! Keys bind relaxedly (`ConfigurationPropertyName`): each dot-separated
//! element compares case-insensitively with everything but letters and
//! digits ignored, so `keepAliveTimeout`, `keep_alive_timeout` and
//! `KEEP-ALIVE-TIMEOUT` all match. Files are scanned line by line, the way
//! Spring Boot's `OriginTrackedPropertiesLoader` reads properties (`#`/`!`
//! comments, `=`, `:` or blank separators, `\` continuations, `#---`
//! documents) and with enough YAML (block mappings by indentation, dotted
//! keys, quotes, comments, `---` documents) to keep every edit to the bytes
//! of one value or one added line.
//!
//! A document activated by `spring.config.activate.on-profile` (or the
//! older `spring.profiles`, or `on-cloud-platform`) applies only when that
//! profile is active, which the file does not say: when such documents
//! would change the timeout, the reading is unknown. The exception is a
//! file whose only settings sit in one such document (the user named the
//! file for that profile); it is read as if active.

use crate::format::{need, Need, ServerFormat};
use crate::kinds::ServerKind;
use crate::lang::{properties, yaml};
use crate::{text, Idle, MisplacedEdit, RaiseError, Reading, Source, TextEdit};
use ngxfix_text::Duration;

const KIND: &str = "spring-boot";

/// Spring Boot: `application.properties` or `application.yml`.
#[derive(Debug)]
pub(crate) struct SpringBoot;

impl ServerFormat for SpringBoot {
    fn kinds(&self) -> &'static [&'static str] {
        &["spring-boot"]
    }

    fn files(&self) -> &'static str {
        "application.properties or application.yml"
    }

    fn read(&self, src: &Source<'_>) -> Reading {
        read(src)
    }

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<TextEdit>, RaiseError> {
        edits(src, target)
    }

    /// A line the file continues into the new one, or a quote left open,
    /// swallows it: the user is told to edit by hand.
    fn not_raised(&self, after: Result<Reading, MisplacedEdit>, _target: Duration) -> RaiseError {
        RaiseError::Unplaced {
            reads: after.ok().map(|after| after.detail),
        }
    }
}

/// The idle timeout the file gives embedded Tomcat.
fn read(src: &Source<'_>) -> Reading {
    let file = File::parse(src);
    let (idle, detail) = match file.evaluate(src.version) {
        Ok(outcomes) => {
            let first = &outcomes[0];
            (first.idle.clone(), first.detail.clone())
        }
        Err(why) => (Idle::Unknown(why.to_string()), why.to_string()),
    };
    Reading {
        idle,
        kind: KIND,
        detail,
    }
}

/// Edits after which the file gives at least `target`: the value replaced
/// in its own style, or `server.tomcat.keep-alive-timeout` added next to
/// `connection-timeout` or under the file's `server`/`tomcat` settings.
fn edits(src: &Source<'_>, target: Duration) -> Result<Vec<TextEdit>, RaiseError> {
    let file = File::parse(src);
    let outcomes = file
        .evaluate(src.version)
        .map_err(|why| RaiseError::Unknown(why.to_string()))?;
    let mut edits: Vec<TextEdit> = Vec::new();
    for outcome in &outcomes {
        match need(&outcome.idle, target)? {
            Need::Longer => {}
            // max-keep-alive-requests=1: a longer timeout changes nothing.
            Need::KeepaliveOff => return Err(RaiseError::Pointless(outcome.detail.clone())),
            Need::Nothing => continue,
        }
        let edit = match outcome.decisive {
            Decisive::Entry(doc, i) => file.raise_entry(doc, i, target)?,
            Decisive::Default(doc) => file.add_setting(doc, target),
        };
        edits.push(edit);
    }
    Ok(edits)
}

/// Why the file does not say, in a way ngxfix reads with confidence, what
/// the timeout is. `shown` is an entry as the file writes it, with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Unreadable {
    /// What the reader found in a document (a flow mapping, a merge key).
    #[error("{0}")]
    Document(String),
    /// A value the reader cannot take (an alias, a block scalar, none).
    #[error("{shown} {problem}")]
    Entry { shown: String, problem: String },
    #[error("{shown} is a placeholder, resolved from the environment at startup")]
    Placeholder { shown: String },
    #[error("{shown} {why}")]
    Duration { shown: String, why: BadDuration },
    #[error("{shown} is the name before Spring Boot 2.2 (deprecated then, not read by 3.x): whether it applies depends on the version (give it as spring-boot@3), or set server.tomcat.keep-alive-timeout")]
    Legacy { shown: String },
    /// A profile's document sets another timeout than the default.
    #[error("the timeout depends on the active profile: {default} by default ({detail}), {other} with {condition}")]
    DependsOnProfile {
        default: Idle,
        detail: String,
        other: Idle,
        condition: String,
    },
}

/// Why a value is not a duration Spring Boot and Tomcat take; after the
/// entry in messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum BadDuration {
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

/// The settings that decide the idle timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setting {
    KeepAlive,
    Connection,
    MaxRequests,
    /// `server.connection-timeout`, the name before Spring Boot 2.2.
    Legacy,
}

const SETTINGS: &[(&[&str], Setting)] = &[
    (
        &["server", "tomcat", "keepalivetimeout"],
        Setting::KeepAlive,
    ),
    (
        &["server", "tomcat", "connectiontimeout"],
        Setting::Connection,
    ),
    (
        &["server", "tomcat", "maxkeepaliverequests"],
        Setting::MaxRequests,
    ),
    (&["server", "connectiontimeout"], Setting::Legacy),
];

/// Keys that make a document conditional.
const CONDITIONS: &[&[&str]] = &[
    &["spring", "config", "activate", "onprofile"],
    &["spring", "config", "activate", "oncloudplatform"],
    &["spring", "profiles"],
];

/// A key's element as Spring Boot compares it: lower case, letters and
/// digits only.
fn normalize(element: &str) -> String {
    element
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn path_of(key: &str) -> Vec<String> {
    key.split('.').map(normalize).collect()
}

fn setting_of(path: &[String]) -> Option<Setting> {
    SETTINGS
        .iter()
        .find(|(p, _)| p.iter().eq(path.iter()))
        .map(|(_, s)| *s)
}

fn is_condition(path: &[String]) -> bool {
    CONDITIONS.iter().any(|p| p.iter().eq(path.iter()))
}

/// Whether `path` leads to (or is) one of the timeout settings.
fn leads_to_setting(path: &[String]) -> bool {
    SETTINGS
        .iter()
        .any(|(p, _)| path.len() <= p.len() && p.iter().zip(path).all(|(a, b)| a == b))
}

/// One `key = value` (or YAML `key: value`) the file sets.
#[derive(Debug)]
struct Entry {
    setting: Option<Setting>,
    path: Vec<String>,
    /// The key as written, whole (YAML: the dotted path through its
    /// parent mappings).
    key: String,
    /// The key as written on its own line (YAML: without its parents).
    own_key: String,
    value: String,
    /// The value's bytes in the file, when it can be replaced in place.
    span: Option<(usize, usize)>,
    line: usize,
    /// The start of the last physical line the entry spans.
    last_line: usize,
    /// Properties: what separates key and value (`=`, ` = `, `: `).
    sep: String,
    /// Why the value cannot be read (an alias, a block scalar...).
    problem: Option<String>,
}

impl Entry {
    fn shown(&self, yaml: bool) -> String {
        if yaml {
            format!("{}: {} at line {}", self.key, self.value, self.line)
        } else {
            format!("{}={} at line {}", self.key, self.value, self.line)
        }
    }
}

/// A YAML line with content (not blank, not a comment), for finding where
/// a new setting goes.
#[derive(Debug)]
struct YamlLine {
    start: usize,
    indent: usize,
    path: Vec<String>,
    own_key: String,
    /// A mapping key with no value on its line: its children follow.
    parent: bool,
    /// A key with a scalar value.
    scalar: bool,
}

/// One document of the file (`---` in YAML, `#---` in properties).
#[derive(Debug, Default)]
struct Document {
    entries: Vec<Entry>,
    /// The activation key that makes it conditional, for messages.
    condition: Option<String>,
    /// Where the next document's separator line starts (`None`: the end
    /// of the file).
    end: Option<usize>,
    lines: Vec<YamlLine>,
    /// Why the document's `server` settings cannot be read (a flow
    /// mapping, a merge key).
    problem: Option<String>,
}

/// The file's documents and its style.
struct File<'a> {
    text: &'a str,
    name: &'a str,
    yaml: bool,
    docs: Vec<Document>,
    /// YAML: the indentation step the file uses.
    step: usize,
}

/// Which entry decides a scenario's timeout, or the document a new setting
/// would go in when none does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decisive {
    Entry(usize, usize),
    Default(usize),
}

#[derive(Debug)]
struct Outcome {
    idle: Idle,
    detail: String,
    decisive: Decisive,
}

impl<'a> File<'a> {
    fn parse(src: &Source<'a>) -> File<'a> {
        let name = src.path.rsplit(['/', '\\']).next().unwrap_or(src.path);
        let lower = name.to_ascii_lowercase();
        let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
        let mut file = File {
            text: src.text,
            name,
            yaml,
            docs: Vec::new(),
            step: 2,
        };
        if yaml {
            file.parse_yaml();
        } else {
            file.parse_properties();
        }
        file
    }

    /// The outcome of each way the file can apply: by default, and with
    /// each conditional document active; one outcome when they agree.
    fn evaluate(&self, version: Option<u32>) -> Result<Vec<Outcome>, Unreadable> {
        let base: Vec<usize> = (0..self.docs.len())
            .filter(|&d| self.docs[d].condition.is_none())
            .collect();
        let conditional: Vec<usize> = (0..self.docs.len())
            .filter(|&d| self.docs[d].condition.is_some() && self.has_settings(d))
            .collect();
        // A new setting goes in the first unconditional document with
        // content (not the empty one before a leading `---`).
        let home = base
            .iter()
            .copied()
            .find(|&d| !self.docs[d].entries.is_empty() || !self.docs[d].lines.is_empty())
            .or(base.last().copied())
            .unwrap_or(0);
        let only_one =
            conditional.len() == 1 && base.iter().all(|&d| self.docs[d].entries.is_empty());
        if only_one {
            let d = conditional[0];
            let mut outcome = self.outcome(&[d], d, version)?;
            outcome.detail.push_str(&format!(
                " (in the document for {})",
                self.docs[d].condition.as_deref().unwrap_or_default()
            ));
            return Ok(vec![outcome]);
        }
        let mut outcomes = vec![self.outcome(&base, home, version)?];
        for &d in &conditional {
            let mut active = base.clone();
            active.push(d);
            active.sort_unstable();
            outcomes.push(self.outcome(&active, home, version)?);
        }
        if let Some(other) = outcomes[1..]
            .iter()
            .position(|o| o.idle != outcomes[0].idle)
        {
            let doc = &self.docs[conditional[other]];
            return Err(Unreadable::DependsOnProfile {
                default: outcomes[0].idle.clone(),
                detail: outcomes[0].detail.clone(),
                other: outcomes[other + 1].idle.clone(),
                condition: doc.condition.clone().unwrap_or_default(),
            });
        }
        Ok(outcomes)
    }

    fn has_settings(&self, doc: usize) -> bool {
        let d = &self.docs[doc];
        d.problem.is_some() || d.entries.iter().any(|e| e.setting.is_some())
    }

    /// The timeout with the documents `active` applied in file order; a new
    /// setting would go in `home`.
    fn outcome(
        &self,
        active: &[usize],
        home: usize,
        version: Option<u32>,
    ) -> Result<Outcome, Unreadable> {
        let mut winner: [Option<(usize, usize)>; 4] = [None; 4];
        for &d in active {
            let doc = &self.docs[d];
            if let Some(why) = &doc.problem {
                return Err(Unreadable::Document(why.clone()));
            }
            for (i, e) in doc.entries.iter().enumerate() {
                if let Some(s) = e.setting {
                    winner[s as usize] = Some((d, i));
                }
            }
        }
        let entry = |s: Setting| winner[s as usize].map(|(d, i)| (d, i, &self.docs[d].entries[i]));
        if let Some((d, i, e)) = entry(Setting::MaxRequests) {
            if let Some(why) = self.unreadable(e) {
                return Err(why);
            }
            if e.value.trim() == "1" {
                return Ok(Outcome {
                    idle: Idle::NoKeepalive,
                    detail: format!(
                        "{} closes every connection (Connection: close)",
                        e.shown(self.yaml)
                    ),
                    decisive: Decisive::Entry(d, i),
                });
            }
        }
        if let Some((d, i, e)) = entry(Setting::KeepAlive) {
            let idle = self.idle_of(e)?;
            return Ok(Outcome {
                detail: with_never(e.shown(self.yaml), &idle),
                idle,
                decisive: Decisive::Entry(d, i),
            });
        }
        if let Some((d, i, e)) = entry(Setting::Connection) {
            let idle = self.idle_of(e)?;
            let detail = format!(
                "server.tomcat.keep-alive-timeout is not set, so Tomcat uses {}",
                e.shown(self.yaml)
            );
            return Ok(Outcome {
                detail: with_never(detail, &idle),
                idle,
                decisive: Decisive::Entry(d, i),
            });
        }
        // Tomcat's connectionTimeout when Spring Boot sets neither: the
        // kinds table's default, so that `spring-boot` and
        // `spring-boot:PATH` of a file that sets none agree.
        let default = ServerKind::own(KIND).timeout_for(version);
        let mut detail = format!(
            "server.tomcat.keep-alive-timeout is not set in {}: embedded Tomcat's default (connectionTimeout, {}s)",
            self.name,
            default.as_millis() / 1000
        );
        if let Some((_, _, e)) = entry(Setting::Legacy) {
            match version {
                Some(v) if v >= 3 => detail.push_str(&format!(
                    "; {} is ignored since Spring Boot 3",
                    e.shown(self.yaml)
                )),
                _ => {
                    return Err(Unreadable::Legacy {
                        shown: e.shown(self.yaml),
                    })
                }
            }
        }
        Ok(Outcome {
            idle: Idle::After(default),
            detail,
            decisive: Decisive::Default(home),
        })
    }

    fn unreadable(&self, e: &Entry) -> Option<Unreadable> {
        let shown = e.shown(self.yaml);
        if let Some(problem) = &e.problem {
            Some(Unreadable::Entry {
                shown,
                problem: problem.clone(),
            })
        } else if e.value.contains("${") {
            Some(Unreadable::Placeholder { shown })
        } else {
            None
        }
    }

    fn idle_of(&self, e: &Entry) -> Result<Idle, Unreadable> {
        if let Some(why) = self.unreadable(e) {
            return Err(why);
        }
        match parse_duration(e.value.trim()) {
            Ok((Millis::After(ms), _)) => Ok(Idle::After(Duration::from_millis(ms))),
            Ok((Millis::Never, _)) => Ok(Idle::Never),
            Err(why) => Err(Unreadable::Duration {
                shown: e.shown(self.yaml),
                why,
            }),
        }
    }

    /// The edit that sets entry `i` of document `doc` high enough: its own
    /// value when it is `keep-alive-timeout`, else a new
    /// `keep-alive-timeout` after it.
    fn raise_entry(&self, doc: usize, i: usize, target: Duration) -> Result<TextEdit, RaiseError> {
        let e = &self.docs[doc].entries[i];
        if e.setting == Some(Setting::KeepAlive) {
            let (start, end) = e.span.ok_or_else(|| {
                RaiseError::NotEditable(format!(
                    "{} spans several lines or has escapes: edit it by hand",
                    e.shown(self.yaml)
                ))
            })?;
            let style = parse_duration(e.value.trim()).map_or(Style::Bare, |(_, s)| s);
            return Ok(TextEdit {
                start,
                end,
                text: style.write(target),
            });
        }
        // connection-timeout: keep-alive-timeout goes next to it, named in
        // its style.
        let prefix_len = e.own_key.rfind('.').map_or(0, |p| p + 1);
        let last = &e.own_key[prefix_len..];
        let key = format!(
            "{}{}",
            &e.own_key[..prefix_len],
            keep_alive_named_like(last)
        );
        let value = Style::Inserted.write(target);
        let line = if self.yaml {
            format!("{key}: {value}")
        } else {
            format!("{key}{}{value}", e.sep)
        };
        Ok(text::insert_line_after(self.text, e.last_line, &line))
    }

    /// The edit that adds `server.tomcat.keep-alive-timeout` to document
    /// `doc`.
    fn add_setting(&self, doc: usize, target: Duration) -> TextEdit {
        let value = Style::Inserted.write(target);
        if self.yaml {
            self.add_yaml(doc, &value)
        } else {
            self.add_property(doc, &value)
        }
    }

    /// After the document's last `server.tomcat.*` (else `server.*`, else
    /// any) property, in its separator style.
    fn add_property(&self, doc: usize, value: &str) -> TextEdit {
        let d = &self.docs[doc];
        let under = |prefix: &[&str]| {
            d.entries
                .iter()
                .rev()
                .find(|e| e.path.len() > prefix.len() && is_prefix(prefix, &e.path))
        };
        let anchor = under(&["server", "tomcat"])
            .or_else(|| under(&["server"]))
            .or_else(|| d.entries.last());
        // The anchor's separator, else the file's first; a key without a
        // value has none.
        let sep = anchor
            .into_iter()
            .chain(self.docs.iter().flat_map(|d| &d.entries))
            .map(|e| e.sep.as_str())
            .find(|sep| !sep.is_empty())
            .unwrap_or("=");
        let line = format!("server.tomcat.keep-alive-timeout{sep}{value}");
        match anchor {
            Some(e) => text::insert_line_after(self.text, e.last_line, &line),
            None => self.add_at_end(d, &line),
        }
    }

    /// A line (or lines) at the end of a document with nothing to anchor
    /// to.
    fn add_at_end(&self, d: &Document, lines: &str) -> TextEdit {
        let eol = text::line_ending(self.text);
        match d.end {
            Some(at) => TextEdit {
                start: at,
                end: at,
                text: format!("{lines}{eol}"),
            },
            None => text::append_line(self.text, lines),
        }
    }

    /// Under the document's `server:`/`tomcat:` mappings, else next to its
    /// dotted `server.tomcat.*` keys, else as new mappings.
    fn add_yaml(&self, doc: usize, value: &str) -> TextEdit {
        let d = &self.docs[doc];
        let eol = text::line_ending(self.text);
        let name = "keep-alive-timeout";
        let is = |l: &YamlLine, p: &[&str]| l.path.iter().eq(p.iter());
        if let Some(p) = d
            .lines
            .iter()
            .position(|l| l.parent && is(l, &["server", "tomcat"]))
        {
            let (child, last) = self.block(d, p);
            let indent = child.unwrap_or(d.lines[p].indent + self.step);
            return after_line(
                self.text,
                last,
                &format!("{}{name}: {value}", spaces(indent)),
            );
        }
        if let Some(l) = d.lines.iter().rev().find(|l| {
            l.scalar
                && l.path.len() > 2
                && is_prefix(&["server", "tomcat"], &l.path)
                && own_len(l) + 2 > l.path.len()
        }) {
            // Its own key holds `tomcat` (and maybe `server`): a sibling
            // with the same prefix.
            let keep = 2 - (l.path.len() - own_len(l));
            let prefix: Vec<&str> = l.own_key.split('.').take(keep).collect();
            return text::insert_line_after(
                self.text,
                l.start,
                &format!("{}.{name}: {value}", prefix.join(".")),
            );
        }
        if let Some(p) = d.lines.iter().position(|l| l.parent && is(l, &["server"])) {
            let (child, last) = self.block(d, p);
            let outer = d.lines[p].indent;
            let inner = child.unwrap_or(outer + self.step);
            let step = if inner > outer {
                inner - outer
            } else {
                self.step
            };
            let lines = format!(
                "{}tomcat:{eol}{}{name}: {value}",
                spaces(inner),
                spaces(inner + step)
            );
            return after_line(self.text, last, &lines);
        }
        if let Some(l) = d.lines.iter().rev().find(|l| {
            l.scalar && l.path.first().is_some_and(|p| p == "server") && own_len(l) == l.path.len()
        }) {
            let server = l.own_key.split('.').next().unwrap_or("server");
            return text::insert_line_after(
                self.text,
                l.start,
                &format!("{server}.tomcat.{name}: {value}"),
            );
        }
        let lines = format!(
            "server:{eol}{}tomcat:{eol}{}{name}: {value}",
            spaces(self.step),
            spaces(2 * self.step)
        );
        match d.lines.last() {
            Some(l) => after_line(self.text, l.start, &lines),
            None => self.add_at_end(d, &lines),
        }
    }

    /// The indentation of the first child of the mapping at line `p` of
    /// `d`, and the start of the block's last line.
    fn block(&self, d: &Document, p: usize) -> (Option<usize>, usize) {
        let indent = d.lines[p].indent;
        let children: Vec<&YamlLine> = d.lines[p + 1..]
            .iter()
            .take_while(|l| l.indent > indent)
            .collect();
        (
            children.first().map(|l| l.indent),
            children.last().map_or(d.lines[p].start, |l| l.start),
        )
    }
}

/// How many path elements a YAML line's own key holds.
fn own_len(l: &YamlLine) -> usize {
    l.own_key.split('.').count()
}

fn is_prefix(prefix: &[&str], path: &[String]) -> bool {
    path.len() >= prefix.len() && prefix.iter().zip(path).all(|(a, b)| a == b)
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// An edit adding `lines` after the line starting at `line_start`.
fn after_line(text: &str, line_start: usize, lines: &str) -> TextEdit {
    let eol = text::line_ending(text);
    match text[line_start..].find('\n') {
        Some(i) => TextEdit {
            start: line_start + i + 1,
            end: line_start + i + 1,
            text: format!("{lines}{eol}"),
        },
        None => TextEdit {
            start: text.len(),
            end: text.len(),
            text: format!("{eol}{lines}"),
        },
    }
}

fn with_never(detail: String, idle: &Idle) -> String {
    if *idle == Idle::Never {
        format!("{detail} (no timeout)")
    } else {
        detail
    }
}

/// `keep-alive-timeout` in the naming style of `like` (a key element such
/// as `connection-timeout`, `connectionTimeout`, `connection_timeout`).
fn keep_alive_named_like(like: &str) -> &'static str {
    if like.contains('_') {
        "keep_alive_timeout"
    } else if !like.contains('-') && like.chars().any(|c| c.is_ascii_uppercase()) {
        "keepAliveTimeout"
    } else {
        "keep-alive-timeout"
    }
}

// ---------------------------------------------------------------------
// Durations, as Spring Boot's `DurationStyle` reads them.

/// Milliseconds as Tomcat gets them from `(int) duration.toMillis()`.
#[derive(Debug, PartialEq, Eq)]
enum Millis {
    After(u64),
    /// 0 or below: Tomcat's "no timeout".
    Never,
}

/// How a duration is written, to write a new one the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Style {
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
fn parse_duration(v: &str) -> Result<(Millis, Style), BadDuration> {
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
    fn write(&self, target: Duration) -> String {
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

// ---------------------------------------------------------------------
// application.properties

/// A physical line: its start offset and text (without line break).
type Line<'t> = (usize, &'t str);

/// Reads properties the way `OriginTrackedPropertiesLoader` does.
#[derive(Default)]
struct PropertiesReader {
    done: Vec<Document>,
    doc: Document,
    /// The prefix of the comment on the line before, if it was one: a
    /// `#---` right after a `#` comment is a comment, not a separator.
    last_comment: Option<char>,
}

impl File<'_> {
    fn parse_properties(&mut self) {
        let text = self.text;
        let bom = text::bom_len(text);
        let lines: Vec<Line<'_>> = text::lines(text)
            .map(|(at, l)| {
                if at == 0 {
                    (bom, &l[bom.min(l.len())..])
                } else {
                    (at, l)
                }
            })
            .collect();
        let mut reader = PropertiesReader::default();
        let mut i = 0;
        while i < lines.len() {
            let (at, line) = lines[i];
            let content = line.trim_start_matches(properties::is_space);
            i += 1;
            match content.chars().next() {
                None => reader.last_comment = None,
                Some(c @ ('#' | '!')) => reader.comment(at, line, c),
                Some(_) => {
                    reader.last_comment = None;
                    let mut segments = vec![(at + line.len() - content.len(), content)];
                    while properties::continues(segments[segments.len() - 1].1) && i < lines.len() {
                        let (next_at, next) = lines[i];
                        let trimmed = next.trim_start_matches(properties::is_space);
                        segments.push((next_at + next.len() - trimmed.len(), trimmed));
                        i += 1;
                    }
                    if let Some(entry) = property(&segments, lines[i - 1].0, i - segments.len() + 1)
                    {
                        if is_condition(&entry.path) {
                            reader.doc.condition = Some(entry.shown(false));
                        }
                        reader.doc.entries.push(entry);
                    }
                }
            }
        }
        reader.done.push(reader.doc);
        self.docs = reader.done;
    }
}

impl PropertiesReader {
    /// A line starting with `#` or `!` (`prefix`): a comment, or a
    /// `#---` / `!---` document separator.
    fn comment(&mut self, at: usize, line: &str, prefix: char) {
        let rest = line
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix("---"))
            .map(|r| r.trim_matches(properties::is_space));
        if rest == Some("") && self.last_comment != Some(prefix) {
            self.doc.end = Some(at);
            self.done.push(std::mem::take(&mut self.doc));
        } else if self.doc.entries.is_empty() {
            // Spring Boot folds a document that starts with a comment back
            // into the one before.
            if let Some(mut previous) = self.done.pop() {
                previous.end = None;
                self.doc = previous;
            }
        }
        self.last_comment = Some(prefix);
    }
}

/// One logical properties line (its physical lines joined) as an entry.
fn property(segments: &[Line<'_>], last_line: usize, line: usize) -> Option<Entry> {
    // The logical line, with each byte's offset in the file.
    let mut logical = String::new();
    let mut offsets: Vec<usize> = Vec::new();
    for (k, &(at, seg)) in segments.iter().enumerate() {
        let seg = if k + 1 < segments.len() {
            &seg[..seg.len() - 1]
        } else {
            seg
        };
        logical.push_str(seg);
        offsets.extend(at..at + seg.len());
    }
    let (key, key_end, value_start) = properties::key(&logical);
    let key_raw = logical[..key_end].to_string();
    if key.trim().is_empty() {
        return None;
    }
    let raw_value = logical[value_start..].trim_end_matches(properties::is_space);
    let value = properties::unescape(raw_value);
    let single = segments.len() == 1;
    let span = (single && !raw_value.contains('\\')).then(|| {
        let start = offsets
            .get(value_start)
            .copied()
            .unwrap_or(segments[0].0 + logical.len());
        (start, start + raw_value.len())
    });
    let path = path_of(key.trim());
    Some(Entry {
        setting: setting_of(&path),
        path,
        own_key: key_raw.clone(),
        key: key_raw,
        value,
        span,
        line,
        last_line,
        sep: if single {
            logical[key_end..value_start].to_string()
        } else {
            "=".to_string()
        },
        problem: None,
    })
}

// ---------------------------------------------------------------------
// application.yml

/// A mapping key being read: its indentation and path.
struct Frame {
    indent: usize,
    path: Vec<String>,
    shown: Vec<String>,
}

/// Reads YAML line by line, with the mapping keys that lead to each line.
struct YamlReader {
    docs: Vec<Document>,
    stack: Vec<Frame>,
    /// A block scalar's indentation: deeper lines are its text.
    block: Option<usize>,
    /// Indentation differences between mappings and their first child.
    steps: Vec<usize>,
}

impl File<'_> {
    fn parse_yaml(&mut self) {
        let bom = text::bom_len(self.text);
        let mut reader = YamlReader {
            docs: vec![Document::default()],
            stack: Vec::new(),
            block: None,
            steps: Vec::new(),
        };
        for (n, (at, line)) in text::lines(self.text).enumerate() {
            let (at, line) = if at == 0 {
                (bom, &line[bom.min(line.len())..])
            } else {
                (at, line)
            };
            reader.line(at, line, n + 1);
        }
        for doc in &mut reader.docs {
            legacy_profiles(self.text, doc);
        }
        self.step = reader.steps.into_iter().min().unwrap_or(2).max(1);
        self.docs = reader.docs;
    }
}

impl YamlReader {
    fn line(&mut self, at: usize, line: &str, line_no: usize) {
        if line == "---" || line.starts_with("--- ") || line.starts_with("---\t") || line == "..." {
            if let Some(doc) = self.docs.last_mut() {
                doc.end = Some(at);
            }
            self.docs.push(Document::default());
            self.stack.clear();
            self.block = None;
            return;
        }
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if content.trim().is_empty()
            || content.starts_with('#')
            || (indent == 0 && content.starts_with('%'))
        {
            return;
        }
        if self.block.is_some_and(|b| indent > b) {
            self.other_line(at, indent, false);
            return;
        }
        self.block = None;
        while self.stack.last().is_some_and(|f| f.indent >= indent) {
            self.stack.pop();
        }
        let doc = self.doc();
        if let Some(parent) = doc.lines.last().filter(|l| l.parent && indent > l.indent) {
            let step = indent - parent.indent;
            self.steps.push(step);
        }
        match yaml::key(content) {
            Some((key, value_at)) => {
                let value = (at + indent + value_at, &content[value_at..]);
                self.key_line(at, indent, key, value, line_no);
            }
            // A sequence item or a continued scalar: nothing under it is a
            // Spring Boot server setting.
            None => self.other_line(at, indent, true),
        }
    }

    fn doc(&mut self) -> &mut Document {
        if self.docs.is_empty() {
            self.docs.push(Document::default());
        }
        let last = self.docs.len() - 1;
        &mut self.docs[last]
    }

    /// A line without a key; `opens` when lines under it belong to it.
    fn other_line(&mut self, at: usize, indent: usize, opens: bool) {
        if opens {
            self.stack.push(Frame {
                indent,
                path: vec!["[]".into()],
                shown: vec!["[]".into()],
            });
        }
        self.doc().lines.push(YamlLine {
            start: at,
            indent,
            path: Vec::new(),
            own_key: String::new(),
            parent: false,
            scalar: false,
        });
    }

    /// A `key: value` line (or `key:` opening a mapping); the value starts
    /// at `value_start` in the file.
    fn key_line(
        &mut self,
        at: usize,
        indent: usize,
        key: String,
        value: (usize, &str),
        line_no: usize,
    ) {
        let (value_start, value_raw) = value;
        let (mut path, mut shown) = self
            .stack
            .last()
            .map(|f| (f.path.clone(), f.shown.clone()))
            .unwrap_or_default();
        path.extend(path_of(&key));
        shown.push(key.clone());
        let parsed = yaml::value(value_raw);
        let parent = matches!(parsed, yaml::Value::Mapping);
        if value_raw.trim_start().starts_with(['|', '>']) {
            self.block = Some(indent);
        }
        let doc = self.doc();
        doc.lines.push(YamlLine {
            start: at,
            indent,
            path: path.clone(),
            own_key: key.clone(),
            parent,
            scalar: !parent,
        });
        if key == "<<" && leads_to_setting(&path[..path.len() - 1]) {
            doc.problem.get_or_insert(format!(
                "the YAML merge key (<<) at line {line_no} may bring server settings ngxfix does not read"
            ));
        }
        if is_condition(&path) && !(parent && path.len() == 2) {
            doc.condition.get_or_insert(format!(
                "{}: {} at line {line_no}",
                shown.join("."),
                value_raw.trim()
            ));
        }
        let mut entry = Entry {
            setting: setting_of(&path),
            path: path.clone(),
            key: shown.join("."),
            own_key: key,
            value: String::new(),
            span: None,
            line: line_no,
            last_line: at,
            sep: ": ".into(),
            problem: None,
        };
        match parsed {
            yaml::Value::Mapping => {
                if entry.setting.is_some() {
                    entry.problem = Some("has no value".into());
                    doc.entries.push(entry);
                }
                self.stack.push(Frame {
                    indent,
                    path,
                    shown,
                });
            }
            yaml::Value::Scalar {
                text,
                span,
                problem,
            } => {
                if let Some(problem) = problem {
                    // A flow mapping or alias where server settings could be.
                    if path.len() < 3 && leads_to_setting(&path) && entry.setting.is_none() {
                        doc.problem.get_or_insert(format!(
                            "{}: {} at line {line_no} {problem} ngxfix does not read",
                            entry.key,
                            text.trim()
                        ));
                    }
                    entry.problem = Some(problem.to_string());
                }
                entry.value = text;
                entry.span = span.map(|(s, e)| (value_start + s, value_start + e));
                doc.entries.push(entry);
            }
        }
    }
}

/// A legacy `spring.profiles:` mapping holding a list makes the document
/// conditional too (`spring.profiles.active` does not).
fn legacy_profiles(text: &str, doc: &mut Document) {
    if doc.condition.is_some() {
        return;
    }
    let legacy = doc.lines.windows(2).find(|w| {
        w[0].parent
            && w[0].path.len() == 2
            && is_prefix(&["spring", "profiles"], &w[0].path)
            && w[1].indent > w[0].indent
            && w[1].path.is_empty()
    });
    if let Some(w) = legacy {
        doc.condition = Some(format!(
            "spring.profiles at line {}",
            text::line_of(text, w[0].start)
        ));
    }
}

#[cfg(test)]
mod tests;
