//! Where the variables a directive uses get their values: the `set`,
//! `map`, `geo`, ... that defines each, and, for a regex capture (`$1`,
//! `$name`), the regex that captures it. Rules follow these links to
//! tell what a value can hold (a `proxy_pass` host taken from a query
//! argument through `set $target $arg_url;`).

use super::pcre::{regexes_of, Regex};
use super::tree::Node;

/// A regex capture group: by number (`$1`) or by name (`$name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    Number(usize),
    Name(String),
}

/// One definition of a variable the directive uses: the defining
/// directive, and the group when it is a regex capture.
#[derive(Debug, Clone)]
pub struct Definition<'m> {
    pub node: Node<'m>,
    pub group: Option<Group>,
}

/// Directives whose argument at the index given defines a variable for
/// the request, where they are (rewrite-phase and friends).
const LOCAL_DEFINERS: &[(&str, usize)] = &[
    ("set", 0),
    ("auth_request_set", 0),
    ("set_by_lua", 0),
    ("set_by_lua_block", 0),
    ("set_by_lua_file", 0),
];

/// Directives that define a variable for the whole configuration.
const GLOBAL_DEFINERS: &[&str] = &["map", "geo", "split_clients", "perl_set", "js_set"];

/// The variable a defining directive defines, lowercase, without `$`.
fn defined_by(node: Node<'_>) -> Option<String> {
    let name = node.name();
    let index = match name {
        "map" | "split_clients" => 1,
        "geo" if node.args().count() > 1 => 1,
        _ if GLOBAL_DEFINERS.contains(&name) => 0,
        _ => LOCAL_DEFINERS.iter().find(|(n, _)| *n == name)?.1,
    };
    let value = node.arg(index)?.value().into_owned();
    Some(value.strip_prefix('$')?.to_ascii_lowercase())
}

/// The variables `node` uses: every `$name` of its arguments but the one
/// it defines, lowercase, without `$`.
pub fn used(node: Node<'_>) -> Vec<String> {
    let defines = defined_by(node);
    let skip = usize::from(defines.is_some() && !GLOBAL_DEFINERS.contains(&node.name()));
    let mut names: Vec<String> = Vec::new();
    let from = if GLOBAL_DEFINERS.contains(&node.name()) {
        // `map $source $result`: only the source is used.
        node.arg(0).into_iter().collect::<Vec<_>>()
    } else {
        node.args().skip(skip).collect()
    };
    for arg in from {
        for name in names_in(&arg.value()) {
            let lower = name.to_ascii_lowercase();
            if Some(&lower) != defines.as_ref() && !names.contains(&lower) {
                names.push(lower);
            }
        }
    }
    names
}

/// The names of the variables in a text, without `$` (`${name}` too).
pub fn names_in(text: &str) -> impl Iterator<Item = &str> + '_ {
    text.match_indices('$').filter_map(move |(i, _)| {
        let rest = &text[i + 1..];
        let name = match rest.strip_prefix('{') {
            Some(braced) => &braced[..braced.find('}')?],
            None => {
                let len = rest
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                &rest[..len]
            }
        };
        (!name.is_empty()).then_some(name)
    })
}

/// The definitions of the variables `node` uses.
pub fn definitions<'m>(node: Node<'m>) -> Vec<Definition<'m>> {
    // Most subjects use only nginx's own variables, which nothing in the
    // configuration defines: answered without building the list.
    let may_be_defined = |name: &str| {
        name.bytes().all(|b| b.is_ascii_digit())
            || node
                .model()
                .defined_variables()
                .contains(super::lowercase(name).as_ref())
    };
    if !node
        .args()
        .any(|arg| names_in(&arg.value()).any(may_be_defined))
    {
        return Vec::new();
    }
    used(node)
        .into_iter()
        .flat_map(|name| definitions_of(node, &name))
        .collect()
}

/// Every `map`, `geo`, ... of the configuration by the variable it defines
/// (lowercase, without `$`), for [`super::Model::global_definers`].
pub(crate) fn global_definers(
    model: &super::Model<'_>,
) -> rustc_hash::FxHashMap<String, Vec<super::NodeId>> {
    let mut by_name: rustc_hash::FxHashMap<String, Vec<super::NodeId>> = Default::default();
    for definer in GLOBAL_DEFINERS {
        for def in model.named(definer) {
            if let Some(name) = defined_by(def) {
                by_name.entry(name).or_default().push(def.id());
            }
        }
    }
    for ids in by_name.values_mut() {
        ids.sort_unstable();
    }
    by_name
}

/// Where `name` (lowercase, without `$`) gets its value for `node`:
///
/// - a numbered capture: for a `rewrite`, its own regex; else the regex
///   that ran last before `node` in the same request, as far as the
///   configuration shows it: an earlier `rewrite` in the same block, else
///   the nearest enclosing `if` or `location` with a regex;
/// - a named capture: the same places, the regex having a group of that
///   name, else any `server_name` regex of the server with one;
/// - a `set` (or `auth_request_set`, `set_by_lua*`) of the variable in the
///   block of `node`, in a block around it, or in an `if` directly in one
///   of them;
/// - a `map`, `geo`, `split_clients`, `perl_set` or `js_set` anywhere.
pub fn definitions_of<'m>(node: Node<'m>, name: &str) -> Vec<Definition<'m>> {
    if let Ok(n) = name.parse::<usize>() {
        return capture_holder(node, |r| r.captures() >= n && n > 0)
            .map(|holder| Definition {
                node: holder,
                group: Some(Group::Number(n)),
            })
            .into_iter()
            .collect();
    }
    let model = node.model();
    // Most variables asked about are nginx's own (`$host`, `$uri`): when
    // no directive or named capture of the configuration defines the
    // name, the blocks around the subject need no scan.
    if !model.defined_variables().contains(name) {
        return Vec::new();
    }
    let mut found: Vec<Definition<'m>> = model
        .global_definers(name)
        .map(|def| Definition {
            node: def,
            group: None,
        })
        .collect();
    // `set` is allowed in server, location and if: the blocks around the
    // subject (not http or the top level, whose thousands of servers would
    // be scanned for every subject), and the `if` blocks directly in them.
    for block in node
        .ancestors()
        .filter(|b| matches!(b.name(), "server" | "location" | "if"))
    {
        let ifs: Vec<Node<'m>> = model.in_block(Some(block), "if").collect();
        for scope in std::iter::once(block).chain(ifs) {
            for (definer, _) in LOCAL_DEFINERS {
                for def in model.in_block(Some(scope), definer) {
                    if def.id() != node.id() && defined_by(def).as_deref() == Some(name) {
                        found.push(Definition {
                            node: def,
                            group: None,
                        });
                    }
                }
            }
        }
    }
    let named = |r: &Regex| r.named().any(|g| g.eq_ignore_ascii_case(name));
    if let Some(holder) = capture_holder(node, named).or_else(|| {
        node.ancestors()
            .find(|a| a.name() == "server")
            .and_then(|server| {
                server
                    .children_named("server_name")
                    .find(|s| holds(*s, named))
            })
    }) {
        found.push(Definition {
            node: holder,
            group: Some(Group::Name(name.to_string())),
        });
    }
    found
}

/// Whether some regex `node` holds passes `test`.
fn holds(node: Node<'_>, test: impl Fn(&Regex) -> bool) -> bool {
    let model = node.model();
    regexes_of(node).iter().any(|f| {
        model
            .regex(&f.pattern, f.caseless)
            .as_ref()
            .as_ref()
            .is_ok_and(&test)
    })
}

/// The regex a capture reference at `node` reads (see [`definitions_of`]),
/// among those passing `test`.
fn capture_holder<'m>(node: Node<'m>, test: impl Fn(&Regex) -> bool + Copy) -> Option<Node<'m>> {
    // A rewrite's replacement reads the captures of its own regex.
    if node.name() == "rewrite" {
        return holds(node, test).then_some(node);
    }
    // Nearest first: the last rewrite before the subject ran last.
    let earlier_rewrite = node.preceding_siblings().find(|s| s.name() == "rewrite");
    if let Some(rewrite) = earlier_rewrite {
        return holds(rewrite, test).then_some(rewrite);
    }
    node.ancestors()
        .filter(|a| matches!(a.name(), "if" | "location"))
        .find(|a| !regexes_of(*a).is_empty())
        .filter(|a| holds(*a, test))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Model, Version};

    fn defs(conf: &str, subject: &str) -> Vec<(String, Option<Group>)> {
        let tree = crate::config::from_texts(&[("/etc/nginx/nginx.conf", conf)]);
        let model = Model::new(&tree, Version::new(1, 29, 6));
        let node = model
            .nodes()
            .find(|n| n.name() == subject)
            .expect("subject");
        definitions(node)
            .into_iter()
            .map(|d| (format!("{} {}", d.node.name(), d.node.args_text()), d.group))
            .collect()
    }

    #[test]
    fn variables_lead_to_what_defines_them() {
        let conf = "http {\n map $host $m { default 1; }\n server {\n  set $a $arg_x;\n  location ~ ^/p/(.+)/(?<rest>.*)$ {\n   if ($x) { set $b 1; }\n   proxy_pass http://$a$m$b$1$rest;\n  }\n }\n}\n";
        let found = defs(conf, "proxy_pass");
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"set $a $arg_x"), "{found:?}");
        assert!(names.contains(&"map $host $m"), "{found:?}");
        assert!(names.contains(&"set $b 1"), "{found:?}");
        assert!(found.contains(&(
            "location ~ ^/p/(.+)/(?<rest>.*)$".into(),
            Some(Group::Number(1))
        )));
        assert!(found.contains(&(
            "location ~ ^/p/(.+)/(?<rest>.*)$".into(),
            Some(Group::Name("rest".into()))
        )));
    }

    #[test]
    fn a_capture_is_read_from_the_last_regex_before_it() {
        let conf =
            "http { server { location ~ ^/(a)$ { rewrite ^/x/(.*)$ /y; return 301 /$1; } } }\n";
        assert_eq!(
            defs(conf, "return"),
            [("rewrite ^/x/(.*)$ /y".into(), Some(Group::Number(1)))]
        );
        let conf = "http { server { location ~ ^/a$ { return 301 /$1; } } }\n";
        assert!(
            defs(conf, "return").is_empty(),
            "no group 1: nothing defines $1"
        );
    }
}
