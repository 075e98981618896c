//! Sending bodies to the collector: `fetch` for normal batches, `sendBeacon`
//! (or a keepalive `fetch`) as the page goes away.
//!
//! Bodies go as `text/plain` strings: a "simple" request, so no CORS
//! preflight, which could not finish during an unload anyway.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, RequestInit, Response};

use crate::core::retry::parse_retry_after;

/// A request that has not answered after this long is abandoned (and
/// retried), so a hung connection cannot block the queue.
pub const REQUEST_TIMEOUT_MS: u32 = 30_000;

/// The collector's answer: HTTP status (0 when there was none) and its
/// `Retry-After` in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Answer {
    /// HTTP status, 0 for a network error, timeout or blocked request.
    pub status: u16,
    /// `Retry-After`, if the collector sent (and exposed) one.
    pub retry_after_ms: Option<f64>,
}

/// No answer: network error, timeout, blocked request.
pub const NO_ANSWER: Answer = Answer { status: 0, retry_after_ms: None };

/// Starts a POST of `body` to `url`; the fetch promise settles into
/// `on_response` (with the `Response`) or `on_failure`. The callbacks are
/// long-lived closures owned by the caller: with one request in flight at a
/// time, reusing them costs no allocation per request (and, unlike an async
/// executor, no extra code in the wasm). `None` if it could not start (then
/// neither callback runs: the caller treats it as [`NO_ANSWER`] at once).
pub fn start_post(
    url: &str,
    body: &str,
    keepalive: bool,
    on_response: &Closure<dyn FnMut(JsValue)>,
    on_failure: &Closure<dyn FnMut(JsValue)>,
) -> Option<Request> {
    let window = super::window()?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    if keepalive {
        set_keepalive(&init);
    }
    let controller = AbortController::new().ok();
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
    }
    let _ = window.fetch_with_str_and_init(url, &init).then2(on_response, on_failure);
    Some(Request { controller })
}

/// A request in flight.
pub struct Request {
    controller: Option<AbortController>,
}

impl Request {
    /// Cancels it; its fetch then settles into the failure callback.
    pub fn abort(&self) {
        if let Some(c) = &self.controller {
            c.abort();
        }
    }
}

/// Reads the body of `response` to its end, then calls `done` (with the
/// body or the error). `false` when there is no body to read.
pub fn drain_body(response: &JsValue, done: &Closure<dyn FnMut(JsValue)>) -> bool {
    let Some(resp) = response.dyn_ref::<Response>() else { return false };
    match resp.array_buffer() {
        Ok(promise) => {
            let _ = promise.then2(done, done);
            true
        }
        Err(_) => false,
    }
}

/// Reads status and `Retry-After` from what a fetch resolved with.
pub fn read_answer(response: &JsValue) -> Answer {
    let Some(resp) = response.dyn_ref::<Response>() else { return NO_ANSWER };
    let retry_after_ms = resp.headers().get("Retry-After").ok().flatten().and_then(|h| parse_retry_after(&h));
    Answer { status: resp.status(), retry_after_ms }
}

/// Hands `body` to the browser to deliver even if the page is gone:
/// `navigator.sendBeacon`, or a keepalive `fetch` where there is no beacon.
/// `false` when the browser would not take it (its keepalive quota of about
/// 64 KB in flight is full); a keepalive fetch would hit the same quota, so
/// a refused beacon is not retried that way.
pub fn beacon(url: &str, body: &str) -> bool {
    let Some(window) = super::window() else { return false };
    if let Ok(sent) = window.navigator().send_beacon_with_opt_str(url, Some(body)) {
        return sent;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    set_keepalive(&init);
    // Its outcome arrives after the page is gone; swallow the rejection so
    // it never shows up as an unhandled error of the site.
    let promise = window.fetch_with_str_and_init(url, &init);
    let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
    let _ = promise.catch(&ignore);
    // Only reached where sendBeacon is missing, once per unload: the leak
    // is a few bytes, and freeing it early would break the handler.
    ignore.forget();
    true
}

/// web-sys has no setter for `keepalive`; the dictionary is a plain object.
fn set_keepalive(init: &RequestInit) {
    let _ = js_sys::Reflect::set(init, &JsValue::from_str("keepalive"), &JsValue::TRUE);
}
