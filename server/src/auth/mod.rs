//! Authentication: argon2id passwords, HS256 access tokens, opaque refresh tokens, ID tokens of an external
//! identity provider (OIDC), and the [`AuthUser`] extractor that guards routes.

mod extract;
pub mod oidc;
pub mod password;
pub mod refresh;
pub mod token;

pub use extract::{AuthUser, authenticate, is_revoked_device};
pub use token::{Claims, IssuedToken, Subject, TokenError, TokenKeys};
