//! Throwaway: per-document cost of listing conflicts vs reading change metadata vs loading.
use std::time::Instant;
use sync_core::case::conflicts;
use tests::cases::new_cases;

fn main() {
    let docs = new_cases("team", 1000, 2, "Bench");
    let saved: Vec<Vec<u8>> = docs.iter().map(|(_, d)| d.save()).collect();
    let loaded: Vec<automerge::Automerge> = saved
        .iter()
        .map(|b| automerge::Automerge::load(b).unwrap())
        .collect();
    for _ in 0..2 {
        let t = Instant::now();
        let n: usize = loaded.iter().map(|d| conflicts::list(d).len()).sum();
        println!("conflicts::list {:?}/doc ({n})", t.elapsed() / 1000);
        let t = Instant::now();
        let n: usize = loaded
            .iter()
            .map(|d| {
                d.get_changes_meta(&[])
                    .iter()
                    .filter(|m| m.deps.len() > 1)
                    .count()
            })
            .sum();
        println!("get_changes_meta {:?}/doc ({n})", t.elapsed() / 1000);
        let t = Instant::now();
        let n: usize = saved
            .iter()
            .map(|b| automerge::Automerge::load(b).unwrap().get_heads().len())
            .sum();
        println!("load {:?}/doc ({n})", t.elapsed() / 1000);
        let t = Instant::now();
        let n: usize = loaded.iter().map(|d| d.save().len()).sum();
        println!("save {:?}/doc ({n})", t.elapsed() / 1000);
    }
}
