//! The console, as the core's [`Log`]: every line prefixed `[kizuna]`.

use crate::prelude::*;

use wasm_bindgen::JsValue;

use crate::core::platform::{Level, Log};

/// Writes diagnostics to the browser console.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConsoleLog;

/// Prefix of every console line Kizuna writes.
pub const PREFIX: &str = "[kizuna] ";

impl Log for ConsoleLog {
    fn log(&self, level: Level, message: &str) {
        write(level, message);
    }
}

/// Writes one prefixed line at `level`.
pub fn write(level: Level, message: &str) {
    let mut line = String::with_capacity(PREFIX.len() + message.len());
    line.push_str(PREFIX);
    line.push_str(message);
    let v = JsValue::from_str(&line);
    match level {
        Level::Error => web_sys::console::error_1(&v),
        Level::Warn => web_sys::console::warn_1(&v),
        Level::Debug => web_sys::console::log_1(&v),
    }
}
