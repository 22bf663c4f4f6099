use super::*;
use crate::testing::{apply, ms};

fn raise(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    Node.raise(src, target)
}

fn src(text: &str) -> Source<'_> {
    Source {
        path: "server.js",
        text,
        version: None,
    }
}

/// Raises to `target_ms`, checks that the result reads at least that, and
/// returns the new text.
fn raised_v(text: &str, version: Option<u32>, target_ms: u64) -> String {
    let s = Source {
        path: "server.js",
        text,
        version,
    };
    crate::testing::raised(&Node, s, Duration::from_millis(target_ms))
}

fn raised(text: &str, target_ms: u64) -> String {
    raised_v(text, None, target_ms)
}

fn unknown(text: &str) -> String {
    crate::testing::unknown(read, src(text))
}

const PLAIN: &str = "const http = require('http');\n\
    \n\
    const server = http.createServer((req, res) => {\n\
    \x20 res.end('ok');\n\
    });\n\
    server.listen(3000);\n";

// ----- reading -------------------------------------------------------------

#[test]
fn default_depends_on_the_version() {
    let r = read(&src(PLAIN));
    assert_eq!(r.idle, ms(5000));
    assert!(
        r.detail
            .starts_with("keepAliveTimeout is not set in server.js: Node's default, 5000 ms"),
        "{}",
        r.detail
    );
    assert!(r.detail.contains("node@27:server.js"), "{}", r.detail);
    let v = |version| {
        read(&Source {
            version: Some(version),
            ..src(PLAIN)
        })
        .idle
    };
    assert_eq!(v(20), ms(5000));
    assert_eq!(v(26), ms(5000));
    assert_eq!(v(27), ms(65000));
    // No server in sight: still Node's default.
    assert_eq!(read(&src("console.log(1)\n")).idle, ms(5000));
}

#[test]
fn property_assignments_read_with_any_target() {
    let t = format!("{PLAIN}server.keepAliveTimeout = 65000;\n");
    let r = read(&src(&t));
    assert_eq!(r.idle, ms(65000));
    assert!(
        r.detail
            .starts_with("server.keepAliveTimeout = 65000 at line 7"),
        "{}",
        r.detail
    );
    assert!(r.detail.contains("keepAliveTimeoutBuffer"), "{}", r.detail);
    for (text, want) in [
        ("srv.keepAliveTimeout = 61000", 61000),
        ("app.server.keepAliveTimeout = 62000;", 62000),
        ("this.server.keepAliveTimeout=63000;", 63000),
        ("(server as http.Server).keepAliveTimeout = 64000;", 64000),
        ("server!.keepAliveTimeout = 64500;", 64500),
        ("server['keepAliveTimeout'] = 66000;", 66000),
        (
            "function start(server) {\n  server.keepAliveTimeout = 67000;\n}\n",
            67000,
        ),
    ] {
        assert_eq!(read(&src(text)).idle, ms(want), "{text}");
    }
}

#[test]
fn numbers_are_exact() {
    for (value, want) in [
        ("65_000", 65000),
        ("65e3", 65000),
        ("65 * 1000", 65000),
        ("1.5 * 1000", 1500),
        ("(60 + 5) * 1000", 65000),
        ("0x10", 16),
    ] {
        let t = format!("server.keepAliveTimeout = {value};\n");
        assert_eq!(read(&src(&t)).idle, ms(want), "{value}");
    }
    let why = unknown("server.keepAliveTimeout = 1500.5;\n");
    assert!(why.contains("not a whole"), "{why}");
}

#[test]
fn create_server_options_read() {
    let t = "const server = http.createServer({ keepAliveTimeout: 65000, headersTimeout: 66000 }, handler);\n";
    let r = read(&src(t));
    assert_eq!(r.idle, ms(65000));
    assert!(
        r.detail.starts_with("keepAliveTimeout: 65000 at line 1"),
        "{}",
        r.detail
    );
    let t = "import https from 'node:https';\nconst opts = {\n  key,\n  cert,\n  'keepAliveTimeout': 70000,\n};\nhttps.createServer(opts, app).listen(443);\n";
    assert_eq!(read(&src(t)).idle, ms(70000));
    let t = "import { createServer } from 'node:http';\nexport const server = createServer({ keepAliveTimeout: 71_000 }, app);\n";
    assert_eq!(read(&src(t)).idle, ms(71000));
    // Node before 18 ignores the options.
    let old = Source {
        version: Some(16),
        ..src("const s = http.createServer({ keepAliveTimeout: 65000 }, h);\n")
    };
    let r = read(&old);
    assert_eq!(r.idle, ms(5000));
    assert!(
        r.detail.contains("ignores the keepAliveTimeout option"),
        "{}",
        r.detail
    );
    // A later assignment wins over the option.
    let t = "const s = http.createServer({ keepAliveTimeout: 65000 }, h);\ns.keepAliveTimeout = 3000;\n";
    assert_eq!(read(&src(t)).idle, ms(3000));
    // An options object given to something else is not a server's.
    let t = "const agent = new undici.Agent({ keepAliveTimeout: 10 });\n";
    assert_eq!(read(&src(t)).idle, ms(5000));
}

#[test]
fn comments_and_strings_are_skipped() {
    let t = "// server.keepAliveTimeout = 1000;\n/* server.keepAliveTimeout = 2000; */\nconst s = 'server.keepAliveTimeout = 3000';\nconst u = `x ${a} server.keepAliveTimeout = 4000`;\nserver.keepAliveTimeout = 65000;\n";
    assert_eq!(read(&src(t)).idle, ms(65000));
}

#[test]
fn computed_and_conditional_values_are_unknown() {
    let cases = [
        (
            "server.keepAliveTimeout = Number(process.env.KEEP_ALIVE);",
            "environment variable",
        ),
        (
            "server.keepAliveTimeout = process.env.KA;",
            "environment variable",
        ),
        ("server.keepAliveTimeout = keepAlive;", "computed"),
        ("server.keepAliveTimeout = prod ? 65000 : 5000;", "computed"),
        ("server.keepAliveTimeout = 65 * SECOND;", "computed"),
        ("server.keepAliveTimeout += 1000;", "computed"),
        ("if (prod) server.keepAliveTimeout = 65000;", "conditional"),
        (
            "if (prod) {\n  server.keepAliveTimeout = 65000;\n}",
            "conditional",
        ),
        (
            "if (a) {} else {\n  server.keepAliveTimeout = 65000;\n}",
            "conditional",
        ),
        (
            "for (const s of all) { s.keepAliveTimeout = 65000; }",
            "conditional",
        ),
        (
            "prod && (server.keepAliveTimeout = 65000);",
            "larger expression",
        ),
        (
            "const s = http.createServer({ keepAliveTimeout: ka }, h);",
            "computed",
        ),
        (
            "const s = http.createServer({ keepAliveTimeout }, h);",
            "computed",
        ),
    ];
    for (text, why) in cases {
        let got = unknown(text);
        assert!(got.contains(why), "{text}: {got}");
        assert!(got.contains("at line"), "{text}: {got}");
        assert!(
            raise(&src(text), Duration::from_secs(61)).is_err(),
            "{text}"
        );
    }
}

#[test]
fn zero_disables_the_idle_timeout() {
    let t = "server.keepAliveTimeout = 0;\n";
    let r = read(&src(t));
    assert_eq!(r.idle, Idle::Never);
    assert!(r.detail.contains("no idle timeout"), "{}", r.detail);
    assert_eq!(raise(&src(t), Duration::from_secs(61)), Ok(vec![]));
    // server.timeout then decides.
    let why = unknown("server.keepAliveTimeout = 0;\nserver.timeout = 120000;\n");
    assert!(why.contains("server.timeout = 120000 at line 2"), "{why}");
    let why = unknown("server.keepAliveTimeout = 0;\nserver.setTimeout(120000);\n");
    assert!(why.contains("setTimeout"), "{why}");
}

#[test]
fn several_servers_give_the_shortest() {
    let t = "const api = http.createServer(a);\napi.keepAliveTimeout = 65000;\nconst admin = http.createServer(b);\nadmin.keepAliveTimeout = 10000;\n";
    let r = read(&src(t));
    assert_eq!(r.idle, ms(10000));
    assert!(
        r.detail
            .starts_with("admin.keepAliveTimeout = 10000 at line 4"),
        "{}",
        r.detail
    );
    assert!(
        r.detail
            .contains("line 4, the shortest of 2 servers; Node 20.18"),
        "{}",
        r.detail
    );
    // One set, one left to the default: the default counts.
    let t = "const api = http.createServer(a);\napi.keepAliveTimeout = 65000;\nconst redirect = http.createServer(b);\n";
    let r = read(&src(t));
    assert_eq!(r.idle, ms(5000));
    assert!(
        r.detail
            .starts_with("redirect has no keepAliveTimeout: Node's default"),
        "{}",
        r.detail
    );
    // Unknown anywhere is unknown overall.
    let t = "a.keepAliveTimeout = 65000;\nb.keepAliveTimeout = ka;\n";
    assert!(unknown(t).contains("b.keepAliveTimeout = ka at line 2"));
}

#[test]
fn express_and_fastify_servers() {
    let t = "const express = require('express');\nconst app = express();\nconst server = app.listen(3000, () => {\n  console.log('up');\n});\nserver.keepAliveTimeout = 65000;\n";
    assert_eq!(read(&src(t)).idle, ms(65000));
    let t = "import Fastify from 'fastify';\nconst app = Fastify({ logger: true });\n";
    let r = read(&src(t));
    assert_eq!(r.idle, ms(72000));
    assert!(r.detail.contains("fastify's default"), "{}", r.detail);
    let t = "const app = require('fastify')({ keepAliveTimeout: 5000 });\n";
    assert_eq!(read(&src(t)).idle, ms(5000));
    let t = "import Fastify from 'fastify';\nconst app = Fastify();\napp.server.keepAliveTimeout = 9000;\n";
    assert_eq!(read(&src(t)).idle, ms(9000));
    let t = "import Fastify from 'fastify';\nconst app = Fastify({ http2: true });\n";
    assert!(unknown(t).contains("HTTP/2"));
}

#[test]
fn a_buffer_set_in_the_file_is_told() {
    let t = "server.keepAliveTimeout = 65000;\nserver.keepAliveTimeoutBuffer = 2000;\n";
    let r = read(&src(t));
    assert_eq!(r.idle, ms(65000));
    assert!(
        r.detail
            .contains("keepAliveTimeoutBuffer = 2000 ms after it (line 2)"),
        "{}",
        r.detail
    );
    let old = Source {
        version: Some(18),
        ..src("server.keepAliveTimeout = 65000;\n")
    };
    assert!(!read(&old).detail.contains("Buffer"));
}

// ----- raising -------------------------------------------------------------

#[test]
fn raise_changes_only_the_number_and_adds_headers_timeout() {
    // Default headersTimeout (60000) <= 61000: added just after.
    assert_eq!(
        raised("server.keepAliveTimeout = 5000; // ms\nserver.listen(3000);\n", 61000),
        "server.keepAliveTimeout = 61000; // ms\nserver.headersTimeout = 62000;\nserver.listen(3000);\n"
    );
    // Below 60 s the default headersTimeout stays above.
    assert_eq!(
        raised("server.keepAliveTimeout = 5000;\n", 30000),
        "server.keepAliveTimeout = 30000;\n"
    );
    // The literal's form is kept.
    assert_eq!(
        raised("server.keepAliveTimeout = 5 * 1000;\n", 30000),
        "server.keepAliveTimeout = 30 * 1000;\n"
    );
    assert_eq!(
        raised("server.keepAliveTimeout = 5_000;\n", 30000),
        "server.keepAliveTimeout = 30_000;\n"
    );
}

#[test]
fn raise_keeps_headers_timeout_above() {
    // Set and not above: raised.
    assert_eq!(
        raised(
            "server.keepAliveTimeout = 5000;\nserver.headersTimeout = 60 * 1000;\n",
            61000
        ),
        "server.keepAliveTimeout = 61000;\nserver.headersTimeout = 62 * 1000;\n"
    );
    // Set and above: untouched.
    assert_eq!(
        raised(
            "server.keepAliveTimeout = 5000;\nserver.headersTimeout = 120000;\n",
            61000
        ),
        "server.keepAliveTimeout = 61000;\nserver.headersTimeout = 120000;\n"
    );
    // Set to 0 (off): untouched.
    assert_eq!(
        raised(
            "server.keepAliveTimeout = 5000;\nserver.headersTimeout = 0;\n",
            61000
        ),
        "server.keepAliveTimeout = 61000;\nserver.headersTimeout = 0;\n"
    );
    // requestTimeout set below the new headersTimeout: raised to it.
    assert_eq!(
        raised(
            "server.keepAliveTimeout = 5000;\nserver.headersTimeout = 20000;\nserver.requestTimeout = 30000;\n",
            61000
        ),
        "server.keepAliveTimeout = 61000;\nserver.headersTimeout = 62000;\nserver.requestTimeout = 62000;\n"
    );
    // requestTimeout 30000 makes the default headersTimeout 30000: added,
    // and requestTimeout follows.
    assert_eq!(
        raised("server.requestTimeout = 30000;\nserver.keepAliveTimeout = 5000;\n", 40000),
        "server.requestTimeout = 41000;\nserver.keepAliveTimeout = 40000;\nserver.headersTimeout = 41000;\n"
    );
    // requestTimeout 0 turns the default headersTimeout off.
    assert_eq!(
        raised(
            "server.requestTimeout = 0;\nserver.keepAliveTimeout = 5000;\n",
            61000
        ),
        "server.requestTimeout = 0;\nserver.keepAliveTimeout = 61000;\n"
    );
    // A computed headersTimeout is left as it is.
    assert_eq!(
        raised(
            "server.keepAliveTimeout = 5000;\nserver.headersTimeout = ht;\n",
            61000
        ),
        "server.keepAliveTimeout = 61000;\nserver.headersTimeout = ht;\n"
    );
}

#[test]
fn raise_in_options_objects() {
    assert_eq!(
        raised(
            "const s = http.createServer({ keepAliveTimeout: 5000 }, h);\n",
            61000
        ),
        "const s = http.createServer({ keepAliveTimeout: 61000, headersTimeout: 62000 }, h);\n"
    );
    assert_eq!(
        raised(
            "const s = http.createServer({ keepAliveTimeout: 5000, headersTimeout: 6000 }, h);\n",
            61000
        ),
        "const s = http.createServer({ keepAliveTimeout: 61000, headersTimeout: 62000 }, h);\n"
    );
    // One property a line, with trailing commas.
    assert_eq!(
        raised(
            "const s = https.createServer({\n  key,\n  keepAliveTimeout: 5000, // ms\n  cert,\n}, h);\n",
            61000
        ),
        "const s = https.createServer({\n  key,\n  keepAliveTimeout: 61000, // ms\n  headersTimeout: 62000,\n  cert,\n}, h);\n"
    );
    // The last property, without a trailing comma.
    assert_eq!(
        raised("const s = https.createServer({\n  key,\n  keepAliveTimeout: 5000\n}, h);\n", 61000),
        "const s = https.createServer({\n  key,\n  keepAliveTimeout: 61000,\n  headersTimeout: 62000\n}, h);\n"
    );
    // A headersTimeout option above requestTimeout's default would throw:
    // requestTimeout comes too.
    assert_eq!(
        raised("const s = http.createServer({ keepAliveTimeout: 5000 }, h);\n", 310000),
        "const s = http.createServer({ keepAliveTimeout: 310000, headersTimeout: 311000, requestTimeout: 311000 }, h);\n"
    );
    // An unnamed server with options gets the option.
    assert_eq!(
        raised(
            "https.createServer({ key, cert }, app).listen(443);\n",
            30000
        ),
        "https.createServer({ key, cert, keepAliveTimeout: 30000 }, app).listen(443);\n"
    );
}

#[test]
fn raise_adds_the_setting_after_the_creation() {
    assert_eq!(
        raised(PLAIN, 61000),
        PLAIN.replace(
            "});\nserver.listen",
            "});\nserver.keepAliveTimeout = 61000;\nserver.headersTimeout = 62000;\nserver.listen"
        )
    );
    // Inside a function, no semicolons, an Express app.
    let t = "function start() {\n  const server = app.listen(PORT, () => {\n    log('up')\n  })\n  return server\n}\n";
    assert_eq!(
        raised(t, 30000),
        "function start() {\n  const server = app.listen(PORT, () => {\n    log('up')\n  })\n  server.keepAliveTimeout = 30000\n  return server\n}\n"
    );
    // TypeScript annotation; the last line without a line break.
    let t = "const server: http.Server = http.createServer(app);";
    assert_eq!(
        raised(t, 30000),
        "const server: http.Server = http.createServer(app);\nserver.keepAliveTimeout = 30000;"
    );
    // fastify: on its `.server`, and no headersTimeout.
    let t = "import Fastify from 'fastify';\nconst app = Fastify();\napp.listen({ port: 3000 });\n";
    assert_eq!(
        raised(t, 80000),
        "import Fastify from 'fastify';\nconst app = Fastify();\napp.server.keepAliveTimeout = 80000;\napp.listen({ port: 3000 });\n"
    );
    let t = "const app = require('fastify')({ keepAliveTimeout: 5000 });\n";
    assert_eq!(
        raised(t, 80000),
        "const app = require('fastify')({ keepAliveTimeout: 80000 });\n"
    );
}

#[test]
fn raise_without_a_server_variable_says_where() {
    let e = raise(
        &src("const app = express();\napp.listen(3000);\n"),
        Duration::from_secs(61),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("app.listen(...) at line 2"), "{e}");
    assert!(e.contains("const server = app.listen(...)"), "{e}");
    let e = raise(
        &src("http.createServer(app).listen(3000);\n"),
        Duration::from_secs(61),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not kept in a variable"), "{e}");
    let e = raise(&src("module.exports = app;\n"), Duration::from_secs(61))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no HTTP server is created"), "{e}");
    // Node 16 ignores options: an unnamed server cannot be given one.
    let old = Source {
        version: Some(16),
        ..src("https.createServer({ key }, app).listen(443);\n")
    };
    assert!(raise(&old, Duration::from_secs(61)).is_err());
}

#[test]
fn enough_already_needs_no_edit() {
    let t = "server.keepAliveTimeout = 75000;\n";
    assert_eq!(raise(&src(t), Duration::from_secs(61)), Ok(vec![]));
    let v27 = Source {
        version: Some(27),
        ..src(PLAIN)
    };
    assert_eq!(raise(&v27, Duration::from_secs(61)), Ok(vec![]));
    let t = "import Fastify from 'fastify';\nconst app = Fastify();\n";
    assert_eq!(raise(&src(t), Duration::from_secs(61)), Ok(vec![]));
}

#[test]
fn several_servers_are_all_raised() {
    let t = "const api = http.createServer(a);\napi.keepAliveTimeout = 65000;\nconst redirect = http.createServer(b);\n";
    assert_eq!(
        raised(t, 61000),
        "const api = http.createServer(a);\napi.keepAliveTimeout = 65000;\nconst redirect = http.createServer(b);\nredirect.keepAliveTimeout = 61000;\nredirect.headersTimeout = 62000;\n"
    );
}

#[test]
fn crlf_and_bom_survive() {
    let t = "\u{feff}const server = http.createServer(app);\r\nserver.listen(3000);\r\n";
    assert_eq!(
        raised(t, 61000),
        "\u{feff}const server = http.createServer(app);\r\nserver.keepAliveTimeout = 61000;\r\nserver.headersTimeout = 62000;\r\nserver.listen(3000);\r\n"
    );
    let t = "\u{feff}server.keepAliveTimeout = 5000;\r\n";
    assert_eq!(
        raised(t, 30000),
        "\u{feff}server.keepAliveTimeout = 30000;\r\n"
    );
    let t = "const s = https.createServer({\r\n  keepAliveTimeout: 5000\r\n}, h);\r\n";
    assert_eq!(
        raised(t, 61000),
        "const s = https.createServer({\r\n  keepAliveTimeout: 61000,\r\n  headersTimeout: 62000\r\n}, h);\r\n"
    );
}

#[test]
fn odd_input_does_not_panic() {
    for t in [
        "",
        "\u{feff}",
        "server.keepAliveTimeout =",
        "server.keepAliveTimeout = (",
        ".keepAliveTimeout = 1",
        "http.createServer(",
        "http.createServer({",
        "const = http.createServer()",
        "x = `${",
        "é.keepAliveTimeout = 5000; ü",
        "server.keepAliveTimeout = 99999999999999999999999999;",
        "['keepAliveTimeout'] = 5",
        "import",
        "require('http'",
        "new http.Server(",
        "}}}{{{)))(((",
        // An unterminated string whose line ends in a multi-byte character.
        "x = require('http\u{feff}\n)",
        "import'é\n",
    ] {
        let _ = read(&src(t));
        let _ = raise(&src(t), Duration::from_secs(61));
    }
}

#[test]
fn old_node_versions() {
    let v = |version, text| {
        read(&Source {
            version: Some(version),
            ..src(text)
        })
    };
    // Before Node 13, server.timeout (120 s) still closed idle sockets.
    let r = v(12, "server.keepAliveTimeout = 0;\n");
    assert_eq!(r.idle, ms(120_000));
    assert!(r.detail.contains("server.timeout"), "{}", r.detail);
    assert!(read(&src("server.keepAliveTimeout = 0;\n"))
        .detail
        .contains("before Node 13"));
    // Before Node 8 there was no keepAliveTimeout at all.
    let r = v(6, PLAIN);
    assert_eq!(r.idle, ms(120_000));
    assert!(
        r.detail.contains("Node 6 has no keepAliveTimeout"),
        "{}",
        r.detail
    );
}

#[test]
fn old_node_has_a_shorter_headers_timeout() {
    // headersTimeout was 40 s before Node 12.17/13.5.
    assert_eq!(
        raised_v("server.keepAliveTimeout = 5000;\n", Some(12), 45000),
        "server.keepAliveTimeout = 45000;\nserver.headersTimeout = 46000;\n"
    );
    assert_eq!(
        raised_v("server.keepAliveTimeout = 5000;\n", Some(20), 45000),
        "server.keepAliveTimeout = 45000;\n"
    );
}

#[test]
fn class_fields_are_configured_through_this() {
    let t = "class App {\n  private server = http.createServer(this.handler);\n  start() {\n    this.server.keepAliveTimeout = 65000;\n  }\n}\n";
    let r = read(&src(t));
    assert_eq!(r.idle, ms(65000));
    assert!(!r.detail.contains("shortest"), "{}", r.detail);
    // Nothing can be added to a class body.
    let t = "class App extends Base {\n  server = http.createServer(this.handler);\n}\n";
    let e = raise(&src(t), Duration::from_secs(61))
        .unwrap_err()
        .to_string();
    assert!(e.contains("class field"), "{e}");
}

#[test]
fn one_variable_for_two_servers() {
    let t = "let server;\nif (tls) {\n  server = https.createServer(opts, app);\n} else {\n  server = http.createServer(app);\n}\nserver.keepAliveTimeout = 5000;\n";
    assert_eq!(read(&src(t)).idle, ms(5000));
    assert_eq!(raised(t, 30000), t.replace("= 5000;", "= 30000;"));
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Any text: reading and raising neither panic, and edits stay on
        /// character boundaries without overlapping.
        #[test]
        fn any_text(text in "(server|http|createServer|keepAliveTimeout|headersTimeout|requestTimeout|const|=|\\.|\\(|\\)|\\{|\\}|:|,|;|\n|\r\n| |'|`|/|\\*|65000|5_000|1e3|é|\u{feff}|if|else|listen|app|fastify|require|import|from|0)*") {
            let s = src(&text);
            let _ = read(&s);
            if let Ok(edits) = raise(&s, Duration::from_secs(61)) {
                for e in &edits {
                    let r = e.range();
                    prop_assert!(r.start <= r.end && r.end <= text.len());
                    prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                }
                let new = apply(&text, &edits);
                // What was raised now reads at least the target.
                match read(&src(&new)).idle {
                    Idle::After(d) => prop_assert!(d >= Duration::from_secs(61), "{new:?}"),
                    Idle::Never => {}
                    other => prop_assert!(false, "{new:?} reads {other:?}"),
                }
            }
        }
    }
}
