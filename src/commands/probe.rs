//! `ngxfix probe`: measure the idle keep-alive timeout of the servers
//! behind a configuration's upstreams (or of `--target` addresses), and
//! what `--backend UPSTREAM=probe` declares with it in `check` and `fix`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::cli::{DiagnoseFormat, ProbeArgs, ProbeMethod};
use ngxfix::model::{Model, Version};
use ngxfix::probe::cache::Cache;
use ngxfix::probe::plan::{self, Planned, PlannedServer, Verdict};
use ngxfix::probe::{self, time, Observed, Options, ProbeError, Target};

use super::progress::Progress;
use super::reading::{self, ReadOptions};

/// One group of addresses in the report: an upstream, or `--target`.
struct Group {
    name: Option<String>,
    at: Option<String>,
    reused: bool,
    servers: Vec<PlannedServer>,
}

/// Probe and report; exit status 1 when some address could not be
/// measured.
pub fn run(args: &ProbeArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let options = Options {
        method: match args.method {
            ProbeMethod::Get => "GET".into(),
            ProbeMethod::Head => "HEAD".into(),
        },
        path: args.path.clone(),
        host: args.host.clone(),
        max_wait: args.max_wait,
        requests: args.requests,
        allow_public: args.allow_public,
        ..Options::default()
    };
    if !args.path.starts_with('/') || args.path.contains([' ', '\r', '\n']) {
        anyhow::bail!(
            "--path {:?}: give an absolute path without spaces",
            args.path
        );
    }
    if let Some(host) = &args.host {
        if host.is_empty() || host.contains([' ', '\r', '\n', '\t']) {
            anyhow::bail!("--host {host:?}: give a host name, without spaces or line breaks");
        }
    }
    let version = match &args.nginx_version {
        Some(text) => text
            .parse::<Version>()
            .context("reading the nginx version (--nginx-version)")?,
        None => ngxfix::nginx::Nginx::installed()
            .and_then(|nginx| nginx.version().ok())
            .unwrap_or(Version::ASSUMED),
    };
    let mut groups = Vec::new();
    for written in &args.targets {
        let (tls, address) = match written.strip_prefix("https://") {
            Some(rest) => (true, rest),
            None => (false, written.strip_prefix("http://").unwrap_or(written)),
        };
        groups.push(Group {
            name: None,
            at: None,
            reused: true,
            servers: vec![PlannedServer {
                targets: plan::targets(address.trim_end_matches('/'), tls, args.allow_public),
                written: written.clone(),
            }],
        });
    }
    if !args.paths.is_empty() || args.targets.is_empty() {
        groups.extend(configured(args, version)?);
    }
    let mut cache = match &args.probe_cache {
        Some(path) => Some(Cache::load(path)?),
        None => None,
    };
    let targets: Vec<Target> = groups
        .iter()
        .flat_map(|g| &g.servers)
        .flat_map(|s| s.targets.iter().flatten().cloned())
        .collect();
    let show = args.format == DiagnoseFormat::Text && super::progress::wanted(args.quiet);
    let progress = progress(targets.len(), &options, show);
    let results = probe::measure(&targets, &options, cache.as_mut(), &|done, _| {
        progress.set(done as u64)
    });
    drop(progress);
    if let Some(cache) = &cache {
        cache.save()?;
    }
    let mut results = results.into_iter();
    let measured: Vec<Vec<ServerResult>> = groups
        .iter()
        .map(|g| {
            g.servers
                .iter()
                .map(|s| match &s.targets {
                    Ok(targets) => targets
                        .iter()
                        .map(|t| (t.clone(), results.next().expect("one result per target")))
                        .collect(),
                    Err(_) => Vec::new(),
                })
                .collect()
        })
        .collect();
    let failed = groups
        .iter()
        .zip(&measured)
        .flat_map(|(g, m)| g.servers.iter().zip(m))
        .any(|(s, r)| s.targets.is_err() || r.iter().any(|(_, r)| r.is_err()));
    match args.format {
        DiagnoseFormat::Text => text(out, &groups, &measured, &options, version)?,
        DiagnoseFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &json(&groups, &measured, &options))?;
            writeln!(out)?;
        }
    }
    Ok(u8::from(failed))
}

/// Each address of one server with its result.
type ServerResult = Vec<(Target, Result<Observed, ProbeError>)>;

/// What a group's measured addresses say together.
fn verdict(servers: &[ServerResult]) -> Option<Verdict> {
    Verdict::of(
        servers
            .iter()
            .flatten()
            .filter_map(|(t, r)| r.as_ref().ok().map(|o| (&t.address, o))),
    )
}

/// The upstreams of the named configurations to probe.
fn configured(args: &ProbeArgs, version: Version) -> anyhow::Result<Vec<Group>> {
    let options = ReadOptions {
        context: None,
        prefix: None,
        no_includes: false,
        max_file_size: args.limits.max_file_size,
    };
    let paths: Vec<Option<&Path>> = if args.paths.is_empty() {
        vec![None]
    } else {
        args.paths.iter().map(|p| Some(p.as_path())).collect()
    };
    let mut groups: Vec<Group> = Vec::new();
    for path in paths {
        let (tree, _) = reading::read(path, &options)?;
        let model = Model::new(&tree, version);
        let chosen = |name: &str, _: bool| {
            args.upstreams.is_empty() || args.upstreams.iter().any(|u| u.eq_ignore_ascii_case(name))
        };
        for planned in plan::plan(&model, &chosen, args.allow_public) {
            let Planned {
                name,
                at,
                reused,
                servers,
            } = planned;
            groups.push(Group {
                name: Some(name),
                at: Some(at),
                reused,
                servers,
            });
        }
    }
    for wanted in &args.upstreams {
        if !groups.iter().any(|g| {
            g.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        }) {
            anyhow::bail!("--upstream {wanted}: no upstream {wanted} that a *_pass reaches");
        }
    }
    Ok(groups)
}

fn text(
    out: &mut dyn Write,
    groups: &[Group],
    measured: &[Vec<ServerResult>],
    options: &Options,
    version: Version,
) -> anyhow::Result<()> {
    if groups.is_empty() {
        writeln!(
            out,
            "No upstream to probe: no *_pass reaches an upstream{{}} (--target probes an address)."
        )?;
        return Ok(());
    }
    let mut addresses = 0;
    for (group, servers) in groups.iter().zip(measured) {
        let verdict = verdict(servers);
        let head = match (&group.name, &group.at) {
            (Some(name), Some(at)) => format!(
                "upstream {name} ({at}){}",
                if group.reused {
                    String::new()
                } else {
                    format!(" (its passes do not reuse connections at nginx {version})")
                }
            ),
            _ => "target".to_string(),
        };
        match &verdict {
            Some(v) if v.others > 0 => writeln!(
                out,
                "{head}: {} (the shortest of {} addresses)",
                v.idle.describe(),
                v.measured
            )?,
            Some(v) => writeln!(out, "{head}: {}", v.idle.describe())?,
            None => writeln!(out, "{head}: not measured")?,
        }
        for (server, results) in group.servers.iter().zip(servers) {
            if let Err(e) = &server.targets {
                writeln!(out, "    {:<22} error: {e}", server.written)?;
                continue;
            }
            for (target, result) in results {
                addresses += 1;
                let shown = if results.len() > 1 || server.written != target.address.to_string() {
                    format!("{} ({})", target.address, server.written)
                } else {
                    target.address.to_string()
                };
                match result {
                    Ok(o) => {
                        let mut line = format!(
                            "    {shown:<22} {}; {} {}",
                            o.idle.describe(),
                            o.status,
                            o.version
                        );
                        if let Some(ka) = &o.keep_alive {
                            line.push_str(&format!(", Keep-Alive: {ka}"));
                        }
                        if let Some(n) = o.served {
                            line.push_str(&format!(
                                ", closed after {n} request{}",
                                if n == 1 { "" } else { "s" }
                            ));
                        } else if options.requests > 1 {
                            line.push_str(&format!(", served all {} requests", options.requests));
                        }
                        writeln!(out, "{line}")?;
                    }
                    Err(e) => writeln!(out, "    {shown:<22} error: {e}")?,
                }
            }
        }
    }
    writeln!(
        out,
        "\nProbed {addresses} address{} at {} ({} {}, waiting up to {} for the idle close).",
        if addresses == 1 { "" } else { "es" },
        time::utc(std::time::SystemTime::now()),
        options.method,
        options.path,
        probe::seconds(options.max_wait)
    )?;
    Ok(())
}

fn json(groups: &[Group], measured: &[Vec<ServerResult>], options: &Options) -> serde_json::Value {
    let observed_json = |o: &Observed| {
        let (kind, seconds, announced) = match o.idle {
            probe::IdleClose::After(d) => ("idle-timeout", Some(d.as_secs_f64()), None),
            probe::IdleClose::EachResponse { announced } => {
                ("each-response", None, Some(announced))
            }
            probe::IdleClose::StillOpen(d) => ("still-open", Some(d.as_secs_f64()), None),
        };
        serde_json::json!({
            "idle": { "kind": kind, "seconds": seconds, "announced": announced },
            "status": o.status,
            "http_version": o.version,
            "keep_alive": o.keep_alive,
            "served": o.served,
            "measured_at": time::utc(o.measured_at),
        })
    };
    let upstreams: Vec<serde_json::Value> = groups
        .iter()
        .zip(measured)
        .map(|(group, servers)| {
            let verdict = verdict(servers);
            let addresses: Vec<serde_json::Value> = group
                .servers
                .iter()
                .zip(servers)
                .flat_map(|(server, results)| match &server.targets {
                    Err(e) => vec![
                        serde_json::json!({ "server": server.written, "error": e.to_string() }),
                    ],
                    Ok(_) => results
                        .iter()
                        .map(|(target, result)| {
                            let mut value = match result {
                                Ok(o) => observed_json(o),
                                Err(e) => serde_json::json!({ "error": e.to_string() }),
                            };
                            value["server"] = server.written.clone().into();
                            value["address"] = target.address.to_string().into();
                            value["tls"] = target.tls.into();
                            value
                        })
                        .collect(),
                })
                .collect();
            serde_json::json!({
                "upstream": group.name,
                "at": group.at,
                "reused": group.reused,
                "result": verdict.as_ref().map(|v| serde_json::json!({
                    "idle": v.idle.describe(),
                    "address": v.address.to_string(),
                    "addresses_measured": v.measured,
                    "addresses_differing": v.others,
                    "detail": v.detail(),
                })),
                "addresses": addresses,
            })
        })
        .collect();
    serde_json::json!({
        "request": { "method": options.method, "path": options.path, "host": options.host, "requests": options.requests },
        "max_wait_seconds": options.max_wait.as_secs_f64(),
        "upstreams": upstreams,
    })
}

/// How many probes are done, on a terminal: each waits up to the bound
/// for its idle close, so a run can take a minute or more.
fn progress(total: usize, options: &Options, show: bool) -> Progress {
    let bound = probe::seconds(probe::bound(options));
    Progress::count(
        total as u64,
        "addresses measured",
        format!(" (at most {bound})"),
        show,
    )
}

/// Measure the upstreams `--backend UPSTREAM=probe` and `probe = true`
/// name, for `check` and `fix`: each upstream's verdict, or why it could
/// not be measured.
pub fn backends(
    trees: &[&ngxfix::config::ConfigTree],
    names: &[String],
    cache_path: Option<&Path>,
    allow_public: bool,
    show_progress: bool,
) -> anyhow::Result<Vec<(String, Verdict)>> {
    let options = Options {
        allow_public,
        ..Options::default()
    };
    let mut planned: Vec<Planned> = Vec::new();
    for tree in trees {
        let model = Model::new(tree, Version::ASSUMED);
        let wanted = |name: &str, _: bool| {
            names.iter().any(|n| n.eq_ignore_ascii_case(name))
                && !planned.iter().any(|p| p.name.eq_ignore_ascii_case(name))
        };
        let found = plan::plan(&model, &wanted, allow_public);
        planned.extend(found);
    }
    for name in names {
        if !planned.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
            anyhow::bail!("--backend {name}=probe: no upstream {name} that a *_pass reaches");
        }
    }
    let mut cache = match cache_path {
        Some(path) => Some(Cache::load(path)?),
        None => None,
    };
    // Every upstream's addresses at once: the waits overlap, so probing
    // several upstreams takes as long as probing one.
    let mut targets = Vec::new();
    let mut spans = Vec::new();
    for upstream in &planned {
        let first = targets.len();
        for server in &upstream.servers {
            match &server.targets {
                Ok(found) => targets.extend(found.iter().cloned()),
                Err(e) => anyhow::bail!(
                    "cannot probe upstream {} ({}): {}: {e}",
                    upstream.name,
                    upstream.at,
                    server.written
                ),
            }
        }
        spans.push(first..targets.len());
    }
    let progress = progress(targets.len(), &options, show_progress);
    let results = probe::measure(&targets, &options, cache.as_mut(), &|done, _| {
        progress.set(done as u64)
    });
    drop(progress);
    let mut verdicts = Vec::new();
    for (upstream, span) in planned.iter().zip(spans) {
        let mut observed = Vec::new();
        for (target, result) in targets[span.clone()].iter().zip(&results[span]) {
            match result {
                Ok(o) => observed.push((&target.address, o)),
                Err(e) => anyhow::bail!(
                    "cannot probe upstream {} ({}): {}: {e}",
                    upstream.name,
                    upstream.at,
                    target.address
                ),
            }
        }
        let verdict = Verdict::of(observed).with_context(|| {
            format!(
                "upstream {} ({}) has no server to probe",
                upstream.name, upstream.at
            )
        })?;
        verdicts.push((upstream.name.clone(), verdict));
    }
    if let Some(cache) = &cache {
        cache.save()?;
    }
    Ok(verdicts)
}
