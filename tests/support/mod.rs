//! Helpers shared by the host test files.

pub mod fakes;
pub mod fixtures;
