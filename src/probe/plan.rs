//! Which addresses to measure for a configuration: the servers of the
//! `upstream{}` blocks its `*_pass` directives reach, and what one
//! upstream's measurements say together.

use std::time::Duration;

use super::address::{self, Address};
use super::{time, IdleClose, Observed, ProbeError, Target};
use crate::backends::kinds::Idle;
use crate::model::reuse::reached_upstreams;
use crate::model::Model;

/// One upstream to measure.
#[derive(Debug)]
pub struct Planned {
    pub name: String,
    /// `file:line` of its block.
    pub at: String,
    /// Whether a pass reaching it can reuse connections (its idle timeout
    /// matters to the 502s).
    pub reused: bool,
    pub servers: Vec<PlannedServer>,
}

/// One `server` of an upstream: as written, and where it resolves.
#[derive(Debug)]
pub struct PlannedServer {
    pub written: String,
    pub targets: Result<Vec<Target>, ProbeError>,
}

/// The upstreams of `model` that `chosen` keeps (by name and whether
/// their connections can be reused), with their servers resolved.
pub fn plan(
    model: &Model<'_>,
    chosen: &dyn Fn(&str, bool) -> bool,
    allow_public: bool,
) -> Vec<Planned> {
    reached_upstreams(model)
        .into_iter()
        .filter_map(|reached| {
            let block = reached.upstream.block;
            let name = block.arg(0)?.value().into_owned();
            if !chosen(&name, reached.reused) {
                return None;
            }
            let servers = reached
                .upstream
                .servers
                .iter()
                .filter_map(|server| server.arg(0).map(|a| a.value().into_owned()))
                .map(|written| PlannedServer {
                    targets: targets(&written, reached.tls, allow_public),
                    written,
                })
                .collect();
            Some(Planned {
                name,
                at: format!("{}:{}", block.path(), block.line_col().line),
                reused: reached.reused,
                servers,
            })
        })
        .collect()
}

/// The addresses behind one `server` argument (or `--target`).
pub fn targets(written: &str, tls: bool, allow_public: bool) -> Result<Vec<Target>, ProbeError> {
    let (host, addresses) = address::resolve(written, tls, allow_public)?;
    Ok(addresses
        .into_iter()
        .map(|address| Target {
            address,
            host: host.clone(),
            tls,
        })
        .collect())
}

/// What one upstream's servers showed together: the most dangerous
/// behaviour wins (a silent close after every response; else the
/// shortest idle timeout; a close announced after every response only
/// when every server does that), with the address that showed it and how
/// many addresses disagreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub idle: IdleClose,
    pub address: Address,
    pub measured_at: std::time::SystemTime,
    /// Addresses measured, and how many showed something else.
    pub measured: usize,
    pub others: usize,
}

impl Verdict {
    /// Of the measurements of one upstream's addresses; `None` when none
    /// could be measured.
    pub fn of<'a>(
        measured: impl IntoIterator<Item = (&'a Address, &'a Observed)>,
    ) -> Option<Verdict> {
        let measured: Vec<(&Address, &Observed)> = measured.into_iter().collect();
        let rank = |idle: &IdleClose| match *idle {
            IdleClose::EachResponse { announced: false } => (0, Duration::ZERO),
            IdleClose::After(d) => (1, d),
            IdleClose::StillOpen(d) => (1, d),
            IdleClose::EachResponse { announced: true } => (2, Duration::ZERO),
        };
        let (address, observed) = measured.iter().min_by_key(|(_, o)| rank(&o.idle))?;
        let others = measured
            .iter()
            .filter(|(_, o)| o.idle.describe() != observed.idle.describe())
            .count();
        Some(Verdict {
            idle: observed.idle,
            address: (*address).clone(),
            measured_at: observed.measured_at,
            measured: measured.len(),
            others,
        })
    }

    /// The backend's idle behaviour for the rules.
    pub fn idle(&self) -> Idle {
        self.idle.idle()
    }

    /// Where the value came from, for the findings' messages.
    pub fn detail(&self) -> String {
        let mut detail = format!(
            "measured: {} on {} at {}",
            self.idle.describe(),
            self.address,
            time::utc(self.measured_at)
        );
        if self.others > 0 {
            detail.push_str(&format!(
                "; the shortest of {} addresses, {} of which showed longer",
                self.measured, self.others
            ));
        }
        detail
    }
}
