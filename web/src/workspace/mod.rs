//! What the page asks of the engine, on named files held in memory: the
//! tree read as the command line reads a file it is pointed at, the rules
//! run, fixes chosen one by one, redaction and error-log diagnosis.
//!
//! Plain Rust, without JavaScript types: the bindings in `lib.rs` pass JSON
//! across, and the tests run this natively against the command line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod placing;
pub use placing::Placed;

use ngxfix_core::config::context::guessed_prefix;
use ngxfix_core::config::{
    dump, ConfigTree, ContextFrom, FileOrigin, LoadError, LoadOptions, MemorySource, Reading,
    RootContext,
};
use ngxfix_core::diagnose::{self, blocks, report as diagnosis, Tally};
use ngxfix_core::fix::session::{self, Answer, Approver, Job, Policy, Proposal};
use ngxfix_core::model::{fragment, Model, Version};
use ngxfix_core::output::diff;
use ngxfix_core::output::findings::{Inputs, Report, ReportFormat};
use ngxfix_core::redact;
use ngxfix_core::rules::facts::{self, Facts, ReadError, Spec};
use ngxfix_core::rules::{load, Rule, RunOptions, Safety};

/// The most bytes of one file the page reads, as `--max-file-size`'s
/// default.
const MAX_FILE_SIZE: u64 = 64 << 20;

/// Where the nginx version came from when the page chose it.
const VERSION_CHOSEN: &str = "the version chosen on the page";

/// Where backend declarations come from, in messages ("as declared in
/// ...", where the command line says `--backend`).
const DECLARED_IN: &str = "the page's settings";

/// One file the page holds, by the path it was opened or named with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedText {
    pub path: String,
    pub text: String,
}

/// What the page sends with each call: its files and what the command
/// line's options would say.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Request {
    /// nginx files, an `nginx -T` dump, and backends' files.
    pub files: Vec<NamedText>,
    /// `--nginx-version`; none: [`Version::ASSUMED`], with a note.
    pub nginx_version: Option<String>,
    /// `--backend UPSTREAM=SPEC`, by upstream: a duration, a server kind
    /// (`gunicorn@23`), or a kind with one of the files (`gunicorn:gunicorn.conf.py`).
    pub backends: BTreeMap<String, String>,
    /// `--assume-backend`.
    pub assume_backend: Option<String>,
    /// `--context`: the block the main file's top level is the inside of.
    pub context: Option<String>,
    /// The file to read first; none: the one named `nginx.conf` nearest
    /// the root, else the first.
    pub entry: Option<String>,
    /// `fix`: the answer to each proposal, by [`Proposed::key`]. A fix
    /// nobody answered is applied when safe, held back when unsafe
    /// (unless `unsafe_fixes`), as `ngxfix fix` does.
    pub decisions: BTreeMap<String, bool>,
    /// `fix --unsafe-fixes`: apply unanswered unsafe fixes too.
    pub unsafe_fixes: bool,
    /// `redact --hosts`: also host names and addresses.
    pub hosts: bool,
}

/// Why a call gave no result: a message in the command line's words, and
/// where it points when it points at a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub message: String,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub col: Option<u32>,
}

impl Failure {
    /// A failure that points at no file.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            path: None,
            line: None,
            col: None,
        }
    }
}

impl From<LoadError> for Failure {
    fn from(error: LoadError) -> Failure {
        let mut failure = Failure::new(error.to_string());
        if let LoadError::Source { path, error } = &error {
            failure.path = Some(path.clone());
            failure.line = Some(error.line);
            failure.col = Some(error.col);
        }
        failure
    }
}

/// The result of [`Engine::check`].
#[derive(Debug, Serialize)]
pub struct Checked {
    /// The report as `ngxfix check --format json` writes it.
    pub report: serde_json::Value,
    /// What needs saying about how the files were read.
    pub notes: Vec<String>,
    /// That the nginx version is assumed, when none was chosen.
    pub version_note: Option<String>,
    /// The upstreams the configuration defines, for declaring backends.
    pub upstreams: Vec<String>,
    /// The files read as nginx configuration (the others are backends').
    pub read: Vec<String>,
    /// Files opened without their folder, placed where an include reads
    /// them: the page renames them.
    pub placed: Vec<Placed>,
}

/// One change the fix loop proposed.
#[derive(Debug, Clone, Serialize)]
pub struct Proposed {
    /// Stable across calls while the text does not change: the rule and
    /// where its finding is.
    pub key: String,
    pub rule: String,
    pub path: String,
    pub line: u32,
    pub col: u32,
    pub title: String,
    /// `safe` or `unsafe`.
    pub safety: &'static str,
    pub approved: bool,
    /// What this change alone does, as a unified diff.
    pub diff: String,
}

/// A fix the loop took back, and why.
#[derive(Debug, Clone, Serialize)]
pub struct TakenBack {
    pub rule: String,
    pub location: String,
    pub reason: String,
}

/// The result of [`Engine::fix`].
#[derive(Debug, Serialize)]
pub struct Fixed {
    /// Every change, as `ngxfix fix --dry-run` prints it.
    pub diff: String,
    /// The changed files as fixed.
    pub files: Vec<NamedText>,
    /// Each change proposed, in the order proposed, with its answer.
    pub proposals: Vec<Proposed>,
    /// Findings left once the approved fixes are applied.
    pub remaining: usize,
    pub reverted: Vec<TakenBack>,
    pub notes: Vec<String>,
    /// As [`Checked::placed`].
    pub placed: Vec<Placed>,
}

/// The result of [`Engine::redact`].
#[derive(Debug, Serialize)]
pub struct Redacted {
    /// The nginx files with their secrets replaced.
    pub files: Vec<NamedText>,
    /// The report as `ngxfix redact` prints it.
    pub report: String,
    /// The report as `ngxfix redact --report json` prints it (its
    /// `redacted`, `not_read` and `totals`).
    pub entries: Vec<serde_json::Value>,
    /// Files left out: backends' files, which redact cannot read.
    pub left_out: Vec<String>,
}

/// The built-in rules, loaded once, and the calls the page makes.
pub struct Engine {
    rules: Vec<Rule>,
}

/// A request's files read, with what a run needs.
struct Opened {
    placed: Vec<Placed>,
    version_note: Option<String>,
    tree: ConfigTree,
    reading: Reading,
    version: Version,
    version_from: String,
    options: RunOptions,
    notes: Vec<String>,
}

impl Engine {
    /// Load the built-in rules.
    pub fn new() -> Result<Engine, Failure> {
        let rules = load::builtin().map_err(|e| Failure::new(e.to_string()))?;
        Ok(Engine { rules })
    }

    /// The built-in rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Run the rules: `ngxfix check --format json`.
    pub fn check(&self, request: &Request) -> Result<Checked, Failure> {
        let opened = self.open(request)?;
        let model = Model::new(&opened.tree, opened.version);
        let mut out = Vec::new();
        let mut report = Report::begin(ReportFormat::Json, &mut out, &self.rules, opened.version)
            .map_err(io_failure)?;
        report
            .describe(Inputs {
                readings: std::slice::from_ref(&opened.reading),
                version_from: &opened.version_from,
            })
            .map_err(io_failure)?;
        let checked = ngxfix_core::rules::check(&self.rules, &model, &opened.options);
        for batch in checked.batches() {
            report.findings(&batch).map_err(io_failure)?;
        }
        report.finish().map_err(io_failure)?;
        let report = serde_json::from_slice(&out).map_err(|e| Failure::new(e.to_string()))?;
        let mut upstreams: Vec<String> = Vec::new();
        for name in model
            .upstreams()
            .filter_map(|u| u.block.arg(0).map(|a| a.value().to_string()))
        {
            if !upstreams.contains(&name) {
                upstreams.push(name);
            }
        }
        let read = opened
            .tree
            .files()
            .iter()
            .filter(|f| f.origin != FileOrigin::Context)
            .map(|f| f.display_path())
            .collect();
        Ok(Checked {
            report,
            notes: opened.notes,
            version_note: opened.version_note,
            upstreams,
            read,
            placed: opened.placed,
        })
    }

    /// Run the fix loop with the page's answers: `ngxfix fix --dry-run`,
    /// or `fix -i` answered by `decisions`.
    pub fn fix(&self, request: &Request) -> Result<Fixed, Failure> {
        let opened = self.open(request)?;
        let job = Job {
            rules: &self.rules,
            options: &opened.options,
            version: opened.version,
            // Unsafe fixes are proposed, and held back unless answered.
            policy: Policy {
                unsafe_fixes: true,
                display_only: false,
            },
        };
        let mut answers = Answers {
            decisions: &request.decisions,
            unsafe_fixes: request.unsafe_fixes,
            proposals: Vec::new(),
        };
        let outcome = session::fix(&job, opened.tree, &mut answers).map_err(io_failure)?;
        let mut changes: Vec<(PathBuf, &[u8], &[u8])> = outcome
            .changes()
            .map(|(file, before, after)| (outcome.config.file(file).path.clone(), before, after))
            .collect();
        changes.extend(
            outcome
                .backend_changes()
                .map(|(path, before, after)| (path.to_path_buf(), before, after)),
        );
        let named: Vec<&Path> = changes.iter().map(|(path, _, _)| path.as_path()).collect();
        // Relative paths stay as named, absolute ones (a dump's) lose
        // their `/`, as the command line prints them.
        let (shown, _) = diff::diff_paths(Path::new(""), &named);
        let mut text = Vec::new();
        let mut files = Vec::new();
        for ((path, before, after), shown) in changes.iter().zip(&shown) {
            diff::unified(&mut text, shown, before, after, false).map_err(io_failure)?;
            files.push(NamedText {
                path: path.display().to_string(),
                text: String::from_utf8_lossy(after).into_owned(),
            });
        }
        let reverted = outcome
            .reverted
            .iter()
            .map(|r| TakenBack {
                rule: r.rule.clone(),
                location: r.location.clone(),
                reason: r.reason.clone(),
            })
            .collect();
        let mut notes = opened.notes;
        if !files.is_empty() {
            // What `ngxfix fix` says where nginx is not installed.
            notes.push(
                "a browser has no nginx, so the result was not checked with `nginx -t`: \
                 `ngxfix fix` checks it where nginx is installed"
                    .to_string(),
            );
        }
        Ok(Fixed {
            diff: String::from_utf8_lossy(&text).into_owned(),
            files,
            proposals: answers.proposals,
            remaining: outcome.remaining.len(),
            reverted,
            notes,
            placed: opened.placed,
        })
    }

    /// Replace the secrets of every nginx file: `ngxfix redact`. The tree
    /// the entry reaches is redacted as one (so upstream names are known
    /// everywhere); a file no include reaches, on its own.
    pub fn redact(&self, request: &Request) -> Result<Redacted, Failure> {
        let (request, _) = self.placed(request);
        let request = &request;
        let nginx = self.nginx_files(request);
        if nginx.is_empty() {
            return Err(Failure::new("no nginx file to redact"));
        }
        let source = memory(request, &nginx);
        let options = LoadOptions {
            lenient: true,
            max_file_size: MAX_FILE_SIZE,
            ..LoadOptions::default()
        };
        let mut trees = Vec::new();
        let mut done: Vec<usize> = Vec::new();
        // The entry first (`nginx_files` puts it there): its tree takes
        // every file it includes.
        for &index in &nginx {
            if done.contains(&index) {
                continue;
            }
            let file = &request.files[index];
            let path = Path::new(&file.path);
            let tree = match dump::split(file.text.as_bytes()).filter(|f| !f.is_empty()) {
                Some(files) => ConfigTree::load_dump_with(files, &options)?,
                None => {
                    let own = LoadOptions {
                        prefix: Some(guessed_prefix(path)),
                        ..options.clone()
                    };
                    ConfigTree::load_from(&source, path, &own)?
                }
            };
            for f in tree.files() {
                if let Some(i) = nginx
                    .iter()
                    .find(|&&i| Path::new(&request.files[i].path) == f.path)
                {
                    done.push(*i);
                }
            }
            done.push(index);
            let redacted = redact::redact(
                &tree,
                redact::Options {
                    hosts: request.hosts,
                },
            )
            .map_err(|e| Failure::new(e.to_string()))?;
            trees.push((tree, redacted));
        }
        let parts: Vec<(&ConfigTree, &redact::Redacted)> =
            trees.iter().map(|(tree, r)| (tree, r)).collect();
        let report = redact::report::text(&parts);
        let mut files = Vec::new();
        let mut entries = Vec::new();
        for (tree, redacted) in &trees {
            for (file, text) in tree.files().iter().zip(&redacted.texts) {
                files.push(NamedText {
                    path: file.display_path(),
                    text: String::from_utf8_lossy(text).into_owned(),
                });
            }
            let json = redact::report::json(tree, redacted, None)
                .map_err(|e| Failure::new(e.to_string()))?;
            entries.extend(json["redacted"].as_array().cloned().unwrap_or_default());
        }
        let left_out = (0..request.files.len())
            .filter(|i| !nginx.contains(i))
            .map(|i| request.files[i].path.clone())
            .collect();
        Ok(Redacted {
            files,
            report,
            entries,
            left_out,
        })
    }

    /// `ngxfix diagnose` of one error log's text, with the configuration's
    /// upstream blocks when the files read (else without them, and a note
    /// says why).
    pub fn diagnose(&self, request: &Request, log: &str) -> Result<String, Failure> {
        let mut tally = Tally::default();
        let lines = diagnose::read(log.as_bytes(), &mut tally, |_| {}).map_err(io_failure)?;
        let inputs = [diagnosis::Input {
            name: "error.log".into(),
            gzip: false,
            lines,
        }];
        let mut found = BTreeMap::new();
        let mut note = String::new();
        if !request.files.is_empty() {
            match self.open(request) {
                Ok(opened) => {
                    let model = Model::new(&opened.tree, opened.version);
                    for (address, labels) in blocks::upstream_blocks(&model) {
                        found.entry(address).or_insert_with(Vec::new).extend(labels);
                    }
                }
                Err(failure) => {
                    note = format!(
                        "\nnote: upstream blocks not traced: the configuration does not read: {}\n",
                        failure.message
                    );
                }
            }
        }
        let mut out = Vec::new();
        diagnosis::text(
            &mut out,
            &diagnosis::Diagnosis {
                inputs: &inputs,
                tally: &tally,
                blocks: &found,
            },
        )
        .map_err(io_failure)?;
        Ok(String::from_utf8_lossy(&out).into_owned() + &note)
    }

    /// The request with its files named without a folder placed where an
    /// include reads them ([`placing`]); the entry's relative includes
    /// resolve where `read` resolves them. A dump holds its own paths.
    fn placed(&self, request: &Request) -> (Request, Vec<Placed>) {
        let mut request = request.clone();
        let nginx = self.nginx_files(&request);
        let Some(&entry) = nginx.first() else {
            return (request, Vec::new());
        };
        let entry = &request.files[entry];
        if dump::split(entry.text.as_bytes()).is_some_and(|files| !files.is_empty()) {
            return (request, Vec::new());
        }
        let prefix = guessed_prefix(Path::new(&entry.path));
        let placed = placing::place(&mut request.files, &nginx, &prefix);
        (request, placed)
    }

    /// The indexes of the request's nginx files, entry first: every file
    /// but the backends' configuration files the declarations name.
    fn nginx_files(&self, request: &Request) -> Vec<usize> {
        let backend_files: Vec<PathBuf> = request
            .backends
            .values()
            .filter_map(|spec| match facts::parse_spec(spec) {
                Ok(Spec::File { path, .. }) => Some(path),
                _ => None,
            })
            .collect();
        let mut nginx: Vec<usize> = (0..request.files.len())
            .filter(|&i| !backend_files.contains(&PathBuf::from(&request.files[i].path)))
            .collect();
        let entry = match &request.entry {
            Some(entry) => nginx.iter().position(|&i| &request.files[i].path == entry),
            None => nginx
                .iter()
                .enumerate()
                .filter(|(_, &i)| {
                    Path::new(&request.files[i].path).file_name()
                        == Some(std::ffi::OsStr::new("nginx.conf"))
                })
                .min_by_key(|(_, &i)| Path::new(&request.files[i].path).components().count())
                .map(|(at, _)| at),
        };
        if let Some(at) = entry {
            let index = nginx.remove(at);
            nginx.insert(0, index);
        }
        nginx
    }

    /// Read the request's files and declarations as `check` and `fix` do.
    fn open(&self, request: &Request) -> Result<Opened, Failure> {
        if let Some(entry) = &request.entry {
            if !request.files.iter().any(|f| &f.path == entry) {
                return Err(Failure::new(format!("{entry}: no such file")));
            }
        }
        let (placed_request, placed) = self.placed(request);
        let request = &placed_request;
        let nginx = self.nginx_files(request);
        if nginx.is_empty() {
            return Err(Failure::new("no nginx configuration: open or paste one"));
        }
        let context = match &request.context {
            Some(name) => Some(
                name.parse::<RootContext>()
                    .map_err(|e| Failure::new(format!("context {name}: {e}")))?,
            ),
            None => None,
        };
        let (version, version_from, version_note) = match &request.nginx_version {
            Some(text) => (
                text.parse::<Version>()
                    .map_err(|e| Failure::new(format!("nginx version {text}: {e}")))?,
                VERSION_CHOSEN.to_string(),
                None,
            ),
            None => (
                Version::ASSUMED,
                "the default: no nginx to ask".to_string(),
                Some(Version::assumed_note(
                    "a browser has no nginx to ask",
                    "choose the version your servers run",
                )),
            ),
        };
        let mut notes = Vec::new();
        let (tree, reading) = read(request, &nginx, context)?;
        notes.extend(placed.iter().map(|p| p.note.clone()));
        notes.extend(reading.note());
        if reading.note().is_none() && !tree.skipped().is_empty() {
            let missing: Vec<String> = tree
                .skipped()
                .iter()
                .map(|s| s.path.display().to_string())
                .collect();
            notes.push(format!(
                "not on the page, skipped: {} (open {} too to check {})",
                missing.join(", "),
                if missing.len() == 1 { "it" } else { "them" },
                if missing.len() == 1 { "it" } else { "them" },
            ));
        }
        let unread: Vec<&str> = nginx
            .iter()
            .map(|&i| request.files[i].path.as_str())
            .filter(|path| !tree.files().iter().any(|f| f.path == Path::new(path)))
            .collect();
        if !unread.is_empty() {
            notes.push(format!(
                "no include of {} reads {}: not checked (choose it as the main file, or name it with its folder)",
                reading.path,
                unread.join(", ")
            ));
        }
        let options = self.options(request)?;
        Ok(Opened {
            placed,
            version_note,
            tree,
            reading,
            version,
            version_from,
            options,
            notes,
        })
    }

    /// The run's options: every built-in rule known, the declared backends
    /// (their files read from the request).
    fn options(&self, request: &Request) -> Result<RunOptions, Failure> {
        let mut facts = Facts::default();
        let read_file = |path: &Path| -> Result<String, ReadError> {
            request
                .files
                .iter()
                .find(|f| Path::new(&f.path) == path)
                .map(|f| f.text.clone())
                .ok_or_else(|| ReadError {
                    path: path.to_path_buf(),
                    reason: "no such file on the page: open it too".into(),
                })
        };
        for (upstream, text) in &request.backends {
            let spec = facts::parse_spec(text)
                .map_err(|e| Failure::new(format!("backend {upstream}={text}: {e}")))?;
            facts
                .declare(upstream, spec, DECLARED_IN, Path::new(""), &read_file)
                .map_err(|e| Failure::new(format!("backend {upstream}={text}: {e}")))?;
        }
        if let Some(text) = &request.assume_backend {
            let spec = facts::parse_spec(text)
                .map_err(|e| Failure::new(format!("assumed backend {text}: {e}")))?;
            facts
                .assume(spec, DECLARED_IN)
                .map_err(|e| Failure::new(format!("assumed backend {text}: {e}")))?;
        }
        Ok(RunOptions {
            params: BTreeMap::new(),
            facts,
            report_unused_suppressions: false,
            known_rules: self.rules.iter().map(|r| r.id.clone()).collect(),
            known_directives: Default::default(),
            file_ignores: Default::default(),
            fix_values: false,
        })
    }
}

/// The request's files `indexes` as a source includes are read from.
fn memory(request: &Request, indexes: &[usize]) -> MemorySource {
    indexes
        .iter()
        .map(|&i| {
            let file = &request.files[i];
            (file.path.clone(), file.text.clone().into_bytes())
        })
        .collect()
}

/// The entry (the first of `nginx`) read as `ngxfix check PATH` reads a
/// file it is pointed at: an `nginx -T` dump split into its files; a main
/// file with its includes resolved in its own folder; anything else as the
/// inside of the block its directives tell (or `context`), its includes
/// resolved where a site file's are. One difference: an include whose file
/// the page does not hold is skipped, with a note, where the command line
/// refuses a main file: a page holds what was opened, rarely all of
/// /etc/nginx (`mime.types`).
fn read(
    request: &Request,
    nginx: &[usize],
    context: Option<RootContext>,
) -> Result<(ConfigTree, Reading), Failure> {
    let file = &request.files[nginx[0]];
    let text = file.text.as_bytes().to_vec();
    if let Some(files) = dump::split(&text).filter(|files| !files.is_empty()) {
        let tree = ConfigTree::load_dump(files)?;
        let reading = Reading::of(&tree, ContextFrom::Dump, RootContext::Main);
        return Ok((tree, reading));
    }
    let source = memory(request, nginx);
    let path = Path::new(&file.path);
    let own = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let in_own = LoadOptions {
        prefix: Some(own.clone()),
        lenient: true,
        max_file_size: MAX_FILE_SIZE,
        ..LoadOptions::default()
    };
    if context == Some(RootContext::Main) {
        let tree = ConfigTree::load_text_from(&source, path, text, &in_own)?;
        let reading = Reading::of(&tree, ContextFrom::Given, RootContext::Main);
        return Ok((tree, reading));
    }
    let prefix = guessed_prefix(path);
    let lenient = LoadOptions {
        prefix: Some(prefix.clone()),
        ..in_own.clone()
    };
    let tree = ConfigTree::load_text_from(&source, path, text, &lenient)?;
    let (context, from, evidence, doubt) = match context {
        Some(given) => (given, ContextFrom::Given, Vec::new(), None),
        None => {
            let inferred = fragment::infer(&tree);
            let (context, evidence, doubt) = (inferred.context, inferred.evidence, inferred.doubt);
            (context, ContextFrom::Inferred, evidence, doubt)
        }
    };
    if context == RootContext::Main && doubt.is_none() {
        let tree = if prefix == own {
            tree
        } else {
            let text = tree.main().tree.text().to_vec();
            ConfigTree::load_text_from(&source, path, text, &in_own)?
        };
        let reading = Reading::of(&tree, ContextFrom::Main, RootContext::Main);
        return Ok((tree, reading));
    }
    let tree = tree.in_context(context, &prefix);
    let mut reading = Reading::of(&tree, from, context);
    reading.evidence = evidence;
    reading.doubt = doubt;
    let includes = tree
        .files()
        .iter()
        .filter(|f| f.origin != FileOrigin::Context)
        .any(|f| f.tree.directives().any(|d| d.name().value() == "include"));
    if includes {
        reading.prefix = Some(if prefix.as_os_str().is_empty() {
            ".".to_string()
        } else {
            prefix.display().to_string()
        });
    }
    Ok((tree, reading))
}

fn io_failure(error: std::io::Error) -> Failure {
    Failure::new(error.to_string())
}

/// The page's answers, as `fix -i`'s prompt would give them; records each
/// proposal.
struct Answers<'a> {
    decisions: &'a BTreeMap<String, bool>,
    unsafe_fixes: bool,
    proposals: Vec<Proposed>,
}

impl Approver for Answers<'_> {
    fn approve(&mut self, proposal: &Proposal<'_>) -> std::io::Result<Answer> {
        let finding = proposal.finding;
        let safety = finding.fix.plan().map_or(Safety::Safe, |plan| plan.safety);
        let key = format!(
            "{}@{}:{}:{}",
            finding.rule, finding.path, finding.start.line, finding.start.col
        );
        let approved = self
            .decisions
            .get(&key)
            .copied()
            .unwrap_or(safety == Safety::Safe || self.unsafe_fixes);
        let mut text = Vec::new();
        for file in &proposal.files {
            let shown = file.path.display().to_string();
            diff::unified(
                &mut text,
                shown.trim_start_matches('/'),
                file.before,
                &file.after,
                false,
            )?;
        }
        self.proposals.push(Proposed {
            key,
            rule: finding.rule.clone(),
            path: finding.path.to_string(),
            line: finding.start.line,
            col: finding.start.col,
            title: finding
                .fix
                .plan()
                .map_or_else(String::new, |p| p.title.clone()),
            safety: safety.as_str(),
            approved,
            diff: String::from_utf8_lossy(&text).into_owned(),
        });
        Ok(if approved { Answer::Yes } else { Answer::No })
    }
}

#[cfg(test)]
mod tests;
