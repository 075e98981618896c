//! Stage 1: a call (`track`, `page`, `identify`, `group`, `alias`) as the
//! edge hands it over, already checked there (`js/edge/call.js`: the
//! arguments snapshotted at call time, values JSON cannot hold left out
//! and named, calls that cannot be recorded dropped with their message).
//! What reaches the engine is the name as a JSON literal, the id a call
//! sets, clean JSON, a message id and a category: the decisions about it
//! (identity, consent, the queue) are made from here on.

use crate::prelude::*;

use super::event::Kind;
use crate::engine::consent::Category;
use crate::engine::identity::is_user_id;
use crate::engine::text::json;
use crate::engine::text::rng::is_plausible_id;
use crate::engine::text::{cat, chars_prefix};

/// Longest accepted event or page name, and user or group id.
pub const MAX_NAME_CHARS: usize = 255;

/// A call as the edge checked it (see `src/engine/protocol.json`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Call<'a> {
    /// Which call.
    pub kind: Kind,
    /// The name as a JSON literal, empty when none: the event or page
    /// name, `group`'s id, `alias`'s previous id.
    pub name: &'a str,
    /// The user id `identify` sets or `alias` sends; empty when none.
    pub id: &'a str,
    /// Properties or traits, clean JSON.
    pub props: &'a str,
    /// `options.messageId`; empty for a new one.
    pub message_id: &'a str,
    /// `options.category` (analytics by default).
    pub category: Category,
}

impl<'a> Call<'a> {
    /// A call with nothing but a name and properties (the edge's fast
    /// path, autotrack's and the personalization module's events).
    pub fn plain(kind: Kind, name: &'a str, props: &'a str) -> Call<'a> {
        Call { kind, name, id: "", props, message_id: "", category: Category::Analytics }
    }
}

/// A call the tracker records, owned.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// Which call.
    pub kind: Kind,
    /// The name as a JSON literal (empty when none).
    pub name: String,
    /// The user id `identify` sets, or `alias` sends (decoded), if any.
    pub user_id: Option<String>,
    /// Properties or traits, clean JSON.
    pub props: String,
    /// `options.messageId`.
    pub message_id: Option<String>,
    /// `options.category` (analytics by default).
    pub category: Category,
}

impl Checked {
    /// The call, owned. The edge checked it; what would break every later
    /// event still cannot pass: a user id that is not one is none, a
    /// message id that is not a plausible id is replaced by a new one.
    pub fn of(call: &Call) -> Checked {
        Checked {
            kind: call.kind,
            name: call.name.into(),
            user_id: is_user_id(call.id).then(|| call.id.into()),
            props: if call.props.is_empty() { "{}".into() } else { call.props.into() },
            message_id: is_plausible_id(call.message_id).then(|| call.message_id.into()),
            category: call.category,
        }
    }

    /// How messages name the call: `track('Signed Up')`, `group()`.
    pub fn label(&self) -> String {
        let name = json::string(&self.name).filter(|_| matches!(self.kind, Kind::Track | Kind::Page));
        label(self.kind.name(), name.as_deref())
    }
}

/// `track('Signed Up')`, `page()`: how messages name a call (60 characters
/// of the name at most).
pub fn label(call: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => cat(&[call, "('", chars_prefix(n, 60), "')"]),
        None => cat(&[call, "()"]),
    }
}
