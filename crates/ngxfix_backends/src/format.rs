//! What every server format does the same way before and after its own
//! reading and editing.

use ngxfix_text::Duration;

use crate::{Idle, RaiseError};

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
