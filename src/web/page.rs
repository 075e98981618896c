//! Reads the page and device context from the browser.

use crate::prelude::*;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::core::context::{EnvContext, PageContext};

/// The current `location.href` and `document.title` (empty when unreadable).
pub fn href_and_title() -> (String, String) {
    let Some(w) = web_sys::window() else { return (String::new(), String::new()) };
    let href = w.location().href().unwrap_or_default();
    let title = w.document().map(|d| d.title()).unwrap_or_default();
    (href, title)
}

/// The current `document.referrer`.
pub fn referrer() -> String {
    web_sys::window().and_then(|w| w.document()).map(|d| d.referrer()).unwrap_or_default()
}

/// The page as it is now.
pub fn current_page() -> PageContext {
    let (href, title) = href_and_title();
    PageContext::new(&href, &title, &referrer())
}

/// Locale, user agent, screen and time zone.
pub fn environment() -> EnvContext {
    let Some(w) = web_sys::window() else { return EnvContext::default() };
    let nav = w.navigator();
    let (screen_width, screen_height) = w
        .screen()
        .ok()
        .map(|s| (s.width().unwrap_or(0) as f64, s.height().unwrap_or(0) as f64))
        .unwrap_or((0.0, 0.0));
    EnvContext {
        locale: nav.language().unwrap_or_default(),
        user_agent: nav.user_agent().unwrap_or_default(),
        screen_width,
        screen_height,
        timezone: timezone(),
    }
}

fn timezone() -> String {
    let fmt = js_sys::Intl::DateTimeFormat::new(&Array::new(), &Object::new());
    Reflect::get(&fmt.resolved_options(), &JsValue::from_str("timeZone")).ok().and_then(|v| v.as_string()).unwrap_or_default()
}
