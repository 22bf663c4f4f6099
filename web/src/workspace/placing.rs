//! A browser gives an opened file's name without its folder: `app.conf`,
//! where nginx.conf says `include conf.d/*.conf;`. Such a file is placed
//! where an include of the page's files would read it, as if it had been
//! opened with its folder, and a note says so; a file named with a folder
//! stays where it is named.

use std::path::{Path, PathBuf};

use serde::Serialize;

use ngxfix_core::config::GLOB_OPTIONS;
use ngxfix_core::syntax;

use super::NamedText;

/// A file given a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placed {
    /// The name it was opened with.
    pub from: String,
    /// Where it now is.
    pub to: String,
    /// The include that reads it there, as written.
    pub include: String,
    /// The file of that include.
    pub by: String,
    /// What tells the user.
    pub note: String,
}

impl Placed {
    fn new(from: String, to: String, include: String, by: String) -> Placed {
        let note = format!(
            "{from} read as {to}, where `include {include};` in {by} finds it (name it with its folder to place it elsewhere)"
        );
        Placed {
            from,
            to,
            include,
            by,
            note,
        }
    }
}

/// One `include` of the page's files: as written, and resolved against
/// the prefix.
struct Include {
    written: String,
    resolved: PathBuf,
    by: String,
}

/// Place each file of `nginx` (indexes into `files`) named without a
/// folder, but the entry (the first), where an include of the others
/// reads it; relative includes resolve against `prefix`. A file some
/// include already reads by its name stays.
pub fn place(files: &mut [NamedText], nginx: &[usize], prefix: &Path) -> Vec<Placed> {
    let includes: Vec<Include> = nginx
        .iter()
        .flat_map(|&i| includes_of(&files[i], prefix))
        .collect();
    let reads = |path: &Path| includes.iter().any(|include| matches(include, path));
    let mut placed = Vec::new();
    for &i in nginx.iter().skip(1) {
        let name = PathBuf::from(&files[i].path);
        if name.components().count() != 1 || reads(&name) {
            continue;
        }
        let found = includes.iter().find_map(|include| {
            let folder = include.resolved.parent()?;
            let candidate = folder.join(&name);
            let taken = files.iter().any(|f| Path::new(&f.path) == candidate);
            (!folder.as_os_str().is_empty() && !taken && matches(include, &candidate))
                .then_some((include, candidate))
        });
        if let Some((include, candidate)) = found {
            placed.push(Placed::new(
                files[i].path.clone(),
                candidate.display().to_string(),
                include.written.clone(),
                include.by.clone(),
            ));
            files[i].path = candidate.display().to_string();
        }
    }
    placed
}

/// Whether `include` reads the file at `path`.
fn matches(include: &Include, path: &Path) -> bool {
    let pattern = include.resolved.to_string_lossy();
    if pattern.contains(['*', '?', '[']) {
        glob::Pattern::new(&pattern).is_ok_and(|p| p.matches_path_with(path, GLOB_OPTIONS))
    } else {
        include.resolved == path
    }
}

/// The includes a file holds (none if it does not parse: the check says
/// why).
fn includes_of(file: &NamedText, prefix: &Path) -> Vec<Include> {
    let Ok(tree) = syntax::parse(file.text.as_bytes().to_vec()) else {
        return Vec::new();
    };
    tree.directives()
        .filter(|d| d.name().value() == "include")
        .filter_map(|d| {
            let mut args = d.args();
            let (Some(arg), None) = (args.next(), args.next()) else {
                return None;
            };
            let written = arg.value().to_string();
            Some(Include {
                resolved: prefix.join(&written),
                written,
                by: file.path.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> NamedText {
        NamedText {
            path: path.into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_file_without_a_folder_goes_where_an_include_reads_it() {
        let mut files = vec![
            file(
                "nginx.conf",
                "http { include mime.types; include conf.d/*.conf; include /etc/nginx/sites-enabled/default; }",
            ),
            file("app.conf", "server { listen 80; }"),
            file("mime.types", "types { }"),
            file("default", "server { listen 81; }"),
            file("notes.txt", "server { listen 82; }"),
            file("snippets/x.conf", "proxy_pass http://a;"),
        ];
        let placed = place(&mut files, &[0, 1, 2, 3, 4, 5], Path::new(""));
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "nginx.conf",
                "conf.d/app.conf",
                // Read by its name already.
                "mime.types",
                "/etc/nginx/sites-enabled/default",
                // No include reads it.
                "notes.txt",
                // Named with a folder: stays.
                "snippets/x.conf",
            ]
        );
        assert_eq!(placed.len(), 2);
        assert_eq!(
            placed[0].note,
            "app.conf read as conf.d/app.conf, where `include conf.d/*.conf;` in nginx.conf finds it (name it with its folder to place it elsewhere)"
        );
    }

    #[test]
    fn a_place_already_taken_is_not_taken_twice() {
        let mut files = vec![
            file("nginx.conf", "http { include conf.d/app.conf; }"),
            file("conf.d/app.conf", "server { listen 80; }"),
            file("app.conf", "server { listen 81; }"),
        ];
        assert!(place(&mut files, &[0, 1, 2], Path::new("")).is_empty());
        assert_eq!(files[2].path, "app.conf");
    }
}
