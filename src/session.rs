//! The plugin's one capture-state per file: [`msstun_analysis::session::State`] (per-flow
//! framing, transactions, RFC 6062 links and the session analysis) behind a lock. The state
//! is cleared when Wireshark opens a new file ([`reset`], from the plugin's init routine).

use std::sync::{Mutex, MutexGuard};

pub use msstun_analysis::session::*;

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// Lock the state (recovering from a poisoned lock: the state is plain data).
#[inline]
pub fn state() -> MutexGuard<'static, Option<State>> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Run `f` on the state (inlined: the result is built in place, not copied out).
#[inline]
pub fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut g = state();
    f(g.get_or_insert_with(State::default))
}

/// Forget everything (new capture file).
pub fn reset() {
    *state() = Some(State::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_clears_state() {
        with(|s| {
            s.retransmissions.insert(1, 2);
        });
        reset();
        assert!(with(|s| s.retransmissions.is_empty()));
    }
}
