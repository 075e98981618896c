//! What is tracked without code, made into events (the rules are in
//! `engine/autotrack.rs`): page views on load and on history changes,
//! clicks, scroll depth milestones, engaged time, forms; and the session
//! every event carries. All of it is `analytics`, through the same gate
//! as the site's own calls.

use crate::prelude::*;

use super::Tracker;
use crate::engine::autotrack::{may_name, view_key, Clicks, Depth, Engaged, Views};
use crate::engine::consent::Category;
use crate::engine::encode::segment::merge;
use crate::engine::io::Rec;
use crate::engine::pipeline::call::Call;
use crate::engine::pipeline::event::Kind;
use crate::engine::session::{self, Session, Touch};
use crate::engine::text::json::{self, write_string};
use crate::engine::text::num::write_u64;

/// The current page view, as autotrack follows it.
#[derive(Clone, Debug, Default)]
pub struct AutoState {
    views: Views,
    clicks: Clicks,
    depth: Depth,
    engaged: Engaged,
    /// The page id of the current view (0 before the first).
    page: u32,
    /// Forms started on this view: their properties, and whether submitted.
    forms: Vec<(String, bool)>,
    /// When the next heartbeat is due.
    pub beat_at: Option<f64>,
}

impl Tracker {
    /// An input of the autotrack listeners (see [`crate::engine::io::Input::Auto`]).
    pub(super) fn auto_input(&mut self, mut r: Rec<'_>) {
        let a = self.cfg.auto.clone();
        match r.kind {
            b'P' => {
                let (page, time, how) = (r.u(), r.n(), r.s());
                let fragment = how == "#";
                if a.pageviews == 2 || (a.pageviews == 1 && self.auto.page != 0 && how != "r") || (fragment && !a.hash_changes) {
                    return;
                }
                if how == "r" {
                    self.auto.views.forget();
                }
                let Some(url) = self.pages.peek(page).map(|p| view_key(&p.url, a.hash_changes).to_string()) else { return };
                if self.auto.views.is_new(&url, time) {
                    self.emit(Kind::Page, "", "{}", time, page);
                }
            }
            b'C' if a.clicks => {
                let (page, time) = (r.u(), r.n());
                let (x, y) = (r.u() as i32, r.u() as i32);
                let (what, name, element, props) = (r.s(), r.s(), r.s(), r.s());
                let rage = self.auto.clicks.rage(time, x, y);
                self.auto.engaged.active(time);
                let mut out = String::with_capacity(element.len() + props.len() + 32);
                let name = match what {
                    "t" => {
                        let mut extra = String::from("{\"element\":");
                        extra.push_str(element);
                        extra.push_str(if rage { ",\"rage\":true}" } else { "}" });
                        merge(&mut out, if json::kind(props) == json::Kind::Object { props } else { "{}" }, &extra);
                        name
                    }
                    w => {
                        merge(&mut out, element, if rage { "{\"rage\":true}" } else { "{}" });
                        if w == "l" {
                            "\"Link Clicked\""
                        } else {
                            "\"Button Clicked\""
                        }
                    }
                };
                self.emit(Kind::Track, name, &out, time, page);
            }
            b'D' => {
                let (page, percent, initial) = (r.u(), r.u().min(100) as u8, r.flag());
                if page != self.auto.page || !(a.scroll || a.engagement) {
                    return;
                }
                let passed = self.auto.depth.saw(percent);
                // What shows without scrolling passes its milestones silently.
                if a.scroll && !initial {
                    for m in passed {
                        let mut p = String::from("{\"depth\":");
                        write_u64(&mut p, u64::from(*m));
                        p.push('}');
                        self.emit(Kind::Track, "\"Scroll Depth\"", &p, self.now, page);
                    }
                }
            }
            b'E' => {
                let time = r.n();
                self.auto.engaged.active(time);
                if a.heartbeat_ms > 0.0 && a.engagement && self.auto.beat_at.is_none() {
                    self.auto.beat_at = Some(time + a.heartbeat_ms);
                }
            }
            b'F' if a.forms => {
                let (page, time, started) = (r.u(), r.n(), !r.flag());
                let (form, list) = (r.s(), r.s());
                let props = form_props(form, list);
                self.auto.engaged.active(time);
                match self.auto.forms.iter_mut().find(|(p, _)| *p == props) {
                    Some(entry) if !started => entry.1 = true,
                    Some(_) => return,
                    None => self.auto.forms.push((props.clone(), !started)),
                }
                self.emit(Kind::Track, if started { "\"Form Started\"" } else { "\"Form Submitted\"" }, &props, time, page);
            }
            _ => {}
        }
    }

    /// A page view (the site's or autotrack's) on `page`: the view before
    /// it ends, and an automatic one of the same URL right after is the same.
    pub(super) fn page_seen(&mut self, page: u32, time: f64) {
        if let Some(p) = self.pages.peek(page) {
            let key = view_key(&p.url, self.cfg.auto.hash_changes).to_string();
            self.auto.views.manual(&key, time);
        }
        if page != self.auto.page {
            self.end_view(time);
            self.auto.page = page;
            self.auto.engaged.active(time);
        }
    }

    /// The current page view ends (hidden, left, or another view starts):
    /// its engaged time and depth, and the forms started on it and not
    /// submitted (`leaving`: they are abandoned).
    pub(super) fn end_view(&mut self, now: f64) {
        let page = self.auto.page;
        if page == 0 {
            return;
        }
        self.auto.engaged.hidden(now);
        self.engagement(now, false);
        for (props, submitted) in core::mem::take(&mut self.auto.forms) {
            if !submitted {
                self.emit(Kind::Track, "\"Form Abandoned\"", &props, now, page);
            }
        }
        self.auto.depth = Depth::default();
        self.auto.beat_at = None;
    }

    /// `Page Engagement` with the engaged time not yet reported, when there
    /// is some (a background tab reports nothing).
    pub(super) fn engagement(&mut self, now: f64, heartbeat: bool) {
        if !self.cfg.auto.engagement || self.auto.page == 0 {
            return;
        }
        self.auto.engaged.settle(now);
        let ms = self.auto.engaged.take();
        if ms == 0 {
            return;
        }
        let mut p = String::from("{\"engagedMs\":");
        write_u64(&mut p, ms);
        p.push_str(",\"scrollDepth\":");
        write_u64(&mut p, u64::from(self.auto.depth.max));
        p.push_str(if heartbeat { ",\"heartbeat\":true}" } else { "}" });
        self.emit(Kind::Track, "\"Page Engagement\"", &p, now, self.auto.page);
    }

    /// The page was hidden or left: what the view has to report goes
    /// before the beacons.
    pub(super) fn auto_hidden(&mut self, leaving: bool) {
        if leaving {
            self.end_view(self.now);
            // A view left is over: input after it (a second `pagehide`
            // came after some in Firefox) is no view's engaged time. A page
            // back from the back/forward cache is a view again.
            self.auto.page = 0;
        } else {
            self.auto.engaged.hidden(self.now);
            self.engagement(self.now, false);
        }
    }

    /// The heartbeat, when due (from the pump).
    pub(super) fn auto_beat(&mut self) {
        if let Some(t) = self.auto.beat_at.filter(|t| self.now >= *t) {
            let engaged = self.auto.engaged.engaged_at(t);
            self.engagement(self.now, true);
            self.auto.beat_at = engaged.then_some(self.now + self.cfg.auto.heartbeat_ms);
        }
    }

    /// An event Kizuna makes itself, through the same path as a call.
    fn emit(&mut self, kind: Kind, name: &str, props: &str, time: f64, page: u32) {
        let call = Call::plain(kind, name, props);
        self.record(&call, time, page, false);
    }

    /// The session of an event at `time` on `page`, as its context member
    /// (empty when sessions are off); written when it changed.
    pub(super) fn session_for(&mut self, time: f64, page: u32) -> String {
        if !self.cfg.auto.sessions {
            return String::new();
        }
        let campaign = self.pages.peek(page).map_or("", |p| p.campaign.as_str());
        let rng = &mut self.rng;
        let touch = self.session.touch(time, campaign, self.cfg.auto.session_ms, || rng.uuid());
        if touch != Touch::Same && self.consent.may_store(Category::Analytics) {
            self.save_session();
        }
        self.session.context()
    }

    /// Writes the session.
    pub(super) fn save_session(&mut self) {
        let text = self.session.write();
        self.o.store(session::KEY, Some(&text));
    }

    /// The stored session (at start, or another tab's).
    pub(super) fn stored_session(&mut self, text: &str) {
        if let Some(s) = Session::read(text) {
            self.session.merge(s);
        }
    }
}

/// A form's properties: the form's own (`id`, `name`, `action`), the
/// fields that may be named (name and type, never a value), and counts.
fn form_props(form: &str, list: &str) -> String {
    let mut fields_json = String::from("[");
    let (mut total, mut unnamed) = (0u64, 0u64);
    for item in json::items(list) {
        let mut parts = json::items(item).map(|v| json::string(v).unwrap_or_default());
        let (kind, name, auto) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
        total += 1;
        if !may_name(&kind, &name, &auto) || name.is_empty() {
            unnamed += 1;
            continue;
        }
        if fields_json.len() > 1 {
            fields_json.push(',');
        }
        fields_json.push_str("{\"name\":");
        write_string(&mut fields_json, &name);
        fields_json.push_str(",\"type\":");
        write_string(&mut fields_json, &kind);
        fields_json.push('}');
    }
    fields_json.push(']');
    let mut extra = String::from("{\"fields\":");
    extra.push_str(&fields_json);
    extra.push_str(",\"fieldCount\":");
    write_u64(&mut extra, total);
    extra.push_str(",\"unnamedFields\":");
    write_u64(&mut extra, unnamed);
    extra.push('}');
    let mut out = String::with_capacity(form.len() + extra.len() + 2);
    merge(&mut out, if json::kind(form) == json::Kind::Object { form } else { "{}" }, &extra);
    out
}
