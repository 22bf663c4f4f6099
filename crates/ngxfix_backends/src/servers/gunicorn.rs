//! gunicorn: `keepalive` in a Python config file (gunicorn.conf.py), or
//! `--keep-alive` on a command line and in `GUNICORN_CMD_ARGS`.
//!
//! What gunicorn does (gunicorn 27.0.1, `gunicorn/config.py`,
//! `gunicorn/app/base.py`, `gunicorn/workers/`):
//! - `keepalive` is whole seconds (`validate_pos_int`: an int, or a string
//!   `int(s, 0)` accepts; `--keep-alive` is argparse `type=int`), default 2
//!   (the kinds table's, [`crate::kinds`]).
//! - Settings apply in this order, later winning: the config file (`-c`,
//!   else `./gunicorn.conf.py`), `GUNICORN_CMD_ARGS`, the command line.
//! - The `sync` worker (the default) answers every request with
//!   `Connection: close`; `sync` with `threads > 1` runs the `gthread`
//!   worker instead. gthread, gevent, eventlet and the asgi worker close an
//!   idle connection after `keepalive` seconds and turn keepalive off at 0.
//!   `uvicorn.workers.UvicornWorker` passes it on as uvicorn's
//!   `timeout_keep_alive`; the tornado worker only switches tornado's
//!   keepalive on or off (tornado's own idle timeout, 3600 s, applies).

use crate::lang::python::{self, Binding, Literal, Module};

use crate::format::{need, Need, ServerFormat};
use crate::kinds::ServerKind;
use crate::lang::cmdline::{self, CommandLine, Lookup, OptSpec, Program, Scan, Syntax, Value};
use crate::text::{self, file_name};
use crate::{Edit, Idle, RaiseError, Reading, Source};
use ngxfix_text::Duration;

const KIND: &str = "gunicorn";
/// tornado's `HTTPServer` `idle_connection_timeout` default.
const TORNADO_IDLE: u64 = 3600;

/// gunicorn 27's options that take no value (`store_true`/`store_const`).
const PROGRAM: Program = Program {
    name: "gunicorn",
    flags: &[
        "--reload",
        "--spew",
        "--check-config",
        "--print-config",
        "--preload",
        "--no-sendfile",
        "--reuse-port",
        "-D",
        "--daemon",
        "--initgroups",
        "--disable-redirect-access-to-syslog",
        "--capture-output",
        "--log-syslog",
        "-R",
        "--enable-stdio-inheritance",
        "--enable-backlog-metric",
        "--suppress-ragged-eofs",
        "--do-handshake-on-connect",
        "--permit-obsolete-folding",
        "--strip-header-spaces",
        "--permit-unconventional-http-method",
        "--permit-unconventional-http-version",
        "--casefold-http-method",
        "--no-control-socket",
    ],
};
const KEEPALIVE: OptSpec = OptSpec {
    long: "--keep-alive",
    short: None,
};
const WORKER_CLASS: OptSpec = OptSpec {
    long: "--worker-class",
    short: Some('k'),
};
const THREADS: OptSpec = OptSpec {
    long: "--threads",
    short: None,
};
const CONFIG: OptSpec = OptSpec {
    long: "--config",
    short: Some('c'),
};
const CMD_ARGS: &str = "GUNICORN_CMD_ARGS";

/// Settings a new `keepalive` line goes after, when the file has them.
const WORKER_SETTINGS: &[&str] = &[
    "workers",
    "worker_class",
    "threads",
    "worker_connections",
    "timeout",
    "graceful_timeout",
];

/// gunicorn: `gunicorn.conf.py`, or a command line.
#[derive(Debug)]
pub(crate) struct Gunicorn;

impl ServerFormat for Gunicorn {
    fn kinds(&self) -> &'static [&'static str] {
        &["gunicorn"]
    }

    fn files(&self) -> &'static str {
        "gunicorn.conf.py, or a command line (Procfile, systemd unit, shell script, env file)"
    }

    fn read(&self, src: &Source<'_>) -> Reading {
        read(src)
    }

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        edits(src, target)
    }
}

/// The idle timeout `src` gives gunicorn.
fn read(src: &Source<'_>) -> Reading {
    let o = outcome(src);
    Reading {
        idle: o.idle,
        kind: KIND,
        detail: o.detail,
    }
}

fn outcome(src: &Source<'_>) -> Outcome {
    if is_python(src) {
        python_idle(src)
    } else {
        command_idle(src)
    }
}

/// Edits after which `src` gives gunicorn an idle timeout of at least
/// `target` (whole seconds, rounded up).
fn edits(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    let reading = outcome(src);
    let secs = text::ceil_secs(target);
    match need(&reading.idle, target)? {
        Need::Nothing => return Ok(Vec::new()),
        Need::Longer if reading.worker == Some(Worker::Tornado) => {
            return Err(RaiseError::Pointless(format!(
                "with the tornado worker, tornado's own idle timeout ({TORNADO_IDLE}s) applies; gunicorn's keepalive only switches keepalive on and cannot raise it"
            )))
        }
        Need::KeepaliveOff if reading.worker == Some(Worker::Sync) => {
            return Err(RaiseError::Pointless(format!(
                "{}: raising keepalive does nothing for the sync worker; use a worker that keeps connections alive (threads > 1 runs gthread) or turn off nginx's upstream keepalive for this upstream",
                reading.detail
            )))
        }
        _ => {}
    }
    if is_python(src) {
        python_raise(src, secs)
    } else {
        command_raise(src, secs)
    }
}

/// Whether `src` is a Python config module: a `.py` file, or (gunicorn
/// runs any file `-c` names, warning when it is not `.py`) a file without a
/// gunicorn command line that assigns gunicorn settings.
fn is_python(src: &Source<'_>) -> bool {
    if src.path.ends_with(".py") {
        return true;
    }
    if Syntax::of(src.path, src.text) != Syntax::Shell
        || !cmdline::scan(src.path, src.text, &PROGRAM)
            .commands
            .is_empty()
    {
        return false;
    }
    let module = Module::parse(src.text);
    module.problem().is_none()
        && module.top_assignments().iter().any(|a| {
            ["keepalive", "worker_class", "threads", "workers", "bind"].contains(&a.name.as_str())
        })
}

// ---------------------------------------------------------------------
// What the settings say

/// A setting as gunicorn ends up with it.
#[derive(Debug, Clone)]
enum Setting {
    /// Not set anywhere ngxfix looked.
    Default,
    /// Set to this text (an int for keepalive/threads, a class name for
    /// worker_class), described for messages.
    Given(Given),
    /// Set in a way ngxfix cannot read: why.
    Unknown(String),
}

#[derive(Debug, Clone)]
struct Given {
    text: String,
    detail: String,
}

/// The worker classes whose keepalive handling ngxfix knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Worker {
    Sync,
    /// gthread, gevent, eventlet, asgi: close after `keepalive` seconds.
    Keepalive(&'static str),
    Tornado,
    Uvicorn,
    /// gevent's pywsgi server: keepalive is gevent's business.
    PyWsgi,
}

impl Worker {
    fn parse(name: &str) -> Option<Worker> {
        let name = name.trim();
        let name = name.strip_prefix("egg:gunicorn#").unwrap_or(name);
        Some(match name {
            "sync" | "gunicorn.workers.sync.SyncWorker" => Worker::Sync,
            "gthread" | "gunicorn.workers.gthread.ThreadWorker" => Worker::Keepalive("gthread"),
            "gevent" | "gunicorn.workers.ggevent.GeventWorker" => Worker::Keepalive("gevent"),
            "eventlet" | "gunicorn.workers.geventlet.EventletWorker" => {
                Worker::Keepalive("eventlet")
            }
            "asgi" | "gunicorn.workers.gasgi.ASGIWorker" => Worker::Keepalive("asgi"),
            "tornado" | "gunicorn.workers.gtornado.TornadoWorker" => Worker::Tornado,
            "gevent_wsgi" | "gevent_pywsgi" | "gunicorn.workers.ggevent.GeventPyWSGIWorker" => {
                Worker::PyWsgi
            }
            "uvicorn.workers.UvicornWorker"
            | "uvicorn.workers.UvicornH11Worker"
            | "uvicorn_worker.UvicornWorker"
            | "uvicorn_worker.UvicornH11Worker" => Worker::Uvicorn,
            _ => return None,
        })
    }
}

/// The three settings that decide gunicorn's idle behaviour.
struct Settings {
    keepalive: Setting,
    worker_class: Setting,
    threads: Setting,
    /// Where ngxfix looked, for an unset setting: ` in gunicorn.conf.py`.
    looked: String,
    /// Where unset settings may come from instead.
    notes: Vec<String>,
}

/// What the settings give: the idle behaviour, a message, and the worker
/// when known.
#[derive(Debug, Clone)]
struct Outcome {
    idle: Idle,
    detail: String,
    worker: Option<Worker>,
}

impl Outcome {
    fn unknown(why: String) -> Outcome {
        Outcome {
            idle: Idle::Unknown(why.clone()),
            detail: why,
            worker: None,
        }
    }
}

/// The idle behaviour `settings` give gunicorn `version`, with a message.
fn idle_of(s: &Settings, version: Option<u32>) -> Outcome {
    let worker = match &s.worker_class {
        Setting::Unknown(why) => return Outcome::unknown(why.clone()),
        Setting::Default => (Worker::Sync, "gunicorn's default sync worker".to_string()),
        Setting::Given(g) => match Worker::parse(&g.text) {
            Some(w) => (w, g.detail.clone()),
            None => {
                return Outcome::unknown(format!(
                    "{}: a custom worker class handles keepalive its own way",
                    g.detail
                ));
            }
        },
    };
    // gunicorn swaps in gthread for `sync` and `...SyncWorker` names only
    // (`Config.worker_class`), not for `egg:gunicorn#sync`.
    let swaps = match &s.worker_class {
        Setting::Given(g) => g.text.trim() == "sync" || g.text.trim().ends_with("SyncWorker"),
        _ => true,
    };
    let (worker, worker_detail) = match (worker, &s.threads) {
        (w, _) if !swaps => w,
        ((Worker::Sync, _), Setting::Unknown(why)) => {
            return Outcome::unknown(format!(
                "the sync worker runs as gthread when threads > 1, and {why}"
            ));
        }
        ((Worker::Sync, d), Setting::Given(t)) => match python::int(&t.text) {
            Some(n) if n > 1 => (
                Worker::Keepalive("gthread"),
                format!("the gthread worker ({d} with {})", t.detail),
            ),
            Some(_) => (Worker::Sync, d),
            None => {
                return Outcome::unknown(format!(
                    "gunicorn refuses {}: threads must be an integer",
                    t.detail
                ));
            }
        },
        (w, _) => w,
    };
    if worker == Worker::Sync {
        let closes = "closes every connection after its response (Connection: close), so pooling buys nothing and keepalive does not apply";
        let detail = match s.worker_class {
            Setting::Default => format!("gunicorn's default sync worker {closes}"),
            _ => format!("{worker_detail}: the sync worker {closes}"),
        };
        return Outcome {
            idle: Idle::NoKeepalive,
            detail: with_notes(detail, s),
            worker: Some(worker),
        };
    }
    if worker == Worker::PyWsgi {
        return Outcome::unknown(format!(
            "{worker_detail}: gevent's pywsgi server handles keepalive itself, not gunicorn's keepalive"
        ));
    }
    let (secs, ka_detail) = match &s.keepalive {
        Setting::Unknown(why) => return Outcome::unknown(why.clone()),
        Setting::Default => {
            // The kinds table's default, so that `gunicorn` and
            // `gunicorn:PATH` of a file without keepalive agree.
            let secs = ServerKind::own(KIND).timeout_for(version).as_millis() / 1000;
            (
                secs,
                format!(
                    "keepalive is not set{}: gunicorn's default {secs}s",
                    s.looked
                ),
            )
        }
        Setting::Given(g) => match python::int(&g.text).and_then(|n| u64::try_from(n).ok()) {
            Some(n) => (n, g.detail.clone()),
            None => {
                return Outcome::unknown(format!(
                    "gunicorn refuses {}: keepalive is a whole number of seconds",
                    g.detail
                ));
            }
        },
    };
    let detail = with_notes(format!("{ka_detail}, {worker_detail}"), s);
    let idle = match worker {
        Worker::Tornado if secs == 0 => {
            return Outcome::unknown(format!(
                "{detail}: tornado then closes each connection after its response"
            ));
        }
        Worker::Tornado => {
            return Outcome {
                idle: Idle::After(Duration::from_secs(TORNADO_IDLE)),
                detail: format!("{detail}: the tornado worker only switches keepalive on; tornado's idle_connection_timeout ({TORNADO_IDLE}s) applies"),
                worker: Some(worker),
            }
        }
        // uvicorn waits 0 s and closes without saying so.
        Worker::Uvicorn if secs == 0 => Idle::AfterEachResponse,
        _ if secs == 0 => Idle::NoKeepalive,
        _ => Idle::After(Duration::from_secs(secs)),
    };
    Outcome {
        idle,
        detail,
        worker: Some(worker),
    }
}

/// `detail` with where unset settings may come from instead, when some
/// setting is unset.
fn with_notes(detail: String, s: &Settings) -> String {
    let unset =
        matches!(s.keepalive, Setting::Default) || matches!(s.worker_class, Setting::Default);
    if s.notes.is_empty() || !unset {
        return detail;
    }
    format!("{detail} ({})", s.notes.join("; "))
}

// ---------------------------------------------------------------------
// gunicorn.conf.py

fn python_idle(src: &Source<'_>) -> Outcome {
    let module = Module::parse(src.text);
    let name = file_name(src.path);
    if let Some(problem) = module.problem() {
        return Outcome::unknown(format!("{name} is not valid Python: {problem}"));
    }
    let settings = Settings {
        keepalive: python_setting(&module, "keepalive", name),
        worker_class: python_setting(&module, "worker_class", name),
        threads: python_setting(&module, "threads", name),
        looked: format!(" in {name}"),
        notes: Vec::new(),
    };
    idle_of(&settings, src.version)
}

/// A setting's value in the config module.
fn python_setting(module: &Module<'_>, setting: &str, file: &str) -> Setting {
    let (expr, line) = match module.binding(setting) {
        Binding::Absent => return Setting::Default,
        Binding::Unknown(why) => return Setting::Unknown(format!("{why} in {file}")),
        Binding::Set { expr, line, .. } => (expr, line),
    };
    let written = format!("{setting} = {} at line {line}", expr.text);
    let text = match python::literal(&expr) {
        Some(Literal::Int(v)) => v.to_string(),
        Some(Literal::Str { value, .. }) => value,
        Some(Literal::Bool(b)) => u8::from(b).to_string(),
        Some(Literal::Float(_)) => {
            return Setting::Unknown(format!(
                "{written}: gunicorn refuses a float for {setting} (it wants an integer)"
            ))
        }
        None => return Setting::Unknown(format!("{written} is computed")),
    };
    Setting::Given(Given {
        text,
        detail: written,
    })
}

fn python_raise(src: &Source<'_>, secs: u64) -> Result<Vec<Edit<()>>, RaiseError> {
    let module = Module::parse(src.text);
    match module.binding("keepalive") {
        Binding::Set { expr, line, .. } => {
            let (start, end) = match python::literal(&expr) {
                Some(Literal::Str { start, end, .. }) => (start, end),
                _ => (expr.start, expr.end),
            };
            if start > end || end > src.text.len() {
                return Err(RaiseError::NotEditable(format!(
                    "keepalive at line {line} cannot be edited"
                )));
            }
            Ok(vec![Edit::new(start, end, secs.to_string())])
        }
        Binding::Absent => Ok(vec![module.insert_assignment(
            "keepalive",
            &secs.to_string(),
            WORKER_SETTINGS,
        )]),
        Binding::Unknown(why) => Err(RaiseError::Unknown(why)),
    }
}

// ---------------------------------------------------------------------
// Command lines

fn command_idle(src: &Source<'_>) -> Outcome {
    let scan = cmdline::scan(src.path, src.text, &PROGRAM);
    let name = file_name(src.path);
    if let Some(problem) = &scan.problem {
        return Outcome::unknown(format!("{name}: {problem}"));
    }
    if scan.commands.is_empty() {
        if scan.syntax != Syntax::EnvFile {
            return Outcome::unknown(format!(
                "no gunicorn command line in {name} ({})",
                scan.syntax.describe()
            ));
        }
        let settings = env_only_settings(src.text, &scan, name);
        return idle_of(&settings, src.version);
    }
    let results: Vec<Outcome> = scan
        .commands
        .iter()
        .map(|c| idle_of(&command_settings(src.text, c, &scan, name), src.version))
        .collect();
    let idles: Vec<Idle> = results.iter().map(|o| o.idle.clone()).collect();
    match cmdline::disagreement(&idles, &scan.commands, name) {
        Some(why) => Outcome::unknown(why),
        None => results[0].clone(),
    }
}

fn command_settings(file: &str, cmd: &CommandLine, scan: &Scan, name: &str) -> Settings {
    let config = config_file(file, cmd);
    let mut notes = Vec::new();
    if config.is_none() {
        notes.push(
            "gunicorn also reads ./gunicorn.conf.py from its working directory when there is one"
                .to_string(),
        );
    }
    notes.extend(scan.env_files_note(CMD_ARGS));
    let setting = |spec: &OptSpec, label: &str| {
        command_setting(file, cmd, spec, label, config.as_deref(), name)
    };
    Settings {
        keepalive: setting(&KEEPALIVE, "keepalive"),
        worker_class: setting(&WORKER_CLASS, "worker_class"),
        threads: setting(&THREADS, "threads"),
        looked: format!(" on the command line at line {}", cmd.line),
        notes,
    }
}

/// The config file `-c` names, on the command line or in
/// `GUNICORN_CMD_ARGS`.
fn config_file(file: &str, cmd: &CommandLine) -> Option<String> {
    match cmd.option(file, &CONFIG, &PROGRAM) {
        Lookup::Set(v) => return Some(v.text),
        Lookup::Hidden(_) => return None,
        Lookup::Absent => {}
    }
    let env = cmd.env_var(CMD_ARGS)?;
    match cmdline::lookup(&cmdline::split_value(&env.value), file, &CONFIG, &PROGRAM) {
        Lookup::Set(v) => Some(v.text),
        _ => None,
    }
}

/// One setting of a command line: the command line, else
/// `GUNICORN_CMD_ARGS`, else the config file, else the default.
fn command_setting(
    file: &str,
    cmd: &CommandLine,
    spec: &OptSpec,
    label: &str,
    config: Option<&str>,
    name: &str,
) -> Setting {
    match cmd.option(file, spec, &PROGRAM) {
        Lookup::Set(v) => {
            return given(
                &v,
                format!(
                    "{} {} on the command line at line {}",
                    spec.long, v.text, v.line
                ),
                spec,
            )
        }
        Lookup::Hidden(word) => {
            return Setting::Unknown(format!(
                "`{word}` on the gunicorn command line at line {} in {name} may set {}",
                cmd.line, spec.long
            ))
        }
        Lookup::Absent => {}
    }
    if let Some(env) = cmd.env_var(CMD_ARGS) {
        match env_setting(file, env, spec) {
            Setting::Default => {}
            other => return other,
        }
    }
    match config {
        Some(config) => Setting::Unknown(format!(
            "{label} may be set in {config}, the config file the command line at line {} in {name} names with -c: declare that file instead",
            cmd.line
        )),
        None => Setting::Default,
    }
}

/// A setting in a `GUNICORN_CMD_ARGS` assignment.
fn env_setting(file: &str, env: &cmdline::Assignment, spec: &OptSpec) -> Setting {
    match cmdline::lookup(&cmdline::split_value(&env.value), file, spec, &PROGRAM) {
        Lookup::Set(v) => given(
            &v,
            format!(
                "{} {} in {CMD_ARGS} at line {}",
                spec.long, v.text, env.line
            ),
            spec,
        ),
        Lookup::Hidden(word) => Setting::Unknown(format!(
            "`{word}` in {CMD_ARGS} at line {} may set {}",
            env.line, spec.long
        )),
        Lookup::Absent => Setting::Default,
    }
}

/// A setting from a command line or `GUNICORN_CMD_ARGS`, where argparse
/// reads the numeric ones as decimal integers (`type=int`).
fn given(v: &Value, detail: String, spec: &OptSpec) -> Setting {
    if v.dynamic {
        return Setting::Unknown(format!("{detail} expands at run time"));
    }
    if spec.long != WORKER_CLASS.long && python::arg_int(&v.text).is_none() {
        return Setting::Unknown(format!(
            "gunicorn refuses {detail}: it takes a whole number"
        ));
    }
    Setting::Given(Given {
        text: v.text.clone(),
        detail,
    })
}

/// The settings of an env file: `GUNICORN_CMD_ARGS` only.
fn env_only_settings(file: &str, scan: &Scan, name: &str) -> Settings {
    let setting = |spec: &OptSpec| match scan.env_var(CMD_ARGS) {
        Some(env) => env_setting(file, env, spec),
        None => Setting::Default,
    };
    Settings {
        keepalive: setting(&KEEPALIVE),
        worker_class: setting(&WORKER_CLASS),
        threads: setting(&THREADS),
        looked: format!(" in {name}"),
        notes: vec!["the command line or a config file may set it".to_string()],
    }
}

fn command_raise(src: &Source<'_>, secs: u64) -> Result<Vec<Edit<()>>, RaiseError> {
    let file = src.text;
    let scan = cmdline::scan(src.path, file, &PROGRAM);
    let value = secs.to_string();
    if scan.commands.is_empty() {
        return Ok(vec![env_file_edit(file, &scan, &value)?]);
    }
    let mut edits = Vec::new();
    for cmd in &scan.commands {
        let edit = match cmd.option(file, &KEEPALIVE, &PROGRAM) {
            Lookup::Set(v) => v.replace(&value)?,
            // `read` says Unknown for these, so `raise` stops before.
            Lookup::Hidden(w) => {
                return Err(RaiseError::Unknown(format!("`{w}` may set --keep-alive")))
            }
            Lookup::Absent => match env_keepalive(file, cmd) {
                Some(v) => v.replace(&value)?,
                None => cmd.insert_option(KEEPALIVE.long, &value),
            },
        };
        edits.push(edit);
    }
    Ok(edits)
}

/// `--keep-alive` in the command's `GUNICORN_CMD_ARGS`.
fn env_keepalive(file: &str, cmd: &CommandLine) -> Option<Value> {
    let env = cmd.env_var(CMD_ARGS)?;
    match cmdline::lookup(
        &cmdline::split_value(&env.value),
        file,
        &KEEPALIVE,
        &PROGRAM,
    ) {
        Lookup::Set(v) => Some(v),
        _ => None,
    }
}

/// The edit in an env file: the value in `GUNICORN_CMD_ARGS`, or the
/// option added to it, or the variable added.
fn env_file_edit(file: &str, scan: &Scan, value: &str) -> Result<Edit<()>, RaiseError> {
    let Some(env) = scan.env_var(CMD_ARGS) else {
        return Ok(text::append_line(
            file,
            &format!("{CMD_ARGS}=--keep-alive={value}"),
        ));
    };
    match cmdline::lookup(
        &cmdline::split_value(&env.value),
        file,
        &KEEPALIVE,
        &PROGRAM,
    ) {
        Lookup::Set(v) => v.replace(value),
        _ => {
            let at = env.value.value_from(env.value.text.len(), file).start;
            let lead = if env.value.text.trim().is_empty() {
                ""
            } else {
                " "
            };
            Ok(Edit::new(at, at, format!("{lead}--keep-alive={value}")))
        }
    }
}

#[cfg(test)]
mod tests;
