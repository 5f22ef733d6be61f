//! The Suricata plugin's parsing entry (crates/msstun-suricata `state`: what its parse
//! callbacks call) fed one flow as Suricata would: the first byte picks the transport,
//! the `data: yes` setting and the chunk size; the rest is the flow's bytes, in chunks
//! alternating direction. Over TCP the fuzzer keeps what the parser did not consume and
//! calls again once it has the bytes the parser asked for, as Suricata's stream engine
//! does. Every transaction is then written as its eve object, and the probe run. No
//! panic, no leak, no runaway memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msstun::framing::Transport;
use msstun_event::JsonText;
use msstun_suricata::state::{probe, Config, Dir, FlowState, Parsed};

fuzz_target!(|data: &[u8]| msstun_fuzz::no_leak(|| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let transport = if ctl & 1 == 0 {
        Transport::Tcp
    } else {
        Transport::Udp
    };
    let config = Config {
        max_tx: 8,
        data: ctl & 2 != 0,
    };
    let chunk = 1 + (ctl as usize >> 2) % 61;
    let _ = probe(transport, rest);
    let mut flow: FlowState<()> = FlowState::new(transport, config);
    let mut pending: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut want = [0usize; 2];
    for (i, piece) in rest.chunks(chunk).enumerate() {
        let d = (i / 2) % 2;
        let dir = if d == 0 { Dir::ToServer } else { Dir::ToClient };
        if transport == Transport::Udp {
            flow.parse(dir, piece);
            continue;
        }
        pending[d].extend_from_slice(piece);
        if pending[d].len() < want[d] {
            continue;
        }
        match flow.parse(dir, &pending[d]) {
            Parsed::Ok => {
                pending[d].clear();
                want[d] = 0;
            }
            Parsed::Incomplete { consumed, needed } => {
                let consumed = consumed as usize;
                assert!(consumed <= pending[d].len());
                pending[d].drain(..consumed);
                want[d] = needed as usize;
                assert!(want[d] > pending[d].len(), "asked for bytes it already has");
            }
        }
        // Suricata frees what it has logged.
        let done: Vec<u64> = flow
            .txs
            .iter()
            .filter(|t| t.complete)
            .map(|t| t.id)
            .collect();
        for t in &flow.txs {
            let mut w = JsonText::object();
            let _ = msstun_suricata::eve::write_tx(&mut w, t);
            let _ = w.finish();
        }
        for id in done {
            flow.free_tx(id);
        }
        assert!(flow.txs.len() <= 2 * 8 + 1 + 64, "transactions pile up");
    }
    flow.eof();
}));
