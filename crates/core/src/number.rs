//! Times and counters serialised as plain numbers (`f64`). Every one the core reports is below
//! 2^53 (times are capped at [`parse::MAX_TIME_MS`](crate::parse::MAX_TIME_MS), generations
//! count sessions), so it is exact as a JavaScript number, and a serializer never takes its
//! "too large for a number" path.

pub(crate) fn serialize<S: serde::Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(*value as f64)
}

pub(crate) fn serialize_option<S: serde::Serializer>(value: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serialize(value, serializer),
        None => serializer.serialize_none(),
    }
}
