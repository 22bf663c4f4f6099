//! The rule file format, as serde reads it. Every table refuses unknown keys;
//! values that need parsing (regexes, version ranges, templates) are parsed
//! while reading, so their errors carry the TOML position of the value.
//! `docs/rules.md` is the user-facing reference of this schema.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use serde::de::{self, value::MapAccessDeserializer, value::SeqAccessDeserializer, Deserializer};
use serde::Deserialize;
use serde_spanned::Spanned;

use super::template::Template;
use crate::model::VersionRange;

/// A whole rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    pub id: Spanned<String>,
    pub title: String,
    pub severity: Severity,
    #[serde(default = "default_category")]
    pub category: String,
    /// nginx versions the rule applies to.
    #[serde(default)]
    pub nginx: Range,
    /// The finding's message; default: the title.
    pub message: Option<Spanned<Template>>,
    /// Markdown documentation: what, why, the fix, references.
    pub explain: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub params: BTreeMap<String, Spanned<Param>>,
    #[serde(rename = "match")]
    pub matcher: Spanned<Cond>,
    pub fix: Option<Spanned<Fix>>,
    /// Cases that change the severity, message or fix of a finding.
    #[serde(default, rename = "variant")]
    pub variants: Vec<Spanned<Variant>>,
    #[serde(default, rename = "test")]
    pub tests: Vec<Spanned<Test>>,
}

fn default_category() -> String {
    "general".into()
}

/// A case of a rule: when `when` holds for a finding's subject, its
/// severity, message and fix replace the rule's. The first that holds wins.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// What the case is, for `ngxfix explain`.
    pub description: String,
    pub when: Cond,
    pub severity: Option<Severity>,
    pub message: Option<Template>,
    /// Replaces the rule's fix.
    pub fix: Option<Fix>,
    /// Replaces the safety of the fix (the rule's or the variant's).
    pub safety: Option<Safety>,
    /// This case has no fix.
    #[serde(default)]
    pub no_fix: bool,
}

impl Variant {
    /// The fix this case gets, given the rule's own, with its safety;
    /// `None` when the case has none. The safety is the case's `safety`,
    /// else its own fix's, else the rule's fix's: a rule marked unsafe does
    /// not become safe because one case computes its values differently.
    pub fn fix<'a>(&'a self, rule_fix: Option<&'a Fix>) -> Option<(&'a Fix, Safety)> {
        if self.no_fix {
            return None;
        }
        let fix = self.fix.as_ref().or(rule_fix)?;
        let safety = self
            .safety
            .or(fix.safety)
            .or(rule_fix.and_then(|f| f.safety))
            .unwrap_or_default();
        Some((fix, safety))
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A version range read from text (`">= 1.15.3, < 1.29.7"`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "String")]
pub struct Range(pub VersionRange);

impl TryFrom<String> for Range {
    type Error = crate::model::VersionError;
    fn try_from(text: String) -> Result<Self, crate::model::VersionError> {
        text.parse().map(Range)
    }
}

/// A regular expression read from text: checked when the rule is read,
/// compiled on first use. Compiling the few hundred regexes of the
/// built-in rules was most of a run's start-up (about 30 ms of a 40 ms
/// `ngxfix rules`), and a run reaches few of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Pattern {
    text: String,
    /// `Err` when the regex parses but will not compile (over the regex
    /// crate's size limit).
    compiled: std::sync::OnceLock<Result<regex::Regex, String>>,
}

impl Pattern {
    /// Whether the regex matches somewhere in `text`; `None` when it
    /// cannot be compiled, so that a test on it passes neither way.
    pub fn is_match(&self, text: &str) -> Option<bool> {
        self.compiled
            .get_or_init(|| regex::Regex::new(&self.text).map_err(|e| e.to_string()))
            .as_ref()
            .ok()
            .map(|re| re.is_match(text))
    }
}

impl TryFrom<String> for Pattern {
    type Error = PatternError;
    fn try_from(text: String) -> Result<Self, PatternError> {
        // The regex crate parses with regex-syntax's defaults (Unicode,
        // UTF-8 only, nesting up to 250): the same parser, the same errors.
        match regex_syntax::Parser::new().parse(&text) {
            Ok(_) => Ok(Pattern {
                text,
                compiled: std::sync::OnceLock::new(),
            }),
            Err(error) => Err(PatternError {
                reason: regex_reason(&error.to_string()),
                text,
            }),
        }
    }
}

/// Why the text of a [`Pattern`] is no regular expression.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid regex \"{text}\": {reason}")]
pub struct PatternError {
    /// The text as written.
    pub text: String,
    /// What the regex parser says of it.
    pub reason: String,
}

/// The reason in a regex parser's message, which draws its own caret over
/// several lines: its last line.
fn regex_reason(message: &str) -> String {
    let reason = message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    reason.trim_start_matches("error: ").to_string()
}

/// A rule parameter: a default users can override in `ngxfix.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub default: ParamValue,
    #[serde(default)]
    pub description: String,
}

/// A parameter value: text, a number, a boolean, or a list of texts
/// (which templates see joined by commas, as `one_of` reads them).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Text(String),
    Integer(i64),
    Bool(bool),
    List(Vec<String>),
}

impl ParamValue {
    /// Why `self` cannot stand for a parameter whose default is `default`:
    /// a number, duration, size or boolean default takes a value of its
    /// kind (a bare number is seconds for a duration, bytes for a size); a
    /// text default takes anything.
    pub fn fits(&self, default: &ParamValue) -> Result<(), MisfitError> {
        use crate::model::{Duration, Size, TimeSlot};
        /// What a value can be read as: a number, a duration, a size
        /// (`1m` is both of the last two), true or false; text otherwise.
        #[derive(Default)]
        struct Kinds {
            number: bool,
            duration: bool,
            size: bool,
            boolean: bool,
        }
        let kinds = |value: &ParamValue| match value {
            ParamValue::Integer(_) => Kinds {
                number: true,
                ..Kinds::default()
            },
            ParamValue::Bool(_) => Kinds {
                boolean: true,
                ..Kinds::default()
            },
            // A list is text to a text default, and nothing else.
            ParamValue::List(_) => Kinds::default(),
            ParamValue::Text(text) => {
                let text = text.trim();
                let number = text.parse::<i64>().is_ok();
                let unit = !number && text.starts_with(|c: char| c.is_ascii_digit());
                Kinds {
                    number,
                    duration: unit && Duration::parse(text, TimeSlot::Milliseconds).is_ok(),
                    size: unit && Size::parse(text).is_ok(),
                    boolean: false,
                }
            }
        };
        let (wanted, given) = (kinds(default), kinds(self));
        // A bare number is seconds next to a duration, bytes next to a size.
        let fits = if wanted.duration || wanted.size {
            given.number || (wanted.duration && given.duration) || (wanted.size && given.size)
        } else if wanted.number {
            given.number
        } else if wanted.boolean {
            given.boolean
        } else {
            true
        };
        if fits {
            return Ok(());
        }
        let wanted = match (wanted.duration, wanted.size, wanted.number) {
            (true, true, _) => "a duration or a size",
            (true, false, _) => "a duration (`5s`, `500ms`, `1m`)",
            (false, true, _) => "a size (`512k`, `1g`, in bytes)",
            (false, false, true) => "a number",
            _ => "true or false",
        };
        Err(MisfitError {
            value: self.clone(),
            wanted,
            default: default.clone(),
        })
    }
}

/// Why a value cannot stand for a parameter ([`ParamValue::fits`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} is not {wanted}, as the default (`{default}`) is", shown(value))]
pub struct MisfitError {
    /// The value given.
    pub value: ParamValue,
    /// What the default is, in words (`a duration (`5s`, ...)`).
    pub wanted: &'static str,
    /// The parameter's default.
    pub default: ParamValue,
}

/// A value as an error message shows it: text in double quotes.
fn shown(value: &ParamValue) -> String {
    match value {
        ParamValue::Text(text) => format!("\"{text}\""),
        other => other.to_string(),
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Text(t) => f.write_str(t),
            ParamValue::Integer(i) => i.fmt(f),
            ParamValue::Bool(b) => b.fmt(f),
            ParamValue::List(items) => f.write_str(&items.join(",")),
        }
    }
}

/// One value or a list of them (`directive = "a"` or `["a", "b"]`).
#[derive(Debug, Clone)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> de::Visitor<'de> for Visit<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or an array of values")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(List)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| List(vec![t]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(de::value::StrDeserializer::new(v)).map(|t| List(vec![t]))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                T::deserialize(de::value::StringDeserializer::new(v)).map(|t| List(vec![t]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(de::value::I64Deserializer::new(v)).map(|t| List(vec![t]))
            }
        }
        deserializer.deserialize_any(Visit(PhantomData))
    }
}

/// A condition on a directive (the subject). Every key present must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cond {
    /// The subject's name is one of these.
    #[serde(default)]
    pub directive: List<String>,
    /// The enclosing block's name is one of these (`main` for the top level).
    #[serde(default)]
    pub context: List<String>,
    /// Some enclosing block has one of these names.
    #[serde(default)]
    pub within: List<String>,
    /// No enclosing block has any of these names.
    #[serde(default)]
    pub not_within: List<String>,
    /// Tests on arguments by position (`index`, default 0).
    #[serde(default)]
    pub arg: List<ValueTest>,
    /// Some argument passes this test.
    pub any_arg: Option<Box<ValueTest>>,
    /// The number of arguments.
    pub arg_count: Option<Box<ValueTest>>,
    /// Some directive directly in the subject's block matches each of these.
    #[serde(default)]
    pub has: List<Cond>,
    /// No directive directly in the subject's block matches any of these.
    #[serde(default)]
    pub lacks: List<Cond>,
    /// Effective values (after inheritance and defaults) where the subject
    /// is, tested in the order written: the first that fails ends the test.
    #[serde(default)]
    pub effective: IndexMap<String, ValueTest>,
    /// What a `*_pass` subject reaches: `upstream`, `address`, `unix`, `variable`.
    #[serde(default)]
    pub target: List<TargetKind>,
    /// The `upstream{}` the subject is, or that a `*_pass` subject reaches.
    pub upstream: Option<Box<Cond>>,
    /// The `map` that sets a variable used in the subject's arguments.
    pub map: Option<Box<Cond>>,
    /// Some directive uses the variable a `map` subject sets.
    pub used_by: Option<Box<Cond>>,
    /// The enclosing block.
    pub parent: Option<Box<Cond>>,
    /// Some enclosing block.
    pub ancestor: Option<Box<Cond>>,
    /// Some earlier directive in the same block.
    pub after: Option<Box<Cond>>,
    /// Some later directive in the same block.
    pub before: Option<Box<Cond>>,
    /// Facts about the backend behind the subject's upstream.
    pub backend: Option<Box<BackendTest>>,
    /// Facts about the load balancer in front of nginx.
    pub front_lb: Option<Box<FrontTest>>,
    /// The subject is an `upstream{}` block (or a `*_pass` reaching one)
    /// that keeps idle connections (or, with `false`, one that does not).
    pub pooled: Option<bool>,
    /// The subject is a `*_pass` directive whose requests can leave their
    /// upstream connection reusable (or, with `false`, cannot): see
    /// [`crate::model::reuse`].
    pub reuses_connections: Option<bool>,
    /// Some variable in the subject's arguments is neither one nginx
    /// provides nor one the configuration defines (or, with `false`, every
    /// one is known): see [`crate::model::variables`].
    pub unknown_variable: Option<bool>,
    /// The subject is a `proxy_pass` whose location sets, in the
    /// configuration rather than by nginx's default, a `Connection` header
    /// that closes or upgrades every request (or, with `false`, it is not).
    pub sets_closing_connection: Option<bool>,
    /// The subject is an `upstream{}` block some `*_pass` directive
    /// matching this condition reaches.
    pub reached_by: Option<Box<Cond>>,
    /// The subject is an `upstream{}` block that some `*_pass` directive
    /// reaches, and every one that does matches this condition.
    pub reached_only_by: Option<Box<Cond>>,
    /// The subject is in effect where some directive matching this
    /// condition is: that directive is in the subject's block or a block
    /// inside it, and the subject is part of the effective value of its
    /// name there (not overridden on the way, as an inner block's own
    /// `proxy_set_header` overrides every outer one).
    pub in_effect_at: Option<Box<Cond>>,
    /// The nginx version is in this range.
    pub nginx: Option<Range>,
    /// `nginx -t` would refuse the subject for one of these reasons
    /// (`unknown`, `not-allowed`, `arguments`, `duplicate`, `too-long`,
    /// `bom`).
    #[serde(default)]
    pub refused: List<crate::model::accepts::RefusalKind>,
    /// The subject is an unknown name that may come from a third-party
    /// module: a known one's, or the configuration loads modules, or it is
    /// a fragment whose nginx.conf is not known (or, with `false`, none of
    /// these).
    pub third_party: Option<bool>,
    /// The subject is an `include` whose file does not exist, read past in
    /// a fragment whose nginx.conf is not known (or, with `false`, any
    /// other directive).
    pub include_missing: Option<bool>,
    /// The configuration is a fragment read without its nginx.conf, which
    /// may define what the fragment does not (or, with `false`, it is not).
    pub fragment: Option<bool>,
    /// Some regex the subject holds passes these tests.
    pub regex: Option<Box<RegexTest>>,
    /// Some directive anywhere in the configuration matches this.
    pub anywhere: Option<Box<Cond>>,
    /// What defines a variable the subject uses (a `set`, `map`, `geo`,
    /// the regex of a capture) matches this.
    pub defined_by: Option<Box<Cond>>,
    /// Tests on rendered templates (`of`): parameters, references.
    #[serde(default)]
    pub value: List<ValueTest>,
    /// Some variable of the subject's arguments is written elsewhere in
    /// the configuration with other letter case (or, with `false`, none
    /// is).
    pub inconsistent_variable: Option<bool>,
    /// The subject's block holds entries of these array directives of its
    /// own, and so drops entries the level above has in effect.
    #[serde(default)]
    pub drops: List<String>,
    /// The subject shares a key with other directives of its name (see
    /// [`Peers`]).
    pub peers: Option<Box<Peers>>,
    /// Every one of these holds.
    #[serde(default)]
    pub all: Vec<Cond>,
    /// At least one of these holds.
    #[serde(default)]
    pub any: Vec<Cond>,
    /// This does not hold.
    pub not: Option<Box<Cond>>,
}

/// Tests on a regex a directive holds ([`crate::model::pcre`]). Every key
/// present must hold, for one same regex of the subject.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexTest {
    /// Whether ngxfix can read it (`false`: invalid, or a PCRE construct
    /// it does not read).
    pub readable: Option<bool>,
    /// Matched ignoring case (`~*`).
    pub caseless: Option<bool>,
    /// The number of capture groups.
    pub captures: Option<ValueTest>,
    /// The number of capture groups without a name.
    pub unnamed_captures: Option<ValueTest>,
    /// The number of named capture groups.
    pub named_captures: Option<ValueTest>,
    /// Every match starts at the start of the subject.
    pub anchored_start: Option<bool>,
    /// Every match ends at the end of the subject.
    pub anchored_end: Option<bool>,
    /// Anchored at both ends, with no class, repetition or alternation.
    pub exact: Option<bool>,
    /// A quantifier inside an unbounded one (ReDoS).
    pub nested_quantifier: Option<bool>,
    /// A capture group inside another.
    pub nested_captures: Option<bool>,
    /// Some capture group can hold one of these characters.
    pub capture_can_contain: Option<String>,
}

/// A comparison of the subject with the other directives of its name that
/// render the same `key`, among those under the same `within` block (or
/// the whole configuration): duplicate locations, servers sharing a socket.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peers {
    /// What identifies a group: a template rendered for each directive.
    pub key: Template,
    /// Peers are searched under the nearest enclosing block of one of
    /// these names (default: the whole configuration).
    #[serde(default)]
    pub within: List<String>,
    /// Peers must match this too.
    #[serde(rename = "match")]
    pub filter: Option<Box<Cond>>,
    /// The number of distinct blocks holding the group's directives (the
    /// subject's included).
    pub blocks: Option<ValueTest>,
    /// The number of directives in the group (the subject included).
    pub count: Option<ValueTest>,
    /// No directive of the group matches this.
    pub none: Option<Box<Cond>>,
    /// The subject is the first of its group (one finding per group).
    pub first: Option<bool>,
}

/// Kinds of `*_pass` targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Upstream,
    Address,
    Unix,
    Variable,
}

impl TargetKind {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Upstream => "upstream",
            TargetKind::Address => "address",
            TargetKind::Unix => "unix",
            TargetKind::Variable => "variable",
        }
    }
}

/// Tests on one value (an argument, an effective value, a fact). Every key
/// present must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueTest {
    /// Which argument (in `arg` tests only); default 0.
    pub index: Option<usize>,
    /// Whether the value exists (an argument at that index; an effective
    /// value from the configuration or a default).
    pub present: Option<bool>,
    /// Whether the configuration sets it (for effective values: not only a
    /// default).
    pub configured: Option<bool>,
    /// Equal to one of these (templates allowed).
    #[serde(default)]
    pub equals: List<Template>,
    /// Equal to none of these.
    #[serde(default)]
    pub not_equals: List<Template>,
    /// Compare text case-insensitively.
    #[serde(default)]
    pub ignore_case: bool,
    /// Equal to one of the comma-separated items this renders to (a list
    /// parameter: `one_of = "{param.headers}"`).
    pub one_of: Option<Template>,
    /// In `value` tests only: the template whose rendered value is tested.
    pub of: Option<Template>,
    /// Matches this regular expression (searched, anchor it yourself).
    pub regex: Option<Pattern>,
    /// Does not match this regular expression.
    pub not_regex: Option<Pattern>,
    /// Comparisons; durations and sizes compare by value (`60s` = `1m`).
    pub lt: Option<Template>,
    pub le: Option<Template>,
    pub gt: Option<Template>,
    pub ge: Option<Template>,
    /// For effective array values: some entry's arguments pass these tests.
    pub entry: Option<List<ValueTest>>,
    /// For effective array values: no entry's arguments pass these tests.
    pub no_entry: Option<List<ValueTest>>,
}

impl ValueTest {
    /// Whether any test reads the value itself (beyond `present`,
    /// `configured` and the entry tests).
    pub(crate) fn reads_value(&self) -> bool {
        !self.equals.0.is_empty()
            || !self.not_equals.0.is_empty()
            || self.regex.is_some()
            || self.not_regex.is_some()
            || self.lt.is_some()
            || self.le.is_some()
            || self.gt.is_some()
            || self.ge.is_some()
            || self.one_of.is_some()
    }
}

/// Facts about the backend behind an upstream: the one the user declared
/// (`--backend`, `ngxfix.toml`), else the one the configuration hints at,
/// else the one assumed for all (`--assume-backend`). The tests after the
/// origin ones read that backend's facts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendTest {
    /// Whether any backend is known, whatever its origin.
    pub known: Option<bool>,
    /// Whether the user declared the backend.
    pub declared: Option<bool>,
    /// Whether the backend is guessed from the configuration (a comment,
    /// a socket or upstream name, FastCGI), nobody having declared one.
    pub guessed: Option<bool>,
    /// Whether the backend is the one assumed for every upstream
    /// (`--assume-backend`), there being neither a declaration nor a hint.
    pub assumed: Option<bool>,
    /// Its idle keepalive timeout.
    pub idle_timeout: Option<ValueTest>,
    /// The server kind it was declared as (`gunicorn`, ...).
    pub kind: Option<ValueTest>,
    /// Whether it closes after each response without saying so.
    pub closes_silently: Option<bool>,
    /// Whether it keeps connections alive at all (`false`: it closes each
    /// one after its response and says so, e.g. gunicorn's sync worker).
    pub keepalive: Option<bool>,
    /// Whether its idle behaviour is known (`false`: its configuration file
    /// computes the value or takes it from somewhere ngxfix cannot see).
    pub determined: Option<bool>,
    /// Which side a timeout fix should change (`--prefer`).
    pub prefer: Option<crate::rules::facts::Prefer>,
    /// Whether ngxfix can edit its configuration file (one was declared).
    pub editable: Option<bool>,
}

/// Facts about the load balancer in front of nginx (`--front-lb`,
/// `[front_lb]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontTest {
    pub declared: Option<bool>,
    pub idle_timeout: Option<ValueTest>,
}

/// What a test expects of its findings' fixes: a safety, or no fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestSafety {
    Safe,
    Unsafe,
    DisplayOnly,
    None,
}

/// How safe a fix is to apply without a human looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Safety {
    #[default]
    Safe,
    Unsafe,
    DisplayOnly,
}

impl Safety {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Unsafe => "unsafe",
            Safety::DisplayOnly => "display-only",
        }
    }
}

/// The fix part of a rule: one or more actions applied together.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    /// As written; a variant's fix without one has the rule's fix's
    /// safety (see [`Variant::fix`]), and a rule's fix without one is safe.
    pub safety: Option<Safety>,
    /// What the fix does; default: derived from the actions.
    pub title: Option<Template>,
    /// Set a scalar directive in a block: change its arguments if present,
    /// else insert it.
    pub set: Option<SetAction>,
    /// Add an entry to an array-inherited directive without dropping
    /// inherited entries.
    pub add: Option<AddAction>,
    /// Replace one argument of the subject.
    pub replace_arg: Option<ReplaceArg>,
    /// Insert a directive.
    pub insert: Option<InsertAction>,
    /// Remove arguments of the subject.
    pub remove_arg: Option<RemoveArg>,
    /// Remove the subject.
    #[serde(default)]
    pub remove: bool,
    /// Raise the idle timeout in the configuration file of the subject's
    /// backend to at least this duration (`--backend UPSTREAM=KIND:PATH`).
    pub backend_timeout: Option<Template>,
    /// Remove the UTF-8 byte order mark at the start of the subject's file.
    #[serde(default)]
    pub remove_bom: bool,
    /// Copy into the subject's level the entries of this array directive
    /// that it drops of the level above's (see [`crate::model::dropped`]).
    pub restore: Option<String>,
}

/// `remove_arg = { value }`: every argument equal to `value` goes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveArg {
    pub value: Template,
    #[serde(default)]
    pub ignore_case: bool,
}

/// Which block an action works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    /// The block the subject sits in.
    #[default]
    Parent,
    /// The subject's own block.
    #[serde(rename = "self")]
    Own,
    /// The `upstream{}` the subject is or reaches.
    Upstream,
    /// The nearest enclosing `http`, `server` or `location`.
    Http,
    Server,
    Location,
}

/// `set = { directive, args, in, after, comment }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetAction {
    pub directive: String,
    /// The arguments as nginx text (templates allowed), e.g. `'Connection ""'`.
    pub args: Template,
    #[serde(default, rename = "in")]
    pub place: Place,
    /// When inserting: after the last of these directives in the block
    /// (else at the start of the block).
    #[serde(default)]
    pub after: List<String>,
    /// A comment line written above an inserted directive.
    pub comment: Option<Template>,
}

/// How far `add` reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddScope {
    /// The level the block's value comes from.
    #[default]
    Nearest,
    /// http{} and every block of the tree that has its own entries.
    Everywhere,
}

/// `add = { directive, args, key, in, scope, comment }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddAction {
    pub directive: String,
    pub args: Template,
    /// How many leading arguments identify an entry (an existing entry with
    /// the same key is replaced, not duplicated). Compared case-insensitively.
    #[serde(default = "one")]
    pub key: usize,
    #[serde(default, rename = "in")]
    pub place: Place,
    #[serde(default)]
    pub scope: AddScope,
    pub comment: Option<Template>,
}

fn one() -> usize {
    1
}

/// `replace_arg = { index, value }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplaceArg {
    pub index: usize,
    /// The new argument as nginx text (quote it yourself when needed).
    pub value: Template,
}

/// Where `insert` puts the new directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// Right before the subject.
    Before,
    /// Right after the subject.
    #[default]
    After,
    /// At the start of the block given by `in`.
    First,
    /// At the end of the block given by `in`.
    Last,
}

/// `insert = { directive, args, position, anchor, in, comment }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsertAction {
    /// The name (a template: `{name}` repeats the subject's).
    pub directive: Template,
    #[serde(default = "empty_template")]
    pub args: Template,
    #[serde(default)]
    pub position: Position,
    /// With `before`/`after`: next to the first (before) or last (after)
    /// directive of these names in the subject's block, instead of the
    /// subject.
    #[serde(default)]
    pub anchor: List<String>,
    #[serde(default, rename = "in")]
    pub place: Place,
    pub comment: Option<Template>,
    /// The inserted directive opens a block holding these directives
    /// (`return 421;`), written on its line: `location / { return 421; }`.
    pub block: Option<Template>,
}

fn empty_template() -> Template {
    Template::parse("").expect("the empty template parses")
}

/// An example embedded in a rule file, run by `ngxfix test-rules`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    /// A short name for reports.
    pub name: Option<String>,
    /// The configuration, as a main file (no includes).
    pub config: String,
    /// Read `config` as the inside of this block, as a fragment (a site
    /// file, a snippet) whose nginx.conf is not known; its includes need
    /// not exist.
    pub context: Option<crate::config::RootContext>,
    /// The nginx version to assume.
    pub nginx: Option<String>,
    /// Parameter values for this test.
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
    /// Backend specs by upstream name (`app = "5s"`, `app = "gunicorn"`,
    /// `app = "gunicorn:gunicorn.conf.py"` with the file in `files`).
    #[serde(default)]
    pub backends: BTreeMap<String, String>,
    /// The text of the backend files the specs name, by path.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Which side timeout fixes change (`--prefer`).
    pub prefer: Option<crate::rules::facts::Prefer>,
    /// The backend assumed behind every upstream nobody declared and the
    /// configuration gives no hint about (`--assume-backend`): a kind or a
    /// duration.
    pub assume_backend: Option<String>,
    /// The load balancer in front (`"aws-alb"`, `"60s"`).
    pub front_lb: Option<String>,
    /// How many findings this rule reports.
    pub findings: Option<usize>,
    /// The findings' lines, in order.
    pub lines: Option<Vec<u32>>,
    /// The severity every finding has.
    pub severity: Option<Severity>,
    /// The safety every finding's fix has (`none`: no fix at all).
    pub fix_safety: Option<TestSafety>,
    /// The configuration after applying every fix.
    pub fixed: Option<String>,
    /// The backend files after applying every fix, by path.
    #[serde(default)]
    pub fixed_files: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_value_fits_its_default_s_kind() {
        let text = |t: &str| ParamValue::Text(t.to_string());
        let fits = |value: ParamValue, default: ParamValue| value.fits(&default).is_ok();
        assert!(fits(text("2s"), text("1s")));
        assert!(
            fits(ParamValue::Integer(2), text("1s")),
            "a bare number is seconds"
        );
        assert!(
            fits(text("1g"), text("100m")),
            "100m is a size as well as a duration"
        );
        assert!(fits(text("90s"), text("100m")));
        assert!(!fits(text("lots"), text("1s")));
        assert!(!fits(text("1s"), ParamValue::Integer(5)));
        assert!(fits(text("7"), ParamValue::Integer(5)));
        assert!(!fits(text("yes"), ParamValue::Bool(true)));
        assert!(fits(text("anything"), text("a name")));
        assert_eq!(
            text("lots")
                .fits(&ParamValue::Integer(5))
                .unwrap_err()
                .to_string(),
            "\"lots\" is not a number, as the default (`5`) is"
        );
        assert_eq!(
            text("lots").fits(&text("1s")).unwrap_err().to_string(),
            "\"lots\" is not a duration (`5s`, `500ms`, `1m`), as the default (`1s`) is"
        );
        let bad = Pattern::try_from("a(".to_string()).unwrap_err();
        assert_eq!(bad.to_string(), "invalid regex \"a(\": unclosed group");
        // Found when the rule is read, though the regex is compiled later.
        let bad = Pattern::try_from(r"\p{Nope}".to_string()).unwrap_err();
        assert_eq!(
            bad.to_string(),
            "invalid regex \"\\p{Nope}\": Unicode property not found"
        );
    }

    #[test]
    fn patterns_compile_on_first_use_and_one_that_cannot_matches_neither_way() {
        let pattern = Pattern::try_from(r"^\d+s$".to_string()).unwrap();
        assert_eq!(pattern.is_match("30s"), Some(true));
        assert_eq!(pattern.is_match("30m"), Some(false));
        // Parses, but is over the regex crate's size limit.
        let huge = Pattern::try_from(r"(?:\w{100}){100}".to_string()).unwrap();
        assert_eq!(huge.is_match("x"), None);
    }

    #[test]
    fn effective_tests_keep_the_order_they_are_written_in() {
        // The matcher evaluates them in this order and stops at the first
        // that fails: a rule puts its most selective test first.
        let cond: Cond = toml::from_str(
            "effective.proxy_request_buffering = { equals = \"off\" }\n\
             effective.proxy_next_upstream = { present = true }\n\
             effective.proxy_buffering = { equals = \"on\" }\n",
        )
        .expect("a condition");
        let names: Vec<&str> = cond.effective.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "proxy_request_buffering",
                "proxy_next_upstream",
                "proxy_buffering"
            ]
        );
    }
}
