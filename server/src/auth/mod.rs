//! Authentication: argon2id passwords, HS256 access tokens, opaque refresh tokens and ID tokens of an external
//! identity provider (OIDC). The extractor that guards routes with them is the API's (`api/extract.rs`).

pub mod login;
pub mod oidc;
pub mod password;
pub mod refresh;
pub mod token;

pub use token::{Claims, IssuedToken, Subject, TokenError, TokenKeys};
