use super::*;
use crate::testing::apply;

fn raise(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    Gunicorn.raise(src, target)
}

fn src<'a>(path: &'a str, text: &'a str) -> Source<'a> {
    Source {
        path,
        text,
        version: None,
    }
}

fn idle(path: &str, text: &str) -> Idle {
    read(&src(path, text)).idle
}

fn secs(n: u64) -> Idle {
    Idle::After(Duration::from_secs(n))
}

/// Raise to `target` seconds, check the new text reads at least that,
/// and return it.
fn raised(path: &str, text: &str, target: u64) -> String {
    crate::testing::raised(&Gunicorn, src(path, text), Duration::from_secs(target))
}

const CONF: &str = "# gunicorn.conf.py\nimport multiprocessing\n\nbind = \"127.0.0.1:8000\"\nworkers = multiprocessing.cpu_count() * 2 + 1\nworker_class = \"gthread\"\nthreads = 4\nkeepalive = 5  # seconds\n\ndef post_fork(server, worker):\n    keepalive = 1\n";

#[test]
fn conf_file_values() {
    let r = read(&src("gunicorn.conf.py", CONF));
    assert_eq!(r.idle, secs(5));
    assert_eq!(r.kind, "gunicorn");
    assert!(r.detail.contains("keepalive = 5 at line 8"), "{}", r.detail);
    assert!(r.detail.contains("gthread"), "{}", r.detail);
    // String, hex and arithmetic values as gunicorn's validator takes them.
    let gthread = "worker_class = 'gthread'\n";
    assert_eq!(
        idle("g.py", &format!("{gthread}keepalive = '10'\n")),
        secs(10)
    );
    assert_eq!(
        idle("g.py", &format!("{gthread}keepalive = 0x10\n")),
        secs(16)
    );
    assert_eq!(
        idle("g.py", &format!("{gthread}keepalive = 2 * 30\n")),
        secs(60)
    );
    assert_eq!(
        idle("g.py", &format!("{gthread}keepalive = 0\n")),
        Idle::NoKeepalive
    );
}

#[test]
fn defaults_and_workers() {
    // Nothing set: the sync worker, which never keeps a connection.
    let r = read(&src(
        "gunicorn.conf.py",
        "bind = '0.0.0.0:80'\nkeepalive = 75\n",
    ));
    assert_eq!(r.idle, Idle::NoKeepalive);
    assert!(r.detail.contains("sync worker"), "{}", r.detail);
    // sync with threads > 1 is gthread, default keepalive 2 s.
    let r = read(&src("gunicorn.conf.py", "threads = 2\n"));
    assert_eq!(r.idle, secs(2));
    assert!(
        r.detail
            .contains("keepalive is not set in gunicorn.conf.py: gunicorn's default 2s"),
        "{}",
        r.detail
    );
    assert_eq!(
        idle("g.py", "worker_class = 'sync'\nthreads = 1\n"),
        Idle::NoKeepalive
    );
    let egg = "worker_class = 'egg:gunicorn#sync'\nthreads = 4\n";
    assert_eq!(idle("g.py", egg), Idle::NoKeepalive);
    assert_eq!(idle("g.py", "worker_class = 'gevent'\n"), secs(2));
    assert_eq!(
        idle(
            "g.py",
            "worker_class = 'egg:gunicorn#eventlet'\nkeepalive = 3\n"
        ),
        secs(3)
    );
    assert_eq!(
        idle(
            "g.py",
            "worker_class = 'uvicorn.workers.UvicornWorker'\nkeepalive = 30\n"
        ),
        secs(30)
    );
    assert_eq!(
        idle(
            "g.py",
            "worker_class = 'uvicorn_worker.UvicornWorker'\nkeepalive = 0\n"
        ),
        Idle::AfterEachResponse
    );
    assert_eq!(idle("g.py", "worker_class = 'tornado'\n"), secs(3600));
    assert!(matches!(
        idle("g.py", "worker_class = 'gevent_pywsgi'\n"),
        Idle::Unknown(_)
    ));
    assert!(matches!(
        idle("g.py", "worker_class = 'app.MyWorker'\n"),
        Idle::Unknown(_)
    ));
}

#[test]
fn unknown_values_name_the_line() {
    let t = "import os\nworker_class = 'gthread'\nkeepalive = int(os.environ.get('KA', 5))\n";
    match idle("gunicorn.conf.py", t) {
        Idle::Unknown(why) => assert!(why.contains("at line 3 is computed"), "{why}"),
        other => panic!("{other:?}"),
    }
    let t =
        "worker_class = 'gthread'\nkeepalive = 5\nif os.environ.get('DEV'):\n    keepalive = 1\n";
    match idle("gunicorn.conf.py", t) {
        Idle::Unknown(why) => assert!(why.contains("inside `if` (line 3) at line 4"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        idle("g.py", "worker_class = 'gthread'\nkeepalive = 2.5\n"),
        Idle::Unknown(_)
    ));
    assert!(matches!(
        idle("g.py", "worker_class = 'gthread'\nkeepalive = -1\n"),
        Idle::Unknown(_)
    ));
    assert!(matches!(
        idle("g.py", "threads = THREADS\n"),
        Idle::Unknown(_)
    ));
    // A computed worker_class hides whether keepalive matters at all.
    assert!(matches!(
        idle("g.py", "worker_class = os.environ['W']\nkeepalive = 5\n"),
        Idle::Unknown(_)
    ));
    // A computed thread count does not matter for a non-sync worker.
    assert_eq!(
        idle(
            "g.py",
            "worker_class = 'gevent'\nthreads = n\nkeepalive = 4\n"
        ),
        secs(4)
    );
}

#[test]
fn command_lines_and_precedence() {
    let p = "web: gunicorn app:app -k gthread --keep-alive 10\n";
    let r = read(&src("Procfile", p));
    assert_eq!(r.idle, secs(10));
    assert!(
        r.detail
            .contains("--keep-alive 10 on the command line at line 1"),
        "{}",
        r.detail
    );
    // The command line beats GUNICORN_CMD_ARGS, which beats the default.
    let s = "export GUNICORN_CMD_ARGS=\"--keep-alive 7 --threads 4\"\nexec gunicorn app:app --keep-alive 9\n";
    assert_eq!(idle("start.sh", s), secs(9));
    let s = "export GUNICORN_CMD_ARGS=\"--keep-alive 7 --threads 4\"\nexec gunicorn app:app\n";
    let r = read(&src("start.sh", s));
    assert_eq!(r.idle, secs(7));
    assert!(
        r.detail.contains("in GUNICORN_CMD_ARGS at line 1"),
        "{}",
        r.detail
    );
    // Defaults, with the note about ./gunicorn.conf.py.
    let r = read(&src("Procfile", "web: gunicorn --threads 2 app:app"));
    assert_eq!(r.idle, secs(2));
    assert!(r.detail.contains("./gunicorn.conf.py"), "{}", r.detail);
    assert_eq!(idle("Procfile", "web: gunicorn app:app"), Idle::NoKeepalive);
    // -c FILE may set it.
    match idle("Procfile", "web: gunicorn -c conf/gunicorn.py app:app") {
        Idle::Unknown(why) => assert!(why.contains("conf/gunicorn.py"), "{why}"),
        other => panic!("{other:?}"),
    }
    // ...unless the command line sets everything that matters.
    assert_eq!(
        idle(
            "Procfile",
            "web: gunicorn -c g.py -k gevent --keep-alive 5 app:app"
        ),
        secs(5)
    );
    // Hidden and dynamic values.
    assert!(matches!(
        idle("Procfile", "web: gunicorn $OPTS app:app"),
        Idle::Unknown(_)
    ));
    assert!(matches!(
        idle(
            "Procfile",
            "web: gunicorn -k gevent --keep-alive $KA app:app"
        ),
        Idle::Unknown(_)
    ));
    // argparse reads decimal integers only (the config file takes 0x10).
    let hex = "web: gunicorn -k gevent --keep-alive 0x10 app:app";
    assert!(matches!(idle("Procfile", hex), Idle::Unknown(_)));
    let words = "web: gunicorn --threads two app:app";
    assert!(matches!(idle("Procfile", words), Idle::Unknown(_)));
    // No gunicorn here.
    assert!(matches!(
        idle("Procfile", "web: node server.js"),
        Idle::Unknown(_)
    ));
    // A config module without the .py extension.
    let conf = "bind = '127.0.0.1:8000'\nthreads = 4\nkeepalive = 9\n";
    assert_eq!(idle("deploy/gunicorn.conf", conf), secs(9));
    assert!(matches!(
        idle("start", "exec node x.js\n"),
        Idle::Unknown(_)
    ));
    // Env file: GUNICORN_CMD_ARGS only.
    assert_eq!(
        idle(".env", "GUNICORN_CMD_ARGS=--keep-alive 8 -k gevent\n"),
        secs(8)
    );
    // Commands that disagree.
    let p = "web: gunicorn -k gevent --keep-alive 5 app:app\nweb2: gunicorn -k gevent --keep-alive 6 app:app\n";
    assert!(matches!(idle("Procfile", p), Idle::Unknown(_)));
    let u = "[Service]\nExecStart=/srv/venv/bin/gunicorn --workers 3 --threads 4 --keep-alive 5 app:app\n";
    assert_eq!(idle("app.service", u), secs(5));
}

#[test]
fn raise_conf_file() {
    let out = raised("gunicorn.conf.py", CONF, 75);
    assert_eq!(out, CONF.replace("keepalive = 5  #", "keepalive = 75  #"));
    // A string keeps its quotes.
    let t = "worker_class = 'gthread'\nkeepalive = \"5\"\n";
    assert_eq!(
        raised("g.py", t, 61),
        "worker_class = 'gthread'\nkeepalive = \"61\"\n"
    );
    // Rounded up to whole seconds.
    let edits = raise(&src("g.py", t), Duration::from_millis(60_001)).unwrap();
    assert_eq!(
        apply(t, &edits),
        "worker_class = 'gthread'\nkeepalive = \"61\"\n"
    );
    // Missing: after the worker settings, in the file's spacing.
    let t = "bind='0.0.0.0:80'\nworkers=3\nthreads=4\naccesslog='-'\n";
    assert_eq!(
        raised("g.py", t, 65),
        "bind='0.0.0.0:80'\nworkers=3\nthreads=4\nkeepalive=65\naccesslog='-'\n"
    );
    // Missing, no worker settings: at the end; CRLF and BOM kept.
    let t = "\u{feff}worker_class = 'gevent'\r\naccesslog = '-'";
    assert_eq!(
        raised("g.py", t, 65),
        "\u{feff}worker_class = 'gevent'\r\nkeepalive = 65\r\naccesslog = '-'"
    );
    let t = "\u{feff}# settings\r\nworker_class = 'gevent'\r\n";
    assert_eq!(
        raised("g.py", t, 65),
        "\u{feff}# settings\r\nworker_class = 'gevent'\r\nkeepalive = 65\r\n"
    );
    let t = "# empty\r\n";
    let err = raise(&src("g.py", t), Duration::from_secs(65))
        .unwrap_err()
        .to_string();
    assert!(err.contains("sync worker"), "{err}");
}

#[test]
fn raise_nothing_or_refuse() {
    let t = "worker_class = 'gthread'\nkeepalive = 120\n";
    assert_eq!(raise(&src("g.py", t), Duration::from_secs(61)), Ok(vec![]));
    let t = "worker_class = 'sync'\nkeepalive = 5\n";
    let err = raise(&src("g.py", t), Duration::from_secs(61))
        .unwrap_err()
        .to_string();
    assert!(err.contains("does nothing for the sync worker"), "{err}");
    let t = "worker_class = 'gthread'\nkeepalive = int(os.environ['KA'])\n";
    assert!(raise(&src("g.py", t), Duration::from_secs(61))
        .unwrap_err()
        .to_string()
        .contains("computed"));
    let err = raise(
        &src("Procfile", "web: gunicorn -c g.py -k gevent app:app"),
        Duration::from_secs(61),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("g.py"), "{err}");
    assert!(raise(
        &src("g.py", "worker_class = 'tornado'\n"),
        Duration::from_secs(61)
    )
    .unwrap()
    .is_empty());
    // keepalive = 0 on gthread turns keepalive off; raising turns it on.
    let t = "threads = 8\nkeepalive = 0\n";
    assert_eq!(raised("g.py", t, 61), "threads = 8\nkeepalive = 61\n");
}

#[test]
fn raise_command_lines() {
    let p = "web: gunicorn app:app -k gthread --keep-alive 10\n";
    assert_eq!(
        raised("Procfile", p, 61),
        "web: gunicorn app:app -k gthread --keep-alive 61\n"
    );
    let p = "web: gunicorn app:app --threads=4 --keep-alive=5\r\n";
    assert_eq!(
        raised("Procfile", p, 61),
        "web: gunicorn app:app --threads=4 --keep-alive=61\r\n"
    );
    // Missing: right after the program's word.
    let p = "web: /srv/venv/bin/gunicorn --threads 4 app:app\n";
    assert_eq!(
        raised("Procfile", p, 61),
        "web: /srv/venv/bin/gunicorn --keep-alive 61 --threads 4 app:app\n"
    );
    // In GUNICORN_CMD_ARGS when that is where it is set.
    let s =
        "#!/bin/sh\nexport GUNICORN_CMD_ARGS=\"--keep-alive 7 -k gevent\"\nexec gunicorn app:app\n";
    assert_eq!(
            raised("run.sh", s, 61),
            "#!/bin/sh\nexport GUNICORN_CMD_ARGS=\"--keep-alive 61 -k gevent\"\nexec gunicorn app:app\n"
        );
    // systemd with a continuation, and a Dockerfile in exec form.
    let u = "[Service]\r\nExecStart=/srv/venv/bin/gunicorn \\\r\n    --threads 4 app:app\r\n";
    assert_eq!(
            raised("app.service", u, 61),
            "[Service]\r\nExecStart=/srv/venv/bin/gunicorn --keep-alive 61 \\\r\n    --threads 4 app:app\r\n"
        );
    let d = "FROM python:3.12\nCMD [\"gunicorn\", \"-k\", \"gevent\", \"app:app\"]\n";
    assert_eq!(
            raised("Dockerfile", d, 61),
            "FROM python:3.12\nCMD [\"gunicorn\", \"--keep-alive\", \"61\", \"-k\", \"gevent\", \"app:app\"]\n"
        );
    // Env files.
    let e = "GUNICORN_CMD_ARGS=-k gevent --keep-alive 5\n";
    assert_eq!(
        raised(".env", e, 61),
        "GUNICORN_CMD_ARGS=-k gevent --keep-alive 61\n"
    );
    let e = "GUNICORN_CMD_ARGS=\"-k gevent\"\n";
    assert_eq!(
        raised(".env", e, 61),
        "GUNICORN_CMD_ARGS=\"-k gevent --keep-alive=61\"\n"
    );
    // The sync worker on a command line.
    let err = raise(
        &src("Procfile", "web: gunicorn app:app --keep-alive 5"),
        Duration::from_secs(61),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("sync worker"), "{err}");
}

#[test]
fn bundled_example() {
    let t = include_str!("../../../../../examples/backends/gunicorn/gunicorn.conf.py");
    assert_eq!(idle("gunicorn.conf.py", t), secs(5));
    assert_eq!(
        raised("gunicorn.conf.py", t, 61),
        t.replace("keepalive = 5\n", "keepalive = 61\n")
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
            "gunicorn", " ", "\n", "\r\n", "\\", "'", "\"", "$", "${", "}", "(", ")", "#", "=",
            ";", "&&", ">", "2>&1", "--keep-alive", "--keep-alive=", "-k", "gthread", "5",
            "threads", "keepalive", " = ", "if x:", "    ", "GUNICORN_CMD_ARGS=", "export ",
            "web: ", "[Service]", "ExecStart=", "Environment=", "CMD [", "\", \"", "]", "é",
            "\u{feff}", "python -m ", "-c", "worker_class", "0x1", "\"\"\"", "sh -c ",
        ]), 0..40),
        path in proptest::sample::select(vec![
            "gunicorn.conf.py", "Procfile", "app.service", "Dockerfile", ".env", "start.sh",
        ]),
    ) {
        let text: String = pieces.concat();
        let src = src(path, &text);
        let _ = read(&src);
        if let Ok(edits) = raise(&src, Duration::from_secs(61)) {
            let out = apply(&text, &edits);
            if !edits.is_empty() {
                let again = read(&super::Source { text: &out, ..src }).idle;
                proptest::prop_assert!(
                    matches!(again, Idle::After(d) if d >= Duration::from_secs(61)),
                    "{text:?} raised to {out:?} reads {again:?}"
                );
            }
        }
    }
}
