//! Journey triggers: rules over the on-device profile and the visitor's
//! recent events that show a message (or an NPS survey), with frequency
//! caps. Pure: [`due`] says which journey, if any, should show now; the
//! personalizer records what was shown and dismissed in the profile.
//!
//! Triggers (`journeys.<name>.on`):
//!
//! - `cart-abandoned`: a `Product Added` with no `Order Completed` after
//!   it, `windowMinutes` (default 30) ago or in an earlier session;
//! - `dormant-return`: this session came after more than `dormantDays`
//!   (default 30) away;
//! - `first-purchase`: the visitor's first order was in this session;
//! - `order`: an order in this session (what an NPS survey follows);
//! - `nth-session`: this is session `sessions` (default 3) or later;
//! - `exit-intent`: the pointer left through the top of the window
//!   (the edge reports it).
//!
//! Caps, each journey: at most `perSession` times a session (default 1),
//! `perVisitor` times ever (default 3), `everyDays` apart (default 1); none
//! for `quietDays` (default 14) after the visitor dismissed it. And over
//! all journeys: at most one a document (page load), and `journeyCaps.perSession`
//! (default 2) a session, so a visitor matching many rules is not nagged.

use crate::prelude::*;

const DAY_MS: f64 = 86_400_000.0;
const MINUTE_MS: f64 = 60_000.0;

/// What starts a journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Added to cart, not ordered.
    CartAbandoned,
    /// Back after a long absence.
    DormantReturn,
    /// The first order, this session.
    FirstPurchase,
    /// An order, this session.
    Order,
    /// The nth session or later.
    NthSession,
    /// The pointer is leaving the page.
    ExitIntent,
}

impl Trigger {
    /// The config name.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::CartAbandoned => "cart-abandoned",
            Trigger::DormantReturn => "dormant-return",
            Trigger::FirstPurchase => "first-purchase",
            Trigger::Order => "order",
            Trigger::NthSession => "nth-session",
            Trigger::ExitIntent => "exit-intent",
        }
    }
}

/// One configured journey.
#[derive(Clone, Debug, PartialEq)]
pub struct Journey {
    /// Its name (`journeys.<name>`).
    pub name: String,
    /// What starts it.
    pub on: Trigger,
    /// The message shown (for a survey, its question).
    pub message: String,
    /// A link in the message (a path or http(s) URL), if any.
    pub link: Option<String>,
    /// Show an NPS survey instead of a message.
    pub survey: bool,
    /// `cart-abandoned`: minutes without an order after the add.
    pub window_minutes: f64,
    /// `dormant-return`: days away.
    pub dormant_days: f64,
    /// `nth-session`: from this session on.
    pub sessions: u32,
    /// Caps.
    pub per_session: u32,
    /// Caps.
    pub per_visitor: u32,
    /// Days between two showings.
    pub every_days: f64,
    /// Days without it after a dismissal.
    pub quiet_days: f64,
}

/// What the profile keeps about one journey.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shown {
    /// The journey's name.
    pub name: String,
    /// Times shown.
    pub count: u32,
    /// Last shown (epoch ms).
    pub last: f64,
    /// The session it was last shown in, and how often in it.
    pub session: u32,
    /// Times shown in that session.
    pub in_session: u32,
    /// Last dismissed (epoch ms; 0: never).
    pub dismissed: f64,
}

/// What the rules read: the visitor's state now.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Now (epoch ms).
    pub now: f64,
    /// The session number (1 for the first).
    pub session: u32,
    /// When this session started.
    pub session_start: f64,
    /// Days away before this session (0 in the first).
    pub gap_days: f64,
    /// Orders ever.
    pub orders: u32,
    /// The last order (0: none).
    pub last_order: f64,
    /// The last `Product Added` (0: none), and its session.
    pub cart_at: f64,
    /// The session of that add.
    pub cart_session: u32,
    /// The pointer is leaving the page (this input only).
    pub exit_intent: bool,
    /// Journeys shown this session, all together.
    pub session_total: u32,
}

/// Whether `j`'s rule holds; the sentence that says why.
pub fn matches(j: &Journey, f: &Facts) -> Option<String> {
    let this_session = |t: f64| t > 0.0 && t >= f.session_start;
    match j.on {
        Trigger::CartAbandoned => {
            let open = f.cart_at > 0.0 && f.last_order < f.cart_at;
            let waited = f.now - f.cart_at >= j.window_minutes * MINUTE_MS;
            (open && (waited || f.cart_session < f.session)).then(|| "you added something to your cart and did not order it".into())
        }
        Trigger::DormantReturn => (f.session > 1 && f.gap_days > j.dormant_days).then(|| "you are back after a while away".into()),
        Trigger::FirstPurchase => (f.orders == 1 && this_session(f.last_order)).then(|| "you just placed your first order".into()),
        Trigger::Order => (f.orders > 0 && this_session(f.last_order)).then(|| "you placed an order".into()),
        Trigger::NthSession => (f.session >= j.sessions).then(|| "you have visited a few times".into()),
        Trigger::ExitIntent => f.exit_intent.then(|| "you seemed about to leave".into()),
    }
}

/// Why the caps hold `j` back now, if they do.
pub fn capped(j: &Journey, s: Option<&Shown>, f: &Facts, per_session_total: u32) -> Option<&'static str> {
    if f.session_total >= per_session_total {
        return Some("enough messages this session");
    }
    let s = s?;
    if s.dismissed > 0.0 && f.now - s.dismissed < j.quiet_days * DAY_MS {
        return Some("dismissed recently");
    }
    if s.count >= j.per_visitor {
        return Some("shown as often as it may be");
    }
    if s.session == f.session && s.in_session >= j.per_session {
        return Some("already shown this session");
    }
    if s.count > 0 && f.now - s.last < j.every_days * DAY_MS {
        return Some("shown recently");
    }
    None
}

/// The first journey (in config order) whose rule holds and no cap holds
/// back, with the sentence that explains it.
pub fn due<'a>(journeys: &'a [Journey], shown: &[Shown], f: &Facts, per_session_total: u32) -> Option<(&'a Journey, String)> {
    journeys.iter().find_map(|j| {
        let why = matches(j, f)?;
        let s = shown.iter().find(|s| s.name == j.name);
        match capped(j, s, f, per_session_total) {
            Some(_) => None,
            None => Some((j, why)),
        }
    })
}

/// Notes that `name` was shown now.
pub fn record_shown(shown: &mut Vec<Shown>, name: &str, f: &Facts) {
    let i = match shown.iter().position(|s| s.name == name) {
        Some(i) => i,
        None => {
            shown.push(Shown { name: name.into(), ..Shown::default() });
            shown.len() - 1
        }
    };
    let s = &mut shown[i];
    s.count += 1;
    s.last = f.now;
    if s.session != f.session {
        s.session = f.session;
        s.in_session = 0;
    }
    s.in_session += 1;
}
