//! The real `tov` binary as a phone: one profile directory per device, each command a fresh process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::process::DEMO_PASSWORD;

/// One simulated phone: a `tov` profile.
pub struct Phone {
    pub profile: PathBuf,
}

/// The `tov` binary beside `tovholder` (see [`crate::process::tovholder_bin`]).
pub fn tov_bin() -> PathBuf {
    let tovholder = crate::process::tovholder_bin();
    let bin = tovholder.with_file_name("tov");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bin tov` first (scripts/test does)",
        bin.display()
    );
    bin
}

impl Phone {
    /// A phone logged in as `user` of `tenant` at `port`, with its own profile directory under `dir`.
    pub fn login(dir: &Path, name: &str, port: u16, tenant: &str, user: &str) -> Phone {
        let profile = dir.join(name);
        std::fs::create_dir_all(&profile).expect("a profile directory");
        let phone = Phone { profile };
        let server = format!("http://127.0.0.1:{port}");
        phone.ok(&["login", "--server", &server, "--tenant", tenant, "--user", user]);
        phone
    }

    /// Runs `tov ARGS` on this profile.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(tov_bin())
            .args(args)
            .env("TOV_PROFILE", &self.profile)
            .env("TOV_PASSWORD", DEMO_PASSWORD)
            .output()
            .expect("tov runs")
    }

    /// Runs `tov ARGS` and returns its standard output; panics with both outputs if it fails.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "tov {args:?} failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// Creates a case and returns its full id.
    pub fn new_case(&self, name: &str, reference: &str) -> String {
        let out = self.ok(&["case", "new", "--name", name, "--reference", reference]);
        out.split_whitespace()
            .skip_while(|word| *word != "case")
            .nth(1)
            .expect("tov names the new case")
            .to_owned()
    }
}
