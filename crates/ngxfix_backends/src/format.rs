//! The protocol every server format follows: [`ServerFormat`], with what
//! all formats do the same way (check a reading before editing, order the
//! edits, read the edited text back) written once here.

use std::fmt;

use ngxfix_text::Duration;

use crate::{text, Edit, Idle, MisplacedEdit, RaiseError, Reading, Source};

/// A server kind whose configuration ngxfix reads and edits, over the text
/// of one file (a config file, or a Procfile, systemd unit, shell script
/// or env file holding its command line). Each module under `servers/`
/// implements it; [`crate::FORMATS`] lists them.
pub trait ServerFormat: Sync {
    /// The kind names it serves; the first is its own.
    fn kinds(&self) -> &'static [&'static str];

    /// The files it reads, for messages.
    fn files(&self) -> &'static str;

    /// The idle timeout `src` gives, or the server's default when the file
    /// does not set it; `Idle::Unknown` when the value is computed or comes
    /// from somewhere ngxfix cannot see. Never a guess.
    fn read(&self, src: &Source<'_>) -> Reading;

    /// The format's own part of [`ServerFormat::raise`]: edits, in any
    /// order and possibly repeated, after which `src` gives an idle timeout
    /// of at least `target` (rounded up to the unit the server reads),
    /// changing only the value, or adding the setting in the file's own
    /// style when it is missing; none when the file already gives enough.
    /// Callers use `raise`, which orders and verifies them.
    fn edits(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError>;

    /// The refusal of edits that fail the read-back: `after` is what the
    /// edited text reads, or why the edits do not apply. A format whose
    /// users need other words for it says so here.
    fn not_raised(&self, after: Result<Reading, MisplacedEdit>, target: Duration) -> RaiseError {
        match after {
            Err(misplaced) => RaiseError::Misplaced(misplaced),
            Ok(after) => RaiseError::StillShort {
                idle: after.idle,
                detail: after.detail,
                target,
            },
        }
    }

    /// Its own kind's name.
    fn name(&self) -> &'static str {
        self.kinds()[0]
    }

    /// Edits that make `src` give an idle timeout of at least `target`:
    /// [`ServerFormat::edits`] in file order, each once, checked by
    /// reading the edited text again. An edit the reader would not see (a
    /// later duplicate setting wins, a line continued into the new one) is
    /// refused rather than written into the application's configuration.
    fn raise(&self, src: &Source<'_>, target: Duration) -> Result<Vec<Edit<()>>, RaiseError> {
        let mut edits = self.edits(src, target)?;
        edits.sort();
        edits.dedup();
        if edits.is_empty() {
            return Ok(edits);
        }
        let after = text::apply(src.text, &edits).map(|text| {
            self.read(&Source {
                text: &text,
                ..*src
            })
        });
        match after {
            Ok(after) if after.idle.at_least(target) => Ok(edits),
            after => Err(self.not_raised(after, target)),
        }
    }
}

impl fmt::Debug for dyn ServerFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Format({})", self.name())
    }
}

/// Where an idle behaviour stands against the timeout a raise asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// It already waits at least that long, or never closes an idle
    /// connection: nothing to edit.
    Nothing,
    /// It waits less: the timeout is to be raised.
    Longer,
    /// It closes every connection after its response (`NoKeepalive`,
    /// `AfterEachResponse`): whether a longer timeout turns keepalive on
    /// is the format's call.
    KeepaliveOff,
}

/// The check every raise makes before editing, for the file's reading or
/// for each part of the file (a virtual host, a connector, a server) that
/// nginx may reach. An unknown idle behaviour is refused with the
/// reading's own words: ngxfix never edits a value it cannot read.
pub(crate) fn need(idle: &Idle, target: Duration) -> Result<Need, RaiseError> {
    match idle {
        Idle::Unknown(why) => Err(RaiseError::Unknown(why.clone())),
        Idle::NoKeepalive | Idle::AfterEachResponse => Ok(Need::KeepaliveOff),
        idle if idle.at_least(target) => Ok(Need::Nothing),
        _ => Ok(Need::Longer),
    }
}
