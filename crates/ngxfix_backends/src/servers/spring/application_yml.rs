//! `application.yml`, read into documents line by line, with the mapping
//! keys that lead to each line.

use super::*;
use crate::lang::yaml;

/// A mapping key being read: its indentation and path.
struct Frame {
    indent: usize,
    path: Vec<String>,
    shown: Vec<String>,
}

/// Reads YAML line by line, with the mapping keys that lead to each line.
struct YamlReader {
    docs: Vec<Document>,
    stack: Vec<Frame>,
    /// A block scalar's indentation: deeper lines are its text.
    block: Option<usize>,
    /// Indentation differences between mappings and their first child.
    steps: Vec<usize>,
}

impl File<'_> {
    pub(super) fn parse_yaml(&mut self) {
        let bom = text::bom_len(self.text);
        let mut reader = YamlReader {
            docs: vec![Document::default()],
            stack: Vec::new(),
            block: None,
            steps: Vec::new(),
        };
        for (n, (at, line)) in text::lines(self.text).enumerate() {
            let (at, line) = if at == 0 {
                (bom, &line[bom.min(line.len())..])
            } else {
                (at, line)
            };
            reader.line(at, line, n + 1);
        }
        for doc in &mut reader.docs {
            legacy_profiles(self.text, doc);
        }
        self.step = reader.steps.into_iter().min().unwrap_or(2).max(1);
        self.docs = reader.docs;
    }
}

impl YamlReader {
    fn line(&mut self, at: usize, line: &str, line_no: usize) {
        if line == "---" || line.starts_with("--- ") || line.starts_with("---\t") || line == "..." {
            if let Some(doc) = self.docs.last_mut() {
                doc.end = Some(at);
            }
            self.docs.push(Document::default());
            self.stack.clear();
            self.block = None;
            return;
        }
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if content.trim().is_empty()
            || content.starts_with('#')
            || (indent == 0 && content.starts_with('%'))
        {
            return;
        }
        if self.block.is_some_and(|b| indent > b) {
            self.other_line(at, indent, false);
            return;
        }
        self.block = None;
        while self.stack.last().is_some_and(|f| f.indent >= indent) {
            self.stack.pop();
        }
        let doc = self.doc();
        if let Some(parent) = doc.lines.last().filter(|l| l.parent && indent > l.indent) {
            let step = indent - parent.indent;
            self.steps.push(step);
        }
        match yaml::key(content) {
            Some((key, value_at)) => {
                let value = (at + indent + value_at, &content[value_at..]);
                self.key_line(at, indent, key, value, line_no);
            }
            // A sequence item or a continued scalar: nothing under it is a
            // Spring Boot server setting.
            None => self.other_line(at, indent, true),
        }
    }

    fn doc(&mut self) -> &mut Document {
        if self.docs.is_empty() {
            self.docs.push(Document::default());
        }
        let last = self.docs.len() - 1;
        &mut self.docs[last]
    }

    /// A line without a key; `opens` when lines under it belong to it.
    fn other_line(&mut self, at: usize, indent: usize, opens: bool) {
        if opens {
            self.stack.push(Frame {
                indent,
                path: vec!["[]".into()],
                shown: vec!["[]".into()],
            });
        }
        self.doc().lines.push(YamlLine {
            start: at,
            indent,
            path: Vec::new(),
            own_key: String::new(),
            parent: false,
            scalar: false,
        });
    }

    /// A `key: value` line (or `key:` opening a mapping); the value starts
    /// at `value_start` in the file.
    fn key_line(
        &mut self,
        at: usize,
        indent: usize,
        key: String,
        value: (usize, &str),
        line_no: usize,
    ) {
        let (value_start, value_raw) = value;
        let (mut path, mut shown) = self
            .stack
            .last()
            .map(|f| (f.path.clone(), f.shown.clone()))
            .unwrap_or_default();
        path.extend(path_of(&key));
        shown.push(key.clone());
        let parsed = yaml::value(value_raw);
        let parent = matches!(parsed, yaml::Value::Mapping);
        if value_raw.trim_start().starts_with(['|', '>']) {
            self.block = Some(indent);
        }
        let doc = self.doc();
        doc.lines.push(YamlLine {
            start: at,
            indent,
            path: path.clone(),
            own_key: key.clone(),
            parent,
            scalar: !parent,
        });
        if key == "<<" && leads_to_setting(&path[..path.len() - 1]) {
            doc.problem.get_or_insert(format!(
                "the YAML merge key (<<) at line {line_no} may bring server settings ngxfix does not read"
            ));
        }
        if is_condition(&path) && !(parent && path.len() == 2) {
            doc.condition.get_or_insert(format!(
                "{}: {} at line {line_no}",
                shown.join("."),
                value_raw.trim()
            ));
        }
        let mut entry = Entry {
            setting: setting_of(&path),
            path: path.clone(),
            key: shown.join("."),
            own_key: key,
            value: String::new(),
            span: None,
            line: line_no,
            last_line: at,
            sep: ": ".into(),
            problem: None,
        };
        match parsed {
            yaml::Value::Mapping => {
                if entry.setting.is_some() {
                    entry.problem = Some("has no value".into());
                    doc.entries.push(entry);
                }
                self.stack.push(Frame {
                    indent,
                    path,
                    shown,
                });
            }
            yaml::Value::Scalar {
                text,
                span,
                problem,
            } => {
                if let Some(problem) = problem {
                    // A flow mapping or alias where server settings could be.
                    if path.len() < 3 && leads_to_setting(&path) && entry.setting.is_none() {
                        doc.problem.get_or_insert(format!(
                            "{}: {} at line {line_no} {problem} ngxfix does not read",
                            entry.key,
                            text.trim()
                        ));
                    }
                    entry.problem = Some(problem.to_string());
                }
                entry.value = text;
                entry.span = span.map(|(s, e)| (value_start + s, value_start + e));
                doc.entries.push(entry);
            }
        }
    }
}

/// A legacy `spring.profiles:` mapping holding a list makes the document
/// conditional too (`spring.profiles.active` does not).
fn legacy_profiles(text: &str, doc: &mut Document) {
    if doc.condition.is_some() {
        return;
    }
    let legacy = doc.lines.windows(2).find(|w| {
        w[0].parent
            && w[0].path.len() == 2
            && is_prefix(&["spring", "profiles"], &w[0].path)
            && w[1].indent > w[0].indent
            && w[1].path.is_empty()
    });
    if let Some(w) = legacy {
        doc.condition = Some(format!(
            "spring.profiles at line {}",
            text::line_of(text, w[0].start)
        ));
    }
}
