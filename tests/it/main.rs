//! The integration tests, in one binary (one link instead of one per file,
//! as ripgrep does): each former `tests/NAME.rs` is the module `NAME` here,
//! so `cargo test --test it NAME::` runs one of them.
//!
//! One process runs them all, on the harness's threads: a test must not
//! change what the process shares (environment, current directory, signal
//! dispositions, file descriptors a child could inherit) and must not
//! assume it runs alone. `memory_linear` counts every allocation of the
//! process, so it measures in a child process of its own.

mod common;

mod backends;
mod cli_adoption;
mod cli_check;
mod cli_diagnose;
mod cli_fix;
mod cli_inputs;
mod cli_parse;
mod cli_shell;
mod corpus_refusals;
mod corpus_roundtrip;
mod crash_safety;
mod crossplane_goldens;
mod diff_apply;
mod doc_links;
mod e2e_502;
mod examples;
mod fix_conflicts;
mod fix_corpus;
mod fix_json;
mod fix_rejected;
mod floors;
mod github_action;
mod gixy_fixtures;
mod ground_truth_defaults;
mod ground_truth_java;
mod ground_truth_node;
mod ground_truth_php_fpm;
mod ground_truth_python;
mod ground_truth_uwsgi_apache;
mod inheritance_nginx;
mod init;
mod interactive;
mod loading_limits;
mod memory_linear;
mod nginx_t_refusals;
mod no_panic;
mod output_formats;
mod packaging;
mod pre_commit;
mod probe;
mod progress;
mod realworld;
mod redact;
mod rule_files;
mod units_against_nginx;
mod utf8_names;
mod web_agrees;
mod write_safety;
