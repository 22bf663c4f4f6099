//! Running rules over a model: findings with their places, messages and
//! computed fixes, minus what inline suppressions silence.

use std::collections::{BTreeMap, HashSet};

use super::facts::Backends;
use super::fixes::{plan, FixPlan};
use super::load::Rule;
use super::matcher::{matches, Env, Subject};
use super::schema::Severity;
use super::suppress;
use crate::config::FileId;
use crate::model::{Model, Node};
use crate::syntax::{LineCol, Span};

/// The id of the finding reported for a suppression that silences nothing.
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

/// One problem found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub file: FileId,
    /// The file's path for messages.
    pub path: String,
    pub span: Span,
    pub start: LineCol,
    pub end: LineCol,
    /// The source line of `start`, without its line break.
    pub excerpt: String,
    pub fix: Option<FixPlan>,
    /// Why the rule's fix could not be computed here.
    pub fix_unavailable: Option<String>,
}

/// What a run needs besides the rules and the model.
#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    /// Parameter overrides by rule id.
    pub params: BTreeMap<String, BTreeMap<String, String>>,
    pub backends: Backends,
    /// Report suppressions that silence nothing.
    pub report_unused_suppressions: bool,
    /// Every rule id that exists, selected or not: a suppression naming one
    /// of them is not "unknown". Empty: the rules being run.
    pub known_rules: Vec<String>,
}

/// Run `rules` on `model`; findings sorted by file, position and rule.
pub fn run(rules: &[Rule], model: &Model<'_>, options: &RunOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in rules {
        if !rule.versions.contains(model.version()) {
            continue;
        }
        let params = rule.param_values(options.params.get(&rule.id));
        let env = Env {
            model,
            params: &params,
            backends: &options.backends,
        };
        let mut seen = HashSet::new();
        let mut check = |node: Node<'_>| {
            if matches(&rule.matcher, node, &env) && seen.insert((node.file(), node.span())) {
                findings.push(finding(rule, node, &env));
            }
        };
        if rule.matcher.directive.0.is_empty() {
            model.nodes().for_each(&mut check);
        } else {
            for name in &rule.matcher.directive.0 {
                model.named(name).for_each(&mut check);
            }
        }
    }
    let active: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    let known: Vec<&str> = if options.known_rules.is_empty() {
        active.clone()
    } else {
        options.known_rules.iter().map(String::as_str).collect()
    };
    let mut findings = suppress::apply(
        model.config(),
        findings,
        &active,
        &known,
        options.report_unused_suppressions,
    );
    findings.sort_by(|a, b| (a.file, a.span.start, &a.rule).cmp(&(b.file, b.span.start, &b.rule)));
    findings
}

fn finding(rule: &Rule, node: Node<'_>, env: &Env<'_>) -> Finding {
    let subject = Subject { env, node };
    let message = match &rule.message {
        Some(template) => template
            .render(&subject)
            .unwrap_or_else(|_| rule.title.clone()),
        None => rule.title.clone(),
    };
    let (fix, fix_unavailable) = match &rule.fix {
        Some(fix) => match plan(fix, &subject) {
            Ok(plan) => (Some(plan), None),
            Err(why) => (None, Some(why)),
        },
        None => (None, None),
    };
    located(
        &rule.id,
        rule.severity,
        &rule.title,
        message,
        node.file(),
        node.path(),
        node.directive().tree(),
        node.span(),
        fix,
        fix_unavailable,
    )
}

/// A finding at a span of a file.
#[allow(clippy::too_many_arguments)]
pub(crate) fn located(
    rule: &str,
    severity: Severity,
    title: &str,
    message: String,
    file: FileId,
    path: String,
    tree: &crate::syntax::SyntaxTree,
    span: Span,
    fix: Option<FixPlan>,
    fix_unavailable: Option<String>,
) -> Finding {
    let start = tree.line_col(span.start);
    let end = tree.line_col(span.end);
    let range = tree.lines().line_range(tree.text(), start.line);
    let excerpt = String::from_utf8_lossy(&tree.text()[range])
        .trim_end_matches('\r')
        .to_string();
    Finding {
        rule: rule.to_string(),
        severity,
        title: title.to_string(),
        message,
        file,
        path,
        span,
        start,
        end,
        excerpt,
        fix,
        fix_unavailable,
    }
}
