//! The personalization side of the running SDK: deciding and rendering the
//! page's slots, measuring viewable impressions (half the slot visible for
//! a second, once per page view) and clicks, learning topics from clicks,
//! and the `decide` / `explain` / `profile` / `forget` / `onDecision` API.

use alloc::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

use super::Runtime;
use crate::core::json::Value;
use crate::core::personalize::decide::{Decision, Reason};
use crate::core::platform::Level;
use crate::prelude::*;
use crate::web::console;
use crate::web::convert::to_js;
use crate::web::listener::Listener;
use crate::web::slots::{self, SlotElement};
use crate::web::timer::Timeout;

/// Half the slot in view…
const VIEWABLE_RATIO: f64 = 0.5;
/// …for a second.
const VIEWABLE_MS: u32 = 1000;

/// A slot of the page and what was decided for it.
pub(super) struct SlotState {
    element: SlotElement,
    decision: Decision,
    viewed: bool,
    timer: Option<Timeout>,
}

/// The viewability observer and its callback.
pub(super) type Viewability = (IntersectionObserver, Closure<dyn FnMut(Array)>);

impl Runtime {
    /// Decides and renders every slot of the page (at start, on `page()`,
    /// and when personalization consent changes).
    pub(super) fn personalize_page(self: &Rc<Self>) {
        if slots::still_loading() {
            // Slots parsed later would be missed: decide them all once the
            // document is parsed (slots.js holds undecided ones till then,
            // 300 ms at most).
            self.personalize_when_parsed();
            return;
        }
        let mut found = slots::find();
        let decisions: Vec<Decision> = found
            .iter()
            .map(|s| {
                let markup = slots::variants(&s.element);
                self.with_tracker(|t| t.decide(&s.name, &markup)).unwrap_or_else(|| Decision::default_for(&s.name, Reason::NoConsent, false, String::new()))
            })
            .collect();
        let observer = self.viewability();
        let mut states = Vec::with_capacity(found.len());
        for (element, mut decision) in found.drain(..).zip(decisions) {
            if element.element.has_attribute("data-kz-late") && decision.variant.is_some() {
                // The visitor already sees the default: no flip now.
                let mut why = String::from("Kizuna loaded after the page showed the default; kept for the next page: ");
                why.push_str(&decision.explanation);
                decision = Decision { variant: None, reason: Reason::Late, propensity: 1.0, explanation: why, ..decision };
            }
            match &decision.variant {
                Some(v) => {
                    if !element.render(v) {
                        element.restore();
                    }
                }
                None => element.restore(),
            }
            if let Some(o) = &observer {
                o.observe(&element.element);
            }
            states.push(SlotState { element, decision, viewed: false, timer: None });
        }
        let decided: Vec<Decision> = states.iter().map(|s| s.decision.clone()).collect();
        *self.slots.borrow_mut() = states;
        self.listen_for_clicks();
        self.schedule_profile_save();
        for d in &decided {
            self.announce(d);
        }
    }

    /// Writes a changed profile a second from now (one write for a burst).
    pub(super) fn schedule_profile_save(self: &Rc<Self>) {
        if self.profile_timer.borrow().is_some() || !self.with_tracker(|t| t.profile_dirty()).unwrap_or(false) {
            return;
        }
        let weak = Rc::downgrade(self);
        *self.profile_timer.borrow_mut() = Some(Timeout::new(1000, move || {
            if let Some(rt) = weak.upgrade() {
                rt.profile_timer.borrow_mut().take();
                rt.with_tracker(|t| t.persist_profile());
            }
        }));
    }

    fn personalize_when_parsed(self: &Rc<Self>) {
        if self.parsed_listener.borrow().is_some() {
            return;
        }
        let Some(doc) = crate::web::window().and_then(|w| w.document()) else { return };
        let weak = Rc::downgrade(self);
        let listener = Listener::new(&doc, "DOMContentLoaded", move |_| {
            if let Some(rt) = weak.upgrade() {
                rt.parsed_listener.borrow_mut().take();
                rt.personalize_page();
            }
        });
        *self.parsed_listener.borrow_mut() = listener;
    }

    /// The viewability observer, made once.
    fn viewability(self: &Rc<Self>) -> Option<IntersectionObserver> {
        if let Some((o, _)) = self.viewability.borrow().as_ref() {
            o.disconnect();
            return Some(o.clone());
        }
        let weak = Rc::downgrade(self);
        let callback = Closure::<dyn FnMut(Array)>::new(move |entries: Array| {
            let Some(rt) = weak.upgrade() else { return };
            for entry in entries.iter().filter_map(|e| e.dyn_into::<IntersectionObserverEntry>().ok()) {
                rt.visibility_changed(&entry.target(), entry.is_intersecting() && entry.intersection_ratio() >= VIEWABLE_RATIO);
            }
        });
        let init = IntersectionObserverInit::new();
        init.set_threshold(&JsValue::from_f64(VIEWABLE_RATIO));
        let observer = IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &init).ok()?;
        *self.viewability.borrow_mut() = Some((observer.clone(), callback));
        Some(observer)
    }

    /// A slot came into view (half of it) or left it: a second in view
    /// counts one `Slot Viewed`.
    fn visibility_changed(self: &Rc<Self>, target: &web_sys::Element, in_view: bool) {
        let mut slots = self.slots.borrow_mut();
        let Some(i) = slots.iter().position(|s| &s.element.element == target) else { return };
        let state = &mut slots[i];
        if state.viewed {
            return;
        }
        if !in_view {
            state.timer = None;
            return;
        }
        if state.timer.is_some() {
            return;
        }
        let weak = Rc::downgrade(self);
        let name = state.element.name.clone();
        state.timer = Some(Timeout::new(VIEWABLE_MS, move || {
            if let Some(rt) = weak.upgrade() {
                rt.viewed(&name);
            }
        }));
    }

    fn viewed(self: &Rc<Self>, name: &str) {
        let decision = {
            let mut slots = self.slots.borrow_mut();
            let Some(state) = slots.iter_mut().find(|s| s.element.name == name && !s.viewed) else { return };
            state.viewed = true;
            state.timer = None;
            state.decision.clone()
        };
        if self.with_tracker(|t| t.exposure(&decision, false)).unwrap_or(false) {
            self.pump();
        }
        self.schedule_profile_save();
    }

    fn listen_for_clicks(self: &Rc<Self>) {
        if self.click_listener.borrow().is_some() {
            return;
        }
        let Some(doc) = crate::web::window().and_then(|w| w.document()) else { return };
        let weak = Rc::downgrade(self);
        let listener = Listener::new(&doc, "click", move |event: web_sys::Event| {
            let Some(rt) = weak.upgrade() else { return };
            let Some(target) = event.target() else { return };
            let (slot, topics) = slots::click_target(&target);
            if let Some(topics) = topics {
                rt.with_tracker(|t| t.observe_click(&topics));
            }
            if let Some(name) = slot {
                let decision = rt.slots.borrow().iter().find(|s| s.element.name == name).map(|s| s.decision.clone());
                if let Some(d) = decision {
                    if rt.with_tracker(|t| t.exposure(&d, true)).unwrap_or(false) {
                        rt.pump();
                    }
                }
            }
            rt.schedule_profile_save();
        });
        *self.click_listener.borrow_mut() = listener;
    }

    /// Tells the `onDecision` callbacks.
    fn announce(&self, decision: &Decision) {
        let value = decision_js(decision);
        let watchers: Vec<Function> = self.decision_watchers.borrow().iter().map(|(_, f)| f.clone()).collect();
        for cb in watchers {
            if cb.call1(&JsValue::UNDEFINED, &value).is_err() {
                console::write(Level::Error, "an onDecision callback threw; Kizuna carried on");
            }
        }
    }

    /// `kz.decide(slot)`: the page's decision for it, or (for a slot the app
    /// renders itself, described in the config) a decision made now.
    pub fn decide(self: &Rc<Self>, name: &str) -> JsValue {
        if let Some(d) = self.slots.borrow().iter().find(|s| s.element.name == name).map(|s| s.decision.clone()) {
            return decision_js(&d);
        }
        let decision = self.with_tracker(|t| {
            let markup = t.config().slots.iter().find(|s| s.name == name).map(|s| s.as_markup()).unwrap_or_default();
            t.decide(name, &markup)
        });
        self.schedule_profile_save();
        match decision {
            Some(d) => {
                self.announce(&d);
                decision_js(&d)
            }
            None => JsValue::NULL,
        }
    }

    /// `kz.explain(slot)`: why the slot shows what it shows.
    pub fn explain(self: &Rc<Self>, name: &str) -> String {
        if let Some(e) = self.slots.borrow().iter().find(|s| s.element.name == name).map(|s| s.decision.explanation.clone()) {
            return e;
        }
        let d = self.decide(name);
        js_sys::Reflect::get(&d, &JsValue::from_str("explanation")).ok().and_then(|e| e.as_string()).unwrap_or_default()
    }

    /// `kz.profile()`: what is stored about the visitor (`null` when nothing).
    pub fn profile_value(&self) -> JsValue {
        self.with_tracker(|t| to_js(&t.profile_value())).unwrap_or(JsValue::NULL)
    }

    /// `kz.forget()`: deletes the profile and the ids; slots show their
    /// default until decided again (a new visitor).
    pub fn forget(self: &Rc<Self>) {
        self.profile_timer.borrow_mut().take();
        self.with_tracker(|t| t.forget());
        self.personalize_page();
    }

    /// `kz.onDecision(cb)`: the unsubscribe function.
    pub fn watch_decisions(self: &Rc<Self>, callback: Function) -> JsValue {
        self.subscribe(|rt| &rt.decision_watchers, callback)
    }
}

/// A decision as `{ slot, variant, reason, propensity, holdout, explanation }`.
pub fn decision_js(d: &Decision) -> JsValue {
    to_js(&Value::Object(vec![
        ("slot".into(), d.slot.as_str().into()),
        ("variant".into(), d.variant.as_deref().map_or(Value::Null, Value::from)),
        ("reason".into(), d.reason.code().into()),
        ("propensity".into(), d.propensity.into()),
        ("holdout".into(), d.holdout.into()),
        ("explanation".into(), d.explanation.as_str().into()),
    ]))
}
