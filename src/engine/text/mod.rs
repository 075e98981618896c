//! Text tools every part of the engine shares: reading JSON and the edge's
//! described values without trees, writing JSON string literals, numbers,
//! timestamps, URLs, and seeded randomness for ids.

pub mod json;
pub mod num;
pub mod rng;
pub mod time;
pub mod url;
