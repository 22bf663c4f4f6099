//! Walking a tree in document order, and printing it back to text.

use super::tree::{Directive, SyntaxTree, Token};

/// Receives a tree's tokens in document order, with the directive structure
/// around them.
pub trait Visitor<'t> {
    /// A token; every token of the file is visited exactly once.
    fn token(&mut self, tree: &'t SyntaxTree, token: Token);
    /// Before the first token of a directive (its name).
    fn enter(&mut self, _directive: Directive<'t>) {}
    /// After the last token of a directive (its `;` or closing `}`).
    fn leave(&mut self, _directive: Directive<'t>) {}
}

/// Walk the tree: the trivia between directives, each directive's own tokens,
/// and the contents of its block, recursively.
pub fn walk<'t>(tree: &'t SyntaxTree, visitor: &mut impl Visitor<'t>) {
    let mut walker = Walker { tree, visitor };
    let end = walker.items(tree.top_level(), 0);
    walker.tokens(end, tree.token_count());
}

/// Print the tree back to text: the parsed input, byte for byte.
pub fn print(tree: &SyntaxTree) -> Vec<u8> {
    struct Printer(Vec<u8>);
    impl<'t> Visitor<'t> for Printer {
        fn token(&mut self, tree: &'t SyntaxTree, token: Token) {
            self.0.extend_from_slice(tree.slice(token.span()));
        }
    }
    let mut printer = Printer(Vec::with_capacity(tree.text().len()));
    walk(tree, &mut printer);
    printer.0
}

struct Walker<'t, 'v, V> {
    tree: &'t SyntaxTree,
    visitor: &'v mut V,
}

impl<'t, V: Visitor<'t>> Walker<'t, '_, V> {
    fn tokens(&mut self, from: usize, to: usize) {
        for index in from..to {
            self.visitor.token(self.tree, self.tree.token_at(index));
        }
    }

    /// Sibling directives and the trivia before each, starting at token
    /// `cursor`; returns the token after the last one.
    fn items(&mut self, children: impl Iterator<Item = Directive<'t>>, mut cursor: usize) -> usize {
        for child in children {
            self.tokens(cursor, child.first_token() as usize);
            cursor = self.directive(child);
        }
        cursor
    }

    fn directive(&mut self, directive: Directive<'t>) -> usize {
        self.visitor.enter(directive);
        let first = directive.first_token() as usize;
        let last = directive.last_token() as usize;
        match directive.open_token() {
            None => self.tokens(first, last + 1),
            Some(open) => {
                self.tokens(first, open as usize + 1);
                let cursor = self.items(directive.children(), open as usize + 1);
                self.tokens(cursor, last + 1);
            }
        }
        self.visitor.leave(directive);
        last + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn prints_back_every_byte() {
        let inputs: [&[u8]; 6] = [
            b"",
            b"\xef\xbb\xbfuser nginx;\r\nevents {}\r\n",
            b"http { # c\n  server { listen 80 ; } # t\n}\n# end",
            b"a 'b' \"c\\\"d\" e\\ f;",
            b"content_by_lua_block { ngx.say('}') -- }\n }",
            b"x \xff\xfe;\n",
        ];
        for input in inputs {
            let tree = parse(input.to_vec()).unwrap();
            assert_eq!(print(&tree), input);
        }
    }
}
