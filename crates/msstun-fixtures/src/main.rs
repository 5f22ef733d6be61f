//! `msstun-fixtures <scenario> <out.pcapng> [count]` — write a generated capture.
//! `msstun-fixtures list` — name the scenarios. `--labels` prints `label frame` lines.

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: msstun-fixtures <scenario> <out.pcapng> [count] [--labels]\n       msstun-fixtures list");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let labels = args.iter().any(|a| a == "--labels");
    let args: Vec<&String> = args.iter().filter(|a| *a != "--labels").collect();
    match args.as_slice() {
        [cmd] if cmd.as_str() == "list" => {
            for (name, what) in msstun_fixtures::SCENARIOS
                .iter()
                .chain(msstun_fixtures::followups::SCENARIOS)
                .chain(msstun_fixtures::ports::SCENARIOS)
                .chain(msstun_fixtures::clients::SCENARIOS)
                .chain(msstun_fixtures::media::SCENARIOS)
            {
                println!("{name:12} {what}");
            }
            println!(
                "{:12} N STUN messages over UDP port 3478 (count, default 200000)",
                "bench"
            );
            println!(
                "{:12} N non-STUN UDP datagrams (count, default 200000)",
                "nostun"
            );
            ExitCode::SUCCESS
        }
        [name, out, rest @ ..] if rest.len() <= 1 => {
            let n = match rest.first().map(|c| c.parse::<usize>()) {
                None => 200_000,
                Some(Ok(n)) => n,
                Some(Err(_)) => return usage(),
            };
            let Some(fx) = msstun_fixtures::build(name, n) else {
                eprintln!("unknown scenario {name:?}; try `msstun-fixtures list`");
                return ExitCode::from(2);
            };
            if let Err(e) = std::fs::write(out, &fx.pcapng) {
                eprintln!("cannot write {out}: {e}");
                return ExitCode::FAILURE;
            }
            if labels {
                for (l, f) in &fx.labels {
                    println!("{l} {f}");
                }
            }
            eprintln!("{out}: {} frames ({name})", fx.frames);
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}
