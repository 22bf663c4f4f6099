//! `fix` checks its result with `nginx -t` (on a temporary copy) before
//! anything is shown or written. When nginx rejects the fixed tree but
//! accepts the original, the fixes that wrote the line nginx names are
//! dropped, the loop runs again without them, and the rest is checked
//! again: one bad fix no longer costs every other one. What was dropped is
//! said, with its rule, its place and nginx's words.

use anyhow::bail;

use ngxfix::fix::session::{self, ApproveAll, Excluded, FixOutcome, Job};
use ngxfix::nginx::Nginx;
use ngxfix::verify::{self, TreeFile, Verification};

/// Rounds of dropping fixes before giving up: each round drops at least
/// one fix, and a tree rarely has more than a few bad ones.
const MAX_ROUNDS: usize = 8;

/// The outcome of `job` on one tree, with the fixes nginx rejects left
/// out. `interactive`: the fixes were approved one by one, so they are not
/// silently re-chosen; a rejection then stops everything, naming the fix.
pub fn verified(
    nginx: &Nginx,
    job: &Job<'_>,
    mut outcome: FixOutcome,
    interactive: bool,
) -> anyhow::Result<FixOutcome> {
    let mut excluded: Vec<Excluded> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        if outcome.changes().next().is_none() {
            return Ok(outcome);
        }
        let output = match verify_outcome(nginx, &outcome)? {
            Verification::Passed => return Ok(outcome),
            Verification::Unverifiable { output } => {
                eprintln!(
                    "warning: `nginx -t` rejects the original configuration of {} too, so the \
                     fixes could not be verified. nginx said:\n{}",
                    entry_path(&outcome),
                    output.trim_end()
                );
                return Ok(outcome);
            }
            Verification::Broken { output } => output,
        };
        let culprits = culprits(&outcome, &output);
        let named: Vec<String> = culprits
            .iter()
            .map(|a| format!("{} at {}", a.rule, a.location))
            .collect();
        if culprits.is_empty() || interactive {
            let which = if named.is_empty() {
                String::new()
            } else {
                format!(
                    " The line nginx names was written by the fix of {}.",
                    named.join(", ")
                )
            };
            bail!(
                "`nginx -t` rejects the fixed configuration of {} but accepts the original, so \
                 nothing was written.{which} nginx said:\n{}",
                entry_path(&outcome),
                output.trim_end()
            );
        }
        let said = verify::error_position(&output).map_or_else(
            || output.lines().next().unwrap_or_default().to_string(),
            |(_, _, message)| message,
        );
        for applied in &culprits {
            eprintln!(
                "warning: the fix of {} for {} (as the file read before fixing) was not \
                 applied: `nginx -t` rejects it ({said})",
                applied.rule, applied.location
            );
            // A fix of the first pass is known by its finding; one of a
            // later pass only by its rule and file.
            excluded.push(if applied.pass == 1 {
                Excluded::Finding(applied.key.clone())
            } else {
                Excluded::RuleInFile(applied.rule.clone(), applied.key.1)
            });
        }
        outcome = session::fix_excluding(job, outcome.into_original(), &mut ApproveAll, &excluded)?;
    }
    bail!(
        "`nginx -t` still rejects the fixed configuration of {} after {MAX_ROUNDS} fixes were \
         left out, so nothing was written",
        entry_path(&outcome)
    )
}

/// The applied fixes that wrote the line nginx's error names.
fn culprits<'o>(outcome: &'o FixOutcome, output: &str) -> Vec<&'o session::Applied> {
    let Some((path, line, _)) = verify::error_position(output) else {
        return Vec::new();
    };
    let Some((file, _)) = outcome.config.files_with_ids().find(|(_, f)| {
        f.path == path || std::path::absolute(&f.path).is_ok_and(|absolute| absolute == path)
    }) else {
        return Vec::new();
    };
    outcome.fixes_at(file, line)
}

/// `nginx -t` on the fixed tree, and on the original when it fails.
fn verify_outcome(nginx: &Nginx, outcome: &FixOutcome) -> anyhow::Result<Verification> {
    let files = outcome.config.files();
    let fixed: Vec<TreeFile<'_>> = files
        .iter()
        .map(|f| TreeFile {
            path: &f.path,
            text: f.tree.text(),
        })
        .collect();
    let original: Vec<TreeFile<'_>> = outcome
        .config
        .files_with_ids()
        .map(|(id, f)| TreeFile {
            path: &f.path,
            text: outcome
                .originals
                .get(&id)
                .map_or(f.tree.text(), Vec::as_slice),
        })
        .collect();
    Ok(verify::verify(nginx, &original, &fixed)?)
}

fn entry_path(outcome: &FixOutcome) -> String {
    outcome.config.file(outcome.config.entry()).display_path()
}
