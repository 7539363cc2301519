//! Runs `tests/vectors/case-validation.json`: whole case documents, valid and invalid, as every client must judge
//! them.

use serde_json::Value;
use sync_core::case::Case;
use sync_core::case::validate::validate;

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let Value::Object(object) = target else { return };
    for (key, value) in fields {
        if value.is_null() {
            object.remove(key);
        } else {
            merge_patch(object.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

#[test]
fn case_validation_vectors_pass() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/case-validation.json");
    let vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read vectors")).expect("json");
    let cases = vectors["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20, "the vectors cover every rule");
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let mut document = vectors["base"].clone();
        merge_patch(&mut document, &case["patch"]);
        let typed: Case = serde_json::from_value(document).unwrap_or_else(|e| panic!("{name}: {e}"));
        let outcome = validate(&typed)
            .err()
            .map(|e| serde_json::json!({"field": e.field, "problem": e.problem}));
        assert_eq!(outcome.unwrap_or(Value::Null), case["expect"], "{name}");
    }
}
