//! libFuzzer entry point for `tovholder_fuzz::frames` (see `fuzz/README.md`).
#![no_main]

libfuzzer_sys::fuzz_target!(init: tovholder_fuzz::contain_panics_as_the_server_does(), |data: &[u8]| {
    tovholder_fuzz::frames(data)
});
