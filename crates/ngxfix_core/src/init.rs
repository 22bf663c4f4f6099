//! What `ngxfix init` writes: an `ngxfix.toml` for a configuration, with
//! the nginx version it runs on and one `[backends.NAME]` table per
//! upstream whose backend decides the keep-alive rules, each declared,
//! guessed from the configuration's own hints (and said to be a guess), or
//! left commented out. The command finds the facts (the installed nginx,
//! the answers); here they become text, which [`crate::settings`] reads
//! back.

use crate::backends::kinds::{ServerKind, SERVER_KINDS};
use crate::model::hints::{backend_hint, Hint};
use crate::model::reuse::reached_upstreams;
use crate::model::{Model, Node, Version};
use crate::rules::facts::{parse_spec, Spec, SpecError};
use crate::settings::FILE_NAME;

/// An upstream a `*_pass` reaches, with what the settings need to say
/// about it.
#[derive(Debug, Clone)]
pub struct UpstreamInfo {
    /// Its name, as written.
    pub name: String,
    /// `file:line` of its block.
    pub at: String,
    /// Its servers' addresses, as written.
    pub servers: Vec<String>,
    /// Whether its backend's idle timeout matters: a pass reaching it can
    /// leave connections reusable ([`crate::model::reuse`]), or it keeps a
    /// pool that a `proxy_pass` or `fastcgi_pass` reaching it would reuse
    /// once the keep-alive fixes (`proxy-http-version`,
    /// `fastcgi-keep-conn`) are applied. uWSGI and SCGI never reuse.
    pub pooled: bool,
    /// The server the configuration hints at (the hint the rules take as
    /// a guessed backend).
    pub hint: Option<Hint>,
}

/// Every upstream a `*_pass` of `model` reaches, in the order written.
pub fn upstreams(model: &Model<'_>) -> Vec<UpstreamInfo> {
    reached_upstreams(model)
        .into_iter()
        .filter_map(|reached| {
            let block = reached.upstream.block;
            let name = block.arg(0)?.value().into_owned();
            let passes: Vec<Node<'_>> = model
                .passes_to(block.id())
                .iter()
                .map(|&id| model.node(id))
                .collect();
            Some(UpstreamInfo {
                name,
                at: format!("{}:{}", block.path(), block.line_col().line),
                servers: reached
                    .upstream
                    .servers
                    .iter()
                    .filter_map(|s| s.arg(0).map(|a| a.value().into_owned()))
                    .collect(),
                pooled: reached.reused
                    || (crate::rules::matcher::pools(block)
                        && passes
                            .iter()
                            .any(|p| matches!(p.name(), "proxy_pass" | "fastcgi_pass"))),
                hint: backend_hint(block, &passes),
            })
        })
        .collect()
}

/// The keys of one `[backends.NAME]` table, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendFields {
    pub kind: Option<String>,
    pub version: Option<String>,
    pub idle_timeout: Option<String>,
    pub config: Option<String>,
    pub probe: bool,
}

impl BackendFields {
    /// The table a backend spec (what `--backend UPSTREAM=SPEC` takes after
    /// the `=`) stands for: `probe`, a duration, `KIND[@VERSION]`, or
    /// `KIND[@VERSION]:PATH` (the path as given: the caller makes it
    /// relative to the settings file).
    pub fn from_spec(spec: &str) -> Result<BackendFields, SpecError> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("probe") {
            return Ok(BackendFields {
                probe: true,
                ..BackendFields::default()
            });
        }
        if let Spec::Idle { .. } = parse_spec(spec)? {
            return Ok(BackendFields {
                idle_timeout: Some(spec.to_string()),
                ..BackendFields::default()
            });
        }
        // A kind, with a version and a file when given: the spec is valid,
        // so it splits as `parse_spec` read it.
        let (kind, config) = match spec.split_once(':') {
            Some((kind, path)) => (kind, Some(path.to_string())),
            None => (spec, None),
        };
        let (kind, version) = match kind.split_once('@') {
            Some((kind, version)) => (kind, Some(version.to_string())),
            None => (kind, None),
        };
        Ok(BackendFields {
            kind: Some(kind.to_string()),
            version,
            config,
            ..BackendFields::default()
        })
    }

    /// The fields of a server kind with its documented default.
    pub fn of_kind(kind: &ServerKind) -> BackendFields {
        BackendFields {
            kind: Some(kind.name.to_string()),
            ..BackendFields::default()
        }
    }

    /// A short description: `gunicorn`, `puma@6`, `5s`, `probe`,
    /// `gunicorn:gunicorn.conf.py`.
    pub fn describe(&self) -> String {
        if self.probe {
            return "probe".to_string();
        }
        let mut text = self.kind.clone().unwrap_or_default();
        if let Some(version) = &self.version {
            text.push_str(&format!("@{version}"));
        }
        if let Some(config) = &self.config {
            text.push_str(&format!(":{config}"));
        }
        match (&self.idle_timeout, text.is_empty()) {
            (Some(idle), true) => idle.clone(),
            (Some(idle), false) => format!("{text} ({idle})"),
            (None, _) => text,
        }
    }
}

/// What is known of the backend behind one upstream.
#[derive(Debug, Clone)]
pub enum Declared {
    /// Declared: by `--backend` or an answer (`from` says which).
    Given { fields: BackendFields, from: String },
    /// The configuration's hint, written as a value and said to be a guess.
    Guessed(Hint),
    /// Nothing: the table is written commented out.
    Unknown,
}

/// Where the nginx version written comes from.
#[derive(Debug, Clone)]
pub enum NginxVersion {
    /// Given on the command line.
    Given(Version),
    /// What the installed nginx says; `from` is how it was asked
    /// (`/usr/sbin/nginx -v`).
    Detected { version: Version, from: String },
    /// No nginx to ask, for the reason given: [`Version::ASSUMED`] is
    /// written commented out.
    Unknown { why: String },
}

/// Everything an `ngxfix.toml` of `ngxfix init` says.
#[derive(Debug, Clone)]
pub struct Document {
    /// The configurations it was written for, as named.
    pub inputs: Vec<String>,
    pub version: NginxVersion,
    /// The upstreams to write a table for, with their backends.
    pub backends: Vec<(UpstreamInfo, Declared)>,
}

/// The longest comment line written (a wrapped paragraph's).
const WIDTH: usize = 76;

/// The text of the settings file.
pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    let inputs = if doc.inputs.is_empty() {
        "the configuration".to_string()
    } else {
        doc.inputs.join(", ")
    };
    paragraph(
        &mut out,
        &format!(
            "ngxfix settings for {}, written by `ngxfix init`. `ngxfix check` and `ngxfix fix` \
             read them from {FILE_NAME} in the working directory or a parent (or --config \
             FILE); their command-line flags win.",
            one_line(&inputs)
        ),
    );
    out.push('\n');
    version(&mut out, &doc.version);
    out.push('\n');
    paragraph(
        &mut out,
        "The servers behind the upstreams whose connections nginx keeps or reuses: nginx must \
         close an idle connection before the server does, or a request sent on it as the server \
         closes it fails with 502. Each table takes `kind` (a server, with its documented \
         default), `idle_timeout` (\"5s\", as the server is set up), `kind` and `config` (the \
         server's configuration file, read for its timeout), or `probe = true` (measured on its \
         servers, as `ngxfix probe` does).",
    );
    let kinds: Vec<&str> = SERVER_KINDS.iter().map(|k| k.name).collect();
    paragraph(&mut out, &format!("Kinds: {}.", kinds.join(", ")));
    if doc.backends.is_empty() {
        out.push('\n');
        paragraph(
            &mut out,
            "No upstream that a *_pass reaches keeps or reuses connections: no backend to declare.",
        );
    }
    for (upstream, declared) in &doc.backends {
        out.push('\n');
        backend(&mut out, upstream, declared);
    }
    out
}

fn version(out: &mut String, version: &NginxVersion) {
    match version {
        NginxVersion::Given(version) => {
            paragraph(
                out,
                "The nginx version the configuration runs on (rules and defaults depend on it), \
                 as given to `ngxfix init`.",
            );
            out.push_str(&format!("nginx_version = \"{version}\"\n"));
        }
        NginxVersion::Detected { version, from } => {
            paragraph(
                out,
                "The nginx version the configuration runs on (rules and defaults depend on \
                 it), as the nginx installed here says. Change it if the configuration runs \
                 on another nginx.",
            );
            // On a line of its own: a path is not wrapped.
            out.push_str(&format!("# From `{}`.\n", one_line(from)));
            out.push_str(&format!("nginx_version = \"{version}\"\n"));
        }
        NginxVersion::Unknown { why } => {
            paragraph(
                out,
                &format!(
                    "The nginx version the configuration runs on (rules and defaults depend on \
                     it). None was found here ({}), so ngxfix assumes {}: uncomment and set the \
                     version of the nginx that runs this configuration.",
                    one_line(why),
                    Version::ASSUMED
                ),
            );
            out.push_str(&format!("# nginx_version = \"{}\"\n", Version::ASSUMED));
        }
    }
}

fn backend(out: &mut String, upstream: &UpstreamInfo, declared: &Declared) {
    let servers = if upstream.servers.is_empty() {
        "no servers".to_string()
    } else {
        upstream.servers.join(", ")
    };
    paragraph(
        out,
        &format!(
            "upstream {} ({}): {}",
            one_line(&upstream.name),
            one_line(&upstream.at),
            one_line(&servers)
        ),
    );
    let table = format!("[backends.{}]", key(&upstream.name));
    match declared {
        Declared::Given { fields, from } => {
            paragraph(out, &format!("Declared {}.", one_line(from)));
            out.push_str(&table);
            out.push('\n');
            fields_lines(out, fields);
        }
        Declared::Guessed(hint) => {
            paragraph(
                out,
                &format!(
                    "A guess, from the configuration ({}): confirm it, or correct it.",
                    one_line(&hint.why)
                ),
            );
            out.push_str(&table);
            out.push('\n');
            out.push_str(&format!("kind = {} # guessed\n", string(hint.kind.name)));
        }
        Declared::Unknown => {
            paragraph(
                out,
                "Not known: uncomment the table and give the server's kind, or its idle \
                 timeout.",
            );
            out.push_str(&format!("# {table}\n"));
            out.push_str("# kind = \"...\"\n");
            out.push_str("# idle_timeout = \"...\"\n");
        }
    }
}

fn fields_lines(out: &mut String, fields: &BackendFields) {
    let mut line = |name: &str, value: &Option<String>| {
        if let Some(value) = value {
            out.push_str(&format!("{name} = {}\n", string(value)));
        }
    };
    line("kind", &fields.kind);
    line("version", &fields.version);
    line("idle_timeout", &fields.idle_timeout);
    line("config", &fields.config);
    if fields.probe {
        out.push_str("probe = true\n");
    }
}

/// A TOML key: bare when TOML allows it, else quoted (`"app.v2"` is one
/// upstream, not a table in a table).
fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        name.to_string()
    } else {
        string(name)
    }
}

/// A TOML basic string on one line, escaped as TOML needs (quotes,
/// backslashes, control characters).
fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text from the configuration made fit for a comment line: no line
/// breaks or other control characters.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `text` as comment lines of at most [`WIDTH`] characters (a longer word
/// gets a line of its own).
fn paragraph(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts;
    use crate::settings::{parse, Loaded};

    const CONF: &str = "http {
    upstream app { server 127.0.0.1:8000; keepalive 8; }
    upstream php { server unix:/run/php/php8.2-fpm.sock; keepalive 4; }
    upstream \"api.v2\" { server 10.0.0.5:8080; server 10.0.0.6:8080; keepalive 4; }
    upstream once { server 127.0.0.1:9000; }
    upstream idle { server 127.0.0.1:9100; keepalive 4; }
    server {
        location / { proxy_pass http://app; }
        location ~ \\.php$ { fastcgi_pass php; fastcgi_keep_conn on; }
        location /api/ { proxy_pass http://api.v2; }
        location /once/ { uwsgi_pass once; }
    }
}
";

    fn infos(version: Version) -> Vec<UpstreamInfo> {
        let tree = from_texts(&[("/etc/nginx/nginx.conf", CONF)]);
        let model = Model::new(&tree, version);
        upstreams(&model)
    }

    #[test]
    fn the_upstreams_a_pass_reaches_with_whether_they_pool_and_their_hints() {
        let found = infos(Version::new(1, 24, 0));
        let names: Vec<(&str, bool)> = found.iter().map(|u| (u.name.as_str(), u.pooled)).collect();
        // `idle` is reached by no pass; `once` neither pools nor reuses
        // (uWSGI closes after each response).
        assert_eq!(
            names,
            [
                ("app", true),
                ("php", true),
                ("api.v2", true),
                ("once", false)
            ]
        );
        let php = &found[1];
        assert_eq!(php.at, "/etc/nginx/nginx.conf:3");
        assert_eq!(php.servers, ["unix:/run/php/php8.2-fpm.sock"]);
        assert_eq!(php.hint.as_ref().map(|h| h.kind.name), Some("php-fpm"));
        assert!(found[0].hint.is_none());
        assert_eq!(found[2].servers, ["10.0.0.5:8080", "10.0.0.6:8080"]);
        // Since 1.29.7 every upstream keeps a pool, but uWSGI still reuses
        // none of it.
        let newer = infos(Version::new(1, 30, 0));
        assert!(newer
            .iter()
            .find(|u| u.name == "once")
            .is_some_and(|u| !u.pooled));
    }

    #[test]
    fn specs_become_tables() {
        let fields = |spec: &str| BackendFields::from_spec(spec).unwrap();
        assert_eq!(fields("5s").idle_timeout.as_deref(), Some("5s"));
        assert_eq!(fields(" 750ms ").idle_timeout.as_deref(), Some("750ms"));
        assert_eq!(
            fields("puma@6"),
            BackendFields {
                kind: Some("puma".into()),
                version: Some("6".into()),
                ..BackendFields::default()
            }
        );
        assert_eq!(
            fields("gunicorn:deploy/gunicorn.conf.py"),
            BackendFields {
                kind: Some("gunicorn".into()),
                config: Some("deploy/gunicorn.conf.py".into()),
                ..BackendFields::default()
            }
        );
        assert!(fields("Probe").probe);
        assert!(BackendFields::from_spec("nope").is_err());
        assert!(BackendFields::from_spec("gunicorn:").is_err());
        assert_eq!(
            fields("puma@6:config/puma.rb").describe(),
            "puma@6:config/puma.rb"
        );
        assert_eq!(fields("5s").describe(), "5s");
    }

    fn document(version: NginxVersion) -> Document {
        let found = infos(Version::new(1, 24, 0));
        let given = Declared::Given {
            fields: BackendFields::from_spec("gunicorn").unwrap(),
            from: "with --backend app=gunicorn".into(),
        };
        let guessed = Declared::Guessed(found[1].hint.clone().unwrap());
        let timeout = Declared::Given {
            fields: BackendFields::from_spec("5s").unwrap(),
            from: "at ngxfix init".into(),
        };
        Document {
            inputs: vec!["/etc/nginx/nginx.conf".into()],
            version,
            backends: vec![
                (found[0].clone(), given),
                (found[1].clone(), guessed),
                (found[2].clone(), timeout),
                (found[3].clone(), Declared::Unknown),
            ],
        }
    }

    #[test]
    fn the_file_reads_back_as_the_settings_it_says() {
        let text = render(&document(NginxVersion::Detected {
            version: Version::new(1, 24, 0),
            from: "/usr/sbin/nginx -v".into(),
        }));
        let settings = parse(&text, "ngxfix.toml").unwrap();
        assert_eq!(settings.nginx_version.as_deref(), Some("1.24.0"));
        let loaded = Loaded {
            settings,
            path: Some("ngxfix.toml".into()),
            text: text.clone(),
        };
        let backends: Vec<(String, String)> = loaded
            .backends()
            .unwrap()
            .into_iter()
            .map(|(name, spec, _)| {
                let spec = match spec {
                    Spec::Kind { kind, .. } => kind.name.to_string(),
                    Spec::Idle { idle, .. } => idle.to_string(),
                    Spec::File { .. } => "file".to_string(),
                };
                (name, spec)
            })
            .collect();
        // The unknown one is commented out; the guess is a value.
        assert_eq!(
            backends,
            [
                ("api.v2".to_string(), "5s".to_string()),
                ("app".to_string(), "gunicorn".to_string()),
                ("php".to_string(), "php-fpm".to_string()),
            ]
        );
        assert!(text.contains("[backends.\"api.v2\"]"), "{text}");
        assert!(text.contains("kind = \"php-fpm\" # guessed\n"), "{text}");
        assert!(
            text.contains("# [backends.once]\n# kind = \"...\""),
            "{text}"
        );
        assert!(
            text.contains("# upstream app (/etc/nginx/nginx.conf:2): 127.0.0.1:8000\n"),
            "{text}"
        );
        assert!(text.contains("`/usr/sbin/nginx -v`"), "{text}");
        assert!(
            text.lines().all(|l| l.chars().count() <= WIDTH + 20),
            "{text}"
        );
    }

    #[test]
    fn without_an_nginx_the_version_is_commented_out() {
        let text = render(&document(NginxVersion::Unknown {
            why: "no nginx found".into(),
        }));
        assert!(text.contains("\n# nginx_version = \"1.29.6\"\n"), "{text}");
        assert!(text.contains("no nginx found"), "{text}");
        assert_eq!(parse(&text, "ngxfix.toml").unwrap().nginx_version, None);
        let given = render(&document(NginxVersion::Given(Version::new(1, 18, 0))));
        assert_eq!(
            parse(&given, "ngxfix.toml")
                .unwrap()
                .nginx_version
                .as_deref(),
            Some("1.18.0")
        );
    }

    #[test]
    fn text_from_the_configuration_stays_in_its_comment() {
        let mut doc = document(NginxVersion::Given(Version::ASSUMED));
        doc.backends.truncate(1);
        doc.backends[0].0.name = "we\"ird\nname\u{7f}\\".into();
        doc.backends[0].0.at = "a\nb.conf:1".into();
        let text = render(&doc);
        let settings = parse(&text, "ngxfix.toml").unwrap();
        assert!(
            settings.backends.contains_key("we\"ird\nname\u{7f}\\"),
            "{text}"
        );
        assert!(
            text.contains("# upstream we\"ird?name?\\ (a?b.conf:1)"),
            "{text}"
        );
        let empty = render(&Document {
            inputs: Vec::new(),
            version: NginxVersion::Given(Version::ASSUMED),
            backends: Vec::new(),
        });
        assert!(
            empty.contains("# No upstream that a *_pass reaches"),
            "{empty}"
        );
        assert!(parse(&empty, "ngxfix.toml").unwrap().backends.is_empty());
    }
}
