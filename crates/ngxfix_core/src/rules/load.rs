//! Loading rule files: the built-in ones (embedded at build time from
//! `rules/`) and the user's (`--rules PATH`, files or folders). A bad file
//! is reported at its place: `path:line:col`, the line, a caret, what was
//! expected.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use super::matcher::Matcher;
use super::schema::{Cond, Fix, Param, RuleFile, Safety, Severity, Test, ValueTest, Variant};
use super::template::Template;
use crate::model::VersionRange;
use crate::syntax::SourceError;
use serde_spanned::Spanned;

/// Where a rule was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleOrigin {
    /// Built into the binary, from `rules/NAME`.
    Builtin(&'static str),
    /// A file the user named.
    File(PathBuf),
}

impl fmt::Display for RuleOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleOrigin::Builtin(name) => write!(f, "built-in rules/{name}"),
            RuleOrigin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A checked rule, ready to run.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub versions: VersionRange,
    pub message: Option<Template>,
    pub explain: String,
    pub references: Vec<String>,
    pub params: BTreeMap<String, Param>,
    /// The rule file's `match`, compiled.
    pub matcher: Matcher,
    pub fix: Option<Fix>,
    /// Cases with their own severity, message or fix, tried in order.
    pub variants: Vec<RuleVariant>,
    /// Embedded examples with the line each starts on.
    pub tests: Vec<(Test, u32)>,
    pub origin: RuleOrigin,
}

/// A `[[variant]]` of a rule, with its `when` compiled.
#[derive(Debug, Clone)]
pub struct RuleVariant {
    /// The case as the rule file writes it.
    pub spec: Variant,
    /// `spec.when`, compiled.
    pub when: Matcher,
}

impl Rule {
    /// The fix of a finding in the case `variant` (none: the rule's own),
    /// with its safety; `None` when that case has no fix.
    pub fn fix_for<'a>(&'a self, variant: Option<&'a Variant>) -> Option<(&'a Fix, Safety)> {
        match variant {
            Some(v) => v.fix(self.fix.as_ref()),
            None => self.fix.as_ref().map(|f| (f, f.safety.unwrap_or_default())),
        }
    }

    /// Parameter values: defaults, overridden by `overrides`.
    pub(crate) fn param_values(
        &self,
        overrides: Option<&BTreeMap<String, String>>,
    ) -> BTreeMap<String, String> {
        let mut values: BTreeMap<String, String> = self
            .params
            .iter()
            .map(|(name, p)| (name.clone(), p.default.to_string()))
            .collect();
        if let Some(overrides) = overrides {
            for (name, value) in overrides {
                values.insert(name.clone(), value.clone());
            }
        }
        values
    }
}

/// A rule file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{}", .error.display(.path))]
    Invalid { path: String, error: SourceError },
    #[error("{path}: no rule files (*.toml) found")]
    Empty { path: String },
    #[error("rule id \"{id}\" is defined twice: {first} and {second}")]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
}

/// The built-in rule files: (file name, text).
pub(crate) fn builtin_sources() -> &'static [(&'static str, &'static str)] {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"))
}

/// Parse every built-in rule.
pub fn builtin() -> Result<Vec<Rule>, RuleError> {
    // Read in parallel: reading the TOML of 66 rules is most of start-up.
    crate::par::map(builtin_sources(), |(name, text)| {
        parse(text, RuleOrigin::Builtin(name))
    })
    .into_iter()
    .collect()
}

/// Rules from the user's files, `(path, text)` in order, each rule's
/// origin its path. A file may come as the error of reading it: it is
/// returned when reached, so that files can be read as they are parsed and
/// the first bad file, read or parsed, is the one reported.
pub fn from_texts<I>(files: I) -> Result<Vec<Rule>, RuleError>
where
    I: IntoIterator<Item = Result<(PathBuf, String), RuleError>>,
{
    files
        .into_iter()
        .map(|file| {
            let (path, text) = file?;
            parse(&text, RuleOrigin::File(path))
        })
        .collect()
}

/// Refuse two rules with one id.
pub fn check_unique(rules: &[Rule]) -> Result<(), RuleError> {
    let mut seen: BTreeMap<&str, &RuleOrigin> = BTreeMap::new();
    for rule in rules {
        if let Some(first) = seen.insert(&rule.id, &rule.origin) {
            return Err(RuleError::Duplicate {
                id: rule.id.clone(),
                first: first.to_string(),
                second: rule.origin.to_string(),
            });
        }
    }
    Ok(())
}

/// Parse and check one rule file.
pub fn parse(text: &str, origin: RuleOrigin) -> Result<Rule, RuleError> {
    let path = origin.to_string();
    let invalid = |offset: usize, message: String, hint: Option<String>| RuleError::Invalid {
        path: path.clone(),
        error: SourceError::at(text.as_bytes(), offset, message, hint),
    };
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        invalid(offset, e.message().trim_end().to_string(), None)
    })?;

    let id_span = file.id.span();
    let id = file.id.into_inner();
    let valid_id = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && id.starts_with(|c: char| c.is_ascii_lowercase());
    if id == super::engine::UNUSED_SUPPRESSION {
        return Err(invalid(
            id_span.start,
            format!("rule id \"{id}\" is reserved for ngxfix's own finding"),
            None,
        ));
    }
    if !valid_id {
        return Err(invalid(
            id_span.start,
            format!("invalid rule id \"{id}\""),
            Some("ids are lowercase letters, digits and dashes, starting with a letter".into()),
        ));
    }

    let params: BTreeSet<&str> = file.params.keys().map(String::as_str).collect();
    let declared = &file.params;
    let check_templates = |templates: Vec<&Template>, offset: usize| -> Result<(), RuleError> {
        for template in templates {
            for reference in template.references() {
                if reference[0] == "param"
                    && !params.contains(reference.get(1).map_or("", String::as_str))
                {
                    let declared = if params.is_empty() {
                        "none are declared; add a [params.NAME] table".to_string()
                    } else {
                        format!(
                            "declared: {}",
                            params.iter().copied().collect::<Vec<_>>().join(", ")
                        )
                    };
                    return Err(invalid(
                        offset,
                        format!(
                            "template \"{}\" uses `{}`, which is not a parameter of this rule",
                            template.source(),
                            reference.join(".")
                        ),
                        Some(declared),
                    ));
                }
            }
        }
        Ok(())
    };
    if let Some(message) = &file.message {
        check_templates(vec![message.get_ref()], message.span().start)?;
    }
    let match_span = file.matcher.span();
    let matcher = file.matcher.into_inner();
    check_templates(cond_templates(&matcher), match_span.start)?;
    if let Some(problem) = cond_problem(&matcher) {
        return Err(invalid(match_span.start, problem, None));
    }

    let check_fix = |fix: &Fix, offset: usize| -> Result<(), RuleError> {
        check_templates(fix_templates(fix), offset)?;
        if !has_action(fix) {
            return Err(invalid(
                offset,
                "[fix] has no action".into(),
                Some("expected one of: set, add, replace_arg, remove_arg, insert, remove, restore, backend_timeout, remove_bom".into()),
            ));
        }
        Ok(())
    };
    let fix = match file.fix {
        Some(fix) => {
            let span = fix.span();
            let fix = fix.into_inner();
            check_fix(&fix, span.start)?;
            Some(fix)
        }
        None => None,
    };
    let mut variants = Vec::new();
    for variant in file.variants {
        let offset = variant.span().start;
        let variant = variant.into_inner();
        check_templates(cond_templates(&variant.when), offset)?;
        check_templates(variant.message.iter().collect(), offset)?;
        if let Some(problem) = cond_problem(&variant.when) {
            return Err(invalid(offset, problem, None));
        }
        if let Some(own) = &variant.fix {
            check_fix(own, offset)?;
        }
        if variant.no_fix && variant.fix.is_some() {
            return Err(invalid(
                offset,
                "[[variant]] has both `fix` and `no_fix = true`".into(),
                None,
            ));
        }
        if variant.safety.is_some() && variant.fix(fix.as_ref()).is_none() {
            return Err(invalid(
                offset,
                "[[variant]] sets `safety` but has no fix".into(),
                None,
            ));
        }
        let when = Matcher::new(variant.when.clone());
        variants.push(RuleVariant {
            spec: variant,
            when,
        });
    }

    let mut tests = Vec::new();
    for test in file.tests {
        let span = test.span();
        let line = SourceError::at(text.as_bytes(), span.start, "", None).line;
        let test = test.into_inner();
        if test.findings.is_none() && test.lines.is_none() && test.fixed.is_none() {
            return Err(invalid(
                span.start,
                "[[test]] expects nothing".into(),
                Some("give `findings`, `lines` or `fixed`".into()),
            ));
        }
        if test.fixed.is_some() && fix.is_none() && variants.iter().all(|v| v.spec.fix.is_none()) {
            return Err(invalid(
                span.start,
                "[[test]] has `fixed` but the rule has no [fix]".into(),
                None,
            ));
        }
        if let Some(version) = &test.nginx {
            if let Err(e) = version.parse::<crate::model::Version>() {
                return Err(invalid(span.start, e.to_string(), None));
            }
        }
        if let Some(unknown) = test.params.keys().find(|k| !params.contains(k.as_str())) {
            return Err(invalid(
                span.start,
                format!("[[test]] sets unknown parameter \"{unknown}\""),
                None,
            ));
        }
        for (name, value) in &test.params {
            if let Err(why) = value.fits(&declared[name.as_str()].get_ref().default) {
                return Err(invalid(span.start, format!("[[test]] {name}: {why}"), None));
            }
        }
        for (name, spec) in &test.backends {
            let problem = match super::facts::parse_spec(spec) {
                Err(e) => Some(e.to_string()),
                Ok(super::facts::Spec::File { path, .. })
                    if !test.files.contains_key(path.to_str().unwrap_or_default()) =>
                {
                    Some(format!(
                        "{}: give its text in the test's `files`",
                        path.display()
                    ))
                }
                Ok(_) => None,
            };
            if let Some(e) = problem {
                return Err(invalid(
                    span.start,
                    format!("backend \"{name}\": {e}"),
                    None,
                ));
            }
        }
        if let Some(front) = &test.front_lb {
            if let Err(e) = super::facts::parse_front(front, "test") {
                return Err(invalid(span.start, format!("front_lb: {e}"), None));
            }
        }
        tests.push((test, line));
    }

    Ok(Rule {
        id,
        title: file.title,
        severity: file.severity,
        category: file.category,
        versions: file.nginx.0,
        message: file.message.map(Spanned::into_inner),
        explain: file.explain,
        references: file.references,
        params: file
            .params
            .into_iter()
            .map(|(k, v)| (k, v.into_inner()))
            .collect(),
        matcher: Matcher::new(matcher),
        fix,
        variants,
        tests,
        origin,
    })
}

/// Checks serde cannot express: which value-test keys make sense where.
fn cond_problem(cond: &Cond) -> Option<String> {
    let has_index = |t: &ValueTest| t.index.is_some();
    let effective_only =
        |t: &ValueTest| t.configured.is_some() || t.entry.is_some() || t.no_entry.is_some();
    let plain: Vec<&ValueTest> = cond
        .any_arg
        .as_deref()
        .into_iter()
        .chain(cond.arg_count.as_deref())
        .chain(fact_tests(cond))
        .chain(count_tests(cond))
        .collect();
    if plain.iter().any(|t| has_index(t)) || cond.effective.values().any(has_index) {
        return Some("`index` belongs in `arg` tests and in `entry` tests only".into());
    }
    if plain.iter().any(|t| effective_only(t)) || cond.arg.0.iter().any(effective_only) {
        return Some(
            "`configured`, `entry` and `no_entry` belong in `effective` tests only".into(),
        );
    }
    if cond.value.0.iter().any(|t| t.of.is_none()) {
        return Some("a `value` test needs `of`, the template it tests".into());
    }
    for test in value_tests(cond) {
        if test.of.is_some() {
            return Some("`of` belongs in `value` tests only".into());
        }
    }
    if cond
        .value
        .0
        .iter()
        .any(|t| has_index(t) || effective_only(t))
    {
        return Some("`value` tests take no `index`, `configured`, `entry` or `no_entry`".into());
    }
    let nested = cond
        .effective
        .values()
        .flat_map(|t| t.entry.iter().chain(&t.no_entry))
        .flat_map(|list| &list.0);
    for inner in nested {
        if effective_only(inner) {
            return Some("`entry` tests take argument tests (`index`, `equals`, ...), not `configured`, `entry` or `no_entry`".into());
        }
    }
    children(cond).into_iter().find_map(cond_problem)
}

fn children(cond: &Cond) -> Vec<&Cond> {
    let mut out: Vec<&Cond> = Vec::new();
    out.extend(cond.has.0.iter());
    out.extend(cond.lacks.0.iter());
    out.extend(cond.all.iter());
    out.extend(cond.any.iter());
    for boxed in [
        &cond.upstream,
        &cond.map,
        &cond.used_by,
        &cond.parent,
        &cond.ancestor,
        &cond.after,
        &cond.before,
        &cond.not,
        &cond.reached_by,
        &cond.reached_only_by,
        &cond.in_effect_at,
        &cond.anywhere,
        &cond.defined_by,
    ]
    .into_iter()
    .flatten()
    {
        out.push(boxed);
    }
    if let Some(peers) = &cond.peers {
        out.extend(peers.filter.as_deref());
        out.extend(peers.none.as_deref());
    }
    out
}

/// The value tests of `regex` and `peers`: counts, which take no index.
fn count_tests(cond: &Cond) -> impl Iterator<Item = &ValueTest> {
    let regex = cond.regex.iter().flat_map(|r| {
        r.captures
            .iter()
            .chain(&r.unnamed_captures)
            .chain(&r.named_captures)
    });
    let peers = cond
        .peers
        .iter()
        .flat_map(|p| p.count.iter().chain(&p.blocks));
    regex.chain(peers)
}

/// The value tests on declared facts (backend, front load balancer).
fn fact_tests(cond: &Cond) -> impl Iterator<Item = &ValueTest> {
    let backend = cond
        .backend
        .iter()
        .flat_map(|b| b.idle_timeout.iter().chain(&b.kind));
    backend.chain(cond.front_lb.iter().filter_map(|f| f.idle_timeout.as_ref()))
}

fn has_action(fix: &Fix) -> bool {
    fix.set.is_some()
        || fix.add.is_some()
        || fix.replace_arg.is_some()
        || fix.remove_arg.is_some()
        || fix.insert.is_some()
        || fix.remove
        || fix.backend_timeout.is_some()
        || fix.remove_bom
        || fix.restore.is_some()
}

fn value_templates(test: &ValueTest) -> Vec<&Template> {
    let mut out: Vec<&Template> = test.equals.0.iter().chain(&test.not_equals.0).collect();
    out.extend(
        [
            &test.lt,
            &test.le,
            &test.gt,
            &test.ge,
            &test.one_of,
            &test.of,
        ]
        .into_iter()
        .flatten(),
    );
    for list in [&test.entry, &test.no_entry].into_iter().flatten() {
        for inner in &list.0 {
            out.extend(value_templates(inner));
        }
    }
    out
}

/// Every value test of `cond` itself (not of its nested conditions) but
/// its `value` tests.
fn value_tests(cond: &Cond) -> impl Iterator<Item = &ValueTest> {
    cond.arg
        .0
        .iter()
        .chain(cond.any_arg.as_deref())
        .chain(cond.arg_count.as_deref())
        .chain(cond.effective.values())
        .chain(fact_tests(cond))
        .chain(count_tests(cond))
}

fn cond_templates(cond: &Cond) -> Vec<&Template> {
    let mut out = Vec::new();
    for test in value_tests(cond).chain(&cond.value.0) {
        out.extend(value_templates(test));
    }
    out.extend(cond.peers.iter().map(|p| &p.key));
    for child in children(cond) {
        out.extend(cond_templates(child));
    }
    out
}

fn fix_templates(fix: &Fix) -> Vec<&Template> {
    let mut out: Vec<&Template> = fix.title.iter().collect();
    if let Some(set) = &fix.set {
        out.push(&set.args);
        out.extend(&set.comment);
    }
    if let Some(add) = &fix.add {
        out.push(&add.args);
        out.extend(&add.comment);
    }
    if let Some(replace) = &fix.replace_arg {
        out.push(&replace.value);
    }
    if let Some(remove) = &fix.remove_arg {
        out.push(&remove.value);
    }
    if let Some(insert) = &fix.insert {
        out.extend(&insert.block);
        out.push(&insert.directive);
        out.push(&insert.args);
        out.extend(&insert.comment);
    }
    out.extend(&fix.backend_timeout);
    out
}
