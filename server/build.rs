//! Rebuilds the server when a migration changes, since `sqlx::migrate!` embeds the migration files at compile time.

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
