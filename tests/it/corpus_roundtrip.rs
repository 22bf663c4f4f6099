//! Every configuration file of the shared corpus prints back byte for byte
//! (`ngxfix parse --format source` through the real binary), and the files
//! nginx rejects get nginx's error, with line and column, and exit code 2.

use crate::common;

use std::collections::BTreeMap;

use common::{corpus_dir, files_under, is_config, run};

/// Files nginx itself refuses, with the error it gives (checked against
/// nginx 1.22's `nginx -t` where the file is a whole config), as
/// (folders, file in each folder, `line:col: message`).
fn expected_errors() -> BTreeMap<String, &'static str> {
    const ALL_CROSSPLANE: &[&str] = &[
        "crossplane/tests/configs",
        "go-crossplane/testdata/configs",
        "go-crossplane/testdata/configs/testdata",
    ];
    const BOTH_CROSSPLANE: &[&str] =
        &["crossplane/tests/configs", "go-crossplane/testdata/configs"];
    const GO: &[&str] = &[
        "go-crossplane/testdata/configs",
        "go-crossplane/testdata/configs/testdata",
    ];
    const UBUNTU: &[&str] = &["certbot-etc-nginx/ubuntu_nginx_1_4_6/default_vhost/nginx"];
    let cases: &[(&[&str], &str, &str)] = &[
        // Deliberately broken files of the corpora.
        (
            &["certbot-etc-nginx"],
            "broken.conf",
            "13:1: unexpected end of file",
        ),
        (
            ALL_CROSSPLANE,
            "quote-behavior/nginx.conf",
            "1:21: unexpected \"-\"",
        ),
        (
            ALL_CROSSPLANE,
            "includes-globbed/servers/locations/not-included.conf",
            "3:1: unexpected end of file, expecting \";\" or \"}\"",
        ),
        (
            ALL_CROSSPLANE,
            "includes-regular/conf.d/bar.conf",
            "3:1: unexpected end of file, expecting \";\" or \"}\"",
        ),
        (
            ALL_CROSSPLANE,
            "includes-regular/conf.d/foo.conf",
            "3:1: unexpected end of file, expecting \";\" or \"}\"",
        ),
        (
            BOTH_CROSSPLANE,
            "missing-semicolon/broken-above.conf",
            "5:9: unexpected \"}\"",
        ),
        (
            BOTH_CROSSPLANE,
            "missing-semicolon/broken-below.conf",
            "8:9: unexpected \"}\"",
        ),
        (GO, "braces/extra-brace.conf", "11:2: unexpected \"}\""),
        (
            GO,
            "braces/missing-brace.conf",
            "23:1: unexpected end of file, expecting \"}\"",
        ),
        (
            GO,
            "missing-semicolon-above/nginx.conf",
            "5:9: unexpected \"}\"",
        ),
        (
            GO,
            "missing-semicolon-below/nginx.conf",
            "8:9: unexpected \"}\"",
        ),
        (
            &["go-crossplane/testdata/configs"],
            "premature-eof/nginx.conf",
            "3:15: unexpected end of file",
        ),
        // Not nginx syntax: an ini file.
        (
            UBUNTU,
            "naxsi-ui.conf.1.4.1",
            "17:1: unexpected end of file",
        ),
    ];
    let mut map = BTreeMap::new();
    for (dirs, file, error) in cases {
        for dir in *dirs {
            map.insert(format!("{dir}/{file}"), *error);
        }
    }
    map
}

#[test]
fn every_corpus_file_round_trips_or_fails_like_nginx() {
    let corpus = corpus_dir();
    let expected = expected_errors();
    let mut round_tripped = 0;
    let mut rejected = 0;
    let mut bytes = 0;
    let mut failures = Vec::new();
    let mut seen_expected = 0;

    for path in files_under(&corpus).into_iter().filter(|p| is_config(p)) {
        let relative = path
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // `sites-enabled/default` is a symbolic link, which the checkout
        // may have stored as a file holding its target's path: nginx reads
        // the target, and so does the test.
        let path = common::follow_link(&path);
        let input = std::fs::read(&path).unwrap();
        let out = run(
            &[
                "parse",
                "--no-includes",
                "--format",
                "source",
                path.to_str().unwrap(),
            ],
            None,
            None,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        match expected.get(relative.as_str()) {
            None => {
                if out.status.code() == Some(0) && out.stdout == input {
                    round_tripped += 1;
                    bytes += input.len();
                } else {
                    failures.push(format!(
                        "{relative}: exit {:?}, {stderr}",
                        out.status.code()
                    ));
                }
            }
            Some(error) => {
                seen_expected += 1;
                let wanted = format!("{}:{error}", path.display());
                if out.status.code() == Some(2)
                    && out.stdout.is_empty()
                    && stderr.contains(&wanted)
                    && stderr.contains('^')
                {
                    rejected += 1;
                } else {
                    failures.push(format!(
                        "{relative}: expected exit 2 with {wanted:?}, got exit {:?}: {stderr}",
                        out.status.code()
                    ));
                }
            }
        }
    }
    println!("corpus: {round_tripped} files round-tripped byte for byte ({bytes} bytes), {rejected} rejected as nginx would");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        seen_expected,
        expected.len(),
        "every listed broken file was found"
    );
    assert!(round_tripped > 150, "the corpus was found and read");
}

/// go-crossplane's 1.3 MB real-world config, shipped compressed.
#[test]
fn large_real_world_config_round_trips() {
    use std::io::Read;
    let packed = corpus_dir().join("go-crossplane/testdata/configs/large-config/nginx.conf.bz2");
    let mut text = Vec::new();
    bzip2::read::BzDecoder::new(std::fs::File::open(&packed).unwrap())
        .read_to_end(&mut text)
        .unwrap();
    assert!(text.len() > 1_000_000);
    let result = run(&["parse", "--format", "source", "-"], Some(&text), None);
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(result.stdout == text, "large-config did not round-trip");
    println!("large-config: {} bytes round-tripped", text.len());
}

/// The corpus's `sites-enabled/default` may arrive as a real link or as
/// a file holding the link's target: both read as the target.
#[test]
fn links_are_followed_however_the_checkout_stored_them() {
    let dir = tempfile::tempdir().unwrap();
    let available = dir.path().join("sites-available");
    let enabled = dir.path().join("sites-enabled");
    std::fs::create_dir_all(&available).unwrap();
    std::fs::create_dir_all(&enabled).unwrap();
    std::fs::write(available.join("default"), "server { listen 80; }\n").unwrap();
    std::fs::write(enabled.join("as-text"), "../sites-available/default").unwrap();
    std::os::unix::fs::symlink("../sites-available/default", enabled.join("as-link")).unwrap();
    std::fs::write(enabled.join("plain"), "server { listen 81; }\n").unwrap();
    for name in ["as-text", "as-link"] {
        let followed = common::follow_link(&enabled.join(name));
        assert_eq!(
            std::fs::read_to_string(&followed).unwrap(),
            "server { listen 80; }\n",
            "{name}"
        );
    }
    assert_eq!(
        common::follow_link(&enabled.join("plain")),
        enabled.join("plain")
    );
}
