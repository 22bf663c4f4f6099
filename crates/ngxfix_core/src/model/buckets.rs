//! Directive ids grouped by a small key (a name's symbol), each group in
//! model order, in two flat arrays. Asking for every `proxy_pass` then
//! reads the `proxy_pass` group instead of scanning every directive, and a
//! rule's candidates are a group borrowed, or a few groups merged.

use std::borrow::Cow;

use super::tree::NodeId;

/// Ids grouped by key: group `k` is `ids[starts[k]..starts[k + 1]]`.
#[derive(Debug, Default)]
pub(crate) struct Buckets {
    starts: Vec<u32>,
    ids: Vec<NodeId>,
}

impl Buckets {
    /// The ids `0..len` grouped by `key` (below `keys`), in increasing
    /// order within each group: a counting sort.
    pub fn new(len: usize, keys: usize, key: impl Fn(usize) -> u32) -> Self {
        let mut starts = vec![0u32; keys + 1];
        for id in 0..len {
            starts[key(id) as usize + 1] += 1;
        }
        for k in 0..keys {
            starts[k + 1] += starts[k];
        }
        let mut next = starts.clone();
        let mut ids = vec![NodeId::new(0); len];
        for id in 0..len {
            let at = &mut next[key(id) as usize];
            ids[*at as usize] = NodeId::new(id as u32);
            *at += 1;
        }
        Buckets { starts, ids }
    }

    /// The ids with key `key`, in increasing order (none for a key out of
    /// range).
    pub fn get(&self, key: u32) -> &[NodeId] {
        let k = key as usize;
        match (self.starts.get(k), self.starts.get(k + 1)) {
            (Some(&start), Some(&end)) => &self.ids[start as usize..end as usize],
            _ => &[],
        }
    }

    /// The ids of every key `wanted` keeps, in increasing order, each once:
    /// borrowed when they are one group.
    pub fn union(&self, wanted: impl Iterator<Item = u32>) -> Cow<'_, [NodeId]> {
        let groups: Vec<&[NodeId]> = wanted
            .map(|k| self.get(k))
            .filter(|g| !g.is_empty())
            .collect();
        match groups.as_slice() {
            [] => Cow::Borrowed(&[]),
            [one] => Cow::Borrowed(one),
            _ => {
                let mut ids = groups.concat();
                ids.sort_unstable();
                Cow::Owned(ids)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_the_ids_order() {
        let keys = [2, 1, 0, 2, 0, 1];
        let buckets = Buckets::new(keys.len(), 4, |id| keys[id]);
        let ids = |list: &[NodeId]| list.iter().map(|id| id.index()).collect::<Vec<_>>();
        assert_eq!(ids(buckets.get(0)), [2, 4]);
        assert_eq!(ids(buckets.get(1)), [1, 5]);
        assert_eq!(ids(buckets.get(2)), [0, 3]);
        assert!(buckets.get(3).is_empty());
        assert!(buckets.get(4).is_empty());
        assert_eq!(ids(&buckets.union([2, 0].into_iter())), [0, 2, 3, 4]);
        assert!(matches!(buckets.union([2].into_iter()), Cow::Borrowed(_)));
        assert!(buckets.union(std::iter::empty()).is_empty());
    }
}
