//! `ngxfix fix`: run the fix loop on each tree, check the result with
//! `nginx -t`, then print a diff (`--dry-run`), print the fixed text
//! (standard input), or write the files in place, all of them or none.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};

use anyhow::bail;

use super::progress::{self, Progress};
use crate::cli::{FixArgs, FixFormat};
use ngxfix::config::{ConfigTree, FileId, FileOrigin};
use ngxfix::fix::session::{self, ApproveAll, Approver, FixOutcome, Job, Policy, Stop};
use ngxfix::nginx::Nginx;
use ngxfix::output::findings::{Report, ReportFormat};
use ngxfix::output::fix_report::{self, ChangedFile, FixRun};
use ngxfix::output::{diff, plural, Paint};
use ngxfix::write::{Change, WriteOptions};

/// Fix each tree; exit status as documented: with `--dry-run` 1 when there
/// are changes to show, otherwise 1 when findings remain.
pub fn run_fix(args: &FixArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let from_stdin = args.inputs.paths.iter().any(|p| p.as_os_str() == "-");
    if from_stdin && args.inputs.paths.len() > 1 {
        bail!(
            "standard input (`-`) cannot be fixed together with other paths: its fixed text \
             goes to standard output"
        );
    }
    if args.interactive {
        if from_stdin {
            bail!(
                "fix -i asks its questions on the terminal, so it cannot read the configuration \
                 from standard input; use `ngxfix fix --dry-run -` to see the changes"
            );
        }
        if !(io::stdin().is_terminal() && io::stderr().is_terminal()) {
            bail!(
                "fix -i needs a terminal to ask on (standard input and standard error are not \
                 both terminals); use --dry-run to review the changes, or fix without -i"
            );
        }
    }
    let runs = super::inputs::prepare(&args.inputs)?;
    let policy = Policy {
        unsafe_fixes: args.unsafe_fixes,
        display_only: false,
    };
    let err_color = args.color.enabled(io::stderr().is_terminal());
    let mut approver: Box<dyn Approver> = if args.interactive {
        Box::new(super::prompt::Prompt::new(err_color))
    } else {
        Box::new(ApproveAll)
    };
    let rules = super::inputs::all_selected(&runs);
    let first_version = runs[0].version;
    let nginx = if args.no_verify {
        None
    } else {
        Nginx::installed()
    };

    // A large tree's fix loop and `nginx -t` take seconds: said on a
    // terminal, except while -i asks its questions there.
    let progress = Progress::steps(
        !args.interactive
            && progress::wanted(args.inputs.quiet)
            && super::inputs::bytes(&runs) > progress::TREE_ABOVE,
    );
    let mut outcomes = Vec::new();
    'runs: for run in runs {
        // Each tree starts from the backend files as the trees before it
        // left them.
        let mut options = run.options.clone();
        for (config, reading) in run.inputs {
            let job = Job {
                rules: &run.rules.selected,
                options: &options,
                version: run.version,
                policy,
            };
            if let Some(note) = reading.note() {
                progress.suspend(|| eprintln!("note: {note}"));
            }
            progress.step(format!(
                "fixing {} with {}",
                config.file(config.entry()).display_path(),
                plural(run.rules.selected.len(), "rule")
            ));
            let mut outcome = session::fix(&job, config, approver.as_mut())?;
            // Checked before anything is shown or written; fixes the
            // rules cannot agree on are not worth checking.
            if let (Some(nginx), None) = (nginx, unsettled(&outcome)) {
                progress.step("checking the fixed configuration with nginx -t".to_string());
                outcome = super::fix_verify::verified(nginx, &job, outcome, args.interactive)?;
            }
            options.facts = outcome.facts.clone();
            let quit = outcome.stop == Stop::Quit;
            outcomes.push(outcome);
            if quit {
                break 'runs; // the trees after this one are left as they are
            }
        }
    }
    drop(progress);
    for outcome in &outcomes {
        report_edits_outside(outcome);
    }
    for outcome in &outcomes {
        report_reverted(outcome);
    }
    let unsettled = outcomes.iter().find_map(unsettled);

    let backends = backend_changes(&outcomes);
    let changed = outcomes.iter().any(|o| o.changes().next().is_some()) || !backends.is_empty();
    if let (true, Some(message)) = (args.dry_run, &unsettled) {
        // No diff of a result the rules do not agree on.
        bail!("{message}; nothing to show");
    }
    let json = |out: &mut dyn Write, written: bool| -> io::Result<()> {
        let run = FixRun {
            outcomes: &outcomes,
            backend_files: backends
                .iter()
                .map(|c| ChangedFile {
                    path: c.path.display().to_string(),
                    kind: "backend",
                    original: &c.original,
                    fixed: &c.fixed,
                })
                .collect(),
            nginx_version: first_version,
            dry_run: args.dry_run,
            written,
            verified: nginx.is_some() && !args.no_verify && changed,
            held_back: outcomes.iter().map(|o| o.held_back(policy)).sum(),
        };
        fix_report::write_json(out, &run)?;
        out.flush()
    };
    if args.dry_run && args.format == FixFormat::Json {
        json(out, false)?;
        say_unverified(!args.no_verify, nginx, changed);
        return Ok(u8::from(changed));
    }
    if args.dry_run {
        let color = args.color.enabled(io::stdout().is_terminal());
        // Every file of the diff, nginx's then the backends', with the
        // paths `git apply` and `patch -p1` take.
        let mut files: Vec<(&std::path::Path, &[u8], &[u8])> = Vec::new();
        for outcome in &outcomes {
            for (file, original, fixed) in outcome.changes() {
                files.push((&outcome.config.file(file).path, original, fixed));
            }
        }
        for change in &backends {
            files.push((&change.path, &change.original, &change.fixed));
        }
        let cwd = std::env::current_dir()?;
        let named: Vec<&std::path::Path> = files.iter().map(|(path, _, _)| *path).collect();
        let (paths, base) = diff::diff_paths(&cwd, &named);
        let diffs: Vec<(&str, &[u8], &[u8])> = files
            .iter()
            .zip(&paths)
            .map(|((_, original, fixed), path)| (path.as_str(), *original, *fixed))
            .collect();
        diff::unified_each(out, &diffs, color)?;
        out.flush()?;
        let mut err = io::stderr().lock();
        summarize(&mut err, &outcomes, backends.len(), policy, true, err_color)?;
        if !files.is_empty() && !from_stdin {
            writeln!(err, "In the diff, {}.", base.how_to_apply())?;
        }
        say_unverified(!args.no_verify, nginx, changed);
        return Ok(u8::from(changed));
    }
    if let Some(message) = unsettled {
        bail!("{message}; nothing was written");
    }
    if from_stdin {
        refuse_disk_changes(&outcomes, &backends)?;
    } else {
        refuse_dump_changes(&outcomes)?;
    }
    say_unverified(!args.no_verify, nginx, changed);

    let mut disk = Vec::new();
    for outcome in &outcomes {
        for (file, original, fixed) in outcome.changes() {
            let source = outcome.config.file(file);
            if source.origin == FileOrigin::Disk {
                disk.push(Change {
                    path: &source.path,
                    original,
                    fixed,
                });
            }
        }
    }
    disk.extend(backends.iter().map(|c| Change {
        path: &c.path,
        original: &c.original,
        fixed: &c.fixed,
    }));
    let options = WriteOptions {
        in_place_ok: args.in_place_ok,
        respect_readonly: args.respect_readonly,
    };
    super::write_changes(&disk, &options)?;
    let remaining: usize = outcomes.iter().map(|o| o.remaining.len()).sum();
    if args.format == FixFormat::Json {
        // Standard input's fixed text is in the report, not written.
        json(out, changed && !from_stdin)?;
    } else if from_stdin {
        for outcome in &outcomes {
            print_stdin_result(out, &outcome.config)?;
        }
        out.flush()?;
        summarize(
            &mut io::stderr().lock(),
            &outcomes,
            backends.len(),
            policy,
            false,
            err_color,
        )?;
    } else {
        let color = args.color.enabled(io::stdout().is_terminal());
        summarize(out, &outcomes, backends.len(), policy, false, color)?;
        if remaining > 0 {
            writeln!(out)?;
            let mut report =
                Report::begin(ReportFormat::Text { color }, out, &rules, first_version)?;
            for finding in outcomes.iter().flat_map(|o| &o.remaining) {
                report.finding(finding)?;
            }
            report.finish()?;
        }
    }
    Ok(u8::from(remaining > 0))
}

/// A site file (checked through the nginx.conf that includes it, or as a
/// fragment) is fixed for its own findings, but a fix may edit another
/// file of the tree (a header is added where the block's headers come
/// from, a snippet it includes): said, so that no edit outside the named
/// file goes unnoticed.
fn report_edits_outside(outcome: &FixOutcome) {
    let config = &outcome.config;
    if config.entry() == FileId::FIRST {
        return; // a whole configuration: every file of it is the user's
    }
    let outside: Vec<String> = outcome
        .changes()
        .map(|(file, _, _)| file)
        .filter(|&file| file != config.entry())
        .map(|file| config.file(file).display_path())
        .collect();
    if !outside.is_empty() {
        eprintln!(
            "note: fixing {} also changes {}, in the tree that includes it",
            config.file(config.entry()).display_path(),
            outside.join(", ")
        );
    }
}

/// The files of an `nginx -T` dump read from a file are copies: there is
/// nowhere to write their fixes but the dump, which nginx does not read.
/// (A dump on standard input gets its fixed files on standard output.)
fn refuse_dump_changes(outcomes: &[FixOutcome]) -> anyhow::Result<()> {
    let dumped = outcomes
        .iter()
        .any(|o| o.config.main().origin == FileOrigin::Dump && o.changes().next().is_some());
    if dumped {
        bail!(
            "the configuration is an `nginx -T` dump, whose files are copies of the server's: \
             nothing was written. Take the changes to the server as a patch: \
             `ngxfix fix --dry-run DUMP > fix.patch`, then `patch -p1 -d / < fix.patch` there"
        );
    }
    Ok(())
}

/// Fixes taken back: bugs in rules, said plainly.
fn report_reverted(outcome: &FixOutcome) {
    for reverted in &outcome.reverted {
        eprintln!(
            "warning: {}: the fix of {} was not applied: {}\n  (a rule's fix should never do this; please report it)",
            reverted.location, reverted.rule, reverted.reason
        );
    }
}

/// Why a loop that did not settle cannot be trusted, naming the rules
/// whose fixes keep changing the text: rules that write one directive in
/// one block with different values (a house rule against a built-in one),
/// or fixes that undo each other.
fn unsettled(outcome: &FixOutcome) -> Option<String> {
    if outcome.stop != Stop::PassLimit {
        return None;
    }
    let recent = outcome
        .applied
        .iter()
        .filter(|a| a.pass + 2 > outcome.passes);
    let mut writers: BTreeMap<&ngxfix::fix::Claim, Vec<&str>> = BTreeMap::new();
    for applied in recent {
        for claim in &applied.claims {
            let rules = writers.entry(claim).or_default();
            if !rules.contains(&applied.rule.as_str()) {
                rules.push(&applied.rule);
            }
        }
    }
    if let Some((claim, rules)) = writers.iter().find(|(_, rules)| rules.len() > 1) {
        let config = &outcome.config;
        let place = match claim.block {
            Some((file, index)) => {
                let source = config.file(file);
                let block = source.tree.directive(index);
                format!(
                    "in {} {}({}:{})",
                    block.name().value(),
                    block
                        .args()
                        .next()
                        .map(|a| format!("{} ", a.value()))
                        .unwrap_or_default(),
                    source.display_path(),
                    block.line_col().line
                )
            }
            None => "at the top of the configuration".to_string(),
        };
        let what = std::iter::once(claim.directive.as_str())
            .chain(claim.key.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        return Some(format!(
            "conflicting fixes: {} each set `{what}` {place} to a value of its own, so the \
             fixes never settle; keep one of these rules (--ignore the other, or set its \
             parameters to agree)",
            rules.join(" and ")
        ));
    }
    // The rules still fixing in the last passes: one pass is not enough to
    // see both sides of a pair undoing each other.
    let mut rules: Vec<&str> = outcome
        .applied
        .iter()
        .filter(|a| a.pass + 2 > outcome.passes)
        .map(|a| a.rule.as_str())
        .collect();
    rules.sort_unstable();
    rules.dedup();
    Some(format!(
        "the fixes of {} did not settle after {} passes (they keep changing what \
         they changed); this is a bug in those rules: please report it, and leave them \
         out with --ignore meanwhile",
        rules.join(", "),
        session::MAX_PASSES,
    ))
}

/// A configuration read from standard input is printed, not written: a fix
/// in a file it includes from disk cannot be delivered that way.
fn refuse_disk_changes(outcomes: &[FixOutcome], backends: &[BackendChange]) -> anyhow::Result<()> {
    let on_disk: Vec<String> = outcomes
        .iter()
        .flat_map(|o| {
            o.changes()
                .map(|(file, _, _)| o.config.file(file))
                .filter(|f| f.origin == FileOrigin::Disk)
                .map(|f| f.display_path())
        })
        .collect();
    if !on_disk.is_empty() {
        bail!(
            "fixes would change files the configuration on standard input includes from \
             disk ({}); nothing was written. Run `ngxfix fix` on the main file instead, or \
             see the changes with --dry-run",
            on_disk.join(", ")
        );
    }
    if !backends.is_empty() {
        let paths: Vec<String> = backends
            .iter()
            .map(|c| c.path.display().to_string())
            .collect();
        bail!(
            "fixes would change backend configuration files ({}) while the nginx \
             configuration comes from standard input, whose fixed text goes to standard \
             output; nothing was written. See the changes with --dry-run",
            paths.join(", ")
        );
    }
    Ok(())
}

/// A backend configuration file the fixes changed, over every tree.
struct BackendChange {
    path: std::path::PathBuf,
    original: Vec<u8>,
    fixed: Vec<u8>,
}

/// The backend files the fixes changed: each file's text before the first
/// tree and after the last.
fn backend_changes(outcomes: &[FixOutcome]) -> Vec<BackendChange> {
    let mut changes: Vec<BackendChange> = Vec::new();
    for outcome in outcomes {
        for (path, original, fixed) in outcome.backend_changes() {
            match changes.iter_mut().find(|c| c.path == path) {
                Some(change) => change.fixed = fixed.to_vec(),
                None => changes.push(BackendChange {
                    path: path.to_path_buf(),
                    original: original.to_vec(),
                    fixed: fixed.to_vec(),
                }),
            }
        }
    }
    changes.retain(|c| c.original != c.fixed);
    changes
}

/// Without nginx there was no `nginx -t`: said once, when something
/// changed and a check was wanted.
fn say_unverified(wanted: bool, nginx: Option<&Nginx>, changed: bool) {
    if wanted && nginx.is_none() && changed {
        eprintln!(
            "note: nginx is not installed here, so the result was not checked with `nginx -t`"
        );
    }
}

/// The fixed text of a tree read from standard input: the file itself, or
/// for an `nginx -T` dump every file under its header.
fn print_stdin_result(out: &mut dyn Write, config: &ConfigTree) -> io::Result<()> {
    let files = config.files();
    let entry = config.file(config.entry());
    if entry.origin == FileOrigin::Stdin {
        return out.write_all(entry.tree.text());
    }
    for file in files {
        writeln!(out, "# configuration file {}:", file.path.display())?;
        out.write_all(file.tree.text())?;
        writeln!(out)?;
    }
    Ok(())
}

/// What was fixed, per file and rule, and what was held back.
fn summarize(
    out: &mut dyn Write,
    outcomes: &[FixOutcome],
    backend_files: usize,
    policy: Policy,
    dry_run: bool,
    color: bool,
) -> io::Result<()> {
    // file path → rule → fixes that changed the file: a fix is listed
    // under every file it edited, which is not always its finding's file.
    let mut fixed: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut total = 0;
    for outcome in outcomes {
        for applied in &outcome.applied {
            let nginx = applied
                .edited
                .iter()
                .map(|&file| outcome.config.file(file).display_path());
            let backends = applied
                .edited_backends
                .iter()
                .map(|&file| outcome.facts.file(file).display());
            for path in nginx.chain(backends) {
                *fixed
                    .entry(path)
                    .or_default()
                    .entry(&applied.rule)
                    .or_default() += 1;
            }
            total += 1;
        }
    }
    let files: usize = outcomes.iter().map(|o| o.changes().count()).sum::<usize>() + backend_files;
    if total > 0 {
        let verb = if dry_run { "Would fix" } else { "Fixed" };
        let line = format!(
            "{verb} {} in {}:",
            plural(total, "finding"),
            plural(files, "file")
        );
        writeln!(out, "{}", Paint(color).wrap("1", &line))?;
        for (path, rules) in &fixed {
            let counts: Vec<String> = rules
                .iter()
                .map(|(rule, n)| format!("{n} × {rule}"))
                .collect();
            writeln!(out, "  {path}: {}", counts.join(", "))?;
        }
    } else {
        writeln!(out, "Nothing to fix.")?;
    }
    let declined: usize = outcomes.iter().map(|o| o.declined).sum();
    if declined > 0 {
        writeln!(out, "{} declined.", plural(declined, "change"))?;
    }
    if outcomes.iter().any(|o| o.stop == Stop::Quit) {
        writeln!(
            out,
            "Stopped on quit: the changes accepted before it are kept, nothing else is applied."
        )?;
    }
    let held: usize = outcomes.iter().map(|o| o.held_back(policy)).sum();
    if held > 0 {
        writeln!(
            out,
            "{} held back; rerun with --unsafe-fixes to apply {} (read `ngxfix explain RULE` first).",
            plural(held, "unsafe fix"),
            if held == 1 { "it" } else { "them" }
        )?;
    }
    Ok(())
}
