//! Asking about each change on the terminal (`fix -i`), through dialoguer,
//! on standard error so standard output stays clean.

use std::io::{self, Write};

use dialoguer::console::Term;
use dialoguer::Input;

use ngxfix::fix::session::{Answer, Approver, Proposal};
use ngxfix::output::{diff, Paint};

/// The question asked after each change.
const QUESTION: &str = "Apply this change? [y]es / [n]o / [a]ll remaining in this file / [q]uit";

/// Shows each change with its rule and asks on the terminal.
pub struct Prompt {
    color: bool,
    term: Term,
}

impl Prompt {
    /// Ask on standard error, coloring the diff when `color`.
    pub fn new(color: bool) -> Self {
        Prompt {
            color,
            term: Term::stderr(),
        }
    }
}

/// The answer a typed reply stands for.
fn answer(reply: &str) -> Option<Answer> {
    match reply.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Some(Answer::Yes),
        "n" | "no" => Some(Answer::No),
        "a" | "all" => Some(Answer::All),
        "q" | "quit" => Some(Answer::Quit),
        _ => None,
    }
}

impl Approver for Prompt {
    fn approve(&mut self, proposal: &Proposal<'_>) -> io::Result<Answer> {
        let finding = proposal.finding;
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
        for file in &proposal.files {
            diff::unified(
                &mut err,
                &file.path.display().to_string(),
                file.before,
                &file.after,
                self.color,
            )?;
        }
        err.flush()?;
        drop(err);
        let reply: String = Input::new()
            .with_prompt(QUESTION)
            .validate_with(|reply: &String| -> Result<(), &str> {
                answer(reply).map(|_| ()).ok_or("answer y, n, a or q")
            })
            .interact_text_on(&self.term)
            .map_err(|dialoguer::Error::IO(e)| e)?;
        Ok(answer(&reply).unwrap_or(Answer::Quit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_in_words_or_letters() {
        assert_eq!(answer("y"), Some(Answer::Yes));
        assert_eq!(answer(" No "), Some(Answer::No));
        assert_eq!(answer("ALL"), Some(Answer::All));
        assert_eq!(answer("q"), Some(Answer::Quit));
        assert_eq!(answer("maybe"), None);
        assert_eq!(answer(""), None);
    }
}
