//! The ids of tenants, teams, users and devices, each its own type, parsed once at the edge.
//!
//! Every one of them is a UUID v4 the store drew when it created the row, kept in its text form (lowercase,
//! hyphenated) in the database, the tokens and the JSON. Before these types, a `&str` could be any of the four,
//! and a tenant id passed where a user id belonged compiled. Now an id is parsed where it enters the server (a
//! path parameter, a token's claims, a request body, the payload of a notice from another process) and the type
//! says which id it is from there on; the store takes the typed ids. A case is named by sync-core's
//! [`DocumentId`], whose text form is the one stored; [`parse_case_id`] reads it at the edge.
//!
//! Parsing accepts exactly the text form the store writes, so an id that parses is looked up as the same text as
//! before, and one in another spelling (upper case, braces) is refused at the edge as an id no row has. Rows read
//! from the database are trusted: the server wrote them, so decoding one does not parse it again.
//!
//! Each type serialises as its plain string (`#[serde(transparent)]`) and binds as text
//! (`#[sqlx(transparent)]`), so the JSON, the tokens and the database hold exactly what they held before.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sync_core::DocumentId;
use uuid::Uuid;

/// Why a text was refused as an id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a {0}: expected a lowercase hyphenated UUID")]
pub struct IdError(&'static str);

/// Defines a UUID-backed id type: its parsing, text form, serde and sqlx representations.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, sqlx::Type)]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id, for a row the store creates.
            pub fn new_random() -> Self {
                Self::from(Uuid::new_v4())
            }

            /// A fixed id made from a name, for tests that speak of "anna" and "team-a".
            #[cfg(test)]
            #[allow(dead_code)]
            pub(crate) fn named(name: &str) -> Self {
                let mut bytes = [0u8; 16];
                for (i, byte) in name.bytes().enumerate() {
                    bytes[i % 16] ^= byte;
                }
                Self::from(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }

            /// The text form, as stored and sent.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid.hyphenated().to_string())
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match Uuid::try_parse(text) {
                    Ok(uuid) if uuid.hyphenated().to_string() == text => Ok(Self(text.to_owned())),
                    _ => Err(IdError($what)),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

uuid_id!(
    /// A municipality's id (`tenants.id`).
    TenantId,
    "tenant id"
);
uuid_id!(
    /// A team's id (`teams.id`).
    TeamId,
    "team id"
);
uuid_id!(
    /// A user's id (`users.id`), a token's `sub`.
    UserId,
    "user id"
);
uuid_id!(
    /// A device's id (`devices.id`), a token's `device`.
    DeviceId,
    "device id"
);

/// A case id from the outside (a path, a stored check-in): the document id in exactly the text form the store keeps,
/// so that it names the same row as before. automerge-repo's `automerge:` URL form, which `DocumentId` also reads,
/// names no stored case.
pub fn parse_case_id(text: &str) -> Option<DocumentId> {
    text.parse::<DocumentId>()
        .ok()
        .filter(|id| id.to_string() == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "6f1c9a4e-2b3d-4c5e-8f70-0a1b2c3d4e5f";

    #[test]
    fn an_id_round_trips_through_its_text_form() {
        let id: UserId = TEXT.parse().expect("a stored id parses");
        assert_eq!(id.as_str(), TEXT);
        assert_eq!(id.to_string(), TEXT);
        let fresh = DeviceId::new_random();
        assert_eq!(fresh.as_str().parse::<DeviceId>(), Ok(fresh));
    }

    #[test]
    fn only_the_stored_spelling_parses() {
        for text in [
            "",
            "u1",
            "6F1C9A4E-2B3D-4C5E-8F70-0A1B2C3D4E5F",
            "6f1c9a4e2b3d4c5e8f700a1b2c3d4e5f",
            "{6f1c9a4e-2b3d-4c5e-8f70-0a1b2c3d4e5f}",
            "urn:uuid:6f1c9a4e-2b3d-4c5e-8f70-0a1b2c3d4e5f",
        ] {
            assert_eq!(text.parse::<TenantId>(), Err(IdError("tenant id")), "{text:?}");
        }
    }

    #[test]
    fn a_case_id_parses_only_in_its_stored_form() {
        let id = DocumentId::from_bytes([7; 16]);
        assert_eq!(parse_case_id(&id.to_string()), Some(id));
        assert_eq!(parse_case_id(&format!("automerge:{id}")), None);
        assert_eq!(parse_case_id("not-a-case"), None);
    }

    #[test]
    fn json_holds_the_plain_string() {
        let id: TeamId = TEXT.parse().expect("parses");
        let json = serde_json::to_string(&id).expect("serialises");
        assert_eq!(json, format!("\"{TEXT}\""));
        assert_eq!(serde_json::from_str::<TeamId>(&json).expect("deserialises"), id);
        assert!(serde_json::from_str::<TeamId>("\"t1\"").is_err());
    }
}
