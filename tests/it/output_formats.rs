//! The machine-readable outputs of `ngxfix check`, checked against their
//! documented structure: the JSON schema of `docs/json-output.md` and the
//! parts of SARIF 2.1.0 we fill (required properties, regions, fixes).

use crate::common;

use std::fs;
use std::path::Path;

use common::run_keepalive as run;
use serde_json::Value;

/// A tree with findings of every kind of fix: an insertion in an included
/// file, a replacement, and a finding without a fix (no backend known for
/// the timeout rule's fix would need one: here it is declared). `/api`
/// reuses its connections, so the timeout rule has something to say.
fn sample(dir: &Path) -> String {
    fs::create_dir_all(dir.join("conf.d")).unwrap();
    fs::write(
        dir.join("nginx.conf"),
        "events {}\nhttp {\n    include conf.d/*.conf;\n    map $http_upgrade $connection_upgrade {\n        default upgrade;\n        ''      close;\n    }\n}\n",
    )
    .unwrap();
    fs::write(
        dir.join("conf.d/app.conf"),
        "upstream app {\n    server 127.0.0.1:8000;\n    keepalive 16;\n    least_conn;\n}\nserver {\n    location / {\n        proxy_pass http://app;\n        proxy_http_version 1.0;\n    }\n    location /ws {\n        proxy_pass http://app;\n        proxy_http_version 1.1;\n        proxy_set_header Connection $connection_upgrade;\n    }\n    location /api {\n        proxy_pass http://app;\n        proxy_http_version 1.1;\n        proxy_set_header Connection \"\";\n    }\n}\n",
    )
    .unwrap();
    dir.join("nginx.conf").display().to_string()
}

fn check(format: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let conf = sample(dir.path());
    let output = run(
        &["check", "--format", format, "--backend", "app=5s", &conf],
        None,
        Some(dir.path()),
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Str,
    Int,
    Obj,
    Arr,
    StrOrNull,
    ObjOrNull,
}

fn is(value: &Value, kind: Kind) -> bool {
    match kind {
        Kind::Str => value.is_string(),
        Kind::Int => value.is_u64(),
        Kind::Obj => value.is_object(),
        Kind::Arr => value.is_array(),
        Kind::StrOrNull => value.is_string() || value.is_null(),
        Kind::ObjOrNull => value.is_object() || value.is_null(),
    }
}

/// Exactly these keys, each of its kind.
fn shape(value: &Value, fields: &[(&str, Kind)], what: &str) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object"));
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut documented: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    documented.sort_unstable();
    assert_eq!(
        keys, documented,
        "{what}: keys differ from the documented schema"
    );
    for (key, kind) in fields {
        assert!(
            is(&object[*key], *kind),
            "{what}.{key} should be {kind:?}: {}",
            object[*key]
        );
    }
}

const POSITION: &[(&str, Kind)] = &[("line", Kind::Int), ("column", Kind::Int)];

const FINDING: &[(&str, Kind)] = &[
    ("rule", Kind::Str),
    ("severity", Kind::Str),
    ("title", Kind::Str),
    ("message", Kind::Str),
    ("path", Kind::Str),
    ("start", Kind::Obj),
    ("end", Kind::Obj),
    ("start_byte", Kind::Int),
    ("end_byte", Kind::Int),
    ("excerpt", Kind::Str),
    ("fix", Kind::ObjOrNull),
    ("fix_unavailable", Kind::StrOrNull),
];

const FIX: &[(&str, Kind)] = &[
    ("title", Kind::Str),
    ("safety", Kind::Str),
    ("edits", Kind::Arr),
];

const EDIT: &[(&str, Kind)] = &[
    ("path", Kind::Str),
    ("start_byte", Kind::Int),
    ("end_byte", Kind::Int),
    ("start", Kind::Obj),
    ("end", Kind::Obj),
    ("text", Kind::Str),
];

#[test]
fn json_output_follows_the_documented_schema() {
    let report = check("json");
    shape(
        &report,
        &[
            ("schema_version", Kind::Int),
            ("tool", Kind::Obj),
            ("nginx_version", Kind::Str),
            ("nginx_version_from", Kind::Str),
            ("inputs", Kind::Arr),
            ("findings", Kind::Arr),
            ("summary", Kind::Obj),
        ],
        "report",
    );
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 1);
    shape(
        &inputs[0],
        &[
            ("path", Kind::Str),
            ("context", Kind::Str),
            ("context_from", Kind::Str),
            ("files_read", Kind::Int),
            ("skipped_includes", Kind::Int),
        ],
        "input",
    );
    assert_eq!(inputs[0]["context"], "main");
    assert_eq!(inputs[0]["context_from"], "main");
    assert_eq!(inputs[0]["files_read"], 2);
    assert_eq!(report["schema_version"], 1);
    shape(
        &report["tool"],
        &[("name", Kind::Str), ("version", Kind::Str)],
        "tool",
    );
    let summary = &report["summary"];
    shape(
        summary,
        &[
            ("findings", Kind::Int),
            ("errors", Kind::Int),
            ("warnings", Kind::Int),
            ("info", Kind::Int),
            ("fixable", Kind::Int),
        ],
        "summary",
    );
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(summary["findings"], findings.len());
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "websocket-map-close",
            "upstream-keepalive-timeout",
            "balancer-after-keepalive",
            "proxy-connection-close",
            "proxy-http-version",
        ]
    );
    for finding in findings {
        shape(finding, FINDING, "finding");
        shape(&finding["start"], POSITION, "finding.start");
        shape(&finding["end"], POSITION, "finding.end");
        assert!(["error", "warning", "info"].contains(&finding["severity"].as_str().unwrap()));
        let fix = &finding["fix"];
        shape(fix, FIX, "fix");
        assert!(["safe", "unsafe", "display-only"].contains(&fix["safety"].as_str().unwrap()));
        for edit in fix["edits"].as_array().unwrap() {
            shape(edit, EDIT, "edit");
            shape(&edit["start"], POSITION, "edit.start");
            assert!(edit["start_byte"].as_u64() <= edit["end_byte"].as_u64());
        }
    }
    // Byte offsets and positions point at the same place.
    let version = &findings[4];
    assert!(version["path"]
        .as_str()
        .unwrap()
        .ends_with("conf.d/app.conf"));
    let edit = &version["fix"]["edits"][0];
    assert_eq!(
        (
            edit["start"]["line"].as_u64(),
            edit["start"]["column"].as_u64()
        ),
        (Some(9), Some(28))
    );
    assert_eq!(edit["text"], "1.1");
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json-output.md"))
            .expect("docs/json-output.md documents the schema");
    for (field, _) in FINDING.iter().chain(FIX).chain(EDIT) {
        assert!(
            text.contains(&format!("`{field}`")),
            "docs/json-output.md does not document `{field}`"
        );
    }
}

fn required(value: &Value, keys: &[&str], what: &str) {
    for key in keys {
        assert!(
            value.get(key).is_some(),
            "SARIF {what} lacks required `{key}`: {value}"
        );
    }
}

fn region_is_valid(region: &Value) {
    for key in ["startLine", "startColumn", "endLine", "endColumn"] {
        assert!(
            region[key].as_u64().is_some_and(|n| n >= 1),
            "region {key} must be >= 1: {region}"
        );
    }
    let start = (region["startLine"].as_u64(), region["startColumn"].as_u64());
    let end = (region["endLine"].as_u64(), region["endColumn"].as_u64());
    assert!(start <= end, "region ends before it starts: {region}");
}

#[test]
fn sarif_output_has_the_required_2_1_0_structure() {
    let log = check("sarif");
    required(&log, &["version", "runs"], "log");
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    required(run, &["tool", "results"], "run");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    required(driver, &["name", "rules"], "driver");
    let descriptors = driver["rules"].as_array().unwrap();
    for descriptor in descriptors {
        required(
            descriptor,
            &["id", "shortDescription", "defaultConfiguration"],
            "reportingDescriptor",
        );
        required(
            &descriptor["shortDescription"],
            &["text"],
            "shortDescription",
        );
        assert!(["note", "warning", "error"].contains(
            &descriptor["defaultConfiguration"]["level"]
                .as_str()
                .unwrap()
        ));
        if let Some(uri) = descriptor.get("helpUri") {
            assert!(uri.is_string(), "helpUri must be a string");
        }
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for result in results {
        required(
            result,
            &["ruleId", "message", "locations", "level"],
            "result",
        );
        required(&result["message"], &["text"], "message");
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            descriptors[index]["id"], result["ruleId"],
            "ruleIndex points at the rule"
        );
        let location = &result["locations"][0]["physicalLocation"];
        required(
            location,
            &["artifactLocation", "region"],
            "physicalLocation",
        );
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.contains(' ') && !uri.contains('\\'),
            "uri must be a URI reference: {uri}"
        );
        region_is_valid(&location["region"]);
        let fixes = result["fixes"]
            .as_array()
            .expect("every sample finding has a fix");
        for fix in fixes {
            required(fix, &["description", "artifactChanges"], "fix");
            let changes = fix["artifactChanges"].as_array().unwrap();
            assert!(!changes.is_empty());
            for change in changes {
                required(
                    change,
                    &["artifactLocation", "replacements"],
                    "artifactChange",
                );
                for replacement in change["replacements"].as_array().unwrap() {
                    required(replacement, &["deletedRegion"], "replacement");
                    let region = &replacement["deletedRegion"];
                    region_is_valid(region);
                    assert!(region["byteOffset"].is_u64() && region["byteLength"].is_u64());
                    if let Some(inserted) = replacement.get("insertedContent") {
                        required(inserted, &["text"], "insertedContent");
                    }
                }
            }
        }
    }
    // The balancer fix moves a line: a deletion and an insertion.
    let balancer = results
        .iter()
        .find(|r| r["ruleId"] == "balancer-after-keepalive")
        .unwrap();
    let replacements = balancer["fixes"][0]["artifactChanges"][0]["replacements"]
        .as_array()
        .unwrap();
    let kinds: Vec<(u64, &str)> = replacements
        .iter()
        .map(|r| {
            (
                r["deletedRegion"]["byteLength"].as_u64().unwrap(),
                r["insertedContent"]["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [(0, "    least_conn;\n"), (16, "")]);
}

/// `check --format gitlab` on the sample, from its folder (the paths
/// relative, as GitLab wants them): the report's text and its issues.
fn gitlab(dir: &Path, main: &str) -> (String, Vec<Value>) {
    let output = run(
        &["check", "--format", "gitlab", "--backend", "app=5s", main],
        None,
        Some(dir),
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let issues: Value = serde_json::from_str(&text).unwrap();
    (text, issues.as_array().expect("an array of issues").clone())
}

/// Each issue's rule, path and fingerprint (the line left out).
fn fingerprints(issues: &[Value]) -> Vec<(String, String, String)> {
    issues
        .iter()
        .map(|issue| {
            (
                issue["check_name"].as_str().unwrap().to_string(),
                issue["location"]["path"].as_str().unwrap().to_string(),
                issue["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn gitlab_output_is_a_code_quality_report() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let (text, issues) = gitlab(dir.path(), "nginx.conf");
    assert_eq!(issues.len(), 5);
    for issue in &issues {
        shape(
            issue,
            &[
                ("description", Kind::Str),
                ("check_name", Kind::Str),
                ("fingerprint", Kind::Str),
                ("severity", Kind::Str),
                ("location", Kind::Obj),
            ],
            "issue",
        );
        shape(
            &issue["location"],
            &[("path", Kind::Str), ("lines", Kind::Obj)],
            "issue.location",
        );
        shape(
            &issue["location"]["lines"],
            &[("begin", Kind::Int)],
            "issue.location.lines",
        );
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().unwrap()));
        let fingerprint = issue["fingerprint"].as_str().unwrap();
        assert!(
            fingerprint.len() == 32 && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()),
            "{fingerprint}"
        );
    }
    let mut unique: Vec<String> = fingerprints(&issues).into_iter().map(|f| f.2).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), issues.len(), "one fingerprint per issue");
    insta::assert_snapshot!("gitlab", text);
}

#[test]
fn gitlab_fingerprints_survive_an_edit_above_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let (_, before) = gitlab(dir.path(), "nginx.conf");
    // `./nginx.conf` names the same files: the same fingerprints.
    let (_, dotted) = gitlab(dir.path(), "./nginx.conf");
    assert_eq!(fingerprints(&dotted), fingerprints(&before));
    // Lines inserted at the top of both files move every finding down.
    for name in ["nginx.conf", "conf.d/app.conf"] {
        let path = dir.path().join(name);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, format!("# managed by hand\n# since today\n\n{text}")).unwrap();
    }
    let (_, after) = gitlab(dir.path(), "nginx.conf");
    let lines = |issues: &[Value]| -> Vec<u64> {
        issues
            .iter()
            .map(|i| i["location"]["lines"]["begin"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(
        lines(&after),
        lines(&before).iter().map(|l| l + 3).collect::<Vec<_>>()
    );
    assert_eq!(fingerprints(&after), fingerprints(&before));
    // An edit of the directive a finding points at makes it another
    // finding to GitLab; the others keep theirs.
    let app = dir.path().join("conf.d/app.conf");
    let text = fs::read_to_string(&app).unwrap();
    fs::write(&app, text.replacen("least_conn;", "ip_hash;", 1)).unwrap();
    let (_, edited) = gitlab(dir.path(), "nginx.conf");
    let changed: Vec<String> = fingerprints(&edited)
        .into_iter()
        .filter(|print| !fingerprints(&before).contains(print))
        .map(|(rule, _, _)| rule)
        .collect();
    assert_eq!(edited.len(), before.len());
    assert_eq!(changed, ["balancer-after-keepalive"]);
}
