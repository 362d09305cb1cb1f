//! Redis's partial quicksort (`pqsort`): sorts only as much of a slice as
//! needed for a range of positions to hold their final elements.
//!
//! Redis compat: the algorithm is Bentley and McIlroy's quicksort (median of
//! three, or ninther above 40 elements, three-way partitioning, insertion
//! sort below 7 elements) that skips the partitions outside the wanted
//! range. It is not stable, so which of several equal elements lands in the
//! range depends on its exact steps; GEO searches with COUNT reply in that
//! order, and this reproduces it step for step.

use std::cmp::Ordering;

/// Reorders `items` so that positions `first..=last` hold the elements a
/// full sort by `compare` would put there, in sorted order, choosing among
/// equal elements exactly as Redis's `pqsort` does.
pub fn partial_sort<T>(
    items: &mut [T],
    compare: impl Fn(&T, &T) -> Ordering,
    first: usize,
    last: usize,
) {
    let mut sorter = Sorter {
        items,
        compare,
        first,
        last,
    };
    let len = sorter.items.len();
    sorter.sort(0, len);
}

struct Sorter<'a, T, F> {
    items: &'a mut [T],
    compare: F,
    first: usize,
    last: usize,
}

impl<T, F: Fn(&T, &T) -> Ordering> Sorter<'_, T, F> {
    fn cmp(&self, a: usize, b: usize) -> Ordering {
        (self.compare)(&self.items[a], &self.items[b])
    }

    /// The index of the median of the three.
    fn median_of_three(&self, a: usize, b: usize, c: usize) -> usize {
        if self.cmp(a, b) == Ordering::Less {
            if self.cmp(b, c) == Ordering::Less {
                b
            } else if self.cmp(a, c) == Ordering::Less {
                c
            } else {
                a
            }
        } else if self.cmp(b, c) == Ordering::Greater {
            b
        } else if self.cmp(a, c) == Ordering::Less {
            a
        } else {
            c
        }
    }

    /// Swaps the `count` elements from `a` with the `count` from `b`, pairwise.
    fn swap_blocks(&mut self, a: usize, b: usize, count: usize) {
        for offset in 0..count {
            self.items.swap(a + offset, b + offset);
        }
    }

    /// Whether `start..start + len` holds any wanted position.
    fn wanted(&self, start: usize, len: usize) -> bool {
        let end = start + len;
        !((self.first < start && self.last < start) || (self.first >= end && self.last >= end))
    }

    fn sort(&mut self, mut start: usize, mut len: usize) {
        loop {
            if len < 7 {
                for next in start + 1..start + len {
                    let mut at = next;
                    while at > start && self.cmp(at - 1, at) == Ordering::Greater {
                        self.items.swap(at, at - 1);
                        at -= 1;
                    }
                }
                return;
            }
            let mut pivot = start + len / 2;
            if len > 7 {
                let mut low = start;
                let mut high = start + len - 1;
                if len > 40 {
                    let step = len / 8;
                    low = self.median_of_three(low, low + step, low + 2 * step);
                    pivot = self.median_of_three(pivot - step, pivot, pivot + step);
                    high = self.median_of_three(high - 2 * step, high - step, high);
                }
                pivot = self.median_of_three(low, pivot, high);
            }
            self.items.swap(start, pivot);
            // Equal elements gather at both ends ([start, equal_low) and
            // (equal_high, end)), smaller ones after the first group, larger
            // ones before the second.
            let (mut equal_low, mut below) = (start + 1, start + 1);
            let (mut above, mut equal_high) = (start + len - 1, start + len - 1);
            loop {
                while below <= above {
                    let order = self.cmp(below, start);
                    if order == Ordering::Greater {
                        break;
                    }
                    if order == Ordering::Equal {
                        self.items.swap(equal_low, below);
                        equal_low += 1;
                    }
                    below += 1;
                }
                while below <= above {
                    let order = self.cmp(above, start);
                    if order == Ordering::Less {
                        break;
                    }
                    if order == Ordering::Equal {
                        self.items.swap(above, equal_high);
                        equal_high -= 1;
                    }
                    above -= 1;
                }
                if below > above {
                    break;
                }
                self.items.swap(below, above);
                below += 1;
                above -= 1;
            }
            let end = start + len;
            let moved = (equal_low - start).min(below - equal_low);
            self.swap_blocks(start, below - moved, moved);
            let moved = (equal_high - above).min(end - equal_high - 1);
            self.swap_blocks(below, end - moved, moved);
            let smaller = below - equal_low;
            if smaller > 1 && self.wanted(start, smaller) {
                self.sort(start, smaller);
            }
            let larger = equal_high - above;
            if larger <= 1 {
                return;
            }
            start = end - larger;
            len = larger;
            if !self.wanted(start, len) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sorts_everything_when_the_range_is_everything() {
        let mut items: Vec<u32> = (0..100).map(|i| (i * 37) % 101).collect();
        partial_sort(&mut items, u32::cmp, 0, 99);
        assert!(items.windows(2).all(|pair| pair[0] <= pair[1]));
    }

    #[test]
    fn picks_equal_elements_in_redis_order() {
        // A GEO search found ten members at one place (a..j), then y and z
        // farther away; Redis 7.0 replies to it with DESC COUNT 5 and
        // DESC COUNT 11 in these orders. Keys stand for the distances.
        let found: Vec<(u32, char)> = "abcdefghij"
            .chars()
            .map(|tag| (0, tag))
            .chain([(2, 'y'), (1, 'z')])
            .collect();
        let descending = |a: &(u32, char), b: &(u32, char)| b.0.cmp(&a.0);
        let mut items = found.clone();
        partial_sort(&mut items, descending, 0, 4);
        let tags: String = items[..5].iter().map(|item| item.1).collect();
        assert_eq!(tags, "yzcde");
        let mut items = found;
        partial_sort(&mut items, descending, 0, 10);
        let tags: String = items[..11].iter().map(|item| item.1).collect();
        assert_eq!(tags, "yzcdefahijg");
    }

    proptest! {
        #[test]
        fn the_range_matches_a_full_sort(
            mut items in proptest::collection::vec(0u8..20, 1..200),
            a in 0usize..200,
            b in 0usize..200,
        ) {
            let len = items.len();
            let (first, last) = (a.min(b) % len, a.max(b) % len);
            let (first, last) = (first.min(last), first.max(last));
            let mut sorted = items.clone();
            sorted.sort();
            partial_sort(&mut items, u8::cmp, first, last);
            prop_assert_eq!(&items[first..=last], &sorted[first..=last]);
            let mut all = items.clone();
            all.sort();
            prop_assert_eq!(all, sorted);
        }
    }
}
