//! Replays the committed corpus of every fuzz target on the stable toolchain, so that each input the fuzzer ever
//! kept (and each regression in `fuzz/regressions/`) runs in the ordinary test suite, where no nightly
//! toolchain is needed; and checks the committed seeds are the ones `seeds.rs` builds.

use std::fs;
use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let mut count = 0;
    for dir in [tovholder_fuzz::seeds::corpus_dir(target), regressions(target)] {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.expect("a corpus entry").path();
            let bytes = fs::read(&path).expect("a corpus file");
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            count += 1;
        }
    }
    assert!(
        count > 0,
        "{target} has no corpus: run `TOVHOLDER_WRITE_CORPUS=1 cargo test -p tovholder-fuzz`"
    );
}

fn regressions(target: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(target)
}

#[test]
fn the_frame_corpus_replays() {
    replay("frames", tovholder_fuzz::frames);
}

#[test]
fn the_session_corpus_replays() {
    replay("session", tovholder_fuzz::session);
}

#[test]
fn the_receive_corpus_replays() {
    replay("receive", tovholder_fuzz::receive);
}

/// After changing the world's case or the seeds: `TOVHOLDER_WRITE_CORPUS=1 cargo test -p tovholder-fuzz`.
#[test]
fn the_committed_seeds_are_what_seeds_builds() {
    let write = std::env::var_os("TOVHOLDER_WRITE_CORPUS").is_some();
    for (target, name, bytes) in tovholder_fuzz::seeds::all() {
        let dir = tovholder_fuzz::seeds::corpus_dir(target);
        let path = dir.join(&name);
        if write {
            fs::create_dir_all(&dir).expect("the corpus folder");
            fs::write(&path, &bytes).expect("a seed written");
        }
        let committed = fs::read(&path).unwrap_or_default();
        assert!(
            committed == bytes,
            "{} is not what seeds.rs builds: run `TOVHOLDER_WRITE_CORPUS=1 cargo test -p tovholder-fuzz`",
            path.display()
        );
    }
}

#[test]
fn the_seeds_reach_the_rules_they_are_for() {
    let outcome = |name: &str| {
        let path = tovholder_fuzz::seeds::corpus_dir("receive").join(format!("seed-{name}"));
        tovholder_fuzz::receive_outcome(&fs::read(path).expect("a seed")).expect("a sync message")
    };
    for accepted in [
        "add-contact",
        "edit-notes",
        "goal-status",
        "own-goal",
        "mark-in-error",
        "whole-document",
    ] {
        assert_eq!(outcome(accepted), Ok(true), "{accepted}");
    }
    let refused = [
        ("probe-hidden", "probe_hidden"),
        ("nested-400", "deep"),
        ("wipe-contacts", "contacts"),
        ("delete-a-contact", "contacts."),
        ("rewrite-rating", "contacts."),
        ("delete-without-predecessor", "a delete must name what it deletes"),
        ("program-delete-contact", "contacts."),
        ("program-counter", ""),
    ];
    for (name, reason) in refused {
        let got = outcome(name).expect_err(name);
        assert!(got.contains(reason), "{name}: {got}");
    }
}
