//! What `check` and `fix` share: the inputs read, each with the rules,
//! nginx version and declared facts of its settings.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::Inputs;
use ngxfix::config::{ConfigTree, Reading};
use ngxfix::disk::backends::read as read_backend;
use ngxfix::disk::settings;
use ngxfix::model::Version;
use ngxfix::nginx::Nginx;
use ngxfix::rules::{facts, Facts, RunOptions};

use super::reading::{self, ReadOptions};
use super::rulesets::{self, RuleSet};

/// The inputs that share one settings file, with what their run needs.
pub struct Run {
    pub rules: RuleSet,
    pub version: Version,
    /// Where the version came from, for the report.
    pub version_from: String,
    pub options: RunOptions,
    /// The trees read, with how each was read.
    pub inputs: Vec<(ConfigTree, Reading)>,
}

/// Inputs read with the same settings file (`None`: defaults).
type Group = (Option<PathBuf>, Vec<(ConfigTree, Reading)>);

/// Read every input, then load the settings each one uses: `--config`,
/// else the nearest `ngxfix.toml` from the input's directory upwards, else
/// from the working directory upwards. Inputs with the same settings share
/// a run, in the order they were named. A bad input or settings file stops
/// everything before any output.
pub fn prepare(inputs: &Inputs) -> anyhow::Result<Vec<Run>> {
    let cwd = std::env::current_dir().context("reading the working directory")?;
    let options = ReadOptions::new(&inputs.reading, &inputs.limits);
    let paths: Vec<Option<&Path>> = if inputs.paths.is_empty() {
        vec![None]
    } else {
        inputs.paths.iter().map(|p| Some(p.as_path())).collect()
    };
    let mut read = Vec::new();
    for path in paths {
        read.push(reading::read(path, &options)?);
    }
    let read = drop_covered(read, &cwd);
    // Inputs by the settings file they use, in the order first named.
    let mut groups: Vec<Group> = Vec::new();
    for (tree, reading) in read {
        let settings = match &inputs.source.config {
            Some(explicit) => Some(explicit.clone()),
            None => {
                let entry = tree.file(tree.entry());
                let on_disk = entry.origin == ngxfix::config::FileOrigin::Disk;
                // Named relative to the working directory when below it,
                // as the user would write it.
                nearest_settings(&cwd, on_disk.then_some(entry.path.as_path())).map(|found| {
                    found
                        .strip_prefix(&cwd)
                        .map_or(found.clone(), Path::to_path_buf)
                })
            }
        };
        match groups.iter_mut().find(|(s, _)| *s == settings) {
            Some((_, trees)) => trees.push((tree, reading)),
            None => groups.push((settings, vec![(tree, reading)])),
        }
    }
    let detected = std::cell::OnceCell::new();
    groups
        .into_iter()
        .map(|(settings, trees)| prepare_run(inputs, &cwd, settings, trees, &detected))
        .collect()
}

/// The settings file a configuration file on disk uses (`None`: one that
/// is not on disk): the nearest `ngxfix.toml` from the file's folder up,
/// else from the working directory up.
pub fn nearest_settings(cwd: &Path, file: Option<&Path>) -> Option<PathBuf> {
    let dir = file.and_then(|file| cwd.join(file).parent().map(Path::to_path_buf));
    let starts: Vec<&Path> = dir.iter().map(PathBuf::as_path).chain([cwd]).collect();
    settings::find(&starts)
}

/// The inputs without those another input already checks: a file named
/// beside the nginx.conf that includes it (as pre-commit names every
/// changed file, or a shell glob names a whole folder) would otherwise be
/// reported twice, and fixed twice, which `fix` refuses. An input is left
/// out when another one reports its file (its own file or one it
/// includes); of two inputs that report each other's file (the same file
/// named twice), the first is kept. Said on standard error.
fn drop_covered(read: Vec<(ConfigTree, Reading)>, cwd: &Path) -> Vec<(ConfigTree, Reading)> {
    use ngxfix::config::FileOrigin;
    use std::collections::HashSet;
    if read.len() < 2 {
        return read;
    }
    // Files compared by their real path: `./a.conf`, `a.conf` and a link
    // to it are one file.
    let real = |path: &Path| std::fs::canonicalize(cwd.join(path)).ok();
    let entries: Vec<Option<PathBuf>> = read
        .iter()
        .map(|(tree, _)| {
            let entry = tree.file(tree.entry());
            (entry.origin == FileOrigin::Disk)
                .then(|| real(&entry.path))
                .flatten()
        })
        .collect();
    let reported: Vec<HashSet<PathBuf>> = read
        .iter()
        .map(|(tree, _)| {
            tree.files_with_ids()
                .filter(|(id, file)| file.origin == FileOrigin::Disk && tree.reports(*id))
                .filter_map(|(_, file)| real(&file.path))
                .collect()
        })
        .collect();
    let covered_by = |i: usize| {
        let entry = entries[i].as_ref()?;
        (0..read.len()).find(|&j| {
            j != i
                && reported[j].contains(entry)
                // Mutual cover: the same file twice; the first stays.
                && !(entries[j].as_ref().is_some_and(|e| reported[i].contains(e)) && j > i)
        })
    };
    let cover: Vec<Option<usize>> = (0..read.len()).map(covered_by).collect();
    let names: Vec<String> = read
        .iter()
        .map(|(tree, _)| tree.file(tree.entry()).display_path())
        .collect();
    read.into_iter()
        .enumerate()
        .filter_map(|(i, input)| match cover[i] {
            Some(j) => {
                eprintln!(
                    "note: {} is checked once, as part of {}",
                    names[i], names[j]
                );
                None
            }
            None => Some(input),
        })
        .collect()
}

fn prepare_run(
    inputs: &Inputs,
    cwd: &Path,
    settings: Option<PathBuf>,
    trees: Vec<(ConfigTree, Reading)>,
    detected: &std::cell::OnceCell<(Version, String)>,
) -> anyhow::Result<Run> {
    let rules = rulesets::load_with(&inputs.source, settings::load_path(settings)?)?;
    let (version, version_from) = nginx_version(inputs, &rules, detected)?;
    let mut facts = Facts::default();
    let settings = &rules.settings;
    let source = settings.source();
    for (name, spec, prefer) in settings.backends()? {
        let backend = facts
            .declare(&name, spec, &source, settings.base(), &read_backend)
            .map_err(|e| anyhow::anyhow!("{source}: [backends.{name}] {e}"))?;
        backend.prefer = prefer.unwrap_or_default();
    }
    // `probe`: measured on the upstream's servers, once the trees are read.
    let mut probed: Vec<(String, Option<facts::Prefer>)> = settings.probed()?;
    for assignment in &inputs.backends {
        if let Some((name, _)) = assignment
            .split_once('=')
            .filter(|(_, spec)| spec.eq_ignore_ascii_case("probe"))
        {
            probed.retain(|(known, _)| !known.eq_ignore_ascii_case(name));
            probed.push((name.to_string(), None));
            continue;
        }
        let (name, spec) = facts::parse_assignment(assignment).map_err(anyhow::Error::msg)?;
        facts
            .declare(&name, spec, "--backend", Path::new(""), &read_backend)
            .map_err(|e| anyhow::anyhow!("--backend {assignment}: {e}"))?;
    }
    if !probed.is_empty() {
        let names: Vec<String> = probed.iter().map(|(name, _)| name.clone()).collect();
        let configs: Vec<&ConfigTree> = trees.iter().map(|(tree, _)| tree).collect();
        let verdicts = super::probe::backends(
            &configs,
            &names,
            inputs.probe_cache.as_deref(),
            inputs.allow_public,
            super::progress::wanted(inputs.quiet),
        )?;
        for (name, verdict) in verdicts {
            let backend =
                facts.declare_measured(&name, verdict.idle(), verdict.detail(), "a probe");
            let prefer = probed.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name));
            backend.prefer = prefer.and_then(|(_, p)| *p).unwrap_or_default();
        }
    }
    if let Some(prefer) = inputs.prefer {
        facts.backends.prefer_all(prefer);
    }
    let assumed = match &inputs.assume_backend {
        Some(text) => Some((
            facts::parse_spec(text).map_err(|e| anyhow::anyhow!("--assume-backend {text}: {e}"))?,
            "--assume-backend".to_string(),
        )),
        None => settings.assumed()?.map(|spec| (spec, source.clone())),
    };
    if let Some((spec, from)) = assumed {
        facts
            .assume(spec, &from)
            .map_err(|e| anyhow::anyhow!("{from}: {e}"))?;
    }
    facts.front = match &inputs.front_lb {
        Some(spec) => Some(
            facts::parse_front(spec, "--front-lb")
                .map_err(|e| anyhow::anyhow!("--front-lb {spec}: {e}"))?,
        ),
        None => rules.settings.front()?,
    };
    let options = RunOptions {
        params: rules.params.clone(),
        facts,
        report_unused_suppressions: rules.unused_suppressions,
        known_rules: rules.all.iter().map(|r| r.id.clone()).collect(),
        known_directives: ngxfix::model::accepts::Known {
            extra: rules.settings.settings.extra_directives.clone(),
        },
        file_ignores: rules.settings.file_ignores(cwd)?,
        // Set by the fix session when its approver edits values.
        fix_values: false,
    };
    Ok(Run {
        rules,
        version,
        version_from,
        options,
        inputs: trees,
    })
}

/// `--nginx-version`, else `nginx_version` of the settings, else what the
/// installed nginx reports, else [`Version::ASSUMED`], said once on
/// standard error since version-dependent rules follow from it. With
/// where it came from.
fn nginx_version(
    inputs: &Inputs,
    rules: &RuleSet,
    detected: &std::cell::OnceCell<(Version, String)>,
) -> anyhow::Result<(Version, String)> {
    if let Some(text) = &inputs.nginx_version {
        let version = text
            .parse::<Version>()
            .context("reading the nginx version (--nginx-version)")?;
        return Ok((version, "--nginx-version".to_string()));
    }
    if let Some(text) = &rules.settings.settings.nginx_version {
        let source = rules.settings.source();
        let version = text
            .parse::<Version>()
            .with_context(|| format!("reading the nginx version (nginx_version in {source})"))?;
        return Ok((version, format!("nginx_version in {source}")));
    }
    Ok(detected.get_or_init(installed_version).clone())
}

/// The version the installed nginx reports, with how it was asked
/// (`/usr/sbin/nginx -v`); else why there is none.
pub fn installed_nginx_version() -> Result<(Version, String), String> {
    match Nginx::installed() {
        Some(nginx) => match nginx.version() {
            Ok(version) => Ok((version, format!("{} -v", nginx.program().display()))),
            Err(why) => Err(why.to_string()),
        },
        None if std::env::var_os("NGXFIX_NGINX").is_some_and(|v| v.is_empty()) => {
            Err("NGXFIX_NGINX is empty".to_string())
        }
        None => Err("no nginx found (NGXFIX_NGINX, PATH, /usr/sbin/nginx)".to_string()),
    }
}

/// What the installed nginx says, else [`Version::ASSUMED`] with a note.
fn installed_version() -> (Version, String) {
    let why = match installed_nginx_version() {
        Ok(found) => return found,
        Err(why) => why,
    };
    eprintln!(
        "note: {}",
        Version::assumed_note(
            &why,
            "give the version with --nginx-version or nginx_version in ngxfix.toml"
        )
    );
    (Version::ASSUMED, "the default: no nginx to ask".to_string())
}

/// The bytes of every file the runs read: whether a run is long enough to
/// show its progress.
pub fn bytes(runs: &[Run]) -> u64 {
    runs.iter()
        .flat_map(|run| &run.inputs)
        .flat_map(|(config, _)| config.files())
        .map(|file| file.tree.text().len() as u64)
        .sum()
}

/// The rules every run selected, each once (SARIF describes them all).
pub fn all_selected(runs: &[Run]) -> Vec<ngxfix::rules::Rule> {
    let mut rules: Vec<ngxfix::rules::Rule> = Vec::new();
    for rule in runs.iter().flat_map(|run| &run.rules.selected) {
        if !rules.iter().any(|r| r.id == rule.id) {
            rules.push(rule.clone());
        }
    }
    rules
}

/// Where the runs' nginx versions came from, for the report: one source,
/// or each version with its source when settings files differ.
pub fn versions_from(runs: &[Run]) -> String {
    let mut seen: Vec<(Version, &str)> = Vec::new();
    for run in runs {
        if !seen.contains(&(run.version, run.version_from.as_str())) {
            seen.push((run.version, &run.version_from));
        }
    }
    match seen.as_slice() {
        [(_, from)] => from.to_string(),
        many => many
            .iter()
            .map(|(version, from)| format!("{version} from {from}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}
