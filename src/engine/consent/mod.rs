//! Consent: the visitor's choice per category, where it comes from (the
//! site's banner through the API, a stored record, Global Privacy Control,
//! an IAB TCF v2.2 CMP, Google Consent Mode v2), and what it allows.
//!
//! Everything here decides; nothing does I/O. The edge passes the CMP's
//! data through as described values; [`tcf`] and [`gcm`] read them, and
//! [`state::ConsentState`] applies them.

pub mod gcm;
pub mod gpp;
pub mod record;
pub mod state;
pub mod tcf;

use crate::prelude::*;

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

/// Every category, in the order of their codes (0–3).
pub const ALL: [Category; 4] = [Category::Necessary, Category::Analytics, Category::Personalization, Category::Marketing];

impl Category {
    /// The categories a visitor chooses (all but `necessary`).
    pub const CHOOSABLE: [Category; 3] = [Category::Analytics, Category::Personalization, Category::Marketing];

    /// The name used in the API, the record and the wire.
    pub fn name(self) -> &'static str {
        ["necessary", "analytics", "personalization", "marketing"][self.code() as usize]
    }

    /// Its code, 0–3 (how the queue stores it).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The category of a code.
    pub fn from_code(c: u8) -> Category {
        ALL[(c & 3) as usize]
    }

    /// The category called `name`, if any.
    pub fn parse(name: &str) -> Option<Category> {
        ALL.into_iter().find(|c| c.name() == name)
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
        ["granted", "denied", "unknown"][self as usize]
    }

    /// The choice called `name`, if any.
    pub fn parse(name: &str) -> Option<Choice> {
        [Choice::Granted, Choice::Denied, Choice::Unknown].into_iter().find(|c| c.name() == name)
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

/// The state of every choosable category at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Categories(pub [Choice; 3]);

impl Categories {
    /// Every choosable category in the same state.
    pub const fn all(choice: Choice) -> Categories {
        Categories([choice; 3])
    }

    /// The state of `category` (`necessary` is always granted).
    pub fn get(&self, category: Category) -> Choice {
        match category {
            Category::Necessary => Choice::Granted,
            c => self.0[c as usize - 1],
        }
    }

    /// Sets `category` (`necessary` cannot change).
    pub fn set(&mut self, category: Category, choice: Choice) {
        if category != Category::Necessary {
            self.0[category as usize - 1] = choice;
        }
    }

    /// One character per category (`g`, `d`, `u`): how the queue stores a stamp.
    pub fn code(&self) -> [u8; 3] {
        self.0.map(|c| b"gdu"[c as usize])
    }

    /// The stamp back from [`Categories::code`]; unknown where unreadable.
    pub fn from_code(code: &str) -> Categories {
        let b = code.as_bytes();
        let mut c = Categories::all(Choice::Unknown);
        for i in 0..3 {
            c.0[i] = match b.get(i) {
                Some(b'g') => Choice::Granted,
                Some(b'd') => Choice::Denied,
                _ => Choice::Unknown,
            };
        }
        c
    }

    /// Appends `{"necessary":"granted","analytics":…,…}`: the API's shape
    /// and the `context.consent` stamp. Without `necessary` when `full` is false.
    pub fn write_json(&self, out: &mut String, full: bool) {
        out.push_str(if full { "{\"necessary\":\"granted\",\"" } else { "{\"" });
        for (i, c) in Category::CHOOSABLE.iter().enumerate() {
            if i > 0 {
                out.push_str(",\"");
            }
            out.push_str(c.name());
            out.push_str("\":\"");
            out.push_str(self.get(*c).name());
            out.push('"');
        }
        out.push('}');
    }
}
