use super::*;
use crate::testing::apply;

fn raise(src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
    Uwsgi.raise(src, target)
}

fn src(text: &str) -> Source<'_> {
    Source {
        path: "uwsgi.ini",
        text,
        version: None,
    }
}

fn secs(n: u64) -> Idle {
    Idle::After(Duration::from_secs(n))
}

/// Raise to `target` seconds; the result, checked to read >= target.
fn raised(text: &str, target: u64) -> String {
    crate::testing::raised(&Uwsgi, src(text), Duration::from_secs(target))
}

fn unknown(text: &str) -> String {
    crate::testing::unknown(read, src(text))
}

const HTTP11: &str = "[uwsgi]\n; the app\nmodule = app:application\nhttp11-socket = 127.0.0.1:8000\nsocket-timeout = 2\nmaster = true\n";

#[test]
fn http11_reads_socket_timeout() {
    let r = read(&src(HTTP11));
    assert_eq!(r.idle, secs(2));
    assert_eq!(r.kind, "uwsgi-http11");
    assert_eq!(
        r.detail,
        "socket-timeout = 2 at line 5 for http11-socket = 127.0.0.1:8000 at line 4"
    );
}

#[test]
fn http11_default_is_four_seconds() {
    let r = read(&src("[uwsgi]\nhttp11-socket=:8000\n"));
    assert_eq!(r.idle, secs(4));
    assert!(r.detail.contains("default 4s"), "{}", r.detail);
}

#[test]
fn ini_syntax_as_uwsgi_reads_it() {
    // No spaces, repeated keys (the last wins), other sections, comments.
    let text = "[other]\nsocket-timeout = 1\n[uwsgi]\n# c\n  ;socket-timeout = 9\nhttp11-socket=:8000\nsocket-timeout=7\nsocket-timeout=3\n[more]\nsocket-timeout = 1\n";
    assert_eq!(read(&src(text)).idle, secs(3));
    // atoi: a trailing comment or unit is ignored, text is 0.
    let r = read(&src(
        "[uwsgi]\nhttp11-socket = :80\nsocket-timeout = 2 ; two\n",
    ));
    assert_eq!(r.idle, secs(2));
    assert!(r.detail.contains("uWSGI reads it as 2"), "{}", r.detail);
    assert_eq!(
        read(&src("[uwsgi]\nhttp11-socket = :80\nsocket-timeout = 3s\n")).idle,
        secs(3)
    );
    assert_eq!(
        read(&src(
            "[uwsgi]\nhttp11-socket = :80\nsocket-timeout = true\n"
        ))
        .idle,
        secs(0)
    );
    // Underscores are not the option's name: ignored, and said so.
    let r = read(&src("[uwsgi]\nhttp11-socket = :80\nsocket_timeout = 30\n"));
    assert_eq!(r.idle, secs(4));
    assert!(
        r.detail
            .contains("socket_timeout = 30 at line 3 is ignored"),
        "{}",
        r.detail
    );
    // CRLF and a BOM before a comment line.
    let text = "\u{feff}; app\r\n[uwsgi]\r\nhttp11-socket = :80\r\nsocket-timeout = 6\r\n";
    assert_eq!(read(&src(text)).idle, secs(6));
}

#[test]
fn a_bom_before_the_header_hides_the_section() {
    let why = unknown("\u{feff}[uwsgi]\nhttp11-socket = :80\n");
    assert!(why.contains("byte-order mark"), "{why}");
}

#[test]
fn placeholders_blocks_and_includes_are_unknown() {
    let why = unknown("[uwsgi]\nhttp11-socket = :80\nsocket-timeout = %(t)\n");
    assert!(
        why.contains("socket-timeout = %(t) at line 3 uses a placeholder"),
        "{why}"
    );
    unknown("[uwsgi]\nhttp11-socket = :80\nsocket-timeout = $(TIMEOUT)\n");
    unknown("[uwsgi]\nhttp11-socket = :80\nsocket-timeout = @(/etc/t)\n");
    let why =
        unknown("[uwsgi]\nhttp11-socket = :80\nif-env = PROD\nsocket-timeout = 75\nendif =\n");
    assert!(why.contains("inside the block opened at line 3"), "{why}");
    // After the block closes, values count again.
    let text = "[uwsgi]\nhttp11-socket = :80\nif-env = PROD\nsocket-timeout = 75\nendif =\nsocket-timeout = 5\n";
    assert_eq!(read(&src(text)).idle, secs(5));
    unknown("[uwsgi]\nini = base.ini\nhttp11-socket = :80\n");
    unknown("[uwsgi]\nhttp11-socket = :80\nsocket-timeout = 5\nini = base.ini\n");
    unknown("[uwsgi]\nhttp11-socket = :80\nsocket-timeout = -1\n");
    unknown("[uwsgi]\nhttp11-socket = :80\nsocket-timeout = 99999999999\n");
    unknown("[uwsgi]\nmodule = app\n");
    unknown("module = app\n");
    unknown("[uwsgi]\nif-env = X\nhttp-socket = :80\nendif\n");
}

#[test]
fn http_socket_closes_after_each_response() {
    let text = "[uwsgi]\nhttp-socket = :8000\nsocket-timeout = 60\n";
    let r = read(&src(text));
    assert_eq!(
        (r.idle, r.kind),
        (Idle::AfterEachResponse, "uwsgi-http-socket")
    );
    let why = raise(&src(text), Duration::from_secs(61))
        .unwrap_err()
        .to_string();
    assert!(
        why.contains("http11-socket") && why.contains("keepalive 0"),
        "{why}"
    );
    // Unless it says so.
    let text = "[uwsgi]\nhttp-socket = :8000\nadd-header = Connection: close\n";
    assert_eq!(read(&src(text)).idle, Idle::NoKeepalive);
    assert!(raise(&src(text), Duration::from_secs(61)).is_err());
}

#[test]
fn the_router_needs_http_keepalive() {
    let r = read(&src("[uwsgi]\nhttp = :8000\nsocket = 127.0.0.1:3031\n"));
    assert_eq!((r.idle, r.kind), (Idle::AfterEachResponse, "uwsgi-http"));
    // 0, empty and `true` are all 0 to atoi.
    for v in ["0", "", "true"] {
        let text = format!("[uwsgi]\nhttp = :8000\nhttp-keepalive = {v}\n");
        assert_eq!(read(&src(&text)).idle, Idle::AfterEachResponse, "{v:?}");
    }
    assert_eq!(
        read(&src("[uwsgi]\nhttp = :8000\nhttp-keepalive = 20\n")).idle,
        secs(20)
    );
    // 1: wait http-timeout, 60s by default.
    let r = read(&src("[uwsgi]\nhttp = :8000\nhttp-keepalive = 1\n"));
    assert_eq!(r.idle, secs(60));
    assert!(r.detail.contains("default 60s"), "{}", r.detail);
    let text = "[uwsgi]\nhttp = :8000\nhttp-keepalive = 1\nhttp-timeout = 30\n";
    assert_eq!(read(&src(text)).idle, secs(30));
    let text = "[uwsgi]\nhttp = :8000\nhttp-keepalive = 1\nhttp-timeout = 0\n";
    assert_eq!(read(&src(text)).idle, secs(60));
}

#[test]
fn uwsgi_protocol_only_is_never_pooled() {
    let r = read(&src("[uwsgi]\nsocket = 127.0.0.1:3031\nmodule = app\n"));
    assert_eq!((r.idle, r.kind), (Idle::NoKeepalive, "uwsgi"));
    assert!(r.detail.contains("uwsgi_pass"), "{}", r.detail);
    assert!(raise(&src("[uwsgi]\nsocket = :3031\n"), Duration::from_secs(61)).is_err());
    unknown("[uwsgi]\nfastcgi-socket = :9000\n");
}

#[test]
fn several_modes_read_the_most_dangerous() {
    let text =
        "[uwsgi]\nhttp11-socket = :8000\nsocket-timeout = 30\nhttp = :8080\nhttp-keepalive = 10\n";
    let r = read(&src(text));
    assert_eq!((r.idle, r.kind), (secs(10), "uwsgi-http"));
    assert!(
        r.detail.contains("also serves uwsgi-http11"),
        "{}",
        r.detail
    );
    let text = "[uwsgi]\nhttp11-socket = :8000\nhttp-socket = :8001\n";
    assert_eq!(read(&src(text)).idle, Idle::AfterEachResponse);
    assert!(raise(&src(text), Duration::from_secs(61)).is_err());
    // Both raisable modes are raised.
    assert_eq!(
            raised("[uwsgi]\nhttp11-socket = :8000\nsocket-timeout = 30\nhttp = :8080\nhttp-keepalive = 10\n", 61),
            "[uwsgi]\nhttp11-socket = :8000\nsocket-timeout = 61\nhttp = :8080\nhttp-keepalive = 61\n"
        );
}

#[test]
fn raise_replaces_only_the_number() {
    assert_eq!(
        raised(HTTP11, 61),
        HTTP11.replace("socket-timeout = 2", "socket-timeout = 61")
    );
    // Rounded up to whole seconds; what follows the number stays.
    let text = "[uwsgi]\nhttp11-socket = :80\nsocket-timeout = 2 ; two\n";
    let edits = raise(&src(text), Duration::from_millis(60_001)).unwrap();
    assert_eq!(
        apply(text, &edits),
        "[uwsgi]\nhttp11-socket = :80\nsocket-timeout = 61 ; two\n"
    );
    assert_eq!(
        raised("[uwsgi]\nhttp11-socket = :80\nsocket-timeout = 3s\n", 61),
        "[uwsgi]\nhttp11-socket = :80\nsocket-timeout = 61\n"
    );
    assert_eq!(
        raised("[uwsgi]\nhttp = :80\nhttp-keepalive = 5\n", 61),
        "[uwsgi]\nhttp = :80\nhttp-keepalive = 61\n"
    );
    assert_eq!(
        raised(
            "[uwsgi]\nhttp = :80\nhttp-keepalive = 1\nhttp-timeout = 30\n",
            61
        ),
        "[uwsgi]\nhttp = :80\nhttp-keepalive = 1\nhttp-timeout = 61\n"
    );
    assert_eq!(
        raised("[uwsgi]\nhttp = :80\nhttp-keepalive =\n", 61),
        "[uwsgi]\nhttp = :80\nhttp-keepalive = 61\n"
    );
    assert_eq!(
        raised("[uwsgi]\nhttp = :80\nhttp-keepalive\n", 61),
        "[uwsgi]\nhttp = :80\nhttp-keepalive = 61\n"
    );
}

#[test]
fn raise_adds_the_missing_setting_in_style() {
    assert_eq!(
        raised(
            "[uwsgi]\nmodule = app\nhttp11-socket = :8000\nmaster = true\n",
            61
        ),
        "[uwsgi]\nmodule = app\nhttp11-socket = :8000\nsocket-timeout = 61\nmaster = true\n"
    );
    assert_eq!(
        raised("[uwsgi]\nhttp11-socket=:8000", 61),
        "[uwsgi]\nhttp11-socket=:8000\nsocket-timeout=61"
    );
    // Aligned `=` stay aligned.
    assert_eq!(
        raised("[uwsgi]\nhttp11-socket  = :8000\nprocesses      = 4\n", 75),
        "[uwsgi]\nhttp11-socket  = :8000\nsocket-timeout = 75\nprocesses      = 4\n"
    );
    assert_eq!(
        raised("[uwsgi]\n  http = :80\n  module = app\n", 61),
        "[uwsgi]\n  http = :80\n  http-keepalive = 61\n  module = app\n"
    );
    // http-keepalive = 1 without http-timeout: added after it.
    assert_eq!(
        raised("[uwsgi]\nhttp = :80\nhttp-keepalive = 1\n", 90),
        "[uwsgi]\nhttp = :80\nhttp-keepalive = 1\nhttp-timeout = 90\n"
    );
    // The router never gets 1, which would mean http-timeout.
    assert_eq!(
        raised("[uwsgi]\nhttp = :80\n", 1),
        "[uwsgi]\nhttp = :80\nhttp-keepalive = 2\n"
    );
}

#[test]
fn raise_keeps_crlf_and_bom() {
    let text = "\u{feff}; app\r\n[uwsgi]\r\nhttp11-socket = :8000\r\nmaster = true\r\n";
    assert_eq!(
            raised(text, 65),
            "\u{feff}; app\r\n[uwsgi]\r\nhttp11-socket = :8000\r\nsocket-timeout = 65\r\nmaster = true\r\n"
        );
    let text = "[uwsgi]\r\nhttp11-socket = :8000\r\nsocket-timeout = 4\r\n";
    assert_eq!(raised(text, 65), text.replace("= 4", "= 65"));
}

#[test]
fn enough_means_no_edits_and_unknown_means_err() {
    let text = "[uwsgi]\nhttp11-socket = :8000\nsocket-timeout = 75\n";
    assert_eq!(raise(&src(text), Duration::from_secs(61)), Ok(vec![]));
    let text = "[uwsgi]\nhttp = :8000\nhttp-keepalive = 1\n";
    assert_eq!(raise(&src(text), Duration::from_secs(60)), Ok(vec![]));
    let text = "[uwsgi]\nhttp11-socket = :8000\nsocket-timeout = %(t)\n";
    assert!(raise(&src(text), Duration::from_secs(61)).is_err());
    assert!(raise(&src("[uwsgi]\n"), Duration::from_secs(61)).is_err());
}

#[test]
fn the_example_reads_five_seconds_and_raises_in_place() {
    let text = include_str!("../../../../../examples/backends/uwsgi/uwsgi.ini");
    let r = read(&src(text));
    assert_eq!((r.idle, r.kind), (secs(5), "uwsgi-http11"));
    assert_eq!(
        raised(text, 61),
        text.replace("socket-timeout = 5", "socket-timeout = 61")
    );
}

#[test]
fn odd_input_does_not_panic() {
    for text in [
        "",
        "[",
        "[]",
        "[u",
        "\u{feff}",
        "[uwsgi]\n=",
        "[uwsgi]\n= 5",
        "[uwsgi]\nhttp11-socket\n",
        "[uwsgi]\nhttp11-socket = é\nsocket-timeout = é\n",
        "[uwsgié]",
        "[uwsgi]\nsocket-timeout = -\n",
        "[uwsgi]\nhttp = :1\nhttp-keepalive = +7\n",
    ] {
        let _ = read(&src(text));
        let _ = raise(&src(text), Duration::from_secs(61));
    }
}
