//! End-to-end tests: real `tovholder` processes on real databases, devices over real WebSockets.
//!
//! - two processes on one PostgreSQL pass changes both ways, live;
//! - real `tov` phones: offline work through a dropping network, fifty phones through a SIGKILL, and a phone that
//!   obeys unassignment (purge) and revocation;
//! - sessions through a proxy that breaks messages converge; a server killed with SIGKILL again and again in the
//!   middle of an upload storm (`tests/src/fault_runs.rs` `kill_loop`) loses no acknowledged change, and the devices
//!   resume without a visit lost or doubled.

mod cases;
mod faults;
mod live;
mod phones;
