//! The consent API (`kz.consent.set`) and the page's signals, and what a
//! change of choice sets off: purges, storage clean-up, releases from the
//! buffer, the record, the `Consent Updated` audit event, the callbacks.

use crate::prelude::*;

use super::Tracker;
use crate::engine::consent::record::{cookie_encode, Record, STORAGE_KEY};
use crate::engine::consent::state::Signal;
use crate::engine::consent::{Category, Choice};
use crate::engine::identity::KEYS as IDENTITY_KEYS;
use crate::engine::pipeline::call::Checked;
use crate::engine::pipeline::event::Kind;
use crate::engine::text::chars_prefix;
use crate::engine::text::json::{self, write_string};

/// Longest `options.source` kept.
const MAX_SOURCE_CHARS: usize = 64;

impl Tracker {
    /// `kz.consent.set(choices, options)`, as the edge checked it: each
    /// choosable category 0 left as it is, 1 granted, 2 denied.
    pub(super) fn set_consent(&mut self, choices: [u8; 3], source: &str) {
        let set: Vec<(Category, bool)> =
            Category::CHOOSABLE.into_iter().zip(choices).filter(|(_, c)| *c != 0).map(|(k, c)| (k, c == 1)).collect();
        if set.is_empty() {
            return;
        }
        let source = if source.is_empty() { "api" } else { chars_prefix(source, MAX_SOURCE_CHARS) };
        self.signal(Signal::Api { choices: set, source: source.into() });
    }

    /// Applies a consent signal and everything the change sets off.
    pub(super) fn signal(&mut self, signal: Signal) {
        let Some(change) = self.consent.apply(signal, self.now) else { return };
        // What the armed request carries was encoded under the old consent.
        self.defer_abort();
        for c in Category::CHOOSABLE {
            if !change.denied(c) {
                continue;
            }
            self.purge(c);
            if c == Category::Personalization {
                self.drop_profile();
            }
            if c == Category::Analytics {
                // Withdrawal severs the link: the stored ids go, and the
                // visitor is someone new should analytics come back.
                for key in IDENTITY_KEYS {
                    self.o.store(key, None);
                }
                self.identity.reset(&mut self.rng);
                self.o.store(crate::engine::session::KEY, None);
                self.session = crate::engine::session::Session::default();
                // Every stored queue goes, this tab's and any other's.
                self.forget_stored();
            }
            if self.cfg.debug {
                self.o.msg("d").put(c.name()).put(" denied: waiting events purged").end();
            }
        }
        if change.choice {
            if let Some(record) = self.consent.record() {
                let text = record.to_json();
                self.o.begin(b'K').field(&cookie_encode(&text)).end();
                self.o.store(STORAGE_KEY, Some(&text));
            }
        }
        // Storage may have become allowed without a category changing (TCF
        // purpose 1 given later): write the ids whenever it is.
        self.save_identity();
        if change.choice && self.consent.may_store(Category::Analytics) && !self.session.id.is_empty() {
            self.save_session();
        }
        self.signals.persist_if(self.consent.may_store(Category::Personalization), self.now, true);
        self.release_held();
        if change.choice && change.is_change() && change.after.get(Category::Analytics) == Choice::Granted {
            self.audit();
        }
        if change.is_change() {
            let mut json = String::with_capacity(96);
            change.after.write_json(&mut json, true);
            self.o.begin(b'C').field(&json).end();
        }
        self.follow_listeners();
    }

    /// The consent record another tab of the site wrote (a JSON literal;
    /// empty when it was removed): the choice holds here too, at once.
    pub(super) fn stored_consent(&mut self, text: &str) {
        let Some(text) = json::string(text) else { return };
        if let Ok(r) = Record::parse(&text) {
            self.signal(Signal::Stored(r));
        }
    }

    /// The `Consent Updated` event: every change of choice, sent while
    /// analytics is granted.
    fn audit(&mut self) {
        let mut props = String::new();
        self.consent.effective().write_json(&mut props, false);
        props.pop();
        props.push_str(",\"source\":");
        write_string(&mut props, self.consent.source());
        props.push('}');
        let c = Checked {
            kind: Kind::Track,
            name: "\"Consent Updated\"".into(),
            user_id: None,
            props,
            message_id: None,
            category: Category::Analytics,
        };
        let (now, page) = (self.now, self.pages.current);
        self.admit(&c, now, page);
    }
}
