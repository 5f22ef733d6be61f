//! Capture-file state: per-conversation framing, transactions, allocations and the
//! RFC 6062 links between control and data connections.
//!
//! Everything is recorded on the first pass (frames not yet visited) and only read
//! afterwards, so a frame re-dissected in any order shows the same tree. The state
//! is cleared when Wireshark opens a new file (`init`).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};

use msstun::framing::Framing;

/// A transport address from an address attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr {
    /// IP address.
    pub ip: IpAddr,
    /// Port.
    pub port: u16,
}

/// One STUN transaction (keyed by conversation and transaction id).
#[derive(Debug, Clone, Default)]
pub struct Transaction {
    /// First frame carrying the request.
    pub request_frame: u32,
    /// Absolute time of the request (seconds, nanoseconds).
    pub request_time: (i64, i32),
    /// First frame carrying a response.
    pub response_frame: Option<u32>,
    /// USERNAME of the request (to check the response's integrity).
    pub username: Option<String>,
    /// REALM of the request.
    pub realm: Option<String>,
}

/// A ConnectionAttempt seen on a control connection.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// Frame of the ConnectionAttempt indication.
    pub frame: u32,
    /// Its conversation.
    pub conv: u32,
    /// XOR-PEER-ADDRESS.
    pub peer: Option<Addr>,
    /// Frame of the ConnectionBind request naming it.
    pub bind_frame: Option<u32>,
    /// Frame of the ConnectionBind success response.
    pub bound_frame: Option<u32>,
}

/// State of an RFC 6062 data connection.
#[derive(Debug, Clone, Copy)]
pub struct DataConn {
    /// CONNECTION-ID.
    pub connection_id: u32,
    /// Frame of the ConnectionBind request.
    pub bind_frame: u32,
    /// Frame of the success response: later frames are data.
    pub bound_frame: Option<u32>,
}

/// What is known about one conversation.
#[derive(Debug, Clone, Default)]
pub struct Conv {
    /// Framing detected on the first STUN PDU.
    pub framing: Option<Framing>,
    /// Allocate success response frame and relayed address.
    pub allocation: Option<(u32, Option<Addr>)>,
    /// RFC 6062 data connection state.
    pub data: Option<DataConn>,
}

/// The whole state.
#[derive(Debug, Default)]
pub struct State {
    /// Per conversation.
    pub convs: HashMap<u32, Conv>,
    /// Per (conversation, transaction id).
    pub transactions: HashMap<(u32, [u8; 16]), Transaction>,
    /// Frames that retransmit a request: frame → original frame.
    pub retransmissions: HashMap<u32, u32>,
    /// Frames that repeat a response.
    pub repeated_responses: HashSet<u32>,
    /// ConnectionAttempts by CONNECTION-ID.
    pub attempts: HashMap<u32, Attempt>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// Lock the state (recovering from a poisoned lock: the state is plain data).
pub fn state() -> MutexGuard<'static, Option<State>> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Run `f` on the state.
pub fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut g = state();
    f(g.get_or_insert_with(State::default))
}

/// Forget everything (new capture file).
pub fn reset() {
    *state() = Some(State::default());
}

/// Wireshark init/cleanup routine.
pub unsafe extern "C" fn init_routine() {
    let _ = std::panic::catch_unwind(reset);
}

/// Key of a transaction: the 16 bytes after the length field.
pub fn txid_key(header: &[u8]) -> [u8; 16] {
    let mut k = [0u8; 16];
    if header.len() >= 20 {
        k.copy_from_slice(&header[4..20]);
    }
    k
}
