//! The browser edge: every browser API Kizuna touches lives under this module.
//!
//! Rules here: nothing panics and nothing throws into the host page. Every
//! browser call that can fail is handled (storage falls back to memory, a
//! failed request is a status 0), and JavaScript values are only *described*
//! ([`convert`]) for the core to judge.

pub mod console;
pub mod convert;
pub mod listener;
pub mod native;
pub mod page;
pub mod platform;
pub mod runtime;
pub mod storage;
pub mod timer;
pub mod transport;
