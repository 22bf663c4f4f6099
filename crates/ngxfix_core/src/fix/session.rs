//! The fix loop: check, choose the fixes to apply, apply them, parse the
//! changed files again, and repeat until no fix is left.
//!
//! A fix is all of its edits or none. Within a pass, a fix that clashes with
//! one already accepted waits: the next pass computes it again on the new
//! text instead of applying stale offsets. A fix whose result does not parse,
//! or that alters an `include`, is reverted and never proposed again; the same
//! holds for a change the user declined. Those are remembered by rule and by
//! the place of their finding (the directive's start), shifted from pass to
//! pass over the edits applied: a fix recomputed next to a new line has other
//! offsets, but its finding is the same directive.
//!
//! An approver may answer a change with other values for what it writes
//! ([`Answer::Edit`], `fix -i`'s `e`): the fix's edits keep their ranges,
//! with the new text in the value's place ([`super::values`]), so the
//! pass's other fixes, computed on the same original text, still fit
//! around them. The edited values must stay the arguments of their
//! directives ([`values::check_file`]). The edited text is the person's
//! word: its finding is not proposed again, no later fix may rewrite the
//! text it wrote (its range is moved over each pass, as [`Applied::spans`]
//! are), and what the rules still find there is reported as remaining.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use rustc_hash::{FxHashMap, FxHashSet};

use super::values::{self, ValueError};
use super::{apply, clash, shift_end, shift_offset, BackendEdit, Claim, Edit, FixValue};
use crate::backends::{BackendFile, Reading};
use crate::config::{ConfigTree, FileId};
use crate::model::{Duration, Model, Version};
use crate::rules::facts::{BackendId, Facts};
use crate::rules::{check, Finding, Rule, RunOptions, Safety};
use crate::syntax::{self, SyntaxTree};

/// Passes before the loop gives up; more means two fixes undo each other, a
/// bug in the rules.
pub const MAX_PASSES: usize = 10;

/// Which fixes may be applied.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// Also apply fixes marked unsafe.
    pub unsafe_fixes: bool,
    /// Also apply display-only fixes: only a rule's own examples do, to
    /// check what the fix would do.
    pub display_only: bool,
}

impl Policy {
    /// Whether a fix of this safety may be applied.
    pub fn allows(self, safety: Safety) -> bool {
        match safety {
            Safety::Safe => true,
            Safety::Unsafe => self.unsafe_fixes,
            Safety::DisplayOnly => self.display_only,
        }
    }
}

/// A user's answer to one proposed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Apply this change.
    Yes,
    /// Skip it; it is not proposed again.
    No,
    /// Apply this change and every later one in the same file without
    /// asking (as `git add -p` does).
    All,
    /// Apply nothing more; changes accepted so far are kept.
    Quit,
    /// Apply this change with these texts in place of its values (one per
    /// [`Proposal::values`], in order), which [`Proposal::edited`] has
    /// accepted.
    Edit(Vec<String>),
}

/// One change offered for approval: a finding and what its fix does to
/// each file it touches.
#[derive(Debug)]
pub struct Proposal<'a> {
    pub finding: &'a Finding,
    pub files: Vec<ProposedFile<'a>>,
    /// The values the change writes that may be edited
    /// ([`Answer::Edit`]); none for a change that only removes or copies
    /// text, or edits only a backend's file.
    pub values: Vec<&'a FixValue>,
    /// The fix's edits of the tree's files.
    edits: &'a [Edit],
    config: &'a ConfigTree,
}

/// Why edited values are refused: the change would not be valid, or would
/// change nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditRefused {
    /// The values cannot take the place of the fix's.
    #[error("{0}")]
    Value(#[from] ValueError),
    /// A file would no longer parse (nginx's kind of message, with the
    /// file, line and column).
    #[error("{0}")]
    Syntax(String),
    /// A file's includes would change, which no fix may do.
    #[error("{0}")]
    Include(String),
    /// With these values the change leaves every file as it is: the
    /// value is what the file already says.
    #[error("with this value the change leaves the file as it is")]
    Unchanged,
}

impl<'a> Proposal<'a> {
    /// The change with `new` in place of its [`values`](Self::values): each
    /// file as it would then be, once it is known to parse, to keep its
    /// includes, to hold the new values as the arguments of their
    /// directives and nothing else ([`values::check_file`]), and to change
    /// something.
    pub fn edited(&self, new: &[String]) -> Result<Vec<ProposedFile<'a>>, EditRefused> {
        let edits = self.edited_edits(new)?;
        let values: Vec<FixValue> = self.values.iter().map(|v| (*v).clone()).collect();
        let mut files: Vec<FileId> = edits.iter().map(|e| e.file).collect();
        files.sort_unstable();
        files.dedup();
        // A value that would end its directive early or run it on says so
        // first: the file's parse error it may cause is further on, and a
        // file that still parses reads as something else.
        for (value, new) in values.iter().zip(new) {
            // A value that does not parse alone is left to the file's
            // parse error, which says where.
            if let Err(e @ ValueError::NotArguments { .. }) = values::words(&value.directive, new) {
                return Err(e.into());
            }
        }
        let mut proposed = Vec::new();
        for file in files {
            let source = self.config.file(file);
            let path = source.display_path();
            let before = source.tree.text();
            let parse = |edits: &[Edit]| {
                let mine: Vec<&Edit> = edits.iter().filter(|e| e.file == file).collect();
                let after = apply(before, &mine).map_err(|e| EditRefused::Syntax(e.to_string()))?;
                let tree = syntax::parse(after.clone())
                    .map_err(|e| EditRefused::Syntax(e.display(&path).to_string()))?;
                Ok::<_, EditRefused>((after, tree))
            };
            let (after, tree) = parse(&edits)?;
            self.config
                .includes_kept(file, &tree)
                .map_err(|e| EditRefused::Include(e.to_string()))?;
            // The rule's own change, to compare with: it parses, or the
            // pass would revert it anyway.
            let (_, rule) = parse(self.edits)?;
            values::check_file(file, self.edits, &rule, &tree, &values, new)?;
            proposed.push(ProposedFile {
                path: &source.path,
                before,
                after,
            });
        }
        if proposed.iter().all(|f| f.before == f.after.as_slice()) {
            return Err(EditRefused::Unchanged);
        }
        Ok(proposed)
    }

    /// The fix's edits with `new` in place of its values.
    fn edited_edits(&self, new: &[String]) -> Result<Vec<Edit>, ValueError> {
        let values: Vec<FixValue> = self.values.iter().map(|v| (*v).clone()).collect();
        values::revalue(self.edits, &values, new)
    }
}

/// A file as a proposed fix would leave it.
#[derive(Debug)]
pub struct ProposedFile<'a> {
    pub path: &'a Path,
    pub before: &'a [u8],
    pub after: Vec<u8>,
}

/// Decides which fixes are applied.
pub trait Approver {
    /// Answer for one change.
    fn approve(&mut self, proposal: &Proposal<'_>) -> std::io::Result<Answer>;

    /// Whether it reads the findings of the changes it is asked about
    /// (their messages and excerpts): an approver that does not is asked
    /// with findings that carry only their fixes, cheaper to make by the
    /// tens of thousands.
    fn reads_findings(&self) -> bool {
        true
    }

    /// Whether it may answer with edited values ([`Answer`] after `e`):
    /// only then do the plans carry the values they write
    /// ([`FixPlan::values`](crate::rules::FixPlan)), which a run of tens of
    /// thousands of fixes would otherwise hold for nothing.
    fn edits_values(&self) -> bool {
        false
    }
}

/// Accepts every change without asking.
#[derive(Debug, Default, Clone, Copy)]
pub struct ApproveAll;

impl Approver for ApproveAll {
    fn approve(&mut self, _: &Proposal<'_>) -> std::io::Result<Answer> {
        Ok(Answer::All)
    }

    fn reads_findings(&self) -> bool {
        false
    }
}

/// A fix that was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub rule: String,
    /// The file of the finding.
    pub file: FileId,
    /// The files its edits changed (an inherited header may be added in
    /// an included file), sorted.
    pub edited: Vec<FileId>,
    /// The backend files (indexes into [`Facts::files`]) its edits
    /// changed, sorted.
    pub edited_backends: Vec<BackendId>,
    pub title: String,
    pub safety: Safety,
    /// The pass that applied it, from 1.
    pub pass: usize,
    /// The directives it wrote into blocks.
    pub claims: Vec<Claim>,
    /// Its finding's identity in the pass that applied it (rule, file,
    /// directive start), to leave it out of a later run.
    pub key: (String, FileId, u32),
    /// `path:line:col` of its finding in that pass.
    pub location: String,
    /// The text its edits wrote, as byte ranges of the final text of each
    /// file (moved over the edits of later passes): where `nginx -t`'s
    /// complaints about the fixed text point to it.
    pub spans: Vec<(FileId, u32, u32)>,
}

/// A fix to leave out of a run: the one of a finding, or every fix of a
/// rule in a file (when the finding's place in the first pass is not
/// known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excluded {
    Finding((String, FileId, u32)),
    RuleInFile(String, FileId),
}

/// A fix that was taken back because of what it did to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reverted {
    pub rule: String,
    /// `path:line:col` of the finding.
    pub location: String,
    /// What went wrong: the parse error, or the changed `include`.
    pub reason: String,
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// No applicable fix is left.
    Converged,
    /// The user quit the interactive session.
    Quit,
    /// [`MAX_PASSES`] passes still left fixes to apply.
    PassLimit,
}

/// What the loop did.
#[derive(Debug)]
pub struct FixOutcome {
    /// The tree with every applied fix.
    pub config: ConfigTree,
    /// The original text of every file whose text now differs from it.
    pub originals: BTreeMap<FileId, Vec<u8>>,
    pub applied: Vec<Applied>,
    pub reverted: Vec<Reverted>,
    /// The findings on the final tree.
    pub remaining: Vec<Finding>,
    /// Changes the user declined.
    pub declined: usize,
    pub stop: Stop,
    /// Passes that applied something.
    pub passes: usize,
    /// The declared facts, with the backend files as the fixes left them.
    pub facts: Facts,
    /// The original text of every backend file whose text now differs.
    pub backend_originals: BTreeMap<BackendId, String>,
}

impl FixOutcome {
    /// Each backend file whose text differs from the original: (path,
    /// original, fixed).
    pub fn backend_changes(&self) -> impl Iterator<Item = (&Path, &[u8], &[u8])> + '_ {
        self.backend_originals.iter().map(|(&file, original)| {
            let file = self.facts.file(file);
            (
                file.path.as_path(),
                original.as_bytes(),
                file.text.as_bytes(),
            )
        })
    }

    /// Each file whose text differs from the original: (file, original,
    /// fixed), in file order.
    pub fn changes(&self) -> impl Iterator<Item = (FileId, &[u8], &[u8])> + '_ {
        self.originals.iter().map(|(&file, original)| {
            (
                file,
                original.as_slice(),
                self.config.file(file).tree.text(),
            )
        })
    }

    /// The tree as it was before any fix, to run the loop again from (the
    /// original texts parsed when they were read; they parse again).
    pub fn into_original(self) -> ConfigTree {
        let mut config = self.config;
        let originals: Vec<(FileId, SyntaxTree)> = self
            .originals
            .into_iter()
            .map(|(file, text)| (file, syntax::parse(text).expect("an original text parses")))
            .collect();
        config
            .replace_texts(originals)
            .expect("the original texts have the original includes");
        config
    }

    /// The applied fixes whose written text covers `line` of `file` (in
    /// the final text).
    pub fn fixes_at(&self, file: FileId, line: u32) -> Vec<&Applied> {
        let tree = &self.config.file(file).tree;
        self.applied
            .iter()
            .filter(|applied| {
                applied.spans.iter().any(|&(f, start, end)| {
                    f == file
                        && tree.line_col(start).line <= line
                        && line <= tree.line_col(end.saturating_sub(1).max(start)).line
                })
            })
            .collect()
    }

    /// Remaining findings whose fix `policy` holds back (unsafe ones when
    /// unsafe fixes are off).
    pub fn held_back(&self, policy: Policy) -> usize {
        self.remaining
            .iter()
            .filter_map(|f| f.fix.plan())
            .filter(|fix| !fix.is_empty() && fix.safety == Safety::Unsafe)
            .filter(|_| !policy.unsafe_fixes)
            .count()
    }
}

/// What a fix loop runs with.
pub struct Job<'a> {
    pub rules: &'a [Rule],
    pub options: &'a RunOptions,
    pub version: Version,
    pub policy: Policy,
}

/// Fix `config` to a fixed point, asking `approver` about each change.
pub fn fix(
    job: &Job<'_>,
    config: ConfigTree,
    approver: &mut dyn Approver,
) -> std::io::Result<FixOutcome> {
    fix_excluding(job, config, approver, &[])
}

/// [`fix`], leaving out the fixes `excluded` names (those `nginx -t`
/// rejected in an earlier run).
pub fn fix_excluding(
    job: &Job<'_>,
    config: ConfigTree,
    approver: &mut dyn Approver,
    excluded: &[Excluded],
) -> std::io::Result<FixOutcome> {
    let mut state = State {
        config,
        options: RunOptions {
            fix_values: approver.edits_values(),
            ..job.options.clone()
        },
        originals: BTreeMap::new(),
        backend_originals: BTreeMap::new(),
        applied: Vec::new(),
        reverted: Vec::new(),
        declined: 0,
        skip: excluded
            .iter()
            .filter_map(|e| match e {
                Excluded::Finding(key) => Some(key.clone()),
                Excluded::RuleInFile(..) => None,
            })
            .collect(),
        excluded_rules: excluded
            .iter()
            .filter_map(|e| match e {
                Excluded::RuleInFile(rule, file) => Some((rule.clone(), *file)),
                Excluded::Finding(_) => None,
            })
            .collect(),
        accept_all: Vec::new(),
        kept: Vec::new(),
        passes: 0,
    };
    let mut quit = false;
    loop {
        let ends = quit || state.passes == MAX_PASSES;
        let (findings, candidates) = {
            let model = Model::new(&state.config, job.version);
            let checked = check(job.rules, &model, &state.options);
            // A pass whose findings nobody reads needs only their fixes,
            // unless it ends the loop: then its findings are reported.
            let worded = ends || approver.reads_findings();
            let findings: Vec<Finding> = if worded {
                checked.findings().collect()
            } else {
                checked.unworded()
            };
            let candidates = if ends {
                Vec::new()
            } else {
                state.candidates(&findings, job.policy)
            };
            if !worded && candidates.is_empty() {
                drop(findings);
                (checked.findings().collect(), candidates)
            } else {
                (findings, candidates)
            }
        };
        if quit {
            return Ok(state.finish(findings, Stop::Quit));
        }
        if state.passes == MAX_PASSES {
            let stop = if state.has_fixes(&findings, job.policy) {
                Stop::PassLimit
            } else {
                Stop::Converged
            };
            return Ok(state.finish(findings, stop));
        }
        if candidates.is_empty() {
            return Ok(state.finish(findings, Stop::Converged));
        }
        let (accepted, answered_quit) = state.choose(&findings, &candidates, approver)?;
        quit = answered_quit;
        let accepted: Vec<(&Candidate, Chosen)> = accepted
            .iter()
            .map(|c| {
                (
                    c.candidate(),
                    Chosen::of(&findings[c.candidate().finding], c.candidate()),
                )
            })
            .collect();
        // Not held while the changed files are parsed again: on a large
        // tree the pass's findings weigh as much as the new trees.
        drop(findings);
        state.apply(accepted);
    }
}

/// A fix accepted in a pass: the rule's own, or a copy with the values a
/// person wrote (boxed: a pass accepts tens of thousands of the first).
enum Accepted<'c> {
    Rule(&'c Candidate),
    Edited(Box<Candidate>),
}

impl Accepted<'_> {
    fn candidate(&self) -> &Candidate {
        match self {
            Accepted::Rule(candidate) => candidate,
            Accepted::Edited(candidate) => candidate,
        }
    }
}

/// What a pass keeps of an accepted fix's finding once the pass's
/// findings are dropped.
struct Chosen {
    key: Key,
    /// `path:line:col` of the finding.
    location: String,
    title: String,
    safety: Safety,
    /// The rule's own edits, when a person edited the values: the text of
    /// the edits not among them is theirs.
    rule_edits: Option<Vec<Edit>>,
}

impl Chosen {
    fn of(finding: &Finding, candidate: &Candidate) -> Chosen {
        let fix = finding.fix.plan().expect("a candidate has a fix");
        Chosen {
            key: key(finding),
            location: format!(
                "{}:{}:{}",
                finding.path, finding.start.line, finding.start.col
            ),
            title: fix.title.clone(),
            safety: fix.safety,
            rule_edits: candidate.edited.as_ref().map(|_| fix.edits.clone()),
        }
    }
}

/// Where the text of each accepted fix's edits lands once the pass's
/// edits are applied together, as `apply` orders them (by place; at one
/// place, in the order the fixes were accepted; identical edits once).
fn written_ranges(accepted: &[&Candidate]) -> Vec<Vec<(FileId, u32, u32)>> {
    let mut seen: FxHashSet<&Edit> = FxHashSet::default();
    let mut order: Vec<&Edit> = accepted
        .iter()
        .flat_map(|c| &c.edits)
        .filter(|e| seen.insert(*e))
        .collect();
    order.sort_by_key(|e| (e.file, e.start, e.end));
    let mut landed: FxHashMap<&Edit, (u32, u32)> = FxHashMap::default();
    let mut delta: i64 = 0;
    let mut file = None;
    for edit in order {
        if file != Some(edit.file) {
            file = Some(edit.file);
            delta = 0;
        }
        let start = (i64::from(edit.start) + delta) as u32;
        landed.insert(edit, (start, start + edit.text.len() as u32));
        delta += edit.text.len() as i64 - i64::from(edit.end - edit.start);
    }
    accepted
        .iter()
        .map(|c| {
            c.edits
                .iter()
                .map(|e| {
                    let (start, end) = landed[e];
                    (e.file, start, end)
                })
                .collect()
        })
        .collect()
}

/// Byte ranges of a file's text moved over `applied` (a pass's edits,
/// applied together) into the new text; a range an edit replaces text
/// around is dropped. Text inserted exactly at a range's start or end is
/// not part of it: the start moves past it, the end stays before it.
fn shift_spans(spans: Vec<(FileId, u32, u32)>, applied: &[&Edit]) -> Vec<(FileId, u32, u32)> {
    spans
        .into_iter()
        .filter_map(|(file, start, end)| {
            let start = shift_offset(file, start, applied)?;
            let end = shift_end(file, end, applied)?;
            Some((file, start, end.max(start)))
        })
        .collect()
}

/// How an applied fix's title names the values a person wrote in place
/// of the rule's: those that differ, each in backquotes.
fn edited_note(values: &[&FixValue], new: &[String]) -> String {
    values
        .iter()
        .zip(new)
        .filter(|(value, new)| value.text != new.trim())
        .map(|(_, new)| format!("`{}`", new.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A finding's identity across passes: its rule, file and directive start.
type Key = (String, FileId, u32);

/// A fix's edits of the tree's files and of backends' files.
type FixEdits<'c> = (&'c [Edit], &'c [BackendEdit]);

fn key(finding: &Finding) -> Key {
    (finding.rule.clone(), finding.file, finding.span.start)
}

/// The fix's edits, sorted, when `policy` lets it be applied.
fn applicable(finding: &Finding, policy: Policy) -> Option<Candidate> {
    let fix = finding.fix.plan()?;
    if fix.is_empty() || !policy.allows(fix.safety) {
        return None;
    }
    let mut edits = fix.edits.clone();
    edits.sort();
    edits.dedup();
    let mut backend = fix.backend_edits.clone();
    backend.sort();
    backend.dedup();
    Some(Candidate {
        finding: usize::MAX,
        edits,
        backend,
        backend_target: fix.backend_target,
        claims: fix.claims.clone(),
        edited: None,
    })
}

struct State {
    config: ConfigTree,
    /// The run options, with the backend files as edited so far.
    options: RunOptions,
    originals: BTreeMap<FileId, Vec<u8>>,
    backend_originals: BTreeMap<BackendId, String>,
    applied: Vec<Applied>,
    reverted: Vec<Reverted>,
    declined: usize,
    /// Findings whose fix was declined or reverted: not proposed again.
    skip: HashSet<Key>,
    /// The text written with values a person edited, in the current text
    /// (moved over each pass's edits): no fix may rewrite it.
    kept: Vec<(FileId, u32, u32)>,
    /// Rules whose fixes are left out in a file.
    excluded_rules: Vec<(String, FileId)>,
    /// Files whose remaining changes are accepted without asking.
    accept_all: Vec<FileRef>,
    /// Passes that changed something.
    passes: usize,
}

/// The edits accepted in a pass, by file and start, so that a candidate is
/// checked against its neighbours only (a pass can accept tens of
/// thousands).
#[derive(Default)]
struct Taken<'e> {
    by_file: HashMap<FileId, BTreeMap<u32, Vec<&'e Edit>>>,
}

impl<'e> Taken<'e> {
    fn extend(&mut self, edits: &'e [Edit]) {
        for edit in edits {
            let starts = self.by_file.entry(edit.file).or_default();
            starts.entry(edit.start).or_default().push(edit);
        }
    }

    /// Whether `edit` clashes with an accepted edit. Accepted edits do not
    /// clash with each other, so of those starting before `edit` only the
    /// last can reach it.
    fn clashes(&self, edit: &Edit) -> bool {
        let Some(starts) = self.by_file.get(&edit.file) else {
            return false;
        };
        for (&start, edits) in starts.range(..=edit.end).rev() {
            if edits.iter().any(|a| clash(a, edit)) {
                return true;
            }
            if start < edit.start {
                break;
            }
        }
        false
    }
}

/// A finding whose fix may be applied this pass.
#[derive(Clone)]
struct Candidate {
    finding: usize,
    edits: Vec<Edit>,
    backend: Vec<BackendEdit>,
    /// The idle timeout its backend edits raise their file to.
    backend_target: Option<Duration>,
    /// The directives it writes into blocks.
    claims: Vec<Claim>,
    /// The values a person wrote in place of the rule's, as its title
    /// mentions them (`` `3s` ``); `None` for the rule's own change.
    edited: Option<String>,
}

impl Candidate {
    /// Every file it edits.
    fn files(&self) -> Vec<FileRef> {
        let mut files: Vec<FileRef> = self.edits.iter().map(|e| FileRef::Nginx(e.file)).collect();
        files.extend(self.backend.iter().map(|e| FileRef::Backend(e.file)));
        files.dedup();
        files
    }

    /// Where it sorts: its first edit, else its finding.
    fn place(&self, finding: &Finding) -> (FileId, u32) {
        self.edits
            .first()
            .map_or((finding.file, finding.span.start), |e| (e.file, e.start))
    }
}

impl State {
    /// Whether any finding has a fix the loop would still apply.
    fn has_fixes(&self, findings: &[Finding], policy: Policy) -> bool {
        findings.iter().any(|f| {
            applicable(f, policy).is_some_and(|c| !self.rewrites_kept(&c.edits)) && !self.skips(f)
        })
    }

    /// Whether the finding's fix is not to be proposed again (its key is
    /// only made when some fix is: tens of thousands are looked up).
    fn skips(&self, finding: &Finding) -> bool {
        !self.skip.is_empty() && self.skip.contains(&key(finding))
    }

    /// Whether any of `edits` would rewrite text a person's edited values
    /// wrote: replace some of it, or insert inside it (an insertion at
    /// either end leaves it whole).
    fn rewrites_kept(&self, edits: &[Edit]) -> bool {
        edits.iter().any(|e| {
            self.kept.iter().any(|&(file, start, end)| {
                e.file == file
                    && if e.start == e.end {
                        start < e.start && e.start < end
                    } else {
                        e.start < end && start < e.end
                    }
            })
        })
    }

    /// The applicable fixes, first in the file first, minus those to skip
    /// and those that would rewrite what a person wrote.
    fn candidates(&self, findings: &[Finding], policy: Policy) -> Vec<Candidate> {
        let mut found: Vec<Candidate> = findings
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let candidate = applicable(f, policy)?;
                let excluded = self
                    .excluded_rules
                    .iter()
                    .any(|(rule, file)| *rule == f.rule && *file == f.file);
                let allowed = !self.skips(f) && !excluded && !self.rewrites_kept(&candidate.edits);
                allowed.then_some(Candidate {
                    finding: i,
                    ..candidate
                })
            })
            .collect();
        found.sort_by(|a, b| {
            let (fa, fb) = (&findings[a.finding], &findings[b.finding]);
            (a.place(fa), &a.edits, &fa.rule).cmp(&(b.place(fb), &b.edits, &fb.rule))
        });
        found
    }

    /// The fixes to apply this pass, asking the approver about each that
    /// does not clash with one already accepted. A fix whose edits equal an
    /// accepted one's is fixed by it and not asked about (and takes its
    /// edited values, if it was edited). An edited fix is a copy of its
    /// candidate with the new values in its edits.
    fn choose<'c>(
        &mut self,
        findings: &[Finding],
        candidates: &'c [Candidate],
        approver: &mut dyn Approver,
    ) -> std::io::Result<(Vec<Accepted<'c>>, bool)> {
        let mut accepted: Vec<Accepted<'c>> = Vec::new();
        // The accepted fixes by their rule's edits, with the edits and the
        // values an answer put in their place.
        let mut fixes: FxHashMap<FixEdits<'c>, Option<(Vec<Edit>, String)>> = FxHashMap::default();
        let mut taken = Taken::default();
        // The directives the accepted fixes write: a second fix writing
        // one of them waits for the next pass, where it finds it written.
        let mut claimed: FxHashSet<&Claim> = FxHashSet::default();
        // A backend file takes one fix per pass: the next pass reads it
        // again and computes the others from what it then says. The fix
        // raising it furthest goes first, so that fixes of every upstream
        // the file serves settle in one pass instead of one pass each.
        let mut backends_taken: HashSet<BackendId> = HashSet::new();
        let mut furthest: HashMap<BackendId, Duration> = HashMap::new();
        for candidate in candidates {
            if self.skips(&findings[candidate.finding]) {
                continue;
            }
            let Some(target) = candidate.backend_target else {
                continue;
            };
            for edit in &candidate.backend {
                let max = furthest.entry(edit.file).or_insert(target);
                *max = (*max).max(target);
            }
        }
        for candidate in candidates {
            let both = (candidate.edits.as_slice(), candidate.backend.as_slice());
            if let Some(edited) = fixes.get(&both) {
                accepted.push(match edited {
                    Some((edits, note)) => {
                        // The same change, which the person has seen and edited.
                        self.skip.insert(key(&findings[candidate.finding]));
                        Accepted::Edited(Box::new(Candidate {
                            edits: edits.clone(),
                            edited: Some(note.clone()),
                            ..candidate.clone()
                        }))
                    }
                    None => Accepted::Rule(candidate),
                });
                continue;
            }
            if candidate.edits.iter().any(|e| taken.clashes(e))
                || candidate.claims.iter().any(|c| claimed.contains(c))
                || candidate
                    .backend
                    .iter()
                    .any(|e| backends_taken.contains(&e.file))
                || candidate
                    .backend
                    .iter()
                    .any(|e| candidate.backend_target < furthest.get(&e.file).copied())
                || self.skips(&findings[candidate.finding])
            {
                continue;
            }
            // "All" covers the files the user has seen a change of: a fix
            // editing another file is still asked about.
            let files = candidate.files();
            let finding = &findings[candidate.finding];
            let (answer, edited) = if files.iter().all(|f| self.accept_all.contains(f)) {
                (Answer::All, None)
            } else {
                let proposal = self.proposal(finding, candidate);
                let answer = approver.approve(&proposal)?;
                let edited = match &answer {
                    // Checked again: an approver that skipped the check
                    // must not get an unparsable file reverted as if the
                    // rule had written it.
                    Answer::Edit(new) => Some((
                        proposal
                            .edited(new)
                            .and_then(|_| Ok(proposal.edited_edits(new)?))
                            .map_err(|e| {
                                std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
                            })?,
                        edited_note(&proposal.values, new),
                    )),
                    _ => None,
                };
                (answer, edited)
            };
            match answer {
                Answer::Yes | Answer::All | Answer::Edit(_) => {
                    if answer == Answer::All {
                        for file in files {
                            if !self.accept_all.contains(&file) {
                                self.accept_all.push(file);
                            }
                        }
                    }
                    // Ranges are the rule's, only texts differ: the clash
                    // checks hold for the edited fix too.
                    taken.extend(&candidate.edits);
                    claimed.extend(&candidate.claims);
                    backends_taken.extend(candidate.backend.iter().map(|e| e.file));
                    match edited {
                        Some((edits, note)) => {
                            self.skip.insert(key(finding));
                            fixes.insert(both, Some((edits.clone(), note.clone())));
                            accepted.push(Accepted::Edited(Box::new(Candidate {
                                edits,
                                edited: Some(note),
                                ..candidate.clone()
                            })));
                        }
                        None => {
                            fixes.insert(both, None);
                            accepted.push(Accepted::Rule(candidate));
                        }
                    }
                }
                Answer::No => {
                    self.declined += 1;
                    self.skip.insert(key(&findings[candidate.finding]));
                }
                Answer::Quit => return Ok((accepted, true)),
            }
        }
        Ok((accepted, false))
    }

    fn proposal<'a>(&'a self, finding: &'a Finding, candidate: &'a Candidate) -> Proposal<'a> {
        let edits = &candidate.edits;
        let mut files: Vec<FileId> = edits.iter().map(|e| e.file).collect();
        files.dedup();
        let mut proposed: Vec<ProposedFile<'a>> = files
            .into_iter()
            .map(|file| {
                let source = self.config.file(file);
                let before = source.tree.text();
                let mine: Vec<&Edit> = edits.iter().filter(|e| e.file == file).collect();
                ProposedFile {
                    path: &source.path,
                    before,
                    after: apply(before, &mine).unwrap_or_else(|_| before.to_vec()),
                }
            })
            .collect();
        for (file, edits) in by_backend_file(&candidate.backend) {
            let source = self.options.facts.file(file);
            let before = source.text.as_bytes();
            proposed.push(ProposedFile {
                path: &source.path,
                before,
                after: apply(before, &edits).unwrap_or_else(|_| before.to_vec()),
            });
        }
        // Values only where the fix writes nothing else: a backend file's
        // edit is computed from the nginx value it must outlast.
        let values = match finding.fix.plan() {
            Some(plan) if candidate.backend.is_empty() => {
                plan.values.iter().filter(|v| values::editable(v)).collect()
            }
            _ => Vec::new(),
        };
        Proposal {
            finding,
            files: proposed,
            values,
            edits,
            config: &self.config,
        }
    }

    /// Apply the accepted fixes; a fix that leaves a file unparsable or
    /// alters an include is taken out (and remembered) and the rest applied
    /// again. Fixes that change no text are not proposed again.
    fn apply(&mut self, mut accepted: Vec<(&Candidate, Chosen)>) {
        loop {
            let candidates: Vec<&Candidate> = accepted.iter().map(|(c, _)| *c).collect();
            match self.try_apply(&candidates) {
                Ok((changed, backends)) => {
                    if changed.is_empty() && backends.is_empty() {
                        // Edits that leave the text as it was would be
                        // proposed forever.
                        self.skip
                            .extend(accepted.into_iter().map(|(_, chosen)| chosen.key));
                        return;
                    }
                    self.commit(accepted, changed, backends);
                    return;
                }
                Err((file, reason)) => {
                    let culprits = self.culprits(&candidates, file);
                    let mut kept = Vec::with_capacity(accepted.len());
                    for (index, (candidate, chosen)) in accepted.into_iter().enumerate() {
                        if culprits.contains(&index) {
                            self.reverted.push(Reverted {
                                rule: chosen.key.0.clone(),
                                location: chosen.location,
                                reason: reason.clone(),
                            });
                            self.skip.insert(chosen.key);
                        } else {
                            kept.push((candidate, chosen));
                        }
                    }
                    accepted = kept;
                }
            }
        }
    }

    /// The new tree of each file the fixes change and the new text of
    /// each backend file, or the first file whose new text is refused and
    /// why.
    fn try_apply(&self, accepted: &[&Candidate]) -> Result<NewTexts, (FileRef, String)> {
        let mut by_file: BTreeMap<FileId, Vec<&Edit>> = BTreeMap::new();
        for edit in accepted.iter().flat_map(|c| &c.edits) {
            by_file.entry(edit.file).or_default().push(edit);
        }
        // Files are parsed side by side; the error reported is the first
        // file's, as if they had been parsed in order.
        let by_file: Vec<(FileId, Vec<&Edit>)> = by_file.into_iter().collect();
        let parsed = crate::par::map(&by_file, |(file, edits)| {
            let text = self.config.file(*file).tree.text();
            let next = apply(text, edits).map_err(|e| (FileRef::Nginx(*file), e.to_string()))?;
            if next == text {
                return Ok(None);
            }
            Ok(Some((*file, self.parse(*file, next)?)))
        });
        let mut changed = Vec::new();
        for result in parsed {
            changed.extend(result?);
        }
        let backend: Vec<BackendEdit> = accepted.iter().flat_map(|c| c.backend.clone()).collect();
        let mut backends = Vec::new();
        for (file, edits) in by_backend_file(&backend) {
            let source = self.options.facts.file(file);
            let refused = |why: String| {
                (
                    FileRef::Backend(file),
                    format!("{}: {why}", source.display()),
                )
            };
            let next = apply(source.text.as_bytes(), &edits)
                .map_err(|e| refused(e.to_string()))
                .and_then(|next| {
                    String::from_utf8(next).map_err(|_| refused("not UTF-8".into()))
                })?;
            if next != source.text {
                // The file must still read, to a known value.
                let (edited, reading) = self
                    .options
                    .facts
                    .edited(file, next)
                    .map_err(|e| refused(e.to_string()))?;
                backends.push(EditedBackend {
                    file,
                    edited,
                    reading,
                });
            }
        }
        Ok((changed, backends))
    }

    /// Parse a file's new text; refuse it if it does not parse or its
    /// includes differ.
    fn parse(&self, file: FileId, text: Vec<u8>) -> Result<SyntaxTree, (FileRef, String)> {
        let source = self.config.file(file);
        let tree = syntax::parse(text).map_err(|e| {
            (
                FileRef::Nginx(file),
                e.display(&source.display_path()).to_string(),
            )
        })?;
        self.config
            .includes_kept(file, &tree)
            .map_err(|e| (FileRef::Nginx(file), e.to_string()))?;
        Ok(tree)
    }

    /// The accepted fixes (indexes) to blame for `file` being refused: those
    /// refused on their own, else every fix touching the file.
    fn culprits(&self, accepted: &[&Candidate], file: FileRef) -> Vec<usize> {
        let touching: Vec<usize> = (0..accepted.len())
            .filter(|&i| match file {
                FileRef::Nginx(file) => accepted[i].edits.iter().any(|e| e.file == file),
                FileRef::Backend(file) => accepted[i].backend.iter().any(|e| e.file == file),
            })
            .collect();
        let alone: Vec<usize> = touching
            .iter()
            .copied()
            .filter(|&i| self.try_apply(&accepted[i..=i]).is_err())
            .collect();
        if alone.is_empty() {
            touching
        } else {
            alone
        }
    }

    /// Record the applied fixes, keep the originals, install the new trees
    /// and move the remembered fixes over the applied edits.
    fn commit(
        &mut self,
        accepted: Vec<(&Candidate, Chosen)>,
        changed: Vec<(FileId, SyntaxTree)>,
        backends: Vec<EditedBackend>,
    ) {
        let candidates: Vec<&Candidate> = accepted.iter().map(|(c, _)| *c).collect();
        let mut edits: Vec<&Edit> = candidates.iter().flat_map(|c| &c.edits).collect();
        edits.sort();
        edits.dedup();
        // What earlier fixes wrote moves over this pass's edits.
        for applied in &mut self.applied {
            applied.spans = shift_spans(std::mem::take(&mut applied.spans), &edits);
        }
        self.kept = shift_spans(std::mem::take(&mut self.kept), &edits);
        self.applied.reserve_exact(accepted.len());
        let mut written = written_ranges(&candidates).into_iter();
        for (candidate, chosen) in accepted {
            let written = written.next().expect("a range list per fix");
            // The text of the edits whose values a person wrote is theirs.
            let mut title = chosen.title;
            if let (Some(note), Some(rule_edits)) = (&candidate.edited, &chosen.rule_edits) {
                let theirs: Vec<(FileId, u32, u32)> = candidate
                    .edits
                    .iter()
                    .zip(&written)
                    .filter(|(edit, _)| !rule_edits.contains(edit))
                    .map(|(_, &span)| span)
                    .collect();
                if !theirs.is_empty() {
                    title = format!("{title} (edited: {note})");
                    self.kept.extend(theirs);
                }
            }
            // Edited values keep their edits' ranges, so their files too.
            let mut edited: Vec<FileId> = candidate.edits.iter().map(|e| e.file).collect();
            edited.sort_unstable();
            edited.dedup();
            let mut edited_backends: Vec<BackendId> =
                candidate.backend.iter().map(|e| e.file).collect();
            edited_backends.sort_unstable();
            edited_backends.dedup();
            self.applied.push(Applied {
                rule: chosen.key.0.clone(),
                file: chosen.key.1,
                edited,
                edited_backends,
                title,
                safety: chosen.safety,
                pass: self.passes + 1,
                claims: candidate.claims.clone(),
                key: chosen.key,
                location: chosen.location,
                spans: written,
            });
        }
        self.skip = std::mem::take(&mut self.skip)
            .into_iter()
            .filter_map(|(rule, file, start)| {
                shift_offset(file, start, &edits).map(|start| (rule, file, start))
            })
            .collect();
        let replaced = self
            .config
            .replace_texts(changed)
            .expect("includes were checked when parsing");
        // The first text a file had is its original; taken from the tree
        // it replaced rather than copied beside it.
        for (file, tree) in replaced {
            if let std::collections::btree_map::Entry::Vacant(original) = self.originals.entry(file)
            {
                original.insert(tree.into_text());
            }
        }
        for EditedBackend {
            file,
            edited,
            reading,
        } in backends
        {
            let facts = &mut self.options.facts;
            self.backend_originals
                .entry(file)
                .or_insert_with(|| facts.file(file).text.clone());
            facts.replace_file(file, edited, reading);
        }
        self.passes += 1;
    }

    fn finish(mut self, remaining: Vec<Finding>, stop: Stop) -> FixOutcome {
        // A later pass can put a file's text back as it was.
        let config = &self.config;
        self.originals
            .retain(|&file, original| original.as_slice() != config.file(file).tree.text());
        let facts = &self.options.facts;
        self.backend_originals
            .retain(|&file, original| *original != facts.file(file).text);
        FixOutcome {
            config: self.config,
            originals: self.originals,
            applied: self.applied,
            reverted: self.reverted,
            remaining,
            declined: self.declined,
            stop,
            passes: self.passes,
            facts: self.options.facts,
            backend_originals: self.backend_originals,
        }
    }
}

/// What a pass's fixes make of the files they change: each tree file's
/// new syntax tree, each backend file edited and read.
type NewTexts = (Vec<(FileId, SyntaxTree)>, Vec<EditedBackend>);

/// A backend file as the accepted fixes leave it, read.
struct EditedBackend {
    /// Its index in [`Facts::files`].
    file: BackendId,
    edited: BackendFile,
    reading: Reading,
}

/// A file a fix edits: one of the tree's, or a backend's configuration
/// file (an index into [`Facts::files`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileRef {
    Nginx(FileId),
    Backend(BackendId),
}

/// Backend edits grouped by file, in file order.
fn by_backend_file(edits: &[BackendEdit]) -> BTreeMap<BackendId, Vec<&Edit<()>>> {
    let mut by_file: BTreeMap<BackendId, Vec<&Edit<()>>> = BTreeMap::new();
    for e in edits {
        by_file.entry(e.file).or_default().push(&e.edit);
    }
    by_file
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers from a list, in order; `Quit` once the list runs out.
    #[derive(Debug, Default, Clone)]
    struct Scripted {
        answers: std::collections::VecDeque<Answer>,
        /// Rule ids of the proposals seen, in order.
        asked: Vec<String>,
    }

    impl Scripted {
        /// Answer with `answers`, in order.
        fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
            Scripted {
                answers: answers.into_iter().collect(),
                asked: Vec::new(),
            }
        }
    }

    impl Approver for Scripted {
        fn approve(&mut self, proposal: &Proposal<'_>) -> std::io::Result<Answer> {
            self.asked.push(proposal.finding.rule.clone());
            Ok(self.answers.pop_front().unwrap_or(Answer::Quit))
        }
    }

    use crate::config::from_texts;
    use crate::rules::load::{self, RuleOrigin};

    const HTTP_VERSION: &str = include_str!("../../../../rules/proxy-http-version.toml");
    const CONNECTION: &str = include_str!("../../../../rules/proxy-connection-close.toml");

    fn rule(text: &str) -> Rule {
        load::parse(text, RuleOrigin::Builtin("test.toml")).unwrap()
    }

    /// A rule replacing the first argument of `directive` when it is `from`.
    fn replace(id: &str, directive: &str, from: &str, to: &str, safety: &str) -> Rule {
        rule(&format!(
            r#"
id = "{id}"
title = "t"
severity = "warning"
explain = "e"
[match]
directive = "{directive}"
arg = {{ index = 0, equals = "{from}" }}
[fix]
safety = "{safety}"
replace_arg = {{ index = 0, value = '{to}' }}
"#
        ))
    }

    /// Run options with the backend of `app`, the fixtures' upstream,
    /// declared: the fixes that turn pooling on are only safe with its
    /// idle timeout known. 75s outlasts nginx's, so no timeout fix joins.
    fn declared() -> RunOptions {
        let mut facts = crate::rules::facts::Facts::default();
        let spec = crate::rules::facts::parse_spec("75s").unwrap();
        facts
            .declare(
                "app",
                spec,
                "test",
                std::path::Path::new(""),
                &crate::rules::facts::no_files,
            )
            .unwrap();
        RunOptions {
            facts,
            ..RunOptions::default()
        }
    }

    fn fix_texts(
        rules: &[Rule],
        policy: Policy,
        files: &[(&str, &str)],
        approver: &mut dyn Approver,
    ) -> FixOutcome {
        let options = declared();
        let job = Job {
            rules,
            options: &options,
            version: Version::ASSUMED,
            policy,
        };
        fix(&job, from_texts(files), approver).unwrap()
    }

    fn text(outcome: &FixOutcome, file: usize) -> &str {
        std::str::from_utf8(outcome.config.file(FileId::new(file)).tree.text()).unwrap()
    }

    const TWO_LOCATIONS: &str = "http {\n    upstream app { server a:1; keepalive 8; }\n    server {\n        location /a { proxy_pass http://app; }\n        location /b { proxy_pass http://app; }\n    }\n}\n";

    #[test]
    fn what_each_fix_wrote_is_found_in_the_final_text() {
        // Pass 1 writes HTTP/1.1 and the Connection header in both
        // locations; a rule replacing 1.1 with 2 then runs in pass 2, above
        // and between the first pass's lines.
        let to_two = replace("two", "proxy_http_version", "1.1", "2", "safe");
        let outcome = fix_texts(
            &[rule(HTTP_VERSION), rule(CONNECTION), to_two],
            Policy::default(),
            &[("/etc/nginx/nginx.conf", TWO_LOCATIONS)],
            &mut ApproveAll,
        );
        let final_text = text(&outcome, 0);
        assert!(outcome.applied.len() >= 5, "{:?}", outcome.applied);
        for applied in &outcome.applied {
            assert!(!applied.spans.is_empty(), "{applied:?}");
            for &(file, start, end) in &applied.spans {
                let written = &final_text[start as usize..end as usize];
                let expected = match applied.rule.as_str() {
                    "proxy-http-version" => "proxy_http_version",
                    "proxy-connection-close" => "proxy_set_header Connection \"\";",
                    _ => "2",
                };
                assert_eq!(file, FileId::FIRST);
                assert!(written.contains(expected), "{}: {written:?}", applied.rule);
            }
        }
        // Leaving one fix out by its finding leaves exactly that one out.
        let first = outcome
            .applied
            .iter()
            .find(|a| a.rule == "proxy-connection-close")
            .unwrap();
        let options = declared();
        let job = Job {
            rules: &[rule(HTTP_VERSION), rule(CONNECTION)],
            options: &options,
            version: Version::ASSUMED,
            policy: Policy::default(),
        };
        let again = fix_excluding(
            &job,
            from_texts(&[("/etc/nginx/nginx.conf", TWO_LOCATIONS)]),
            &mut ApproveAll,
            &[Excluded::Finding(first.key.clone())],
        )
        .unwrap();
        assert_eq!(text(&again, 0).matches("Connection").count(), 1);
        let without = fix_excluding(
            &job,
            from_texts(&[("/etc/nginx/nginx.conf", TWO_LOCATIONS)]),
            &mut ApproveAll,
            &[Excluded::RuleInFile(
                "proxy-connection-close".into(),
                FileId::FIRST,
            )],
        )
        .unwrap();
        assert_eq!(text(&without, 0).matches("Connection").count(), 0);
        assert_eq!(text(&without, 0).matches("proxy_http_version").count(), 2);
    }

    #[test]
    fn every_fix_is_applied_and_a_second_run_changes_nothing() {
        let rules = [rule(HTTP_VERSION)];
        let outcome = fix_texts(
            &rules,
            Policy::default(),
            &[("nginx.conf", TWO_LOCATIONS)],
            &mut ApproveAll,
        );
        assert_eq!(outcome.stop, Stop::Converged);
        assert_eq!(outcome.applied.len(), 2);
        assert!(outcome.remaining.is_empty());
        let fixed = text(&outcome, 0).to_string();
        assert_eq!(
            fixed.matches("proxy_http_version 1.1;").count(),
            2,
            "{fixed}"
        );
        assert_eq!(outcome.changes().count(), 1);

        let again = fix_texts(
            &rules,
            Policy::default(),
            &[("nginx.conf", &fixed)],
            &mut ApproveAll,
        );
        assert_eq!(again.changes().count(), 0);
        assert!(again.applied.is_empty());
    }

    /// Accepts everything, as [`ApproveAll`], but reads each finding it is
    /// asked about.
    struct Reading(Vec<(String, String)>);

    impl Approver for Reading {
        fn approve(&mut self, proposal: &Proposal<'_>) -> std::io::Result<Answer> {
            let finding = proposal.finding;
            self.0
                .push((finding.message.clone(), finding.excerpt.clone()));
            Ok(Answer::Yes)
        }
    }

    #[test]
    fn passes_nobody_reads_leave_the_words_out_and_change_nothing_else() {
        // Two passes of fixes, and an unsafe fix held back: its finding
        // remains, worded, after passes made without words.
        let rules = [
            rule(HTTP_VERSION),
            rule(CONNECTION),
            replace("two", "proxy_http_version", "1.1", "2", "safe"),
            replace("pool", "keepalive", "8", "16", "unsafe"),
        ];
        let files = [("nginx.conf", TWO_LOCATIONS)];
        let quiet = fix_texts(&rules, Policy::default(), &files, &mut ApproveAll);
        let mut reading = Reading(Vec::new());
        let read = fix_texts(&rules, Policy::default(), &files, &mut reading);
        assert!(!reading.0.is_empty());
        for (message, excerpt) in &reading.0 {
            assert!(!message.is_empty() && !excerpt.is_empty());
        }
        assert_eq!(quiet.passes, 2);
        assert_eq!(text(&quiet, 0), text(&read, 0));
        assert_eq!(quiet.applied, read.applied);
        let seen = |outcome: &FixOutcome| -> Vec<String> {
            outcome.remaining.iter().map(|f| format!("{f:?}")).collect()
        };
        assert_eq!(seen(&quiet), seen(&read));
        assert_eq!(quiet.remaining.len(), 1, "{:?}", quiet.remaining);
        let held = &quiet.remaining[0];
        assert_eq!(held.rule, "pool");
        assert!(!held.message.is_empty() && held.excerpt.contains("keepalive 8;"));
    }

    #[test]
    fn a_declined_change_is_not_asked_again() {
        let rules = [rule(HTTP_VERSION)];
        let mut approver = Scripted::new([Answer::No, Answer::Yes]);
        let outcome = fix_texts(
            &rules,
            Policy::default(),
            &[("nginx.conf", TWO_LOCATIONS)],
            &mut approver,
        );
        assert_eq!(approver.asked.len(), 2, "{:?}", approver.asked);
        assert_eq!(outcome.declined, 1);
        assert_eq!(outcome.applied.len(), 1);
        assert_eq!(outcome.remaining.len(), 1);
        let fixed = text(&outcome, 0);
        // The first location (declined) is untouched, the second fixed.
        assert!(
            fixed.contains("location /a { proxy_pass http://app; }"),
            "{fixed}"
        );
        assert!(
            fixed.contains("location /b { proxy_pass http://app; proxy_http_version 1.1; }"),
            "{fixed}"
        );
    }

    #[test]
    fn a_no_holds_when_another_fix_lands_beside_it() {
        // Both rules insert after the same proxy_pass: once one is applied,
        // the other's fix is recomputed at other offsets.
        let rules = [rule(HTTP_VERSION), rule(CONNECTION)];
        let files = [("nginx.conf", "http { upstream app { server a:1; keepalive 8; } server { location / { proxy_pass http://app; } } }\n")];
        for answers in [[Answer::No, Answer::Yes], [Answer::No, Answer::All]] {
            let mut approver = Scripted::new(answers);
            let outcome = fix_texts(&rules, Policy::default(), &files, &mut approver);
            assert_eq!(
                approver.asked,
                ["proxy-http-version", "proxy-connection-close"]
            );
            assert_eq!(outcome.declined, 1);
            let fixed = text(&outcome, 0);
            assert!(!fixed.contains("proxy_http_version"), "{fixed}");
            assert!(fixed.contains("proxy_set_header Connection"), "{fixed}");
            assert_eq!(outcome.remaining.len(), 1);
        }
    }

    #[test]
    fn all_accepts_the_rest_of_one_file() {
        let rules = [rule(HTTP_VERSION)];
        let files = [
            ("/etc/nginx/nginx.conf", "http {\n    upstream app { server a:1; keepalive 8; }\n    include a.conf;\n    include b.conf;\n}\n"),
            ("/etc/nginx/a.conf", "server { location /1 { proxy_pass http://app; } location /2 { proxy_pass http://app; } }\n"),
            ("/etc/nginx/b.conf", "server { location /3 { proxy_pass http://app; } }\n"),
        ];
        let mut approver = Scripted::new([Answer::All, Answer::No]);
        let outcome = fix_texts(&rules, Policy::default(), &files, &mut approver);
        assert_eq!(approver.asked.len(), 2, "a.conf once, then b.conf");
        assert_eq!(outcome.applied.len(), 2);
        assert_eq!(
            text(&outcome, 1).matches("proxy_http_version 1.1;").count(),
            2
        );
        assert_eq!(text(&outcome, 2), files[2].1);
    }

    #[test]
    fn quit_keeps_what_was_accepted() {
        let rules = [rule(HTTP_VERSION)];
        let mut approver = Scripted::new([Answer::Yes, Answer::Quit]);
        let outcome = fix_texts(
            &rules,
            Policy::default(),
            &[("nginx.conf", TWO_LOCATIONS)],
            &mut approver,
        );
        assert_eq!(outcome.stop, Stop::Quit);
        assert_eq!(outcome.applied.len(), 1);
        assert!(text(&outcome, 0)
            .contains("location /a { proxy_pass http://app; proxy_http_version 1.1; }"));
        assert!(text(&outcome, 0).contains("location /b { proxy_pass http://app; }"));
    }

    #[test]
    fn unsafe_fixes_wait_for_permission() {
        let rules = [replace("danger", "listen", "80", "8080", "unsafe")];
        let files = [("nginx.conf", "http { server { listen 80; } }\n")];
        let held = fix_texts(&rules, Policy::default(), &files, &mut ApproveAll);
        assert_eq!(held.changes().count(), 0);
        assert_eq!(held.held_back(Policy::default()), 1);
        let policy = Policy {
            unsafe_fixes: true,
            ..Policy::default()
        };
        let done = fix_texts(&rules, policy, &files, &mut ApproveAll);
        assert_eq!(text(&done, 0), "http { server { listen 8080; } }\n");
        assert_eq!(done.held_back(policy), 0);
    }

    #[test]
    fn a_fix_that_breaks_parsing_is_reverted_and_reported() {
        let rules = [
            replace("breaks", "listen", "80", "x {{", "safe"),
            replace("fine", "server_name", "a", "b", "safe"),
        ];
        let files = [(
            "nginx.conf",
            "http { server { listen 80; server_name a; } }\n",
        )];
        let outcome = fix_texts(&rules, Policy::default(), &files, &mut ApproveAll);
        assert_eq!(
            text(&outcome, 0),
            "http { server { listen 80; server_name b; } }\n"
        );
        assert_eq!(outcome.reverted.len(), 1);
        assert_eq!(outcome.reverted[0].rule, "breaks");
        assert!(
            outcome.reverted[0].reason.contains("unexpected"),
            "{:?}",
            outcome.reverted
        );
        assert_eq!(outcome.stop, Stop::Converged);
    }

    #[test]
    fn a_fix_may_not_touch_an_include() {
        let rules = [replace("moves", "include", "b.conf", "c.conf", "safe")];
        let files = [
            ("/etc/nginx/nginx.conf", "include b.conf;\n"),
            ("/etc/nginx/b.conf", "# b\n"),
        ];
        let outcome = fix_texts(&rules, Policy::default(), &files, &mut ApproveAll);
        assert_eq!(outcome.changes().count(), 0);
        assert!(
            outcome.reverted[0].reason.contains("include"),
            "{:?}",
            outcome.reverted
        );
    }

    #[test]
    fn fixes_in_included_files_keep_the_links() {
        let rules = [
            replace("port", "listen", "80", "8080", "safe"),
            replace("name", "server_name", "a", "b", "safe"),
        ];
        let files = [
            (
                "/etc/nginx/nginx.conf",
                "http {\n    include site.conf;\n    server { listen 80; }\n}\n",
            ),
            (
                "/etc/nginx/site.conf",
                "server { listen 80; server_name a; }\n",
            ),
        ];
        let outcome = fix_texts(&rules, Policy::default(), &files, &mut ApproveAll);
        assert_eq!(outcome.changes().count(), 2);
        assert_eq!(
            text(&outcome, 1),
            "server { listen 8080; server_name b; }\n"
        );
        assert_eq!(outcome.applied.len(), 3);
    }

    /// A rule setting `keepalive_timeout 4s` in every upstream block,
    /// whatever it holds: it would propose its value again after any edit.
    fn timeout_rule(id: &str) -> Rule {
        rule(&format!(
            r#"
id = "{id}"
title = "t"
severity = "warning"
explain = "e"
[match]
directive = "upstream"
[fix]
set = {{ directive = "keepalive_timeout", args = "4s", in = "self", after = ["keepalive", "server"] }}
"#
        ))
    }

    /// Answers each proposal by trying `tries` as edited values in order
    /// (recording why each refused one was refused), then `Edit` with the
    /// first accepted one; `Yes` when the change has no value to edit.
    #[derive(Default)]
    struct Editor {
        tries: Vec<&'static str>,
        refused: Vec<String>,
        offered: Vec<Vec<String>>,
    }

    impl Approver for Editor {
        fn edits_values(&self) -> bool {
            true
        }

        fn approve(&mut self, proposal: &Proposal<'_>) -> std::io::Result<Answer> {
            self.offered
                .push(proposal.values.iter().map(|v| v.text.clone()).collect());
            if proposal.values.is_empty() {
                return Ok(Answer::Yes);
            }
            for tried in &self.tries {
                let new = vec![tried.to_string()];
                match proposal.edited(&new) {
                    Ok(files) => {
                        let after = String::from_utf8(files[0].after.clone()).unwrap();
                        assert!(after.contains(tried), "{after}");
                        return Ok(Answer::Edit(new));
                    }
                    Err(why) => self.refused.push(why.to_string()),
                }
            }
            Ok(Answer::No)
        }
    }

    const UPSTREAM: &str =
        "http {\n    upstream app {\n        server a:1;\n        keepalive 8;\n    }\n}\n";

    #[test]
    fn an_edited_value_is_applied_and_its_finding_not_proposed_again() {
        let mut approver = Editor {
            tries: vec!["3s"],
            ..Editor::default()
        };
        let outcome = fix_texts(
            &[timeout_rule("short")],
            Policy::default(),
            &[("nginx.conf", UPSTREAM)],
            &mut approver,
        );
        assert_eq!(approver.offered, [vec!["4s".to_string()]]);
        assert_eq!(
            text(&outcome, 0),
            "http {\n    upstream app {\n        server a:1;\n        keepalive 8;\n        keepalive_timeout 3s;\n    }\n}\n"
        );
        assert_eq!(outcome.applied.len(), 1);
        // The rule still wants its 4s: the finding remains, unasked.
        assert_eq!(outcome.remaining.len(), 1);
        assert_eq!(outcome.stop, Stop::Converged);
        // What the fix wrote is found where it landed, edited.
        let (_, start, end) = outcome.applied[0].spans[0];
        assert!(text(&outcome, 0)[start as usize..end as usize].contains("keepalive_timeout 3s;"));
    }

    #[test]
    fn an_edit_that_breaks_the_syntax_or_an_include_is_refused() {
        let mut approver = Editor {
            tries: vec!["3s; }", "3s; include other.conf", "3s"],
            ..Editor::default()
        };
        let outcome = fix_texts(
            &[timeout_rule("short")],
            Policy::default(),
            &[("nginx.conf", UPSTREAM)],
            &mut approver,
        );
        assert_eq!(approver.refused.len(), 2, "{:?}", approver.refused);
        assert!(
            approver.refused[0].starts_with("nginx.conf:"),
            "the place of the error: {:?}",
            approver.refused
        );
        assert!(
            approver.refused[1].contains("include"),
            "{:?}",
            approver.refused
        );
        assert!(text(&outcome, 0).contains("keepalive_timeout 3s;"));
        assert!(outcome.reverted.is_empty());
    }

    const VERSION: &str = include_str!("../../../../rules/version-disclosure.toml");
    const NO_TOKENS: &str = "http {\n    upstream app {\n        server a:1;\n    }\n    server {\n        listen 80;\n    }\n}\n";

    #[test]
    fn an_edited_value_must_stay_the_arguments_of_its_directive() {
        // Each of these parses once written, as something else: the `;` in
        // a comment, escaped, or a second directive.
        let mut approver = Editor {
            tries: vec![
                "off # no tokens",
                "off\\",
                "off; server_tokens on",
                "off \"a;b\"",
            ],
            ..Editor::default()
        };
        let outcome = fix_texts(
            &[rule(VERSION)],
            Policy::default(),
            &[("nginx.conf", NO_TOKENS)],
            &mut approver,
        );
        assert_eq!(approver.refused.len(), 3, "{:?}", approver.refused);
        assert!(
            approver.refused[0].contains("`#`"),
            "{:?}",
            approver.refused
        );
        assert!(
            approver.refused[1].contains("`\\`"),
            "{:?}",
            approver.refused
        );
        assert!(
            approver.refused[2].contains("another directive"),
            "{:?}",
            approver.refused
        );
        // Two words, one of them quoted with a `;` in it, are arguments.
        assert_eq!(
            text(&outcome, 0),
            NO_TOKENS.replace("http {\n", "http {\n    server_tokens off \"a;b\";\n")
        );
    }

    /// Edits the first change's values to `value`, accepts every later one
    /// (`All`), and records what it is asked.
    struct EditThenAll {
        value: &'static str,
        asked: Vec<(String, Vec<String>)>,
    }

    impl Approver for EditThenAll {
        fn edits_values(&self) -> bool {
            true
        }

        fn approve(&mut self, proposal: &Proposal<'_>) -> std::io::Result<Answer> {
            let values = proposal.values.iter().map(|v| v.text.clone()).collect();
            self.asked.push((proposal.finding.rule.clone(), values));
            if self.asked.len() > 1 {
                return Ok(Answer::All);
            }
            let new = vec![self.value.to_string()];
            proposal.edited(&new).unwrap();
            Ok(Answer::Edit(new))
        }
    }

    #[test]
    fn no_later_pass_rewrites_what_a_person_edited() {
        // Pass 1 writes `server_tokens build;` as edited; in pass 2 the rule
        // finds that directive (another finding, at another place) and
        // would replace `build` with `off`, accepted by the `All`.
        let mut approver = EditThenAll {
            value: "build",
            asked: Vec::new(),
        };
        let outcome = fix_texts(
            &[rule(VERSION)],
            Policy::default(),
            &[("nginx.conf", NO_TOKENS)],
            &mut approver,
        );
        assert_eq!(approver.asked.len(), 1, "{:?}", approver.asked);
        assert_eq!(
            text(&outcome, 0),
            NO_TOKENS.replace("http {\n", "http {\n    server_tokens build;\n")
        );
        assert_eq!(outcome.applied.len(), 1);
        // The applied fix says it was edited, and to what.
        assert_eq!(
            outcome.applied[0].title,
            "Set `server_tokens off;` (edited: `build`)"
        );
        // The rule still finds `build`: reported, not fixed.
        assert_eq!(outcome.remaining.len(), 1);
        assert_eq!(outcome.remaining[0].rule, "version-disclosure");
        assert_eq!(outcome.stop, Stop::Converged);
    }

    #[test]
    fn fixes_may_still_write_beside_what_a_person_edited() {
        // Pass 2 inserts right after the edited line: that rewrites
        // nothing of it.
        let mut approver = EditThenAll {
            value: "16",
            asked: Vec::new(),
        };
        let outcome = fix_texts(
            &[pool_rule(), pool_timeout_rule()],
            Policy::default(),
            &[("nginx.conf", NO_TOKENS)],
            &mut approver,
        );
        assert_eq!(approver.asked.len(), 2, "{:?}", approver.asked);
        assert!(
            text(&outcome, 0).contains("keepalive 16;\n        keepalive_timeout 1s;\n"),
            "{}",
            text(&outcome, 0)
        );
    }

    /// Turns pooling on in an upstream without it.
    fn pool_rule() -> Rule {
        rule(
            r#"
id = "pool"
title = "t"
severity = "warning"
explain = "e"
[match]
directive = "upstream"
lacks = { directive = "keepalive" }
[fix]
set = { directive = "keepalive", args = "32", in = "self", after = ["server"] }
"#,
        )
    }

    /// Sets the idle timeout of a pooling upstream, after its `keepalive`:
    /// a second pass's fix once [`pool_rule`] has written that.
    fn pool_timeout_rule() -> Rule {
        rule(
            r#"
id = "pool-timeout"
title = "t"
severity = "warning"
explain = "e"
[match]
directive = "upstream"
has = { directive = "keepalive" }
lacks = { directive = "keepalive_timeout" }
[fix]
set = { directive = "keepalive_timeout", args = "1s", in = "self", after = ["keepalive"] }
"#,
        )
    }

    #[test]
    fn text_a_later_pass_inserts_at_the_end_of_a_fix_is_not_the_fixs() {
        let outcome = fix_texts(
            &[pool_rule(), pool_timeout_rule()],
            Policy::default(),
            &[("nginx.conf", NO_TOKENS)],
            &mut ApproveAll,
        );
        let final_text = text(&outcome, 0);
        assert!(
            final_text.contains("keepalive 32;\n        keepalive_timeout 1s;\n"),
            "{final_text}"
        );
        let wrote = |rule: &str| -> Vec<&str> {
            let applied = outcome.applied.iter().find(|a| a.rule == rule).unwrap();
            applied
                .spans
                .iter()
                .map(|&(_, start, end)| &final_text[start as usize..end as usize])
                .collect()
        };
        assert_eq!(outcome.applied[0].pass, 1);
        assert_eq!(wrote("pool"), ["\n        keepalive 32;"]);
        assert_eq!(wrote("pool-timeout"), ["\n        keepalive_timeout 1s;"]);
    }

    #[test]
    fn spans_move_over_insertions_at_their_ends_without_taking_them() {
        let insert = |at: u32, text: &str| Edit {
            file: FileId::FIRST,
            start: at,
            end: at,
            text: text.into(),
        };
        let (a, b) = (insert(10, "ab"), insert(20, "cde"));
        let replace = Edit {
            file: FileId::FIRST,
            start: 12,
            end: 20,
            text: "x".into(),
        };
        let spans = vec![(FileId::FIRST, 10, 20), (FileId::FIRST, 5, 5)];
        assert_eq!(
            shift_spans(spans.clone(), &[&a, &b]),
            [(FileId::FIRST, 12, 22), (FileId::FIRST, 5, 5)]
        );
        // Replaced text at the end is the range's; around its start, it is
        // dropped.
        assert_eq!(
            shift_spans(vec![(FileId::FIRST, 10, 20)], &[&replace]),
            [(FileId::FIRST, 10, 13)]
        );
        assert_eq!(shift_spans(vec![(FileId::FIRST, 15, 25)], &[&replace]), []);
        // An empty range stays empty after an insertion at it.
        assert_eq!(
            shift_spans(vec![(FileId::FIRST, 10, 10)], &[&a]),
            [(FileId::FIRST, 12, 12)]
        );
    }

    #[test]
    fn an_edit_that_changes_nothing_is_refused() {
        // `80` is what the file says: the edited change would change nothing.
        let mut approver = Editor {
            tries: vec!["80", "8081"],
            ..Editor::default()
        };
        let outcome = fix_texts(
            &[replace("port", "listen", "80", "8080", "safe")],
            Policy::default(),
            &[("nginx.conf", "http { server { listen 80; } }\n")],
            &mut approver,
        );
        assert_eq!(
            approver.refused,
            ["with this value the change leaves the file as it is"]
        );
        assert_eq!(text(&outcome, 0), "http { server { listen 8081; } }\n");
        assert_eq!(
            outcome.applied[0].title,
            "Replace `80` with `8080` (edited: `8081`)"
        );
    }

    #[test]
    fn an_approver_that_sends_unchecked_values_gets_an_error() {
        struct Blind;
        impl Approver for Blind {
            fn edits_values(&self) -> bool {
                true
            }

            fn approve(&mut self, _: &Proposal<'_>) -> std::io::Result<Answer> {
                Ok(Answer::Edit(vec!["3s; }".into()]))
            }
        }
        let options = declared();
        let job = Job {
            rules: &[timeout_rule("short")],
            options: &options,
            version: Version::ASSUMED,
            policy: Policy::default(),
        };
        let error = fix(&job, from_texts(&[("nginx.conf", UPSTREAM)]), &mut Blind).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn the_same_change_of_another_finding_takes_the_edited_values() {
        // Two rules propose one edit; the second is fixed by the first,
        // as edited, and is not asked about.
        let mut approver = Editor {
            tries: vec!["2500ms"],
            ..Editor::default()
        };
        let outcome = fix_texts(
            &[timeout_rule("one"), timeout_rule("two")],
            Policy::default(),
            &[("nginx.conf", UPSTREAM)],
            &mut approver,
        );
        assert_eq!(approver.offered.len(), 1);
        let fixed = text(&outcome, 0);
        assert_eq!(fixed.matches("keepalive_timeout").count(), 1, "{fixed}");
        assert!(fixed.contains("keepalive_timeout 2500ms;"), "{fixed}");
        assert_eq!(outcome.applied.len(), 2);
        assert_eq!(outcome.remaining.len(), 2);
    }

    #[test]
    fn changes_without_a_value_offer_none() {
        // `proxy_http_version 1.1` is a value; removing a directive is not.
        let remove = rule(
            r#"
id = "gone"
title = "t"
severity = "warning"
explain = "e"
[match]
directive = "keepalive"
[fix]
remove = true
"#,
        );
        let mut approver = Editor::default();
        fix_texts(
            &[remove, rule(HTTP_VERSION)],
            Policy::default(),
            &[("nginx.conf", TWO_LOCATIONS)],
            &mut approver,
        );
        assert!(approver.offered.contains(&vec![]), "{:?}", approver.offered);
        assert!(
            approver.offered.contains(&vec!["1.1".to_string()]),
            "{:?}",
            approver.offered
        );
    }

    #[test]
    fn a_replaced_argument_and_an_added_entry_are_values_too() {
        let mut approver = Editor {
            tries: vec!["8081"],
            ..Editor::default()
        };
        let outcome = fix_texts(
            &[replace("port", "listen", "80", "8080", "safe")],
            Policy::default(),
            &[("nginx.conf", "http { server { listen 80; } }\n")],
            &mut approver,
        );
        assert_eq!(approver.offered, [vec!["8080".to_string()]]);
        assert_eq!(text(&outcome, 0), "http { server { listen 8081; } }\n");

        let mut approver = Editor::default();
        fix_texts(
            &[rule(CONNECTION)],
            Policy::default(),
            &[("nginx.conf", TWO_LOCATIONS)],
            &mut approver,
        );
        assert_eq!(approver.offered[0], ["Connection \"\""]);
    }

    #[test]
    fn fixes_that_undo_each_other_stop_at_the_pass_limit() {
        let rules = [
            replace("there", "listen", "80", "81", "safe"),
            replace("back", "listen", "81", "80", "safe"),
        ];
        let files = [("nginx.conf", "http { server { listen 80; } }\n")];
        let outcome = fix_texts(&rules, Policy::default(), &files, &mut ApproveAll);
        assert_eq!(outcome.stop, Stop::PassLimit);
        assert_eq!(outcome.passes, MAX_PASSES);
    }
}
