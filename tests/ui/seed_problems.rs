static SEEDS: pgshift::Seeds = pgshift::embed_seeds!("tests/ui/seed_problems");

fn main() {
    let _ = &SEEDS;
}
