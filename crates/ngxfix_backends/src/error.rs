//! Why a backend file is not raised, and why edits do not apply.
//!
//! The messages are the user's: `ngxfix fix` prints them after the file's
//! path, and the snapshot tests hold them word for word. A variant's
//! Display is therefore its whole message; the variants sort the refusals
//! by what stops the raise, for callers that want to tell them apart.

use ngxfix_text::Duration;
use thiserror::Error;

use crate::Idle;

/// Edits that overlap, run past the end of the text or split a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("overlapping or misplaced edit at {start}..{end}")]
pub struct MisplacedEdit {
    /// Where the first edit that does not fit starts.
    pub start: usize,
    /// Where it ends.
    pub end: usize,
}

impl From<ngxfix_text::EditError> for MisplacedEdit {
    fn from(error: ngxfix_text::EditError) -> Self {
        use ngxfix_text::EditError::{OutOfRange, Overlap, Split};
        let (Overlap(start, end) | OutOfRange(start, end) | Split(start, end)) = error;
        MisplacedEdit {
            start: start as usize,
            end: end as usize,
        }
    }
}

/// Why a format does not raise the idle timeout its file gives.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RaiseError {
    /// What the file gives cannot be read with confidence (its reading is
    /// unknown), or something ngxfix cannot see may set the value: why, in
    /// the reading's own words. ngxfix never edits what it cannot read.
    #[error("{0}")]
    Unknown(String),
    /// As [`RaiseError::Unknown`], with the setting the user can write
    /// by hand.
    #[error("{why}; ngxfix cannot raise it safely: set {setting} yourself")]
    ByHand {
        /// Why the value cannot be read, as its reading says.
        why: String,
        /// What to set, to what, and where (`persistent_timeout 65 in
        /// config/puma.rb`).
        setting: String,
    },
    /// Raising the setting would change nothing nginx sees: the server
    /// closes every connection, or another timeout applies. Why.
    #[error("{0}")]
    Pointless(String),
    /// The server closes every connection and says so (`Connection:
    /// close`): what makes it.
    #[error("{0}; nothing to raise: keeping nginx's upstream connections alive buys nothing")]
    NothingToKeep(String),
    /// The value is written in a way ngxfix does not edit in place: where,
    /// and why.
    #[error("{0}")]
    NotEditable(String),
    /// A command-line value whose bytes are not its text (quotes or
    /// escapes inside it).
    #[error("the value {value:?} at line {line} is quoted in a way ngxfix does not edit")]
    Quoted {
        /// The value as the program receives it.
        value: String,
        /// Its line in the file.
        line: usize,
    },
    /// There is no place in the file for the setting (a server that is
    /// not kept in a variable): what to write instead.
    #[error("{0}")]
    Nowhere(String),
    /// The format's edits do not apply to the text.
    #[error("its editor made an {0}")]
    Misplaced(#[from] MisplacedEdit),
    /// The edited text, read again, does not give the target.
    #[error("after the edit it would still read {idle} ({detail}), not at least {target}")]
    StillShort {
        /// What the edited text reads.
        idle: Idle,
        /// Where that comes from, as the reading says.
        detail: String,
        /// The timeout asked for.
        target: Duration,
    },
    /// Spring Boot's words for the two above: a file whose odd lines (a
    /// last line continued with `\`, a quote left open) would swallow the
    /// change.
    #[error(
        "ngxfix could not place the change safely{}: edit the file by hand",
        reads.as_ref().map(|r| format!(" (the edited file would read: {r})")).unwrap_or_default()
    )]
    Unplaced {
        /// What the edited file reads, when the edits apply.
        reads: Option<String>,
    },
}
