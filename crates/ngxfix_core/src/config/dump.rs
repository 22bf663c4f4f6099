//! Splitting an `nginx -T` dump back into its files.
//!
//! nginx writes each file as `# configuration file PATH:` + LF, the file's
//! bytes, and one more LF (`ngx_write_stdout(NGX_LINEFEED)` after the buffer,
//! src/core/nginx.c). The "syntax is ok" lines go to stderr, but often end up
//! first in the text when someone ran `nginx -T 2>&1`; they are skipped.

use std::path::PathBuf;

const HEADER: &[u8] = b"# configuration file ";

/// One file recovered from a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpedFile {
    pub path: PathBuf,
    pub text: Vec<u8>,
}

/// Write one file the way `nginx -T` does: the header, its bytes, one more
/// LF. [`split`] reads it back.
pub fn write_file(out: &mut dyn std::io::Write, path: &str, text: &[u8]) -> std::io::Result<()> {
    writeln!(out, "# configuration file {path}:")?;
    out.write_all(text)?;
    writeln!(out)
}

/// If `text` is an `nginx -T` dump, its files in dump order (the main
/// configuration first); otherwise `None`.
pub fn split(text: &[u8]) -> Option<Vec<DumpedFile>> {
    let mut offset = 0;
    // Skip what nginx prints to stderr ("nginx: the configuration file ...")
    // and blank lines before the first header.
    loop {
        let line_end = line_end(text, offset);
        let line = &text[offset..line_end];
        let trimmed = line.strip_suffix(b"\r").unwrap_or(line);
        if header_path(trimmed).is_some() {
            break;
        }
        if !(trimmed.is_empty() || trimmed.starts_with(b"nginx: ")) || line_end == text.len() {
            return None;
        }
        offset = line_end + 1;
    }

    let mut files = Vec::new();
    // (path, where its bytes start, whether the dump's lines end in CRLF)
    let mut current: Option<(PathBuf, usize, bool)> = None;
    while offset < text.len() {
        let end = line_end(text, offset);
        let line = &text[offset..end];
        let crlf = line.ends_with(b"\r");
        if let Some(path) = header_path(line.strip_suffix(b"\r").unwrap_or(line)) {
            if let Some((path, start, crlf)) = current.take() {
                files.push(finish(path, &text[start..offset], crlf));
            }
            current = Some((path, (end + 1).min(text.len()), crlf));
        }
        offset = end + 1;
    }
    if let Some((path, start, crlf)) = current {
        files.push(finish(path, &text[start..], crlf));
    }
    Some(files)
}

fn line_end(text: &[u8], from: usize) -> usize {
    text[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |p| from + p)
}

fn header_path(line: &[u8]) -> Option<PathBuf> {
    let rest = line.strip_prefix(HEADER)?;
    let path = rest.strip_suffix(b":")?;
    if path.is_empty() {
        return None;
    }
    Some(PathBuf::from(String::from_utf8_lossy(path).into_owned()))
}

/// A file's bytes are everything up to the next header, less the one line
/// break nginx added after them (CRLF if the whole dump was converted).
fn finish(path: PathBuf, body: &[u8], crlf: bool) -> DumpedFile {
    let added: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let text = body.strip_suffix(added).unwrap_or(body).to_vec();
    DumpedFile { path, text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_files_and_keeps_their_bytes() {
        let dump = b"nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n\
nginx: configuration file /etc/nginx/nginx.conf test is successful\n\
# configuration file /etc/nginx/nginx.conf:\n\
http {\n    include mime.types;\n}\n\n\
# configuration file /etc/nginx/mime.types:\n\
types { text/html html; }\n";
        let files = split(dump).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].path, PathBuf::from("/etc/nginx/nginx.conf"));
        assert_eq!(files[0].text, b"http {\n    include mime.types;\n}\n");
        // No final newline in the original file: nginx's added LF is all there is.
        assert_eq!(files[1].text, b"types { text/html html; }");
    }

    #[test]
    fn plain_config_is_not_a_dump() {
        assert_eq!(split(b"events {}\nhttp {}\n"), None);
        assert_eq!(split(b""), None);
        assert_eq!(split(b"# a comment\n# configuration file /x:\n"), None);
    }

    #[test]
    fn dump_converted_to_crlf() {
        let files = split(
            b"# configuration file /a.conf:\r\nx;\r\n\r\n# configuration file /b.conf:\r\ny;\r\n",
        )
        .unwrap();
        assert_eq!(files[0].text, b"x;\r\n");
        assert_eq!(files[1].path, PathBuf::from("/b.conf"));
        assert_eq!(files[1].text, b"y;");
    }
}
