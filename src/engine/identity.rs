//! Who the visitor is: the anonymous id (made once and kept), the user
//! id and traits that `identify` sets, and the group (account, company)
//! and its traits that `group` sets. Kept in memory; written to storage
//! only when analytics storage is allowed.

use crate::prelude::*;

use super::pipeline::call::MAX_NAME_CHARS;
use super::pipeline::event::finite;
use super::text::json::{self, quoted};
use super::text::rng::{is_plausible_id, Rng};
use super::text::url::char_count;

/// Storage key of the anonymous id.
pub const ANONYMOUS_ID_KEY: &str = "kizuna:anonymousId";
/// Storage key of the user id.
pub const USER_ID_KEY: &str = "kizuna:userId";
/// Storage key of the user's traits (a JSON object).
pub const TRAITS_KEY: &str = "kizuna:traits";
/// Storage key of the group id (as given, like the user id).
pub const GROUP_ID_KEY: &str = "kizuna:groupId";
/// Storage key of the group's traits (a JSON object).
pub const GROUP_TRAITS_KEY: &str = "kizuna:groupTraits";
/// Every key the identity writes (all of them analytics data: `forget()`
/// and a withdrawal of analytics delete them).
pub const KEYS: [&str; 5] = [ANONYMOUS_ID_KEY, USER_ID_KEY, TRAITS_KEY, GROUP_ID_KEY, GROUP_TRAITS_KEY];

/// The visitor's identity.
#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    /// UUID v4 made on the first visit and kept.
    pub anonymous_id: String,
    /// Set by `identify`, cleared by `reset`.
    pub user_id: Option<String>,
    /// The user id as a JSON literal (empty when none).
    pub user_literal: String,
    /// Traits from `identify` (a JSON object), merged across calls for the
    /// same user.
    pub traits: String,
    /// Set by `group`, cleared by `reset`.
    pub group_id: Option<String>,
    /// Traits from `group` (a JSON object), merged across calls for the
    /// same group.
    pub group_traits: String,
}

/// Stored traits are spliced into events as they are: only well-formed
/// JSON objects (with no number a collector reading doubles refuses).
fn stored_traits(traits: Option<&str>) -> String {
    traits.filter(|t| json::kind(t) == json::Kind::Object && json::valid(t) && finite(t)).unwrap_or("{}").into()
}

impl Identity {
    /// The stored identity (a damaged anonymous id is replaced, in memory).
    pub fn load(anonymous_id: Option<&str>, user_id: Option<&str>, traits: Option<&str>, rng: &mut Rng) -> Identity {
        let mut id = Identity {
            anonymous_id: anonymous_id.filter(|id| is_plausible_id(id)).map_or_else(|| rng.uuid(), String::from),
            user_id: None,
            user_literal: String::new(),
            traits: stored_traits(traits),
            group_id: None,
            group_traits: "{}".into(),
        };
        id.set_user(user_id.filter(|u| is_user_id(u)).map(String::from));
        id
    }

    /// The stored group: its traits only with a valid id (storage is
    /// untrusted: anything may be there).
    pub fn load_group(&mut self, id: Option<&str>, traits: Option<&str>) {
        self.group_id = id.filter(|g| is_user_id(g)).map(String::from);
        self.group_traits = stored_traits(traits.filter(|_| self.group_id.is_some()));
    }

    fn set_user(&mut self, user: Option<String>) {
        self.user_literal = user.as_deref().map(quoted).unwrap_or_default();
        self.user_id = user;
    }

    /// What storage should hold: `(key, value)`, `None` to remove.
    pub fn stored(&self) -> [(&'static str, Option<String>); 5] {
        let some = |t: &String| (json::members(t).next().is_some()).then(|| t.clone());
        [
            (ANONYMOUS_ID_KEY, Some(self.anonymous_id.clone())),
            (USER_ID_KEY, self.user_id.clone()),
            (TRAITS_KEY, some(&self.traits)),
            (GROUP_ID_KEY, self.group_id.clone()),
            (GROUP_TRAITS_KEY, some(&self.group_traits)),
        ]
    }

    /// Applies an `identify`: a new user id replaces the traits, the same
    /// (or no) user id merges them.
    pub fn identify(&mut self, user_id: Option<String>, traits: &str) {
        adopt(&mut self.user_id, &mut self.traits, user_id, traits);
        self.user_literal = self.user_id.as_deref().map(quoted).unwrap_or_default();
    }

    /// Applies a `group`, as `identify` does the user: a new group id
    /// replaces the group's traits, the same (or no) id merges them.
    pub fn group(&mut self, group_id: Option<String>, traits: &str) {
        adopt(&mut self.group_id, &mut self.group_traits, group_id, traits);
    }

    /// Forgets the user and the group and starts a new anonymous visitor.
    pub fn reset(&mut self, rng: &mut Rng) {
        self.set_user(None);
        self.traits = "{}".into();
        self.group_id = None;
        self.group_traits = "{}".into();
        self.anonymous_id = rng.uuid();
    }
}

/// The one path of `identify` and `group`: a new id replaces the kept
/// traits, the same (or no) id merges `traits` into them.
#[inline(never)]
fn adopt(id: &mut Option<String>, kept: &mut String, new: Option<String>, traits: &str) {
    if new.is_some() && new != *id {
        kept.clear();
        kept.push_str("{}");
        *id = new;
    }
    let mut merged = String::with_capacity(kept.len() + traits.len());
    super::encode::segment::merge(&mut merged, kept, traits);
    *kept = merged;
}

/// User (and group) ids come from the site: any non-blank string up to
/// 255 characters.
pub fn is_user_id(id: &str) -> bool {
    !id.trim_ascii().is_empty() && char_count(id) <= MAX_NAME_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_identifies_and_resets() {
        let mut rng = Rng::new(1, 2);
        let mut id = Identity::load(Some("bad id with spaces"), Some("u1"), Some(r#"{"a":1}"#), &mut rng);
        assert_eq!(id.anonymous_id.len(), 36, "a damaged id is replaced");
        assert_eq!(id.user_literal, "\"u1\"");
        id.identify(None, r#"{"b":2}"#);
        assert_eq!(id.traits, r#"{"a":1,"b":2}"#);
        id.identify(Some("u1".into()), r#"{"a":3}"#);
        assert_eq!(id.traits, r#"{"a":3,"b":2}"#, "the same user merges");
        id.identify(Some("u2".into()), r#"{"c":1}"#);
        assert_eq!(id.traits, r#"{"c":1}"#, "a new user starts fresh traits");
        let before = id.anonymous_id.clone();
        id.reset(&mut rng);
        assert_ne!(id.anonymous_id, before);
        assert_eq!((id.user_id.as_deref(), id.traits.as_str()), (None, "{}"));
        assert_eq!(id.stored()[1], (USER_ID_KEY, None));
        assert_eq!(id.stored()[2], (TRAITS_KEY, None));
    }

    #[test]
    fn the_group_is_kept_like_the_user_and_read_from_storage_with_care() {
        let mut rng = Rng::new(1, 2);
        let mut id = Identity::load(Some("a-1"), None, None, &mut rng);
        id.load_group(Some("acme"), Some(r#"{"plan":"team"}"#));
        assert_eq!((id.group_id.as_deref(), id.group_traits.as_str()), (Some("acme"), r#"{"plan":"team"}"#));
        id.group(None, r#"{"seats":5}"#);
        assert_eq!(id.group_traits, r#"{"plan":"team","seats":5}"#, "no id: merged into the kept group");
        id.group(Some("acme".into()), r#"{"plan":"pro"}"#);
        assert_eq!(id.group_traits, r#"{"plan":"pro","seats":5}"#, "the same group merges");
        id.group(Some("initech".into()), r#"{"a":1}"#);
        assert_eq!((id.group_id.as_deref(), id.group_traits.as_str()), (Some("initech"), r#"{"a":1}"#), "a new group starts fresh traits");
        assert_eq!(id.stored()[3], (GROUP_ID_KEY, Some("initech".into())));
        assert_eq!(id.stored()[4], (GROUP_TRAITS_KEY, Some(r#"{"a":1}"#.into())));
        id.reset(&mut rng);
        assert_eq!((id.group_id.as_deref(), id.group_traits.as_str()), (None, "{}"));
        assert_eq!((id.stored()[3].1.as_deref(), id.stored()[4].1.as_deref()), (None, None));
        // Damaged storage: a blank or over-long id is no group, and its
        // traits go with it; traits that are not a clean object are none.
        for (g, t) in [("  ", r#"{"a":1}"#), (&*"x".repeat(256), r#"{"a":1}"#)] {
            id.load_group(Some(g), Some(t));
            assert_eq!((id.group_id.as_deref(), id.group_traits.as_str()), (None, "{}"), "{g:?}");
        }
        for t in ["[1]", "{\"a\":", r#"{"n":1e309}"#, "nonsense"] {
            id.load_group(Some("acme"), Some(t));
            assert_eq!((id.group_id.as_deref(), id.group_traits.as_str()), (Some("acme"), "{}"), "{t}");
        }
        id.load_group(None, Some(r#"{"a":1}"#));
        assert_eq!((id.group_id.as_deref(), id.group_traits.as_str()), (None, "{}"), "traits without a group are none");
    }

    #[test]
    fn stored_traits_with_a_number_past_the_double_range_are_dropped() {
        // Found by tests/fuzz_stored.rs: the identify event carried 1e309,
        // and its batch was one serde_json (and Go's collectors) refuse.
        let mut rng = Rng::new(1, 2);
        let id = Identity::load(Some("a-1"), None, Some(r#"{"seats":1e309}"#), &mut rng);
        assert_eq!(id.traits, "{}");
        let id = Identity::load(Some("a-1"), None, Some(r#"{"seats":3,"n":[1e308]}"#), &mut rng);
        assert_eq!(id.traits, r#"{"seats":3,"n":[1e308]}"#);
    }
}
