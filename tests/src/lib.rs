//! Shared ground for end-to-end tests: test devices that speak the sync protocol over a real WebSocket
//! ([`device`]), real `tovholder` processes ([`process`]), throwaway databases ([`database`]) and a tiny HTTP
//! client for the few JSON calls tests make ([`http`]).

pub mod database;
pub mod device;
pub mod http;
pub mod process;
