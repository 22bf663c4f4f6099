//! Building the rule set a command runs: built-in rules, the settings
//! file's rule folders, `--rules`, then `--select` / `--ignore`.

use std::collections::BTreeMap;

use anyhow::{bail, Context};

use crate::cli::RuleSource;
use ngxfix::rules::{load, Rule, UNUSED_SUPPRESSION};
use ngxfix::settings::{self, Loaded};

/// Rules loaded for a command.
pub struct RuleSet {
    /// Every rule that exists (for suppression comments and `explain`).
    pub all: Vec<Rule>,
    /// The rules to run.
    pub selected: Vec<Rule>,
    /// Whether `unused-suppression` findings are wanted.
    pub unused_suppressions: bool,
    /// Parameter overrides by rule id, checked against the rules.
    pub params: BTreeMap<String, BTreeMap<String, String>>,
    pub settings: Loaded,
}

/// Load settings (`--config`, else the nearest `ngxfix.toml` from the
/// working directory up) and rules, and apply the selection.
pub fn load(source: &RuleSource) -> anyhow::Result<RuleSet> {
    let cwd = std::env::current_dir().context("reading the working directory")?;
    load_with(
        source,
        ngxfix::disk::settings::load(source.config.as_deref(), &cwd)?,
    )
}

/// Load rules with `settings` already read, and apply the selection.
pub fn load_with(source: &RuleSource, settings: Loaded) -> anyhow::Result<RuleSet> {
    let mut all = load::builtin()?;
    for path in settings.rule_paths().iter().chain(&source.rules) {
        all.extend(ngxfix::disk::rules::from_path(path)?);
    }
    load::check_unique(&all)?;

    // A selection names rule ids or categories (`--select security`).
    let known = |name: &str| {
        name == UNUSED_SUPPRESSION || all.iter().any(|r| r.id == name || r.category == name)
    };
    let select: &[String] = if source.select.is_empty() {
        &settings.settings.select
    } else {
        &source.select
    };
    let ignore: Vec<&String> = settings
        .settings
        .ignore
        .iter()
        .chain(&source.ignore)
        .collect();
    for name in select.iter().chain(ignore.iter().copied()) {
        if !known(name) {
            let mut categories: Vec<&str> = all.iter().map(|r| r.category.as_str()).collect();
            categories.sort_unstable();
            categories.dedup();
            bail!(
                "unknown rule id or category \"{name}\" in the selection (see `ngxfix rules`; categories: {}; ids: {})",
                categories.join(", "),
                all.iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    for (glob, rules) in &settings.settings.per_file_ignores {
        if let Some(name) = rules.iter().find(|name| !known(name.get_ref())) {
            return Err(ngxfix::settings::SettingsError::Invalid {
                path: settings_path(&settings),
                error: ngxfix::syntax::SourceError::at(
                    settings.text.as_bytes(),
                    name.span().start,
                    format!(
                        "[per-file-ignores] \"{glob}\": no rule or category \"{}\"",
                        name.get_ref()
                    ),
                    Some("name rule ids or categories, as `ngxfix rules` lists them".to_string()),
                ),
            }
            .into());
        }
    }
    let names = |list: &[&String], rule: Option<&Rule>, id: &str| {
        list.iter()
            .any(|s| s.as_str() == id || rule.is_some_and(|r| r.category == s.as_str()))
    };
    let select_refs: Vec<&String> = select.iter().collect();
    let chosen = |rule: Option<&Rule>, id: &str| {
        (select.is_empty() || names(&select_refs, rule, id)) && !names(&ignore, rule, id)
    };
    let selected = all
        .iter()
        .filter(|r| chosen(Some(r), &r.id))
        .cloned()
        .collect();
    let unused_suppressions = chosen(None, UNUSED_SUPPRESSION);

    let mut params = BTreeMap::new();
    for (rule_id, values) in &settings.settings.params {
        let Some(rule) = all.iter().find(|r| &r.id == rule_id) else {
            bail!(
                "{}: [params.{rule_id}]: no such rule",
                settings_path(&settings)
            );
        };
        for (name, value) in values {
            if let Some(param) = rule.params.get(name) {
                if let Err(why) = value.get_ref().fits(&param.default) {
                    return Err(ngxfix::settings::SettingsError::Invalid {
                        path: settings_path(&settings),
                        error: ngxfix::syntax::SourceError::at(
                            settings.text.as_bytes(),
                            value.span().start,
                            format!("[params.{rule_id}] {name}: {why}"),
                            Some(format!("the rule would compare with it and never fire; see `ngxfix explain {rule_id}`")),
                        ),
                    }
                    .into());
                }
            }
            if !rule.params.contains_key(name) {
                let declared: Vec<&str> = rule.params.keys().map(String::as_str).collect();
                bail!(
                    "{}: [params.{rule_id}] {name}: the rule has no such parameter (it has: {})",
                    settings_path(&settings),
                    if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    }
                );
            }
        }
        params.insert(
            rule_id.clone(),
            values
                .iter()
                .map(|(k, v)| (k.clone(), v.get_ref().to_string()))
                .collect(),
        );
    }
    Ok(RuleSet {
        all,
        selected,
        unused_suppressions,
        params,
        settings,
    })
}

fn settings_path(settings: &Loaded) -> String {
    settings.path.as_ref().map_or_else(
        || settings::FILE_NAME.to_string(),
        |p| p.display().to_string(),
    )
}
