//! The list type: its encoding and the index rules list commands share.
//!
//! Redis compat: Redis 7.0 stores every list, however small, as a
//! quicklist of listpack nodes and reports `quicklist` for it (the
//! `listpack` list encoding arrived in 7.2). Vireo follows 7.0, whose test
//! suite checks `OBJECT ENCODING`; a one-node quicklist costs one listpack
//! plus the node handle, so small lists stay compact.

pub use crate::quicklist::Quicklist as List;

/// The `OBJECT ENCODING` name of every list.
pub const LIST_ENCODING: &str = "quicklist";

/// Turns LRANGE/LTRIM style `start`/`end` (inclusive, negative from the
/// tail) into a range of indexes `start..=end` within a list of `len`;
/// `None` when the range is empty.
pub fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 {
        start.saturating_add(len)
    } else {
        start
    };
    let mut end = if end < 0 {
        end.saturating_add(len)
    } else {
        end
    };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_range_follows_lrange_rules() {
        assert_eq!(clamp_range(0, -1, 5), Some((0, 4)));
        assert_eq!(clamp_range(-100, 100, 5), Some((0, 4)));
        assert_eq!(clamp_range(2, 1, 5), None);
        assert_eq!(clamp_range(5, 10, 5), None);
        assert_eq!(clamp_range(-2, -1, 5), Some((3, 4)));
        assert_eq!(clamp_range(0, -6, 5), None);
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 3), Some((0, 2)));
        assert_eq!(clamp_range(0, 0, 0), None);
    }
}
