use super::*;
use crate::testing::{apply, ms};

fn src<'a>(path: &'a str, text: &'a str) -> Source<'a> {
    Source {
        path,
        text,
        version: None,
    }
}

fn raised(format: &dyn ServerFormat, path: &str, text: &str, target_ms: u64) -> String {
    crate::testing::raised(format, src(path, text), Duration::from_millis(target_ms))
}

fn raise_uvicorn(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    Uvicorn.raise(src, target)
}

fn raise_hypercorn(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    Hypercorn.raise(src, target)
}

fn uv(path: &str, text: &str) -> Reading {
    read_uvicorn(&src(path, text))
}

fn hc(path: &str, text: &str) -> Reading {
    read_hypercorn(&src(path, text))
}

#[test]
fn uvicorn_command_lines() {
    let r = uv(
        "Procfile",
        "web: uvicorn app:app --host 0.0.0.0 --port $PORT\n",
    );
    assert_eq!(r.idle, ms(5000));
    assert!(r.detail.contains("uvicorn's default 5s"), "{}", r.detail);
    assert_eq!(r.kind, "uvicorn");
    let r = uv("Procfile", "web: uvicorn app:app --timeout-keep-alive 30");
    assert_eq!(r.idle, ms(30_000));
    assert!(r
        .detail
        .contains("--timeout-keep-alive 30 on the command line at line 1"));
    assert_eq!(
        uv(
            "Procfile",
            "web: python -m uvicorn --timeout-keep-alive=1 app:app"
        )
        .idle,
        ms(1000)
    );
    assert_eq!(
        uv("Procfile", "web: uvicorn --timeout-keep-alive 0 app:app").idle,
        Idle::AfterEachResponse
    );
    assert!(matches!(
        uv("Procfile", "web: uvicorn --timeout-keep-alive 1.5 app:app").idle,
        Idle::Unknown(_)
    ));
    assert!(matches!(
        uv("Procfile", "web: uvicorn --timeout-keep-alive $KA app:app").idle,
        Idle::Unknown(_)
    ));
    assert!(matches!(
        uv("Procfile", "web: uvicorn $UVICORN_OPTS app:app").idle,
        Idle::Unknown(_)
    ));
    assert!(matches!(
        uv("Procfile", "web: gunicorn app:app").idle,
        Idle::Unknown(_)
    ));
    // The environment variable, under the command line.
    let s = "export UVICORN_TIMEOUT_KEEP_ALIVE=20\nexec uvicorn app:app\n";
    let r = uv("start.sh", s);
    assert_eq!(r.idle, ms(20_000));
    assert!(
        r.detail.contains("UVICORN_TIMEOUT_KEEP_ALIVE=20 at line 1"),
        "{}",
        r.detail
    );
    let s = "export UVICORN_TIMEOUT_KEEP_ALIVE=20\nexec uvicorn app:app --timeout-keep-alive 7\n";
    assert_eq!(uv("start.sh", s).idle, ms(7000));
    assert_eq!(
        uv(".env", "UVICORN_TIMEOUT_KEEP_ALIVE=\"15\"\n").idle,
        ms(15_000)
    );
    assert_eq!(uv("uvicorn.env", "OTHER=1\n").idle, ms(5000));
    let u = "[Service]\nEnvironment=UVICORN_TIMEOUT_KEEP_ALIVE=65\nExecStart=/srv/venv/bin/uvicorn app:app\n";
    assert_eq!(uv("app.service", u).idle, ms(65_000));
}

#[test]
fn uvicorn_python_calls() {
    let t = "import uvicorn\n\nif __name__ == \"__main__\":\n    uvicorn.run(\"app:app\", host=\"0.0.0.0\", timeout_keep_alive=2.5)\n";
    let r = uv("main.py", t);
    assert_eq!(r.idle, ms(2500));
    assert!(
        r.detail.contains("timeout_keep_alive=2.5 at line 4"),
        "{}",
        r.detail
    );
    let t = "from uvicorn import Config, Server\nconfig = Config(app, port=8000)\nServer(config).run()\n";
    assert_eq!(uv("serve.py", t).idle, ms(5000));
    assert!(matches!(
        uv("main.py", "import uvicorn\nuvicorn.run(app, **opts)\n").idle,
        Idle::Unknown(_)
    ));
    assert!(matches!(
        uv(
            "main.py",
            "import uvicorn\nuvicorn.run(app, timeout_keep_alive=int(os.environ['KA']))\n"
        )
        .idle,
        Idle::Unknown(_)
    ));
    assert!(matches!(
        uv("main.py", "app = FastAPI()\n").idle,
        Idle::Unknown(_)
    ));
}

#[test]
fn uvicorn_raise() {
    let p = "web: uvicorn app:app --timeout-keep-alive 5\n";
    assert_eq!(
        raised(&Uvicorn, "Procfile", p, 60_500),
        "web: uvicorn app:app --timeout-keep-alive 61\n"
    );
    let p = "web: uvicorn app:app --port $PORT\r\n";
    assert_eq!(
        raised(&Uvicorn, "Procfile", p, 61_000),
        "web: uvicorn --timeout-keep-alive 61 app:app --port $PORT\r\n"
    );
    let s = "export UVICORN_TIMEOUT_KEEP_ALIVE=20\nexec uvicorn app:app\n";
    assert_eq!(
        raised(&Uvicorn, "run.sh", s, 61_000),
        "export UVICORN_TIMEOUT_KEEP_ALIVE=61\nexec uvicorn app:app\n"
    );
    assert_eq!(
        raised(&Uvicorn, ".env", "A=1", 61_000),
        "A=1\nUVICORN_TIMEOUT_KEEP_ALIVE=61\n"
    );
    // Python calls: the value, or a new keyword in the call's layout.
    let t = "uvicorn.run(app, timeout_keep_alive=5)\n";
    assert_eq!(
        raised(&Uvicorn, "m.py", t, 61_000),
        "uvicorn.run(app, timeout_keep_alive=61)\n"
    );
    let t = "import uvicorn\r\nif __name__ == '__main__':\r\n    uvicorn.run(\r\n        'app:app',\r\n        port=8000,\r\n    )\r\n";
    assert_eq!(
            raised(&Uvicorn, "m.py", t, 61_000),
            "import uvicorn\r\nif __name__ == '__main__':\r\n    uvicorn.run(\r\n        'app:app',\r\n        port=8000,\r\n        timeout_keep_alive=61,\r\n    )\r\n"
        );
    let t = "uvicorn.run(\n    app,\n    port = 8000\n)\n";
    assert_eq!(
        raised(&Uvicorn, "m.py", t, 61_000),
        "uvicorn.run(\n    app,\n    port = 8000,\n    timeout_keep_alive = 61\n)\n"
    );
    let t = "uvicorn.run('app:app', port=8000)  # dev\n";
    assert_eq!(
        raised(&Uvicorn, "m.py", t, 61_000),
        "uvicorn.run('app:app', port=8000, timeout_keep_alive=61)  # dev\n"
    );
    // Enough already; unknown refuses.
    assert_eq!(
        raise_uvicorn(
            &src("Procfile", "web: uvicorn a:a --timeout-keep-alive 90"),
            Duration::from_secs(61)
        ),
        Ok(vec![])
    );
    assert!(raise_uvicorn(
        &src("Procfile", "web: uvicorn a:a $OPTS"),
        Duration::from_secs(61)
    )
    .is_err());
}

#[test]
fn hypercorn_toml() {
    let t = "# hypercorn.toml\nbind = [\"127.0.0.1:8000\"]\nworkers = 2\nkeep_alive_timeout = 1.5 # seconds\n\n[logging]\nlevel = \"info\"\n";
    let r = hc("hypercorn.toml", t);
    assert_eq!(r.idle, ms(1500));
    assert!(
        r.detail.contains("keep_alive_timeout = 1.5 at line 4"),
        "{}",
        r.detail
    );
    assert_eq!(hc("h.toml", "keep_alive_timeout = 75\n").idle, ms(75_000));
    assert_eq!(
        hc("h.toml", "keep_alive_timeout = 0\n").idle,
        Idle::AfterEachResponse
    );
    // Only the top level counts.
    assert_eq!(
        hc("h.toml", "[x]\nkeep_alive_timeout = 75\n").idle,
        ms(5000)
    );
    assert!(hc("h.toml", "workers = 2\n")
        .detail
        .contains("hypercorn's default 5s"));
    assert!(matches!(
        hc("h.toml", "keep_alive_timeout = \"5\"\n").idle,
        Idle::Unknown(_)
    ));
    assert!(matches!(
        hc("h.toml", "keep_alive_timeout = -1\n").idle,
        Idle::Unknown(_)
    ));
    assert!(matches!(
        hc("h.toml", "keep_alive_timeout = 1e3\n").idle,
        Idle::Unknown(_)
    ));
    assert!(matches!(
        hc("h.toml", "keep_alive_timeout = \n").idle,
        Idle::Unknown(_)
    ));
    assert_eq!(
        hc("h.toml", "\u{feff}keep_alive_timeout = 3\r\n").idle,
        ms(3000)
    );
}

#[test]
fn hypercorn_other_files() {
    assert_eq!(
        hc("Procfile", "web: hypercorn app:app --keep-alive 9").idle,
        ms(9000)
    );
    let r = hc("Procfile", "web: hypercorn app:app");
    assert_eq!(r.idle, ms(5000));
    match hc("Procfile", "web: hypercorn -c hypercorn.toml app:app").idle {
        Idle::Unknown(why) => assert!(why.contains("hypercorn.toml"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        hc(
            "Procfile",
            "web: hypercorn -c h.toml --keep-alive 9 app:app"
        )
        .idle,
        ms(9000)
    );
    assert_eq!(
        hc(
            "conf.py",
            "bind = ['0.0.0.0:80']\nkeep_alive_timeout = 2.25\n"
        )
        .idle,
        ms(2250)
    );
    assert_eq!(hc("conf.py", "bind = ['0.0.0.0:80']\n").idle, ms(5000));
    assert!(matches!(
        hc("conf.py", "keep_alive_timeout = KA\n").idle,
        Idle::Unknown(_)
    ));
}

#[test]
fn hypercorn_raise() {
    let t = "bind = [\"127.0.0.1:8000\"]\nkeep_alive_timeout = 1.5 # seconds\n\n[logging]\n";
    assert_eq!(
        raised(&Hypercorn, "hypercorn.toml", t, 61_500),
        "bind = [\"127.0.0.1:8000\"]\nkeep_alive_timeout = 61.5 # seconds\n\n[logging]\n"
    );
    // Missing: after the last top-level key, before any table.
    let t = "\u{feff}bind = [\r\n  \"127.0.0.1:8000\",\r\n]\r\nworkers = 2\r\n\r\n[logging]\r\nlevel = 1\r\n";
    assert_eq!(
            raised(&Hypercorn, "h.toml", t, 61_000),
            "\u{feff}bind = [\r\n  \"127.0.0.1:8000\",\r\n]\r\nworkers = 2\r\nkeep_alive_timeout = 61\r\n\r\n[logging]\r\nlevel = 1\r\n"
        );
    let t = "# only tables\n[logging]\nlevel = 1\n";
    assert_eq!(
        raised(&Hypercorn, "h.toml", t, 61_000),
        "# only tables\nkeep_alive_timeout = 61\n\n[logging]\nlevel = 1\n"
    );
    let t = "workers=2";
    assert_eq!(
        raised(&Hypercorn, "h.toml", t, 61_000),
        "workers=2\nkeep_alive_timeout=61"
    );
    assert_eq!(
        raised(&Hypercorn, "h.toml", "", 61_000),
        "keep_alive_timeout = 61\n"
    );
    // Command lines and Python configs.
    assert_eq!(
        raised(
            &Hypercorn,
            "Procfile",
            "web: hypercorn app:app --keep-alive 5",
            60_200
        ),
        "web: hypercorn app:app --keep-alive 61"
    );
    assert_eq!(
        raised(&Hypercorn, "Procfile", "web: hypercorn app:app", 61_000),
        "web: hypercorn --keep-alive 61 app:app"
    );
    assert_eq!(
        raised(
            &Hypercorn,
            "conf.py",
            "bind = ['x']\nworkers = 2\naccesslog = '-'\n",
            61_000
        ),
        "bind = ['x']\nworkers = 2\nkeep_alive_timeout = 61\naccesslog = '-'\n"
    );
    assert_eq!(
        raise_hypercorn(
            &src("h.toml", "keep_alive_timeout = 90\n"),
            Duration::from_secs(61)
        ),
        Ok(vec![])
    );
    assert!(raise_hypercorn(
        &src("h.toml", "keep_alive_timeout = \"x\"\n"),
        Duration::from_secs(61)
    )
    .is_err());
    assert!(raise_hypercorn(
        &src("Procfile", "web: hypercorn -c h.toml app:app"),
        Duration::from_secs(61)
    )
    .is_err());
}

#[test]
fn bundled_examples() {
    let u = include_str!("../../../../../examples/backends/uvicorn/app.service");
    assert_eq!(uv("app.service", u).idle, ms(10_000));
    assert_eq!(
        raised(&Uvicorn, "app.service", u, 61_000),
        u.replace("--timeout-keep-alive 10", "--timeout-keep-alive 61")
    );
    let h = include_str!("../../../../../examples/backends/hypercorn/hypercorn.toml");
    assert_eq!(hc("hypercorn.toml", h).idle, ms(5000));
    assert_eq!(
        raised(&Hypercorn, "hypercorn.toml", h, 61_000),
        h.replace("keep_alive_timeout = 5\n", "keep_alive_timeout = 61\n")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]
    /// Any text, in any of the file types: no panic, and edits that
    /// apply on character boundaries.
    #[test]
    fn no_panics(
        pieces in proptest::collection::vec(proptest::sample::select(vec![
            "uvicorn", "hypercorn", " ", "\n", "\r\n", "'", "\"", "$", "(", ")", "#", "=", ",",
            "--timeout-keep-alive", "--keep-alive", "-c", "1.5", "5", "keep_alive_timeout",
            " = ", "[x]", "[[y]]", "uvicorn.run(", "timeout_keep_alive=", "**kw", "é",
            "\u{feff}", "UVICORN_TIMEOUT_KEEP_ALIVE=", "web: ", "    ", "\"\"\"", "{", "}",
        ]), 0..40),
        path in proptest::sample::select(vec![
            "main.py", "Procfile", "app.service", "Dockerfile", ".env", "hypercorn.toml",
        ]),
    ) {
        let text: String = pieces.concat();
        let s = src(path, &text);
        for format in [&Uvicorn as &dyn ServerFormat, &Hypercorn] {
            let _ = format.read(&s);
            if let Ok(edits) = format.raise(&s, Duration::from_secs(61)) {
                let out = apply(&text, &edits);
                if !edits.is_empty() {
                    let again = format.read(&Source { text: &out, ..s }).idle;
                    proptest::prop_assert!(
                        matches!(again, Idle::After(d) if d >= Duration::from_secs(61)),
                        "{text:?} raised to {out:?} reads {again:?}"
                    );
                }
            }
        }
    }
}
