//! Telling which block a file's top level is the inside of, from the
//! directives it holds: `server` and `upstream` live in `http{}` (or
//! `stream{}`), `location` in a `server{}`, `proxy_pass` in a `location{}`.
//!
//! Each candidate context is scored by reading the whole file (includes
//! spliced) as if it were the inside of that block and counting the
//! directives nginx would refuse there ("is not allowed here"). The
//! candidate nginx would refuse least wins; ties go to the outermost (a file
//! that would be accepted inside `http{}` and inside a `location{}` is read
//! as the inside of `http{}`, where conf.d files are included).

use super::accepts;
use super::directives::Contexts;
use crate::config::{ConfigTree, FileId, RootContext};

/// What [`infer`] concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred {
    pub context: RootContext,
    /// Top-level directives that decided it (those a main file refuses),
    /// for the note that says how the file was read.
    pub evidence: Vec<String>,
    /// Why the context could not be told, when it could not: the file is
    /// then read as a main file, and this says so.
    pub doubt: Option<String>,
}

/// The kind of block each candidate context is.
fn kind(context: RootContext) -> Contexts {
    match context {
        RootContext::Main => Contexts::MAIN,
        RootContext::Http => Contexts::HTTP,
        RootContext::Server => Contexts::HTTP_SERVER,
        RootContext::Location => Contexts::HTTP_LOCATION,
        RootContext::Stream => Contexts::STREAM,
    }
}

/// Infer the context of the main file of `config` (read with its includes,
/// if any were followed).
pub fn infer(config: &ConfigTree) -> Inferred {
    let top: Vec<String> = top_level_names(config);
    // A file nginx.conf could be is read as one without walking it all
    // (main configurations are the large ones): one of its top-level
    // directives belongs to main alone, and none is refused there.
    let main_only = top.iter().any(|name| {
        accepts::allowed(name, Contexts::MAIN) == Some(true) && !allowed_below_main(name)
    });
    let refused_in_main = |name: &String| accepts::allowed(name, Contexts::MAIN) == Some(false);
    if main_only && !top.iter().any(refused_in_main) {
        return Inferred {
            context: RootContext::Main,
            evidence: Vec::new(),
            doubt: None,
        };
    }
    let scores: Vec<(RootContext, Score)> = RootContext::ALL
        .into_iter()
        .map(|context| (context, score(config, kind(context))))
        .collect();
    let best = scores
        .iter()
        .min_by_key(|(_, s)| s.refused)
        .map(|(c, s)| (*c, s.clone()))
        .expect("candidates");
    let (context, score) = best;
    // What tells the context: the top-level directives the block around it
    // refuses (`location` for a server's inside), else those a main file
    // refuses; at most four.
    let outer = match context {
        RootContext::Server => Contexts::HTTP,
        RootContext::Location => Contexts::HTTP_SERVER,
        _ => Contexts::MAIN,
    };
    let refused_in = |kind: Contexts| {
        let mut names: Vec<String> = Vec::new();
        for name in &top {
            if accepts::allowed(name, kind) == Some(false) && !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    };
    let mut evidence = refused_in(outer);
    if evidence.is_empty() {
        evidence = refused_in(Contexts::MAIN);
    }
    evidence.truncate(4);
    let tied: Vec<&(RootContext, Score)> = scores
        .iter()
        .filter(|(c, s)| *c != context && s.refused == score.refused)
        .collect();
    if score.refused > 0 && !tied.is_empty() {
        let refusals: Vec<String> = std::iter::once(&(context, score.clone()))
            .chain(tied)
            .filter_map(|(c, s)| {
                s.first
                    .as_ref()
                    .map(|name| format!("{} refuses {name}", c.name()))
            })
            .collect();
        return Inferred {
            context: RootContext::Main,
            evidence,
            doubt: Some(format!(
                "no block accepts all of its directives ({})",
                refusals.join("; ")
            )),
        };
    }
    if score.known == 0 && !top.is_empty() {
        return Inferred {
            context: RootContext::Main,
            evidence,
            doubt: Some("none of its top-level directives is one nginx knows".to_string()),
        };
    }
    Inferred {
        context,
        evidence,
        doubt: None,
    }
}

/// Whether `name` is accepted in some block inside main (http, server,
/// events, ...), not only at the top.
fn allowed_below_main(name: &str) -> bool {
    accepts::contexts(name).is_some_and(|c| c.0 & !Contexts::MAIN.0 != 0)
}

/// The names of the directives at the top level (includes spliced), in
/// order. Only the top level is read: main files are the large ones.
fn top_level_names(config: &ConfigTree) -> Vec<String> {
    fn collect(config: &ConfigTree, file: FileId, depth: usize, names: &mut Vec<String>) {
        for directive in config.file(file).tree.top_level() {
            match config.included(file, &directive) {
                // Include cycles are refused when loading; the depth only
                // bounds a pathological chain.
                Some(targets) if depth < 64 => {
                    for &target in targets {
                        collect(config, target, depth + 1, names);
                    }
                }
                Some(_) => {}
                None if directive.name().value() == "include" => {}
                None => names.push(directive.name().value().into_owned()),
            }
        }
    }
    let mut names = Vec::new();
    collect(config, FileId::FIRST, 0, &mut names);
    names
}

/// How nginx would take a file read as the inside of one block kind.
#[derive(Debug, Clone, Default)]
struct Score {
    /// Directives it knows that it would refuse where they are.
    refused: usize,
    /// The first of them.
    first: Option<String>,
    /// Directives it knows (in blocks whose kind is known).
    known: usize,
}

fn score(config: &ConfigTree, root: Contexts) -> Score {
    let mut score = Score::default();
    // The kinds of the enclosing blocks, as the walk opens them.
    let mut kinds: Vec<Contexts> = Vec::new();
    config.walk(|node, context| {
        kinds.truncate(context.len());
        let parent = kinds.last().copied().unwrap_or(root);
        let directive = node.directive;
        let name = directive.name().value();
        let opens_block = directive.has_block() && config.included(node.file, &directive).is_none();
        if opens_block {
            kinds.push(Contexts::child_kind(parent, &name).unwrap_or(Contexts::NONE));
        }
        // Inside data blocks and blocks nginx does not know, lines are
        // not directives it would check.
        if parent == Contexts::NONE || parent == Contexts::DATA {
            return;
        }
        match accepts::allowed(&name, parent) {
            Some(true) => score.known += 1,
            Some(false) => {
                score.known += 1;
                score.refused += 1;
                score.first.get_or_insert_with(|| name.into_owned());
            }
            None => {}
        }
    });
    score
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts;

    fn infer_text(text: &str) -> Inferred {
        infer(&from_texts(&[("/etc/nginx/sites-enabled/x.conf", text)]))
    }

    #[test]
    fn top_level_blocks_tell_the_context() {
        let site = infer_text(
            "upstream api { server 127.0.0.1:8000; keepalive 32; }\nserver {\n    listen 80;\n    location / { proxy_pass http://api; }\n}\n",
        );
        assert_eq!(site.context, RootContext::Http);
        assert_eq!(site.evidence, ["upstream", "server"]);
        assert_eq!(site.doubt, None);
        let locations = infer_text("location / { root /srv; }\nlisten 80;\n");
        assert_eq!(locations.context, RootContext::Server);
        let snippet = infer_text("proxy_pass http://app;\nproxy_set_header Host $host;\n");
        assert_eq!(snippet.context, RootContext::Location);
        // Accepted in http, server and location alike: the outermost.
        let headers = infer_text("proxy_set_header Host $host;\n");
        assert_eq!(headers.context, RootContext::Http);
    }

    #[test]
    fn stream_servers_are_told_from_http_ones() {
        let stream = infer_text(
            "upstream dns { server 10.0.0.1:53; }\nserver {\n    listen 53 udp;\n    proxy_pass dns;\n    proxy_timeout 1s;\n}\n",
        );
        assert_eq!(stream.context, RootContext::Stream);
        let http = infer_text("upstream a { server 10.0.0.1:80; }\n");
        assert_eq!(http.context, RootContext::Http);
    }

    #[test]
    fn a_main_file_is_recognised_without_doubt() {
        let main = infer_text("user www-data;\nevents {}\nhttp { server { listen 80; } }\n");
        assert_eq!(main.context, RootContext::Main);
        assert_eq!(main.doubt, None);
        let empty = infer_text("# nothing yet\n");
        assert_eq!(empty.context, RootContext::Main);
        assert_eq!(empty.doubt, None);
    }

    #[test]
    fn a_file_no_block_accepts_is_said_to_be_doubtful() {
        let mixed = infer_text("worker_processes 2;\nserver { listen 80; }\n");
        assert_eq!(mixed.context, RootContext::Main);
        let doubt = mixed.doubt.unwrap();
        assert!(doubt.contains("main refuses server"), "{doubt}");
        assert!(doubt.contains("http refuses worker_processes"), "{doubt}");
        let unknown = infer_text("more_set_headers 'Server: x';\n");
        assert!(unknown
            .doubt
            .unwrap()
            .contains("none of its top-level directives"));
    }
}
