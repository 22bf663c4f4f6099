//! `ngxfix diagnose`: reading nginx error logs and grouping upstream
//! failures by signature.
//!
//! Data flows one way: [`records`] splits a byte stream into records (an
//! entry line and its continuation lines) in one reused buffer, [`entry`]
//! parses a record into borrowed fields, [`signature`] classifies it,
//! [`tally`] counts it in bounded maps, and [`report`] renders the counts.
//! Memory does not grow with the log.

pub mod blocks;
pub mod entry;
pub mod records;
pub mod report;
pub mod signature;
pub mod tally;

use std::io::{self, Read};

pub use records::LineCounts;
pub use tally::Tally;

/// Read one log to its end into `tally`; `progress` gets the bytes read so
/// far after each read.
pub fn read<R: Read>(
    reader: R,
    tally: &mut Tally,
    progress: impl FnMut(u64),
) -> io::Result<LineCounts> {
    records::split(
        reader,
        |record| match entry::parse(record) {
            Ok(entry) => tally.add(&entry),
            Err(_) => tally.malformed(),
        },
        progress,
    )
}
