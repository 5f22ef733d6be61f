//! Statistics: the allocation and ICE tables of `-z msstun,alloc|ice|diag` and their GUI trees,
//! and the table dialogs (Statistics → MS-STUN Allocations, MS-STUN ICE pairs, MS-STUN Diagnosis). The tap,
//! the stats trees, the SRT table and the table dialogs are registered by
//! [`crate::epan::tap`], `src/epan/stat_table.rs` and `wireshark-include/stats.c`.

pub mod rows;
pub mod tables;
