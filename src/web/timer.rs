//! One-shot timers that cancel themselves when dropped, like gloo's
//! `Timeout` (gloo-timers itself pulls `std` into the wasm).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// A pending `setTimeout`; dropping it clears the timer.
#[must_use = "the timer is cancelled when this handle is dropped"]
pub struct Timeout {
    id: Option<i32>,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Calls `f` once after `ms` milliseconds (never, if the browser has no
    /// timers).
    pub fn new(ms: u32, f: impl FnOnce() + 'static) -> Timeout {
        let mut f = Some(f);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f();
            }
        });
        let id = super::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), ms.min(i32::MAX as u32) as i32)
                .ok()
        });
        Timeout { id, _callback: callback }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let (Some(id), Some(w)) = (self.id, super::window()) {
            w.clear_timeout_with_handle(id);
        }
    }
}
