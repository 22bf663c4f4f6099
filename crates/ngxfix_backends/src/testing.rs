//! What the kind modules' tests share: applying edits, and raising a file
//! with the check every editor must pass (the raised text reads back at
//! least the target).

use super::{text, Edit, Idle, Reading, ServerFormat, Source};
use ngxfix_text::Duration;

/// An idle timeout of `n` milliseconds.
pub(crate) fn ms(n: u64) -> Idle {
    Idle::After(Duration::from_millis(n))
}

/// `text` with `edits` applied.
pub(crate) fn apply(text: &str, edits: &[Edit<()>]) -> String {
    text::apply(text, edits).unwrap_or_else(|why| panic!("{why} in {text:?}"))
}

/// Why a kind's `read` cannot determine `source`'s idle timeout; a panic
/// when it can.
pub(crate) fn unknown(read: fn(&Source<'_>) -> Reading, source: Source<'_>) -> String {
    match read(&source).idle {
        Idle::Unknown(why) => why,
        other => panic!("{:?} reads {other:?}", source.text),
    }
}

/// Raise `source` to `target` with a format, check that it reads at least
/// `target` (or no timeout) from the result, and return it.
pub(crate) fn raised(format: &dyn ServerFormat, source: Source<'_>, target: Duration) -> String {
    let edits = format
        .raise(&source, target)
        .unwrap_or_else(|e| panic!("{:?}: {e}", source.text));
    let out = apply(source.text, &edits);
    match format
        .read(&Source {
            text: &out,
            ..source
        })
        .idle
    {
        Idle::After(d) => assert!(d >= target, "{out:?} reads {d}"),
        Idle::Never => {}
        other => panic!("{out:?} reads {other:?}"),
    }
    out
}

/// Read and raise `rounds` texts made of random `tokens`, each named by one
/// of `paths` in turn: neither may panic, and a raise must read back at
/// least its target. The generator is seeded, so a failure repeats.
pub(crate) fn token_soup(
    format: &dyn ServerFormat,
    paths: &[&str],
    tokens: &[&str],
    rounds: usize,
) {
    let mut state = 7u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let target = Duration::from_secs(61);
    for round in 0..rounds {
        let path = paths[round % paths.len()];
        let text: String = (0..next() % 30)
            .map(|_| tokens[next() % tokens.len()])
            .collect();
        let source = Source {
            path,
            text: &text,
            version: None,
        };
        let _ = format.read(&source);
        if let Ok(edits) = format.raise(&source, target) {
            let out = apply(&text, &edits);
            let after = format.read(&Source {
                text: &out,
                ..source
            });
            assert!(
                matches!(after.idle, Idle::Never)
                    || matches!(after.idle, Idle::After(d) if d >= target),
                "{text:?} => {out:?}: {after:?}"
            );
        }
    }
}
