//! The consent rules: from the signals received so far to what each
//! category allows now.

use crate::prelude::*;

use super::gcm::{GcmCommand, GcmState};
use super::gpp::GppConsent;
use super::record::Record;
use super::tcf::TcfConsent;
use super::{Categories, Category, Choice};

/// How a category with no choice yet is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Nothing is sent or stored until granted (default; GDPR/ePrivacy).
    OptIn,
    /// Everything is granted until denied (CCPA-style).
    OptOut,
}

/// What happens to events whose category has no choice yet (opt-in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Kept in memory (up to `buffer_limit`, oldest dropped) until decided.
    Buffer,
    /// Dropped.
    Drop,
}

/// The `consent` part of the config.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsentConfig {
    /// `mode`, default opt-in.
    pub mode: Mode,
    /// `pending`, default buffer.
    pub pending: Pending,
    /// `bufferLimit`, default 100 events.
    pub buffer_limit: usize,
    /// `gpc`: honour Global Privacy Control, default true.
    pub gpc: bool,
    /// `tcf`: listen to an IAB TCF v2.2 CMP, default true.
    pub tcf: bool,
    /// `gpp`: listen to an IAB GPP CMP (`__gpp`), default true.
    pub gpp: bool,
    /// `googleConsentMode`: read Consent Mode commands, default true.
    pub google_consent_mode: bool,
}

impl Default for ConsentConfig {
    fn default() -> Self {
        ConsentConfig {
            mode: Mode::OptIn,
            pending: Pending::Buffer,
            buffer_limit: 100,
            gpc: true,
            tcf: true,
            gpp: true,
            google_consent_mode: true,
        }
    }
}

/// Something that can change the consent state.
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    /// The record stored by an earlier page.
    Stored(Record),
    /// The site's banner, through `kz.consent.set`: `(category, granted)`.
    Api {
        /// The categories set.
        choices: Vec<(Category, bool)>,
        /// `options.source`, default `api`.
        source: String,
    },
    /// `navigator.globalPrivacyControl` is true.
    Gpc,
    /// A TCF `addEventListener` callback.
    Tcf(TcfConsent),
    /// What a GPP CMP's string says for the sections that apply.
    Gpp(GppConsent),
    /// A Google Consent Mode command.
    Gcm(GcmCommand),
}

/// What a signal changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// The effective state before.
    pub before: Categories,
    /// The effective state after.
    pub after: Categories,
    /// The signal was a choice (the visitor's, a CMP's on their behalf, or
    /// GPC), not a default or a note that consent does not apply: only a
    /// choice is stored, timestamped and audited.
    pub choice: bool,
}

impl Change {
    /// Whether `category` is denied now and was not before.
    pub fn denied(&self, category: Category) -> bool {
        self.after.get(category) == Choice::Denied && self.before.get(category) != Choice::Denied
    }

    /// Whether anything changed.
    pub fn is_change(&self) -> bool {
        self.before != self.after
    }
}

/// The consent state of one page.
#[derive(Clone, Debug)]
pub struct ConsentState {
    config: ConsentConfig,
    /// What the visitor (or a CMP on their behalf) chose; unknown where not.
    choices: Categories,
    /// Which of `choices` were chosen (not just defaults), by
    /// `Category::CHOOSABLE` index: defaults never override a choice.
    chosen: [bool; 3],
    source: String,
    updated_at: f64,
    /// A choice exists that is worth storing.
    has_choice: bool,
    gpc: bool,
    /// The visitor granted marketing through the API after GPC denied it.
    gpc_lifted: bool,
    /// `gdprApplies` from the CMP, once known.
    tcf_applies: Option<bool>,
    /// TCF purpose 1, once known: without it nothing may be stored.
    tcf_storage: Option<bool>,
    gcm: GcmState,
}

impl ConsentState {
    /// No signal yet.
    pub fn new(config: ConsentConfig) -> ConsentState {
        ConsentState {
            config,
            choices: Categories::all(Choice::Unknown),
            chosen: [false; 3],
            source: String::from("default"),
            updated_at: 0.0,
            has_choice: false,
            gpc: false,
            gpc_lifted: false,
            tcf_applies: None,
            tcf_storage: None,
            gcm: GcmState::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ConsentConfig {
        &self.config
    }

    /// What each category allows now.
    pub fn effective(&self) -> Categories {
        // TCF's gdprApplies: false means no consent is required here.
        let opt_out = self.config.mode == Mode::OptOut || self.tcf_applies == Some(false);
        let mut out = self.choices;
        for c in &mut out.0 {
            if *c == Choice::Unknown && opt_out {
                *c = Choice::Granted;
            }
        }
        if self.gpc && !self.gpc_lifted {
            out.set(Category::Marketing, Choice::Denied);
        }
        out
    }

    /// The state of one category now.
    pub fn get(&self, category: Category) -> Choice {
        self.effective().get(category)
    }

    /// Whether data of `category` may be written to the device now.
    pub fn may_store(&self, category: Category) -> bool {
        self.tcf_storage != Some(false) && self.get(category) == Choice::Granted
    }

    /// The record to store, when there is a choice and storage is allowed
    /// (the record is necessary, but TCF purpose 1 still rules storage).
    pub fn record(&self) -> Option<Record> {
        (self.has_choice && self.tcf_storage != Some(false)).then(|| Record {
            categories: self.effective(),
            updated_at: self.updated_at,
            source: self.source.clone(),
        })
    }

    /// The source of the last change (`default` when none).
    pub fn source(&self) -> &str {
        &self.source
    }

    fn choose(&mut self, category: Category, choice: Choice) {
        self.choices.set(category, choice);
        self.chosen[category as usize - 1] = true;
    }

    /// A TCF choice (from `__tcfapi`, or `tcfeuv2` inside GPP).
    fn take_tcf(&mut self, tc: TcfConsent) {
        let TcfConsent::Decided { storage, .. } = tc else { return };
        self.tcf_applies = Some(true);
        self.tcf_storage = Some(storage);
        for c in Category::CHOOSABLE {
            if let Some(granted) = tc.get(c) {
                self.choose(c, Choice::from_bool(granted));
            }
        }
        self.source = String::from("tcf");
        self.has_choice = true;
    }

    /// Applies a signal received at `now`; `None` when the config ignores it.
    pub fn apply(&mut self, signal: Signal, now: f64) -> Option<Change> {
        let before = self.effective();
        let choice = match &signal {
            Signal::Stored(_) => false,
            Signal::Api { .. } | Signal::Gpc => true,
            Signal::Tcf(tc) => matches!(tc, TcfConsent::Decided { .. }),
            Signal::Gpp(g) => g.us_signal() || matches!(g.tcf, Some(TcfConsent::Decided { .. })),
            Signal::Gcm(cmd) => cmd.update,
        };
        match signal {
            Signal::Stored(record) => {
                self.choices = record.categories;
                self.chosen = record.categories.0.map(|c| c != Choice::Unknown);
                self.source = record.source;
                self.updated_at = record.updated_at;
                self.has_choice = true;
                // A stored grant of marketing was made explicitly, after GPC.
                self.gpc_lifted = record.categories.get(Category::Marketing) == Choice::Granted;
                return Some(Change { before, after: self.effective(), choice: false });
            }
            Signal::Api { choices, source } => {
                for (c, granted) in choices {
                    self.choose(c, Choice::from_bool(granted));
                    if c == Category::Marketing {
                        self.gpc_lifted = granted;
                    }
                }
                self.source = source;
                self.has_choice = true;
            }
            Signal::Gpc => {
                if !self.config.gpc {
                    return None;
                }
                self.gpc = true;
                if !self.gpc_lifted {
                    self.source = String::from("gpc");
                }
                // Storing is allowed without a choice only in opt-out mode;
                // in opt-in, GPC alone must not make Kizuna write anything.
                self.has_choice |= self.config.mode == Mode::OptOut;
            }
            Signal::Tcf(tc) => {
                if !self.config.tcf {
                    return None;
                }
                match tc {
                    TcfConsent::NotApplicable => {
                        self.tcf_applies = Some(false);
                        self.tcf_storage = None;
                    }
                    TcfConsent::Pending => self.tcf_applies = Some(true),
                    TcfConsent::Decided { .. } => self.take_tcf(tc),
                }
            }
            Signal::Gpp(g) => {
                if !self.config.gpp {
                    return None;
                }
                if let Some(tc) = g.tcf.filter(|_| self.config.tcf) {
                    self.take_tcf(tc);
                }
                // US sections: an opt-out denies, "did not opt out" grants
                // marketing; a sensitive-data opt-out denies personalization.
                if let Some(granted) = g.marketing {
                    self.choose(Category::Marketing, Choice::from_bool(granted));
                    self.gpc_lifted = granted && !g.gpc;
                }
                if g.sensitive_opt_out {
                    self.choose(Category::Personalization, Choice::Denied);
                }
                if g.gpc && self.config.gpc {
                    self.gpc = true;
                    self.gpc_lifted = false;
                }
                if g.us_signal() {
                    self.source = String::from("gpp");
                    self.has_choice = true;
                }
            }
            Signal::Gcm(cmd) => {
                if !self.config.google_consent_mode {
                    return None;
                }
                self.gcm.apply(&cmd);
                // Only the categories this command speaks of; a `default`
                // fills in categories nobody has chosen yet, an `update` is
                // a choice.
                for (i, c) in Category::CHOOSABLE.into_iter().enumerate() {
                    if !cmd.touches(c) {
                        continue;
                    }
                    if let Some(choice) = self.gcm.choice(c) {
                        if cmd.update {
                            self.choose(c, choice);
                        } else if !self.chosen[i] {
                            self.choices.set(c, choice);
                        }
                    }
                }
                if cmd.update {
                    self.source = String::from("gcm");
                    self.has_choice = true;
                }
            }
        }
        if choice {
            self.updated_at = now;
        }
        Some(Change { before, after: self.effective(), choice })
    }
}
