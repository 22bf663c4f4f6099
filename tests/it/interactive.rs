//! `ngxfix fix -i` driven through a pseudo-terminal, the way a person at a
//! terminal uses it: each answer is one key, typed when its question
//! appears, without Enter.

use std::fs;

use crate::common::pty::Session;

const QUESTION: &str = "Apply this change?";

const MAIN: &str = "events {}\nhttp {\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n    include a.conf;\n    include b.conf;\n}\n";

fn location(path: &str) -> String {
    format!("    location {path} {{\n        proxy_pass http://app;\n    }}\n")
}

#[test]
fn yes_no_all_quit_in_one_session() {
    let dir = tempfile::tempdir().unwrap();
    let main = MAIN;
    let a = format!(
        "server {{\n    listen 127.0.0.1:8080;\n    proxy_set_header Connection \"\";\n{}{}{}}}\n",
        location("/1"),
        location("/2"),
        location("/3")
    );
    let b = format!(
        "server {{\n    listen 127.0.0.1:8081;\n    proxy_set_header Connection \"\";\n{}}}\n",
        location("/4")
    );
    fs::write(dir.path().join("nginx.conf"), main).unwrap();
    fs::write(dir.path().join("a.conf"), &a).unwrap();
    fs::write(dir.path().join("b.conf"), &b).unwrap();

    // a.conf: /1 yes, /2 no, /3 all remaining in the file; b.conf: quit.
    // One key each, no Enter.
    let mut session = Session::start(FIX_I, dir.path());
    session.key(QUESTION, 1, "y");
    session.key(QUESTION, 2, "n");
    session.key(QUESTION, 3, "a");
    session.key(QUESTION, 4, "q");
    let (code, screen) = session.finish();
    // The keys are echoed after the question.
    assert!(screen.contains("[y,n,a,q,e,?] y"), "{screen}");
    assert!(screen.contains("[y,n,a,q,e,?] q"), "{screen}");
    assert!(
        screen.contains("proxy-http-version"),
        "the rule id is shown:\n{screen}"
    );
    assert!(
        screen.contains("+++ b/a.conf"),
        "the hunk is shown:\n{screen}"
    );
    assert!(screen.contains("Stopped on quit"), "{screen}");
    assert_eq!(code, Some(1), "findings remain:\n{screen}");
    let fixed = |path: &str| {
        format!("    location {path} {{\n        proxy_pass http://app;\n        proxy_http_version 1.1;\n    }}\n")
    };
    assert_eq!(
        fs::read_to_string(dir.path().join("a.conf")).unwrap(),
        a.replace(&location("/1"), &fixed("/1"))
            .replace(&location("/3"), &fixed("/3")),
        "{screen}"
    );
    assert_eq!(fs::read_to_string(dir.path().join("b.conf")).unwrap(), b);
    assert_eq!(
        fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
        main
    );
}

/// `fix -i` on `nginx.conf`; the upstream `app` has a backend that outlasts
/// nginx's idle timeout, so only the header and version fixes are asked.
const FIX_I: &[&str] = &[
    "fix",
    "-i",
    "--no-verify",
    "--backend",
    "app=75s",
    "nginx.conf",
];

fn one_location(dir: &std::path::Path) {
    let conf = format!("http {{\n    upstream app {{ server 127.0.0.1:8000; keepalive 16; }}\n    server {{\n        proxy_set_header Connection \"\";\n{}    }}\n}}\n", location("/"));
    fs::write(dir.join("nginx.conf"), conf).unwrap();
}

#[test]
fn a_key_that_is_not_an_answer_prints_the_short_help_and_asks_again() {
    let dir = tempfile::tempdir().unwrap();
    one_location(dir.path());
    let mut session = Session::start(FIX_I, dir.path());
    session.key(QUESTION, 1, "x");
    session.wait_for("answer y, n, a, q or e (? prints the help)", 1);
    // Enter is no answer either.
    session.key(QUESTION, 2, "\r");
    session.key(QUESTION, 3, "y");
    let (code, screen) = session.finish();
    assert_eq!(code, Some(0), "{screen}");
    assert_eq!(screen.matches("(? prints the help)").count(), 2, "{screen}");
    assert!(fs::read_to_string(dir.path().join("nginx.conf"))
        .unwrap()
        .contains("proxy_http_version 1.1;"));
}

#[test]
fn question_mark_prints_the_help_then_asks_again() {
    let dir = tempfile::tempdir().unwrap();
    one_location(dir.path());
    let mut session = Session::start(FIX_I, dir.path());
    session.key(QUESTION, 1, "?");
    session.wait_for("? - print this help", 1);
    session.key(QUESTION, 2, "y");
    let (code, screen) = session.finish();
    assert_eq!(code, Some(0), "{screen}");
    for line in [
        "y - apply this change",
        "n - do not apply this change",
        "a - apply this change and every later one in this file",
        "q - quit",
        "e - edit the value this change writes",
    ] {
        assert!(screen.contains(line), "{line}:\n{screen}");
    }
    assert!(fs::read_to_string(dir.path().join("nginx.conf"))
        .unwrap()
        .contains("proxy_http_version 1.1;"));
}

/// An upstream whose connections are reused, and `fix -i` with its
/// backend declared at 5s: the one change asked is `keepalive_timeout
/// 4s;` in the upstream.
const POOLED: &str = "http {\n    upstream app {\n        server 127.0.0.1:8000;\n        keepalive 16;\n    }\n    server {\n        location / {\n            proxy_pass http://app;\n            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n        }\n    }\n}\n";
const TIMEOUT_I: &[&str] = &[
    "fix",
    "-i",
    "--no-verify",
    "--select",
    "upstream-keepalive-timeout",
    "--backend",
    "app=5s",
    "--color",
    "never",
    "nginx.conf",
];

#[test]
fn e_opens_the_value_in_the_editor_and_applies_the_edit() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), POOLED).unwrap();
    let mut session = Session::start_with(TIMEOUT_I, dir.path(), &[("EDITOR", "sed -i s/4s/3s/")]);
    session.key(QUESTION, 1, "e");
    let (code, screen) = session.finish();
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("[y,n,a,q,e,?] e"), "{screen}");
    // The edited change is shown as it is applied, and not asked again.
    assert!(
        screen.contains("The change as edited, applied:\r\n--- a/nginx.conf"),
        "{screen}"
    );
    assert!(
        screen.contains("+        keepalive_timeout 3s;"),
        "{screen}"
    );
    assert_eq!(screen.matches(QUESTION).count(), 1, "{screen}");
    assert_eq!(
        fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
        POOLED.replace(
            "keepalive 16;\n",
            "keepalive 16;\n        keepalive_timeout 3s;\n"
        ),
        "{screen}"
    );
}

#[test]
fn an_edit_that_breaks_the_syntax_is_refused_and_the_change_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nginx.conf"), POOLED).unwrap();
    // An editor that closes the block inside the value; VISUAL wins over
    // EDITOR.
    let editor = dir.path().join("break.sh");
    fs::write(&editor, "#!/bin/sh\nsed -i 's/^4s$/4s; }/' \"$1\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&editor, fs::Permissions::from_mode(0o755)).unwrap();
    let mut session = Session::start_with(
        TIMEOUT_I,
        dir.path(),
        &[
            ("VISUAL", editor.to_str().unwrap()),
            ("EDITOR", "sed -i s/4s/3s/"),
        ],
    );
    session.key(QUESTION, 1, "e");
    session.wait_for("is not applied", 1);
    // Asked again; the rule's own value is applied.
    session.key(QUESTION, 2, "y");
    let (code, screen) = session.finish();
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("error: nginx.conf:"),
        "the place of the error:\n{screen}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
        POOLED.replace(
            "keepalive 16;\n",
            "keepalive 16;\n        keepalive_timeout 4s;\n"
        ),
        "{screen}"
    );
}

#[test]
fn one_session_asks_about_nginx_and_the_backend_file() {
    let dir = tempfile::tempdir().unwrap();
    let conf = format!("http {{\n    upstream app {{ server 127.0.0.1:8000; keepalive 16; }}\n    server {{\n        proxy_set_header Connection \"\";\n{}    }}\n}}\n", location("/"));
    let gunicorn = "worker_class = \"gthread\"\r\nkeepalive = 5\r\n";
    fs::write(dir.path().join("nginx.conf"), &conf).unwrap();
    fs::write(dir.path().join("gunicorn.conf.py"), gunicorn).unwrap();
    let args = [
        "fix",
        "-i",
        "--no-verify",
        "--prefer",
        "backend",
        "--backend",
        "app=gunicorn:gunicorn.conf.py",
        "nginx.conf",
    ];
    let mut session = Session::start(&args, dir.path());
    // "All" on the backend file's change covers that file only: the nginx
    // change is still shown and asked.
    session.key(QUESTION, 1, "a");
    session.key(QUESTION, 2, "y");
    let (code, screen) = session.finish();
    assert_eq!(code, Some(0), "{screen}");
    // A change of the backend's file has no nginx value to edit.
    assert!(screen.contains("[y,n,a,q,?] y"), "{screen}");
    assert!(screen.contains("+++ b/gunicorn.conf.py"), "{screen}");
    assert!(screen.contains("+++ b/nginx.conf"), "{screen}");
    assert_eq!(
        fs::read_to_string(dir.path().join("gunicorn.conf.py")).unwrap(),
        "worker_class = \"gthread\"\r\nkeepalive = 61\r\n",
        "only the value changed, CRLF kept"
    );
    assert!(fs::read_to_string(dir.path().join("nginx.conf"))
        .unwrap()
        .contains("proxy_http_version 1.1;"));
}

/// On a terminal, where standard output and standard error are one
/// screen, the diff of `--dry-run` comes whole before the summary.
#[test]
fn a_dry_run_diff_comes_before_its_summary_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let locations: String = (0..40).map(|i| location(&format!("/l{i}"))).collect();
    fs::write(dir.path().join("nginx.conf"), MAIN).unwrap();
    fs::write(
        dir.path().join("a.conf"),
        format!("server {{\n{locations}}}\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("b.conf"),
        format!("server {{\n{}}}\n", location("/b")),
    )
    .unwrap();
    let session = Session::start(
        &[
            "fix",
            "--dry-run",
            "--no-verify",
            "--color",
            "never",
            "--backend",
            "app=75s",
            "nginx.conf",
        ],
        dir.path(),
    );
    let (code, screen) = session.finish();
    assert_eq!(code, Some(1), "{screen}");
    let last_diff_line = screen.rfind("+        proxy_http_version 1.1;").unwrap();
    let summary = screen.find("Would fix ").expect("a summary");
    assert!(last_diff_line < summary, "{screen}");
}

/// A value that parses once written, as something else: the `;` ending
/// the directive commented out or escaped, or a second directive.
#[test]
fn an_edited_value_that_would_not_stay_the_directives_arguments_is_refused() {
    for (value, why) in [
        ("3s # short", "a `#` in it starts a comment"),
        (r"3s\\", r"the `\` at its end would escape the `;`"),
        (
            "3s; keepalive_timeout 9s",
            "a `;` in it ends keepalive_timeout there, and `keepalive_timeout 9s` would be another directive",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("nginx.conf"), POOLED).unwrap();
        let editor = format!("sed -i 's/^4s$/{value}/'");
        let mut session = Session::start_with(TIMEOUT_I, dir.path(), &[("EDITOR", &editor)]);
        session.key(QUESTION, 1, "e");
        session.wait_for("is not applied", 1);
        // Asked again: the rule's own value is applied.
        session.key(QUESTION, 2, "y");
        let (code, screen) = session.finish();
        assert_eq!(code, Some(0), "{value}:\n{screen}");
        let value = value.replace(r"\\", r"\");
        assert!(
            screen.contains(&format!(
                "error: `{value}` cannot be the value of keepalive_timeout: {why}"
            )),
            "{screen}"
        );
        assert!(!screen.contains("The change as edited"), "{screen}");
        assert_eq!(
            fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
            POOLED.replace(
                "keepalive 16;\n",
                "keepalive 16;\n        keepalive_timeout 4s;\n"
            ),
            "{screen}"
        );
    }
}

/// Editing the value back to what the file already says changes nothing:
/// that is said, and the change asked again.
#[test]
fn an_edit_back_to_the_files_own_value_is_not_an_empty_change() {
    let dir = tempfile::tempdir().unwrap();
    let conf = POOLED.replace(
        "keepalive 16;\n",
        "keepalive 16;\n        keepalive_timeout 60s;\n",
    );
    fs::write(dir.path().join("nginx.conf"), &conf).unwrap();
    let mut session =
        Session::start_with(TIMEOUT_I, dir.path(), &[("EDITOR", "sed -i s/^4s$/60s/")]);
    session.key(QUESTION, 1, "e");
    session.wait_for("changes nothing", 1);
    session.key(QUESTION, 2, "n");
    let (code, screen) = session.finish();
    assert_eq!(code, Some(1), "the finding remains:\n{screen}");
    assert!(!screen.contains("The change as edited"), "{screen}");
    assert_eq!(
        fs::read_to_string(dir.path().join("nginx.conf")).unwrap(),
        conf
    );
}
