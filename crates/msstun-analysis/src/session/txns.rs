//! The capture's one transaction table: the core's transactions (matched within a flow) and
//! the session analysis's open requests (matched across flows) in the same entries.
//!
//! An entry is keyed by its transaction id ([`TxnKey`]'s 16 bytes) alone: the first flow that
//! sent the id owns it. The same id sent on another flow — a check seen on both sides of a
//! relay — is another core transaction, kept in a small second map keyed by (flow, id). The
//! analysis matches a response to its request by id alone, wherever it was sent: its open
//! request ([`crate::Analysis`]'s `Pending`, in a slab) hangs off the id's first entry as a
//! slot number, so each transaction is stored once and looked up once per message.

use super::{FastMap, Transaction, TxnKey};

/// The 16 bytes after a header's length field (cookie and transaction id).
pub type Tid = [u8; 16];

/// Slot bit: the entry holds no core transaction (only the analysis's open request: an
/// analysis fed on its own, or a live state that forgot the core's part).
const NO_CORE: u32 = 1 << 31;

/// Transactions of a capture (see the module documentation).
#[derive(Debug, Default)]
pub struct Transactions {
    /// By transaction id: the first flow's transaction and the analysis's open request.
    first: FastMap<Tid, Transaction>,
    /// The same id on another flow than the first's: (flow, id).
    other: FastMap<TxnKey, Transaction>,
    /// Core transactions held (in both maps).
    cores: usize,
}

impl Transaction {
    fn has_core(&self) -> bool {
        self.slot & NO_CORE == 0
    }
    /// The analysis's open request (its slab index), if any.
    fn pending(&self) -> Option<u32> {
        (self.slot & !NO_CORE).checked_sub(1)
    }
}

impl Transactions {
    /// The core's transaction `tid` on `flow`.
    #[inline]
    pub fn get(&self, flow: u64, tid: &Tid) -> Option<&Transaction> {
        if let Some(t) = self.first.get(tid) {
            if t.flow == flow && t.has_core() {
                return Some(t);
            }
        }
        if self.other.is_empty() {
            return None;
        }
        self.other.get(&(flow, *tid))
    }

    /// The core's transaction `tid` on `flow`, to update.
    #[inline]
    pub(crate) fn get_mut(&mut self, flow: u64, tid: &Tid) -> Option<&mut Transaction> {
        let mine = |t: &&mut Transaction| t.flow == flow && t.has_core();
        if self.other.is_empty() {
            return self.first.get_mut(tid).filter(mine);
        }
        if self
            .first
            .get(tid)
            .is_some_and(|t| t.flow == flow && t.has_core())
        {
            return self.first.get_mut(tid);
        }
        self.other.get_mut(&(flow, *tid))
    }

    /// Number of core transactions.
    pub fn len(&self) -> usize {
        self.cores
    }

    /// No core transaction.
    pub fn is_empty(&self) -> bool {
        self.cores == 0
    }

    /// The core's transaction `tid` on `flow`, made by `make` when new (then `true`).
    #[inline]
    pub(crate) fn request(
        &mut self,
        flow: u64,
        tid: Tid,
        make: impl FnOnce() -> Transaction,
    ) -> (&mut Transaction, bool) {
        use std::collections::hash_map::Entry;
        let slot = match self.first.entry(tid) {
            Entry::Vacant(v) => {
                self.cores += 1;
                let t = v.insert(make());
                t.flow = flow;
                return (t, true);
            }
            Entry::Occupied(o) if o.get().has_core() => {
                if o.get().flow == flow {
                    return (o.into_mut(), false);
                }
                None
            }
            // Only the analysis's open request: the core's part moves in.
            Entry::Occupied(o) => Some(o.into_mut()),
        };
        match slot {
            Some(t) => {
                let keep = t.slot & !NO_CORE;
                *t = make();
                t.flow = flow;
                t.slot = keep;
                self.cores += 1;
                (t, true)
            }
            None => {
                let mut fresh = false;
                let t = self.other.entry((flow, tid)).or_insert_with(|| {
                    fresh = true;
                    make()
                });
                t.flow = flow;
                self.cores += usize::from(fresh);
                (t, fresh)
            }
        }
    }

    /// Forget the core's transaction `tid` on `flow` if `keep` says no (a live state: answered,
    /// timed out, surplus); the analysis's open request under the id stays.
    pub(crate) fn forget_if(&mut self, flow: u64, tid: &Tid, keep: impl Fn(&Transaction) -> bool) {
        if let Some(t) = self.first.get_mut(tid) {
            if t.flow == flow && t.has_core() {
                if keep(t) {
                    return;
                }
                self.cores -= 1;
                if t.pending().is_some() {
                    t.slot |= NO_CORE;
                    t.extra = None;
                } else {
                    self.first.remove(tid);
                }
                return;
            }
        }
        if self.other.is_empty() {
            return;
        }
        if let std::collections::hash_map::Entry::Occupied(o) = self.other.entry((flow, *tid)) {
            if !keep(o.get()) {
                o.remove();
                self.cores -= 1;
            }
        }
    }

    /// The analysis's open request under `tid` (its slab index).
    #[inline]
    pub(crate) fn pending(&self, tid: &Tid) -> Option<u32> {
        self.first.get(tid)?.pending()
    }

    /// The analysis's open request under `tid`, hung there with slab index `new()` when
    /// there is none yet. Returns its slab index.
    #[inline]
    pub(crate) fn open_pending(&mut self, tid: Tid, new: impl FnOnce() -> u32) -> u32 {
        let t = self.first.entry(tid).or_insert_with(|| Transaction {
            slot: NO_CORE,
            ..Transaction::default()
        });
        match t.pending() {
            Some(i) => i,
            None => {
                let i = new();
                t.slot = (t.slot & NO_CORE) | (i + 1);
                i
            }
        }
    }

    /// Unhang the analysis's open request under `tid` (an entry left with nothing goes).
    /// Returns its slab index.
    #[inline]
    pub(crate) fn take_pending(&mut self, tid: &Tid) -> Option<u32> {
        self.take_pending_if(tid, |_| true)
    }

    /// [`Transactions::take_pending`] if `take` says yes to its slab index.
    #[inline]
    pub(crate) fn take_pending_if(
        &mut self,
        tid: &Tid,
        take: impl FnOnce(u32) -> bool,
    ) -> Option<u32> {
        let std::collections::hash_map::Entry::Occupied(mut o) = self.first.entry(*tid) else {
            return None;
        };
        let i = o.get().pending().filter(|&i| take(i))?;
        if o.get().has_core() {
            o.get_mut().slot = 0;
        } else {
            o.remove();
        }
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(frame: u32) -> Transaction {
        Transaction {
            request_frame: frame,
            ..Transaction::default()
        }
    }

    #[test]
    fn one_id_on_two_flows_is_two_core_transactions_and_one_open_request() {
        let mut t = Transactions::default();
        let id = [7; 16];
        assert!(t.request(1, id, || txn(10)).1);
        assert!(!t.request(1, id, || txn(11)).1);
        assert!(t.request(2, id, || txn(12)).1);
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(1, &id).map(|x| x.request_frame), Some(10));
        assert_eq!(t.get(2, &id).map(|x| x.request_frame), Some(12));
        assert!(t.get(3, &id).is_none());
        // The analysis's open request is one per id, whichever flow.
        assert_eq!(t.open_pending(id, || 4), 4);
        assert_eq!(t.open_pending(id, || 5), 4);
        assert_eq!(t.pending(&id), Some(4));
        t.forget_if(1, &id, |_| false);
        assert!(t.get(1, &id).is_none());
        assert_eq!(t.pending(&id), Some(4));
        assert_eq!(t.len(), 1);
        // A request on the first flow again: the core's part moves back in, the slot stays.
        assert!(t.request(1, id, || txn(20)).1);
        assert_eq!(t.get(1, &id).map(|x| x.request_frame), Some(20));
        assert_eq!(t.pending(&id), Some(4));
        assert_eq!(t.take_pending(&id), Some(4));
        assert_eq!(t.take_pending(&id), None);
        assert_eq!(t.pending(&id), None);
        assert_eq!(t.get(1, &id).map(|x| x.request_frame), Some(20));
        t.forget_if(2, &id, |_| true);
        assert_eq!(t.len(), 2);
        t.forget_if(2, &id, |_| false);
        t.forget_if(1, &id, |_| false);
        assert!(t.is_empty());
        assert!(t.first.is_empty() && t.other.is_empty());
    }

    #[test]
    fn an_entry_is_no_larger_than_before_the_fold() {
        // Before: a 40-byte transaction under a (flow, id) key of 24 bytes; now the flow and
        // the analysis's slot sit in the transaction and the key is the id alone.
        assert_eq!(
            std::mem::size_of::<(Tid, Transaction)>(),
            64,
            "one entry of the table"
        );
    }

    #[test]
    fn an_open_request_alone_leaves_no_entry_once_closed() {
        let mut t = Transactions::default();
        let id = [1; 16];
        t.open_pending(id, || 0);
        assert_eq!(t.pending(&id), Some(0));
        assert!(t.is_empty());
        assert!(t.get(0, &id).is_none());
        assert_eq!(t.take_pending(&id), Some(0));
        assert!(t.first.is_empty());
    }
}
