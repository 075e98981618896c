//! The `#[wasm_bindgen]` surface: one opaque handle with small methods.
//! The JavaScript package (`js/index.js`) wraps it with the public API.

use crate::prelude::*;

use alloc::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::config::parse_config;
use crate::core::platform::Level;
use crate::web::console;
use crate::web::convert::to_input;
use crate::web::runtime::{Call, Runtime};

/// A running Kizuna instance.
#[wasm_bindgen]
pub struct Kizuna {
    rt: Rc<Runtime>,
}

/// Validates `config` and starts Kizuna on this page. An invalid config is
/// reported on the console and returned as an `Error` naming the field.
#[wasm_bindgen]
pub fn start(config: JsValue) -> Result<Kizuna, js_sys::Error> {
    match parse_config(&to_input(&config)) {
        Ok((config, warnings)) => {
            for w in warnings {
                console::write(Level::Warn, &w);
            }
            Ok(Kizuna { rt: Runtime::start(config) })
        }
        Err(e) => {
            let msg = e.message();
            console::write(Level::Error, &msg);
            let mut full = String::from(console::PREFIX);
            full.push_str(&msg);
            Err(js_sys::Error::new(&full))
        }
    }
}

#[wasm_bindgen]
impl Kizuna {
    /// `track(name, properties?, options?)`: whether the event was queued.
    pub fn track(&self, name: JsValue, properties: JsValue, options: JsValue) -> bool {
        self.rt.record(Call::Track, to_input(&name), to_input(&properties), to_input(&options))
    }

    /// `page(name?, properties?, options?)`.
    pub fn page(&self, a: JsValue, b: JsValue, options: JsValue) -> bool {
        self.rt.record(Call::Page, to_input(&a), to_input(&b), to_input(&options))
    }

    /// `identify(userId?, traits?, options?)`.
    pub fn identify(&self, a: JsValue, b: JsValue, options: JsValue) -> bool {
        self.rt.record(Call::Identify, to_input(&a), to_input(&b), to_input(&options))
    }

    /// Replays `track`, `page` or `identify` queued by the script-tag
    /// snippet before the SDK loaded, with the time (epoch ms), URL,
    /// referrer and title recorded when the call was made.
    #[allow(clippy::too_many_arguments)]
    pub fn replay(&self, method: &str, a: JsValue, b: JsValue, c: JsValue, time: f64, url: &str, referrer: &str, title: &str) -> bool {
        let call = match method {
            "track" => Call::Track,
            "page" => Call::Page,
            "identify" => Call::Identify,
            _ => return false,
        };
        let page = crate::core::context::PageContext::new(url, title, referrer);
        self.rt.replay(call, (to_input(&a), to_input(&b), to_input(&c)), time, page)
    }

    /// `reset()`: forget the user; a new anonymous id.
    pub fn reset(&self) {
        self.rt.reset();
    }

    /// `flush()`: resolves `{ sent, failed, pending }`.
    pub fn flush(&self) -> js_sys::Promise {
        self.rt.flush()
    }

    /// The visitor's anonymous id.
    #[wasm_bindgen(js_name = anonymousId)]
    pub fn anonymous_id(&self) -> String {
        self.rt.ids().0
    }

    /// The user id set by `identify`, if any.
    #[wasm_bindgen(js_name = userId)]
    pub fn user_id(&self) -> Option<String> {
        self.rt.ids().1
    }

    /// Events waiting to be sent (for tests and the demo's panel).
    pub fn queued(&self) -> usize {
        self.rt.queued()
    }

    /// `consent.get()`: `{ necessary, analytics, personalization, marketing }`,
    /// each `granted`, `denied` or `unknown`.
    #[wasm_bindgen(js_name = consentGet)]
    pub fn consent_get(&self) -> JsValue {
        self.rt.consent_value()
    }

    /// `consent.set({ analytics: true, … }, { source })`: the new state.
    #[wasm_bindgen(js_name = consentSet)]
    pub fn consent_set(&self, choices: JsValue, options: JsValue) -> JsValue {
        self.rt.set_consent(to_input(&choices), to_input(&options))
    }

    /// `consent.onChange(cb)`: the unsubscribe function.
    #[wasm_bindgen(js_name = consentOnChange)]
    pub fn consent_on_change(&self, callback: JsValue) -> JsValue {
        match callback.dyn_into::<js_sys::Function>() {
            Ok(f) => self.rt.watch_consent(f),
            Err(_) => {
                console::write(Level::Error, "consent.onChange() needs a function; nothing subscribed");
                JsValue::UNDEFINED
            }
        }
    }

    /// `decide(slot)`: `{ slot, variant, reason, propensity, holdout, explanation }`.
    pub fn decide(&self, slot: JsValue) -> JsValue {
        match slot.as_string() {
            Some(s) => self.rt.decide(&s),
            None => {
                console::write(Level::Error, "decide() needs a slot name (a string)");
                JsValue::NULL
            }
        }
    }

    /// `explain(slot)`: why the slot shows what it shows.
    pub fn explain(&self, slot: JsValue) -> String {
        match slot.as_string() {
            Some(s) => self.rt.explain(&s),
            None => {
                console::write(Level::Error, "explain() needs a slot name (a string)");
                String::new()
            }
        }
    }

    /// `profile()`: what is stored about the visitor, or `null`.
    pub fn profile(&self) -> JsValue {
        self.rt.profile_value()
    }

    /// `forget()`: deletes the profile and the ids.
    pub fn forget(&self) {
        self.rt.forget();
    }

    /// `onDecision(cb)`: the unsubscribe function.
    #[wasm_bindgen(js_name = onDecision)]
    pub fn on_decision(&self, callback: JsValue) -> JsValue {
        match callback.dyn_into::<js_sys::Function>() {
            Ok(f) => self.rt.watch_decisions(f),
            Err(_) => {
                console::write(Level::Error, "onDecision() needs a function; nothing subscribed");
                JsValue::UNDEFINED
            }
        }
    }

    /// `consent.pending()`: `{ buffered, dropped }`.
    #[wasm_bindgen(js_name = consentPending)]
    pub fn consent_pending(&self) -> JsValue {
        self.rt.pending_value()
    }
}
