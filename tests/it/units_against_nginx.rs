//! Ground truth for duration and size parsing: for each value, nginx accepts
//! it exactly when `ngxfix::model` does. Runs where nginx is installed.

use crate::common;

use std::process::Command;

use ngxfix::model::units::{Duration, Size, TimeSlot};

fn nginx_accepts(directive: &str, value: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("nginx.conf");
    let text = format!(
        "pid {0}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{ access_log off; {directive} \"{value}\"; }}\n",
        dir.path().display()
    );
    std::fs::write(&conf, text).unwrap();
    let out = Command::new("nginx")
        .args(["-t", "-q", "-p"])
        .arg(dir.path())
        .arg("-c")
        .arg(&conf)
        .output()
        .unwrap();
    out.status.success()
}

#[test]
fn durations_and_sizes_agree_with_nginx() {
    if !common::nginx_available() {
        return;
    }
    let durations = [
        "60",
        "75s",
        "750ms",
        "1m30s",
        "1h 30m",
        "1h  30m 5s",
        "1s500ms",
        "1s 500ms",
        "1s500",
        "10 ",
        "10 5s",
        "30s1m",
        "1s1s",
        "10x",
        "s",
        "",
        "1M",
        "1y",
        "2w",
        "1d",
        "0",
        "5S",
        "1.5s",
    ];
    for value in durations {
        // keepalive_timeout: milliseconds slot; ssl_session_timeout: seconds slot.
        let ours = Duration::parse(value, TimeSlot::Milliseconds).is_ok();
        assert_eq!(
            nginx_accepts("keepalive_timeout", value),
            ours,
            "keepalive_timeout {value:?}"
        );
        let ours = Duration::parse(value, TimeSlot::Seconds).is_ok();
        assert_eq!(
            nginx_accepts("ssl_session_timeout", value),
            ours,
            "ssl_session_timeout {value:?}"
        );
    }
    for value in ["512", "10m", "8K", "1g", "1.5m", "m", "10 m", "", "1t"] {
        let ours = Size::parse(value).is_ok();
        assert_eq!(
            nginx_accepts("client_max_body_size", value),
            ours,
            "client_max_body_size {value:?}"
        );
    }
}
