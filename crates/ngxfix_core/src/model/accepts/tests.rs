use super::*;
use crate::config::from_texts;
use crate::model::Model;

fn refused(text: &str, version: Version) -> Vec<(u32, RefusalKind, String)> {
    let tree = from_texts(&[("/etc/nginx/nginx.conf", text)]);
    let model = Model::new(&tree, version);
    let mut found: Vec<(u32, RefusalKind, String)> = refusals(&model, &Known::default())
        .into_iter()
        .map(|(id, r)| (model.node(id).line_col().line, r.kind, r.message))
        .collect();
    found.sort();
    found
}

const V: Version = Version::new(1, 24, 0);

#[test]
fn table_is_sorted() {
    for pair in all().windows(2) {
        assert!(
            (pair[0].name, pair[0].module) <= (pair[1].name, pair[1].module),
            "{} sorts after {}",
            pair[0].name,
            pair[1].name
        );
    }
    assert!(all().len() > 800);
}

#[test]
fn a_valid_configuration_is_accepted() {
    let text = "user www-data;\nworker_processes auto;\nevents { worker_connections 1024; }\nhttp {\n    types { text/html html; }\n    map $a $b { default 0; ~x 1; }\n    upstream app { server 127.0.0.1:8000; keepalive 16; keepalive_timeout 4s; }\n    server {\n        listen 80;\n        server_name example.com;\n        location / { proxy_pass http://app; proxy_http_version 1.1; }\n        location /a { if ($x) { return 404; } limit_except GET { deny all; } }\n    }\n}\nstream { upstream dns { server 10.0.0.1:53; } server { listen 53 udp; proxy_pass dns; } }\n";
    assert_eq!(refused(text, V), []);
}

#[test]
fn each_refusal_in_nginx_words() {
    let text = "events {}\nhttp {\n    proxy_htp_version 1.1;\n    server {\n        proxy_pass http://a;\n        listen;\n        location / { root /a; root /b; }\n        gzip maybe;\n        server_tokens off;\n        server_tokens on;\n        location /x;\n        location /y { alias /c; root /d; }\n    }\n}\n";
    assert_eq!(
        refused(text, V),
        [
            (
                3,
                RefusalKind::Unknown,
                "unknown directive \"proxy_htp_version\"".to_string()
            ),
            (
                5,
                RefusalKind::NotAllowed,
                "\"proxy_pass\" directive is not allowed here".to_string()
            ),
            (
                6,
                RefusalKind::Arguments,
                "invalid number of arguments in \"listen\" directive".to_string()
            ),
            (
                7,
                RefusalKind::Duplicate,
                "\"root\" directive is duplicate".to_string()
            ),
            (
                8,
                RefusalKind::Arguments,
                "invalid value \"maybe\" in \"gzip\" directive, it must be \"on\" or \"off\""
                    .to_string()
            ),
            (
                10,
                RefusalKind::Duplicate,
                "\"server_tokens\" directive is duplicate".to_string()
            ),
            (
                11,
                RefusalKind::Arguments,
                "directive \"location\" has no opening \"{\"".to_string()
            ),
            (
                12,
                RefusalKind::Duplicate,
                "\"root\" directive is duplicate, \"alias\" directive was specified earlier"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn versions_decide_what_is_known() {
    let text = "http { server { listen 443; ssl on; http2 on; } }\n";
    let old = refused(text, Version::new(1, 24, 0));
    assert_eq!(
        old,
        [(
            1,
            RefusalKind::Unknown,
            "unknown directive \"http2\"".to_string()
        )]
    );
    let new = refused(text, Version::new(1, 26, 0));
    assert_eq!(
        new,
        [(
            1,
            RefusalKind::Unknown,
            "unknown directive \"ssl\"".to_string()
        )]
    );
}

#[test]
fn repeats_follow_each_handler() {
    let text = "http {\n    limit_req_zone $a zone=z:1m rate=1r/s;\n    map $a $b { default 0; }\n    map_hash_bucket_size 128;\n    server {\n        limit_req zone=z;\n        limit_req zone=y;\n        limit_req zone=z burst=5;\n        proxy_redirect default;\n        proxy_redirect http://a/ /;\n        location / { proxy_redirect off; proxy_redirect http://b/ /; }\n        add_header A 1;\n        add_header A 2;\n    }\n}\n";
    assert_eq!(
        refused(text, V),
        [
            (
                4,
                RefusalKind::Duplicate,
                "\"map_hash_bucket_size\" directive is duplicate".to_string()
            ),
            (
                8,
                RefusalKind::Duplicate,
                "\"limit_req\" directive is duplicate".to_string()
            ),
            (
                11,
                RefusalKind::Duplicate,
                "\"proxy_redirect\" directive is duplicate".to_string()
            ),
        ]
    );
}

#[test]
fn data_blocks_and_unknown_blocks_are_not_checked_inside() {
    let text = "http { map $a $b { hostnames; default 0; } geo $c { default 1; 10.0.0.0/8 2; } split_clients $d $e { 50% a; * b; } server { location / { content_by_lua_block { ngx.say(1) } } } }\nrtmp { server { listen 1935; application live { live on; } } }\n";
    let found = refused(text, V);
    assert_eq!(
        found,
        [
            (
                1,
                RefusalKind::Unknown,
                "unknown directive \"content_by_lua_block\"".to_string()
            ),
            (
                2,
                RefusalKind::Unknown,
                "unknown directive \"rtmp\"".to_string()
            ),
        ]
    );
}

#[test]
fn byte_order_marks_and_long_words() {
    let tree = from_texts(&[("/etc/nginx/nginx.conf", "\u{feff}events {}\n")]);
    let model = Model::new(&tree, V);
    let found = refusals(&model, &Known::default());
    let bom = found.values().next().unwrap();
    assert_eq!(bom.kind, RefusalKind::Bom);
    assert_eq!(bom.message, "unknown directive \"\\xEF\\xBB\\xBFevents\"");
    // A comment right after the mark is no comment to nginx.
    let tree = from_texts(&[("/etc/nginx/nginx.conf", "\u{feff}# main\nevents {}\n")]);
    let model = Model::new(&tree, V);
    let found = refusals(&model, &Known::default());
    assert_eq!(
        found.values().next().unwrap().message,
        "unknown directive \"\\xEF\\xBB\\xBF#\""
    );

    let word = |n: usize| "a".repeat(n);
    let long = |arg: String| refused(&format!("http {{ add_header X {arg}; }}\n"), V);
    assert_eq!(long(word(4094)), []);
    assert_eq!(long(word(4095)), []);
    assert_eq!(long(word(4096))[0].1, RefusalKind::TooLong);
    assert!(long(word(4096))[0]
        .2
        .starts_with("too long parameter \"aaaaaaaaaa...\" started"));
    assert_eq!(long(format!("\"{}\"", word(4094))), []);
    assert_eq!(
        long(format!("\"{}\"", word(4095)))[0].1,
        RefusalKind::TooLong
    );
    assert_eq!(
        long(format!("\"{}\"", word(4096)))[0].2,
        "too long parameter, probably missing terminating \"\"\" character"
    );
    let comment = refused(&format!("#{}\nevents {{}}\n", word(4095)), V);
    assert_eq!(comment[0].0, 2);
    assert_eq!(comment[0].1, RefusalKind::TooLong);
    assert_eq!(refused(&format!("#{}\nevents {{}}\n", word(4094)), V), []);
}

#[test]
fn a_third_party_module_is_reported_once() {
    let text = "http {\n    lua_shared_dict d 1m;\n    server {\n        location / { content_by_lua_block { ngx.say(1) } }\n        location /a { access_by_lua_file a.lua; more_set_headers 'A: b'; }\n    }\n}\n";
    let tree = from_texts(&[("/etc/nginx/nginx.conf", text)]);
    let model = Model::new(&tree, V);
    let mut found: Vec<(u32, String)> = refusals(&model, &Known::default())
        .into_iter()
        .map(|(id, r)| (model.node(id).line_col().line, r.hint))
        .collect();
    found.sort();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, 2);
    assert!(
        found[0].1.ends_with("(2 more directives of lua-nginx-module (OpenResty) in this configuration, not reported one by one)"),
        "{found:?}"
    );
    assert_eq!(found[1].0, 5);
    assert!(!found[1].1.contains("more directive"), "{found:?}");
}

#[test]
fn extra_names_are_known() {
    let tree = from_texts(&[(
        "/etc/nginx/nginx.conf",
        "http { more_set_headers 'A: b'; vts_x on; }\n",
    )]);
    let model = Model::new(&tree, V);
    let known = Known {
        extra: vec!["more_set_headers".to_string(), "vts_*".to_string()],
    };
    assert!(refusals(&model, &known).is_empty());
}

#[test]
fn the_semantic_table_agrees_with_nginx() {
    // Each row of the table the rules use (contexts from the docs) is
    // accepted where it says by some module of that name.
    for info in crate::model::directives::all() {
        let accepted = contexts(info.name)
            .unwrap_or_else(|| panic!("{} is not an nginx directive", info.name));
        assert!(
            accepted.0 & info.contexts.0 == info.contexts.0
                || info.contexts == Contexts((1 << 15) - 1),
            "{} ({}): the rules' table allows {:#x}, nginx {:#x}",
            info.name,
            info.module,
            info.contexts.0,
            accepted.0
        );
    }
}

#[test]
fn an_unknown_refusal_kind_is_named_with_the_known_ones() {
    assert_eq!(
        "duplicate".parse::<RefusalKind>(),
        Ok(RefusalKind::Duplicate)
    );
    assert_eq!(
        "x".parse::<RefusalKind>().unwrap_err().to_string(),
        "unknown refusal \"x\" (one of too-long, bom, unknown, not-allowed, arguments, duplicate)"
    );
}
