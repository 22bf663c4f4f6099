//! The properties the fuzz targets check, one function per target. Each
//! panics when its property does not hold, so libFuzzer reports the input;
//! `tests/regressions.rs` replays the inputs kept under `regressions/`.
//!
//! Every target reads its input the way `ngxfix check FILE` reads one site
//! file without its nginx.conf: one file of a dump, loaded leniently (a
//! missing include is skipped), then read as the inside of the context
//! inferred from its top-level directives.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use ngxfix::config::{dump::DumpedFile, ConfigTree, FileOrigin, LoadOptions, RootContext};
use ngxfix::fix::session::{self, ApproveAll, Job, Policy, Stop};
use ngxfix::model::{fragment, Model, Version};
use ngxfix::output::findings::{Report, ReportFormat};
use ngxfix::rules::facts::{no_files, parse_front, parse_spec, Facts};
use ngxfix::rules::{Finding, Rule, RunOptions};
use ngxfix::syntax::{parse, print};

/// The versions every target runs with: before and after nginx 1.29.7 made
/// upstream keepalive a default.
pub const VERSIONS: [Version; 2] = [Version::new(1, 22, 1), Version::new(1, 30, 0)];

/// Where the input file sits: a site file, so relative includes resolve in
/// /etc/nginx, as for `ngxfix check sites-enabled/x.conf`.
const PATH: &str = "/etc/nginx/sites-enabled/x.conf";
const PREFIX: &str = "/etc/nginx";

/// The built-in rules, and the example rules when they load.
pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules = ngxfix::rules::load::builtin().expect("the built-in rules load");
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rules");
        let known: BTreeSet<String> = rules.iter().map(|r| r.id.clone()).collect();
        if let Ok(extra) = ngxfix::disk::rules::from_path(&examples) {
            rules.extend(extra.into_iter().filter(|r| !known.contains(&r.id)));
        }
        rules
    })
}

/// The options `check` runs with: unused suppressions reported, every rule
/// known; `with_facts` also declares backends for the upstream names the
/// seeds use and a load balancer in front, so the fact-driven rules fire.
pub fn options(with_facts: bool) -> RunOptions {
    let mut facts = Facts::default();
    if with_facts {
        for (upstream, spec) in [
            ("app", "gunicorn"),
            ("backend", "5s"),
            ("api", "uwsgi-http"),
            ("node", "node"),
        ] {
            let spec = parse_spec(spec).expect("a valid backend spec");
            facts
                .declare(upstream, spec, "fuzz", Path::new(""), &no_files)
                .expect("a backend declared");
        }
        facts.front = Some(parse_front("aws-alb", "fuzz").expect("a valid front"));
    }
    RunOptions {
        facts,
        report_unused_suppressions: true,
        known_rules: rules().iter().map(|r| r.id.clone()).collect(),
        ..RunOptions::default()
    }
}

/// The input as one file of a dump, loaded leniently; `None` when it does
/// not load (a parse error, an include cycle...).
pub fn load(text: &[u8]) -> Option<ConfigTree> {
    let file = DumpedFile {
        path: PATH.into(),
        text: text.to_vec(),
    };
    let lenient = LoadOptions {
        lenient: true,
        ..LoadOptions::default()
    };
    ConfigTree::load_dump_with(vec![file], &lenient).ok()
}

/// The context `check` would read the input in.
pub fn inferred(text: &[u8]) -> Option<RootContext> {
    load(text).map(|tree| fragment::infer(&tree).context)
}

/// The input read as the inside of `context`.
pub fn in_context(text: &[u8], context: RootContext) -> Option<ConfigTree> {
    load(text).map(|tree| tree.in_context(context, Path::new(PREFIX)))
}

/// Whether `NGXFIX_FUZZ_VERBOSE` is set: each target then says on
/// standard error what it did with each input (to see that the seeds
/// reach the fixes and the redactor).
fn verbose() -> bool {
    static VERBOSE: OnceLock<bool> = OnceLock::new();
    *VERBOSE.get_or_init(|| std::env::var_os("NGXFIX_FUZZ_VERBOSE").is_some())
}

fn show(text: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(text))
}

/// Target `parse_roundtrip`: whatever parses prints back byte for byte;
/// whatever fails gets a located, non-empty message inside the input.
pub fn parse_roundtrip(data: &[u8]) {
    match parse(data.to_vec()) {
        Ok(tree) => {
            assert_eq!(print(&tree), data, "the printed tree is the input");
            assert_eq!(tree.text(), data, "the tree's text is the input");
        }
        Err(error) => {
            assert!(
                error.offset as usize <= data.len(),
                "error offset {} past the input's {} bytes: {}",
                error.offset,
                data.len(),
                error.message
            );
            assert!(
                error.line >= 1 && error.col >= 1,
                "error at {}:{}",
                error.line,
                error.col
            );
            assert!(!error.message.is_empty(), "an empty error message");
        }
    }
}

/// Run every rule on `config` for both versions, with and without facts.
fn check_tree(config: &ConfigTree) {
    for version in VERSIONS {
        let model = Model::new(config, version);
        for with_facts in [false, true] {
            let _ = ngxfix::rules::run(rules(), &model, &options(with_facts));
        }
    }
}

/// Write `findings` in every output format `check` has; the JSON and
/// SARIF documents must be valid JSON.
fn render(findings: &[Finding], version: Version) {
    let formats = [
        ReportFormat::Text { color: false },
        ReportFormat::Text { color: true },
        ReportFormat::Json,
        ReportFormat::Sarif,
        ReportFormat::Github,
        ReportFormat::Gitlab,
    ];
    for format in formats {
        let mut out = Vec::new();
        let mut report =
            Report::begin(format, &mut out, rules(), version).expect("writes to memory");
        report.findings(findings).expect("writes to memory");
        report.finish().expect("writes to memory");
        if matches!(
            format,
            ReportFormat::Json | ReportFormat::Sarif | ReportFormat::Gitlab
        ) {
            if let Err(error) = serde_json::from_slice::<serde_json::Value>(&out) {
                panic!(
                    "{format:?} output is not JSON: {error}\n{}",
                    String::from_utf8_lossy(&out)
                );
            }
        }
    }
}

/// Target `check`: every rule, in the inferred context and in every other,
/// for both versions, with and without facts: no panic. The findings in
/// the inferred context (with facts) are also written in every output
/// format.
pub fn check(data: &[u8]) {
    let Some(inferred) = inferred(data) else {
        return;
    };
    let config = in_context(data, inferred).expect("the input loaded once");
    for version in VERSIONS {
        let model = Model::new(&config, version);
        for with_facts in [false, true] {
            let findings = ngxfix::rules::run(rules(), &model, &options(with_facts));
            if with_facts && !findings.is_empty() {
                render(&findings, version);
            }
        }
    }
    for context in RootContext::ALL.into_iter().filter(|c| *c != inferred) {
        let config = in_context(data, context).expect("the input loaded once");
        check_tree(&config);
    }
}

/// The text of the input file (the entry) in a fixed tree.
fn entry_text(config: &ConfigTree) -> &[u8] {
    config.file(config.entry()).tree.text()
}

/// One run of the fix loop, every fix allowed, on `text` read in `context`.
fn fix_once(
    text: &[u8],
    context: RootContext,
    version: Version,
    options: &RunOptions,
) -> session::FixOutcome {
    let config = in_context(text, context).expect("the text loads");
    let job = Job {
        rules: rules(),
        options,
        version,
        policy: Policy {
            unsafe_fixes: true,
            display_only: true,
        },
    };
    session::fix(&job, config, &mut ApproveAll).expect("ApproveAll never fails")
}

/// Target `fix_loop`: the fix loop with every fix approved (unsafe and
/// display-only ones too), for both versions, with and without facts:
/// every changed file parses and prints back (and diffs), no fix is
/// reverted (except for touching an `include`), the written context is
/// never edited, the loop converges, the result is read in the same
/// context, and a second run on it changes nothing.
pub fn fix_loop(data: &[u8]) {
    let Some(context) = inferred(data) else {
        return;
    };
    for version in VERSIONS {
        for with_facts in [false, true] {
            let options = options(with_facts);
            let first = fix_once(data, context, version, &options);
            if verbose() {
                eprintln!(
                    "fix_loop: {} ({version}, facts: {with_facts}): applied {:?}, reverted {}, {} remaining",
                    context.name(),
                    first.applied.iter().map(|a| &a.rule).collect::<Vec<_>>(),
                    first.reverted.len(),
                    first.remaining.len()
                );
            }
            let changed: Vec<_> = first
                .changes()
                .map(|(file, _, after)| (file, after))
                .collect();
            for (file, after) in &changed {
                let source = first.config.file(*file);
                assert_ne!(
                    source.origin,
                    FileOrigin::Context,
                    "a fix edited the written context ({version}, facts: {with_facts})"
                );
                match parse(after.to_vec()) {
                    Ok(tree) => assert_eq!(&print(&tree), after, "a fixed file round-trips"),
                    Err(error) => panic!(
                        "a fixed file does not parse: {}:{}: {} ({version}, facts: {with_facts})\n{}",
                        error.line,
                        error.col,
                        error.message,
                        show(after)
                    ),
                }
            }
            assert_ne!(
                first.stop,
                Stop::PassLimit,
                "the fix loop did not converge ({version}, facts: {with_facts}); rules applied: {:?}",
                first.applied.iter().map(|a| &a.rule).collect::<Vec<_>>()
            );
            if changed.is_empty() {
                continue;
            }
            let fixed = entry_text(&first.config).to_vec();
            // `ngxfix fix` run again infers the context again.
            let again = inferred(&fixed).expect("the fixed text loads");
            assert_eq!(
                again,
                context,
                "the fixed file is read in another context ({version}, facts: {with_facts})\nfixed: {}",
                show(&fixed)
            );
            let second = fix_once(&fixed, context, version, &options);
            let again: Vec<_> = second.changes().collect();
            assert!(
                again.is_empty(),
                "a second fix run changes the result ({version}, facts: {with_facts}): rules {:?} applied again\nfirst result: {}\nsecond result: {}",
                second.applied.iter().map(|a| &a.rule).collect::<Vec<_>>(),
                show(&fixed),
                show(entry_text(&second.config))
            );
        }
    }
}

/// (rule, line) of each finding in the input file, as `check` reads it.
fn rule_lines(text: &[u8], version: Version, options: &RunOptions) -> BTreeSet<(String, u32)> {
    let context = inferred(text).expect("the text loads");
    let config = in_context(text, context).expect("the text loads");
    let model = Model::new(&config, version);
    let findings: Vec<Finding> = ngxfix::rules::run(rules(), &model, options);
    findings
        .into_iter()
        .map(|f| (f.rule, f.start.line))
        .collect()
}

/// Target `redact`: the redactor (with and without `--hosts`) on the input
/// read as `ngxfix redact FILE` reads it: no error, the output parses, and
/// `check` finds the same rules on the same lines in it as in the input.
pub fn redact(data: &[u8]) {
    let Some(config) = load(data) else {
        return;
    };
    for hosts in [false, true] {
        let redacted = match ngxfix::redact::redact(&config, ngxfix::redact::Options { hosts }) {
            Ok(redacted) => redacted,
            Err(error) => panic!("redact failed (hosts: {hosts}): {error}"),
        };
        let out = &redacted.texts[0];
        if verbose() {
            eprintln!(
                "redact (hosts: {hosts}): {} ranges: {:?}",
                redacted.entries.len(),
                redacted
                    .entries
                    .iter()
                    .map(|e| e.kind.name())
                    .collect::<Vec<_>>()
            );
        }
        match parse(out.clone()) {
            Ok(tree) => assert_eq!(&print(&tree), out, "the redacted file round-trips"),
            Err(error) => panic!(
                "the redacted file does not parse (hosts: {hosts}): {}:{}: {}",
                error.line, error.col, error.message
            ),
        }
        if out == data {
            continue;
        }
        assert!(
            load(out).is_some(),
            "the redacted file does not load (hosts: {hosts})"
        );
        for version in VERSIONS {
            for with_facts in [false, true] {
                let options = options(with_facts);
                let before = rule_lines(data, version, &options);
                let after = rule_lines(out, version, &options);
                assert_eq!(
                    before,
                    after,
                    "redaction changed the findings (hosts: {hosts}, {version}, facts: {with_facts})\nredacted: {}",
                    show(out)
                );
            }
        }
    }
}
