//! Walking a configuration the way nginx reads it: includes spliced in place.

use super::{ConfigTree, FileId};
use crate::syntax::{Children, Directive};

/// A directive and the file it is written in.
#[derive(Clone, Copy, Debug)]
pub struct WalkNode<'c> {
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
    pub fn walk<'c>(&'c self, mut visit: impl FnMut(WalkNode<'c>, &[WalkNode<'c>])) {
        // An explicit stack rather than recursion: blocks nest up to
        // `syntax::MAX_NESTING` in each file and includes nest inside them, so the
        // spliced depth is their product, far more than a thread's stack
        // holds frames for.
        enum Frame<'c> {
            /// The directives of a block (or of a file's top level) still to
            /// visit; `opened`: the block pushed its directive on `context`.
            Block {
                file: FileId,
                children: Children<'c>,
                opened: bool,
            },
            /// The files of an `include` still to walk.
            Include(std::slice::Iter<'c, FileId>),
        }
        let mut context: Vec<WalkNode<'c>> = Vec::new();
        let mut stack = vec![Frame::Block {
            file: FileId::FIRST,
            children: self.main().tree.top_level(),
            opened: false,
        }];
        while let Some(frame) = stack.last_mut() {
            match frame {
                Frame::Block {
                    file,
                    children,
                    opened,
                } => {
                    let file = *file;
                    let Some(directive) = children.next() else {
                        if *opened {
                            context.pop();
                        }
                        stack.pop();
                        continue;
                    };
                    let node = WalkNode { file, directive };
                    visit(node, &context);
                    if let Some(targets) = self.included(file, &directive) {
                        stack.push(Frame::Include(targets.iter()));
                    } else if directive.has_block() {
                        context.push(node);
                        stack.push(Frame::Block {
                            file,
                            children: directive.children(),
                            opened: true,
                        });
                    }
                }
                Frame::Include(targets) => match targets.next() {
                    Some(&target) => stack.push(Frame::Block {
                        file: target,
                        children: self.file(target).tree.top_level(),
                        opened: false,
                    }),
                    None => {
                        stack.pop();
                    }
                },
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
                node.file.index(),
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

    #[test]
    fn deep_blocks_in_deep_includes_are_walked_without_recursion() {
        use crate::syntax::MAX_NESTING;
        // Each file nests blocks as deep as a file may and includes the
        // next at the bottom: the blocks around a directive of the last
        // file add up across the files, 50,000 deep, far more than a test
        // thread's stack held frames for when the walk recursed.
        let files = 100;
        let depth = MAX_NESTING - 1;
        let texts: Vec<(String, String)> = (0..files)
            .map(|i| {
                let inner = if i + 1 < files {
                    format!("include f{}.conf;", i + 1)
                } else {
                    "leaf 1;".to_string()
                };
                let text = format!("{}{inner}{}\n", "a {".repeat(depth), "}".repeat(depth));
                (format!("/etc/nginx/f{i}.conf"), text)
            })
            .collect();
        let texts: Vec<(&str, &str)> = texts
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let tree = dump(&texts);
        let (mut visits, mut deepest) = (0, 0);
        tree.walk(|node, context| {
            visits += 1;
            if node.directive.name().value() == "leaf" {
                deepest = context.len();
            }
        });
        assert_eq!(visits, files * (depth + 1));
        assert_eq!(deepest, files * depth);
    }
}
