//! The FIT ratings as an HL7 FHIR R4 `Bundle` (type `collection`), for a municipality's own systems: per rating a
//! `QuestionnaireResponse` (the items as scores, never the licensed item wording) and an `Observation` of its
//! total, derived from it. Both name the FFB service of the course the contact belongs to, as a coding of KL's
//! code system (`urn:oid:1.2.208.176.2.22`) in an extension, and the case by identifier only: no names, no notes.
//!
//! Scores are points (millimetres / 10) with one decimal, as the instruments are read.

use serde_json::{Value, json};
use sync_core::case::date::Date;

use crate::store::ExportRating;

/// KL's FFB code system.
pub const FFB_SYSTEM: &str = "urn:oid:1.2.208.176.2.22";
/// Where the extension naming a rating's FFB service is defined.
pub const SERVICE_EXTENSION: &str = "urn:tovholder:fhir:StructureDefinition:ffb-service";
/// The identifier system of Tovholder's case ids.
pub const CASE_SYSTEM: &str = "urn:tovholder:case";
/// The code system of the totals' codes (`ors-total`, `srs-total`, …).
pub const SCORE_SYSTEM: &str = "urn:tovholder:fit";

/// The bundle of `ratings`, made at `now_ms`.
pub fn bundle(ratings: &[ExportRating], now_ms: i64) -> Value {
    let mut entries = Vec::new();
    for rating in ratings {
        let base = format!("{}-{}-{}", rating.doc_id, rating.contact_id, rating.slot);
        let response_id = resource_id("qr", &base);
        let observation_id = resource_id("obs", &base);
        let when = date_time(rating.started_at);
        let subject = json!({ "identifier": { "system": CASE_SYSTEM, "value": rating.doc_id } });
        let extension: Vec<Value> = rating
            .service_code
            .iter()
            .map(|code| json!({ "url": SERVICE_EXTENSION, "valueCoding": { "system": FFB_SYSTEM, "code": code } }))
            .collect();
        let items: Vec<Value> = [
            rating.item_1_mm,
            rating.item_2_mm,
            rating.item_3_mm,
            rating.item_4_mm,
        ]
        .iter()
        .enumerate()
        .filter_map(|(i, mm)| {
            let mm = (*mm)?;
            Some(json!({ "linkId": format!("{}", i + 1), "answer": [{ "valueDecimal": points(mm) }] }))
        })
        .collect();
        let mut response = json!({
            "resourceType": "QuestionnaireResponse",
            "id": response_id,
            "questionnaire": format!("urn:tovholder:fit:questionnaire:{}", rating.instrument),
            "status": "completed",
            "subject": subject,
            "authored": when,
            "source": { "display": rating.rater },
        });
        if !items.is_empty() {
            response["item"] = Value::Array(items);
        }
        if !extension.is_empty() {
            response["extension"] = Value::Array(extension.clone());
        }
        entries.push(json!({ "fullUrl": format!("urn:uuid:{response_id}"), "resource": response }));
        let Some(total) = rating.total_mm else {
            // A skipped rating has no total to observe.
            continue;
        };
        let mut observation = json!({
            "resourceType": "Observation",
            "id": observation_id,
            "status": "final",
            "code": { "coding": [{ "system": SCORE_SYSTEM, "code": format!("{}-total", rating.instrument) }] },
            "subject": subject,
            "effectiveDateTime": when,
            "valueQuantity": { "value": points(total), "unit": "points" },
            // The bundle's own entry: a reference to its `fullUrl` resolves within the bundle.
            "derivedFrom": [{ "reference": format!("urn:uuid:{response_id}") }],
        });
        if !extension.is_empty() {
            observation["extension"] = Value::Array(extension);
        }
        entries.push(json!({ "fullUrl": format!("urn:uuid:{observation_id}"), "resource": observation }));
    }
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": date_time(now_ms),
        "entry": entries,
    })
}

/// A UUID for `kind` and `key` from the first 128 bits of their SHA-256 (version and variant bits set as for a
/// random UUID): the same rating has the same ids in every export, and as a FHIR id and an `urn:uuid:` it is
/// valid in both places.
fn resource_id(kind: &str, key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{kind}:{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

fn points(mm: i64) -> f64 {
    (mm as f64) / 10.0
}

/// A FHIR `dateTime` in UTC: `YYYY-MM-DDThh:mm:ssZ`.
fn date_time(ms: i64) -> String {
    let day = Date::from_unix_ms(ms);
    let seconds = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{day}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_and_ids_take_the_forms_fhir_defines() {
        assert_eq!(date_time(1_764_000_000_000), "2025-11-24T16:00:00Z");
        let id = resource_id(
            "obs",
            &format!("{}-{}-srs", "2nj4pkBJAwGUkyzr9vBNxUJm6bmm", uuid::Uuid::nil()),
        );
        assert_eq!(id.len(), 4 + 32);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert_ne!(resource_id("qr", "a-ors"), resource_id("qr", "a-srs"));
    }
}
