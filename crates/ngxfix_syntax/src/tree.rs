//! The lossless syntax tree.
//!
//! Storage is flat, in the style of a "green tree": one vector of tokens that
//! tiles the file (every byte belongs to exactly one token, whitespace and
//! comments included) and one vector of directives in document order, each
//! pointing at its tokens by index. This keeps a 20,000-server configuration
//! at a few bytes of tree per byte of input, and makes the spans the fixer
//! needs a direct lookup. The public face is a set of small `Copy` views
//! ([`Directive`], [`Word`], [`Comment`]) borrowed from the tree.

use std::borrow::Cow;
use std::ops::Range;

use super::lines::LineIndex;

/// What a token is. Every byte of a file belongs to exactly one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A UTF-8 byte order mark at the very start of the file.
    Bom,
    /// Spaces, tabs, CR and LF.
    Whitespace,
    /// `#` to the end of the line (without the line break).
    Comment,
    /// An unquoted word: a directive name or argument.
    Bare,
    /// A `"..."` word.
    DoubleQuoted,
    /// A `'...'` word.
    SingleQuoted,
    /// `;`
    Semicolon,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// The raw body of a `*_by_lua_block`, between its braces.
    LuaCode,
}

impl TokenKind {
    /// A directive name or argument.
    pub fn is_word(self) -> bool {
        matches!(
            self,
            TokenKind::Bare | TokenKind::DoubleQuoted | TokenKind::SingleQuoted
        )
    }
}

/// A token as stored: where it starts and what it is. Tokens tile the file,
/// so each ends where the next starts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawToken {
    pub start: u32,
    pub kind: TokenKind,
}

/// Tokens stored as two columns (starts, kinds): 5 bytes a token instead of
/// 8 for an array of `RawToken`s. Tokens are most of a tree's memory.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    starts: Vec<u32>,
    kinds: Vec<TokenKind>,
}

impl Tokens {
    pub fn with_capacity(n: usize) -> Self {
        Tokens {
            starts: Vec::with_capacity(n),
            kinds: Vec::with_capacity(n),
        }
    }

    pub fn push(&mut self, token: RawToken) {
        self.starts.push(token.start);
        self.kinds.push(token.kind);
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn get(&self, index: usize) -> RawToken {
        RawToken {
            start: self.starts[index],
            kind: self.kinds[index],
        }
    }

    /// The start of token `index`, if it exists.
    pub fn start(&self, index: usize) -> Option<u32> {
        self.starts.get(index).copied()
    }

    pub fn kinds(&self) -> &[TokenKind] {
        &self.kinds
    }

    pub fn shrink_to_fit(&mut self) {
        self.starts.shrink_to_fit();
        self.kinds.shrink_to_fit();
    }

    /// The index of the token that holds byte `offset` (the last one
    /// starting at or before it).
    pub fn index_at(&self, offset: u32) -> Option<usize> {
        self.starts
            .partition_point(|&start| start <= offset)
            .checked_sub(1)
    }
}

/// One token: its kind and byte range in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    /// The token's byte range in the file.
    pub fn span(&self) -> Span {
        Span {
            start: self.start,
            end: self.end,
        }
    }
}

/// A byte range in a file's original text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// The range as `usize`, for slicing.
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// True for an empty range.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// How a word was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quote {
    None,
    Single,
    Double,
}

pub use ngxfix_text::LineCol;

pub(crate) const NONE: u32 = u32::MAX;

/// A directive as stored: token indexes and tree links.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NodeData {
    /// Token index of the name.
    pub first: u32,
    /// Token index of the terminator: `;`, or the `}` closing the block.
    pub last: u32,
    /// Token index of the `{` opening the block, or `NONE`.
    pub open: u32,
    /// Node index of the enclosing directive, or `NONE` at the top level.
    pub parent: u32,
    /// Node index just past this directive's last descendant.
    pub subtree_end: u32,
}

/// A file's bytes, held as a `String` when they are UTF-8 (nearly always):
/// then the text of a word or a line is a slice, where bytes would be
/// validated again on every read, and words are read by the hundred
/// thousand on large trees.
#[derive(Debug)]
enum Text {
    Utf8(String),
    Bytes(Vec<u8>),
}

impl Text {
    fn bytes(&self) -> &[u8] {
        match self {
            Text::Utf8(text) => text.as_bytes(),
            Text::Bytes(bytes) => bytes,
        }
    }
}

/// The lossless tree of one file.
#[derive(Debug)]
pub struct SyntaxTree {
    text: Text,
    tokens: Tokens,
    nodes: Vec<NodeData>,
    /// Built on first use: many trees are only walked, never asked for a line.
    lines: std::sync::OnceLock<LineIndex>,
}

impl SyntaxTree {
    pub(crate) fn from_parts(text: Vec<u8>, tokens: Tokens, nodes: Vec<NodeData>) -> Self {
        let text = match String::from_utf8(text) {
            Ok(text) => Text::Utf8(text),
            Err(error) => Text::Bytes(error.into_bytes()),
        };
        SyntaxTree {
            text,
            tokens,
            nodes,
            lines: std::sync::OnceLock::new(),
        }
    }

    /// The file's original bytes.
    pub fn text(&self) -> &[u8] {
        self.text.bytes()
    }

    /// The file's bytes, the tree dropped: what a caller keeps of a text it
    /// replaced, without a copy.
    pub fn into_text(self) -> Vec<u8> {
        match self.text {
            Text::Utf8(text) => text.into_bytes(),
            Text::Bytes(bytes) => bytes,
        }
    }

    /// Every token, in file order. Their spans tile the file.
    pub fn tokens(&self) -> impl ExactSizeIterator<Item = Token> + '_ {
        (0..self.tokens.len()).map(|i| self.token_at(i))
    }

    /// Number of tokens.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// The token at an index (`0..token_count()`).
    pub fn token_at(&self, index: usize) -> Token {
        let raw = self.tokens.get(index);
        let end = self
            .tokens
            .start(index + 1)
            .unwrap_or(self.text().len() as u32);
        Token {
            kind: raw.kind,
            start: raw.start,
            end,
        }
    }

    /// The token that holds byte `offset`; none past the end of the file.
    pub fn token_containing(&self, offset: u32) -> Option<Token> {
        let token = self.token_at(self.tokens.index_at(offset)?);
        (offset < token.end).then_some(token)
    }

    /// The bytes of a span.
    pub fn slice(&self, span: Span) -> &[u8] {
        &self.text()[span.range()]
    }

    /// The text of a span, with invalid UTF-8 replaced by U+FFFD.
    pub fn slice_str(&self, span: Span) -> Cow<'_, str> {
        match &self.text {
            Text::Utf8(text) => match text.get(span.range()) {
                Some(slice) => Cow::Borrowed(slice),
                None => super::lines::lossy(self.slice(span)),
            },
            Text::Bytes(_) => super::lines::lossy(self.slice(span)),
        }
    }

    /// Line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.lines().line_col(self.text(), offset)
    }

    /// The line index of this file.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.text()))
    }

    /// Number of directives in the file, at every depth.
    pub fn directive_count(&self) -> usize {
        self.nodes.len()
    }

    /// The directives at the top level of the file.
    pub fn top_level(&self) -> Children<'_> {
        Children {
            tree: self,
            next: 0,
            end: self.nodes.len() as u32,
        }
    }

    /// Every directive, depth-first in document order.
    pub fn directives(&self) -> impl Iterator<Item = Directive<'_>> + '_ {
        (0..self.nodes.len() as u32).map(move |index| Directive { tree: self, index })
    }

    /// The directive with a given index (as from [`Directive::index`]).
    pub fn directive(&self, index: u32) -> Directive<'_> {
        assert!(
            (index as usize) < self.nodes.len(),
            "directive index out of range"
        );
        Directive { tree: self, index }
    }

    /// Every comment in the file.
    pub fn comments(&self) -> impl Iterator<Item = Comment<'_>> + '_ {
        self.tokens
            .kinds()
            .iter()
            .enumerate()
            .filter(|(_, kind)| **kind == TokenKind::Comment)
            .map(move |(i, _)| Comment {
                tree: self,
                token: i as u32,
            })
    }

    fn node(&self, index: u32) -> &NodeData {
        &self.nodes[index as usize]
    }

    fn token(&self, index: u32) -> Token {
        self.token_at(index as usize)
    }
}

/// Iterator over the directives of one block (or of the top level).
#[derive(Clone)]
pub struct Children<'t> {
    tree: &'t SyntaxTree,
    next: u32,
    end: u32,
}

impl<'t> Iterator for Children<'t> {
    type Item = Directive<'t>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        self.next = self.tree.node(index).subtree_end;
        Some(Directive {
            tree: self.tree,
            index,
        })
    }
}

/// A view of one directive.
#[derive(Clone, Copy)]
pub struct Directive<'t> {
    tree: &'t SyntaxTree,
    index: u32,
}

impl std::fmt::Debug for Directive<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directive")
            .field("name", &self.name().value())
            .field("line", &self.line_col().line)
            .finish()
    }
}

impl<'t> Directive<'t> {
    /// The tree this directive belongs to.
    pub fn tree(&self) -> &'t SyntaxTree {
        self.tree
    }

    /// Position in the file's document order; stable for a given parse.
    pub fn index(&self) -> u32 {
        self.index
    }

    fn data(&self) -> &'t NodeData {
        self.tree.node(self.index)
    }

    /// The name, as written (it may be quoted: map and types entries).
    pub fn name(&self) -> Word<'t> {
        Word {
            tree: self.tree,
            token: self.data().first,
        }
    }

    /// The arguments, in order.
    pub fn args(&self) -> impl Iterator<Item = Word<'t>> + Clone + 't {
        let tree = self.tree;
        let data = self.data();
        let end = if data.open != NONE {
            data.open
        } else {
            data.last
        };
        (data.first + 1..end)
            .filter(move |&i| tree.token(i).kind.is_word())
            .map(move |token| Word { tree, token })
    }

    /// Comments written between the name and the terminator.
    pub fn inner_comments(&self) -> impl Iterator<Item = Comment<'t>> + 't {
        let tree = self.tree;
        let data = self.data();
        let end = if data.open != NONE {
            data.open
        } else {
            data.last
        };
        (data.first + 1..end)
            .filter(move |&i| tree.token(i).kind == TokenKind::Comment)
            .map(move |token| Comment { tree, token })
    }

    /// Whether the directive has a `{ ... }` block (a Lua block counts).
    pub fn has_block(&self) -> bool {
        self.data().open != NONE
    }

    /// The directives inside the block; empty without a block.
    pub fn children(&self) -> Children<'t> {
        let data = self.data();
        Children {
            tree: self.tree,
            next: self.index + 1,
            end: if data.open != NONE {
                data.subtree_end
            } else {
                self.index + 1
            },
        }
    }

    /// The raw Lua code of a `*_by_lua_block` directive.
    pub fn lua_code(&self) -> Option<Span> {
        let data = self.data();
        if data.open == NONE {
            return None;
        }
        let next = self.tree.token(data.open + 1);
        (next.kind == TokenKind::LuaCode).then(|| next.span())
    }

    /// The enclosing directive, if any.
    pub fn parent(&self) -> Option<Directive<'t>> {
        let parent = self.data().parent;
        (parent != NONE).then_some(Directive {
            tree: self.tree,
            index: parent,
        })
    }

    /// Enclosing directives, innermost first.
    pub fn ancestors(&self) -> impl Iterator<Item = Directive<'t>> + 't {
        std::iter::successors(self.parent(), |d| d.parent())
    }

    /// From the first byte of the name to the last byte of `;` or `}`.
    pub fn span(&self) -> Span {
        let data = self.data();
        Span {
            start: self.tree.token(data.first).start,
            end: self.tree.token(data.last).end,
        }
    }

    /// The span of the `{` opening the block.
    pub fn open_brace(&self) -> Option<Span> {
        let data = self.data();
        (data.open != NONE).then(|| self.tree.token(data.open).span())
    }

    /// The span of the terminator: `;`, or the `}` closing the block.
    pub fn terminator(&self) -> Span {
        self.tree.token(self.data().last).span()
    }

    /// Where the name starts.
    pub fn line_col(&self) -> LineCol {
        self.tree.line_col(self.span().start)
    }

    /// Comments on the lines right above the directive (no blank line in
    /// between), excluding a comment that trails the previous directive on
    /// its own line. In file order.
    pub fn leading_comments(&self) -> Vec<Comment<'t>> {
        let tree = self.tree;
        let mut found = Vec::new();
        let mut i = self.data().first as usize;
        while i > 0 {
            let token = tree.token_at(i - 1);
            match token.kind {
                TokenKind::Comment => {
                    // A comment that follows other code on its line belongs to that code.
                    let before = i.checked_sub(2).map(|j| tree.token_at(j));
                    let owns_line = match before {
                        None => true,
                        Some(t) if t.kind == TokenKind::Bom => true,
                        Some(t) => {
                            t.kind == TokenKind::Whitespace
                                && self.tree.slice(t.span()).contains(&b'\n')
                        }
                    };
                    if !owns_line {
                        break;
                    }
                    found.push(Comment {
                        tree: self.tree,
                        token: i as u32 - 1,
                    });
                }
                TokenKind::Whitespace => {
                    let newlines = self
                        .tree
                        .slice(token.span())
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    if newlines > 1 {
                        break;
                    }
                }
                _ => break,
            }
            i -= 1;
        }
        found.reverse();
        found
    }

    /// A comment after the terminator on the same line.
    pub fn trailing_comment(&self) -> Option<Comment<'t>> {
        let tree = self.tree;
        let get = |i: usize| (i < tree.token_count()).then(|| tree.token_at(i));
        let mut i = self.data().last as usize + 1;
        if let Some(t) = get(i) {
            if t.kind == TokenKind::Whitespace {
                if tree.slice(t.span()).contains(&b'\n') {
                    return None;
                }
                i += 1;
            }
        }
        match get(i) {
            Some(t) if t.kind == TokenKind::Comment => Some(Comment {
                tree: self.tree,
                token: i as u32,
            }),
            _ => None,
        }
    }

    pub(crate) fn open_token(&self) -> Option<u32> {
        let open = self.data().open;
        (open != NONE).then_some(open)
    }

    pub(crate) fn first_token(&self) -> u32 {
        self.data().first
    }

    pub(crate) fn last_token(&self) -> u32 {
        self.data().last
    }
}

/// A view of a word: a directive name or argument.
#[derive(Clone, Copy)]
pub struct Word<'t> {
    tree: &'t SyntaxTree,
    token: u32,
}

impl std::fmt::Debug for Word<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Word({:?})", self.raw())
    }
}

impl<'t> Word<'t> {
    /// The token behind this word.
    pub fn token(&self) -> Token {
        self.tree.token(self.token)
    }

    /// Byte range of the word, quotes included.
    pub fn span(&self) -> Span {
        self.token().span()
    }

    /// How the word was quoted.
    pub fn quote(&self) -> Quote {
        match self.token().kind {
            TokenKind::DoubleQuoted => Quote::Double,
            TokenKind::SingleQuoted => Quote::Single,
            _ => Quote::None,
        }
    }

    /// The text as written, quotes and escapes included.
    pub fn raw(&self) -> Cow<'t, str> {
        self.tree.slice_str(self.span())
    }

    /// The text inside the quotes, escapes untouched.
    pub fn inner(&self) -> Cow<'t, str> {
        let span = self.span();
        let span = match self.quote() {
            Quote::None => span,
            _ => Span {
                start: span.start + 1,
                end: span.end - 1,
            },
        };
        self.tree.slice_str(span)
    }

    /// The value nginx sees: quotes removed and `\"`, `\'`, `\\`, `\t`, `\r`,
    /// `\n` unescaped; any other backslash pair is kept as written. This is
    /// the rule in `ngx_conf_read_token()`, for quoted and bare words alike.
    pub fn value(&self) -> Cow<'t, str> {
        let inner = self.inner();
        if !inner.contains('\\') {
            return inner;
        }
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let mut lookahead = chars.clone();
            match lookahead.next() {
                Some(e @ ('"' | '\'' | '\\')) => {
                    out.push(e);
                    chars = lookahead;
                }
                Some('t') => {
                    out.push('\t');
                    chars = lookahead;
                }
                Some('r') => {
                    out.push('\r');
                    chars = lookahead;
                }
                Some('n') => {
                    out.push('\n');
                    chars = lookahead;
                }
                _ => out.push('\\'),
            }
        }
        Cow::Owned(out)
    }

    /// Where the word starts.
    pub fn line_col(&self) -> LineCol {
        self.tree.line_col(self.span().start)
    }
}

/// A view of a comment token.
#[derive(Clone, Copy)]
pub struct Comment<'t> {
    tree: &'t SyntaxTree,
    token: u32,
}

impl std::fmt::Debug for Comment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Comment({:?})", self.text())
    }
}

impl<'t> Comment<'t> {
    /// Byte range, from `#` to the end of the line (a CR before the LF is
    /// part of the token; see [`Comment::text`]).
    pub fn span(&self) -> Span {
        self.tree.token(self.token).span()
    }

    /// The text after `#`, without a trailing CR.
    pub fn text(&self) -> Cow<'t, str> {
        let span = self.span();
        let mut end = span.end;
        if self.tree.text()[..end as usize].ends_with(b"\r") {
            end -= 1;
        }
        self.tree.slice_str(Span {
            start: span.start + 1,
            end,
        })
    }

    /// Where the `#` is.
    pub fn line_col(&self) -> LineCol {
        self.tree.line_col(self.span().start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_holding_an_offset_is_found() {
        let tree = crate::parse(b"a \"b\nc\";\n".to_vec()).unwrap();
        let kind = |offset| tree.token_containing(offset).map(|t| t.kind);
        assert_eq!(kind(0), Some(TokenKind::Bare));
        assert_eq!(kind(1), Some(TokenKind::Whitespace));
        // The line after the break begins inside the quoted word.
        assert_eq!(kind(5), Some(TokenKind::DoubleQuoted));
        assert_eq!(tree.token_containing(5).unwrap().start, 2);
        assert_eq!(kind(9), None);
    }
}
