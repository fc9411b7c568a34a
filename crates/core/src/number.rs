//! Times and counters serialised as plain numbers (`f64`). Every one the core reports is below
//! 2^53 (times are capped at [`parse::MAX_TIME_MS`](crate::parse::MAX_TIME_MS)), so it is exact
//! as a JavaScript number, and a serializer never takes its "too large for a number" path.

use crate::Millis;

pub(crate) fn time<S: serde::Serializer>(value: &Millis, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(*value as f64)
}

pub(crate) fn optional_time<S: serde::Serializer>(value: &Option<Millis>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => time(value, serializer),
        None => serializer.serialize_none(),
    }
}
