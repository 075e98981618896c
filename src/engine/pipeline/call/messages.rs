//! How messages name a call (`track('Signed Up')`), and the message of a
//! call that records nothing.

use crate::prelude::*;

use crate::engine::text::{cat, chars_prefix};

/// `track('Signed Up')`, `page()`: how messages name a call (60 characters
/// of the name at most).
pub fn label(call: &str, name: Option<&str>) -> String {
    let mut s = String::from(call);
    s.push('(');
    if let Some(n) = name {
        s.push('\'');
        s.push_str(chars_prefix(n, 60));
        s.push('\'');
    }
    s.push(')');
    s
}

/// The message of a call that records nothing.
pub fn dropped(label: &str, why: &str) -> String {
    cat(&[label, ": ", why, "; event dropped"])
}
