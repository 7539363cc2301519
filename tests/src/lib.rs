//! Shared ground for end-to-end tests: test devices that speak the sync protocol over a real WebSocket
//! ([`device`]), real `tovholder` processes ([`process`]), throwaway databases ([`database`]) and a tiny HTTP
//! client for the few JSON calls tests make ([`http`]), the real `tov` binary as a phone ([`tov`]) and a proxy
//! that drops connections at random points ([`proxy`]).

pub mod database;
pub mod device;
pub mod http;
pub mod process;
pub mod proxy;
pub mod tov;
