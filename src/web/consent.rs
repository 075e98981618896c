//! The consent signals a page can give, read from the browser: Global
//! Privacy Control, an IAB TCF v2.2 CMP (`__tcfapi`) and Google Consent
//! Mode commands in `dataLayer`. Each becomes a core [`Signal`]; the core
//! decides what it means.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::consent::state::Signal;
use crate::core::consent::{gcm, tcf};
use crate::core::input::json_value;
use crate::prelude::*;

use super::convert::to_input;

#[wasm_bindgen(inline_js = "export function hook_push(list, notify) {
  const push = list.push;
  list.push = function () {
    const result = push.apply(this, arguments);
    for (let i = 0; i < arguments.length; i++) notify(arguments[i]);
    return result;
  };
}")]
extern "C" {
    // Wraps `list.push` so every value pushed (gtag pushes its `arguments`
    // object) reaches `notify` after the original push ran, whatever the
    // number of arguments. JavaScript because a Rust closure cannot take a
    // variable number of arguments or forward them.
    #[wasm_bindgen(catch)]
    fn hook_push(list: &JsValue, notify: &Closure<dyn FnMut(JsValue)>) -> Result<(), JsValue>;
}

/// `navigator.globalPrivacyControl === true`.
pub fn gpc() -> bool {
    super::window()
        .and_then(|w| Reflect::get(&w.navigator(), &JsValue::from_str("globalPrivacyControl")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// A TCF `TCData` as a signal (`None`: not one, or a CMP error).
pub fn tcf_signal(tc_data: &JsValue) -> Option<Signal> {
    tcf::read(&json_value(to_input(tc_data))).map(Signal::Tcf)
}

/// A `dataLayer` entry as a signal (`None`: not a consent command).
pub fn gcm_signal(entry: &JsValue) -> Option<Signal> {
    gcm::read(&json_value(to_input(entry))).map(Signal::Gcm)
}

/// Registers `callback` with the page's CMP through
/// `__tcfapi('addEventListener', 2, callback)` (TCF v2.2: it fires at once
/// with the current state, then on every change). `false` when the page
/// has no `__tcfapi`.
pub fn listen_tcf(callback: &Closure<dyn FnMut(JsValue, JsValue)>) -> bool {
    let Some(window) = super::window() else { return false };
    let Ok(api) = Reflect::get(&window, &JsValue::from_str("__tcfapi")) else { return false };
    let Some(api) = api.dyn_ref::<Function>() else { return false };
    api.call3(&JsValue::UNDEFINED, &JsValue::from_str("addEventListener"), &JsValue::from_f64(2.0), callback.as_ref()).is_ok()
}

/// Reads the consent commands already in `window.dataLayer` (creating it,
/// as gtag's snippet does, when missing) and hooks its `push` so later ones
/// reach `notify`. Returns the signals found now.
pub fn listen_gcm(notify: &Closure<dyn FnMut(JsValue)>) -> Vec<Signal> {
    let Some(window) = super::window() else { return Vec::new() };
    let key = JsValue::from_str("dataLayer");
    let layer = match Reflect::get(&window, &key) {
        Ok(l) if Array::is_array(&l) => l,
        Ok(l) if l.is_undefined() => {
            let fresh: JsValue = Array::new().into();
            if Reflect::set(&window, &key, &fresh).is_err() {
                return Vec::new();
            }
            fresh
        }
        // Something else lives under that name: leave it alone.
        _ => return Vec::new(),
    };
    let existing: Vec<Signal> = Array::from(&layer).iter().filter_map(|e| gcm_signal(&e)).collect();
    let _ = hook_push(&layer, notify);
    existing
}
