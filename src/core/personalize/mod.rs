//! On-device personalization of content slots: the visitor profile, the
//! slots' variants and rules, the holdout hash, Thompson sampling, the
//! decision, and what a rendered variant may contain.
//!
//! All of it lives only in the browser: the profile is never sent, and
//! decisions are made before the slot is shown.

pub mod bandit;
pub mod config;
pub mod decide;
pub mod hash;
pub mod profile;
pub mod rules;
pub mod sanitize;
pub mod slots;
