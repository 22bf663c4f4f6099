use super::*;

fn file(path: &str, text: &str) -> NamedText {
    NamedText {
        path: path.into(),
        text: text.into(),
    }
}

fn request(files: Vec<NamedText>) -> Request {
    Request {
        files,
        nginx_version: Some("1.30.0".into()),
        ..Request::default()
    }
}

fn rules_of(checked: &Checked) -> Vec<String> {
    findings(checked)
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn findings(checked: &Checked) -> &Vec<serde_json::Value> {
    checked.report["findings"].as_array().unwrap()
}

const INCIDENT: &str = include_str!("../../../examples/incident-502/nginx.conf");
const KEEPALIVE_MAIN: &str = include_str!("../../../examples/keepalive-502/nginx.conf");
const KEEPALIVE_SITE: &str = include_str!("../../../examples/keepalive-502/conf.d/app.conf");
const GUNICORN: &str = include_str!("../../../examples/backends/gunicorn/gunicorn.conf.py");

fn incident() -> Request {
    let mut r = request(vec![file("nginx.conf", INCIDENT)]);
    r.backends.insert("app_backend".into(), "gunicorn".into());
    r
}

#[test]
fn the_incident_is_found_and_fixed_and_a_missing_include_is_a_note() {
    let engine = Engine::new().unwrap();
    let checked = engine.check(&incident()).unwrap();
    assert!(rules_of(&checked).contains(&"upstream-keepalive-timeout".to_string()));
    assert_eq!(checked.upstreams, ["app_backend"]);
    assert_eq!(checked.report["nginx_version"], "1.30.0");
    assert_eq!(checked.version_note, None);
    let mut unversioned = incident();
    unversioned.nginx_version = None;
    let assumed = engine.check(&unversioned).unwrap();
    assert_eq!(
        assumed.report["nginx_version"],
        Version::ASSUMED.to_string()
    );
    assert!(assumed
        .version_note
        .is_some_and(|note| note.starts_with("assuming nginx 1.29.6")));
    assert!(
        checked.notes.iter().any(|n| n.contains("mime.types")),
        "{:?}",
        checked.notes
    );
    let fixed = engine.fix(&incident()).unwrap();
    assert!(fixed
        .diff
        .starts_with("--- a/nginx.conf\n+++ b/nginx.conf\n"));
    assert!(
        fixed.diff.contains("+        keepalive_timeout 1s;\n"),
        "{}",
        fixed.diff
    );
    assert_eq!(fixed.files.len(), 1);
    assert!(fixed.files[0].text.contains("keepalive_timeout 1s;"));
    assert!(
        fixed
            .notes
            .iter()
            .any(|n| n.contains("not checked with `nginx -t`")),
        "{:?}",
        fixed.notes
    );
}

#[test]
fn a_declined_change_leaves_the_text_and_stays_listed() {
    let engine = Engine::new().unwrap();
    let first = engine.fix(&incident()).unwrap();
    let proposal = first
        .proposals
        .iter()
        .find(|p| p.rule == "upstream-keepalive-timeout")
        .unwrap();
    assert!(proposal.approved);
    assert!(proposal.diff.contains("+        keepalive_timeout 1s;"));
    let mut declined = incident();
    declined.decisions.insert(proposal.key.clone(), false);
    let second = engine.fix(&declined).unwrap();
    assert!(
        !second.diff.contains("keepalive_timeout 1s"),
        "{}",
        second.diff
    );
    let again = second
        .proposals
        .iter()
        .find(|p| p.key == proposal.key)
        .unwrap();
    assert!(!again.approved);
}

#[test]
fn unsafe_fixes_wait_for_an_answer() {
    let engine = Engine::new().unwrap();
    // No backend declared: enabling the pool is unsafe until it is.
    let r = request(vec![file(
        "nginx.conf",
        KEEPALIVE_MAIN
            .replace("include conf.d/*.conf;", KEEPALIVE_SITE)
            .as_str(),
    )]);
    let held = engine.fix(&r).unwrap();
    let unsafe_ones: Vec<&Proposed> = held
        .proposals
        .iter()
        .filter(|p| p.safety == "unsafe")
        .collect();
    assert!(!unsafe_ones.is_empty(), "{:#?}", held.proposals);
    assert!(unsafe_ones.iter().all(|p| !p.approved));
    let mut yes = r.clone();
    yes.decisions.insert(unsafe_ones[0].key.clone(), true);
    let applied = engine.fix(&yes).unwrap();
    assert_ne!(applied.diff, held.diff);
    let mut all = r.clone();
    all.unsafe_fixes = true;
    assert!(engine
        .fix(&all)
        .unwrap()
        .proposals
        .iter()
        .all(|p| p.approved));
}

#[test]
fn a_tree_of_files_is_read_through_its_includes() {
    let engine = Engine::new().unwrap();
    // Opened in any order: nginx.conf is the main file.
    let mut r = request(vec![
        file("conf.d/app.conf", KEEPALIVE_SITE),
        file("nginx.conf", KEEPALIVE_MAIN),
    ]);
    // Before 1.29.7, pooling needs `Connection` cleared in every location.
    r.nginx_version = Some("1.24.0".into());
    let checked = engine.check(&r).unwrap();
    assert_eq!(checked.read, ["nginx.conf", "conf.d/app.conf"]);
    let paths: Vec<&str> = findings(&checked)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"conf.d/app.conf"), "{paths:?}");
    assert!(checked.notes.is_empty(), "{:?}", checked.notes);
}

#[test]
fn a_site_file_alone_is_read_in_its_block_with_a_note() {
    let engine = Engine::new().unwrap();
    let checked = engine
        .check(&request(vec![file("app.conf", KEEPALIVE_SITE)]))
        .unwrap();
    assert!(
        checked.notes.iter().any(|n| n.contains("app.conf read as")),
        "{:?}",
        checked.notes
    );
    assert_eq!(checked.report["inputs"][0]["context_from"], "inferred");
    assert!(findings(&checked).iter().all(|f| f["path"] == "app.conf"));
}

#[test]
fn a_dump_is_split_into_its_files() {
    let engine = Engine::new().unwrap();
    let dump = format!(
        "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n\
         nginx: configuration file /etc/nginx/nginx.conf test is successful\n\
         # configuration file /etc/nginx/nginx.conf:\n{KEEPALIVE_MAIN}\n\
         # configuration file /etc/nginx/conf.d/app.conf:\n{KEEPALIVE_SITE}\n"
    );
    let r = request(vec![file("nginx-T.txt", &dump)]);
    let checked = engine.check(&r).unwrap();
    assert_eq!(
        checked.read,
        ["/etc/nginx/nginx.conf", "/etc/nginx/conf.d/app.conf"]
    );
    assert_eq!(checked.report["inputs"][0]["context_from"], "dump");
    let mut all = r.clone();
    all.unsafe_fixes = true;
    let fixed = engine.fix(&all).unwrap();
    // Absolute paths lose their `/`, as `ngxfix fix --dry-run -` prints.
    assert!(fixed.diff.contains("--- a/etc/nginx/"), "{}", fixed.diff);
}

#[test]
fn a_syntax_error_says_where_in_ngxfix_words() {
    let engine = Engine::new().unwrap();
    let r = request(vec![file(
        "nginx.conf",
        "http {\n    server {\n        listen 80\n    }\n}\n",
    )]);
    let failure = engine.check(&r).unwrap_err();
    assert_eq!(failure.path.as_deref(), Some("nginx.conf"));
    assert_eq!((failure.line, failure.col), (Some(4), Some(5)));
    assert!(
        failure.message.starts_with("nginx.conf:4:5"),
        "{}",
        failure.message
    );
    assert!(failure.message.contains('^'), "{}", failure.message);
    assert!(engine.fix(&r).is_err());
}

#[test]
fn a_backend_file_on_the_page_is_read_and_not_taken_for_nginx() {
    let engine = Engine::new().unwrap();
    let mut r = request(vec![
        file("nginx.conf", INCIDENT),
        file("gunicorn.conf.py", GUNICORN),
    ]);
    r.backends
        .insert("app_backend".into(), "gunicorn:gunicorn.conf.py".into());
    let checked = engine.check(&r).unwrap();
    assert!(!checked.read.contains(&"gunicorn.conf.py".to_string()));
    let finding = findings(&checked)
        .iter()
        .find(|f| f["rule"] == "upstream-keepalive-timeout")
        .expect("the backend's timeout is known");
    assert!(
        finding["message"].as_str().unwrap().contains("gunicorn"),
        "{finding}"
    );
    let mut missing = r.clone();
    missing.files.pop();
    let failure = engine.check(&missing).unwrap_err();
    assert!(
        failure.message.contains("open it too"),
        "{}",
        failure.message
    );
}

#[test]
fn redaction_leaves_no_part_of_a_secret() {
    let engine = Engine::new().unwrap();
    let secret = "Bearer sk_live_4f9aQ2xZ8rT1mK7pL0vB";
    let text = format!(
        "server {{\n    listen 80;\n    location / {{\n        proxy_set_header Authorization \"{secret}\";\n        proxy_pass http://user:hunter2pass@10.0.0.7:8080;\n    }}\n}}\n"
    );
    let mut r = request(vec![
        file("site.conf", &text),
        file("gunicorn.conf.py", GUNICORN),
    ]);
    r.backends
        .insert("app".into(), "gunicorn:gunicorn.conf.py".into());
    r.hosts = true;
    let redacted = engine.redact(&r).unwrap();
    assert_eq!(redacted.left_out, ["gunicorn.conf.py"]);
    assert_eq!(redacted.files.len(), 1);
    let all = format!(
        "{}{}{}",
        redacted.files[0].text,
        redacted.report,
        serde_json::to_string(&redacted.entries).unwrap()
    );
    for part in [
        "sk_live_4f9aQ2xZ8rT1mK7pL0vB",
        "4f9aQ2xZ8r",
        "hunter2pass",
        "10.0.0.7",
    ] {
        assert!(!all.contains(part), "{part} left in:\n{all}");
    }
    assert!(redacted.report.contains("redacted"), "{}", redacted.report);
}

#[test]
fn a_log_is_diagnosed_with_the_upstream_blocks_of_the_page() {
    let engine = Engine::new().unwrap();
    let log = "2026/12/07 10:00:00 [error] 1234#1234: *5 readv() failed (104: Connection reset by peer) while reading upstream, client: 192.0.2.1, server: app.example.com, request: \"POST /api HTTP/1.1\", upstream: \"http://127.0.0.1:8000/api\", host: \"app.example.com\"\n";
    let report = engine.diagnose(&incident(), log).unwrap();
    assert!(report.contains("app_backend"), "{report}");
    let alone = engine.diagnose(&Request::default(), log).unwrap();
    assert!(!alone.contains("app_backend"), "{alone}");
}

#[test]
fn the_entry_can_be_chosen_and_must_exist() {
    let engine = Engine::new().unwrap();
    let mut r = request(vec![
        file("nginx.conf", KEEPALIVE_MAIN),
        file("conf.d/app.conf", KEEPALIVE_SITE),
    ]);
    r.entry = Some("conf.d/app.conf".into());
    let checked = engine.check(&r).unwrap();
    assert_eq!(checked.report["inputs"][0]["path"], "conf.d/app.conf");
    r.entry = Some("nope.conf".into());
    assert!(engine.check(&r).unwrap_err().message.contains("nope.conf"));
    assert!(engine.check(&request(Vec::new())).is_err());
}

#[test]
fn files_opened_without_their_folder_are_placed_and_the_rest_noted() {
    let engine = Engine::new().unwrap();
    let mut r = request(vec![
        file("nginx.conf", KEEPALIVE_MAIN),
        file("app.conf", KEEPALIVE_SITE),
        file("other.txt", "server { listen 81; }"),
    ]);
    r.nginx_version = Some("1.24.0".into());
    let checked = engine.check(&r).unwrap();
    assert_eq!(checked.read, ["nginx.conf", "conf.d/app.conf"]);
    assert_eq!(checked.placed.len(), 1);
    assert_eq!(checked.placed[0].to, "conf.d/app.conf");
    assert!(
        checked
            .notes
            .iter()
            .any(|n| n.contains("reads other.txt: not checked")),
        "{:?}",
        checked.notes
    );
    assert!(findings(&checked)
        .iter()
        .any(|f| f["path"] == "conf.d/app.conf"));
    r.unsafe_fixes = true;
    let fixed = engine.fix(&r).unwrap();
    assert_eq!(fixed.placed, checked.placed);
    assert!(
        fixed.diff.contains("--- a/conf.d/app.conf"),
        "{}",
        fixed.diff
    );
}
