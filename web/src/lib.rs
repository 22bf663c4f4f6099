//! ngxfix in the browser: [`workspace`] holds the calls the sandbox page
//! makes (check, fix with an answer per change, redact, diagnose, the rule
//! list and explanations) on named files held in memory; the
//! `wasm-bindgen` bindings below pass them across as JSON strings, so the
//! same functions also run natively, where the tests compare them with the
//! command line. Nothing here reads a disk, opens a connection or asks the
//! clock: the page gives the texts and shows what comes back.

pub mod workspace;

use wasm_bindgen::prelude::wasm_bindgen;

use ngxfix_core::backends::kinds::SERVER_KINDS;
use ngxfix_core::model::Version;
use ngxfix_core::output::rule_docs;
use workspace::{Failure, Request};

/// The engine the page holds: the built-in rules, loaded once.
#[wasm_bindgen]
pub struct Engine {
    inner: workspace::Engine,
}

#[wasm_bindgen]
impl Engine {
    /// Load the built-in rules (a bug if they do not load: they are
    /// checked when the crate is built).
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<Engine, String> {
        workspace::Engine::new()
            .map(|inner| Engine { inner })
            .map_err(|f| f.message)
    }

    /// ngxfix's version.
    pub fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    /// The nginx version assumed when none is chosen.
    pub fn assumed_nginx_version(&self) -> String {
        Version::ASSUMED.to_string()
    }

    /// The rules as `ngxfix rules --json` lists them.
    pub fn rules(&self) -> String {
        rule_docs::list_json(self.inner.rules()).to_string()
    }

    /// A rule's documentation as `ngxfix explain` prints it (markdown);
    /// empty for an unknown rule.
    pub fn explain(&self, rule: &str) -> String {
        let mut out = Vec::new();
        match self.inner.rules().iter().find(|r| r.id == rule) {
            Some(rule) => match rule_docs::explain(&mut out, rule) {
                Ok(()) => String::from_utf8_lossy(&out).into_owned(),
                Err(_) => String::new(),
            },
            None => String::new(),
        }
    }

    /// The backend kinds a declaration can name, with their default idle
    /// timeouts: `[{name, idle, note}]`.
    pub fn backend_kinds(&self) -> String {
        let kinds: Vec<serde_json::Value> = SERVER_KINDS
            .iter()
            .map(|k| {
                serde_json::json!({
                    "name": k.name,
                    "idle": k.idle.to_string(),
                    "setting": k.setting,
                    "note": k.note,
                })
            })
            .collect();
        serde_json::Value::Array(kinds).to_string()
    }

    /// `check`: `{"ok": true, "report": <check --format json>, "notes",
    /// "upstreams", "read"}` or `{"ok": false, "error": {message, path,
    /// line, col}}`.
    pub fn check(&self, request: &str) -> String {
        answer(request, |r| self.inner.check(r))
    }

    /// `fix`: `{"ok": true, "diff", "files", "proposals", "remaining",
    /// "reverted", "notes"}`.
    pub fn fix(&self, request: &str) -> String {
        answer(request, |r| self.inner.fix(r))
    }

    /// `redact`: `{"ok": true, "files", "report", "entries", "left_out"}`.
    pub fn redact(&self, request: &str) -> String {
        answer(request, |r| self.inner.redact(r))
    }

    /// `diagnose` of an error log's text: `{"ok": true, "report"}`.
    pub fn diagnose(&self, request: &str, log: &str) -> String {
        answer(request, |r| {
            self.inner
                .diagnose(r, log)
                .map(|report| serde_json::json!({ "report": report }))
        })
    }
}

/// Read the request, run `call`, and give its result (or why there is
/// none) as JSON with an `ok` flag.
fn answer<T: serde::Serialize>(
    request: &str,
    call: impl FnOnce(&Request) -> Result<T, Failure>,
) -> String {
    let result = serde_json::from_str::<Request>(request)
        .map_err(|e| {
            Failure::new(format!(
                "the page sent a request the engine cannot read: {e}"
            ))
        })
        .and_then(|request| call(&request));
    let value = match result
        .and_then(|value| serde_json::to_value(value).map_err(|e| Failure::new(e.to_string())))
    {
        Ok(serde_json::Value::Object(mut fields)) => {
            fields.insert("ok".into(), true.into());
            serde_json::Value::Object(fields)
        }
        Ok(other) => serde_json::json!({ "ok": true, "value": other }),
        Err(failure) => serde_json::json!({ "ok": false, "error": failure }),
    };
    value.to_string()
}
