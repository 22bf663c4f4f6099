//! What `check` and `fix` share: the rules, the nginx version, the backend
//! facts and the configuration trees they run on.

use anyhow::Context;

use crate::cli::Inputs;
use ngxfix::config::ConfigTree;
use ngxfix::model::Version;
use ngxfix::rules::{facts, Backends, RunOptions};

use super::rulesets::{self, RuleSet};

/// Everything a run needs, loaded and checked.
pub struct Prepared {
    pub rules: RuleSet,
    pub version: Version,
    pub options: RunOptions,
    /// One tree per path given (the default main file when none).
    pub configs: Vec<ConfigTree>,
}

/// Load rules, settings, facts and every tree. A bad tree stops the run
/// before any output.
pub fn prepare(inputs: &Inputs) -> anyhow::Result<Prepared> {
    let rules = rulesets::load(&inputs.source)?;
    let version = match inputs.nginx_version.as_deref().or(rules
        .settings
        .settings
        .nginx_version
        .as_deref())
    {
        Some(text) => text
            .parse::<Version>()
            .context("reading the nginx version (--nginx-version or nginx_version)")?,
        None => Version::ASSUMED,
    };
    let mut backends = Backends::default();
    for (name, backend) in rules.settings.backends()? {
        backends.insert(&name, backend);
    }
    for assignment in &inputs.backends {
        let (name, backend) = facts::parse_assignment(assignment).map_err(anyhow::Error::msg)?;
        backends.insert(&name, backend);
    }
    let options = RunOptions {
        params: rules.params.clone(),
        backends,
        report_unused_suppressions: rules.unused_suppressions,
        known_rules: rules.all.iter().map(|r| r.id.clone()).collect(),
    };
    let configs = if inputs.paths.is_empty() {
        vec![super::load(None, !inputs.no_includes)?]
    } else {
        inputs
            .paths
            .iter()
            .map(|path| super::load(Some(path), !inputs.no_includes))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    Ok(Prepared {
        rules,
        version,
        options,
        configs,
    })
}
