//! A directive's head as one line of text: its name and arguments, read as
//! nginx's tokenizer (`ngx_conf_read_token()`) reads them, to the `;` or
//! `{` that ends them. It names a directive for people and for identities
//! that must survive reformatting (a baseline entry, a code-quality
//! fingerprint): blanks, line breaks and comments between the words do not
//! count, and a block's contents are not part of its head.

/// The head of the directive that starts `text`: its words as written
/// (quotes and escapes kept) joined by one space, then `;` or ` {`. Text
/// that starts with `#` is a comment, whose head is its line.
pub fn directive_head(text: &[u8]) -> String {
    if text.first() == Some(&b'#') {
        let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
        return String::from_utf8_lossy(line).trim_end().to_string();
    }
    let mut words: Vec<&[u8]> = Vec::new();
    let mut end = "";
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            // A comment only where a word could start: `a#b` is one word.
            b'#' => {
                while i < text.len() && text[i] != b'\n' {
                    i += 1;
                }
            }
            b';' => {
                end = ";";
                break;
            }
            b'{' => {
                end = " {";
                break;
            }
            b'}' => break,
            quote @ (b'"' | b'\'') => {
                let start = i;
                i += 1;
                while i < text.len() && text[i] != quote {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(text.len());
                words.push(&text[start..i]);
            }
            _ => {
                let start = i;
                while i < text.len() {
                    match text[i] {
                        b'\\' => i += 2,
                        // `${name}` keeps its braces inside the word.
                        b'{' if i > start && text[i - 1] == b'$' => i += 1,
                        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' => break,
                        _ => i += 1,
                    }
                }
                i = i.min(text.len());
                words.push(&text[start..i]);
            }
        }
    }
    let mut head = words
        .iter()
        .map(|w| String::from_utf8_lossy(w))
        .collect::<Vec<_>>()
        .join(" ");
    head.push_str(end);
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> String {
        directive_head(text.as_bytes())
    }

    #[test]
    fn words_are_joined_by_one_space_to_the_end_of_the_head() {
        assert_eq!(
            head("listen   80\n        default_server; # old\n}"),
            "listen 80 default_server;"
        );
        assert_eq!(head("server{\n listen 80;\n}"), "server {");
        assert_eq!(head("server  # main\n {"), "server {");
    }

    #[test]
    fn quotes_escapes_and_variables_are_read_as_nginx_reads_them() {
        assert_eq!(
            head("add_header X \"a; b {\" always;"),
            "add_header X \"a; b {\" always;"
        );
        assert_eq!(head("return 200 a\\;b;"), "return 200 a\\;b;");
        assert_eq!(head("set $x '\\'{';"), "set $x '\\'{';");
        // `#` inside a word is no comment; `${` does not end a word.
        assert_eq!(head("return 302 /a#frag;"), "return 302 /a#frag;");
        assert_eq!(head("foo_bar ${host}a;"), "foo_bar ${host}a;");
        assert_eq!(head("a b\"c;"), "a b\"c;");
    }

    #[test]
    fn a_comment_is_its_line_and_odd_ends_do_not_panic() {
        assert_eq!(
            head("# ngxfix: ignore r -- why\nlisten 80;"),
            "# ngxfix: ignore r -- why"
        );
        assert_eq!(head("a \"unterminated"), "a \"unterminated");
        assert_eq!(head("a \\"), "a \\");
        assert_eq!(head(""), "");
    }
}
