//! Statistics: the allocation and ICE tables of `-z msstun,alloc|ice` and their GUI trees
//! (the tap, the stats trees and the SRT table are registered by [`crate::epan::tap`] and
//! `wireshark-include/stats.c`).

pub mod tables;
