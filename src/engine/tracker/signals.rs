//! What the visitor's profile learns from what is tracked, while
//! personalization is granted: page views with their topics, events with
//! a `category`, `tags` or an order, topic clicks, and activity (for
//! sessions and recency).
//!
//! The profile itself belongs to the personalization module, which loads
//! only on pages that personalize. Where it listens, signals go straight to
//! it; elsewhere they are kept in a short log (localStorage
//! `kizuna:signals`, personalization data) that it folds in on the next
//! page that loads it. Lines, one per signal, after a `v1` header:
//!
//! | line | signal |
//! |---|---|
//! | `p` time U+001F topics | a page view; topics is the page's `data-kz-topic` as a JSON literal |
//! | `e` time U+001F name U+001F category U+001F tags U+001F revenue U+001F products | an event; each value JSON, or empty (products: the ids it names, JSON strings joined by commas; sensitive topics already left out) |
//! | `c` time U+001F topics | a click inside an element about these topics |
//! | `a` first U+001F last U+001F count | other events between those times |

use crate::prelude::*;

use super::Tracker;
use crate::engine::consent::{Category, Choice};
use crate::engine::io::Out;
use crate::engine::pipeline::call::Checked;
use crate::engine::pipeline::event::Kind;
use crate::engine::text::json::{self, quoted};
use crate::engine::text::num::{parse_u64, write_u64};

/// Storage key of the log.
pub const STORAGE_KEY: &str = "kizuna:signals";
/// Lines kept (the oldest go first).
pub const MAX_LINES: usize = 200;
/// Activity closer than this merges into one line (ms).
const ACTIVITY_MERGE_MS: f64 = 60_000.0;

/// The signals not yet handed to the profile.
#[derive(Debug, Default)]
pub struct Signals {
    log: Vec<String>,
    /// Lines for the listening module, not yet handed over.
    out: Vec<String>,
    /// The log to write, when it is due.
    store: Option<String>,
    /// Activity since the last line: first, last, count.
    activity: Option<(f64, f64, u64)>,
    dirty: bool,
    last_write: f64,
    /// The personalization module listens.
    pub consumer: bool,
}

impl Signals {
    /// The log as stored.
    pub fn load(text: Option<&str>) -> Signals {
        let mut s = Signals::default();
        if let Some(t) = text.filter(|t| t.starts_with("v1\n")) {
            // The newest lines, as the log keeps them: a log stored longer
            // (damaged, or another version's) stays no longer, nor is it
            // handed over whole.
            let lines = t.bytes().filter(|&b| b == b'\n').count();
            for l in crate::engine::text::fields(t, b'\n').skip(1 + lines.saturating_sub(MAX_LINES)) {
                if !l.is_empty() {
                    s.log.push(l.into());
                }
            }
        }
        s
    }

    fn push(&mut self, line: String) {
        self.close_activity();
        self.add(line);
    }

    fn add(&mut self, line: String) {
        if self.consumer {
            self.out.push(line);
            return;
        }
        if self.log.len() >= MAX_LINES {
            self.log.remove(0);
        }
        self.log.push(line);
        self.dirty = true;
    }

    fn activity(&mut self, time: f64) {
        let a = self.activity.get_or_insert((time, time, 0));
        a.1 = a.1.max(time);
        a.2 += 1;
    }

    /// Turns the activity gathered into a line (merged into the last one
    /// when that was activity a moment before).
    fn close_activity(&mut self) {
        let Some((first, last, count)) = self.activity.take() else { return };
        if !self.consumer {
            if let Some(prev) = self.log.last().filter(|l| l.starts_with('a')) {
                let f: Vec<&str> = crate::engine::text::fields(prev.get(1..).unwrap_or(""), 0x1f).collect();
                if let (Some(pf), Some(pl), Some(pc)) =
                    (f.first().and_then(|x| parse_u64(x)), f.get(1).and_then(|x| parse_u64(x)), f.get(2).and_then(|x| parse_u64(x)))
                {
                    if first - pl as f64 <= ACTIVITY_MERGE_MS {
                        let line = activity_line(pf as f64, last.max(pl as f64), pc + count);
                        if let Some(l) = self.log.last_mut() {
                            *l = line;
                        }
                        self.dirty = true;
                        return;
                    }
                }
            }
        }
        self.add(activity_line(first, last, count));
    }

    /// The personalization module listens (or stops): the log so far goes
    /// to it as signals, and leaves storage. Whether the stored log should
    /// be removed now.
    pub fn set_consumer(&mut self, on: bool, o: &mut Out) -> bool {
        self.close_activity();
        self.consumer = on;
        if !on || self.log.is_empty() {
            return on;
        }
        self.out.append(&mut self.log);
        self.dirty = false;
        self.flush(o);
        true
    }

    /// Forgets everything (personalization denied, `forget()`).
    pub fn clear(&mut self) {
        *self = Signals { consumer: self.consumer, ..Signals::default() };
    }

    /// Writes the log when it changed, storage is `allowed`, and a second
    /// passed since the last write (or `now` is a moment that must not
    /// wait: the page is hidden).
    pub fn persist_if(&mut self, allowed: bool, now: f64, force: bool) {
        self.close_activity();
        if !(self.dirty && allowed && (force || now - self.last_write >= 1000.0)) {
            return;
        }
        self.dirty = false;
        self.last_write = now;
        let mut text = String::from("v1");
        for l in &self.log {
            text.push('\n');
            text.push_str(l);
        }
        self.store = Some(text);
    }

    /// Writes what waits: signals for the module (`G`), the log to store.
    pub fn flush(&mut self, o: &mut Out) {
        for line in core::mem::take(&mut self.out) {
            o.begin(b'G').field(&line).end();
        }
        if let Some(text) = self.store.take() {
            o.store(STORAGE_KEY, Some(&text));
        }
    }

    /// The log's lines (for tests).
    pub fn lines(&self) -> &[String] {
        &self.log
    }
}

fn activity_line(first: f64, last: f64, count: u64) -> String {
    let mut l = String::from("a");
    write_u64(&mut l, first as u64);
    l.push('\u{1f}');
    write_u64(&mut l, last as u64);
    l.push('\u{1f}');
    write_u64(&mut l, count);
    l
}

/// The members of a track call's properties the profile learns from.
const LEARNED: [&str; 6] = ["category", "tags", "revenue", "product_id", "sku", "products"];

/// The values of [`LEARNED`] in `props` ("" when missing), read in one pass
/// (a repeated key: the last one, as `JSON.parse` has it).
fn learned(props: &str) -> [&str; 6] {
    let mut found = [""; 6];
    for (k, v) in json::members(props) {
        // The key read once, not once for each name it is compared with.
        let plain = k.get(1..k.len().saturating_sub(1)).unwrap_or("");
        let decoded;
        let key = if plain.bytes().any(|b| b == b'\\') {
            decoded = json::string(k).unwrap_or_default();
            decoded.as_str()
        } else {
            plain
        };
        if let Some(i) = LEARNED.iter().position(|name| *name == key) {
            found[i] = v;
        }
    }
    found
}

/// The product id of one product object: its `product_id`, or when it has
/// none its `sku`, if that is a string (a JSON literal).
fn product_id<'a>(id: &'a str, sku: &'a str) -> Option<&'a str> {
    Some(if id.is_empty() { sku } else { id }).filter(|v| json::kind(v) == json::Kind::String)
}

/// The product ids a Segment e-commerce event names (`product_id`, or
/// `sku`; an order's `products`), as JSON strings joined by commas.
fn product_ids(name: &str, l: &[&str; 6]) -> String {
    let mut ids = String::new();
    let mut add = |id: Option<&str>| {
        if let Some(v) = id {
            if !ids.is_empty() {
                ids.push(',');
            }
            ids.push_str(v);
        }
    };
    match name {
        "\"Order Completed\"" => json::items(l[5]).for_each(|p| {
            let p = learned(p);
            add(product_id(p[3], p[4]))
        }),
        "\"Product Viewed\"" | "\"Product Clicked\"" | "\"Product Added\"" => add(product_id(l[3], l[4])),
        _ => {}
    }
    ids
}

fn line(kind: char, time: f64, fields: &[&str]) -> String {
    let mut l = String::new();
    l.push(kind);
    write_u64(&mut l, time.max(0.0) as u64);
    for f in fields {
        l.push('\u{1f}');
        l.push_str(f);
    }
    l
}

impl Tracker {
    fn learning(&self) -> bool {
        self.consent.get(Category::Personalization) == Choice::Granted
    }

    /// What a call teaches the profile.
    pub(super) fn observe(&mut self, c: &Checked, time: f64, page: u32) {
        if !self.learning() {
            return;
        }
        match c.kind {
            Kind::Page => {
                let topics = self.pages.peek(page).map(|p| quoted(&self.minus_sensitive(&p.topics))).unwrap_or_else(|| "\"\"".into());
                self.signals.push(line('p', time, &[&topics]));
            }
            Kind::Track => {
                let name = c.name.as_str();
                let order = name == "\"Order Completed\"";
                let l = learned(&c.props);
                let category = self.clean(l[0]);
                let tags = self.clean(l[1]);
                let revenue = if order { l[2] } else { "" };
                let products = product_ids(name, &l);
                if order || !category.is_empty() || !tags.is_empty() || !products.is_empty() {
                    self.signals.push(line('e', time, &[name, &category, &tags, revenue, &products]));
                } else {
                    self.signals.activity(time);
                }
            }
            Kind::Identify | Kind::Group | Kind::Alias => self.signals.activity(time),
        }
    }

    /// A click inside an element about `topics` (a JSON literal).
    pub(super) fn observe_click(&mut self, topics: &str) {
        if self.learning() && json::kind(topics) == json::Kind::String {
            let now = self.now;
            let topics = self.clean(json::first(topics));
            self.signals.push(line('c', now, &[&topics]));
        }
    }

    /// Appends to `kept` the topics of a comma-separated `list` that are
    /// not sensitive.
    fn keep_allowed(&self, list: &str, kept: &mut String) {
        for t in crate::engine::text::fields(list, b',') {
            if !self.cfg.sensitive.iter().any(|s| s.trim_ascii().as_bytes().eq_ignore_ascii_case(t.trim_ascii().as_bytes())) {
                if !kept.is_empty() {
                    kept.push(',');
                }
                kept.push_str(t);
            }
        }
    }

    /// A comma-separated topic list less the sensitive topics.
    fn minus_sensitive(&self, list: &str) -> String {
        let mut kept = String::new();
        self.keep_allowed(list, &mut kept);
        kept
    }

    /// A `category` / `tags` value (JSON, or empty) less the sensitive
    /// topics, as a JSON string of topics (or empty when none is left).
    fn clean(&self, value: &str) -> String {
        if self.cfg.sensitive.is_empty() || value.is_empty() {
            return value.into();
        }
        let mut kept = String::new();
        if json::kind(value) == json::Kind::Array {
            for item in json::items(value).filter_map(json::string) {
                self.keep_allowed(&item, &mut kept);
            }
        } else {
            self.keep_allowed(&json::string(value).unwrap_or_default(), &mut kept);
        }
        if kept.is_empty() {
            kept
        } else {
            quoted(&kept)
        }
    }

    /// The signal log (for tests).
    pub fn signal_log(&self) -> &[String] {
        self.signals.lines()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_log_is_read_as_its_newest_lines() {
        // Found by tests/fuzz_stored.rs: a log of 10,000 lines was kept,
        // written back and handed over whole.
        let mut text = String::from("v1");
        for i in 0..MAX_LINES + 50 {
            text.push_str("\na");
            write_u64(&mut text, i as u64);
        }
        let s = Signals::load(Some(&text));
        assert_eq!(s.lines().len(), MAX_LINES);
        assert_eq!((s.lines()[0].as_str(), s.lines()[MAX_LINES - 1].as_str()), ("a50", "a249"));
        assert_eq!(Signals::load(Some("v1\np1\u{1f}\"\"\n\nc2")).lines(), ["p1\u{1f}\"\"", "c2"]);
    }

    #[test]
    fn the_members_learned_are_json_parses() {
        let cases = [
            r#"{"bench_seq":1,"plan":"pro","price":9.99,"sku":"SKU-1234","ok":true}"#,
            r#"{"plan":"pro","price":9.99,"ok":true}"#,
            r#"{"category":"shoes","tags":["a","b"],"revenue":12.5,"product_id":"p1","products":[{"sku":"s"}]}"#,
            r#"{"\u0063ategory":"escaped key","x":"\"sku\""}"#,
            r#"{"meta":{"category":"nested, not learned"},"note":"category"}"#,
            r#"{"x":"a \"category\" in a value"}"#,
            r#"{"sku":"first","sku":"last"}"#,
            r#"{"skus":1,"tagsx":2,"product":3}"#,
            "{}",
        ];
        for props in cases {
            let v: serde_json::Value = serde_json::from_str(props).unwrap();
            let got = learned(props);
            for (i, name) in LEARNED.iter().enumerate() {
                let want = v.get(*name).cloned();
                let have = (!got[i].is_empty()).then(|| serde_json::from_str::<serde_json::Value>(got[i]).unwrap());
                assert_eq!(have, want, "{name} in {props}");
            }
        }
    }
}
