//! Shared pieces of the fuzz targets: a [`Fields`] view of JSON that behaves like the wasm
//! shell's view of a JS object, and small encoders for building inputs.

use chat_token_core::{Fields, Value};

/// A token response decoded from JSON, read the way the shell reads a JS object: a step
/// through anything but an object is `Missing`; booleans, arrays and objects are `Other`.
pub struct JsonFields<'a>(pub &'a serde_json::Value);

impl Fields for JsonFields<'_> {
    fn is_object(&self) -> bool {
        self.0.is_object()
    }

    fn get(&self, path: &[&str]) -> Value {
        let mut v = self.0;
        for key in path {
            let Some(next) = v.as_object().and_then(|o| o.get(*key)) else { return Value::Missing };
            v = next;
        }
        to_value(v)
    }
}

/// The core's view of one JSON value.
pub fn to_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Number(n) => n.as_f64().map_or(Value::Other, Value::Num),
        _ => Value::Other,
    }
}

/// Unpadded base64url, the encoding of JWT segments.
pub fn b64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
        }
    }
    out
}

/// A JWT (HS256 header, fake signature) whose payload is `payload`, byte for byte.
pub fn jwt_with_payload(payload: &[u8]) -> String {
    format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}.c2lnbmF0dXJl", b64url(payload))
}

/// A few clock readings worth trying, picked by `k`: the epoch, the present, the largest
/// time the SDK accepts and past it.
pub fn pick_now(k: usize) -> u64 {
    const NOWS: [u64; 6] = [0, 1, 1_700_000_000_000, 1_700_000_123_456, (1 << 53) - 1, u64::MAX];
    NOWS[k % NOWS.len()]
}
