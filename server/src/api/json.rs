//! [`ApiJson`]: axum's `Json` extractor with its rejections turned into [`ApiError`], so a malformed body gets
//! the API's error shape instead of axum's plain-text answer; and text holding a NUL character is refused here,
//! at the edge, because PostgreSQL cannot store it (SQLite can): both stores must answer a request alike. A body
//! must be a JSON object, as every one the API documents is.

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ApiError;

/// A JSON request body of type `T`. Its size is bounded by the router's body limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Read as a JSON value first (serde_json bounds its nesting at 128), look at every string, then type it.
        let Json(value) = Json::<Value>::from_request(request, state).await?;
        // Every body of this API is an object; serde would also read a struct from an array of its fields in order
        // (`[null, null]`), which the documented schema does not allow.
        if !value.is_object() {
            return Err(ApiError::BadRequest("the JSON body must be an object".to_owned()));
        }
        if holds_nul(&value) {
            return Err(ApiError::BadRequest(
                "text may not contain NUL characters".to_owned(),
            ));
        }
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|error| ApiError::BadRequest(format!("the JSON body does not fit: {error}")))
    }
}

/// Whether any string or key in `value` holds U+0000. Walks with its own stack, not recursion.
fn holds_nul(value: &Value) -> bool {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::String(text) if text.contains('\0') => return true,
            Value::Array(items) => pending.extend(items),
            Value::Object(fields) => {
                if fields.keys().any(|key| key.contains('\0')) {
                    return true;
                }
                pending.extend(fields.values());
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_in_nested_strings_and_keys() {
        assert!(!holds_nul(&serde_json::json!({"a": ["b", {"c": "d"}], "n": 1})));
        assert!(holds_nul(&serde_json::json!({"a": ["b", {"c": "d\u{0}"}]})));
        assert!(holds_nul(&serde_json::json!({"a\u{0}": 1})));
    }
}
