//! The browser's native number printing and URL decoding, for the core's
//! [`crate::core::native`] seam (which explains why).

use wasm_bindgen::prelude::*;

use crate::prelude::*;

#[wasm_bindgen]
extern "C" {
    // `decodeURIComponent` throws on malformed input; `catch` returns that.
    #[wasm_bindgen(catch, js_name = decodeURIComponent)]
    fn decode_uri_component(s: &str) -> Result<JsValue, JsValue>;
}

/// JavaScript's shortest round-trip form of `n`, with `e+21` written `e21`
/// as the host encoder (Ryū) writes it.
#[no_mangle]
pub fn kizuna_write_float(out: &mut String, n: f64) {
    let text: String = js_sys::Number::from(n).to_string_with_radix(10).map(String::from).unwrap_or_default();
    out.extend(text.chars().filter(|c| *c != '+'));
}

/// `decodeURIComponent` after turning `+` into spaces; the input unchanged
/// when the browser refuses it.
#[no_mangle]
pub fn kizuna_percent_decode(s: &str) -> String {
    let spaced: String = s.chars().map(|c| if c == '+' { ' ' } else { c }).collect();
    decode_uri_component(&spaced).ok().and_then(|v| v.as_string()).unwrap_or_else(|| s.to_string())
}
