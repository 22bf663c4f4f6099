//! `ngxfix parse --format crossplane` against the crossplane JSON shipped in
//! the corpus (go-crossplane's `nginx.json`, made by Python crossplane, and
//! `xp.json`, made by the Go one). Directives, arguments, lines, nesting,
//! comments and include links are compared. Every golden must agree, except
//! the ones listed in `documented_differences`, which must differ for the
//! stated reason (so the list cannot go stale). docs/parser.md carries the same
//! list for users.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{corpus_dir, files_under, run};

/// Golden (relative to go-crossplane/testdata/configs) → the differences it
/// must show: (a fragment of the difference, why ngxfix differs). An empty
/// fragment explains every difference of that golden (a stale golden).
fn documented_differences() -> BTreeMap<&'static str, Vec<(&'static str, &'static str)>> {
    let invalid = "the file is invalid nginx (nginx 1.22 rejects it with the same message); crossplane accepts it";
    let stale = "the golden was made from an older version of the corpus file";
    let between =
        "a comment between arguments keeps its own line; crossplane gives it the directive's line";
    let fragment = "a fragment without any include; the golden was made with another main file whose include failed";
    let not_included = "its glob reaches not-included.conf, which is invalid nginx";
    let lua_comment = "crossplane drops the first character of the line after a Lua `--` comment (\"ocal data\"); the Lua code is kept byte for byte here";
    let comment_lines = vec![
        ("\"#\": line differs: ngxfix 3 vs crossplane 2", between),
        ("\"#\": line differs: ngxfix 4 vs crossplane 2", between),
        ("\"#\": line differs: ngxfix 5 vs crossplane 2", between),
    ];
    BTreeMap::from([
        ("quote-behavior/nginx.json", vec![("unexpected \"-\"", invalid)]),
        ("quote-behavior/xp.json", vec![("unexpected \"-\"", invalid)]),
        ("missing-semicolon/broken-above.json", vec![("unexpected \"}\"", invalid)]),
        ("missing-semicolon/broken-below.json", vec![("unexpected \"}\"", invalid)]),
        ("includes-globbed/servers/locations/not-included.json", vec![("unexpected end of file", invalid)]),
        ("includes-globbed/servers/server1.json", vec![("unexpected end of file", not_included)]),
        ("includes-globbed/servers/server2.json", vec![("unexpected end of file", not_included)]),
        ("bad-args/nginx.json", vec![("status: crossplane says \"failed\"", "Python crossplane's directive analyzer rejects `user;` for its argument count; `ngxfix parse` is syntax only, argument checks belong to `ngxfix check` (Go crossplane's xp.json agrees with ngxfix)")]),
        ("includes-globbed/locations/location1.json", vec![("status: crossplane says \"failed\"", fragment)]),
        ("includes-globbed/locations/location2.json", vec![("status: crossplane says \"failed\"", fragment)]),
        ("comments-between-args/nginx.json", comment_lines.clone()),
        ("comments-between-args/xp.json", comment_lines),
        ("messy/nginx.json", vec![
            ("comment differs", "nginx ends a comment at the line feed whatever precedes it (ngx_conf_read_token checks `sharp_comment` before backslashes); Python crossplane drops a backslash that ends a comment line"),
            ("args differs: ngxfix [\"/abc/${uri}\",\"/abc/${uri}.html\",\"=404\"]", "Python crossplane merges the argument after `${var}` into it (its token-merge bug, fixed in Go crossplane PR #66); nginx sees three arguments"),
        ]),
        ("lua-block-larger/nginx.json", vec![("ocal data", lua_comment)]),
        ("lua-block-larger/xp.json", vec![("ocal data", lua_comment)]),
        ("lua-block-tricky/xp.json", vec![("", "Go crossplane cannot read `set_by_lua_block $var {` and swallows the following directives into one name (go-crossplane #177); OpenResty and Python crossplane read it")]),
        ("lua-basic/nginx.json", vec![("", stale)]),
        ("lua-basic/xp.json", vec![("", stale)]),
        ("includes-regular/nginx.json", vec![("", stale)]),
        ("includes-regular/xp.json", vec![("", stale)]),
        ("directive-with-space/nginx.json", vec![("entries vs", stale)]),
        ("directive-with-space/xp.json", vec![("entries vs", stale)]),
        ("with-comments/nginx.json", vec![("entries vs", stale)]),
        ("with-comments/xp.json", vec![("entries vs", stale)]),
    ])
}

/// A golden's paths look like `testdata/configs/X` or `python/X`.
fn corpus_path(base: &Path, golden_file: &str) -> PathBuf {
    let relative = golden_file
        .split_once("configs/")
        .or_else(|| golden_file.split_once("python/"))
        .map_or(golden_file, |(_, rest)| rest);
    base.join(relative)
}

fn suffix_after_configs(path: &str) -> String {
    corpus_path(Path::new(""), path)
        .to_string_lossy()
        .into_owned()
}

/// Compare two `parsed` lists, collecting every difference.
fn compare_entries(
    path: &str,
    ours: &[Value],
    theirs: &[Value],
    files: (&[String], &[String]),
    diffs: &mut Vec<String>,
) {
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let here = format!("{path}[{i}] {}", b["directive"]);
        for key in ["directive", "line", "args", "comment"] {
            if a.get(key) != b.get(key) {
                let show =
                    |v: &Value| serde_json::to_string(v.get(key).unwrap_or(&Value::Null)).unwrap();
                diffs.push(format!(
                    "{here}: {key} differs: ngxfix {} vs crossplane {}",
                    show(a),
                    show(b)
                ));
            }
        }
        let names = |v: &Value, files: &[String]| -> Option<Vec<String>> {
            v.get("includes")?.as_array().map(|l| {
                l.iter()
                    .map(|i| files[i.as_u64().unwrap() as usize].clone())
                    .collect()
            })
        };
        let (ni, ti) = (names(a, files.0), names(b, files.1));
        // crossplane leaves `includes` empty for an include that failed to load.
        if ti.as_ref().is_some_and(|t| !t.is_empty()) && ni != ti {
            diffs.push(format!("{here}: includes differ: {ni:?} vs {ti:?}"));
        }
        // Go crossplane omits an empty block (`omitempty`), so an absent block
        // and an empty one compare equal.
        let block = |v: &Value| {
            v.get("block")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        compare_entries(&here, &block(a), &block(b), files, diffs);
    }
    if ours.len() != theirs.len() {
        diffs.push(format!(
            "{path}: {} entries vs {} in crossplane",
            ours.len(),
            theirs.len()
        ));
    }
}

/// Compare ngxfix's output with one golden; returns the number of entries
/// compared and the differences.
fn compare(golden_path: &Path, base: &Path) -> (usize, Vec<String>) {
    let golden: Value = serde_json::from_slice(&std::fs::read(golden_path).unwrap()).unwrap();
    let configs = golden["config"].as_array().unwrap();
    let main = corpus_path(base, configs[0]["file"].as_str().unwrap());
    let out = run(
        &["parse", "--format", "crossplane", main.to_str().unwrap()],
        None,
        None,
    );
    if out.status.code() != Some(0) {
        return (
            0,
            vec![format!(
                "ngxfix rejects it: {}",
                String::from_utf8_lossy(&out.stderr)
            )],
        );
    }
    if golden["status"] != "ok" {
        return (
            0,
            vec![format!(
                "status: crossplane says {}, ngxfix ok: {}",
                golden["status"], golden["errors"]
            )],
        );
    }
    let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
    let our_files: Vec<String> = ours["config"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| suffix_after_configs(c["file"].as_str().unwrap()))
        .collect();
    let their_files: Vec<String> = configs
        .iter()
        .map(|c| suffix_after_configs(c["file"].as_str().unwrap()))
        .collect();
    let mut entries = 0;
    let mut diffs = Vec::new();
    for (theirs, name) in configs.iter().zip(&their_files) {
        let Some(index) = our_files.iter().position(|f| f == name) else {
            diffs.push(format!(
                "file {name} is not in ngxfix's output ({our_files:?})"
            ));
            continue;
        };
        let ours = ours["config"][index]["parsed"].as_array().unwrap();
        let theirs = theirs["parsed"].as_array().unwrap();
        compare_entries(name, ours, theirs, (&our_files, &their_files), &mut diffs);
        entries += count(theirs);
    }
    (entries, diffs)
}

fn count(entries: &[Value]) -> usize {
    entries
        .iter()
        .map(|e| {
            1 + e
                .get("block")
                .and_then(Value::as_array)
                .map_or(0, |b| count(b))
        })
        .sum()
}

#[test]
fn crossplane_output_agrees_with_goldens() {
    let base = corpus_dir().join("go-crossplane/testdata/configs");
    let documented = documented_differences();
    let mut agreed = 0;
    let mut entries = 0;
    let mut explained = 0;
    let mut problems = Vec::new();
    for golden in files_under(&base)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let name = golden
            .strip_prefix(&base)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let (n, diffs) = compare(&golden, &base);
        let expected = documented.get(name.as_str()).cloned().unwrap_or_default();
        if diffs.is_empty() && expected.is_empty() {
            agreed += 1;
            entries += n;
            continue;
        }
        for diff in &diffs {
            match expected
                .iter()
                .find(|(fragment, _)| diff.contains(fragment))
            {
                Some((_, why)) => {
                    explained += 1;
                    println!("{name}: {diff}\n    documented: {why}");
                }
                None => problems.push(format!("{name}: undocumented difference: {diff}")),
            }
        }
        for (fragment, why) in &expected {
            if !diffs.iter().any(|d| d.contains(fragment)) {
                problems.push(format!("{name}: documented difference {fragment:?} ({why}) no longer shows: update the list"));
            }
        }
    }
    println!(
        "crossplane goldens: {agreed} agree on every directive, argument, line, comment and include ({entries} entries); {} differ, {explained} differences all documented",
        documented.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(agreed >= 10, "goldens were found and compared");
}
