//! The data engine: databases, values and the parsing rules they share.
//!
//! Nothing here opens a socket, reads a clock or writes a file: time arrives
//! as a parameter (`now_ms`, Unix milliseconds), so every behaviour that
//! depends on time is deterministic under test.

pub mod db;
pub mod dict;
pub mod expire;
pub mod geohash;
pub mod glob;
pub mod hash;
pub mod hyperloglog;
pub mod intset;
pub mod listpack;
pub mod long_double;
pub mod object;
pub mod partial_sort;
pub mod quicklist;
pub mod random;
pub mod rdb;
pub mod score_tree;
pub mod sha1;
pub mod t_hash;
pub mod t_list;
pub mod t_set;
pub mod t_stream;
pub mod t_zset;
pub mod util;

pub use db::Db;
pub use object::{Bytes, StrValue, Value};
