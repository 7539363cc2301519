//! End-to-end tests: real `tovholder` processes on real databases, devices over real WebSockets.
//!
//! - two processes on one PostgreSQL pass changes both ways, live;
//! - real `tov` phones: offline work through a dropping network, fifty phones through a SIGKILL, and a phone that
//!   obeys unassignment (purge) and revocation;
//! - a server killed with SIGKILL in the middle of an upload storm loses no acknowledged change, and the devices
//!   resume without duplicates or loss;
//! - sessions through a proxy that breaks messages, and a SIGKILL loop, converge with nothing acknowledged lost.

mod cases;
mod crash;
mod faults;
mod live;
mod phones;
