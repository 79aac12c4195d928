//! The order of the directory's rows: a stable bottom-up merge sort of positions. The standard
//! library's stable sort (driftsort, with its quicksort and small-sort networks) is ~3.4 kB of
//! the picker's wasm for one call on at most a few thousand rows; this is a few hundred bytes
//! and as fast at that size (n log n comparisons).

/// The positions `0..n` ordered by `less` (a strict weak order on positions), equal ones kept
/// in ascending position: what `(0..n).collect::<Vec<_>>().sort_by(..)` gives.
pub fn sorted_positions(n: usize, less: impl Fn(usize, usize) -> bool) -> Vec<usize> {
    let mut from: Vec<usize> = (0..n).collect();
    let mut into = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut left, mut right) = (start, mid);
            for slot in into.iter_mut().take(end).skip(start) {
                // The right run's head goes first only when strictly less: stable.
                let take_right = right < end && (left >= mid || less(from[right], from[left]));
                if take_right {
                    *slot = from[right];
                    right += 1;
                } else {
                    *slot = from[left];
                    left += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut from, &mut into);
        width *= 2;
    }
    from
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_cases() {
        assert_eq!(sorted_positions(0, |_, _| false), Vec::<usize>::new());
        assert_eq!(sorted_positions(1, |_, _| false), [0]);
        let keys = [3, 1, 2, 1, 0];
        assert_eq!(
            sorted_positions(5, |a, b| keys[a] < keys[b]),
            [4, 1, 3, 2, 0]
        );
    }

    proptest! {
        #[test]
        fn it_is_the_standard_librarys_stable_sort(keys in proptest::collection::vec(0u8..6, 0..300)) {
            let ours = sorted_positions(keys.len(), |a, b| keys[a] < keys[b]);
            let mut std: Vec<usize> = (0..keys.len()).collect();
            std.sort_by_key(|&i| keys[i]);
            prop_assert_eq!(ours, std);
        }
    }
}
