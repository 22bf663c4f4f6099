//! Giving a fragment its context: a site file or a pasted snippet holds the
//! inside of a block (`server` and `upstream` at its top level are the
//! inside of `http {}`), and nginx reads it only where an `include` puts it.
//!
//! ngxfix reads such a file the same way: the tree gets a main file of its
//! own, written here, whose blocks include the fragment where nginx.conf
//! would. Everything downstream (block kinds, inheritance, `proxy_pass` to
//! `upstream{}`, fixes, `nginx -t` on a temporary copy) then sees exactly
//! what it sees when the fragment is included from a real nginx.conf. The
//! written file is never reported on, edited or saved.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The name of the main file written around a fragment (it exists only in
/// memory and in the temporary copy `nginx -t` reads).
pub(crate) const CONTEXT_FILE_NAME: &str = "ngxfix-context.conf";

/// The name a configuration read from standard input has in the temporary
/// copy `nginx -t` reads, in the directory its relative includes resolve
/// against.
pub const STDIN_FILE_NAME: &str = "ngxfix-stdin.conf";

/// Which block a file's top level is the inside of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RootContext {
    /// A whole configuration: nginx.conf itself.
    Main,
    /// The inside of `http {}` (`conf.d/*.conf`, `sites-enabled/*`).
    Http,
    /// The inside of a `server {}` in http.
    Server,
    /// The inside of a `location {}`.
    Location,
    /// The inside of `stream {}`.
    Stream,
}

impl RootContext {
    /// Every context, in the order ties are broken when inferring one.
    pub const ALL: [RootContext; 5] = [
        RootContext::Main,
        RootContext::Http,
        RootContext::Server,
        RootContext::Location,
        RootContext::Stream,
    ];

    /// The name `--context` takes.
    pub fn name(self) -> &'static str {
        match self {
            RootContext::Main => "main",
            RootContext::Http => "http",
            RootContext::Server => "server",
            RootContext::Location => "location",
            RootContext::Stream => "stream",
        }
    }

    /// How a file read in this context is described to users.
    pub fn describe(self) -> &'static str {
        match self {
            RootContext::Main => "a main configuration file",
            RootContext::Http => "the inside of http{}",
            RootContext::Server => "the inside of server{} in http{}",
            RootContext::Location => "the inside of location{}",
            RootContext::Stream => "the inside of stream{}",
        }
    }

    /// The blocks around the fragment, outermost first.
    fn blocks(self) -> &'static [&'static str] {
        match self {
            RootContext::Main => &[],
            RootContext::Http => &["http"],
            RootContext::Server => &["http", "server"],
            RootContext::Location => &["http", "server", "location /"],
            RootContext::Stream => &["stream"],
        }
    }

    /// The text of a main file that includes `include` (nginx text,
    /// quoted as needed) in this context. `events {}` is there because
    /// `nginx -t` refuses a configuration without it.
    pub(crate) fn main_text(self, include: &str) -> String {
        let mut text = String::from(
            "# Written by ngxfix to read a fragment in its context; it is not saved.\nevents {}\n",
        );
        let blocks = self.blocks();
        for (depth, block) in blocks.iter().enumerate() {
            text.push_str(&"    ".repeat(depth));
            text.push_str(block);
            text.push_str(" {\n");
        }
        text.push_str(&"    ".repeat(blocks.len()));
        text.push_str("include ");
        text.push_str(include);
        text.push_str(";\n");
        for depth in (0..blocks.len()).rev() {
            text.push_str(&"    ".repeat(depth));
            text.push_str("}\n");
        }
        text
    }
}

impl fmt::Display for RootContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RootContext {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RootContext::ALL
            .into_iter()
            .find(|c| c.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = RootContext::ALL.iter().map(|c| c.name()).collect();
                format!("unknown context \"{text}\" (one of {})", names.join(", "))
            })
    }
}

/// An `include` argument naming `path`, double-quoted with `"` and `\`
/// escaped (nginx unescapes both).
pub(crate) fn include_argument(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// `path` made absolute as `std::path::absolute` does on Unix, without
/// asking for the working directory: an absolute path is normalized
/// lexically (`.` and repeated `/` dropped, `..` and a trailing `/` kept,
/// a leading `//` kept as POSIX allows); a relative one is returned as it
/// is.
pub fn absolute_lexically(path: &Path) -> PathBuf {
    if !path.is_absolute() {
        return path.to_path_buf();
    }
    let bytes = path.as_os_str().as_encoded_bytes();
    let mut components = path.components();
    let mut normalized = if bytes.starts_with(b"//") && !bytes.starts_with(b"///") {
        components.next();
        PathBuf::from("//")
    } else {
        PathBuf::new()
    };
    normalized.extend(components);
    if bytes.ends_with(b"/") {
        normalized.push("");
    }
    normalized
}

/// Where nginx resolves the relative includes of a file found at `path`
/// when its main file is not known: the parent of the folder distributions
/// keep site files in (`/etc/nginx/sites-enabled/api.conf` → `/etc/nginx`,
/// where `include snippets/proxy.conf;` is meant), else the file's own
/// folder.
pub fn guessed_prefix(path: &Path) -> PathBuf {
    const SITE_FOLDERS: &[&str] = &[
        "sites-enabled",
        "sites-available",
        "conf.d",
        "vhosts.d",
        "http.d",
        "stream.d",
        "servers",
        "snippets",
    ];
    let dir = path.parent().unwrap_or(Path::new(""));
    match dir.file_name().and_then(|n| n.to_str()) {
        Some(name) if SITE_FOLDERS.contains(&name) => {
            dir.parent().unwrap_or(Path::new("")).to_path_buf()
        }
        _ => dir.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_text_nests_the_include_and_parses() {
        let text = RootContext::Location.main_text("\"/srv/a b.conf\"");
        assert_eq!(
            text,
            "# Written by ngxfix to read a fragment in its context; it is not saved.\n\
             events {}\nhttp {\n    server {\n        location / {\n            include \"/srv/a b.conf\";\n        }\n    }\n}\n"
        );
        for context in RootContext::ALL {
            crate::syntax::parse(context.main_text("x.conf").into_bytes()).unwrap();
        }
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for context in RootContext::ALL {
            assert_eq!(context.name().parse::<RootContext>(), Ok(context));
        }
        let error = "upstream".parse::<RootContext>().unwrap_err();
        assert!(
            error.contains("main, http, server, location, stream"),
            "{error}"
        );
    }

    #[test]
    fn include_arguments_are_quoted_as_nginx_reads_them() {
        assert_eq!(
            include_argument(Path::new("/etc/a \"b\"\\c.conf")),
            "\"/etc/a \\\"b\\\"\\\\c.conf\""
        );
    }

    #[test]
    fn notes_say_how_a_file_was_read() {
        let reading = |from: ContextFrom| Reading {
            path: "api.conf".to_string(),
            context: RootContext::Http,
            context_from: from,
            evidence: vec!["upstream".to_string(), "server".to_string()],
            doubt: None,
            main: Some("/etc/nginx/nginx.conf".to_string()),
            prefix: Some("/etc/nginx".to_string()),
            files_read: 2,
            skipped_includes: 1,
        };
        assert_eq!(
            reading(ContextFrom::Inferred).note().unwrap(),
            "api.conf read as the inside of http{} (top-level upstream, server); relative includes resolved in /etc/nginx; 1 missing include skipped"
        );
        assert!(reading(ContextFrom::Given)
            .note()
            .unwrap()
            .contains("(--context http)"));
        assert!(reading(ContextFrom::Including)
            .note()
            .unwrap()
            .starts_with("api.conf checked as part of /etc/nginx/nginx.conf, which includes it"));
        assert_eq!(reading(ContextFrom::Main).note(), None);
        let doubtful = Reading {
            context: RootContext::Main,
            doubt: Some("why".to_string()),
            ..reading(ContextFrom::Inferred)
        };
        assert!(doubtful
            .note()
            .unwrap()
            .starts_with("cannot tell which block api.conf is the inside of: why; read as a main configuration file"));
    }

    #[test]
    fn the_prefix_of_a_site_file_is_above_its_folder() {
        let guess = |p: &str| guessed_prefix(Path::new(p));
        assert_eq!(
            guess("/etc/nginx/sites-enabled/api.conf"),
            Path::new("/etc/nginx")
        );
        assert_eq!(guess("/etc/nginx/conf.d/api.conf"), Path::new("/etc/nginx"));
        assert_eq!(guess("sites-available/default"), Path::new(""));
        assert_eq!(guess("/srv/app/nginx.conf"), Path::new("/srv/app"));
        assert_eq!(guess("api.conf"), Path::new(""));
    }
}

/// How a file the user named was read, for the note that says so and the
/// JSON `inputs`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reading {
    /// The file as named (`-` for standard input).
    pub path: String,
    /// The block its top level was read as the inside of.
    pub context: RootContext,
    /// Where the context came from.
    pub context_from: ContextFrom,
    /// The top-level directives that told the context, when inferred.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Why the context could not be told (the file was then read as a main
    /// file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doubt: Option<String>,
    /// The main configuration the file was checked through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main: Option<String>,
    /// Where its relative includes were resolved, when that was not the
    /// directory of a main file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Files read (the named one, its includes, and for a file checked
    /// through its main configuration, the whole tree).
    pub files_read: usize,
    /// Includes whose files do not exist, read past.
    pub skipped_includes: usize,
}

/// Where the context of a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContextFrom {
    /// A main configuration file, as nginx.conf is.
    Main,
    /// `--context`.
    Given,
    /// Inferred from the directives at its top level.
    Inferred,
    /// The nginx.conf that includes it.
    Including,
    /// An `nginx -T` dump (a whole configuration).
    Dump,
}

impl<'de> serde::Deserialize<'de> for RootContext {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for RootContext {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl Reading {
    /// How `tree`'s entry was read, as `from` and `context` say; nothing
    /// else to say yet (evidence, doubt, main file, prefix).
    pub fn of(tree: &super::ConfigTree, from: ContextFrom, context: RootContext) -> Reading {
        Reading {
            path: tree.file(tree.entry()).display_path(),
            context,
            context_from: from,
            evidence: Vec::new(),
            doubt: None,
            main: None,
            prefix: None,
            files_read: tree.files_read(),
            skipped_includes: tree.skipped().len(),
        }
    }

    /// The one-line note text output gives for this file, if anything about
    /// how it was read needs saying.
    pub fn note(&self) -> Option<String> {
        let path = &self.path;
        let prefix = self
            .prefix
            .as_ref()
            .map(|p| format!("; relative includes resolved in {p}"))
            .unwrap_or_default();
        let skipped = match self.skipped_includes {
            0 => String::new(),
            1 => "; 1 missing include skipped".to_string(),
            n => format!("; {n} missing includes skipped"),
        };
        if let Some(doubt) = &self.doubt {
            return Some(format!(
                "cannot tell which block {path} is the inside of: {doubt}; read as {}{prefix}{skipped} \
                 (--context main|http|server|location|stream says it)",
                self.context.describe()
            ));
        }
        match self.context_from {
            // Read as nginx reads it (its includes all there, or a doubt
            // said above): nothing to add.
            ContextFrom::Main | ContextFrom::Dump => None,
            ContextFrom::Given => Some(format!(
                "{path} read as {} (--context {}){prefix}{skipped}",
                self.context.describe(),
                self.context
            )),
            ContextFrom::Inferred => Some(format!(
                "{path} read as {} (top-level {}){prefix}{skipped}",
                self.context.describe(),
                self.evidence.join(", ")
            )),
            ContextFrom::Including => Some(format!(
                "{path} checked as part of {}, which includes it: findings in {path} and the files it includes{skipped}",
                self.main.as_deref().unwrap_or("its main configuration")
            )),
        }
    }
}
