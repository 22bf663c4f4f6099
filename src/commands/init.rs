//! `ngxfix init`: write an `ngxfix.toml` for a configuration. The inputs
//! are read as `check` reads them; the version comes from the installed
//! nginx; each upstream whose connections nginx keeps or reuses gets a
//! `[backends.NAME]` table, from `--backend`, from an answer on the
//! terminal, or from the configuration's own hint (a guess, said so). The
//! text is `ngxfix::init`'s; this module asks, and writes the file without
//! ever replacing one unless told to.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use dialoguer::console::Term;
use dialoguer::{Input, Select};

use crate::cli::InitArgs;
use ngxfix::backends::kinds::SERVER_KINDS;
use ngxfix::config::paths::Anchor;
use ngxfix::disk::backends::read as read_backend;
use ngxfix::init::{self, BackendFields, Declared, Document, NginxVersion, UpstreamInfo};
use ngxfix::model::{Model, Version};
use ngxfix::rules::facts::{self, Facts};
use ngxfix::settings::FILE_NAME;
use ngxfix::write::{Change, WriteOptions};

use super::reading::{self, ReadOptions};

/// Where the file goes.
enum Out {
    File(PathBuf),
    Stdout,
}

/// Write the settings file; exit status 0, or an error (2) with nothing
/// written.
pub fn run(args: &InitArgs, stdout: &mut dyn Write) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir().context("reading the working directory")?;
    let out = match &args.out {
        Some(path) if path.as_os_str() == "-" => Out::Stdout,
        Some(path) => Out::File(path.clone()),
        None => Out::File(PathBuf::from(FILE_NAME)),
    };
    // Refused before anything is read or asked.
    if let Out::File(path) = &out {
        if !args.force && path.symlink_metadata().is_ok() {
            bail!(
                "{} already exists: nothing was written (--force replaces it, --out writes \
                 another file)",
                path.display()
            );
        }
    }
    let given = given_backends(args, &cwd, &out)?;
    let version = match &args.nginx_version {
        Some(text) => NginxVersion::Given(
            text.parse::<Version>()
                .context("reading the nginx version (--nginx-version)")?,
        ),
        None => match super::inputs::installed_nginx_version() {
            Ok((version, from)) => NginxVersion::Detected { version, from },
            Err(why) => NginxVersion::Unknown { why },
        },
    };
    let model_version = match &version {
        NginxVersion::Given(v) | NginxVersion::Detected { version: v, .. } => *v,
        NginxVersion::Unknown { .. } => Version::ASSUMED,
    };

    let (inputs, upstreams) = read_upstreams(args, model_version)?;
    for (name, _, assignment) in &given {
        if !upstreams.iter().any(|u| u.name.eq_ignore_ascii_case(name)) {
            bail!("--backend {assignment}: no upstream {name} that a *_pass reaches");
        }
    }

    // The upstreams to write: those whose backend matters, and those given.
    let chosen: Vec<UpstreamInfo> = upstreams
        .into_iter()
        .filter(|u| {
            u.pooled
                || given
                    .iter()
                    .any(|(n, _, _)| n.eq_ignore_ascii_case(&u.name))
        })
        .collect();
    let asking = !args.yes && io::stdin().is_terminal() && io::stderr().is_terminal();
    let mut unasked: Vec<&str> = Vec::new();
    let mut backends = Vec::new();
    for upstream in &chosen {
        let declared = match given
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(&upstream.name))
        {
            Some((_, fields, assignment)) => Declared::Given {
                fields: fields.clone(),
                from: format!("with --backend {assignment}"),
            },
            None if asking => ask(upstream)?,
            None => {
                if !args.yes {
                    unasked.push(&upstream.name);
                }
                match &upstream.hint {
                    Some(hint) => Declared::Guessed(hint.clone()),
                    None => Declared::Unknown,
                }
            }
        };
        backends.push((upstream.clone(), declared));
    }
    if !unasked.is_empty() {
        let (which, is) = match unasked.as_slice() {
            [one] => (format!("backend of upstream {one} is"), "it"),
            many => (
                format!("backends of upstreams {} are", many.join(", ")),
                "them",
            ),
        };
        eprintln!(
            "note: no terminal to ask on, so the {which} written as with --yes (the \
             server the configuration hints at, marked as a guess, else commented out); give \
             --backend UPSTREAM=SPEC to declare {is}"
        );
    }

    let doc = Document {
        inputs,
        version,
        backends,
    };
    let text = init::render(&doc);
    match &out {
        Out::Stdout => {
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
        Out::File(path) => {
            if !write_file(path, &text, args.force)? {
                eprintln!("{} already says this: nothing was written.", path.display());
                return Ok(0);
            }
        }
    }
    summarize(&doc, &out);
    if let Out::File(path) = &out {
        warn_if_shadowed(args, &cwd, path);
    }
    Ok(0)
}

/// `--backend` checked as `check` checks it (a file it names is read),
/// each as (upstream, its table, the argument as given); paths made
/// relative to the settings file's folder, which relative `config` paths
/// are read from.
fn given_backends(
    args: &InitArgs,
    cwd: &Path,
    out: &Out,
) -> anyhow::Result<Vec<(String, BackendFields, String)>> {
    let mut facts = Facts::default();
    let mut given: Vec<(String, BackendFields, String)> = Vec::new();
    for assignment in &args.backends {
        let (name, spec_text) = match assignment
            .split_once('=')
            .filter(|(_, spec)| spec.trim().eq_ignore_ascii_case("probe"))
        {
            Some((name, spec)) => (name.trim().to_string(), spec.to_string()),
            None => {
                let (name, spec) =
                    facts::parse_assignment(assignment).map_err(anyhow::Error::msg)?;
                facts
                    .declare(&name, spec, "--backend", Path::new(""), &read_backend)
                    .map_err(|e| anyhow::anyhow!("--backend {assignment}: {e}"))?;
                let spec_text = assignment.split_once('=').map_or("", |(_, s)| s);
                (name, spec_text.to_string())
            }
        };
        let mut fields = BackendFields::from_spec(&spec_text)
            .map_err(|e| anyhow::anyhow!("--backend {assignment}: {e}"))?;
        if let (Some(config), Out::File(path)) = (&fields.config, out) {
            fields.config = Some(relative_to_settings(cwd, path, Path::new(config.as_str())));
        }
        // The last one for an upstream wins, as in `check`.
        given.retain(|(n, _, _)| !n.eq_ignore_ascii_case(&name));
        given.push((name, fields, assignment.clone()));
    }
    Ok(given)
}

/// `path` (relative to the working directory, as `--backend` gives it) as
/// the settings file at `settings` reads it: relative to its folder when
/// below it, else absolute.
fn relative_to_settings(cwd: &Path, settings: &Path, path: &Path) -> String {
    let anchor = Anchor::new(cwd, settings.parent().unwrap_or(Path::new("")));
    anchor
        .relative(path)
        .unwrap_or_else(|| anchor.absolute(path).display().to_string())
}

/// Read each input as `check` does; the inputs as named, and the
/// upstreams a `*_pass` reaches in any of them (one per name: nginx's
/// upstream names ignore case, and the settings name each once).
fn read_upstreams(
    args: &InitArgs,
    version: Version,
) -> anyhow::Result<(Vec<String>, Vec<UpstreamInfo>)> {
    let options = ReadOptions::new(&args.reading, &args.limits);
    let paths: Vec<Option<&Path>> = if args.paths.is_empty() {
        vec![None]
    } else {
        args.paths.iter().map(|p| Some(p.as_path())).collect()
    };
    let mut inputs = Vec::new();
    let mut upstreams: Vec<UpstreamInfo> = Vec::new();
    for path in paths {
        let (tree, reading) = reading::read(path, &options)?;
        if let Some(note) = reading.note() {
            eprintln!("note: {note}");
        }
        inputs.push(match path {
            Some(path) if path.as_os_str() == "-" => "standard input".to_string(),
            Some(path) => path.display().to_string(),
            None => tree.file(tree.entry()).display_path(),
        });
        let model = Model::new(&tree, version);
        for found in init::upstreams(&model) {
            match upstreams
                .iter_mut()
                .find(|u| u.name.eq_ignore_ascii_case(&found.name))
            {
                // Defined in several trees: each place is named.
                Some(known) => {
                    if !known.at.split(", ").any(|at| at == found.at) {
                        known.at = format!("{}, {}", known.at, found.at);
                    }
                    known.pooled |= found.pooled;
                    for server in found.servers {
                        if !known.servers.contains(&server) {
                            known.servers.push(server);
                        }
                    }
                    if known.hint.is_none() {
                        known.hint = found.hint;
                    }
                }
                None => upstreams.push(found),
            }
        }
    }
    Ok((inputs, upstreams))
}

/// Ask on the terminal which server is behind `upstream`.
fn ask(upstream: &UpstreamInfo) -> anyhow::Result<Declared> {
    let term = Term::stderr();
    let servers = if upstream.servers.is_empty() {
        "no servers".to_string()
    } else {
        upstream.servers.join(", ")
    };
    let hinted = upstream.hint.as_ref().map_or(String::new(), |hint| {
        format!(
            "; the configuration hints at {} ({})",
            hint.kind.name, hint.why
        )
    });
    term.write_line(&format!(
        "\nupstream {} ({}): {servers}{hinted}",
        upstream.name, upstream.at
    ))?;
    let mut items = vec!["don't know (leave its table commented out)".to_string()];
    items.extend(
        SERVER_KINDS
            .iter()
            .map(|k| format!("{:<18} default idle timeout: {}", k.name, k.idle)),
    );
    items.push("another server: give its idle timeout".to_string());
    let default = upstream
        .hint
        .as_ref()
        .and_then(|hint| SERVER_KINDS.iter().position(|k| k.name == hint.kind.name))
        .map_or(0, |i| i + 1);
    let choice = Select::new()
        .with_prompt(format!(
            "Which server is behind upstream {}?",
            upstream.name
        ))
        .items(&items)
        .default(default)
        .max_length(10)
        .interact_on(&term)
        .map_err(|dialoguer::Error::IO(e)| e)?;
    let from = "at `ngxfix init`".to_string();
    Ok(match choice {
        0 => Declared::Unknown,
        i if i <= SERVER_KINDS.len() => Declared::Given {
            fields: BackendFields::of_kind(&SERVER_KINDS[i - 1]),
            from,
        },
        _ => {
            let idle: String = Input::new()
                .with_prompt(format!(
                    "Idle keep-alive timeout of the server behind {} (5s, 750ms)",
                    upstream.name
                ))
                .validate_with(|text: &String| -> Result<(), &str> {
                    facts::duration(text)
                        .map(|_| ())
                        .ok_or("a duration such as 5s or 750ms")
                })
                .interact_text_on(&term)
                .map_err(|dialoguer::Error::IO(e)| e)?;
            Declared::Given {
                fields: BackendFields {
                    idle_timeout: Some(idle.trim().to_string()),
                    ..BackendFields::default()
                },
                from,
            }
        }
    })
}

/// Write `text` to `path`: a new file by a temporary file renamed into
/// place only if the name is still free; with `force`, an existing one
/// through the safe writes of `fix` (its mode, owner and links kept).
/// Whether anything was written.
fn write_file(path: &Path, text: &str, force: bool) -> anyhow::Result<bool> {
    if force {
        match std::fs::read(path) {
            Ok(original) => return replace(path, &original, text.as_bytes()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    use std::os::unix::fs::PermissionsExt;
    let mut file = tempfile::Builder::new()
        .prefix(".ngxfix-init-")
        // Read-write for all, less the umask, as any new file.
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    match file.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => bail!(
            "{} already exists (it appeared meanwhile): nothing was written (--force replaces it)",
            path.display()
        ),
        Err(e) => Err(e.error).with_context(|| format!("writing {}", path.display())),
    }
}

/// Replace an existing file as `fix` does.
fn replace(path: &Path, original: &[u8], text: &[u8]) -> anyhow::Result<bool> {
    if original == text {
        return Ok(false);
    }
    let change = Change {
        path,
        original,
        fixed: text,
    };
    super::write_changes(&[change], &WriteOptions::default())?;
    Ok(true)
}

/// What was written, on standard error.
fn summarize(doc: &Document, out: &Out) {
    let mut lines = vec![match out {
        Out::File(path) => format!("Wrote {}:", path.display()),
        Out::Stdout => "Printed the settings:".to_string(),
    }];
    lines.push(match &doc.version {
        NginxVersion::Given(v) => format!("  nginx_version {v} (--nginx-version)"),
        NginxVersion::Detected { version, from } => {
            format!("  nginx_version {version} (from `{from}`)")
        }
        NginxVersion::Unknown { why } => format!(
            "  nginx_version commented out: {why}; ngxfix assumes {}",
            Version::ASSUMED
        ),
    });
    if doc.backends.is_empty() {
        lines.push("  no upstream keeps or reuses connections: no backend to declare".into());
    }
    for (upstream, declared) in &doc.backends {
        lines.push(match declared {
            Declared::Given { fields, .. } => {
                format!("  backend of {}: {}", upstream.name, fields.describe())
            }
            Declared::Guessed(hint) => format!(
                "  backend of {}: {}, a guess ({}): confirm it",
                upstream.name, hint.kind.name, hint.why
            ),
            Declared::Unknown => format!(
                "  backend of {}: not known, its table is commented out",
                upstream.name
            ),
        });
    }
    eprintln!("{}", lines.join("\n"));
}

/// `check` reads the nearest ngxfix.toml above each configuration before
/// the working directory's: say so when that is another file than the one
/// written.
fn warn_if_shadowed(args: &InitArgs, cwd: &Path, written: &Path) {
    let Ok(written) = std::fs::canonicalize(written) else {
        return;
    };
    for path in &args.paths {
        if path.as_os_str() == "-" {
            continue;
        }
        let Some(found) = super::inputs::nearest_settings(cwd, Some(path)) else {
            continue;
        };
        if std::fs::canonicalize(&found).is_ok_and(|found| found != written) {
            eprintln!(
                "note: `ngxfix check {}` reads {} first (the nearest {FILE_NAME} above the \
                 configuration); give it --config {} to read this one",
                path.display(),
                found.display(),
                written.display()
            );
        }
    }
}
