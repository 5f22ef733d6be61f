//! The bundled example capture is exactly what the generator writes.

#[test]
fn bundled_seed_example_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed-tcp-turn.pcapng");
    let on_disk = std::fs::read(path).expect("examples/seed-tcp-turn.pcapng");
    let fresh = msstun_fixtures::build("seed", 0)
        .expect("seed scenario")
        .pcapng;
    assert!(
        on_disk == fresh,
        "examples/seed-tcp-turn.pcapng is stale: run `cargo run -p msstun-fixtures -- seed examples/seed-tcp-turn.pcapng`"
    );
}
