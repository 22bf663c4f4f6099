//! `ngxfix.toml`: project settings (rule selection, extra rule folders,
//! rule parameters, the nginx version, backends), found in the working
//! directory or its parents unless `--config` names one (by
//! `crate::disk::settings`, which reads it; here it is parsed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_spanned::Spanned;

use crate::config::paths::Anchor;
use crate::rules::facts::{
    duration, known_kinds, parse_front, parse_spec, AssumeError, Front, Prefer, Spec,
};
use crate::rules::file_ignores::FileIgnores;
use crate::rules::schema::ParamValue;
use crate::syntax::SourceError;

/// The file name looked for.
pub const FILE_NAME: &str = "ngxfix.toml";

/// Settings as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Only these rules (ids); default: all.
    #[serde(default)]
    pub select: Vec<String>,
    /// Not these rules.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Extra rule files or folders, relative to the settings file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// The nginx version the configuration runs on.
    pub nginx_version: Option<String>,
    /// Rule parameters: `[params.RULE] NAME = VALUE`.
    #[serde(default)]
    pub params: BTreeMap<String, BTreeMap<String, Spanned<ParamValue>>>,
    /// Backends by upstream name: `[backends.NAME] kind = "gunicorn"` or
    /// `idle_timeout = "5s"`.
    #[serde(default)]
    pub backends: BTreeMap<String, BackendSettings>,
    /// The backend to assume behind every upstream that is neither
    /// declared in `backends` nor hinted at by the configuration: a server
    /// kind (`"gunicorn"`) or an idle timeout (`"2s"`).
    pub assume_backend: Option<String>,
    /// The load balancer in front of nginx: `[front_lb] kind = "aws-alb"`
    /// or `idle_timeout = "60s"`.
    pub front_lb: Option<FrontSettings>,
    /// Directives of third-party modules the nginx in use has
    /// (`"more_set_headers"`, or `"vts_*"` for every name starting so):
    /// never reported as unknown.
    #[serde(default)]
    pub extra_directives: Vec<String>,
    /// Rules left out for some files: `"GLOB" = ["RULE-OR-CATEGORY", ...]`
    /// (ruff's setting of that name). A glob without `/` matches a file's
    /// name anywhere; one with `/` the path from this file's folder.
    #[serde(default, rename = "per-file-ignores", alias = "per_file_ignores")]
    pub per_file_ignores: BTreeMap<String, Vec<Spanned<String>>>,
}

/// One `[backends.NAME]` table: a server kind (its documented default), an
/// idle timeout, or both (the timeout wins).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendSettings {
    /// The server kind (`gunicorn`, `puma`, ...).
    pub kind: Option<String>,
    /// The server's version, where its default changed (`puma` before 7).
    pub version: Option<String>,
    /// The backend's idle keepalive timeout (`5s`, `750ms`).
    pub idle_timeout: Option<String>,
    /// The server's configuration file, read for its idle timeout
    /// (relative to this settings file).
    pub config: Option<PathBuf>,
    /// Which side a timeout fix changes: `nginx` (default) or `backend`.
    pub prefer: Option<Prefer>,
    /// Measure the idle timeout on the upstream's servers (`ngxfix
    /// probe`) instead of taking it from a kind, a duration or a file.
    pub probe: Option<bool>,
}

/// The `[front_lb]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontSettings {
    /// A known load balancer (`aws-alb`).
    pub kind: Option<String>,
    /// Its idle timeout (wins over the kind's).
    pub idle_timeout: Option<String>,
}

/// Settings with where they came from.
#[derive(Debug, Default)]
pub struct Loaded {
    pub settings: Settings,
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// Its text, for errors about a value at its line.
    pub text: String,
}

impl Loaded {
    /// The settings file at `path`, whose text has been read.
    pub fn from_text(path: PathBuf, text: String) -> Result<Loaded, SettingsError> {
        let settings = parse(&text, &path.display().to_string())?;
        Ok(Loaded {
            settings,
            path: Some(path),
            text,
        })
    }

    /// Rule paths resolved against the settings file's folder.
    pub fn rule_paths(&self) -> Vec<PathBuf> {
        let base = self.base();
        self.settings.rules.iter().map(|p| base.join(p)).collect()
    }

    /// The settings file's path for messages.
    pub fn source(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| FILE_NAME.to_string(), |p| p.display().to_string())
    }

    fn invalid(&self, table: &str, message: String) -> SettingsError {
        SettingsError::Value {
            path: self.source(),
            message: format!("[{table}] {message}"),
        }
    }

    /// The folder relative paths in the settings are read from.
    pub fn base(&self) -> &Path {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new(""))
    }

    /// The declared backends: upstream name, spec, and the side a timeout
    /// fix should change when the table says.
    pub fn backends(&self) -> Result<Vec<(String, Spec, Option<Prefer>)>, SettingsError> {
        self.settings
            .backends
            .iter()
            .filter(|(_, b)| b.probe != Some(true))
            .map(|(name, b)| {
                let table = format!("backends.{name}");
                let invalid = |message: String| self.invalid(&table, message);
                let kind = match (&b.kind, &b.version) {
                    (Some(kind), Some(version)) => Some(format!("{kind}@{version}")),
                    (Some(kind), None) => Some(kind.clone()),
                    (None, Some(_)) => return Err(invalid("version: give the kind too".into())),
                    (None, None) => None,
                };
                let spec = match (kind, &b.idle_timeout, &b.config) {
                    (_, Some(_), Some(_)) => {
                        return Err(invalid(
                            "give `idle_timeout` or `config` (the file it is read from), not both"
                                .into(),
                        ))
                    }
                    (None, _, Some(_)) => {
                        return Err(invalid(format!(
                            "config: give the server's kind too ({})",
                            crate::backends::readable_kinds()
                        )))
                    }
                    (Some(kind), None, Some(path)) => {
                        parse_spec(&format!("{kind}:{}", path.display()))
                            .map_err(|e| invalid(e.to_string()))?
                    }
                    (kind, timeout, None) => {
                        let by_kind = match &kind {
                            Some(spec) => match parse_spec(spec) {
                                Ok(Spec::Kind { kind, major }) => Some((kind, major)),
                                _ => {
                                    return Err(invalid(format!(
                                        "kind: \"{spec}\" is not a server kind ({})",
                                        known_kinds()
                                    )))
                                }
                            },
                            None => None,
                        };
                        match (by_kind, timeout) {
                            // The timeout, when given, wins over the kind's default.
                            (by_kind, Some(text)) => Spec::Idle {
                                idle: duration(text).ok_or_else(|| {
                                    invalid(format!(
                                        "idle_timeout: \"{text}\" is not a duration such as 5s or 750ms"
                                    ))
                                })?,
                                kind: by_kind.map(|(kind, _)| kind),
                            },
                            (Some((kind, major)), None) => Spec::Kind { kind, major },
                            (None, None) => {
                                return Err(invalid(
                                    "give `kind` (gunicorn, node, ...), `idle_timeout` (\"5s\") or `kind` and `config` (its configuration file)"
                                        .into(),
                                ))
                            }
                        }
                    }
                };
                Ok((name.clone(), spec, b.prefer))
            })
            .collect()
    }

    /// The backends to measure (`probe = true`): upstream name, and the
    /// side a timeout fix should change when the table says. A table that
    /// also gives what probing measures is refused.
    pub fn probed(&self) -> Result<Vec<(String, Option<Prefer>)>, SettingsError> {
        self.settings
            .backends
            .iter()
            .filter(|(_, b)| b.probe == Some(true))
            .map(|(name, b)| {
                if b.kind.is_some() || b.version.is_some() || b.idle_timeout.is_some() || b.config.is_some() {
                    return Err(self.invalid(
                        &format!("backends.{name}"),
                        "probe = true measures the idle timeout: give it alone (with `prefer` if you like), not with `kind`, `version`, `idle_timeout` or `config`".into(),
                    ));
                }
                Ok((name.clone(), b.prefer))
            })
            .collect()
    }

    /// The backend assumed for every upstream nobody declared
    /// (`assume_backend`): a kind or a duration, never a file.
    pub fn assumed(&self) -> Result<Option<Spec>, SettingsError> {
        let Some(text) = &self.settings.assume_backend else {
            return Ok(None);
        };
        let invalid = |message: String| SettingsError::Value {
            path: self.source(),
            message: format!("assume_backend: {message}"),
        };
        match parse_spec(text).map_err(|e| invalid(e.to_string()))? {
            Spec::File { .. } => Err(invalid(AssumeError.to_string())),
            spec => Ok(Some(spec)),
        }
    }

    /// The `[per-file-ignores]` table, its globs read from this file's
    /// folder (files named from `cwd`). The rule names are checked by the
    /// caller, which knows the rules.
    pub fn file_ignores(&self, cwd: &Path) -> Result<FileIgnores, SettingsError> {
        let entries = self.settings.per_file_ignores.iter().map(|(glob, rules)| {
            (
                glob.clone(),
                rules.iter().map(|r| r.get_ref().clone()).collect(),
            )
        });
        FileIgnores::new(Anchor::new(cwd, self.base()), entries)
            .map_err(|e| self.invalid("per-file-ignores", e.to_string()))
    }

    /// The declared front load balancer.
    pub fn front(&self) -> Result<Option<Front>, SettingsError> {
        let Some(front) = &self.settings.front_lb else {
            return Ok(None);
        };
        let source = self.source();
        let invalid = |message| self.invalid("front_lb", message);
        let by_kind = match &front.kind {
            Some(kind) => Some(parse_front(kind, &source).map_err(|e| invalid(e.to_string()))?),
            None => None,
        };
        let timeout = match &front.idle_timeout {
            Some(text) => Some(parse_front(text, &source).map_err(|e| invalid(e.to_string()))?),
            None => None,
        };
        // The timeout, when given, wins over the kind's default.
        match (by_kind, timeout) {
            (Some(known), Some(timed)) => Ok(Some(Front {
                kind: known.kind,
                ..timed
            })),
            (by_kind, timeout) => timeout
                .or(by_kind)
                .map(Some)
                .ok_or_else(|| invalid("give `kind` (aws-alb) or `idle_timeout` (\"60s\")".into())),
        }
    }
}

/// A settings file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{}", .error.display(.path))]
    Invalid { path: String, error: SourceError },
    #[error("{path}: {message}")]
    Value { path: String, message: String },
}

/// Parse settings text.
pub fn parse(text: &str, path: &str) -> Result<Settings, SettingsError> {
    toml::from_str(text).map_err(|e| SettingsError::Invalid {
        path: path.to_string(),
        error: SourceError::at(
            text.as_bytes(),
            e.span().map_or(0, |s| s.start),
            e.message().trim_end().to_string(),
            None,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::facts::{no_files, Facts};

    #[test]
    fn probed_backends_are_measured_not_declared() {
        let loaded = |text: &str| Loaded {
            settings: parse(text, "ngxfix.toml").unwrap(),
            path: None,
            text: text.to_string(),
        };
        let both = loaded(
            "[backends.app]\nprobe = true\nprefer = \"nginx\"\n[backends.api]\nkind = \"node\"\n",
        );
        assert_eq!(
            both.probed().unwrap(),
            [("app".to_string(), Some(Prefer::Nginx))]
        );
        let declared: Vec<String> = both
            .backends()
            .unwrap()
            .into_iter()
            .map(|(n, _, _)| n)
            .collect();
        assert_eq!(declared, ["api"]);
        let error = loaded("[backends.app]\nprobe = true\nidle_timeout = \"5s\"\n")
            .probed()
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("probe = true measures the idle timeout"),
            "{error}"
        );
        // `probe = false` is an ordinary table.
        assert!(loaded("[backends.app]\nprobe = false\n")
            .backends()
            .is_err());
    }

    #[test]
    fn settings_parse_and_refuse_unknown_keys() {
        let settings = parse(
            "select = [\"a\"]\nnginx_version = \"1.22.1\"\n[params.a]\nmargin = \"2s\"\n[backends.app]\nidle_timeout = \"5s\"\n",
            "ngxfix.toml",
        )
        .unwrap();
        assert_eq!(settings.select, ["a"]);
        assert_eq!(
            settings.params["a"]["margin"].get_ref(),
            &ParamValue::Text("2s".into())
        );
        let loaded = Loaded {
            settings: parse(
                "[backends.app]\nkind = \"puma\"\nversion = \"6.4\"\n[backends.api]\nkind = \"node\"\nidle_timeout = \"65s\"\n[backends.raw]\nidle_timeout = \"750ms\"\n[front_lb]\nkind = \"aws-alb\"\n",
                "ngxfix.toml",
            )
            .unwrap(),
            path: None,
            text: String::new(),
        };
        let mut facts = Facts::default();
        for (name, spec, _) in loaded.backends().unwrap() {
            facts
                .declare(&name, spec, "test", Path::new(""), &no_files)
                .unwrap();
        }
        let backends = &facts.backends;
        let idle = |name: &str| {
            backends
                .get(name)
                .unwrap()
                .idle_timeout()
                .map(|d| d.to_string())
        };
        assert_eq!(idle("app").as_deref(), Some("20s"));
        assert_eq!(idle("api").as_deref(), Some("65s"));
        assert_eq!(backends.get("api").unwrap().kind, Some("node"));
        assert_eq!(idle("raw").as_deref(), Some("750ms"));
        let front = loaded.front().unwrap().unwrap();
        assert_eq!(front.idle_timeout.to_string(), "1m");
        let refused = |text: &str| {
            Loaded {
                settings: parse(text, "ngxfix.toml").unwrap(),
                path: None,
                text: text.to_string(),
            }
            .backends()
            .unwrap_err()
            .to_string()
        };
        assert!(refused("[backends.a]\n").contains("give `kind`"));
        assert!(refused("[backends.a]\nversion = \"6\"\n").contains("give the kind too"));
        assert!(refused("[backends.a]\nkind = \"mongrel\"\n").contains("is not a server kind"));
        assert!(refused("[backends.a]\nkind = \"5s\"\n").contains("is not a server kind"));
        assert!(
            refused("[backends.a]\nidle_timeout = \"gunicorn\"\n").contains("is not a duration")
        );
        let error = parse("selct = []\n", "ngxfix.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("ngxfix.toml:1:1: unknown field `selct`"),
            "{error}"
        );
    }
}
