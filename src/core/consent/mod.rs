//! Consent: the visitor's choice per category, where it comes from (the
//! site's banner through the API, a stored record, Global Privacy Control,
//! an IAB TCF v2.2 CMP, Google Consent Mode v2), and what it allows.
//!
//! Everything here decides; nothing here does I/O. The tracker asks
//! [`state::ConsentState`] whether an event may be sent, must wait or must
//! go, and whether storage may be written; the browser edge turns CMP
//! callbacks into [`state::Signal`]s.

pub mod gcm;
pub mod record;
pub mod state;
pub mod tcf;

use crate::prelude::*;

use super::json::Value;

/// What an event or a piece of stored data is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Needed for the site to work (the consent record itself); always granted.
    Necessary,
    /// Measuring use of the site: events, ids. The default of every event.
    Analytics,
    /// On-device personalization: the profile and slot decisions.
    Personalization,
    /// Advertising: ad click ids (`gclid`…), `context.campaign`, events the
    /// site marks as marketing.
    Marketing,
}

impl Category {
    /// The categories a visitor chooses (all but `necessary`).
    pub const CHOOSABLE: [Category; 3] = [Category::Analytics, Category::Personalization, Category::Marketing];

    /// The name used in the API, the record and the wire.
    pub fn name(self) -> &'static str {
        match self {
            Category::Necessary => "necessary",
            Category::Analytics => "analytics",
            Category::Personalization => "personalization",
            Category::Marketing => "marketing",
        }
    }

    /// The category called `name`, if any.
    pub fn parse(name: &str) -> Option<Category> {
        match name {
            "necessary" => Some(Category::Necessary),
            "analytics" => Some(Category::Analytics),
            "personalization" => Some(Category::Personalization),
            "marketing" => Some(Category::Marketing),
            _ => None,
        }
    }
}

/// The state of one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Allowed.
    Granted,
    /// Refused.
    Denied,
    /// Not decided yet.
    Unknown,
}

impl Choice {
    /// `granted` / `denied` / `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            Choice::Granted => "granted",
            Choice::Denied => "denied",
            Choice::Unknown => "unknown",
        }
    }

    /// The choice called `name`, if any.
    pub fn parse(name: &str) -> Option<Choice> {
        match name {
            "granted" => Some(Choice::Granted),
            "denied" => Some(Choice::Denied),
            "unknown" => Some(Choice::Unknown),
            _ => None,
        }
    }

    /// Granted for `true`, denied for `false`.
    pub fn from_bool(granted: bool) -> Choice {
        if granted {
            Choice::Granted
        } else {
            Choice::Denied
        }
    }
}

/// The state of every category at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Categories {
    /// `analytics`
    pub analytics: Choice,
    /// `personalization`
    pub personalization: Choice,
    /// `marketing`
    pub marketing: Choice,
}

impl Categories {
    /// Every choosable category in the same state.
    pub const fn all(choice: Choice) -> Categories {
        Categories { analytics: choice, personalization: choice, marketing: choice }
    }

    /// The state of `category` (`necessary` is always granted).
    pub fn get(&self, category: Category) -> Choice {
        match category {
            Category::Necessary => Choice::Granted,
            Category::Analytics => self.analytics,
            Category::Personalization => self.personalization,
            Category::Marketing => self.marketing,
        }
    }

    /// Sets `category` (`necessary` cannot change).
    pub fn set(&mut self, category: Category, choice: Choice) {
        match category {
            Category::Necessary => {}
            Category::Analytics => self.analytics = choice,
            Category::Personalization => self.personalization = choice,
            Category::Marketing => self.marketing = choice,
        }
    }

    /// `{ necessary, analytics, personalization, marketing }` as names.
    pub fn to_value(&self) -> Value {
        let mut v = Value::object();
        v.set("necessary", Value::from("granted"));
        for c in Category::CHOOSABLE {
            v.set(c.name(), Value::from(self.get(c).name()));
        }
        v
    }

    /// Appends the same object as JSON (the `context.consent` stamp).
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"necessary\":\"granted\"");
        for c in Category::CHOOSABLE {
            out.push_str(",\"");
            out.push_str(c.name());
            out.push_str("\":\"");
            out.push_str(self.get(c).name());
            out.push('"');
        }
        out.push('}');
    }
}
