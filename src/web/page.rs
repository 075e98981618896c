//! Reads the page and device context from the browser.

use crate::prelude::*;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::core::context::{EnvContext, PageContext};

/// Where the page's URL and title are read on every call. `location` and
/// `document` stay the same objects for the life of the page, so they are
/// looked up once (reading `window.location` is a slow getter).
pub struct PageProbe {
    location: Option<web_sys::Location>,
    document: Option<web_sys::Document>,
}

impl PageProbe {
    /// Looks up `location` and `document`.
    pub fn new() -> PageProbe {
        let w = super::window();
        PageProbe { location: w.as_ref().map(|w| w.location()), document: w.and_then(|w| w.document()) }
    }

    /// The current `location.href` and `document.title` (empty when unreadable).
    pub fn href_and_title(&self) -> (String, String) {
        let href = self.location.as_ref().and_then(|l| l.href().ok()).unwrap_or_default();
        let title = self.document.as_ref().map(|d| d.title()).unwrap_or_default();
        (href, title)
    }
}

impl Default for PageProbe {
    fn default() -> Self {
        PageProbe::new()
    }
}

/// The current `document.referrer`.
pub fn referrer() -> String {
    super::window().and_then(|w| w.document()).map(|d| d.referrer()).unwrap_or_default()
}

/// The page as it is now.
pub fn current_page() -> PageContext {
    let (href, title) = PageProbe::new().href_and_title();
    PageContext::new(&href, &title, &referrer())
}

/// Locale, user agent and screen (the time zone comes later, see
/// [`timezone`]).
pub fn environment() -> EnvContext {
    let Some(w) = super::window() else { return EnvContext::default() };
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
        // Filled in later by `timezone()`: see `Tracker::set_timezone`.
        timezone: String::new(),
    }
}

/// The IANA time zone (`Europe/Paris`). The first `Intl` call of a page
/// costs ~15 ms (locale data loads), so this is not read at start.
pub fn timezone() -> String {
    let fmt = js_sys::Intl::DateTimeFormat::new(&Array::new(), &Object::new());
    Reflect::get(&fmt.resolved_options(), &JsValue::from_str("timeZone")).ok().and_then(|v| v.as_string()).unwrap_or_default()
}
