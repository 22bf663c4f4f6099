//! What `check` and `fix` share: the rules, the nginx version, the declared
//! facts and the configuration trees they run on.

use std::path::Path;

use anyhow::Context;

use crate::cli::Inputs;
use ngxfix::config::ConfigTree;
use ngxfix::fix::verify::Nginx;
use ngxfix::model::Version;
use ngxfix::rules::{facts, Facts, RunOptions};

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
    let version = nginx_version(inputs, &rules)?;
    let mut facts = Facts::default();
    let settings = &rules.settings;
    let source = settings.source();
    for (name, spec, prefer) in settings.backends()? {
        let backend = facts
            .declare(&name, spec, &source, settings.base())
            .map_err(|e| anyhow::anyhow!("{source}: [backends.{name}] {e}"))?;
        backend.prefer = prefer.unwrap_or_default();
    }
    for assignment in &inputs.backends {
        let (name, spec) = facts::parse_assignment(assignment).map_err(anyhow::Error::msg)?;
        facts
            .declare(&name, spec, "--backend", Path::new(""))
            .map_err(|e| anyhow::anyhow!("--backend {assignment}: {e}"))?;
    }
    if let Some(prefer) = inputs.prefer {
        facts.backends.prefer_all(prefer);
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

/// `--nginx-version`, else `nginx_version` of the settings, else what the
/// installed nginx reports, else [`Version::ASSUMED`], said once on
/// standard error since version-dependent rules follow from it.
fn nginx_version(inputs: &Inputs, rules: &RuleSet) -> anyhow::Result<Version> {
    let given = inputs.nginx_version.as_deref().or(rules
        .settings
        .settings
        .nginx_version
        .as_deref());
    if let Some(text) = given {
        return text
            .parse::<Version>()
            .context("reading the nginx version (--nginx-version or nginx_version)");
    }
    let why = match Nginx::find() {
        Some(nginx) => match nginx.version() {
            Ok(version) => return Ok(version),
            Err(why) => why,
        },
        None if std::env::var_os("NGXFIX_NGINX").is_some_and(|v| v.is_empty()) => {
            "NGXFIX_NGINX is empty".to_string()
        }
        None => "no nginx found (NGXFIX_NGINX, PATH, /usr/sbin/nginx)".to_string(),
    };
    eprintln!(
        "note: assuming nginx {} (before 1.29.7, where upstream keepalive must be configured \
         by hand): {why}; give the version with --nginx-version or nginx_version in ngxfix.toml",
        Version::ASSUMED
    );
    Ok(Version::ASSUMED)
}
