//! The consent gate: each event is queued (its category is granted),
//! buffered in memory (no choice yet, `pending: 'buffer'`) or dropped
//! (denied, or no choice with `pending: 'drop'`).

use crate::prelude::*;

use alloc::rc::Rc;

use super::Tracker;
use crate::core::consent::state::Pending;
use crate::core::consent::{Category, Choice};
use crate::core::encode::kizuna;
use crate::core::event::Event;
use crate::core::json::write_int;
use crate::core::platform::Level;

impl Tracker {
    /// Passes `event` through the gate. Returns whether it was accepted
    /// (queued or buffered).
    pub(super) fn admit(&mut self, event: Event, label: &str) -> bool {
        match self.consent.get(event.category) {
            Choice::Granted => self.enqueue(event, label),
            Choice::Unknown if self.consent.config().pending == Pending::Buffer => {
                self.hold(event, label);
                true
            }
            choice => {
                if self.config.debug {
                    let mut msg = String::from(label);
                    msg.push_str(if choice == Choice::Denied { " not sent: " } else { " not sent (no choice yet, pending: drop): " });
                    msg.push_str(event.category.name());
                    msg.push_str(if choice == Choice::Denied { " is denied" } else { " is unknown" });
                    self.log(Level::Debug, &msg);
                }
                false
            }
        }
    }

    /// Encodes `event` (with or without marketing data, as consent allows
    /// now) and queues it; when it carries marketing data, also without it,
    /// for a withdrawal before it is sent.
    fn enqueue(&mut self, event: Event, label: &str) -> bool {
        let marketing = self.consent.get(Category::Marketing) == Choice::Granted;
        if self.context_marketing != marketing {
            self.encode_context();
        }
        // Sized for the usual event, so the body is not regrown as it is written.
        let mut body = String::with_capacity(self.context_json.len() + 512);
        if Rc::ptr_eq(&event.page, &self.page) && Rc::ptr_eq(&event.env, &self.env) {
            kizuna::write_event_with_context(&mut body, &event, &self.context_json);
        } else {
            // Made on another page state (replayed from the snippet's queue,
            // or buffered before a navigation): its own context.
            kizuna::write_event(&mut body, &event, marketing);
        }
        if body.len() > self.config.batch.max_event_bytes {
            let mut why = String::from("the event is ");
            write_int(&mut why, body.len() as i64);
            why.push_str(" bytes of JSON, over the limit of ");
            write_int(&mut why, self.config.batch.max_event_bytes as i64);
            return self.drop_call(label, &why);
        }
        if self.config.debug {
            let mut msg = String::from(label);
            msg.push_str(" queued: ");
            msg.push_str(&body);
            self.log(Level::Debug, &msg);
        }
        let carries_marketing = marketing
            && if Rc::ptr_eq(&event.page, &self.page) { self.page_marketing } else { event.page.has_marketing_data() };
        let plain = carries_marketing.then(|| {
            let mut plain = String::with_capacity(body.len());
            kizuna::write_event(&mut plain, &event.without_marketing(), false);
            plain
        });
        self.queue.push(body, plain, event.timestamp_ms, event.category);
        true
    }

    /// Keeps `event` in memory until its category is decided; the oldest
    /// goes when the buffer is full (and is counted).
    fn hold(&mut self, event: Event, label: &str) {
        let limit = self.consent.config().buffer_limit;
        if limit == 0 {
            self.buffer_dropped += 1;
            return;
        }
        if self.buffer.len() >= limit {
            self.buffer.remove(0);
            self.buffer_dropped += 1;
            if self.buffer_dropped == 1 {
                let mut msg = String::from("waiting for consent, the buffer is full (");
                write_int(&mut msg, limit as i64);
                msg.push_str(" events): the oldest are dropped until the visitor chooses");
                self.log(Level::Warn, &msg);
            }
        }
        if self.config.debug {
            let mut msg = String::from(label);
            msg.push_str(" waits for a choice on ");
            msg.push_str(event.category.name());
            self.log(Level::Debug, &msg);
        }
        self.buffer.push(event);
    }

    /// Queues the buffered events whose category is granted now, in the
    /// order they were made.
    pub(super) fn release(&mut self) {
        let (ready, waiting): (Vec<Event>, Vec<Event>) =
            core::mem::take(&mut self.buffer).into_iter().partition(|e| self.consent.get(e.category) == Choice::Granted);
        self.buffer = waiting;
        for event in ready {
            let label = super::calls::call_label(event.kind.as_str(), event.name.as_deref());
            self.enqueue(event, &label);
        }
    }

    /// Removes every buffered and queued event of `category` (not the batch
    /// already on the wire). Returns how many went.
    pub(super) fn purge(&mut self, category: Category) -> usize {
        let before = self.buffer.len();
        self.buffer.retain(|e| e.category != category);
        let buffered = before - self.buffer.len();
        buffered + self.queue.purge(|e| e.category == category)
    }

    /// Whether anything may still be sent: a category not denied, or
    /// events already queued.
    pub fn can_send(&self) -> bool {
        !self.queue.is_empty() || Category::CHOOSABLE.iter().any(|c| self.consent.get(*c) != Choice::Denied)
    }

    /// Events waiting for consent, and events dropped from a full buffer.
    pub fn buffered(&self) -> (usize, usize) {
        (self.buffer.len(), self.buffer_dropped)
    }
}
