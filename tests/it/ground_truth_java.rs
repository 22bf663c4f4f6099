//! Ground truth for the Tomcat reader: a real Tomcat runs a `server.xml`
//! with one HTTP connector per case, each connector's idle close is
//! measured, and `ngxfix::backends` reads the same connector.
//!
//! Install (Debian 12 bookworm; about 3 s and 7.7 MB on top of a JRE,
//! `openjdk-17-jre-headless` or `default-jre-headless`):
//!
//! ```sh
//! apt-get install -y --no-install-recommends \
//!     tomcat10-common=10.1.60-1~deb12u1 libtomcat10-java=10.1.60-1~deb12u1
//! ```
//!
//! This gives `/usr/share/tomcat10/bin/catalina.sh` (or set
//! `CATALINA_HOME`); the test runs it with a temporary `CATALINA_BASE`.
//! Without Tomcat the test prints why and passes, unless
//! `NGXFIX_REQUIRE_BACKENDS=1`.
//!
//! Spring Boot cannot be fetched from this machine's registries (no Maven
//! Central): its reader has unit tests only. Its embedded Tomcat gets the
//! same `keepAliveTimeout` this test measures.
//!
//! Tolerance: Tomcat's NIO poller looks for timed-out sockets each time
//! its `select()` returns, at least once a second (`selectorTimeout`
//! 1000 ms), so an idle connection closes between its timeout and about a
//! second later; measured must be in [read - 50 ms, read + 1300 ms].

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::idle::{free_port, idle_close, Closed, Server};
use common::servers::{catalina_home, catalina_run};
use ngxfix::backends::{Idle, Source};

/// How long a connection may stay open before "no idle timeout" is
/// concluded.
const NEVER_LIMIT: Duration = Duration::from_secs(4);

fn java_runs() -> bool {
    Command::new("java")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Tomcat's home, or why the test is skipped (a failure with
/// `NGXFIX_REQUIRE_BACKENDS=1`).
fn tomcat() -> Option<PathBuf> {
    let why = match (catalina_home(), java_runs()) {
        (Some(home), true) => return Some(home),
        (None, _) => {
            "Tomcat is not installed (no /usr/share/tomcat10/bin/catalina.sh, CATALINA_HOME unset)"
        }
        (Some(_), false) => "java does not run",
    };
    assert!(
        std::env::var_os("NGXFIX_REQUIRE_BACKENDS").is_none_or(|v| v != "1"),
        "NGXFIX_REQUIRE_BACKENDS=1 but {why}"
    );
    eprintln!("skipped: {why}");
    None
}

/// One connector to measure: its attributes (after `port` and `address`)
/// and the line breaks and indentation it is written with.
struct Case {
    name: &'static str,
    attrs: &'static str,
    /// Raise the connector to this many milliseconds with `raise` first.
    raise_to: Option<u64>,
}

const CASES: &[Case] = &[
    Case {
        name: "keepAliveTimeout",
        attrs: r#"protocol="HTTP/1.1" connectionTimeout="3000" keepAliveTimeout="2000""#,
        raise_to: None,
    },
    Case {
        name: "connectionTimeout fallback",
        attrs: r#"protocol="org.apache.coyote.http11.Http11NioProtocol" connectionTimeout="1500""#,
        raise_to: None,
    },
    Case {
        name: "keepAliveTimeout -1",
        attrs: r#"connectionTimeout="1500" keepAliveTimeout="-1""#,
        raise_to: None,
    },
    Case {
        name: "keepAliveTimeout 0",
        attrs: r#"connectionTimeout="1500" keepAliveTimeout="0""#,
        raise_to: None,
    },
    Case {
        name: "maxKeepAliveRequests 1",
        attrs: r#"keepAliveTimeout="2000" maxKeepAliveRequests="1""#,
        raise_to: None,
    },
    Case {
        name: "raised from connectionTimeout 1000 to 2500",
        attrs: "protocol=\"HTTP/1.1\"\n               connectionTimeout=\"1000\"\n               redirectPort=\"8443\"\n               ",
        raise_to: Some(2500),
    },
];

fn connector(port: u16, attrs: &str) -> String {
    format!("    <Connector port=\"{port}\" address=\"127.0.0.1\" {attrs}/>\n")
}

fn server_xml(connectors: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Server port=\"-1\" shutdown=\"SHUTDOWN\">\n  <Service name=\"Catalina\">\n    <!-- <Connector port=\"1\" keepAliveTimeout=\"1\"/> -->\n{connectors}    <Engine name=\"Catalina\" defaultHost=\"localhost\">\n      <Host name=\"localhost\" appBase=\"webapps\" unpackWARs=\"false\" autoDeploy=\"false\"/>\n    </Engine>\n  </Service>\n</Server>\n"
    )
}

fn read(text: &str) -> Idle {
    let format = ngxfix::backends::format("tomcat").expect("the tomcat format");
    format
        .read(&Source {
            path: "server.xml",
            text,
            version: None,
        })
        .idle
}

/// A single-connector server.xml, raised first when the case says so.
fn case_file(case: &Case, port: u16) -> String {
    let text = server_xml(&connector(port, case.attrs));
    let Some(ms) = case.raise_to else {
        return text;
    };
    let format = ngxfix::backends::format("tomcat").expect("the tomcat format");
    let src = Source {
        path: "server.xml",
        text: &text,
        version: None,
    };
    let edits = format
        .raise(&src, ngxfix::model::Duration::from_millis(ms))
        .expect("raisable");
    let edits: Vec<_> = edits.iter().collect();
    ngxfix::text::apply_str(&text, &edits).expect("edits that apply")
}

/// The `<Connector .../>` element of a one-connector file.
fn connector_of(file: &str) -> &str {
    let start = file.find("    <Connector port").expect("a connector");
    let end = start + file[start..].find("/>\n").expect("its end") + 3;
    &file[start..end]
}

fn start_tomcat(home: &Path, base: &Path, xml: &str, port: u16) -> Server {
    for dir in ["conf", "logs", "temp", "work", "webapps"] {
        std::fs::create_dir_all(base.join(dir)).expect("CATALINA_BASE folders");
    }
    std::fs::write(base.join("conf/server.xml"), xml).expect("server.xml written");
    let command = catalina_run(home, base);
    match Server::start(command, port, Duration::from_secs(40)) {
        Ok(server) => server,
        Err(why) => panic!(
            "{why}\n{}",
            std::fs::read_to_string(base.join("logs/run.log")).unwrap_or_default()
        ),
    }
}

/// Whether `measured` is what `read` says Tomcat does.
fn agrees(read: &Idle, measured: &Closed) -> bool {
    match (read, measured) {
        (Idle::After(d), Closed::After(m)) => {
            let want = Duration::from_millis(d.as_millis());
            *m + Duration::from_millis(50) >= want && *m <= want + Duration::from_millis(1300)
        }
        (Idle::Never, Closed::NotWithin(_)) => true,
        (Idle::NoKeepalive, Closed::Announced) => true,
        _ => false,
    }
}

#[test]
fn tomcat_closes_idle_connections_when_ngxfix_reads_it_does() {
    let Some(home) = tomcat() else {
        return;
    };
    let base = tempfile::tempdir().expect("a CATALINA_BASE");
    let ports: Vec<u16> = CASES.iter().map(|_| free_port()).collect();
    let files: Vec<String> = CASES
        .iter()
        .zip(&ports)
        .map(|(case, &port)| case_file(case, port))
        .collect();
    // One Tomcat with every case's connector, as written in its own file.
    let all: String = files.iter().map(|f| connector_of(f)).collect();
    let combined = server_xml(&all);
    let _tomcat = start_tomcat(&home, base.path(), &combined, ports[ports.len() - 1]);

    let measured: Vec<Result<Closed, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = ports
            .iter()
            .map(|&port| s.spawn(move || idle_close(port, NEVER_LIMIT)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a measuring thread"))
            .collect()
    });

    let mut failures = Vec::new();
    for ((case, file), measured) in CASES.iter().zip(&files).zip(&measured) {
        let read = read(file);
        eprintln!(
            "{:<45} read {:<28} measured {measured:?}",
            case.name,
            read.to_string()
        );
        match measured {
            Ok(m) if agrees(&read, m) => {}
            other => failures.push(format!("{}: read {read:?}, measured {other:?}", case.name)),
        }
    }
    // The whole file reads as its shortest connector.
    let shortest = read(&combined);
    eprintln!("{:<45} read {shortest}", "all connectors in one server.xml");
    if shortest != Idle::After(ngxfix::model::Duration::from_millis(1500)) {
        failures.push(format!("the combined file reads {shortest:?}, not 1500 ms"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
