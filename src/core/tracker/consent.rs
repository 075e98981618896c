//! The consent API (`kz.consent.get/set`), the stored record, and what a
//! change of choice sets off: purges, storage clean-up, releases from the
//! buffer, the record, and the `Consent Updated` audit event.

use crate::prelude::*;

use super::Tracker;
use crate::core::consent::record::{cookie_encode, Record, COOKIE_MAX_AGE_DAYS, COOKIE_NAME, STORAGE_KEY};
use crate::core::consent::state::{Change, Signal};
use crate::core::consent::{Categories, Category, Choice};
use crate::core::event::EventType;
use crate::core::identity::Identity;
use crate::core::input::{Input, Problems};
use crate::core::json::Value;
use crate::core::platform::Level;

/// Longest `options.source` kept.
const MAX_SOURCE_CHARS: usize = 64;

impl Tracker {
    /// Reads the record an earlier page stored (localStorage, else the
    /// cookie). A record that does not parse, or has an unknown version,
    /// counts as no choice, with a warning.
    pub(super) fn load_consent_record(&mut self) {
        let Some(value) = self.platform.store.get_json(STORAGE_KEY).or_else(|| self.platform.cookies.get_json(COOKIE_NAME)) else {
            return;
        };
        let record = match value {
            Ok(v) => Record::from_value(&v),
            Err(()) => Err("it is not JSON"),
        };
        match record {
            Ok(r) => {
                let now = self.platform.clock.now_ms();
                self.consent.apply(Signal::Stored(r), now);
            }
            Err(why) => {
                let mut msg = String::from("the stored consent record was ignored because ");
                msg.push_str(why);
                msg.push_str("; it counts as no choice");
                self.log(Level::Warn, &msg);
            }
        }
    }

    /// What each category allows now.
    pub fn consent(&self) -> Categories {
        self.consent.effective()
    }

    /// `kz.consent.set(choices, options)`: `choices` maps categories to
    /// true/false; `options.source` names the banner (default `api`).
    /// Returns the change, or `None` (with a console error) when nothing
    /// valid was given.
    pub fn set_consent(&mut self, choices: Input, options: Input) -> Option<Change> {
        let mut problems = Problems::default();
        let fields = match choices {
            Input::Object(fields) => fields,
            other => {
                let mut msg = String::from("consent.set(): the choices must be an object like { analytics: true }, got ");
                msg.push_str(other.type_name());
                msg.push_str("; nothing changed");
                self.log(Level::Error, &msg);
                return None;
            }
        };
        let mut set = Vec::new();
        for (k, v) in fields {
            match (Category::parse(&k), v) {
                (Some(Category::Necessary), _) => problems.0.push("necessary is always granted and was left as it is".into()),
                (Some(c), Input::Bool(b)) => set.push((c, b)),
                (Some(_), Input::Undefined) => {}
                (Some(c), other) => {
                    let mut p = String::from(c.name());
                    p.push_str(" must be true or false, got ");
                    p.push_str(other.type_name());
                    problems.0.push(p);
                }
                (None, _) => {
                    let mut p = String::from(&k);
                    p.push_str(" is not a category (necessary, analytics, personalization, marketing)");
                    problems.0.push(p);
                }
            }
        }
        let source = match &options {
            Input::Object(f) => match f.iter().find(|(k, _)| k == "source").map(|(_, v)| v) {
                Some(Input::String(s)) if !s.is_empty() => s.chars().take(MAX_SOURCE_CHARS).collect(),
                Some(Input::Undefined) | None => String::from("api"),
                Some(_) => {
                    problems.0.push("options.source must be a non-empty string (api used)".into());
                    String::from("api")
                }
            },
            _ => String::from("api"),
        };
        if !problems.is_empty() {
            let mut msg = String::from("consent.set(): ");
            msg.push_str(&problems.joined());
            self.log(Level::Warn, &msg);
        }
        if set.is_empty() {
            self.log(Level::Error, "consent.set(): no category to set; nothing changed");
            return None;
        }
        self.consent_signal(Signal::Api { choices: set, source })
    }

    /// Applies a consent signal (the API, GPC, a CMP) and everything the
    /// change sets off. `None` when the config ignores the signal.
    pub fn consent_signal(&mut self, signal: Signal) -> Option<Change> {
        let now = self.platform.clock.now_ms();
        let change = self.consent.apply(signal, now)?;
        for c in change.denied() {
            let purged = self.purge(c);
            if c == Category::Personalization {
                self.drop_profile();
            }
            if c == Category::Analytics {
                // Withdrawal severs the link: the stored ids go, and the
                // visitor is someone new (no user id, no traits) should
                // analytics come back.
                Identity::erase(self.platform.store.as_mut());
                self.identity.reset(self.platform.random.as_mut());
            }
            if self.config.debug {
                let mut msg = String::from(c.name());
                msg.push_str(" denied: ");
                crate::core::json::write_int(&mut msg, purged as i64);
                msg.push_str(" waiting events purged");
                self.log(Level::Debug, &msg);
            }
        }
        if self.consent.get(Category::Marketing) != Choice::Granted {
            // Events queued while marketing was granted carry its data; they
            // go without it (the batch already on the wire excepted).
            self.queue.strip_marketing();
        }
        if change.choice {
            self.save_consent_record();
        }
        self.save_profile();
        self.persist_profile();
        // Storage may have become allowed without a category changing (TCF
        // purpose 1 given later): write the ids whenever it is.
        self.save_identity();
        self.release();
        if change.choice && change.is_change() && change.after.analytics == Choice::Granted {
            self.audit(&change);
        }
        Some(change)
    }

    fn save_consent_record(&mut self) {
        if let Some(record) = self.consent.record() {
            let json = record.to_json();
            let _ = self.platform.store.set(STORAGE_KEY, &json);
            self.platform.cookies.set(COOKIE_NAME, &cookie_encode(&json), COOKIE_MAX_AGE_DAYS);
        }
    }

    /// The `Consent Updated` event: every change of choice, sent while
    /// analytics is granted.
    fn audit(&mut self, change: &Change) {
        let mut props = change.after.to_value();
        props.remove("necessary");
        props.set("source", Value::from(self.consent.source()));
        let event = self.make_event(EventType::Track, Some("Consent Updated".into()), props, Input::Undefined, "consent", Problems::default());
        self.admit(event, "track('Consent Updated')");
    }
}
