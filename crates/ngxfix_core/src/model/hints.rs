//! What the configuration itself says about the server behind an
//! `upstream{}` block, when nobody declared it: a comment naming the
//! server, a socket or an upstream named after it, FastCGI pointing at
//! PHP-FPM. These are hints, never facts: rules see them as *guessed*
//! backends (`backend = { guessed = true }`), which may inform a message
//! but never make a finding more severe or a fix safer.

use super::{Contexts, Node};
use crate::backends::kinds::ServerKind;

/// A server kind the configuration points at, and why ngxfix thinks so.
#[derive(Debug, Clone)]
pub struct Hint {
    /// The kind it points at.
    pub kind: &'static ServerKind,
    /// What in the configuration says so, for messages ("its socket is
    /// `unix:/run/gunicorn.sock`").
    pub why: String,
}

/// Words that name a server kind in comments, socket paths and upstream
/// names, with the kind they name. Only words that rarely mean anything
/// else there: `node` (a cluster node), `go` and the uWSGI modes (an
/// `uwsgi.sock` says nothing of how it speaks HTTP) are left out, `thin`
/// is kept for names ([`NAME_WORDS`]); `node.js` and `golang` are in.
const WORDS: &[(&str, &str)] = &[
    ("gunicorn", "gunicorn"),
    ("uvicorn", "uvicorn"),
    ("hypercorn", "hypercorn"),
    ("waitress", "waitress"),
    ("daphne", "daphne"),
    ("tornado", "tornado"),
    ("unicorn", "unicorn"),
    ("puma", "puma"),
    ("php-fpm", "php-fpm"),
    ("fpm", "php-fpm"),
    ("nodejs", "node"),
    ("node.js", "node"),
    ("golang", "go"),
    ("tomcat", "tomcat"),
    ("jetty", "jetty"),
    ("undertow", "undertow"),
    ("quarkus", "quarkus"),
    ("kestrel", "kestrel"),
    ("aspnetcore", "kestrel"),
    ("actix", "actix-web"),
    ("mattermost", "mattermost"),
    ("minio", "minio"),
    ("caddy", "caddy"),
    ("envoy", "envoy"),
];

/// Words that name a server in socket paths and upstream names, though in
/// prose they mean something else (`thin.0.sock` is thin; "a thin
/// wrapper" is not).
const NAME_WORDS: &[(&str, &str)] = &[("thin", "thin")];

/// The server the configuration hints at for `upstream`, the strongest
/// hint first: a `server unix:` socket's path (configuration, not prose),
/// a comment on the block or on one of its `server` lines (somebody wrote
/// it down, though comments also mention servers in passing), a comment
/// on a location passing to it or on its `*_pass` line, the upstream's own
/// name, and last that only `fastcgi_pass` reaches it
/// (PHP-FPM is what nginx most often speaks FastCGI to). `passes` are the
/// `*_pass` directives that reach it.
pub fn backend_hint(upstream: Node<'_>, passes: &[Node<'_>]) -> Option<Hint> {
    if upstream.name() != "upstream" || upstream.context() != Contexts::HTTP {
        return None;
    }
    let servers: Vec<Node<'_>> = upstream.children_named("server").collect();
    for server in &servers {
        let Some(address) = server.arg(0) else {
            continue;
        };
        let address = address.value();
        if let Some(path) = address.strip_prefix("unix:") {
            if let Some(kind) = named_in(path, &[WORDS, NAME_WORDS]) {
                return Some(Hint {
                    kind,
                    why: format!("its socket is `{address}`"),
                });
            }
        }
    }
    // The upstream's own comments first, then those of the locations that
    // pass to it ("the proxy passes the request to the upstream (gitlab
    // unicorn)" above a `location @gitlab`).
    let commented = std::iter::once(upstream)
        .chain(servers.iter().copied())
        .flat_map(comments_on)
        .chain(block_comments(upstream))
        .chain(
            passes
                .iter()
                .flat_map(|pass| std::iter::once(*pass).chain(pass.parent()))
                .flat_map(comments_on),
        );
    for comment in commented {
        if let Some(kind) = named_in(&comment, &[WORDS]) {
            return Some(Hint {
                kind,
                why: format!("a comment says `{comment}`"),
            });
        }
    }
    let name = upstream.arg(0).map(|a| a.value().into_owned())?;
    if let Some(kind) = named_in(&name, &[WORDS, NAME_WORDS]) {
        return Some(Hint {
            kind,
            why: format!("the upstream is named `{name}`"),
        });
    }
    let fastcgi_only =
        !passes.is_empty() && passes.iter().all(|pass| pass.name() == "fastcgi_pass");
    if fastcgi_only {
        return ServerKind::find("php-fpm").map(|kind| Hint {
            kind,
            why: "only fastcgi_pass reaches it".into(),
        });
    }
    None
}

/// The comments right above `node` and at the end of its line, as text
/// without their `#` marks.
fn comments_on(node: Node<'_>) -> Vec<String> {
    let directive = node.directive();
    let mut texts: Vec<String> = directive
        .leading_comments()
        .iter()
        .map(|c| c.text().into_owned())
        .collect();
    texts.extend(directive.trailing_comment().map(|c| c.text().into_owned()));
    texts
        .into_iter()
        .map(|t| t.trim_start_matches('#').trim().to_string())
        .collect()
}

/// The comments written directly inside the block (between its
/// directives), as text.
fn block_comments<'m>(upstream: Node<'m>) -> impl Iterator<Item = String> + 'm {
    upstream.children().flat_map(|child| {
        child
            .directive()
            .inner_comments()
            .map(|c| c.text().trim_start_matches('#').trim().to_string())
            .collect::<Vec<_>>()
    })
}

/// The kind a text names: the entry of `lists` found earliest in it as a
/// whole word (not inside a longer name: `gunicorn` is not `unicorn`).
fn named_in(text: &str, lists: &[&[(&str, &str)]]) -> Option<&'static ServerKind> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_word_byte = |i: usize| bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric());
    lists
        .iter()
        .flat_map(|list| list.iter())
        .filter_map(|&(word, kind)| {
            let at = lower.match_indices(word).map(|(i, _)| i).find(|&i| {
                let before = i.checked_sub(1).is_some_and(is_word_byte);
                !before && !is_word_byte(i + word.len())
            })?;
            Some((at, std::cmp::Reverse(word.len()), ServerKind::find(kind)?))
        })
        .min_by_key(|&(at, len, _)| (at, len))
        .map(|(_, _, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_texts as config;
    use crate::model::{Model, Version};

    fn hint(text: &str) -> Option<(String, String)> {
        let tree = config(&[("/etc/nginx/nginx.conf", text)]);
        let model = Model::new(&tree, Version::ASSUMED);
        let up = model.named("upstream").next().unwrap();
        let passes: Vec<Node<'_>> = model
            .passes_to(up.id())
            .iter()
            .map(|&id| model.node(id))
            .collect();
        backend_hint(up, &passes).map(|h| (h.kind.name.to_string(), h.why))
    }

    fn http(inner: &str) -> String {
        format!("http {{\n{inner}\nserver {{ location / {{ proxy_pass http://app; }} }}\n}}\n")
    }

    #[test]
    fn a_comment_on_a_server_line_names_the_server() {
        let found = hint(&http(
            "upstream app {\n    server 127.0.0.1:8000; # gunicorn --workers 4\n}",
        ));
        assert_eq!(
            found,
            Some((
                "gunicorn".into(),
                "a comment says `gunicorn --workers 4`".into()
            ))
        );
        let above = hint(&http(
            "# The Puma app server\nupstream app {\n    server 10.0.0.1:3000;\n}",
        ));
        assert_eq!(above.unwrap().0, "puma");
        let inside = hint(&http(
            "upstream app {\n    # Node.js, three instances\n    server a:1;\n    server b:1;\n}",
        ));
        assert_eq!(inside.unwrap().0, "node");
    }

    #[test]
    fn a_socket_or_upstream_named_after_the_server() {
        let sock = hint(&http(
            "upstream app { server unix:/run/gunicorn.sock fail_timeout=0; }",
        ));
        assert_eq!(
            sock,
            Some((
                "gunicorn".into(),
                "its socket is `unix:/run/gunicorn.sock`".into()
            ))
        );
        let fpm = hint(&http(
            "upstream app { server unix:/run/php/php8.2-fpm.sock; }",
        ));
        assert_eq!(fpm.unwrap().0, "php-fpm");
        let unicorn = hint(&http(
            "upstream app { server unix:/srv/app/tmp/sockets/unicorn.sock; }",
        ));
        assert_eq!(unicorn.unwrap().0, "unicorn");
        let text = "http { upstream puma_app { server a:1; } server { location / { proxy_pass http://puma_app; } } }\n";
        assert_eq!(
            hint(text),
            Some(("puma".into(), "the upstream is named `puma_app`".into()))
        );
    }

    #[test]
    fn a_comment_on_the_location_that_passes_to_it() {
        let text = "http { upstream gitlab { server unix:/home/git/gitlab.socket; }
            server {
                ## then the proxy passes the request to the upstream (gitlab unicorn).
                location @gitlab { proxy_pass http://gitlab; }
            } }\n";
        assert_eq!(
            hint(text),
            Some((
                "unicorn".into(),
                "a comment says `then the proxy passes the request to the upstream (gitlab unicorn).`"
                    .into()
            ))
        );
    }

    #[test]
    fn thin_in_a_socket_name_but_not_in_a_comment() {
        let sock = hint(&http(
            "upstream app { server unix:/var/www/discourse/tmp/sockets/thin.0.sock; }",
        ));
        assert_eq!(sock.unwrap().0, "thin");
        let comment = hint(&http(
            "upstream app { server 10.0.0.1:80; # a thin layer in front\n}",
        ));
        assert_eq!(comment, None);
    }

    #[test]
    fn fastcgi_alone_points_at_php_fpm() {
        let text = "http { upstream php { server 127.0.0.1:9000; } server { location / { fastcgi_pass php; } } }\n";
        assert_eq!(
            hint(text),
            Some(("php-fpm".into(), "only fastcgi_pass reaches it".into()))
        );
    }

    /// `named_in` skips a word whose kind is unknown, so a misspelt kind
    /// here would silently never be guessed.
    #[test]
    fn every_word_names_a_known_kind() {
        for (word, kind) in WORDS.iter().chain(NAME_WORDS) {
            assert!(ServerKind::find(kind).is_some(), "{word}: {kind}");
        }
    }

    #[test]
    fn words_inside_other_words_and_ambiguous_words_say_nothing() {
        for text in [
            "upstream app { server 10.0.0.1:8000; # node 1\n}",
            "upstream app { server 10.0.0.1:8000; # go to the primary\n}",
            "upstream app { server unix:/run/app/uwsgi.sock; }",
            "upstream app { server pumaserver:3000; }",
            "upstream app { server 127.0.0.1:8000; }",
        ] {
            assert_eq!(hint(&http(text)), None, "{text}");
        }
        // `gunicorn` holds `unicorn`; the whole word wins.
        assert_eq!(
            named_in("/run/gunicorn.sock", &[WORDS]).unwrap().name,
            "gunicorn"
        );
        // The earliest word wins: what the text is about comes first.
        assert_eq!(
            named_in("uvicorn workers behind gunicorn", &[WORDS])
                .unwrap()
                .name,
            "uvicorn"
        );
    }
}
