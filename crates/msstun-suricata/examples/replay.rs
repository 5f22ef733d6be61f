//! Feed a flow to the plugin's parser without Suricata and print its transactions' eve
//! objects: lines `c HEX` (client to server) or `s HEX` on stdin, one datagram (`--udp`)
//! or stream chunk (TCP) each. A debugging aid for differences with tshark+msstun.
//!
//! `cargo run --no-default-features --example replay -- [--udp] [--data] < flow.txt`

use std::io::BufRead;

use msstun::framing::Transport;
use msstun_event::JsonText;
use msstun_suricata::state::{Config, Dir, FlowState, Parsed};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let udp = args.iter().any(|a| a == "--udp");
    let config = Config {
        data: args.iter().any(|a| a == "--data"),
        ..Config::default()
    };
    let transport = if udp { Transport::Udp } else { Transport::Tcp };
    let mut flow: FlowState<()> = FlowState::new(transport, config);
    let mut pending = [Vec::new(), Vec::new()];
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let Some((d, hex)) = line.trim().split_once(' ') else {
            continue;
        };
        let (dir, i) = if d == "c" {
            (Dir::ToServer, 0)
        } else {
            (Dir::ToClient, 1)
        };
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .filter_map(|k| u8::from_str_radix(&hex[2 * k..2 * k + 2], 16).ok())
            .collect();
        if udp {
            eprintln!(
                "probe: {:?}",
                msstun_suricata::state::probe(transport, &bytes)
            );
            flow.parse(dir, &bytes);
            continue;
        }
        pending[i].extend_from_slice(&bytes);
        match flow.parse(dir, &pending[i]) {
            Parsed::Ok => pending[i].clear(),
            Parsed::Incomplete { consumed, .. } => {
                pending[i].drain(..consumed as usize);
            }
        }
    }
    flow.eof();
    for t in &flow.txs {
        let mut w = JsonText::object();
        let _ = msstun_suricata::eve::write_tx(&mut w, t);
        println!("{}", w.finish());
    }
}
