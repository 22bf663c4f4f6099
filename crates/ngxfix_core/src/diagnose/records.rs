//! Splitting a byte stream into error-log records in constant memory: an
//! entry line and the continuation lines that follow it (lines that do not
//! start with a date: the rest of a message with newlines in it, such as
//! FastCGI stderr). Records are handed out as slices of one reused buffer,
//! so nothing is allocated or copied per line.

use std::io::{self, Read};

use super::entry::starts_entry;

/// The buffer holds two of these: each read fills what the open record
/// leaves free. A record longer than the buffer is given out cut (its
/// further lines are only counted): nginx itself never writes a record
/// over 2048 bytes (`NGX_MAX_ERROR_STR`), so such a record is not nginx's.
pub(crate) const CHUNK: usize = 256 * 1024;

/// Line counts of a stream.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LineCounts {
    /// Physical lines (a last line without a line feed counts).
    pub lines: u64,
    /// Lines starting like an entry (a date).
    pub entry_lines: u64,
    /// Lines continuing the message of the entry before them.
    pub continuation_lines: u64,
    /// Lines before any entry of the stream: they continue nothing.
    pub orphan_lines: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// Read `reader` to its end, calling `record` with each record (without
/// its final line feed) and `progress` with the bytes read so far after
/// each read.
pub fn split<R: Read>(
    mut reader: R,
    mut record: impl FnMut(&[u8]),
    mut progress: impl FnMut(u64),
) -> io::Result<LineCounts> {
    let mut counts = LineCounts::default();
    let mut buf = vec![0u8; 2 * CHUNK];
    // buf[..len] holds data; buf[state.start..scan] is the open record and
    // buf[scan..len] a line not yet complete.
    let (mut len, mut scan) = (0usize, 0usize);
    let mut state = Open::default();
    // The current line outgrew the buffer: drop the rest of it.
    let mut skipping = false;
    loop {
        if len == buf.len() {
            // Full, and no line feed after `scan`.
            state.give(&buf, scan, &mut record);
            if scan == 0 {
                // One line fills the buffer: keep its head, drop the rest.
                if !skipping {
                    let line = &buf[..len];
                    count_line(line, &mut counts, &mut state.open);
                    if starts_entry(line) {
                        record(line);
                        state.given = true;
                    }
                    skipping = true;
                }
                len = 0;
            } else {
                buf.copy_within(scan..len, 0);
                len -= scan;
                scan = 0;
            }
            state.start = 0;
        }
        let n = match reader.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        len += n;
        counts.bytes += n as u64;
        progress(counts.bytes);
        while let Some(at) = memchr::memchr(b'\n', &buf[scan..len]) {
            let end = scan + at;
            if !std::mem::take(&mut skipping) {
                state.line(&buf, scan, end, &mut counts, &mut record);
            }
            scan = end + 1;
        }
        // Keep the open record (or only the incomplete line) at the front.
        let keep = if state.open && !state.given {
            state.start
        } else {
            scan
        };
        if keep > 0 {
            buf.copy_within(keep..len, 0);
            len -= keep;
            scan -= keep;
            state.start = state.start.saturating_sub(keep);
        }
    }
    if !skipping && scan < len {
        // A last line without a line feed.
        state.line(&buf, scan, len, &mut counts, &mut record);
        scan = len;
    }
    state.give(&buf, scan, &mut record);
    Ok(counts)
}

/// The record being gathered.
#[derive(Default)]
struct Open {
    /// Where it starts in the buffer.
    start: usize,
    /// An entry has been seen in this stream (later lines continue it).
    open: bool,
    /// It was already given out (it outgrew the buffer): its further
    /// continuation lines are only counted.
    given: bool,
}

impl Open {
    /// Give out the open record, which ends before `end`, unless it was.
    fn give(&mut self, buf: &[u8], end: usize, record: &mut impl FnMut(&[u8])) {
        if self.open && !self.given && self.start < end {
            record(trim_newline(&buf[self.start..end]));
            self.given = true;
        }
    }

    /// The complete line buf[start..end]: an entry line gives out the
    /// record before it and opens its own.
    fn line(
        &mut self,
        buf: &[u8],
        start: usize,
        end: usize,
        counts: &mut LineCounts,
        record: &mut impl FnMut(&[u8]),
    ) {
        let line = &buf[start..end];
        if starts_entry(line) {
            self.give(buf, start, record);
            self.start = start;
            self.given = false;
        }
        count_line(line, counts, &mut self.open);
    }
}

/// Count a line; `open` says whether an entry precedes it in the stream.
fn count_line(line: &[u8], counts: &mut LineCounts, open: &mut bool) {
    counts.lines += 1;
    if starts_entry(line) {
        counts.entry_lines += 1;
        *open = true;
    } else if *open {
        counts.continuation_lines += 1;
    } else {
        counts.orphan_lines += 1;
    }
}

fn trim_newline(record: &[u8]) -> &[u8] {
    record.strip_suffix(b"\n").unwrap_or(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most `step` bytes a call.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn records(data: &[u8], step: usize) -> (Vec<Vec<u8>>, LineCounts) {
        let mut out = Vec::new();
        let counts = split(Trickle { data, step }, |r| out.push(r.to_vec()), |_| {}).unwrap();
        (out, counts)
    }

    const LOG: &[u8] = b"orphan line\n\
2026/11/24 13:39:35 [error] 1#1: *1 one\n\
2026/11/24 13:39:36 [error] 1#1: *2 FastCGI sent in stderr: \"a\n\
#0 b\n\
#1 c\" while reading response header from upstream, client: 1.1.1.1\n\
2026/11/24 13:39:37 [warn] 1#1: three";

    #[test]
    fn groups_continuations_at_any_read_size() {
        for step in [1, 2, 7, 64, 4096] {
            let (recs, counts) = records(LOG, step);
            assert_eq!(recs.len(), 3, "step {step}");
            assert_eq!(recs[0], b"2026/11/24 13:39:35 [error] 1#1: *1 one");
            assert!(recs[1]
                .ends_with(b"#1 c\" while reading response header from upstream, client: 1.1.1.1"));
            assert_eq!(recs[1].iter().filter(|&&b| b == b'\n').count(), 2);
            assert_eq!(recs[2], b"2026/11/24 13:39:37 [warn] 1#1: three");
            assert_eq!(
                counts,
                LineCounts {
                    lines: 6,
                    entry_lines: 3,
                    continuation_lines: 2,
                    orphan_lines: 1,
                    bytes: LOG.len() as u64
                }
            );
        }
    }

    #[test]
    fn empty_and_blank() {
        let (recs, counts) = records(b"", 10);
        assert!(recs.is_empty());
        assert_eq!(counts.lines, 0);
        let (recs, counts) = records(b"\n\n", 10);
        assert!(recs.is_empty());
        assert_eq!(counts.orphan_lines, 2);
    }

    #[test]
    fn oversized_lines_are_cut_not_buffered() {
        // An entry with a continuation longer than the buffer, then a
        // normal entry; and a single line longer than the buffer.
        let mut log = b"2026/11/24 13:39:35 [error] 1#1: *1 big\n".to_vec();
        log.extend(std::iter::repeat_n(b'x', 3 * CHUNK));
        log.extend(b"\n2026/11/24 13:39:36 [error] 1#1: *2 after\n");
        log.extend(b"2026/11/24 13:39:37 [error] 1#1: *3 ");
        log.extend(std::iter::repeat_n(b'y', 3 * CHUNK));
        log.extend(b"\n\tcontinued\n2026/11/24 13:39:38 [error] 1#1: *4 last\n");
        let (recs, counts) = records(&log, 100_000);
        let firsts: Vec<&[u8]> = recs.iter().map(|r| &r[..r.len().min(40)]).collect();
        assert_eq!(recs.len(), 4, "{firsts:?}");
        assert_eq!(recs[0], b"2026/11/24 13:39:35 [error] 1#1: *1 big");
        assert_eq!(recs[1], b"2026/11/24 13:39:36 [error] 1#1: *2 after");
        assert!(recs[2].starts_with(b"2026/11/24 13:39:37 [error] 1#1: *3 yyy"));
        assert!(recs[2].len() <= 2 * CHUNK);
        assert_eq!(recs[3], b"2026/11/24 13:39:38 [error] 1#1: *4 last");
        assert_eq!(counts.entry_lines, 4);
        assert_eq!(counts.continuation_lines, 2);
        assert_eq!(counts.lines, 6);
    }

    proptest::proptest! {
        /// Random text of entry lines, continuations and blank lines, read
        /// in random steps: every line counted once, every entry line
        /// starting exactly one record.
        #[test]
        fn counts_every_line(
            lines in proptest::collection::vec(0u8..4, 0..60),
            step in 1usize..50,
        ) {
            let mut data = Vec::new();
            for kind in &lines {
                data.extend_from_slice(match kind {
                    0 => &b"2026/11/24 13:39:35 [error] 1#1: *1 x"[..],
                    1 => b"  continued",
                    2 => b"",
                    _ => b"2026/11/24 bad",
                });
                data.push(b'\n');
            }
            let (recs, counts) = records(&data, step);
            let entries = lines.iter().filter(|&&k| k == 0 || k == 3).count();
            proptest::prop_assert_eq!(counts.lines, lines.len() as u64);
            proptest::prop_assert_eq!(counts.entry_lines, entries as u64);
            proptest::prop_assert_eq!(recs.len(), entries);
            proptest::prop_assert_eq!(
                counts.entry_lines + counts.continuation_lines + counts.orphan_lines,
                counts.lines
            );
        }
    }
}
