//! pest grammar → lossless [`SyntaxTree`].

use std::borrow::Cow;

use pest::Parser;

use super::diagnose;
use super::error::SourceError;
use super::tree::{NodeData, RawToken, SyntaxTree, TokenKind, Tokens, NONE};

/// The parser generated from `grammar/nginx.pest`.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/nginx.pest"]
pub(crate) struct NginxParser;

/// Larger inputs are refused: spans are stored as `u32`.
pub const MAX_FILE_SIZE: usize = u32::MAX as usize;

/// Parse one file's bytes into a lossless tree.
///
/// Bytes that are not valid UTF-8 are kept: nginx treats them as ordinary
/// characters, and so does the grammar, which sees each of them as `?` (a
/// character with the same role everywhere) while the tree keeps the original
/// bytes and the same offsets.
pub fn parse(text: Vec<u8>) -> Result<SyntaxTree, SourceError> {
    if text.len() > MAX_FILE_SIZE {
        return Err(SourceError::too_large(text.len()));
    }
    // The generated parser recurses once per nested block (and per brace of
    // a Lua body), so a file can need at most one level per `{`. pest's own
    // stack guard, which checked the stack pointer on every rule call, cost
    // a fifth of the parse; instead the parse runs where that much stack is
    // sure to be free.
    let braces = text.iter().filter(|&&b| b == b'{').count();
    let stack = STACK_BASE.saturating_add(braces.saturating_mul(STACK_PER_BRACE));
    // A WebAssembly page has no threads: there the page gives the parse
    // the stack it needs.
    if stack <= STACK_INLINE || cfg!(target_family = "wasm") {
        return parse_here(text);
    }
    parse_on_own_stack(text, stack, braces)
}

/// [`parse_here`] on a thread of its own with `stack` bytes of stack: the
/// one thread the pure libraries start, and only for the time of a parse
/// whose nesting could overflow the caller's stack.
#[allow(
    clippy::disallowed_methods,
    reason = "a scoped thread for its stack size, joined before returning"
)]
fn parse_on_own_stack(
    text: Vec<u8>,
    stack: usize,
    braces: usize,
) -> Result<SyntaxTree, SourceError> {
    std::thread::scope(|scope| {
        let parsing = std::thread::Builder::new()
            .name("ngxfix-parse".into())
            .stack_size(stack)
            .spawn_scoped(scope, move || parse_here(text));
        match parsing {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(error) => Err(SourceError::unreadable(format!(
                "cannot set aside {} MiB of stack to read {braces} blocks: {error}",
                stack >> 20
            ))),
        }
    })
}

/// Stack the parser may use per `{`: measured at about 370 bytes a level in
/// release builds and 4.2 KiB in debug builds, with room to spare.
const STACK_PER_BRACE: usize = if cfg!(debug_assertions) {
    8 << 10
} else {
    1 << 10
};

/// Stack for everything but the nesting (the parse's own frames, and the
/// caller's).
const STACK_BASE: usize = 128 << 10;

/// Parses that fit in this much stack run on the calling thread: every
/// thread that parses (the main thread, rayon's workers) has at least 2 MiB.
const STACK_INLINE: usize = 1 << 20;

/// Blocks nested deeper than this are refused. nginx configurations nest a
/// handful of levels; the limit keeps every later walk of the tree, which
/// recurses per level, well inside its stack.
pub const MAX_NESTING: usize = 500;

/// [`parse`], on the current thread's stack.
fn parse_here(text: Vec<u8>) -> Result<SyntaxTree, SourceError> {
    let source = grammar_view(&text);
    let (tokens, nodes) = match NginxParser::parse(Rule::config, &source) {
        Ok(pairs) => {
            let mut builder = Builder::with_capacity(text.len());
            for event in pairs.tokens() {
                match event {
                    pest::Token::Start { rule, pos } => builder.start(rule, pos.pos(), &source),
                    pest::Token::End { rule, pos } => builder.end(rule, pos.pos(), &source),
                }
            }
            assert_eq!(
                builder.next_start,
                source.len(),
                "grammar left bytes outside tokens"
            );
            if let Some(offset) = builder.too_deep {
                return Err(SourceError::at(
                    &text,
                    offset,
                    "blocks are nested too deeply to read",
                    Some(format!("more than {MAX_NESTING} levels")),
                ));
            }
            if let Some((offset, name)) = builder.unreadable_lua {
                return Err(diagnose::unreadable_lua_block(&text, offset, &name));
            }
            builder.tokens.shrink_to_fit();
            builder.nodes.shrink_to_fit();
            (builder.tokens, builder.nodes)
        }
        Err(error) => return Err(diagnose::explain(&text, &source, &error)),
    };
    Ok(SyntaxTree::from_parts(text, tokens, nodes))
}

/// The text the grammar runs on: the file itself when it is UTF-8, else a copy
/// with each invalid byte replaced by `?` (same length, so offsets agree).
pub fn grammar_view(text: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(text) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let mut out = String::with_capacity(text.len());
            for chunk in text.utf8_chunks() {
                out.push_str(chunk.valid());
                out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
            }
            Cow::Owned(out)
        }
    }
}

/// Builds the tree from pest's flat stream of start and end events: one pass,
/// no per-pair allocation.
struct Builder {
    tokens: Tokens,
    nodes: Vec<NodeData>,
    /// The directives being read, innermost last.
    open: Vec<u32>,
    /// Where the next token must start: the grammar gives every byte to a
    /// token, and the tree relies on it (a token's end is the next start).
    next_start: usize,
    /// The first `*_by_lua_block` whose body the grammar could only read as
    /// an nginx block (see the `directive` rule): an error.
    unreadable_lua: Option<(usize, String)>,
    /// Where the first directive nested deeper than [`MAX_NESTING`] starts.
    too_deep: Option<usize>,
}

impl Builder {
    fn with_capacity(bytes: usize) -> Self {
        // Measured on the corpus and generated trees: about one token per 5
        // bytes and one directive per 34. Reserving a little more than that
        // (then shrinking in place) avoids the regrowth that doubles a
        // vector near its end and fragments the heap: 10% less peak memory
        // on the 20,000-server benchmark tree.
        Builder {
            tokens: Tokens::with_capacity(bytes / 4 + 16),
            nodes: Vec::with_capacity(bytes / 28 + 4),
            open: Vec::new(),
            next_start: 0,
            unreadable_lua: None,
            too_deep: None,
        }
    }

    fn start(&mut self, rule: Rule, pos: usize, source: &str) {
        let kind = match rule {
            Rule::directive => {
                self.fill_gap(pos, source);
                if self.open.len() >= MAX_NESTING {
                    self.too_deep.get_or_insert(pos);
                }
                let index = self.nodes.len() as u32;
                self.nodes.push(NodeData {
                    first: self.tokens.len() as u32,
                    last: NONE,
                    open: NONE,
                    parent: self.open.last().copied().unwrap_or(NONE),
                    subtree_end: NONE,
                });
                self.open.push(index);
                return;
            }
            Rule::config | Rule::block | Rule::lua_block | Rule::EOI => return,
            Rule::ws => TokenKind::Whitespace,
            Rule::comment => TokenKind::Comment,
            Rule::bare => TokenKind::Bare,
            Rule::dquoted => TokenKind::DoubleQuoted,
            Rule::squoted => TokenKind::SingleQuoted,
            Rule::lua_name => match source.as_bytes()[pos] {
                b'"' => TokenKind::DoubleQuoted,
                b'\'' => TokenKind::SingleQuoted,
                _ => TokenKind::Bare,
            },
            Rule::bom => TokenKind::Bom,
            Rule::lua_code => TokenKind::LuaCode,
            Rule::semicolon => TokenKind::Semicolon,
            Rule::lbrace => TokenKind::LBrace,
            Rule::rbrace => TokenKind::RBrace,
            other => unreachable!("grammar rule {other:?} is not part of a config"),
        };
        self.fill_gap(pos, source);
        let index = self.tokens.len() as u32;
        self.tokens.push(RawToken {
            kind,
            start: pos as u32,
        });
        // `;`, `{` and `}` belong to the innermost directive being read: a
        // nested directive is closed before its parent's `}` arrives.
        if let Some(&node) = self.open.last() {
            let node = &mut self.nodes[node as usize];
            match kind {
                TokenKind::Semicolon | TokenKind::RBrace => node.last = index,
                TokenKind::LBrace if node.open == NONE => node.open = index,
                _ => {}
            }
        }
    }

    fn end(&mut self, rule: Rule, pos: usize, source: &str) {
        match rule {
            Rule::directive => {
                let index = self.open.pop().expect("directive events are balanced");
                let subtree_end = self.nodes.len() as u32;
                let node = &mut self.nodes[index as usize];
                node.subtree_end = subtree_end;
                let node = *node;
                if node.open != NONE
                    && self.tokens.get(node.open as usize + 1).kind != TokenKind::LuaCode
                {
                    self.check_not_lua(&node, source);
                }
            }
            Rule::config => self.fill_gap(pos, source),
            Rule::block | Rule::lua_block | Rule::EOI => {}
            _ => self.next_start = pos,
        }
    }

    /// The grammar reads whitespace between tokens silently: whatever lies
    /// between the last token's end and `pos` is one whitespace token.
    fn fill_gap(&mut self, pos: usize, source: &str) {
        if pos == self.next_start {
            return;
        }
        assert!(
            pos > self.next_start
                && source.as_bytes()[self.next_start..pos]
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')),
            "grammar left bytes outside tokens"
        );
        self.tokens.push(RawToken {
            kind: TokenKind::Whitespace,
            start: self.next_start as u32,
        });
        self.next_start = pos;
    }

    /// A directive read with an nginx block must not be a Lua one.
    fn check_not_lua(&mut self, node: &NodeData, source: &str) {
        let start = self.tokens.get(node.first as usize).start as usize;
        let end = self.tokens.get(node.first as usize + 1).start as usize;
        if let Some(name) = lua_block_name(&source[start..end]) {
            self.unreadable_lua
                .get_or_insert_with(|| (start, name.to_string()));
        }
    }
}

/// The name of a `*_by_lua_block` directive, written bare or quoted (as the
/// grammar's `lua_name` accepts it); `None` for any other name.
pub(crate) fn lua_block_name(raw: &str) -> Option<&str> {
    let name = raw.trim_matches(['"', '\'']);
    name.ends_with("_by_lua_block").then_some(name)
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests parse on threads with small stacks, as rayon's workers have"
)]
mod tests {
    use super::*;
    use crate::{print, Quote, SyntaxTree};

    fn tree(src: &str) -> SyntaxTree {
        let tree = parse(src.as_bytes().to_vec()).unwrap_or_else(|e| panic!("{src:?}: {e}"));
        assert_eq!(print(&tree), src.as_bytes(), "round trip of {src:?}");
        tree
    }

    /// (name, args) of every directive, depth first, as nginx sees the values.
    fn statements(src: &str) -> Vec<(String, Vec<String>)> {
        let tree = tree(src);
        tree.directives()
            .map(|d| {
                (
                    d.name().value().into_owned(),
                    d.args().map(|a| a.value().into_owned()).collect(),
                )
            })
            .collect()
    }

    fn error(src: &str) -> String {
        let e = parse(src.as_bytes().to_vec()).expect_err(src);
        format!("{}:{}: {}", e.line, e.col, e.message)
    }

    fn s(name: &str, args: &[&str]) -> (String, Vec<String>) {
        (
            name.to_string(),
            args.iter().map(|a| a.to_string()).collect(),
        )
    }

    #[test]
    fn words_follow_ngx_conf_read_token() {
        // `{` after `$` stays in the word; `#` and quotes inside a word are ordinary.
        assert_eq!(
            statements("try_files /abc/${uri} /abc/${uri}.html =404;"),
            [s("try_files", &["/abc/${uri}", "/abc/${uri}.html", "=404"])]
        );
        assert_eq!(
            statements("a b#c d\"e' f}g;"),
            [s("a", &["b#c", "d\"e'", "f}g"])]
        );
        // A backslash escapes anything, including `;`, `{`, space and newline.
        assert_eq!(statements("a b\\;c\\{d\\ e;"), [s("a", &["b\\;c\\{d\\ e"])]);
        // `)` may follow a closing quote directly and starts the next word.
        assert_eq!(
            statements("if ($a = \"b\") { }"),
            [s("if", &["($a", "=", "b", ")"])]
        );
        // nginx unescapes \" \' \\ \t \r \n and keeps other pairs.
        assert_eq!(
            statements(r#"a "x\"y\\z\n\d" 'q\'r';"#),
            [s("a", &["x\"y\\z\n\\d", "q'r"])]
        );
        // `{` ends a bare word, as in nginx (`ex{1,3}` splits); the error
        // is reported at that `{`, not at the end of the file.
        assert_eq!(
            error("location ~ ^/ex{1,3}$;"),
            "1:16: \"{\" in an unquoted regular expression opens a block"
        );
    }

    #[test]
    fn quoted_names_and_map_entries() {
        let found = statements("map $a $b { '' close; \"~*x y\" 1; default 0; }");
        assert_eq!(found[1], s("", &["close"]));
        assert_eq!(found[2], s("~*x y", &["1"]));
        let t = tree("'' close;");
        assert_eq!(t.top_level().next().unwrap().name().quote(), Quote::Single);
    }

    #[test]
    fn comments_are_tokens_wherever_a_token_may_start() {
        let t = tree("http { #a\n  listen 80 # b\n   443;#c\n} # d");
        let http = t.top_level().next().unwrap();
        let listen = http.children().next().unwrap();
        assert_eq!(listen.args().count(), 2);
        let inner: Vec<_> = listen
            .inner_comments()
            .map(|c| c.text().into_owned())
            .collect();
        assert_eq!(inner, [" b"]);
        assert_eq!(listen.trailing_comment().unwrap().text(), "c");
        assert_eq!(http.trailing_comment().unwrap().text(), " d");
        assert_eq!(t.comments().count(), 4);
    }

    #[test]
    fn leading_comments_stop_at_blank_lines_and_other_code() {
        let t = tree("a 1; # trails a\n# about b, part 1\n# part 2\nb 2;\n\n# detached\n\nc 3;\n");
        let b = t.top_level().nth(1).unwrap();
        let texts: Vec<_> = b
            .leading_comments()
            .iter()
            .map(|c| c.text().into_owned())
            .collect();
        assert_eq!(texts, [" about b, part 1", " part 2"]);
        assert!(t.top_level().nth(2).unwrap().leading_comments().is_empty());
    }

    #[test]
    fn tree_links_and_spans() {
        let src = "http {\n  server {\n    location / { return 200; }\n  }\n  upstream u { server a; }\n}\n";
        let t = tree(src);
        let http = t.top_level().next().unwrap();
        let names: Vec<_> = http
            .children()
            .map(|d| d.name().value().into_owned())
            .collect();
        assert_eq!(names, ["server", "upstream"]);
        let ret = t
            .directives()
            .find(|d| d.name().value() == "return")
            .unwrap();
        let ancestors: Vec<_> = ret
            .ancestors()
            .map(|d| d.name().value().into_owned())
            .collect();
        assert_eq!(ancestors, ["location", "server", "http"]);
        assert_eq!(&src[ret.span().range()], "return 200;");
        assert_eq!(ret.line_col().line, 3);
        let location = ret.parent().unwrap();
        assert_eq!(&src[location.span().range()], "location / { return 200; }");
        assert_eq!(&src[location.open_brace().unwrap().range()], "{");
    }

    #[test]
    fn lua_blocks_are_raw() {
        let src = "content_by_lua_block {\n  local t = { '}', \"{\" } -- }\n  --[==[ } ]==] x = [[ { ]]\n}\nb 1;";
        let t = tree(src);
        let lua = t.top_level().next().unwrap();
        let code = lua.lua_code().unwrap();
        assert!(src[code.range()].contains("[[ { ]]"));
        assert_eq!(lua.children().count(), 0);
        assert_eq!(t.top_level().count(), 2);
        assert_eq!(
            statements("set_by_lua_block $res { return 1 }")[0],
            s("set_by_lua_block", &["$res"])
        );
        // As an argument the name means nothing special.
        assert_eq!(
            statements("server_name content_by_lua_block;")[0].1,
            ["content_by_lua_block"]
        );
        assert!(error("content_by_lua_block { x = '}").contains("Lua block"));
        // A Lua name used without a block is only a word: a later error is
        // reported as itself.
        assert_eq!(error("content_by_lua_block x;\n}"), "2:1: unexpected \"}\"");
        // Valid as nginx, not as Lua (an unclosed long comment): still an error.
        assert_eq!(
            error("http {\n  content_by_lua_block { --[[ open ; }\n}"),
            "2:3: cannot read the Lua block of \"content_by_lua_block\""
        );
    }

    #[test]
    fn bytes_nginx_accepts_are_kept() {
        for src in ["\u{feff}events {}\r\n", "a \u{0b}\u{0c};", "a b", ""] {
            let _ = parse(src.as_bytes().to_vec());
        }
        tree("\u{feff}events {}\r\nhttp {\r\n\tinclude x;\r\n}\r\n");
        let raw = b"a \xff\xfe \"\xe9\";\n# \xff\n".to_vec();
        let t = parse(raw.clone()).unwrap();
        assert_eq!(print(&t), raw);
        let args: Vec<String> = t
            .top_level()
            .next()
            .unwrap()
            .args()
            .map(|a| a.value().into_owned())
            .collect();
        assert_eq!(args, ["\u{fffd}\u{fffd}", "\u{fffd}"]);
        // UTF-8 text is lent out, not copied.
        let t = parse("a \"é\";".as_bytes().to_vec()).unwrap();
        let word = t.top_level().next().unwrap().args().next().unwrap();
        assert!(matches!(word.value(), Cow::Borrowed("é")));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // Far deeper than a 2 MiB thread's stack would hold.
        let depth = 50_000;
        let src = "a {".repeat(depth) + &"}".repeat(depth);
        let result = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || parse(src.into_bytes()).map(|t| t.directive_count()))
            .unwrap()
            .join()
            .unwrap();
        let error = result.expect_err("too deep");
        assert_eq!(error.message, "blocks are nested too deeply to read");
        // Unclosed, the same depth gets nginx's message from the flat replay.
        assert!(error_of(&"a {".repeat(depth)).contains("expecting \"}\""));
    }

    #[test]
    fn the_grammar_view_keeps_offsets() {
        assert_eq!(grammar_view(b"a\xffb"), "a?b");
        assert_eq!(grammar_view(b"ok"), "ok");
    }

    #[test]
    fn nesting_is_read_up_to_the_limit() {
        let nested = |depth: usize| "a {".repeat(depth) + &"}".repeat(depth);
        assert_eq!(
            parse(nested(MAX_NESTING).into_bytes())
                .expect("at the limit")
                .directive_count(),
            MAX_NESTING
        );
        let error = parse(nested(MAX_NESTING + 1).into_bytes()).expect_err("past it");
        assert_eq!(error.message, "blocks are nested too deeply to read");
        assert_eq!(error.col as usize, 3 * MAX_NESTING + 1);
    }

    #[test]
    fn deep_lua_bodies_are_read_on_a_stack_sized_for_them() {
        // One directive whose Lua body nests 50,000 tables: the grammar
        // recurses per brace, the tree holds one token.
        let depth = 50_000;
        let src = format!(
            "content_by_lua_block {{ t = {}{} }}\n",
            "{".repeat(depth),
            "}".repeat(depth)
        );
        let parsed = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || parse(src.into_bytes()).map(|t| t.directive_count()))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(parsed, Ok(1));
    }

    fn error_of(src: &str) -> String {
        parse(src.as_bytes().to_vec()).unwrap_err().message
    }

    #[test]
    fn errors_use_nginx_wording() {
        assert_eq!(error("}"), "1:1: unexpected \"}\"");
        assert_eq!(error("a {\n  b c\n}"), "3:1: unexpected \"}\"");
        assert_eq!(error(";"), "1:1: unexpected \";\"");
        assert_eq!(error("a; {"), "1:4: unexpected \"{\"");
        assert_eq!(error("a \"b\"c;"), "1:6: unexpected \"c\"");
        assert_eq!(error("a \"b\"#c\n;"), "1:6: unexpected \"#\"");
        assert_eq!(
            error("a b"),
            "1:4: unexpected end of file, expecting \";\" or \"}\""
        );
        assert_eq!(
            error("a \"b;\n"),
            "1:3: unexpected end of file, expecting \";\" or \"}\""
        );
        assert_eq!(
            error("http {\n  server {\n  }\n"),
            "4:1: unexpected end of file, expecting \"}\""
        );
        // A `{` glued to a regular expression is reported where it is.
        let src =
            "http {\n  server {\n    location ~ ^/a{2}$ {\n      return 204;\n    }\n  }\n}\n";
        assert_eq!(
            error(src),
            "3:19: \"{\" in an unquoted regular expression opens a block"
        );
        let e = parse(src.as_bytes().to_vec()).unwrap_err();
        assert!(e
            .hint
            .as_deref()
            .unwrap()
            .contains("quote the expression: \"^/a{...\""));
        assert_eq!(
            error("location ~* \\.(js|css){1,2}$ { }\n"),
            "1:23: \"{\" in an unquoted regular expression opens a block"
        );
        // A block opened right after an ordinary word is no regex.
        assert_eq!(
            error("http{\n  server {\n"),
            "3:1: unexpected end of file, expecting \"}\""
        );
        let e = parse(b"http {\n    proxy_pass x\n}\n".to_vec()).unwrap_err();
        assert_eq!(
            e.hint.as_deref(),
            Some("expected \";\" to end the \"proxy_pass\" directive on line 2")
        );
    }
}
