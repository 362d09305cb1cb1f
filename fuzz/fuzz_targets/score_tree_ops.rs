//! Fuzz target for the big sorted-set encoding: random inserts, score
//! updates, removals and pops against a `BTreeMap` model, with the tree's
//! structural invariants, ranks and both iteration directions compared to
//! the model at the end. Two bytes make one operation, so inputs of a few
//! kilobytes grow the tree through several levels of splits and merges.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use vireo_core::score_tree::{compare, ScoreTree};

fuzz_target!(|data: &[u8]| {
    let mut tree = ScoreTree::new();
    let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
    for pair in data.chunks_exact(2) {
        let (op, value) = (pair[0], pair[1]);
        // Few distinct scores force ties, which compare member bytes.
        let member = format!("member-{}", u16::from(op & 0x3f) << 8 | u16::from(value))
            .into_bytes();
        let score = f64::from(value % 16) - 8.0;
        match op >> 6 {
            0 | 1 => match model.insert(member.clone(), score) {
                Some(_) => assert!(tree.update_score(&member, score)),
                None => tree.insert(score, member.into()),
            },
            2 => assert_eq!(tree.remove(&member), model.remove(&member)),
            _ => {
                let at = if value & 1 == 0 { tree.first() } else { tree.last() };
                match at {
                    Some(cursor) => {
                        let (popped, popped_score) = tree.remove_at(cursor);
                        assert_eq!(model.remove(&*popped), Some(popped_score));
                    }
                    None => assert!(model.is_empty()),
                }
            }
        }
    }
    assert_eq!(tree.check_invariants(), Ok(()));
    let mut expected: Vec<(f64, Vec<u8>)> = model.into_iter().map(|(m, s)| (s, m)).collect();
    expected.sort_by(|a, b| compare(a.0, &a.1, b.0, &b.1));
    assert_eq!(tree.len(), expected.len());
    let mut at = tree.first();
    for (rank, (score, member)) in expected.iter().enumerate() {
        let cursor = at.expect("tree shorter than the model");
        assert_eq!(tree.entry(cursor), (&member[..], *score));
        assert_eq!(tree.rank(member), Some(rank));
        at = tree.next(cursor);
    }
    assert!(at.is_none());
});
