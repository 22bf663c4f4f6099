//! Running rules over a model: findings with their places, messages and
//! computed fixes, minus what inline suppressions silence.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::facts::Facts;
use super::file_ignores::FileIgnores;
use super::fixes::{plan, FixPlan};
use super::load::Rule;
use super::matcher::{Env, Guesses, Refusals, Subject};
use super::schema::Severity;
use super::suppress;
use crate::config::FileId;
use crate::model::accepts::Known;
use crate::model::{Model, Node, NodeId};
use crate::syntax::style::Styles;
use crate::syntax::{LineCol, Span};
use crate::text::Edit;

/// A finding's source line is kept whole up to this many characters, and
/// cut around the finding beyond: a one-line configuration of 36 KB would
/// otherwise be printed whole with each of its findings.
pub const EXCERPT_MAX: usize = 200;

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
    pub path: Arc<str>,
    pub span: Span,
    pub start: LineCol,
    pub end: LineCol,
    /// The source line of `start`, without its line break; a line of
    /// more than [`EXCERPT_MAX`] characters cut around `start`, with `...`
    /// where it was cut.
    pub excerpt: String,
    /// The column of `start` in `excerpt` (its column in the line, unless
    /// the line was cut).
    pub excerpt_col: u32,
    /// The fix offered, or why there is none.
    pub fix: FixState,
}

impl Finding {
    /// The fix's edits with their places (none without a computed fix).
    pub fn edits(&self) -> impl Iterator<Item = (&Edit, &EditPlace)> {
        self.fix.planned().into_iter().flat_map(PlannedFix::edits)
    }
}

/// What a finding offers to fix it. One enum rather than a fix and a
/// reason side by side: a finding with both cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixState {
    /// The rule, in the case that matched, has no fix.
    None,
    /// The fix, computed for this place.
    Planned(PlannedFix),
    /// The rule has a fix but it cannot be computed here (a missing fact,
    /// no block to put it in): why, for the report.
    Unavailable(String),
}

impl FixState {
    /// The computed fix, if there is one.
    pub(crate) fn planned(&self) -> Option<&PlannedFix> {
        match self {
            FixState::Planned(fix) => Some(fix),
            FixState::None | FixState::Unavailable(_) => None,
        }
    }

    /// The computed fix's plan, if there is one.
    pub fn plan(&self) -> Option<&FixPlan> {
        self.planned().map(PlannedFix::plan)
    }

    /// Why the rule's fix could not be computed here, if it could not.
    pub(crate) fn unavailable(&self) -> Option<&str> {
        match self {
            FixState::Unavailable(why) => Some(why),
            FixState::None | FixState::Planned(_) => None,
        }
    }
}

/// A computed fix with where each of its edits lands: the places are made
/// with the edits, one each, so the two cannot drift apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFix {
    plan: FixPlan,
    /// Where each edit of `plan.edits` lands, in the same order.
    places: Vec<EditPlace>,
}

impl PlannedFix {
    /// `plan` with the place of each of its edits, as `place` finds it.
    pub(crate) fn new(plan: FixPlan, place: impl FnMut(&Edit) -> EditPlace) -> Self {
        let places = plan.edits.iter().map(place).collect();
        PlannedFix { plan, places }
    }

    /// What the fix does, how safe it is, and its edits.
    pub fn plan(&self) -> &FixPlan {
        &self.plan
    }

    /// The edits with their places, in the plan's order.
    pub fn edits(&self) -> impl Iterator<Item = (&Edit, &EditPlace)> {
        self.plan.edits.iter().zip(&self.places)
    }
}

/// Where an edit lands, in human terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditPlace {
    pub path: Arc<str>,
    pub start: LineCol,
    pub end: LineCol,
}

/// What a run needs besides the rules and the model.
#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    /// Parameter overrides by rule id.
    pub params: BTreeMap<String, BTreeMap<String, String>>,
    /// Declared backends and front load balancer.
    pub facts: Facts,
    /// Report suppressions that silence nothing.
    pub report_unused_suppressions: bool,
    /// Every rule id that exists, selected or not: a suppression naming one
    /// of them is not "unknown". Empty: the rules being run.
    pub known_rules: Vec<String>,
    /// Directive names of third-party modules to take as known
    /// (`extra_directives` in ngxfix.toml).
    pub known_directives: Known,
    /// Rules left out for some files (`[per-file-ignores]`).
    pub file_ignores: FileIgnores,
    /// Keep the values each fix writes in its plan ([`FixPlan::values`]),
    /// for an approver that lets a person edit them (`fix -i`'s `e`);
    /// without it plans carry none.
    pub fix_values: bool,
}

/// A rule matched a directive: eight bytes, so a run with many findings
/// stays small; [`Checked::findings`] renders them one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index into the rules of the run.
    pub rule: u32,
    pub node: NodeId,
}

/// One entry of a run's result, in report order.
#[derive(Debug, Clone, Copy)]
enum Item {
    Hit(Hit),
    /// Index into `Checked::extra`.
    Extra(u32),
}

/// The result of running rules on a model.
pub struct Checked<'r, 'm> {
    rules: &'r [Rule],
    model: &'m Model<'m>,
    options: &'r RunOptions,
    params: Vec<BTreeMap<String, String>>,
    styles: Styles,
    refusals: Refusals<'r>,
    guesses: Guesses,
    memo: super::relations::Memo,
    paths: Vec<Arc<str>>,
    items: Vec<Item>,
    extra: Vec<Finding>,
}

/// Run `rules` on `model`: every matching directive, minus suppressed ones,
/// sorted by file, position and rule. The rules, and each rule's candidate
/// directives, are checked in parallel.
pub fn check<'r, 'm>(
    rules: &'r [Rule],
    model: &'m Model<'m>,
    options: &'r RunOptions,
) -> Checked<'r, 'm> {
    let styles = Styles::new(model.config().files().len());
    let paths: Vec<Arc<str>> = model
        .config()
        .files()
        .iter()
        .map(|f| Arc::from(f.display_path()))
        .collect();
    let params: Vec<BTreeMap<String, String>> = rules
        .iter()
        .map(|rule| rule.param_values(options.params.get(&rule.id)))
        .collect();
    let refusals = Refusals::new(&options.known_directives);
    let guesses = Guesses::default();
    let memo = super::relations::Memo::default();
    let env_of = |index: usize| Env {
        model,
        params: &params[index],
        facts: &options.facts,
        styles: &styles,
        refusals: &refusals,
        guesses: &guesses,
        memo: &memo,
        focus: None,
        depth: 0,
    };
    let active: Vec<usize> = (0..rules.len())
        .filter(|&index| rules[index].versions.contains(model.version()))
        .collect();
    // The refusals are a parallel scan of their own: made once here rather
    // than by each rule listing its candidates from them side by side.
    if active
        .iter()
        .any(|&index| rules[index].matcher.candidates_are_refusals())
    {
        refusals.all(model);
    }
    let candidates: Vec<std::borrow::Cow<[NodeId]>> = crate::par::map(&active, |&index| {
        rules[index].matcher.candidates(model, &refusals)
    });
    // Every rule's candidates, a chunk at a time, as one list of jobs: a
    // rule with a few candidates runs beside the others instead of on one
    // core while the rest wait. The results keep the rules' order.
    let jobs: Vec<(usize, std::ops::Range<usize>)> = candidates
        .iter()
        .enumerate()
        .flat_map(|(slot, ids)| {
            (0..ids.len())
                .step_by(MATCH_CHUNK)
                .map(move |start| (slot, start..ids.len().min(start + MATCH_CHUNK)))
        })
        .collect();
    let matched: Vec<Vec<NodeId>> = crate::par::map(&jobs, |(slot, range)| {
        let index = active[*slot];
        let (matcher, env) = (&rules[index].matcher, env_of(index));
        candidates[*slot][range.clone()]
            .iter()
            .copied()
            .filter(|&id| matcher.matches(model.node(id), &env))
            .collect()
    });
    // A file included in several places yields its directives once per
    // place; report each place in the file once. Findings in a context
    // written around a fragment, or outside the files a run focuses on,
    // are not reported.
    let config = model.config();
    let mut hits: Vec<Hit> = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    let mut current = None;
    for ((slot, _), ids) in jobs.iter().zip(matched) {
        if current != Some(*slot) {
            current = Some(*slot);
            seen.clear();
        }
        hits.extend(
            ids.into_iter()
                .filter(|&id| {
                    let node = model.node(id);
                    config.reports(node.file()) && seen.insert((node.file(), node.span()))
                })
                .map(|node| Hit {
                    rule: active[*slot] as u32,
                    node,
                }),
        );
    }
    // A rule that does not apply to this nginx version cannot use its
    // suppressions; they are not reported as unused.
    let active: Vec<&str> = active.iter().map(|&i| rules[i].id.as_str()).collect();
    let known: Vec<&str> = if options.known_rules.is_empty() {
        rules.iter().map(|r| r.id.as_str()).collect()
    } else {
        options.known_rules.iter().map(String::as_str).collect()
    };
    let (mut hits, extra) = suppress::filter(
        model.config(),
        hits,
        |hit| {
            let node = model.node(hit.node);
            (
                node.file(),
                node.span(),
                rules[hit.rule as usize].id.as_str(),
            )
        },
        &active,
        &known,
        options.report_unused_suppressions,
    );
    let mut extra: Vec<Finding> = extra
        .into_iter()
        .filter(|f| model.config().reports(f.file))
        .collect();
    // After the suppressions: a comment that silences a finding the table
    // also leaves out has done its work and is not reported unused.
    if !options.file_ignores.is_empty() {
        let ignored: Vec<Vec<&str>> = config
            .files()
            .iter()
            .map(|file| options.file_ignores.for_file(&file.path))
            .collect();
        let left_out = |file: FileId, id: &str, category: Option<&str>| {
            ignored[file.index()]
                .iter()
                .any(|name| *name == id || Some(*name) == category)
        };
        hits.retain(|hit| {
            let rule = &rules[hit.rule as usize];
            !left_out(model.node(hit.node).file(), &rule.id, Some(&rule.category))
        });
        extra.retain(|f| !left_out(f.file, &f.rule, None));
    }
    let mut keyed: Vec<((FileId, u32, &str), Item)> = hits
        .into_iter()
        .map(|hit| {
            let node = model.node(hit.node);
            let key = (
                node.file(),
                node.span().start,
                rules[hit.rule as usize].id.as_str(),
            );
            (key, Item::Hit(hit))
        })
        .chain(extra.iter().enumerate().map(|(i, f)| {
            (
                (f.file, f.span.start, f.rule.as_str()),
                Item::Extra(i as u32),
            )
        }))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let items = keyed.into_iter().map(|(_, item)| item).collect();
    Checked {
        rules,
        model,
        options,
        params,
        styles,
        refusals,
        guesses,
        memo,
        paths,
        items,
        extra,
    }
}

impl Checked<'_, '_> {
    /// Number of findings.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The findings, rendered (message, fix) a batch at a time, in
    /// parallel: memory holds one batch, not every finding.
    pub fn findings(&self) -> impl Iterator<Item = Finding> + '_ {
        self.batches().flatten()
    }

    /// [`Checked::findings`] in the batches they are rendered in.
    pub fn batches(&self) -> impl Iterator<Item = Vec<Finding>> + '_ {
        self.items
            .chunks(RENDER_BATCH)
            .map(|batch| crate::par::map(batch, |item| self.render(*item, true)))
    }

    /// The findings with their fixes but no message or excerpt (both
    /// empty): what a pass of the fix loop that nobody reads needs, at a
    /// fraction of the cost on tens of thousands of findings. Otherwise as
    /// [`Checked::findings`].
    pub fn unworded(&self) -> Vec<Finding> {
        crate::par::map(&self.items, |item| self.render(*item, false))
    }

    fn render(&self, item: Item, worded: bool) -> Finding {
        match item {
            Item::Extra(i) => self.extra[i as usize].clone(),
            Item::Hit(hit) => {
                let env = Env {
                    model: self.model,
                    params: &self.params[hit.rule as usize],
                    facts: &self.options.facts,
                    styles: &self.styles,
                    refusals: &self.refusals,
                    guesses: &self.guesses,
                    memo: &self.memo,
                    focus: None,
                    depth: 0,
                };
                finding(
                    &self.rules[hit.rule as usize],
                    self.model.node(hit.node),
                    &env,
                    &self.paths,
                    self.options.fix_values,
                    worded,
                )
            }
        }
    }
}

/// Candidates of one rule matched as one parallel job by [`check`].
const MATCH_CHUNK: usize = 1024;

/// Findings rendered at once by [`Checked::findings`].
const RENDER_BATCH: usize = 4096;

/// Run `rules` on `model` and render every finding.
pub fn run(rules: &[Rule], model: &Model<'_>, options: &RunOptions) -> Vec<Finding> {
    check(rules, model, options).findings().collect()
}

fn finding(
    rule: &Rule,
    node: Node<'_>,
    env: &Env<'_>,
    paths: &[Arc<str>],
    with_values: bool,
    worded: bool,
) -> Finding {
    let subject = Subject { env, node };
    let variant = rule
        .variants
        .iter()
        .find(|v| v.when.matches(node, env))
        .map(|v| &v.spec);
    let severity = variant.and_then(|v| v.severity).unwrap_or(rule.severity);
    let message = if !worded {
        String::new()
    } else {
        match variant
            .and_then(|v| v.message.as_ref())
            .or(rule.message.as_ref())
        {
            Some(template) => template
                .render(&subject)
                .unwrap_or_else(|_| rule.title.clone()),
            None => rule.title.clone(),
        }
    };
    let place = |edit: &Edit| {
        let tree = &env.model.config().file(edit.file).tree;
        EditPlace {
            path: paths[edit.file.index()].clone(),
            start: tree.line_col(edit.start),
            end: tree.line_col(edit.end),
        }
    };
    let fix = match rule.fix_for(variant) {
        Some((fix, safety)) => match plan(fix, &subject) {
            Ok(plan) => {
                // Dropped at once unless asked for: tens of thousands of
                // findings would hold them to the end of a run.
                let values = if with_values { plan.values } else { Vec::new() };
                let plan = FixPlan {
                    safety,
                    values,
                    ..plan
                };
                FixState::Planned(PlannedFix::new(plan, place))
            }
            Err(why) => FixState::Unavailable(why.to_string()),
        },
        None => FixState::None,
    };
    located(
        &rule.id,
        severity,
        &rule.title,
        message,
        node.file(),
        paths[node.file().index()].clone(),
        node.directive().tree(),
        node.span(),
        fix,
        worded,
    )
}

/// A finding at a span of a file, with the line around it when `worded`
/// (see [`Checked::unworded`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn located(
    rule: &str,
    severity: Severity,
    title: &str,
    message: String,
    file: FileId,
    path: Arc<str>,
    tree: &crate::syntax::SyntaxTree,
    span: Span,
    fix: FixState,
    worded: bool,
) -> Finding {
    let start = tree.line_col(span.start);
    let end = tree.line_col(span.end);
    let (excerpt, excerpt_col) = if worded {
        excerpt(tree, span, start)
    } else {
        (String::new(), 0)
    };
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
        excerpt_col,
        fix,
    }
}

/// The source line of `start` around the span, cut to [`EXCERPT_MAX`]
/// characters, and the span's column in it.
fn excerpt(tree: &crate::syntax::SyntaxTree, span: Span, start: LineCol) -> (String, u32) {
    let text = tree.text();
    let range = tree.lines().line_range(text, start.line);
    let line_start = range.start;
    let mut line = &text[range];
    while let Some(rest) = line.strip_suffix(b"\r") {
        line = rest;
    }
    // Cut from the bytes around the directive: neither the line nor its
    // characters are copied for each finding.
    let at = (span.start as usize).saturating_sub(line_start);
    crate::syntax::window_at(line, at, EXCERPT_MAX)
}
