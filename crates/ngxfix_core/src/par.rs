//! Data parallelism, in one place: with the `parallel` feature (on by
//! default) the helpers run on rayon's thread pool; without it they are
//! plain iteration on the calling thread, for a build that may not start
//! threads (a WebAssembly page). Both give the same results in the same
//! order.

use std::ops::Range;

#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// `f` of each item, in the items' order.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        items.par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}

/// `f` of each item with its index, in the items' order.
pub(crate) fn map_indexed<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn((usize, &T)) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        items.par_iter().enumerate().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().enumerate().map(f).collect()
    }
}

/// Whether `f` holds for any item (not necessarily the first one, and the
/// others may or may not be tried once one is found).
pub fn any<T, F>(items: &[T], f: F) -> bool
where
    T: Sync,
    F: Fn(&T) -> bool + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        items.par_iter().any(f)
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().any(f)
    }
}

/// The `Some` results of `f` over `range`, in order; in parallel, each
/// thread takes at least `min_len` numbers at a time.
pub(crate) fn filter_map_range<R, F>(range: Range<u32>, min_len: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(u32) -> Option<R> + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        range
            .into_par_iter()
            .with_min_len(min_len)
            .filter_map(f)
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        let _ = min_len;
        range.filter_map(f).collect()
    }
}

/// The value in `cell`, worked out first if no thread has yet. It never
/// waits for another thread's answer: working one out can run on rayon's
/// pool (a `used_by` inside, the refusals' scan), whose workers take other
/// jobs while they wait, and a job asking the same question would then
/// wait on its own thread forever. Two threads may both work it out; the
/// first keeps it.
pub(crate) fn once<T>(cell: &std::sync::OnceLock<T>, work: impl FnOnce() -> T) -> &T {
    if let Some(known) = cell.get() {
        return known;
    }
    let _ = cell.set(work());
    cell.get().expect("set just above")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u32> = (0..10_000).collect();
        assert_eq!(
            map(&items, |x| x * 2),
            (0..10_000).map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(map_indexed(&items, |(i, x)| i as u32 + x)[9_999], 19_998);
        assert!(any(&items, |&x| x == 9_999));
        assert!(!any(&items, |&x| x > 10_000));
        let odd = filter_map_range(0..10_000, 64, |x| (x % 2 == 1).then_some(x));
        assert_eq!(odd, (0..10_000).filter(|x| x % 2 == 1).collect::<Vec<_>>());
    }
}
