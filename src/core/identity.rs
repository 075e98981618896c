//! Who the visitor is: the anonymous id (made once and kept), and the user id
//! and traits that `identify` sets. Kept in memory; written to storage only
//! when the tracker says analytics storage is allowed ([`Identity::save`]).

use crate::prelude::*;

use super::ids::{is_plausible_id, uuid_v4};
use super::json::Value;
use super::platform::{Random, Store};

/// Storage key of the anonymous id.
pub const ANONYMOUS_ID_KEY: &str = "kizuna:anonymousId";
/// Storage key of the user id.
pub const USER_ID_KEY: &str = "kizuna:userId";
/// Storage key of the user's traits (a JSON object).
pub const TRAITS_KEY: &str = "kizuna:traits";
/// Every key the identity writes (all of them analytics data).
pub const KEYS: [&str; 3] = [ANONYMOUS_ID_KEY, USER_ID_KEY, TRAITS_KEY];

/// The visitor's identity.
#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    /// UUID v4 made on the first visit and kept.
    pub anonymous_id: String,
    /// Set by `identify`, cleared by `reset`.
    pub user_id: Option<String>,
    /// Traits from `identify`, merged across calls for the same user.
    pub traits: Value,
}

impl Identity {
    /// Reads the stored identity; makes a new anonymous id (in memory) when
    /// there is none or the stored one is damaged. Writes nothing.
    pub fn load(store: &dyn Store, rng: &mut dyn Random) -> Identity {
        let anonymous_id = match store.get(ANONYMOUS_ID_KEY) {
            Some(id) if is_plausible_id(&id) => id,
            _ => uuid_v4(rng),
        };
        let user_id = store.get(USER_ID_KEY).filter(|id| is_plausible_user_id(id));
        let traits = match store.get_json(TRAITS_KEY) {
            Some(Ok(v @ Value::Object(_))) => v,
            _ => Value::object(),
        };
        Identity { anonymous_id, user_id, traits }
    }

    /// Writes the identity to storage (what is empty is removed).
    pub fn save(&self, store: &mut dyn Store) {
        let _ = store.set(ANONYMOUS_ID_KEY, &self.anonymous_id);
        match &self.user_id {
            Some(id) => {
                let _ = store.set(USER_ID_KEY, id);
            }
            None => store.remove(USER_ID_KEY),
        }
        match &self.traits {
            Value::Object(f) if !f.is_empty() => {
                let _ = store.set(TRAITS_KEY, &self.traits.to_json());
            }
            _ => store.remove(TRAITS_KEY),
        }
    }

    /// Removes every identity key from storage.
    pub fn erase(store: &mut dyn Store) {
        for key in KEYS {
            store.remove(key);
        }
    }

    /// Applies an `identify`: a new user id replaces the traits, the same (or
    /// no) user id merges them.
    pub fn identify(&mut self, user_id: Option<String>, traits: Value) {
        if let Some(id) = user_id {
            if self.user_id.as_deref() != Some(id.as_str()) {
                self.traits = Value::object();
                self.user_id = Some(id);
            }
        }
        if let Value::Object(fields) = traits {
            for (k, v) in fields {
                self.traits.set(&k, v);
            }
        }
    }

    /// Forgets the user and starts a new anonymous visitor.
    pub fn reset(&mut self, rng: &mut dyn Random) {
        self.user_id = None;
        self.traits = Value::object();
        self.anonymous_id = uuid_v4(rng);
    }
}

/// User ids come from the site: any non-empty string up to 255 characters.
pub fn is_plausible_user_id(id: &str) -> bool {
    !id.trim_ascii().is_empty() && super::tracker::char_count(id) <= 255
}
