use super::*;

fn bound(text: &str, name: &str) -> Binding {
    Module::parse(text).binding(name)
}

fn value(text: &str, name: &str) -> Option<Literal> {
    match bound(text, name) {
        Binding::Set { expr, .. } => literal(&expr),
        other => panic!("{other:?}"),
    }
}

#[test]
fn last_module_level_assignment_wins() {
    let t =
        "\"\"\"Docs.\nkeepalive = 99\n\"\"\"\nkeepalive = 5  # seconds\nworkers = 3; keepalive=7\n";
    match bound(t, "keepalive") {
        Binding::Set { expr, line, spaced } => {
            assert_eq!((expr.text.as_str(), line, spaced), ("7", 5, false));
            assert_eq!(&t[expr.start..expr.end], "7");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(bound("workers = 2\n", "keepalive"), Binding::Absent);
    assert_eq!(
        value("keepalive: int = 0x10\n", "keepalive"),
        Some(Literal::Int(16))
    );
    assert_eq!(
        value("a = keepalive = 2 * (30 + 1)\n", "keepalive"),
        Some(Literal::Int(62))
    );
    assert_eq!(
        value("keepalive = (\n    75\n)\n", "keepalive"),
        Some(Literal::Int(75))
    );
    assert_eq!(
        value("keepalive = 1.5\n", "keepalive"),
        Some(Literal::Float("1.5".into()))
    );
    assert_eq!(
        value("keepalive = True\n", "keepalive"),
        Some(Literal::Bool(true))
    );
    let t = "worker_class = 'gthread'\n";
    assert_eq!(
        value(t, "worker_class"),
        Some(Literal::Str {
            value: "gthread".into(),
            start: 16,
            end: 23
        })
    );
    assert_eq!(value("keepalive = int(x)\n", "keepalive"), None);
    assert_eq!(value("keepalive = 010\n", "keepalive"), None);
    assert_eq!(value("keepalive = f'5'\n", "keepalive"), None);
}

#[test]
fn blocks_decide_what_counts() {
    let unknown = |t: &str| matches!(bound(t, "keepalive"), Binding::Unknown(_));
    assert!(unknown("keepalive = 5\nif DEBUG:\n    keepalive = 1\n"));
    assert!(unknown("keepalive = 5\nif DEBUG: keepalive = 1\n"));
    assert!(unknown(
        "try:\n    from local import *\nexcept ImportError:\n    pass\n"
    ));
    assert!(unknown("from settings import keepalive\n"));
    assert!(unknown("keepalive = 5\nkeepalive += 1\n"));
    assert!(unknown("keepalive, workers = 5, 2\n"));
    assert!(unknown("globals().update(load())\n"));
    assert!(unknown(
        "def f():\n    global keepalive\n    keepalive = 3\n"
    ));
    // Overridden afterwards at module level: known.
    let t = "if DEBUG:\n    keepalive = 1\nelse:\n    pass\nkeepalive = 5\n";
    assert_eq!(value(t, "keepalive"), Some(Literal::Int(5)));
    // Locals of functions and class attributes do not count.
    let t = "keepalive = 5\ndef post_fork(server, worker):\n    keepalive = 1\n    if x:\n        keepalive = 2\nclass C:\n    keepalive = 3\nworkers = 2\n";
    assert_eq!(value(t, "keepalive"), Some(Literal::Int(5)));
    // `keepalive == 5` and keyword arguments are not assignments.
    let t = "keepalive = 5\nassert keepalive == 5\nprint(keepalive=1)\n";
    assert_eq!(value(t, "keepalive"), Some(Literal::Int(5)));
    assert_eq!(
        value("match = 1\nkeepalive = 4\n", "keepalive"),
        Some(Literal::Int(4))
    );
}

#[test]
fn top_assignments_and_calls() {
    let t = "\u{feff}import os\r\nworkers = 4\r\nthreads=2\r\nif x:\r\n    timeout = 3\r\n";
    let m = Module::parse(t);
    let names: Vec<_> = m
        .top_assignments()
        .into_iter()
        .map(|a| (a.name, a.spaced))
        .collect();
    assert_eq!(
        names,
        [
            ("workers".to_string(), true),
            ("threads".to_string(), false)
        ]
    );
    assert_eq!(
        &t[..m.top_assignments()[0].line_end],
        "\u{feff}import os\r\nworkers = 4"
    );
    let t = "import uvicorn\nif __name__ == '__main__':\n    uvicorn.run(\n        'app:app',\n        host='0.0.0.0',\n        timeout_keep_alive=30,\n    )\n";
    let m = Module::parse(t);
    let calls = m.calls(&["uvicorn.run".to_string()]);
    assert_eq!(calls.len(), 1);
    let c = &calls[0];
    assert_eq!((c.line, c.args.len()), (3, 3));
    assert_eq!(&t[c.trailing_comma.unwrap()..][..2], ",\n");
    let ka = &c.args[2];
    assert_eq!(ka.keyword.as_deref(), Some("timeout_keep_alive"));
    assert_eq!(ka.value.text, "30");
    assert_eq!(m.imported_as("uvicorn", &["run"]), Vec::<String>::new());
    let m = Module::parse("from uvicorn import run as serve, Config\nserve(app, **opts)\n");
    assert_eq!(
        m.imported_as("uvicorn", &["run", "Config"]),
        ["serve", "Config"]
    );
    let calls = m.calls(&["serve".to_string()]);
    assert!(calls[0].args[1].star);
}

#[test]
fn no_panics_on_odd_input() {
    for t in [
        "",
        "'",
        "\"\"\"",
        "keepalive =",
        "= 5",
        "keepalive = (",
        "if:",
        "\\",
        "keepalive = 5 \\",
        "keepalive = 'é",
        "é = 1\nkeepalive = 'é'",
        "keepalive = 99999999999999999999999999999999999999999",
        "keepalive = 2 ** 200",
        "keepalive = 1 // 0",
        "uvicorn.run(",
        "uvicorn.run(a=",
        "\u{feff}",
    ] {
        let m = Module::parse(t);
        if let Binding::Set { expr, .. } = m.binding("keepalive") {
            let _ = literal(&expr);
        }
        let _ = m.top_assignments();
        let _ = m.calls(&["uvicorn.run".to_string()]);
    }
}
