//! Command-line definitions.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Finds and fixes dangerous nginx configurations without disturbing
/// anything else in the file.
#[derive(Debug, Parser)]
#[command(name = "ngxfix", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a configuration tree with the rules and report findings.
    Check(CheckArgs),
    /// Apply the rules' fixes: in place, as a diff (--dry-run) or one
    /// approval at a time (-i).
    Fix(FixArgs),
    /// Write an ngxfix.toml for a configuration: the nginx version it runs
    /// on, and the backend behind each upstream whose connections nginx
    /// keeps or reuses (asked on a terminal, given with --backend, or the
    /// configuration's hint with --yes).
    Init(InitArgs),
    /// List the rules: id, severity, fixable, title.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain(ExplainArgs),
    /// Run the examples embedded in rule files.
    TestRules(TestRulesArgs),
    /// Parse a configuration tree (includes followed) and print it.
    Parse(ParseArgs),
    /// Print the configuration tree (or write it to a folder) with secrets
    /// replaced by stable placeholders, to share it safely.
    Redact(RedactArgs),
    /// Read nginx error logs and group upstream failures by signature,
    /// with the likely cause and the rules that address it.
    Diagnose(DiagnoseArgs),
    /// Measure each backend's idle keep-alive timeout: connect to the
    /// servers of the upstreams the configuration pools (or --target),
    /// send one request, and time the idle close. Sends real requests.
    Probe(ProbeArgs),
    /// Print a completion script for a shell (bash, zsh, fish, powershell,
    /// elvish).
    Completions(CompletionsArgs),
    /// Write the manual pages of ngxfix and of each subcommand.
    Man(ManArgs),
}

/// `ngxfix probe`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Probing sends real requests to the backends: one bodiless GET (or HEAD) \
per address and --requests, no redirect followed, and only to private addresses (loopback, \
RFC 1918, link-local, unique-local, UNIX sockets) unless --allow-public is given. Each address \
is probed once at a time; all of them at once; the run takes at most the connect and response \
timeouts plus --max-wait. Exit status: 0 every address measured, 1 some could not be, 2 error."
)]
pub struct ProbeArgs {
    /// Main configuration files (or a site file, a fragment, `-`, an
    /// `nginx -T` dump, as `check` reads them), whose upstreams reached by
    /// a `*_pass` are probed. Default: the path `nginx -V` reports, else
    /// /etc/nginx/nginx.conf; none with --target.
    pub paths: Vec<PathBuf>,

    /// Probe only this upstream (repeatable).
    #[arg(long = "upstream", value_name = "NAME")]
    pub upstreams: Vec<String>,

    /// The nginx version the configuration runs on: it decides which
    /// upstreams' connections are reused (reported beside each). Default:
    /// the installed nginx's, else 1.29.6.
    #[arg(long, value_name = "X.Y.Z")]
    pub nginx_version: Option<String>,

    /// Probe this address instead of a configuration's (repeatable):
    /// `HOST:PORT`, `unix:/path`, `https://HOST:PORT` for TLS.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,

    /// The request's path.
    #[arg(long, default_value = "/")]
    pub path: String,

    /// The request's `Host:` header. Default: the server's host.
    #[arg(long)]
    pub host: Option<String>,

    /// The request's method.
    #[arg(long, value_enum, default_value_t = ProbeMethod::Get)]
    pub method: ProbeMethod,

    /// The longest wait for the idle close; a connection still open then
    /// is reported as such (the backend keeps it at least that long).
    #[arg(long, value_name = "DURATION", default_value = "75s", value_parser = parse_wait)]
    pub max_wait: std::time::Duration,

    /// Send this many requests one after another on the connection, to
    /// see how many it serves before the server closes it.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub requests: u32,

    /// Probe public addresses too.
    #[arg(long)]
    pub allow_public: bool,

    /// Keep measurements in this file and reuse those less than a day old.
    #[arg(long, value_name = "FILE")]
    pub probe_cache: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DiagnoseFormat::Text)]
    pub format: DiagnoseFormat,

    /// No progress display on standard error.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub limits: ReadLimits,
}

/// `ngxfix init`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "On a terminal, each upstream not given with --backend is asked about: pick its \
server kind with the arrow keys and Enter, give its idle timeout, or answer \"don't know\" (its \
table is written commented out). Without a terminal, or with --yes, nothing is asked: the server \
the configuration hints at (a comment, a socket name) is written and marked as a guess, else the \
table is commented out. An existing file is never replaced without --force. Exit status: 0 \
written, 2 error (nothing written)."
)]
pub struct InitArgs {
    /// Main configuration files (or a site file, a fragment, `-`, an
    /// `nginx -T` dump, as `check` reads them). Default: the path
    /// `nginx -V` reports, else /etc/nginx/nginx.conf.
    pub paths: Vec<PathBuf>,

    /// The backend behind an upstream (repeatable), written into its table
    /// without asking, with the syntax of `check --backend`:
    /// `UPSTREAM=DURATION`, `UPSTREAM=KIND[@VERSION]`,
    /// `UPSTREAM=KIND[@VERSION]:PATH` or `UPSTREAM=probe`.
    #[arg(long = "backend", value_name = "UPSTREAM=SPEC")]
    pub backends: Vec<String>,

    /// Ask nothing: an upstream not given with --backend gets the server
    /// the configuration hints at, marked as a guess, else a table left
    /// commented out.
    #[arg(short, long)]
    pub yes: bool,

    /// Replace the file when it exists.
    #[arg(long)]
    pub force: bool,

    /// Write this file instead of ngxfix.toml in the working directory
    /// (where `check` looks for it); `-` prints it to standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// The nginx version to write, instead of the installed nginx's.
    #[arg(long, value_name = "X.Y.Z")]
    pub nginx_version: Option<String>,

    #[command(flatten)]
    pub reading: ReadingArgs,

    #[command(flatten)]
    pub limits: ReadLimits,
}

/// The probe's request method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeMethod {
    Get,
    Head,
}

/// `ngxfix completions SHELL`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `ngxfix man [--out DIR]`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write `ngxfix.1` and one page per subcommand (`ngxfix-check.1`, ...)
    /// into this folder, created if missing. Without it, `ngxfix.1` goes to
    /// standard output (`ngxfix man | man -l -`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Where rules and settings come from; shared by the rule commands.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RuleSource {
    /// Settings file. Default: `ngxfix.toml` in the working directory or a
    /// parent.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Extra rule files or folders of `*.toml` rules (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Run only these rules: comma-separated rule ids or categories
    /// (`security`, `correctness`, `performance`, `keepalive`, ...; see
    /// `ngxfix rules`).
    #[arg(long, value_delimiter = ',', value_name = "ID|CATEGORY,...")]
    pub select: Vec<String>,

    /// Do not run these rules: comma-separated rule ids or categories.
    #[arg(long, value_delimiter = ',', value_name = "ID|CATEGORY,...")]
    pub ignore: Vec<String>,
}

/// How much of a configuration is read; shared by the commands that read
/// one.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadLimits {
    /// The most bytes read of one configuration file, or of a
    /// configuration on standard input: bytes, or a number with K, M or G
    /// as nginx writes sizes (`64M`). A larger one is refused.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub max_file_size: u64,
}

/// How the named files are read; shared by the commands that read a
/// configuration as `check` does.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReadingArgs {
    /// Read only the named files, without following includes.
    #[arg(long)]
    pub no_includes: bool,

    /// The block the named files' top level is the inside of, instead of
    /// the one inferred from their directives: `main` (a whole
    /// nginx.conf), `http` (`server`, `upstream` at the top: a
    /// sites-enabled or conf.d file), `server`, `location` or `stream`.
    #[arg(long, value_name = "CONTEXT", value_parser = parse_context)]
    pub context: Option<ngxfix::config::RootContext>,

    /// The directory relative includes resolve against, as nginx's prefix
    /// (the directory of nginx.conf). Default: the main file's directory;
    /// for a fragment the parent of its sites-enabled/ or conf.d/ folder,
    /// else its own directory; for standard input the working directory.
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,
}

/// What to check and with which facts; shared by `check` and `fix`.
#[derive(Debug, Clone, clap::Args)]
pub struct Inputs {
    /// Main configuration files, or `-` for standard input. Default: the
    /// path `nginx -V` reports, else /etc/nginx/nginx.conf.
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub source: RuleSource,

    /// The nginx version the configuration runs on (rules and defaults
    /// depend on it).
    #[arg(long, value_name = "X.Y.Z")]
    pub nginx_version: Option<String>,

    /// The backend behind an upstream (repeatable): `UPSTREAM=DURATION`,
    /// its idle keepalive timeout; `UPSTREAM=KIND[@VERSION]` for a
    /// server's documented default (gunicorn, gunicorn-sync, uvicorn,
    /// hypercorn, waitress, tornado, daphne, node, apache, puma, unicorn,
    /// thin, php-fpm, tomcat, spring-boot, jetty, undertow, quarkus,
    /// kestrel, uwsgi-http11, uwsgi-http, uwsgi-http-socket, go,
    /// actix-web, mattermost, minio, caddy, envoy); or
    /// `UPSTREAM=KIND[@VERSION]:PATH` to read it from the server's own
    /// configuration (gunicorn, uvicorn, hypercorn, uwsgi, node, puma,
    /// tomcat, spring-boot, apache); or `UPSTREAM=probe` to measure it on
    /// the upstream's servers (as `ngxfix probe` does; real requests).
    #[arg(long = "backend", value_name = "UPSTREAM=SPEC")]
    pub backends: Vec<String>,

    /// The backend to assume behind every upstream that is neither
    /// declared with `--backend` nor hinted at by the configuration (a
    /// comment, a socket name): a server kind (`gunicorn`) or an idle
    /// timeout (`2s`). Without it, such upstreams get advice but no fix of
    /// their keepalive_timeout. Overrides `assume_backend` in ngxfix.toml.
    #[arg(long, value_name = "KIND|DURATION")]
    pub assume_backend: Option<String>,

    /// When a backend closes idle connections before nginx does: lower
    /// nginx's upstream keepalive_timeout (`nginx`, the default: one file,
    /// no redeploy), or raise the backend's timeout in its configuration
    /// file (`backend`; needs `--backend UPSTREAM=KIND:PATH`). Overrides
    /// `prefer` in ngxfix.toml.
    #[arg(long, value_name = "nginx|backend", value_parser = parse_prefer)]
    pub prefer: Option<ngxfix::rules::facts::Prefer>,

    /// The load balancer in front of nginx: its idle timeout (`350s`) or a
    /// kind (`aws-alb`, 60s). nginx's client keepalive_timeout must exceed it.
    #[arg(long = "front-lb", value_name = "SPEC")]
    pub front_lb: Option<String>,

    #[command(flatten)]
    pub reading: ReadingArgs,

    /// Where `--backend UPSTREAM=probe` (and `probe = true` in
    /// ngxfix.toml) keeps its measurements, reused for a day.
    #[arg(long, value_name = "FILE")]
    pub probe_cache: Option<PathBuf>,

    /// Let `--backend UPSTREAM=probe` measure public addresses too.
    #[arg(long)]
    pub allow_public: bool,

    /// No progress display on standard error (shown on a terminal for
    /// trees over 4 MiB and while probing).
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub limits: ReadLimits,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub inputs: Inputs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Colors in text output (`NO_COLOR` also turns them off).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Exit 0 even when there are findings (an error still exits 2).
    #[arg(long, conflicts_with = "fail_on")]
    pub exit_zero: bool,

    /// The least severity that makes the exit status 1 (default: any
    /// finding, `info` included).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// Print the number of findings per rule (with its worst severity and
    /// how many are fixable) instead of the findings: text or json.
    #[arg(long)]
    pub statistics: bool,

    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// Print the fixes as a unified diff instead of the findings, writing
    /// nothing: the same as `ngxfix fix --dry-run` (exit 1 when there are
    /// changes).
    #[arg(long, conflicts_with_all = ["format", "statistics", "output_file", "exit_zero", "fail_on", "baseline"])]
    pub diff: bool,

    /// Report only the findings this baseline (written by
    /// `--write-baseline`) does not know. A known finding is matched by
    /// rule, file and the directive's text, so edits elsewhere in the file
    /// do not bring it back.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write every current finding to FILE as a baseline, report nothing
    /// and exit 0: adopt ngxfix on a large tree now, fix the old findings
    /// later. Paths in it are relative to FILE's folder.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "statistics", "output_file", "diff", "add_suppressions", "exit_zero", "fail_on"])]
    pub write_baseline: Option<PathBuf>,

    /// Write a suppression comment (`# ngxfix: ignore RULE -- TODO: ...`)
    /// above each line with findings, in place, and exit 0. Replace each
    /// TODO with the reason the finding is accepted.
    #[arg(long, conflicts_with_all = ["statistics", "output_file", "diff", "exit_zero", "fail_on"])]
    pub add_suppressions: bool,
}

/// `--fail-on`: the least severity that fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    /// The severity it names.
    pub fn severity(self) -> ngxfix::rules::Severity {
        match self {
            FailOn::Error => ngxfix::rules::Severity::Error,
            FailOn::Warning => ngxfix::rules::Severity::Warning,
            FailOn::Info => ngxfix::rules::Severity::Info,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub inputs: Inputs,

    /// Print the changes as a unified diff and write nothing; exit 1 when
    /// there are changes.
    #[arg(long)]
    pub dry_run: bool,

    /// Show each change and ask whether to apply it, one key without
    /// Enter as `git add -p` does: y (yes), n (no), a (this and the rest of
    /// the file), q (quit), e (edit the value the change writes, such as
    /// a timeout, in $VISUAL or $EDITOR, then apply it), ? (help).
    #[arg(short, long)]
    pub interactive: bool,

    /// Also apply fixes marked unsafe (they can change behaviour; read
    /// `ngxfix explain RULE`).
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Do not check the fixed configuration with `nginx -t` (on a temporary
    /// copy; like any `nginx -t` it opens the log files the configuration
    /// names) before writing or showing it.
    #[arg(long)]
    pub no_verify: bool,

    /// Write a file that a rename cannot replace (a single file
    /// bind-mounted into place, as `docker run -v FILE:FILE` does) over its
    /// own bytes instead of refusing the run.
    #[arg(long)]
    pub in_place_ok: bool,

    /// Refuse the run when a file to fix is read-only, instead of
    /// replacing it as `sed -i` does (with a note).
    #[arg(long)]
    pub respect_readonly: bool,

    /// Colors in diffs and messages (`NO_COLOR` also turns them off).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Output format: `text` (a summary, or the diff with --dry-run), or
    /// `json`: every fix applied (rule, finding, the text it wrote), each
    /// changed file's hunks, and the findings left (docs/json-output.md).
    #[arg(long, value_enum, default_value_t = FixFormat::Text)]
    pub format: FixFormat,
}

/// `fix --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixFormat {
    /// For people: a summary, the diff with --dry-run.
    Text,
    /// The documented JSON schema (docs/json-output.md).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Human-readable, with the source line.
    Text,
    /// The documented JSON schema (docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// GitLab Code Quality report (docs/json-output.md).
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color output going to a stream that is (or is not) a
    /// terminal.
    pub fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && terminal
            }
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub source: RuleSource,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rule id.
    pub rule: String,

    #[command(flatten)]
    pub source: RuleSource,
}

#[derive(Debug, clap::Args)]
pub struct TestRulesArgs {
    /// Rule files or folders to test. Default: the built-in rules and those
    /// `ngxfix.toml` adds.
    pub paths: Vec<PathBuf>,

    /// Settings file (for its `rules` folders).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// The main configuration file, or `-` for standard input (an `nginx -T`
    /// dump is split into its files). Default: the path `nginx -V` reports,
    /// else /etc/nginx/nginx.conf.
    pub path: Option<PathBuf>,

    /// What to print.
    #[arg(long, value_enum, default_value_t = ParseFormat::Crossplane)]
    pub format: ParseFormat,

    /// Parse only the named file, without following its includes (for
    /// fragments such as a sites-enabled file).
    #[arg(long)]
    pub no_includes: bool,

    /// Indent the JSON (crossplane format).
    #[arg(long)]
    pub pretty: bool,

    #[command(flatten)]
    pub limits: ReadLimits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParseFormat {
    /// crossplane's JSON schema (comments included).
    Crossplane,
    /// The lossless tree, one token a line, for debugging.
    Tree,
    /// The main file printed back from the tree: byte-identical to the input.
    Source,
    /// Every file of the tree, the way `nginx -T` prints them.
    Dump,
    /// Counts only: files, bytes, lines, tokens, directives, comments.
    Stats,
}

#[derive(Debug, clap::Args)]
pub struct RedactArgs {
    /// The main configuration file, or `-` for standard input (an `nginx -T`
    /// dump is split into its files). Default: the path `nginx -V` reports,
    /// else /etc/nginx/nginx.conf.
    pub path: Option<PathBuf>,

    /// Write each redacted file under DIR (which must not exist or be
    /// empty), paths relative to the main file's directory, instead of
    /// printing the tree.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Also replace IP addresses and host names (upstream names, loopback
    /// and `localhost` stay).
    #[arg(long)]
    pub hosts: bool,

    /// How to report what was redacted, on standard error.
    #[arg(long, value_enum, default_value_t = RedactReport::Text)]
    pub report: RedactReport,

    /// Redact only the named file, without following its includes.
    #[arg(long)]
    pub no_includes: bool,

    #[command(flatten)]
    pub limits: ReadLimits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RedactReport {
    /// One line per redacted value (kind, file:line, placeholder), then totals.
    Text,
    /// The same as JSON.
    Json,
    /// Nothing.
    None,
}

#[derive(Debug, clap::Args)]
pub struct DiagnoseArgs {
    /// nginx error logs, plain or gzip-compressed (detected by content), or
    /// `-` for standard input (the default).
    pub logs: Vec<PathBuf>,

    /// The nginx configuration to check with the rules the failures point
    /// to. Unlike `check`, where `--config` names the settings file, it
    /// names nginx's main configuration file here.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Settings file (ngxfix.toml) for the `--config` check. Default:
    /// `ngxfix.toml` in the working directory or a parent.
    #[arg(long, value_name = "FILE", requires = "config")]
    pub settings: Option<PathBuf>,

    /// The nginx version the configuration runs on.
    #[arg(long, value_name = "X.Y.Z", requires = "config")]
    pub nginx_version: Option<String>,

    /// The backend behind an upstream (repeatable), as for `check`.
    #[arg(long = "backend", value_name = "UPSTREAM=SPEC", requires = "config")]
    pub backends: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DiagnoseFormat::Text)]
    pub format: DiagnoseFormat,

    /// No progress display on standard error.
    #[arg(short, long)]
    pub quiet: bool,

    /// Colors in the findings of `--config` (`NO_COLOR` also turns them off).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    // For the `--config` tree only: logs are read whatever their size.
    #[command(flatten)]
    pub limits: ReadLimits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnoseFormat {
    /// Human-readable report.
    Text,
    /// The documented JSON schema (docs/json-output.md).
    Json,
}

fn parse_context(text: &str) -> Result<ngxfix::config::RootContext, String> {
    text.parse()
}

/// A size as nginx writes one (`ngx_parse_size()`): bytes, or a number
/// with `k`, `m` or `g` (either case).
fn parse_wait(text: &str) -> Result<std::time::Duration, String> {
    ngxfix::rules::facts::duration(text)
        .map(|d| std::time::Duration::from_millis(d.as_millis()))
        .ok_or_else(|| format!("\"{text}\" is not a duration such as 75s or 2m"))
}

fn parse_size(text: &str) -> Result<u64, String> {
    ngxfix::model::units::Size::parse(text)
        .map(|size| size.as_bytes())
        .map_err(|_| "expected bytes, or a number with K, M or G (e.g. 64M)".to_string())
}

fn parse_prefer(text: &str) -> Result<ngxfix::rules::facts::Prefer, String> {
    text.parse()
        .map_err(|e: ngxfix::rules::facts::PreferError| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_size_limit_is_the_library_one() {
        let limits = Cli::parse_from(["ngxfix", "parse", "x.conf"]);
        let Command::Parse(args) = limits.command else {
            panic!("parse");
        };
        assert_eq!(
            args.limits.max_file_size,
            ngxfix::config::DEFAULT_MAX_FILE_SIZE
        );
    }

    #[test]
    fn sizes_are_read_as_nginx_reads_them() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1k"), Ok(1024));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("64MB").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
