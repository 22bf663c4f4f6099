//! Declarative rules: the TOML schema, loading and validation, the matcher,
//! fixes computed as edits, inline suppressions, and the runner for the
//! examples embedded in rule files.

pub mod baseline;
pub mod engine;
pub mod facts;
pub mod file_ignores;
pub mod fixes;
pub mod load;
pub mod matcher;
mod regexes;
mod relations;
pub mod schema;
pub mod suppress;
pub mod template;

pub use engine::{
    check, run, Checked, EditPlace, Finding, FixState, Hit, PlannedFix, RunOptions,
    UNUSED_SUPPRESSION,
};
pub use facts::{Backend, Backends, Facts, Front};
pub use fixes::FixPlan;
pub use load::{Rule, RuleError, RuleOrigin, RuleVariant};
pub use schema::{Safety, Severity};

#[cfg(test)]
mod tests {
    use crate::config::from_texts;
    use crate::model::{Model, Version};

    /// The whole check, every built-in rule, on configurations whose
    /// upstream names once panicked the resolution of `*_pass` targets.
    #[test]
    fn builtin_rules_run_on_non_ascii_names() {
        let rules = super::load::builtin().unwrap();
        for conf in [
            "http { upstream backenä { server 127.0.0.1:50051; } \
             server { location / { grpc_pass backenä; } } }",
            "http { server { location / { proxy_pass aaaaaaé; } } }",
            "http { server { location / { proxy_pass http://ä; } } }",
        ] {
            let tree = from_texts(&[("/etc/nginx/nginx.conf", conf)]);
            let model = Model::new(&tree, Version::ASSUMED);
            super::run(&rules, &model, &Default::default());
        }
    }

    /// Plans carry the values their fixes write only when asked: `fix -i`
    /// edits them; every other run would hold them for nothing.
    #[test]
    fn plans_carry_their_values_only_when_asked() {
        let rules = super::load::builtin().unwrap();
        let conf = "http { upstream app { server 127.0.0.1:8000; keepalive 8; } \
                    server { location / { proxy_pass http://app; } } }";
        let tree = from_texts(&[("/etc/nginx/nginx.conf", conf)]);
        let model = Model::new(&tree, "1.24.0".parse().unwrap());
        let values = |fix_values: bool| -> Vec<String> {
            let options = super::RunOptions {
                fix_values,
                ..Default::default()
            };
            super::run(&rules, &model, &options)
                .iter()
                .filter(|f| f.rule == "proxy-http-version")
                .flat_map(|f| f.fix.plan().map(|p| p.values.clone()).unwrap_or_default())
                .map(|v| v.text)
                .collect()
        };
        assert_eq!(values(true), ["1.1"]);
        assert!(values(false).is_empty());
    }
}
