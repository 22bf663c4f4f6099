//! A kill in the middle of `ngxfix fix` never leaves a truncated config:
//! the new text goes to a temporary file that is renamed over the config,
//! so a reader only ever sees the whole old text or the whole new one.

use crate::common;

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A config with one fix and enough comment lines (about 1 MB) that writing
/// it takes a moment.
fn big_config() -> String {
    let mut text = String::from(
        "http {\n    upstream app { server 127.0.0.1:8000; keepalive 16; }\n    server {\n        proxy_set_header Connection \"\";\n        location / {\n            proxy_pass http://app;\n        }\n",
    );
    for i in 0..12_000 {
        text.push_str(&format!(
            "        # padding {i:06} so that the file takes a while to write ......\n"
        ));
    }
    text.push_str("    }\n}\n");
    text
}

fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".ngxfix-"))
        .collect()
}

#[test]
fn killed_runs_leave_the_old_or_the_new_text_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nginx.conf");
    let original = big_config();
    let fixed = original.replace(
        "proxy_pass http://app;\n",
        "proxy_pass http://app;\n            proxy_http_version 1.1;\n",
    );
    fs::write(&path, &original).unwrap();

    // A reader that checks every version of the file it can see.
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (path, stop, reads) = (path.clone(), Arc::clone(&stop), Arc::clone(&reads));
        let (original, fixed) = (original.clone().into_bytes(), fixed.clone().into_bytes());
        std::thread::spawn(move || {
            let mut bad = None;
            while !stop.load(Ordering::Relaxed) {
                let seen = fs::read(&path).unwrap();
                if seen != original && seen != fixed {
                    bad = Some(seen.len());
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
            bad
        })
    };

    let (mut mid_write, mut completed) = (0, 0);
    for round in 0..12u64 {
        let mut child = common::ngxfix()
            .args(common::without_gixy_pack(common::FIX_APP_IN_PLACE))
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill as soon as the temporary file exists, or a little later:
        // while it is being written, synced or renamed.
        let start = Instant::now();
        while temp_files(dir.path()).is_empty() && child.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < Duration::from_secs(60), "ngxfix hangs");
        }
        std::thread::sleep(Duration::from_micros(round * 300));
        let _ = child.kill();
        child.wait().unwrap();

        let now = fs::read_to_string(&path).unwrap();
        assert!(
            now == original || now == fixed,
            "round {round}: a mixed file"
        );
        if now == fixed {
            completed += 1;
            // Put the original back the same atomic way.
            let staging = dir.path().join("restore.tmp");
            fs::write(&staging, &original).unwrap();
            fs::rename(&staging, &path).unwrap();
        }
        for name in temp_files(dir.path()) {
            let leftover = dir.path().join(name);
            if leftover.is_dir() {
                // The recovery folder a killed run keeps on purpose.
                fs::remove_dir_all(leftover).unwrap();
            } else {
                mid_write += 1; // killed before the swap: a temporary copy
                fs::remove_file(leftover).unwrap();
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let bad = reader.join().unwrap();
    eprintln!(
        "12 killed runs: {mid_write} stopped before the rename, {completed} after it; {} reads",
        reads.load(Ordering::Relaxed)
    );
    assert_eq!(bad, None, "the reader saw a file that is neither version");
    assert!(
        mid_write > 0,
        "no kill landed while the temporary file was written"
    );
}
