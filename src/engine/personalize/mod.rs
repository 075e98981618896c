//! On-device personalization of content slots: the visitor profile, the
//! slots' variants and rules, the holdout hash, Thompson sampling, and the
//! decision. A second engine, in its own wasm module that loads only on
//! pages that personalize; like the tracker it does no I/O.
//!
//! It talks to the edge in the same record text as the tracker
//! ([`crate::engine::edge`]); [`Personalizer::run`] takes the records:
//!
//! | record | input |
//! |---|---|
//! | `n` ms | the time now |
//! | `p` path, utm_source, utm_campaign, topics, utm_content, search | the page (topics comma-separated; search: the terms of the search that led here); a new page view |
//! | `d` late, slot, variants, painted | decide a slot of the page; variants `[["id","tag,tag"],…]` from its markup; painted: the variant the pre-paint script rendered (or empty) |
//! | `a` slot | decide a slot the app renders (`kz.decide`): stable for the page view |
//! | `v` slot / `k` slot | the slot was viewed / clicked |
//! | `g` signal | a profile signal from the tracker (its `G` action) |
//! | `c` granted, may store | personalization consent (0/1 each) |
//! | `i` id | the visitor's anonymous id now |
//! | `o` / `h` / `w` | `forget()` / the page is hidden / the timer |
//! | `e` slot / `q` | explain a slot / the profile |
//! | `P` … / `C` ok, keep / `l` slot, variant, views, clicks | a remote config ([`config`]), the remote document and its counts ([`remote`]) |
//!
//! and answers `R` slot, variant, decision (JSON) · `T` name, properties (an
//! exposure event for the tracker) · `S` key, value / `D` key · `W` ms ·
//! `L` level, message · `E` text · `Q` JSON.
//!
//! The profile never leaves the device: no output but `T` goes to the
//! network, and `T` carries the decision only.
//!
//! The [`Personalizer`] is here (its start, and each record routed to
//! what handles it); `learn` folds the tracker's signals into the
//! profile and stores it, `decisions` decides, announces and counts the
//! page's slots, [`engage`] does recommendations and journeys.

pub mod bandit;
pub mod catalog;
pub mod config;
pub mod decide;
mod decisions;
#[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
pub mod engage;
pub mod hash;
pub mod insights;
pub mod journeys;
mod learn;
pub mod near;
pub mod profile;
pub mod recs;
mod remote;
pub mod rules;
pub mod slots;

use crate::prelude::*;

use self::config::PersonalizeConfig;
use self::decide::Decision;
use self::profile::{topics_of, Profile, STORAGE_KEY};
use self::slots::MarkupVariant;
use crate::engine::io::{Out, Rec};
use crate::engine::protocol::records;
use crate::engine::text::cat;
use crate::engine::text::json;
use crate::engine::text::rng::Rng;

#[derive(Clone, Debug, Default)]
struct PageInfo {
    path: String,
    utm_source: Option<String>,
    utm_campaign: Option<String>,
    /// The page's `data-kz-topic` (less the sensitive topics).
    topics: Vec<String>,
    /// Words of its `utm_campaign`, `utm_content` and of the search that
    /// led to it (lowercase).
    words: Vec<String>,
    /// When the page record came.
    at: f64,
    /// The tracker's page view of this page reached the profile.
    folded: bool,
}

/// Lowercase words (ASCII letters and digits) of `text`.
fn words_of(text: &str, into: &mut Vec<String>) {
    let mut word = String::new();
    for b in text.bytes().chain(core::iter::once(b' ')) {
        if b.is_ascii_alphanumeric() {
            word.push(b.to_ascii_lowercase() as char);
        } else if !word.is_empty() {
            if word.len() <= 40 {
                into.push(core::mem::take(&mut word));
            }
            word.clear();
        }
    }
}

/// The personalization engine.
pub struct Personalizer {
    cfg: PersonalizeConfig,
    /// A remote config read so far (its `P` and the records after it),
    /// taken by the `C` that ends it.
    next: Option<PersonalizeConfig>,
    /// What the collector's model says of the slots' variants.
    learned: Vec<slots::Learned>,
    /// The last `C` was accepted: its `l` records count.
    taking: bool,
    now: f64,
    rng: Rng,
    granted: bool,
    may_store: bool,
    visitor: String,
    profile: Option<Profile>,
    dirty: bool,
    last_write: f64,
    wake: Option<f64>,
    page: PageInfo,
    width: f64,
    /// This page view's decisions.
    decisions: Vec<Decision>,
    /// This page view's recommendation rows.
    #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
    rows: Vec<engage::Row>,
    /// The catalogs of the rows ranked last, kept while their items stay the same.
    #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
    catalogs: Vec<engage::Kept>,
    /// The next row to rank, as its records come.
    #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
    next_row: engage::NextRow,
    /// Journeys shown since the page loaded, with their explanations.
    #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
    fired: Vec<(String, String)>,
    /// The pointer left through the top of the window (for the next check).
    #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
    exit_intent: bool,
    /// Something journeys read changed in this crossing.
    #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
    journeys_due: bool,
    /// The last `I` record's list (the visitor's latest items).
    #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
    recent_sent: String,
    out: Out,
}

impl Personalizer {
    /// Starts from the edge's first records: `n`, `p`, the page's config
    /// (`P` and the records after it, [`config`]), then `S`: the stored
    /// profile (a JSON literal, or empty), visitor id, seed, granted, may
    /// store, screen width. (What the tracker learned on pages without this
    /// module reaches it as signals: the tracker hands its log over when
    /// the module starts listening.) The edge has validated the config: a
    /// bad one never reaches it.
    pub fn start(bytes: &[u8]) -> Personalizer {
        let mut init = None;
        let mut config = Vec::new();
        let mut rest = Vec::new();
        for r in records(bytes) {
            match (&init, r.kind) {
                (None, b'S') => init = Some(r),
                // The page's own config comes before S; a remote one's after it.
                (None, k) if k == b'P' || PersonalizeConfig::is_part(k) => config.push(r),
                _ => rest.push(r),
            }
        }
        let r = &mut init.unwrap_or(Rec::new(b'S', &[]));
        let (stored, visitor, seed) = (r.s(), r.s(), r.s());
        let (granted, may_store, width) = (r.flag(), r.flag(), r.n());
        let cfg = PersonalizeConfig::of(config);
        let mut p = Personalizer {
            cfg,
            next: None,
            learned: Vec::new(),
            taking: false,
            now: 0.0,
            rng: Rng::from_hex(seed),
            granted,
            may_store,
            visitor: visitor.into(),
            profile: None,
            dirty: false,
            last_write: 0.0,
            wake: None,
            page: PageInfo::default(),
            width,
            decisions: Vec::new(),
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            rows: Vec::new(),
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            catalogs: Vec::new(),
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            next_row: engage::NextRow::default(),
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            fired: Vec::new(),
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            exit_intent: false,
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            journeys_due: false,
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            recent_sent: String::from("[]"),
            out: Out::default(),
        };
        for r in rest {
            p.record(r);
        }
        if let Some(stored) = json::string(stored) {
            match Profile::parse(&stored) {
                Ok(profile) if p.granted => p.profile = Some(profile),
                Ok(_) => {}
                Err(why) => {
                    p.log("w", &cat(&["the stored profile was discarded because ", why]));
                    p.remove(STORAGE_KEY);
                }
            }
        }
        p.persist(false);
        #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
        p.announce_recent();
        p
    }

    /// One crossing: records in, answers out.
    pub fn run(&mut self, bytes: &[u8]) -> Vec<u8> {
        for r in records(bytes) {
            self.record(r);
        }
        #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
        {
            if core::mem::take(&mut self.journeys_due) {
                self.check_journeys();
                self.audience_report();
            }
            self.announce_recent();
        }
        // Once per crossing: a page's decisions are written together.
        self.persist(false);
        self.out.take()
    }

    /// What was written since the last crossing (for the first one).
    pub fn take_output(&mut self) -> Vec<u8> {
        self.out.take()
    }

    fn record(&mut self, mut r: Rec<'_>) {
        let kind = r.kind;
        match kind {
            b'n' => self.now = r.n(),
            b'p' => {
                let (path, source, campaign, topics, content, search) = (r.s(), r.s(), r.s(), r.s(), r.s(), r.s());
                let topics = self.allowed(topics_of(topics));
                let utm_campaign = (!campaign.is_empty()).then(|| campaign.to_string());
                let mut words = Vec::new();
                for text in [campaign, content, search] {
                    words_of(text, &mut words);
                }
                let words = self.allowed(words);
                self.page = PageInfo {
                    path: path.into(),
                    utm_source: (!source.is_empty()).then(|| source.into()),
                    utm_campaign,
                    topics,
                    words,
                    at: self.now,
                    folded: false,
                };
                self.decisions.clear();
                #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
                {
                    // `fired` stays: one journey a document, also across
                    // an SPA's routes (and the page() a site calls on load).
                    self.rows.clear();
                    self.journeys_due = true;
                }
            }
            b'd' => {
                let (late, name, variants, painted) = (r.flag(), r.s(), r.s(), r.s());
                let name = json::string(name).unwrap_or_default();
                let markup: Vec<MarkupVariant> = json::items(variants)
                    .filter_map(|v| {
                        let id = json::items(v).next().and_then(json::string).filter(|s| !s.is_empty())?;
                        let tags = json::items(v).nth(1).and_then(json::string).map(|t| topics_of(&t)).unwrap_or_default();
                        Some(MarkupVariant { id, tags })
                    })
                    .collect();
                let painted = json::string(painted).filter(|v| !v.is_empty());
                let d = self.decide_slot(&name, &markup, late, painted);
                self.announce(&d);
            }
            b'a' => {
                let name = json::string(r.s()).unwrap_or_default();
                let d = match self.decisions.iter().find(|d| d.slot == name) {
                    Some(d) => d.clone(),
                    None => {
                        let markup = self.cfg.slots.iter().find(|s| s.name == name).map(|s| s.as_markup()).unwrap_or_default();
                        self.decide_slot(&name, &markup, false, None)
                    }
                };
                self.announce(&d);
            }
            b'v' | b'k' => self.exposure(&json::string(r.s()).unwrap_or_default(), kind == b'k'),
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            b'm' => self.recommend(r),
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            b'j' | b'y' | b'z' => self.row_part(r),
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            b'V' | b'K' => self.rec_exposure(r, kind == b'K'),
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            b'x' => {
                self.exit_intent = true;
                self.journeys_due = true;
            }
            #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
            b'u' | b'U' => self.journey_answer(r, kind == b'U'),
            b'g' if self.granted => {
                self.fold(r.s());
                #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
                {
                    self.journeys_due = true;
                }
            }
            b'P' => self.next = Some(PersonalizeConfig::from_p(&mut r)),
            k if PersonalizeConfig::is_part(k) => {
                if let Some(next) = &mut self.next {
                    next.read(&mut r)
                }
            }
            b'C' => self.remote(r),
            b'l' => self.learned(r),
            b'c' => {
                let (granted, may_store) = (r.flag(), r.flag());
                if self.granted && !granted {
                    self.profile = None;
                    self.dirty = false;
                    self.decisions.clear();
                }
                if self.granted && self.may_store && !(granted && may_store) {
                    self.remove(remote::STORAGE_KEY);
                }
                self.granted = granted;
                self.may_store = may_store;
            }
            b'i' => self.visitor = r.s().into(),
            b'o' => {
                self.profile = None;
                self.dirty = false;
                self.decisions.clear();
                self.remove(STORAGE_KEY);
            }
            b'e' => {
                let name = json::string(r.s()).unwrap_or_default();
                let text = self.decisions.iter().find(|d| d.slot == name).map(|d| d.explanation.clone());
                #[cfg(any(feature = "engage", not(target_arch = "wasm32")))]
                let text = text.or_else(|| self.explain_row(&name)).or_else(|| self.explain_journey(&name));
                let text = text.unwrap_or_else(|| cat(&["slot '", &name, "' has not been decided on this page"]));
                self.out.record(b'E', &[&text]);
            }
            b'q' => {
                let json = match &self.profile {
                    Some(p) if self.granted => p.to_api_json(self.now, self.cfg.profile.half_life_days),
                    _ => "null".into(),
                };
                self.out.record(b'Q', &[&json]);
            }
            b'h' => self.persist(true),
            b'w' => self.wake = None,
            _ => {}
        }
    }

    fn log(&mut self, level: &'static str, msg: &str) {
        self.out.log(level, msg);
    }

    fn remove(&mut self, key: &str) {
        self.out.store(key, None);
    }

    /// The profile (for tests).
    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_ref()
    }
}
