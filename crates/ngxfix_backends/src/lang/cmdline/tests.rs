use super::*;

const GUNICORN: Program = Program {
    name: "gunicorn",
    flags: &["--reload", "--preload"],
};
const KEEPALIVE: OptSpec = OptSpec {
    long: "--keep-alive",
    short: None,
};
const WORKER: OptSpec = OptSpec {
    long: "--worker-class",
    short: Some('k'),
};

fn one(path: &str, file: &str) -> CommandLine {
    let scan = scan(path, file, &GUNICORN);
    assert_eq!(scan.commands.len(), 1, "{:?}", scan.commands);
    scan.commands.into_iter().next().unwrap()
}

fn set(path: &str, file: &str, spec: &OptSpec) -> Value {
    match one(path, file).option(file, spec, &GUNICORN) {
        Lookup::Set(v) => v,
        other => panic!("{other:?} in {file:?}"),
    }
}

fn apply(file: &str, e: &Edit<()>) -> String {
    format!(
        "{}{}{}",
        &file[..e.range().start],
        e.text,
        &file[e.range().end..]
    )
}

#[test]
fn procfile_options_in_every_form() {
    let f = "web: gunicorn app:app --keep-alive 5 -k gthread\nworker: celery -A app worker\n";
    let v = set("Procfile", f, &KEEPALIVE);
    assert_eq!((v.text.as_str(), &f[v.start..v.end], v.line), ("5", "5", 1));
    assert_eq!(set("Procfile", f, &WORKER).text, "gthread");
    let f = "web: gunicorn --keep-alive=7 -kgevent app:app";
    assert_eq!(&f[set("Procfile", f, &KEEPALIVE).start..][..1], "7");
    assert_eq!(set("Procfile", f, &WORKER).text, "gevent");
    // The last one wins, as argparse has it.
    let f = "web: gunicorn --keep-alive 5 app:app --keep-alive '9'";
    let v = set("Procfile", f, &KEEPALIVE);
    assert_eq!((v.text.as_str(), v.exact), ("9", true));
    assert_eq!(&f[v.start..v.end], "9");
}

#[test]
fn program_word_forms() {
    for f in [
        "web: /srv/venv/bin/gunicorn app:app",
        "web: python -m gunicorn app:app",
        "web: python3.12 -u -m gunicorn app:app",
        "web: exec env FOO=1 gunicorn app:app",
        "web: uv run --frozen gunicorn app:app",
        "web: newrelic-admin run-program gunicorn app:app",
        "web: ${VENV}/bin/gunicorn app:app",
        "web: bin/setup && exec gosu app ddtrace-run gunicorn app:app",
    ] {
        let c = one("Procfile", f);
        assert_eq!(c.args.last().unwrap().text, "app:app", "{f}");
        let e = c.insert_option("--keep-alive", "5");
        let out = apply(f, &e);
        assert!(out.contains("gunicorn --keep-alive 5 app:app"), "{out}");
    }
    for f in [
        "web: pip install gunicorn",
        "web: echo gunicorn",
        "web: python app.py gunicorn",
    ] {
        assert!(scan("Procfile", f, &GUNICORN).commands.is_empty(), "{f}");
    }
}

#[test]
fn shell_scripts() {
    let f = "#!/bin/sh\n# start\nset -e\nexport GUNICORN_CMD_ARGS=\"--keep-alive 10 --workers 3\"\nPLAIN=1\nexec gunicorn \\\n    --bind 0.0.0.0:$PORT \\\n    --keep-alive 4 \\\n    app:app >> /var/log/app.log 2>&1\n";
    let c = one("start.sh", f);
    let v = match c.option(f, &KEEPALIVE, &GUNICORN) {
        Lookup::Set(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!((v.text.as_str(), v.line), ("4", 8));
    let env = c.env_var("GUNICORN_CMD_ARGS").unwrap();
    assert_eq!(env.line, 4);
    assert!(c.env_var("PLAIN").is_none(), "not exported");
    let inner = split_value(&env.value);
    match lookup(&inner, f, &KEEPALIVE, &GUNICORN) {
        Lookup::Set(v) => {
            assert_eq!(&f[v.start..v.end], "10");
            assert_eq!(v.line, 4);
        }
        other => panic!("{other:?}"),
    }
    // Inline assignments and an exported shell variable.
    let f = "KA=1\nexport KA\nGUNICORN_CMD_ARGS='--keep-alive 3' gunicorn app:app\n";
    let c = one("run", f);
    assert_eq!(c.env_var("KA").unwrap().value.text, "1");
    assert_eq!(
        c.env_var("GUNICORN_CMD_ARGS").unwrap().value.text,
        "--keep-alive 3"
    );
}

#[test]
fn expansions_hide_options() {
    let f = "web: gunicorn app:app $GUNICORN_OPTS";
    let c = one("Procfile", f);
    assert_eq!(
        c.option(f, &KEEPALIVE, &GUNICORN),
        Lookup::Hidden("$GUNICORN_OPTS".into())
    );
    let f = "exec gunicorn --keep-alive 5 app:app \"$@\"\n";
    assert_eq!(
        one("x.sh", f).option(f, &KEEPALIVE, &GUNICORN),
        Lookup::Hidden("$@".into())
    );
    // After the option it is overridden by nothing it cannot see.
    let f = "exec gunicorn \"$@\" --keep-alive 5\n";
    assert!(matches!(
        one("x.sh", f).option(f, &KEEPALIVE, &GUNICORN),
        Lookup::Set(_)
    ));
    // A `$PORT` that is another option's value hides nothing.
    let f = "web: gunicorn -b $HOST app:app";
    assert_eq!(
        one("Procfile", f).option(f, &KEEPALIVE, &GUNICORN),
        Lookup::Absent
    );
    let f = "web: gunicorn --keep-alive ${KA:-5} app:app";
    assert!(set("Procfile", f, &KEEPALIVE).dynamic);
    // Single quotes keep `$` literal.
    let f = "web: gunicorn --keep-alive '$5' app:app";
    assert!(!set("Procfile", f, &KEEPALIVE).dynamic);
}

#[test]
fn systemd_units() {
    let f = "[Unit]\nDescription=app\n\n[Service]\nEnvironment=\"GUNICORN_CMD_ARGS=--keep-alive 6\" PATH=/srv/venv/bin\nEnvironmentFile=-/etc/default/app\nExecStart=/srv/venv/bin/gunicorn \\\n  --workers 3 \\\n  --keep-alive 5 app:app\n\n[Install]\nWantedBy=multi-user.target\n";
    let c = one("app.service", f);
    let v = match c.option(f, &KEEPALIVE, &GUNICORN) {
        Lookup::Set(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!((v.text.as_str(), v.line), ("5", 9));
    let env = c.env_var("GUNICORN_CMD_ARGS").unwrap();
    assert_eq!(env.value.text, "--keep-alive 6");
    let inner = split_value(&env.value);
    let Lookup::Set(v) = lookup(&inner, f, &KEEPALIVE, &GUNICORN) else {
        panic!()
    };
    assert_eq!(&f[v.start..v.end], "6");
    let s = scan("app.service", f, &GUNICORN);
    assert_eq!(s.env_files, ["/etc/default/app"]);
    // `$VAR` in ExecStart expands; `$$` does not.
    let f = "[Service]\nExecStart=/usr/bin/gunicorn $OPTS app:app\n";
    assert_eq!(
        one("a.service", f).option(f, &KEEPALIVE, &GUNICORN),
        Lookup::Hidden("$OPTS".into())
    );
    let f = "[Service]\nExecStart=-/bin/sh -c 'exec gunicorn --keep-alive 8 app:app'\n";
    let c = one("a.service", f);
    let Lookup::Set(v) = c.option(f, &KEEPALIVE, &GUNICORN) else {
        panic!()
    };
    assert_eq!(&f[v.start..v.end], "8");
    let out = apply(f, &c.insert_option("--threads", "2"));
    assert!(
        out.contains("'exec gunicorn --threads 2 --keep-alive 8 app:app'"),
        "{out}"
    );
}

#[test]
fn dockerfiles() {
    let f = "FROM python:3.12\nENV GUNICORN_CMD_ARGS=\"--keep-alive 3\" \\\n    OTHER=1\nCMD [\"gunicorn\", \"--keep-alive\", \"5\", \"app:app\"]\n";
    let c = one("Dockerfile", f);
    let Lookup::Set(v) = c.option(f, &KEEPALIVE, &GUNICORN) else {
        panic!()
    };
    assert_eq!((&f[v.start..v.end], v.line), ("5", 4));
    assert_eq!(
        c.env_var("GUNICORN_CMD_ARGS").unwrap().value.text,
        "--keep-alive 3"
    );
    let out = apply(f, &c.insert_option("--threads", "2"));
    assert!(
        out.contains("CMD [\"gunicorn\", \"--threads\", \"2\", \"--keep-alive\""),
        "{out}"
    );
    // ENTRYPOINT + CMD, and a shell form.
    let f = "FROM x\nENTRYPOINT [\"gunicorn\"]\nCMD [\"--keep-alive\", \"7\"]\n";
    assert_eq!(set("Dockerfile", f, &KEEPALIVE).text, "7");
    let f = "FROM x\nENV GUNICORN_CMD_ARGS --keep-alive 4\nCMD gunicorn app:app\n";
    let c = one("Dockerfile", f);
    assert_eq!(
        c.env_var("GUNICORN_CMD_ARGS").unwrap().value.text,
        "--keep-alive 4"
    );
    // An earlier stage's CMD does not run.
    let f = "FROM a\nCMD [\"gunicorn\"]\nFROM b\nCMD [\"nginx\"]\n";
    assert!(scan("Dockerfile", f, &GUNICORN).commands.is_empty());
}

#[test]
fn env_files() {
    let f = "\u{feff}# app\r\nexport A=1\r\nGUNICORN_CMD_ARGS=--keep-alive 5 --workers 2 # note\r\nB=\"x y\"\r\nC='$z'\r\nD=\"$z\"\r\n";
    let s = scan(".env", f, &GUNICORN);
    assert_eq!(s.syntax, Syntax::EnvFile);
    let names: Vec<_> = s.env.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["A", "GUNICORN_CMD_ARGS", "B", "C", "D"]);
    let g = s.env_var("GUNICORN_CMD_ARGS").unwrap();
    assert_eq!(g.value.text, "--keep-alive 5 --workers 2");
    assert_eq!(g.line, 3);
    assert_eq!(s.env_var("B").unwrap().value.text, "x y");
    assert!(!s.env_var("C").unwrap().value.is_dynamic());
    assert!(s.env_var("D").unwrap().value.is_dynamic());
    let inner = split_value(&g.value);
    let Lookup::Set(v) = lookup(&inner, f, &KEEPALIVE, &GUNICORN) else {
        panic!()
    };
    assert_eq!(&f[v.start..v.end], "5");
    assert_eq!(Syntax::of("gunicorn.env", "A=1"), Syntax::EnvFile);
    assert_eq!(Syntax::of("settings", "A=1\nB=2\n"), Syntax::EnvFile);
    assert_eq!(Syntax::of("run", "A=1\nexec x\n"), Syntax::Shell);
}

#[test]
fn values_with_quotes_inside_are_not_exact() {
    let f = "web: gunicorn --keep-alive 5\"0\" app:app";
    let v = set("Procfile", f, &KEEPALIVE);
    assert_eq!((v.text.as_str(), v.exact), ("50", false));
    assert!(v.replace("60").is_err());
    let f = "web: gunicorn \"--keep-alive=5\" app:app";
    let v = set("Procfile", f, &KEEPALIVE);
    assert_eq!(
        apply(f, &v.replace("60").unwrap()),
        "web: gunicorn \"--keep-alive=60\" app:app"
    );
}

#[test]
fn no_panics_on_odd_input() {
    for f in [
        "",
        "\\",
        "'",
        "\"",
        "$",
        "${",
        "$(",
        "`",
        "web:",
        "web: gunicorn \\",
        "[Service]\nExecStart=",
        "[Service]\nExecStart=gunicorn \"",
        "FROM x\nCMD [\"gunicorn\", \"\\",
        "FROM x\nCMD [",
        "A=\"",
        "A='",
        "é=1",
        "web: gunicorn é --keep-alive",
        "web: gunicorn -k",
        "2>",
        "exec gunicorn >",
        "[Service]\nEnvironment=\"A=%",
        "web: sh -c",
        "web: sh -c 'gunicorn",
    ] {
        for path in ["Procfile", "x.service", "Dockerfile", ".env", "x.sh"] {
            let s = scan(path, f, &GUNICORN);
            for c in &s.commands {
                let _ = c.option(f, &KEEPALIVE, &GUNICORN);
                let _ = c.option(f, &WORKER, &GUNICORN);
                for a in &c.env {
                    let _ = split_value(&a.value);
                }
            }
        }
    }
}
