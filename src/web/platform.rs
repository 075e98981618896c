//! Time and randomness from the browser.

use crate::core::platform::{Clock, Random};

/// `Date.now()`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DateClock;

impl Clock for DateClock {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
}

/// `crypto.getRandomValues`, drawn in blocks so an id does not cost a call
/// into JavaScript; falls back to `Math.random` where there is no crypto
/// (ids then stay unique enough, just not unguessable).
pub struct CryptoRandom {
    pool: [u8; 256],
    used: usize,
}

impl Default for CryptoRandom {
    fn default() -> Self {
        CryptoRandom { pool: [0; 256], used: 256 }
    }
}

impl CryptoRandom {
    fn refill(&mut self) {
        let filled = super::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.get_random_values_with_u8_array(&mut self.pool).is_ok())
            .unwrap_or(false);
        if !filled {
            for b in self.pool.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
        self.used = 0;
    }
}

impl Random for CryptoRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            if self.used == self.pool.len() {
                self.refill();
            }
            *b = self.pool[self.used];
            self.used += 1;
        }
    }
}
