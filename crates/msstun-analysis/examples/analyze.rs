//! `cargo run -p msstun-analysis --example analyze -- FILE [--json]`: the allocation and
//! ICE tables of a capture file, as text (default) or JSON.

use msstun_analysis::{render, replay};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: analyze FILE.pcap[ng] [--json]");
        std::process::exit(2);
    };
    let json = args.any(|a| a == "--json");
    match replay::analyze_file(std::path::Path::new(&path)) {
        Ok(an) => {
            let r = an.report();
            if json {
                println!("{}", render::json(&r));
            } else {
                print!("{}", render::text(&r));
            }
        }
        Err(e) => {
            eprintln!("analyze: {e}");
            std::process::exit(1);
        }
    }
}
