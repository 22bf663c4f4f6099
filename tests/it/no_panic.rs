//! No input may panic the parser: random bytes, random token soup, and
//! corpus files with random mutations. Whatever parses must print back byte
//! for byte with tokens tiling the file; whatever fails must point inside it.
//! Whatever parses is also read as a fragment (its context inferred, then
//! each context in turn) and checked with every built-in rule, the
//! `nginx -t` refusals included: no panic there either.

use crate::common;

use std::sync::OnceLock;

use proptest::prelude::*;

use ngxfix::syntax::{parse, print, TokenKind};

/// Every corpus file (non-config files too: more variety).
fn corpus() -> &'static [Vec<u8>] {
    static FILES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        common::files_under(&common::corpus_dir())
            .into_iter()
            .filter(|p| p.extension().is_none_or(|e| e != "bz2"))
            .map(|p| std::fs::read(p).unwrap())
            .collect()
    })
}

fn check(input: Vec<u8>) -> Result<(), TestCaseError> {
    match parse(input.clone()) {
        Ok(tree) => {
            let mut at = 0;
            for token in tree.tokens() {
                prop_assert_eq!(token.start, at, "tokens tile the file");
                // Only a Lua block's code may be empty (`content_by_lua_block {}`).
                prop_assert!(
                    token.end > token.start || token.kind == TokenKind::LuaCode,
                    "empty {:?}",
                    token
                );
                at = token.end;
            }
            prop_assert_eq!(at as usize, input.len());
            prop_assert_eq!(print(&tree), input.clone());
            check_as_fragment(&input);
        }
        Err(error) => {
            prop_assert!(error.offset as usize <= input.len());
            prop_assert!(error.line >= 1 && error.col >= 1);
            prop_assert!(!error.message.is_empty());
            prop_assert!(
                !error.message.starts_with("syntax error"),
                "a failure nginx can word: {} for {:?}",
                error.message,
                String::from_utf8_lossy(&input)
            );
        }
    }
    Ok(())
}

/// Read `input` as a fragment in its inferred context and in every other,
/// and run every built-in rule on it: nothing may panic.
fn check_as_fragment(input: &[u8]) {
    use ngxfix::config::{dump::DumpedFile, ConfigTree, LoadOptions, RootContext};
    use ngxfix::model::{fragment, Model, Version};
    static RULES: OnceLock<Vec<ngxfix::rules::Rule>> = OnceLock::new();
    let rules = RULES.get_or_init(|| ngxfix::rules::load::builtin().unwrap());
    let load = || {
        let file = DumpedFile {
            path: "/etc/nginx/sites-enabled/x.conf".into(),
            text: input.to_vec(),
        };
        let lenient = LoadOptions {
            lenient: true,
            ..LoadOptions::default()
        };
        ConfigTree::load_dump_with(vec![file], &lenient)
    };
    let Ok(tree) = load() else {
        return;
    };
    let inferred = fragment::infer(&tree).context;
    for context in std::iter::once(inferred).chain(RootContext::ALL) {
        let tree = load()
            .unwrap()
            .in_context(context, std::path::Path::new("/etc/nginx"));
        for version in [Version::new(1, 22, 1), Version::new(1, 30, 0)] {
            let model = Model::new(&tree, version);
            let _ = ngxfix::rules::run(rules, &model, &ngxfix::rules::RunOptions::default());
        }
    }
}

/// Fragments that matter to the tokenizer.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b";".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"#".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"'".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"$".to_vec()),
        Just(b"${".to_vec()),
        Just(b")".to_vec()),
        Just(b"[[".to_vec()),
        Just(b"]]".to_vec()),
        Just(b"--".to_vec()),
        Just(b"[=[".to_vec()),
        Just(b"content_by_lua_block".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"\xff".to_vec()),
        Just(b"location".to_vec()),
        // What the backend hints, the reuse of connections and the
        // variables a configuration defines read.
        Just(b"upstream".to_vec()),
        Just(b"server unix:/run/gunicorn.sock".to_vec()),
        Just(b"proxy_pass http://".to_vec()),
        Just(b"proxy_set_header Connection".to_vec()),
        Just(b"map".to_vec()),
        Just(b"(?<".to_vec()),
        "[a-z_/=~*^$.0-9]{1,8}".prop_map(String::into_bytes),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Replace(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), piece()).prop_map(|(at, p)| Mutation::Insert(at, p)),
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), piece()).prop_map(|(at, p)| Mutation::Replace(at, p)),
    ]
}

fn apply(mut text: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = text.len();
        match m {
            Mutation::Insert(at, p) => {
                let at = at % (len + 1);
                text.splice(at..at, p.iter().copied());
            }
            Mutation::Delete(at, n) if len > 0 => {
                let at = at % len;
                let end = (at + n).min(len);
                text.drain(at..end);
            }
            Mutation::Replace(at, p) if len > 0 => {
                let at = at % len;
                let end = (at + p.len()).min(len);
                text.splice(at..end, p.iter().copied());
            }
            _ => {}
        }
    }
    text
}

/// 3,000 cases per property by default; `NGXFIX_FUZZ_CASES` sets more for a
/// longer campaign.
fn config() -> ProptestConfig {
    let cases = std::env::var("NGXFIX_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes(input in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(input)?;
    }

    #[test]
    fn random_token_soup(pieces in proptest::collection::vec(piece(), 0..64)) {
        check(pieces.concat())?;
    }

    #[test]
    fn mutated_corpus_files(index in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..6)) {
        let files = corpus();
        let original = files[index % files.len()].clone();
        check(apply(original, &mutations))?;
    }
}
