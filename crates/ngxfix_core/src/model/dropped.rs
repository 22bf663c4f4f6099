//! The entries a level loses by having its own. nginx inherits array
//! directives (`add_header`, `proxy_set_header`, `fastcgi_param`, ...) all
//! or nothing: a location with one `add_header` of its own sends none of
//! its server's (`ngx_http_headers_merge_conf()` takes the parent's array
//! only when the child's is unset). What a level drops is what the level
//! above has in effect and the level does not.

use super::effective::{effective, inherits_from_parent, scope_of};
use super::tree::Node;

/// The entries of `name` in effect at the level above `node`'s level that
/// are not in effect at `node`'s level because that level has entries of
/// its own: compared by their first argument, ignoring case (the header
/// name). Empty when the level has no entries of its own, or is a level
/// nothing is inherited into (`http`, `upstream`). `add_header_inherit
/// merge` (nginx 1.29.3+) keeps the entries above, so nothing is dropped;
/// `off` drops them all, on purpose.
pub fn dropped<'m>(node: Node<'m>, name: &str) -> Vec<Node<'m>> {
    let model = node.model();
    let Some(level) = scope_of(node) else {
        return Vec::new();
    };
    if !level.block_kind().is_some_and(inherits_from_parent)
        || model.in_block(Some(level), name).next().is_none()
    {
        return Vec::new();
    }
    let here = effective(model, Some(level), name);
    let kept: Vec<String> = here.entry_nodes().map(key).collect();
    let above = effective(model, level.parent(), name);
    let mut lost: Vec<Node<'m>> = Vec::new();
    for entry in above.entry_nodes() {
        let k = key(entry);
        if !kept.contains(&k) && !lost.iter().any(|l| key(*l) == k) {
            lost.push(entry);
        }
    }
    lost
}

/// What identifies an entry: its first argument, lowercased.
fn key(node: Node<'_>) -> String {
    node.arg(0)
        .map(|a| a.value().to_ascii_lowercase())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::model::{Model, Version};

    fn names(conf: &str, at: &str, version: Version) -> Vec<String> {
        let tree = crate::config::from_texts(&[("/etc/nginx/nginx.conf", conf)]);
        let model = Model::new(&tree, version);
        let node = model
            .nodes()
            .find(|n| n.name() == "location" && n.arg(0).is_some_and(|a| a.value() == at))
            .expect("location");
        super::dropped(node, "add_header")
            .iter()
            .map(|n| n.arg(0).unwrap().value().into_owned())
            .collect()
    }

    const CONF: &str = "http {\n add_header A 1;\n server {\n  add_header B 2;\n  add_header C 3;\n  location /own { add_header C 4; add_header D 5; }\n  location /none { root /x; }\n  location /merge { add_header_inherit merge; add_header D 5; }\n  location /all { add_header b 2; add_header C 3; }\n }\n}\n";

    #[test]
    fn a_level_with_entries_drops_those_above_it_does_not_repeat() {
        let v = Version::new(1, 29, 6);
        assert_eq!(names(CONF, "/own", v), ["B"]);
        assert!(
            names(CONF, "/none", v).is_empty(),
            "no entries: inherits all"
        );
        assert!(names(CONF, "/merge", v).is_empty(), "merge keeps them");
        assert!(
            names(CONF, "/all", v).is_empty(),
            "names compare ignoring case"
        );
        // Before 1.29.3 add_header_inherit does not exist: merge is no word.
        assert_eq!(names(CONF, "/merge", Version::new(1, 28, 0)), ["B", "C"]);
    }
}
