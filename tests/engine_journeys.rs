//! Journey triggers and their caps on the host, with a fake clock: the
//! rules (cart abandoned, dormant return, first purchase, order, nth
//! session, exit intent), the caps (per session, per visitor, days apart,
//! the quiet period after a dismissal, one a page view, the session total),
//! and the survey's answers through the personalizer's records.

#[path = "codec/mod.rs"]
mod codec;
use codec::Text;

use kizuna::engine::personalize::journeys::{capped, due, matches, record_shown, Facts, Journey, Shown, Trigger};
use kizuna::engine::personalize::Personalizer;

const RS: char = '\u{1e}';
const US: char = '\u{1f}';
const MIN: f64 = 60_000.0;
const DAY: f64 = 86_400_000.0;
const T0: f64 = 1_700_000_000_000.0;

fn journey(on: Trigger) -> Journey {
    Journey {
        name: on.name().into(),
        on,
        message: "m".into(),
        link: None,
        survey: false,
        window_minutes: 30.0,
        dormant_days: 30.0,
        sessions: 3,
        per_session: 1,
        per_visitor: 3,
        every_days: 1.0,
        quiet_days: 14.0,
    }
}

fn facts(now: f64) -> Facts {
    Facts { now, session: 1, session_start: T0, ..Facts::default() }
}

#[test]
fn cart_abandoned_after_the_window_or_by_the_next_visit_and_not_after_an_order() {
    let j = journey(Trigger::CartAbandoned);
    let mut f = facts(T0 + 10.0 * MIN);
    f.cart_at = T0 + 5.0 * MIN;
    f.cart_session = 1;
    assert!(matches(&j, &f).is_none(), "5 minutes after the add: too early");
    f.now = T0 + 36.0 * MIN;
    assert!(matches(&j, &f).is_some(), "31 minutes after");
    let mut next = f.clone();
    next.now = T0 + 6.0 * MIN;
    next.session = 2;
    assert!(matches(&j, &next).is_some(), "the next visit, however soon");
    f.last_order = T0 + 20.0 * MIN;
    f.orders = 1;
    assert!(matches(&j, &f).is_none(), "ordered after the add");
    let none = facts(T0 + DAY);
    assert!(matches(&j, &none).is_none(), "nothing in the cart");
}

#[test]
fn the_other_rules() {
    let mut f = facts(T0);
    assert!(matches(&journey(Trigger::DormantReturn), &f).is_none());
    f.session = 4;
    f.gap_days = 45.0;
    assert!(matches(&journey(Trigger::DormantReturn), &f).is_some());
    assert!(matches(&journey(Trigger::NthSession), &f).is_some());
    f.session = 2;
    assert!(matches(&journey(Trigger::NthSession), &f).is_none(), "session 2 of 3");
    f.orders = 1;
    f.last_order = T0 + MIN;
    f.now = T0 + 2.0 * MIN;
    assert!(matches(&journey(Trigger::FirstPurchase), &f).is_some());
    assert!(matches(&journey(Trigger::Order), &f).is_some());
    f.orders = 2;
    assert!(matches(&journey(Trigger::FirstPurchase), &f).is_none(), "a second order is not the first");
    f.session_start = T0 + 10.0 * MIN;
    assert!(matches(&journey(Trigger::Order), &f).is_none(), "the order was in an earlier session");
    assert!(matches(&journey(Trigger::ExitIntent), &f).is_none());
    f.exit_intent = true;
    assert!(matches(&journey(Trigger::ExitIntent), &f).is_some());
}

#[test]
fn caps_per_session_per_visitor_days_apart_and_quiet_after_a_dismissal() {
    let j = journey(Trigger::NthSession);
    let mut shown: Vec<Shown> = Vec::new();
    let mut f = facts(T0);
    f.session = 3;
    let list = [j.clone()];
    assert!(due(&list, &shown, &f, 2).is_some());
    record_shown(&mut shown, &j.name, &f);
    f.now += MIN;
    assert_eq!(capped(&j, shown.first(), &f, 2), Some("already shown this session"));
    f.session = 4;
    f.now = T0 + 2.0 * 3_600_000.0;
    assert_eq!(capped(&j, shown.first(), &f, 2), Some("shown recently"), "a new session, the same day");
    f.now = T0 + 1.5 * DAY;
    assert_eq!(capped(&j, shown.first(), &f, 2), None);
    record_shown(&mut shown, &j.name, &f);
    f.session = 5;
    f.now += 2.0 * DAY;
    record_shown(&mut shown, &j.name, &f);
    f.session = 6;
    f.now += 2.0 * DAY;
    assert_eq!(capped(&j, shown.first(), &f, 2), Some("shown as often as it may be"), "3 times in all");

    // A dismissal: quiet for 14 days.
    let mut shown = [Shown { name: j.name.clone(), count: 1, last: T0, session: 1, in_session: 1, dismissed: T0 + MIN }];
    let mut f = facts(T0 + 5.0 * DAY);
    f.session = 3;
    assert_eq!(capped(&j, shown.first(), &f, 2), Some("dismissed recently"));
    f.now = T0 + 15.0 * DAY;
    assert_eq!(capped(&j, shown.first(), &f, 2), None);
    shown[0].dismissed = 0.0;
    // And the session total over all journeys.
    f.session_total = 2;
    assert_eq!(capped(&j, shown.first(), &f, 2), Some("enough messages this session"));
}

#[test]
fn the_first_due_journey_in_config_order_wins() {
    let list = [journey(Trigger::ExitIntent), journey(Trigger::NthSession), journey(Trigger::DormantReturn)];
    let mut f = facts(T0);
    f.session = 5;
    f.gap_days = 40.0;
    assert_eq!(due(&list, &[], &f, 2).map(|(j, _)| j.on), Some(Trigger::NthSession));
}

fn rec(parts: &[&str]) -> String {
    parts.join(&US.to_string())
}

/// A personalizer as each page load makes it: from the config and the
/// stored profile (a new document shows at most one journey).
struct Site {
    config: String,
    p: Personalizer,
}

fn start(config: &str, stored: &str, now: f64) -> Personalizer {
    let stored = if stored.is_empty() { String::new() } else { serde_json::to_string(stored).unwrap() };
    let init = [format!("n{now}"), codec::pz_init(config, &[&stored, "vid", "0011", "1", "1", "1200"])].join(&RS.to_string());
    let mut p = codec::pz_start(&init);
    p.out_text();
    p
}

fn engine(config: &str, now: f64) -> Site {
    Site { config: config.into(), p: start(config, "", now) }
}

impl Site {
    fn run(&mut self, records: &str) -> String {
        self.p.run_text(records)
    }

    fn profile(&self) -> Option<&kizuna::engine::personalize::profile::Profile> {
        self.p.profile()
    }
}

/// A page load at `now`: a new engine from the stored profile, its page record and the tracker's page signal.
fn page(s: &mut Site, now: f64) -> String {
    let stored = s.p.profile().map(|p| p.to_json()).unwrap_or_default();
    s.p = start(&s.config, &stored, now);
    s.p.run_text(&[format!("n{now}"), rec(&["p/", "", "", ""]), format!("gp{}{US}\"\"", now as u64)].join(&RS.to_string()))
}

const CART: &str = r#"{"journeys":{"cart":{"on":"cart-abandoned","message":"Your cart misses you","link":"/cart"}}}"#;

#[test]
fn a_cart_nudge_fires_once_then_respects_its_caps_across_pages_and_sessions() {
    let mut p = engine(CART, T0);
    page(&mut p, T0);
    let added = p.run(
        &[format!("n{}", T0 + MIN), format!("ge{}{US}\"Product Added\"{US}{US}{US}{US}\"sku-1\"", (T0 + MIN) as u64)].join(&RS.to_string()),
    );
    assert!(!added.contains("\u{1e}J") && !added.starts_with('J'), "not right after the add: {added}");
    assert!(!page(&mut p, T0 + 10.0 * MIN).contains("J\"cart\""));
    let out = page(&mut p, T0 + 40.0 * MIN);
    let j = out.split(RS).find(|r| r.starts_with('J')).expect("the nudge");
    assert!(j.contains(r#""message":"Your cart misses you","link":"/cart","survey":false"#), "{j}");
    assert!(out.contains(r#"T"Journey Shown""#) && out.contains(r#"{"journey":"cart","trigger":"cart-abandoned"}"#), "{out}");
    let why = p.run("e\"cart\"");
    assert!(why.starts_with("Eshown because you added something to your cart and did not order it"), "{why}");
    // The same session: not again.
    assert!(!page(&mut p, T0 + 50.0 * MIN).contains("J\"cart\""));
    // Dismissed: quiet for 14 days, even in later sessions.
    let _ = page(&mut p, T0 + 2.0 * DAY);
    let mut q = engine(CART, T0);
    page(&mut q, T0);
    q.run(&format!("ge{}{US}\"Product Added\"{US}{US}{US}{US}", (T0 + MIN) as u64));
    assert!(page(&mut q, T0 + 40.0 * MIN).contains("J\"cart\""));
    let closed = q.run(&["n0", "u\"cart\""].join(&RS.to_string()).replacen("n0", &format!("n{}", T0 + 41.0 * MIN), 1));
    assert!(closed.contains(r#"T"Journey Dismissed""#), "{closed}");
    assert!(!page(&mut q, T0 + 3.0 * DAY).contains("J\"cart\""), "quiet after the dismissal");
    assert!(page(&mut q, T0 + 16.0 * DAY).contains("J\"cart\""), "and back after 14 days");
    // An order closes the cart.
    let mut r = engine(CART, T0);
    page(&mut r, T0);
    r.run(&format!("ge{}{US}\"Product Added\"{US}{US}{US}{US}", (T0 + MIN) as u64));
    r.run(&format!("ge{}{US}\"Order Completed\"{US}{US}{US}60{US}", (T0 + 2.0 * MIN) as u64));
    assert!(!page(&mut r, T0 + 2.0 * DAY).contains("J\"cart\""));
}

#[test]
fn an_nps_survey_after_an_order_once_per_period_with_a_checked_answer() {
    let cfg = r#"{"journeys":{"nps":{"on":"order","survey":true,"everyDays":90,"perVisitor":10,"quietDays":90}}}"#;
    let mut p = engine(cfg, T0);
    page(&mut p, T0);
    let out = p.run(
        &[format!("n{}", T0 + MIN), format!("ge{}{US}\"Order Completed\"{US}{US}{US}60{US}", (T0 + MIN) as u64)].join(&RS.to_string()),
    );
    let j = out.split(RS).find(|r| r.starts_with('J')).expect("the survey");
    assert!(j.contains(r#""message":"How likely are you to recommend us to a friend or colleague?","survey":true"#), "{j}");
    assert!(out.contains(r#"T"Survey Shown""#));
    assert_eq!(p.run(&rec(&["U\"nps\"", "11", ""])), "", "a score over 10 is refused");
    assert_eq!(p.run(&rec(&["U\"nps\"", "7.5", ""])), "", "and a fraction");
    let answered = p.run(&rec(&["U\"nps\"", "9", "\"  Fast delivery  \""]));
    assert!(
        answered.contains(&format!(r#"T"Survey Responded"{US}{{"survey":"nps","trigger":"order","score":9,"comment":"Fast delivery"}}"#)),
        "{answered}"
    );
    // Another order the next week: not asked again within 90 days.
    page(&mut p, T0 + 7.0 * DAY);
    let again = p.run(
        &[format!("n{}", T0 + 7.0 * DAY + MIN), format!("ge{}{US}\"Order Completed\"{US}{US}{US}60{US}", (T0 + 7.0 * DAY + MIN) as u64)]
            .join(&RS.to_string()),
    );
    assert!(!again.contains("J\"nps\""), "{again}");
    page(&mut p, T0 + 100.0 * DAY);
    let later = p.run(
        &[
            format!("n{}", T0 + 100.0 * DAY + MIN),
            format!("ge{}{US}\"Order Completed\"{US}{US}{US}60{US}", (T0 + 100.0 * DAY + MIN) as u64),
        ]
        .join(&RS.to_string()),
    );
    assert!(later.contains("J\"nps\""), "asked again after the period: {later}");
}

#[test]
fn journeys_need_personalization_consent_and_survive_storage() {
    let mut p = engine(CART, T0);
    page(&mut p, T0);
    p.run(&format!("ge{}{US}\"Product Added\"{US}{US}{US}{US}", (T0 + MIN) as u64));
    p.run(&format!("c0{US}0"));
    assert!(!page(&mut p, T0 + 40.0 * MIN).contains("J\"cart\""), "no consent, no journey");
    let mut q = engine(CART, T0);
    page(&mut q, T0);
    q.run(&format!("ge{}{US}\"Product Added\"{US}{US}{US}{US}", (T0 + MIN) as u64));
    page(&mut q, T0 + 40.0 * MIN);
    let stored = q.profile().unwrap().to_json();
    let back = kizuna::engine::personalize::profile::Profile::parse(&stored).unwrap();
    let now = q.profile().unwrap();
    assert_eq!(
        (&back.journeys, back.cart_at, back.cart_session, back.session_start),
        (&now.journeys, now.cart_at, now.cart_session, now.session_start)
    );
    assert_eq!(back.journeys[0].count, 1);
}

#[test]
fn one_journey_a_document_even_across_an_spas_routes() {
    let cfg = r#"{"journeys":{"back":{"on":"nth-session","message":"Welcome back","sessions":1,"perSession":5,"everyDays":0},"exit":{"on":"exit-intent","message":"Before you go","perSession":5,"everyDays":0}}}"#;
    let mut s = engine(cfg, T0);
    let first = page(&mut s, T0);
    assert_eq!(first.matches("\u{1e}J").count() + usize::from(first.starts_with('J')), 1, "{first}");
    let route = s.run(&[format!("n{}", T0 + MIN), rec(&["p/next", "", "", ""])].join(&RS.to_string()));
    assert!(!route.contains("J\""), "a route change: not a second one: {route}");
    assert!(!s.run("x").contains("J\""), "nor on exit intent");
    let next = page(&mut s, T0 + 2.0 * MIN);
    assert!(next.contains("J\"back\""), "the next page load may: {next}");
}
