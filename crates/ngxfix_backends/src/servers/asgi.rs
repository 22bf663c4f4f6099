//! The ASGI servers uvicorn and hypercorn.
//!
//! uvicorn (0.54.0, `uvicorn/main.py`, `uvicorn/config.py`): the idle
//! timeout is `--timeout-keep-alive N` (click `type=int`, seconds, default
//! 5), also `UVICORN_TIMEOUT_KEEP_ALIVE` (`auto_envvar_prefix="UVICORN"`;
//! the command line wins), or `timeout_keep_alive=` of `uvicorn.run(...)` /
//! `uvicorn.Config(...)` in Python (any number: it goes to `call_later`).
//! At 0 uvicorn closes right after each response without saying so.
//!
//! hypercorn (0.18.0, `hypercorn/config.py`, `hypercorn/__main__.py`):
//! `keep_alive_timeout` (seconds, int or float, default `5 * SECONDS`) at
//! the top level of a TOML config (`-c hypercorn.toml`) or a Python one
//! (`-c file:conf.py`); `--keep-alive N` (argparse `type=int`) on the
//! command line wins over the file.

use crate::format::{need, Need, ServerFormat};
use crate::kinds::ServerKind;
use crate::lang::cmdline::{self, Lookup, OptSpec, Program, Syntax};
use crate::lang::python::{self, Binding, Literal, Module};
use crate::lang::toml;
use crate::text::{self, file_name};
use crate::{Edit, Idle, RaiseError, Reading, Source};
use ngxfix_text::Duration;

/// The default keepalive timeout of `kind` (`uvicorn`, `hypercorn`) for
/// the version `src` is declared for, in seconds: the kinds table's, so
/// that `KIND` and `KIND:PATH` of a file that sets none agree.
fn default_secs(kind: &str, src: &Source<'_>) -> u64 {
    ServerKind::own(kind).timeout_for(src.version).as_millis() / 1000
}

// ---------------------------------------------------------------------
// uvicorn

/// uvicorn 0.54's options that take no value (click `is_flag`).
const UVICORN: Program = Program {
    name: "uvicorn",
    flags: &[
        "--reload",
        "--access-log",
        "--no-access-log",
        "--use-colors",
        "--no-use-colors",
        "--proxy-headers",
        "--no-proxy-headers",
        "--server-header",
        "--no-server-header",
        "--date-header",
        "--no-date-header",
        "--version",
        "--reset-contextvars",
        "--factory",
    ],
};
const TIMEOUT_KEEP_ALIVE: OptSpec = OptSpec {
    long: "--timeout-keep-alive",
    short: None,
};
const UVICORN_ENV: &str = "UVICORN_TIMEOUT_KEEP_ALIVE";
const UVICORN_KEYWORD: &str = "timeout_keep_alive";

/// uvicorn: a command line, an env file, or a script calling `uvicorn.run`.
#[derive(Debug)]
pub(crate) struct Uvicorn;

impl ServerFormat for Uvicorn {
    fn kinds(&self) -> &'static [&'static str] {
        &["uvicorn"]
    }

    fn files(&self) -> &'static str {
        "a command line (Procfile, systemd unit, shell script) or env file"
    }

    fn read(&self, src: &Source<'_>) -> Reading {
        read_uvicorn(src)
    }

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        uvicorn_edits(src, target)
    }
}

/// The idle timeout `src` gives uvicorn.
fn read_uvicorn(src: &Source<'_>) -> Reading {
    let (idle, detail) = if src.path.ends_with(".py") {
        uvicorn_python(src)
    } else {
        uvicorn_command(src)
    };
    Reading {
        idle,
        kind: "uvicorn",
        detail,
    }
}

/// Edits after which `src` gives uvicorn an idle timeout of at least
/// `target` (whole seconds on a command line).
fn uvicorn_edits(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    if need(&read_uvicorn(src).idle, target)? == Need::Nothing {
        return Ok(Vec::new());
    }
    let secs = text::ceil_secs(target).to_string();
    let edits = if src.path.ends_with(".py") {
        uvicorn_python_raise(src, &secs)?
    } else {
        let scan = cmdline::scan(src.path, src.text, &UVICORN);
        if scan.commands.is_empty() {
            vec![match scan.env_var(UVICORN_ENV) {
                Some(a) => a.value.value_from(0, src.text).replace(&secs)?,
                None => text::append_line(src.text, &format!("{UVICORN_ENV}={secs}")),
            }]
        } else {
            let mut edits = Vec::new();
            for cmd in &scan.commands {
                edits.push(match cmd.option(src.text, &TIMEOUT_KEEP_ALIVE, &UVICORN) {
                    Lookup::Set(v) => v.replace(&secs)?,
                    Lookup::Hidden(w) => return Err(RaiseError::Unknown(hidden(&w, cmd.line))),
                    Lookup::Absent => match cmd.env_var(UVICORN_ENV) {
                        Some(a) => a.value.value_from(0, src.text).replace(&secs)?,
                        None => cmd.insert_option(TIMEOUT_KEEP_ALIVE.long, &secs),
                    },
                });
            }
            edits
        }
    };
    Ok(edits)
}

fn hidden(word: &str, line: usize) -> String {
    format!("`{word}` on the command line at line {line} may set the keepalive timeout")
}

/// The idle behaviour of a whole number of seconds on a command line or
/// in an environment variable.
fn int_secs(text: &str, detail: String, what: &str) -> (Idle, String) {
    match python::arg_int(text) {
        Some(0) => (
            Idle::AfterEachResponse,
            format!("{detail}: {what} closes each connection right after its response"),
        ),
        Some(n) => (Idle::After(Duration::from_secs(n)), detail),
        None => {
            let why = format!("{what} refuses {detail}: it takes a whole number of seconds");
            (Idle::Unknown(why.clone()), why)
        }
    }
}

fn unknown(why: String) -> (Idle, String) {
    (Idle::Unknown(why.clone()), why)
}

fn uvicorn_command(src: &Source<'_>) -> (Idle, String) {
    let file = src.text;
    let name = file_name(src.path);
    let scan = cmdline::scan(src.path, file, &UVICORN);
    if let Some(problem) = &scan.problem {
        return unknown(format!("{name}: {problem}"));
    }
    let env_value = |a: &cmdline::Assignment| {
        let v = a.value.value_from(0, file);
        let detail = format!("{UVICORN_ENV}={} at line {}", v.text, a.line);
        if v.dynamic {
            return unknown(format!("{detail} expands at run time"));
        }
        int_secs(&v.text, detail, "uvicorn")
    };
    let secs = default_secs("uvicorn", src);
    let default = |note: String| {
        (
            Idle::After(Duration::from_secs(secs)),
            format!("--timeout-keep-alive is not set {note}: uvicorn's default {secs}s"),
        )
    };
    if scan.commands.is_empty() {
        if scan.syntax != Syntax::EnvFile {
            return unknown(format!(
                "no uvicorn command line in {name} ({})",
                scan.syntax.describe()
            ));
        }
        return match scan.env_var(UVICORN_ENV) {
            Some(a) => env_value(a),
            None => default(format!("in {name}")),
        };
    }
    let results: Vec<(Idle, String)> = scan
        .commands
        .iter()
        .map(
            |cmd| match cmd.option(file, &TIMEOUT_KEEP_ALIVE, &UVICORN) {
                Lookup::Set(v) => {
                    let detail = format!(
                        "--timeout-keep-alive {} on the command line at line {}",
                        v.text, v.line
                    );
                    if v.dynamic {
                        unknown(format!("{detail} expands at run time"))
                    } else {
                        int_secs(&v.text, detail, "uvicorn")
                    }
                }
                Lookup::Hidden(w) => unknown(hidden(&w, cmd.line)),
                Lookup::Absent => match cmd.env_var(UVICORN_ENV) {
                    Some(a) => env_value(a),
                    None => {
                        let (idle, detail) =
                            default(format!("on the command line at line {}", cmd.line));
                        match scan.env_files_note(UVICORN_ENV) {
                            Some(note) => (idle, format!("{detail} ({note})")),
                            None => (idle, detail),
                        }
                    }
                },
            },
        )
        .collect();
    let idles: Vec<Idle> = results.iter().map(|r| r.0.clone()).collect();
    match cmdline::disagreement(&idles, &scan.commands, name) {
        Some(why) => unknown(why),
        None => results[0].clone(),
    }
}

/// The names `uvicorn.run` and `uvicorn.Config` go by in a module.
fn uvicorn_callees(module: &Module<'_>) -> Vec<String> {
    let mut callees = vec!["uvicorn.run".to_string(), "uvicorn.Config".to_string()];
    callees.extend(module.imported_as("uvicorn", &["run", "Config"]));
    callees
}

fn uvicorn_python(src: &Source<'_>) -> (Idle, String) {
    let module = Module::parse(src.text);
    let name = file_name(src.path);
    if let Some(problem) = module.problem() {
        return unknown(format!("{name} is not valid Python: {problem}"));
    }
    let calls = module.calls(&uvicorn_callees(&module));
    if calls.is_empty() {
        return unknown(format!(
            "no uvicorn.run(...) or uvicorn.Config(...) call in {name}"
        ));
    }
    let secs = default_secs("uvicorn", src);
    let results: Vec<(Idle, String)> = calls.iter().map(|c| call_idle(c, name, secs)).collect();
    if results.windows(2).all(|w| w[0].0 == w[1].0) {
        return results[0].clone();
    }
    let lines: Vec<String> = calls.iter().map(|c| c.line.to_string()).collect();
    unknown(format!(
        "the uvicorn calls at lines {} in {name} set different keepalive timeouts",
        lines.join(", ")
    ))
}

/// The idle timeout one `uvicorn.run(...)` call gives (`default_secs`
/// without the keyword).
fn call_idle(call: &python::Call, name: &str, default_secs: u64) -> (Idle, String) {
    let Some(arg) = call
        .args
        .iter()
        .find(|a| a.keyword.as_deref() == Some(UVICORN_KEYWORD))
    else {
        if call.args.iter().any(|a| a.star) {
            return unknown(format!(
                "the uvicorn call at line {} in {name} passes arguments with * or **, which may set {UVICORN_KEYWORD}",
                call.line
            ));
        }
        return (
            Idle::After(Duration::from_secs(default_secs)),
            format!(
                "{UVICORN_KEYWORD} is not passed to the uvicorn call at line {}: uvicorn's default {default_secs}s",
                call.line
            ),
        );
    };
    let detail = format!("{UVICORN_KEYWORD}={} at line {}", arg.value.text, call.line);
    match python_secs(&arg.value) {
        Ok(Some(d)) if d.as_millis() == 0 => (
            Idle::AfterEachResponse,
            format!("{detail}: uvicorn closes each connection right after its response"),
        ),
        Ok(Some(d)) => (Idle::After(d), detail),
        Ok(None) => unknown(format!("{detail} is computed")),
        Err(why) => unknown(format!("{detail}: {why}")),
    }
}

/// Why a value written as a number is not a number of seconds ngxfix
/// reads; after the value in messages (`keep_alive_timeout = -1 at line 2:
/// ...`).
#[derive(Debug, thiserror::Error)]
enum BadSeconds {
    #[error("not a usable number of seconds")]
    Unusable,
    #[error("not a number of seconds ngxfix reads exactly")]
    Inexact,
    #[error("not a number")]
    NotANumber,
    #[error("too large")]
    TooLarge,
    #[error("hypercorn needs a non-negative number of seconds")]
    NotSeconds,
}

/// Seconds from a Python number literal, exactly; `Ok(None)` when the
/// expression is not a literal.
fn python_secs(expr: &python::Expr) -> Result<Option<Duration>, BadSeconds> {
    match python::literal(expr) {
        Some(Literal::Int(n)) => u64::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(1000))
            .map(|ms| Some(Duration::from_millis(ms)))
            .ok_or(BadSeconds::Unusable),
        Some(Literal::Float(f)) => text::decimal(&f, 1000, true)
            .map(Some)
            .ok_or(BadSeconds::Inexact),
        Some(_) => Err(BadSeconds::NotANumber),
        None => Ok(None),
    }
}

fn uvicorn_python_raise(src: &Source<'_>, secs: &str) -> Result<Vec<Edit<()>>, RaiseError> {
    let module = Module::parse(src.text);
    let eol = text::line_ending(src.text);
    let mut edits = Vec::new();
    for call in module.calls(&uvicorn_callees(&module)) {
        match call
            .args
            .iter()
            .find(|a| a.keyword.as_deref() == Some(UVICORN_KEYWORD))
        {
            Some(arg) => edits.push(Edit::new(arg.value.start, arg.value.end, secs.to_string())),
            None => edits.push(add_keyword(src.text, &call, UVICORN_KEYWORD, secs, eol)),
        }
    }
    Ok(edits)
}

/// An edit adding `keyword=value` as the last argument of `call`, on its
/// own line when the call puts each argument on one.
fn add_keyword(file: &str, call: &python::Call, keyword: &str, value: &str, eol: &str) -> Edit<()> {
    let spaced = call
        .args
        .iter()
        .rev()
        .find(|a| a.keyword.is_some())
        .is_some_and(|a| a.spaced);
    let arg = if spaced {
        format!("{keyword} = {value}")
    } else {
        format!("{keyword}={value}")
    };
    let Some(last) = call.args.last() else {
        return Edit::new(call.open + 1, call.open + 1, arg);
    };
    let line_start = file[..last.start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &file[line_start..last.start];
    let own_line = !indent.is_empty() && indent.bytes().all(|b| b == b' ' || b == b'\t');
    match (own_line, call.trailing_comma) {
        (true, Some(comma)) => Edit::new(comma + 1, comma + 1, format!("{eol}{indent}{arg},")),
        (true, None) => Edit::new(last.end, last.end, format!(",{eol}{indent}{arg}")),
        (false, _) => Edit::new(last.end, last.end, format!(", {arg}")),
    }
}

// ---------------------------------------------------------------------
// hypercorn

/// hypercorn 0.18's options that take no value (`store_true`).
const HYPERCORN: Program = Program {
    name: "hypercorn",
    flags: &["-D", "--daemon", "--debug", "--reload"],
};
const KEEP_ALIVE: OptSpec = OptSpec {
    long: "--keep-alive",
    short: None,
};
const HYPERCORN_CONFIG: OptSpec = OptSpec {
    long: "--config",
    short: Some('c'),
};
const HYPERCORN_KEY: &str = "keep_alive_timeout";
/// Settings a new `keep_alive_timeout` goes after in a Python config.
const HYPERCORN_SETTINGS: &[&str] = &["bind", "workers", "worker_class", "graceful_timeout"];

/// hypercorn: `hypercorn.toml`, a Python config, or a command line.
#[derive(Debug)]
pub(crate) struct Hypercorn;

impl ServerFormat for Hypercorn {
    fn kinds(&self) -> &'static [&'static str] {
        &["hypercorn"]
    }

    fn files(&self) -> &'static str {
        "hypercorn.toml, or a command line (Procfile, systemd unit, shell script)"
    }

    fn read(&self, src: &Source<'_>) -> Reading {
        read_hypercorn(src)
    }

    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        hypercorn_edits(src, target)
    }
}

/// The idle timeout `src` gives hypercorn.
fn read_hypercorn(src: &Source<'_>) -> Reading {
    let (idle, detail) = if is_toml(src.path) {
        toml_idle(src)
    } else if src.path.ends_with(".py") {
        hypercorn_python(src)
    } else {
        hypercorn_command(src)
    };
    Reading {
        idle,
        kind: "hypercorn",
        detail,
    }
}

/// Edits after which `src` gives hypercorn an idle timeout of at least
/// `target` (exact in its files, which take fractions; whole seconds on a
/// command line).
fn hypercorn_edits(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    if need(&read_hypercorn(src).idle, target)? == Need::Nothing {
        return Ok(Vec::new());
    }
    let exact = text::secs_text(target);
    let edits = if is_toml(src.path) {
        vec![toml_raise(src.text, &exact)?]
    } else if src.path.ends_with(".py") {
        let module = Module::parse(src.text);
        vec![match module.binding(HYPERCORN_KEY) {
            Binding::Set { expr, .. } => Edit::new(expr.start, expr.end, exact),
            Binding::Absent => module.insert_assignment(HYPERCORN_KEY, &exact, HYPERCORN_SETTINGS),
            Binding::Unknown(why) => return Err(RaiseError::Unknown(why)),
        }]
    } else {
        let secs = text::ceil_secs(target).to_string();
        let scan = cmdline::scan(src.path, src.text, &HYPERCORN);
        let mut edits = Vec::new();
        for cmd in &scan.commands {
            edits.push(match cmd.option(src.text, &KEEP_ALIVE, &HYPERCORN) {
                Lookup::Set(v) => v.replace(&secs)?,
                Lookup::Hidden(w) => return Err(RaiseError::Unknown(hidden(&w, cmd.line))),
                Lookup::Absent => cmd.insert_option(KEEP_ALIVE.long, &secs),
            });
        }
        edits
    };
    Ok(edits)
}

fn is_toml(path: &str) -> bool {
    path.ends_with(".toml")
}

fn hypercorn_command(src: &Source<'_>) -> (Idle, String) {
    let file = src.text;
    let name = file_name(src.path);
    let scan = cmdline::scan(src.path, file, &HYPERCORN);
    if let Some(problem) = &scan.problem {
        return unknown(format!("{name}: {problem}"));
    }
    if scan.commands.is_empty() {
        return unknown(format!(
            "no hypercorn command line in {name} ({})",
            scan.syntax.describe()
        ));
    }
    let secs = default_secs("hypercorn", src);
    let results: Vec<(Idle, String)> = scan
        .commands
        .iter()
        .map(|cmd| match cmd.option(file, &KEEP_ALIVE, &HYPERCORN) {
            Lookup::Set(v) => {
                let detail = format!("--keep-alive {} on the command line at line {}", v.text, v.line);
                if v.dynamic {
                    unknown(format!("{detail} expands at run time"))
                } else {
                    int_secs(&v.text, detail, "hypercorn")
                }
            }
            Lookup::Hidden(w) => unknown(hidden(&w, cmd.line)),
            Lookup::Absent => match cmd.option(file, &HYPERCORN_CONFIG, &HYPERCORN) {
                Lookup::Set(v) => unknown(format!(
                    "{HYPERCORN_KEY} may be set in {}, the config file the command line at line {} names with -c: declare that file instead",
                    v.text, cmd.line
                )),
                _ => (
                    Idle::After(Duration::from_secs(secs)),
                    format!(
                        "--keep-alive is not set on the command line at line {} (and no -c config): hypercorn's default {secs}s",
                        cmd.line
                    ),
                ),
            },
        })
        .collect();
    let idles: Vec<Idle> = results.iter().map(|r| r.0.clone()).collect();
    match cmdline::disagreement(&idles, &scan.commands, name) {
        Some(why) => unknown(why),
        None => results[0].clone(),
    }
}

fn hypercorn_python(src: &Source<'_>) -> (Idle, String) {
    let module = Module::parse(src.text);
    let name = file_name(src.path);
    if let Some(problem) = module.problem() {
        return unknown(format!("{name} is not valid Python: {problem}"));
    }
    match module.binding(HYPERCORN_KEY) {
        Binding::Absent => {
            let secs = default_secs("hypercorn", src);
            (
                Idle::After(Duration::from_secs(secs)),
                format!("{HYPERCORN_KEY} is not set in {name}: hypercorn's default {secs}s"),
            )
        }
        Binding::Unknown(why) => unknown(format!("{why} in {name}")),
        Binding::Set { expr, line, .. } => {
            let detail = format!("{HYPERCORN_KEY} = {} at line {line}", expr.text);
            secs_idle(python_secs(&expr), detail)
        }
    }
}

/// The idle behaviour of an exact number of seconds from a config file.
fn secs_idle(secs: Result<Option<Duration>, BadSeconds>, detail: String) -> (Idle, String) {
    match secs {
        Ok(Some(d)) if d.as_millis() == 0 => (
            Idle::AfterEachResponse,
            format!("{detail}: hypercorn closes each connection right after its response"),
        ),
        Ok(Some(d)) => (Idle::After(d), detail),
        Ok(None) => unknown(format!("{detail} is computed")),
        Err(why) => unknown(format!("{detail}: {why}")),
    }
}

fn toml_idle(src: &Source<'_>) -> (Idle, String) {
    let name = file_name(src.path);
    let (start, end, number) = match toml::top_value(src.text, HYPERCORN_KEY) {
        Err(e) => return unknown(format!("{name} is not valid TOML: {}", e.message())),
        Ok(None) => {
            let secs = default_secs("hypercorn", src);
            return (
                Idle::After(Duration::from_secs(secs)),
                format!("{HYPERCORN_KEY} is not set in {name}: hypercorn's default {secs}s"),
            );
        }
        Ok(Some(found)) => found,
    };
    let written = &src.text[start..end];
    let detail = format!(
        "{HYPERCORN_KEY} = {written} at line {}",
        text::line_of(src.text, start)
    );
    let secs = match number {
        toml::Number::Int(n) => n
            .checked_mul(1000)
            .map(|ms| Some(Duration::from_millis(ms)))
            .ok_or(BadSeconds::TooLarge),
        toml::Number::Float => text::decimal(written.trim_start_matches('+'), 1000, true)
            .map(Some)
            .ok_or(BadSeconds::Inexact),
        toml::Number::Other => Err(BadSeconds::NotSeconds),
    };
    secs_idle(secs, detail)
}

fn toml_raise(file: &str, secs: &str) -> Result<Edit<()>, RaiseError> {
    let not_toml = |e: ::toml::de::Error| RaiseError::Unknown(e.message().to_string());
    if let Some((start, end, _)) = toml::top_value(file, HYPERCORN_KEY).map_err(not_toml)? {
        return Ok(Edit::new(start, end, secs.to_string()));
    }
    toml::insert_top_level(file, |spaced| setting_line(spaced, secs)).map_err(not_toml)
}

fn setting_line(spaced: bool, secs: &str) -> String {
    if spaced {
        format!("{HYPERCORN_KEY} = {secs}")
    } else {
        format!("{HYPERCORN_KEY}={secs}")
    }
}

#[cfg(test)]
mod tests;
