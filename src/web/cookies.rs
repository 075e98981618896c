//! `document.cookie` as the core's [`Cookies`]. Only the consent record is
//! written there (`kz_consent`), so a server can read the visitor's choice.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::core::input::json_value;
use crate::core::json::{write_int, Value};
use crate::core::platform::Cookies;
use crate::prelude::*;

use super::convert::to_input;
use super::native::kizuna_percent_decode;

/// The page's cookies (nothing when there is no document, or it refuses:
/// sandboxed frames throw on `document.cookie`).
pub struct DocumentCookies {
    document: Option<web_sys::Document>,
    secure: bool,
}

impl DocumentCookies {
    /// The current document's cookies.
    pub fn open() -> DocumentCookies {
        let window = super::window();
        let secure = window.as_ref().and_then(|w| w.location().protocol().ok()).is_some_and(|p| p == "https:");
        DocumentCookies { document: window.and_then(|w| w.document()), secure }
    }

    fn write(&self, line: &str) {
        if let Some(d) = &self.document {
            let _ = Reflect::set(d, &JsValue::from_str("cookie"), &JsValue::from_str(line));
        }
    }
}

impl Cookies for DocumentCookies {
    fn get(&self, name: &str) -> Option<String> {
        let all = Reflect::get(self.document.as_ref()?, &JsValue::from_str("cookie")).ok()?.as_string()?;
        all.split(';').find_map(|pair| {
            let (k, v) = pair.trim_ascii_start().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    fn get_json(&self, name: &str) -> Option<Result<Value, ()>> {
        let raw = self.get(name)?;
        let text = kizuna_percent_decode(&raw);
        Some(js_sys::JSON::parse(&text).map(|v| json_value(to_input(&v))).map_err(|_| ()))
    }

    fn set(&mut self, name: &str, value: &str, max_age_days: u32) {
        let mut line = String::with_capacity(name.len() + value.len() + 64);
        line.push_str(name);
        line.push('=');
        line.push_str(value);
        line.push_str("; Path=/; Max-Age=");
        write_int(&mut line, i64::from(max_age_days) * 86_400);
        line.push_str("; SameSite=Lax");
        if self.secure {
            line.push_str("; Secure");
        }
        self.write(&line);
    }

    fn remove(&mut self, name: &str) {
        let mut line = String::from(name);
        line.push_str("=; Path=/; Max-Age=0; SameSite=Lax");
        self.write(&line);
    }
}
