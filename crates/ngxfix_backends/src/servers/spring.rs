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
use crate::{text, Edit, Idle, MisplacedEdit, RaiseError, Reading, Source};
use ngxfix_text::Duration;

mod application_properties;
mod application_yml;
mod duration;

use duration::{parse_duration, BadDuration, Millis, Style};

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

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
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
fn edits(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    let file = File::parse(src);
    let outcomes = file
        .evaluate(src.version)
        .map_err(|why| RaiseError::Unknown(why.to_string()))?;
    let mut edits: Vec<Edit<()>> = Vec::new();
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
    fn raise_entry(&self, doc: usize, i: usize, target: Duration) -> Result<Edit<()>, RaiseError> {
        let e = &self.docs[doc].entries[i];
        if e.setting == Some(Setting::KeepAlive) {
            let (start, end) = e.span.ok_or_else(|| {
                RaiseError::NotEditable(format!(
                    "{} spans several lines or has escapes: edit it by hand",
                    e.shown(self.yaml)
                ))
            })?;
            let style = parse_duration(e.value.trim()).map_or(Style::Bare, |(_, s)| s);
            return Ok(Edit::new(start, end, style.write(target)));
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
    fn add_setting(&self, doc: usize, target: Duration) -> Edit<()> {
        let value = Style::Inserted.write(target);
        if self.yaml {
            self.add_yaml(doc, &value)
        } else {
            self.add_property(doc, &value)
        }
    }

    /// After the document's last `server.tomcat.*` (else `server.*`, else
    /// any) property, in its separator style.
    fn add_property(&self, doc: usize, value: &str) -> Edit<()> {
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
    fn add_at_end(&self, d: &Document, lines: &str) -> Edit<()> {
        let eol = text::line_ending(self.text);
        match d.end {
            Some(at) => Edit::new(at, at, format!("{lines}{eol}")),
            None => text::append_line(self.text, lines),
        }
    }

    /// Under the document's `server:`/`tomcat:` mappings, else next to its
    /// dotted `server.tomcat.*` keys, else as new mappings.
    fn add_yaml(&self, doc: usize, value: &str) -> Edit<()> {
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
fn after_line(text: &str, line_start: usize, lines: &str) -> Edit<()> {
    let eol = text::line_ending(text);
    match text[line_start..].find('\n') {
        Some(i) => Edit::new(
            line_start + i + 1,
            line_start + i + 1,
            format!("{lines}{eol}"),
        ),
        None => Edit::new(text.len(), text.len(), format!("{eol}{lines}")),
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

#[cfg(test)]
mod tests;
