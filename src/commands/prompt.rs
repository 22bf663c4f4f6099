//! Asking about each change on the terminal (`fix -i`), as `git add -p`
//! does: one key answers (`y n a q e ?`, no Enter, read in the terminal's
//! raw mode through console), on standard error so standard output stays
//! clean. `e` opens the value the change writes in the user's editor. When
//! standard input is not a terminal, answers are read a line at a time.

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::Command;

use dialoguer::console::{Key, Term};

use ngxfix::fix::session::{Answer, Approver, EditRefused, Proposal, ProposedFile};
use ngxfix::fix::FixValue;
use ngxfix::output::{diff, Paint};

/// The question asked after each change, before its keys.
const QUESTION: &str = "Apply this change?";

/// Shows each change with its rule and asks on the terminal.
pub struct Prompt {
    color: bool,
    term: Term,
    /// Standard input is a terminal: single keys in raw mode. Otherwise a
    /// line at a time.
    keys: bool,
}

impl Prompt {
    /// Ask on standard error, coloring the diff when `color`.
    pub fn new(color: bool) -> Self {
        let term = Term::stderr();
        Prompt {
            color,
            keys: io::stdin().is_terminal() && term.is_term(),
            term,
        }
    }
}

/// What a key (or a typed word) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Yes,
    No,
    All,
    Quit,
    Edit,
    Help,
    /// Not an answer to this question.
    Unknown,
}

/// The reply a key stands for; `e` only where the change has a value to
/// edit.
fn key_reply(key: char, editable: bool) -> Reply {
    match key.to_ascii_lowercase() {
        'y' => Reply::Yes,
        'n' => Reply::No,
        'a' => Reply::All,
        'q' => Reply::Quit,
        'e' if editable => Reply::Edit,
        '?' => Reply::Help,
        _ => Reply::Unknown,
    }
}

/// The reply a typed line stands for: a key, or its word.
fn line_reply(line: &str, editable: bool) -> Reply {
    let word = line.trim().to_ascii_lowercase();
    let key = match word.as_str() {
        "yes" => 'y',
        "no" => 'n',
        "all" => 'a',
        "quit" => 'q',
        "edit" => 'e',
        "help" => '?',
        _ => {
            let mut chars = word.chars();
            match (chars.next(), chars.next()) {
                (Some(key), None) => key,
                _ => return Reply::Unknown,
            }
        }
    };
    key_reply(key, editable)
}

/// The keys offered, as the question lists them: `[y,n,a,q,e,?]`.
fn keys(editable: bool) -> &'static str {
    if editable {
        "[y,n,a,q,e,?]"
    } else {
        "[y,n,a,q,?]"
    }
}

/// What `?` prints: each key offered and what it does.
fn help(editable: bool) -> String {
    let mut lines = vec![
        "y - apply this change",
        "n - do not apply this change",
        "a - apply this change and every later one in this file",
        "q - quit: keep the changes applied so far, apply nothing more",
    ];
    if editable {
        lines.push(
            "e - edit the value this change writes (in $VISUAL, $EDITOR or vi), then apply it",
        );
    }
    lines.push("? - print this help");
    lines.join("\n")
}

/// What an unknown key prints.
fn short_help(editable: bool) -> String {
    if editable {
        "answer y, n, a, q or e (? prints the help)".to_string()
    } else {
        "answer y, n, a or q (? prints the help)".to_string()
    }
}

/// The text put in the editor: each value on its own line under a comment
/// naming its directive, and how the file is read.
fn buffer(values: &[&FixValue]) -> String {
    let mut text =
        String::from("# Edit the value this change writes, then save and close the editor.\n");
    for value in values {
        text.push_str(&format!("# {}:\n{}\n", value.directive, value.text));
    }
    text.push_str(
        "# Lines starting with # are ignored, one line per value. Each value must\n\
         # stay its directive's arguments (no ;, { or # outside quotes) and the file\n\
         # must still parse as nginx; a file without a value cancels the edit.\n",
    );
    text
}

/// The values of an edited buffer: its lines that are neither blank nor
/// comments, trimmed.
fn read_buffer(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The editor to run: `$VISUAL`, else `$EDITOR`, else `vi`, as git picks
/// one (an empty variable counts as unset).
fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|v| v.to_string_lossy().trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

impl Prompt {
    /// Write `text` to standard error.
    fn say(&self, text: &str) -> io::Result<()> {
        let mut err = io::stderr().lock();
        writeln!(err, "{text}")?;
        err.flush()
    }

    /// Ask the question and read one reply.
    fn ask(&self, editable: bool) -> io::Result<Reply> {
        let question = format!(
            "{} {} ",
            Paint(self.color).wrap("1;34", QUESTION),
            keys(editable)
        );
        self.term.write_str(&question)?;
        self.term.flush()?;
        if !self.keys {
            let mut line = String::new();
            if io::stdin().lock().read_line(&mut line)? == 0 {
                self.term.write_line("")?;
                return Ok(Reply::Quit); // no more answers: apply nothing more
            }
            return Ok(line_reply(&line, editable));
        }
        // Raw mode for the one key only; Ctrl-C still interrupts.
        let key = self.term.read_key()?;
        let shown = match key {
            Key::Char(c) if !c.is_control() => c.to_string(),
            _ => String::new(),
        };
        self.term.write_line(&shown)?; // the key, as the terminal did not echo it
        Ok(match key {
            Key::Char(c) => key_reply(c, editable),
            _ => Reply::Unknown,
        })
    }

    /// Open the change's values in the editor, starting from `draft` (the
    /// last refused attempt) or the values themselves. The new values once
    /// the change with them parses, after showing it; `None` when the edit
    /// was cancelled or refused (said why), to ask again.
    fn edit(
        &self,
        proposal: &Proposal<'_>,
        draft: &mut Option<String>,
    ) -> io::Result<Option<Vec<String>>> {
        let start = draft.clone().unwrap_or_else(|| buffer(&proposal.values));
        let mut file = tempfile::Builder::new()
            .prefix("ngxfix-value-")
            .suffix(".txt")
            .tempfile()?;
        file.write_all(start.as_bytes())?;
        file.flush()?;
        let editor = editor();
        // Through the shell, as git runs it: `EDITOR="code --wait"` works.
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$@\""))
            .arg(&editor)
            .arg(file.path())
            .status()
            .map_err(|e| io::Error::new(e.kind(), format!("running the editor `{editor}`: {e}")))?;
        if !status.success() {
            self.say(&format!(
                "The editor `{editor}` failed ({status}): nothing was edited."
            ))?;
            return Ok(None);
        }
        // Read by path: an editor may have replaced the file.
        let edited = std::fs::read_to_string(file.path())?;
        let new = read_buffer(&edited);
        if new.is_empty() {
            self.say("No value left: the edit is cancelled.")?;
            *draft = None;
            return Ok(None);
        }
        let unchanged = new.len() == proposal.values.len()
            && new.iter().zip(&proposal.values).all(|(n, v)| *n == v.text);
        if unchanged {
            self.say("The value is unchanged.")?;
            *draft = None;
            return Ok(None);
        }
        match proposal.edited(&new) {
            Ok(files) => {
                self.say("The change as edited, applied:")?;
                self.show(&files)?;
                Ok(Some(new))
            }
            Err(EditRefused::Unchanged) => {
                self.say(
                    "The edited change changes nothing: the file already says that. \
                     Answer n to leave it as it is, or e to edit again.",
                )?;
                *draft = None;
                Ok(None)
            }
            Err(why) => {
                self.say(&format!(
                    "{}: {why}\nThe edited change is not applied; `e` opens your edit again.",
                    Paint(self.color).wrap("1;31", "error")
                ))?;
                *draft = Some(edited);
                Ok(None)
            }
        }
    }

    /// Print the diff of each file of a change.
    fn show(&self, files: &[ProposedFile<'_>]) -> io::Result<()> {
        let mut err = io::stderr().lock();
        for file in files {
            diff::unified(
                &mut err,
                &file.path.display().to_string(),
                file.before,
                &file.after,
                self.color,
            )?;
        }
        err.flush()
    }
}

impl Approver for Prompt {
    fn edits_values(&self) -> bool {
        true
    }

    fn approve(&mut self, proposal: &Proposal<'_>) -> io::Result<Answer> {
        let finding = proposal.finding;
        {
            let mut err = io::stderr().lock();
            writeln!(err)?;
            let rule = Paint(self.color).wrap("1", &finding.rule);
            writeln!(err, "{rule}: {}", finding.title)?;
            writeln!(
                err,
                "  {}:{}:{}: {}",
                finding.path, finding.start.line, finding.start.col, finding.message
            )?;
            if let Some(fix) = finding.fix.plan() {
                writeln!(err, "  fix ({}): {}", fix.safety.as_str(), fix.title)?;
            }
            err.flush()?;
        }
        self.show(&proposal.files)?;
        let editable = !proposal.values.is_empty();
        let mut draft = None;
        loop {
            match self.ask(editable)? {
                Reply::Yes => return Ok(Answer::Yes),
                Reply::No => return Ok(Answer::No),
                Reply::All => return Ok(Answer::All),
                Reply::Quit => return Ok(Answer::Quit),
                Reply::Help => self.say(&help(editable))?,
                Reply::Unknown => self.say(&short_help(editable))?,
                Reply::Edit => {
                    if let Some(values) = self.edit(proposal, &mut draft)? {
                        return Ok(Answer::Edit(values));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_answers() {
        assert_eq!(key_reply('y', false), Reply::Yes);
        assert_eq!(key_reply('Y', false), Reply::Yes);
        assert_eq!(key_reply('n', true), Reply::No);
        assert_eq!(key_reply('a', true), Reply::All);
        assert_eq!(key_reply('q', false), Reply::Quit);
        assert_eq!(key_reply('?', false), Reply::Help);
        assert_eq!(key_reply('e', true), Reply::Edit);
        // `e` is no answer where there is nothing to edit.
        assert_eq!(key_reply('e', false), Reply::Unknown);
        assert_eq!(key_reply('x', true), Reply::Unknown);
        assert_eq!(key_reply('\r', true), Reply::Unknown);
    }

    #[test]
    fn replies_in_words_or_letters() {
        assert_eq!(line_reply("y\n", false), Reply::Yes);
        assert_eq!(line_reply(" No ", false), Reply::No);
        assert_eq!(line_reply("ALL", false), Reply::All);
        assert_eq!(line_reply("q", false), Reply::Quit);
        assert_eq!(line_reply("edit", true), Reply::Edit);
        assert_eq!(line_reply("e", false), Reply::Unknown);
        assert_eq!(line_reply("?", false), Reply::Help);
        assert_eq!(line_reply("maybe", false), Reply::Unknown);
        assert_eq!(line_reply("", false), Reply::Unknown);
    }

    #[test]
    fn the_help_lists_the_keys_offered() {
        assert!(help(true).contains("e - edit the value"));
        assert!(!help(false).contains("e - "));
        for key in ["y", "n", "a", "q", "?"] {
            assert!(help(false).contains(&format!("{key} - ")), "{key}");
        }
        assert_eq!(keys(false), "[y,n,a,q,?]");
        assert!(short_help(true).contains(" e "));
    }

    #[test]
    fn the_buffer_reads_back_as_its_values() {
        let value = FixValue {
            directive: "keepalive_timeout".into(),
            text: "4s".into(),
            places: Vec::new(),
        };
        let header = FixValue {
            directive: "proxy_set_header".into(),
            text: "Connection \"\"".into(),
            places: Vec::new(),
        };
        let text = buffer(&[&value, &header]);
        assert!(text.contains("# keepalive_timeout:\n4s\n"), "{text}");
        assert_eq!(read_buffer(&text), ["4s", "Connection \"\""]);
        assert_eq!(
            read_buffer("# only comments\n\n   \n"),
            Vec::<String>::new()
        );
        assert_eq!(read_buffer("  3s  \r\n# x\n"), ["3s"]);
    }
}
