//! The consent side of the running SDK: the page's signals (GPC, TCF,
//! Consent Mode) wired to the tracker, the `kz.consent` API, and what a
//! change does in the page (callbacks, sending, unload listeners).

use alloc::rc::Rc;

use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

use super::Runtime;
use crate::core::consent::state::{Change, Signal};
use crate::core::input::Input;
use crate::core::json::Value;
use crate::core::platform::Level;
use crate::prelude::*;
use crate::web::console;
use crate::web::consent as signals;
use crate::web::convert::to_js;

impl Runtime {
    /// Reads GPC and connects the CMP and Consent Mode, as configured.
    pub(super) fn listen_for_consent(self: &Rc<Self>) {
        let Some(config) = self.with_tracker(|t| t.config().consent.clone()) else { return };
        if config.gpc && signals::gpc() {
            self.signal(Signal::Gpc);
        }
        if config.tcf {
            let weak = Rc::downgrade(self);
            let callback = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |tc_data: JsValue, success: JsValue| {
                let Some(rt) = weak.upgrade() else { return };
                if success.as_bool() == Some(false) {
                    return;
                }
                if let Some(signal) = signals::tcf_signal(&tc_data) {
                    rt.signal(signal);
                }
            });
            // Kept for the life of the page: the CMP calls it on every change.
            if signals::listen_tcf(&callback) {
                *self.tcf_callback.borrow_mut() = Some(callback);
            }
        }
        if config.google_consent_mode {
            let weak = Rc::downgrade(self);
            let callback = Closure::<dyn FnMut(JsValue)>::new(move |entry: JsValue| {
                let Some(rt) = weak.upgrade() else { return };
                if let Some(signal) = signals::gcm_signal(&entry) {
                    rt.signal(signal);
                }
            });
            for signal in signals::listen_gcm(&callback) {
                self.signal(signal);
            }
            *self.gcm_callback.borrow_mut() = Some(callback);
        }
    }

    /// Applies a consent signal and follows up on the change.
    pub fn signal(self: &Rc<Self>, signal: Signal) {
        if let Some(change) = self.with_tracker(|t| t.consent_signal(signal)).flatten() {
            self.after_consent(change);
        }
    }

    /// `kz.consent.set(choices, options)`: the new state.
    pub fn set_consent(self: &Rc<Self>, choices: Input, options: Input) -> JsValue {
        if let Some(change) = self.with_tracker(|t| t.set_consent(choices, options)).flatten() {
            self.after_consent(change);
        }
        self.consent_value()
    }

    /// `kz.consent.get()`: `{ necessary, analytics, personalization, marketing }`.
    pub fn consent_value(&self) -> JsValue {
        self.with_tracker(|t| to_js(&t.consent().to_value())).unwrap_or(JsValue::NULL)
    }

    /// `kz.consent.pending()`: events waiting for a choice, and dropped
    /// from a full buffer.
    pub fn pending_value(&self) -> JsValue {
        let (buffered, dropped) = self.with_tracker(|t| t.buffered()).unwrap_or((0, 0));
        to_js(&Value::Object(vec![("buffered".into(), (buffered as f64).into()), ("dropped".into(), (dropped as f64).into())]))
    }

    /// `kz.consent.onChange(cb)`: calls `cb(state)` after every change;
    /// returns the function that unsubscribes it.
    pub fn watch_consent(self: &Rc<Self>, callback: Function) -> JsValue {
        self.subscribe(|rt| &rt.consent_watchers, callback)
    }

    /// What a change of choice does in the page: released events go out,
    /// the unload listeners follow what may still be sent, and the site's
    /// callbacks hear of it.
    fn after_consent(self: &Rc<Self>, change: Change) {
        self.pump();
        if change.before.personalization != change.after.personalization {
            // Granted: the slots are decided now; denied: their defaults
            // come back (the profile is already gone).
            self.personalize_page();
        }
        self.follow_unload_listeners();
        if !change.is_change() {
            return;
        }
        let state = self.consent_value();
        // Copied out first: a callback may subscribe or unsubscribe.
        let watchers: Vec<Function> = self.consent_watchers.borrow().iter().map(|(_, f)| f.clone()).collect();
        for cb in watchers {
            if cb.call1(&JsValue::UNDEFINED, &state).is_err() {
                console::write(Level::Error, "a consent.onChange callback threw; Kizuna carried on");
            }
        }
    }

    /// With every category denied and nothing queued, nothing can be sent:
    /// the unload listeners go (and come back with a grant).
    pub(super) fn follow_unload_listeners(self: &Rc<Self>) {
        let needed = self.with_tracker(|t| t.can_send()).unwrap_or(true);
        let present = !self.listeners.borrow().is_empty();
        if needed && !present {
            self.listen_for_unload();
        } else if !needed && present {
            self.listeners.borrow_mut().clear();
        }
    }
}
