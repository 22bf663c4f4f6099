//! Walking a configuration the way nginx reads it: includes spliced in place.

use super::{ConfigTree, FileId};
use crate::syntax::{Children, Directive};

/// A directive and the file it is written in.
#[derive(Clone, Copy, Debug)]
pub struct Node<'c> {
    pub file: FileId,
    pub directive: Directive<'c>,
}

impl ConfigTree {
    /// Visit every directive as nginx reads the configuration: depth first,
    /// in file order, each `include` followed at its place by the directives
    /// of the files it pulls in. `visit` gets the node and its context: the
    /// enclosing block directives, outermost first (an `include` is not a
    /// context: what it pulls in sits in the include's own block). A file
    /// included from several places is visited once per place, each time in
    /// that place's context. Include cycles are refused when loading, so the
    /// walk ends.
    pub fn walk<'c>(&'c self, mut visit: impl FnMut(Node<'c>, &[Node<'c>])) {
        let mut context = Vec::new();
        self.walk_children(
            0,
            self.files()[0].tree.top_level(),
            &mut context,
            &mut visit,
        );
    }

    fn walk_children<'c>(
        &'c self,
        file: FileId,
        children: Children<'c>,
        context: &mut Vec<Node<'c>>,
        visit: &mut impl FnMut(Node<'c>, &[Node<'c>]),
    ) {
        for directive in children {
            let node = Node { file, directive };
            visit(node, context);
            if let Some(targets) = self.included(file, &directive) {
                for &target in targets {
                    let top = self.files()[target].tree.top_level();
                    self.walk_children(target, top, context, visit);
                }
            } else if directive.has_block() {
                context.push(node);
                self.walk_children(file, directive.children(), context, visit);
                context.pop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::from_texts as dump;

    #[test]
    fn includes_are_walked_in_place_and_in_each_context() {
        let tree = dump(&[
            (
                "/etc/nginx/nginx.conf",
                "http {\n  include proxy.conf;\n  server {\n    location / { include proxy.conf; }\n  }\n}\n",
            ),
            ("/etc/nginx/proxy.conf", "proxy_set_header Host $host;\n"),
        ]);
        let mut seen = Vec::new();
        tree.walk(|node, context| {
            let path: Vec<String> = context
                .iter()
                .map(|n| n.directive.name().value().into_owned())
                .collect();
            seen.push(format!(
                "{}:{} in {}",
                node.file,
                node.directive.name().value(),
                path.join("/")
            ));
        });
        assert_eq!(
            seen,
            [
                "0:http in ",
                "0:include in http",
                "1:proxy_set_header in http",
                "0:server in http",
                "0:location in http/server",
                "0:include in http/server/location",
                "1:proxy_set_header in http/server/location",
            ]
        );
    }
}
