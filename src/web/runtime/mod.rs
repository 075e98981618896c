//! The running SDK in a page: the core tracker plus the browser pieces that
//! drive it (timer, requests, unload listeners, flush promises).
//!
//! The tracker decides; this module only carries out what it asks: send this
//! batch, wake me at that time, hand these chunks to a beacon. `consent`
//! connects the page's consent signals and the consent API.

mod consent;
mod slots;

use crate::prelude::*;

use core::cell::{Cell, RefCell};
use alloc::rc::{Rc, Weak};

use crate::web::timer::Timeout;
use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

use crate::core::config::Config;
use crate::core::context::PageContext;
use crate::core::flush::FlushSummary;
use crate::core::input::Input;
use crate::core::json::Value;
use crate::core::platform::Level;
use crate::core::tracker::{Platform, Tracker};

use crate::web::console::{self, ConsoleLog};
use crate::web::cookies::DocumentCookies;
use crate::web::convert::to_js;
use crate::web::listener::Listener;
use crate::web::page;
use crate::web::platform::{CryptoRandom, DateClock};
use crate::web::storage::LocalStore;
use crate::web::transport::{self, Answer, Request, NO_ANSWER, REQUEST_TIMEOUT_MS};

/// The SDK's state in one page.
pub struct Runtime {
    tracker: RefCell<Tracker>,
    /// The pending wake-up and the time it was set for.
    timer: RefCell<Option<(f64, Timeout)>>,
    /// `flush()` promises waiting for their summary.
    waiters: RefCell<Vec<(u64, Function)>>,
    listeners: RefCell<Vec<Listener>>,
    /// The batch whose request is outstanding: one at a time, even after
    /// an unload handed its events to a beacon (its answer is then ignored).
    sending: Cell<Option<u64>>,
    /// The outstanding request and the watchdog that aborts it.
    request: RefCell<Option<(Request, Timeout)>>,
    /// Settle callbacks shared by every request (see [`transport::start_post`]).
    on_response: Closure<dyn FnMut(JsValue)>,
    on_failure: Closure<dyn FnMut(JsValue)>,
    /// The answer of a response whose body is still being read, and the
    /// callback for when it has been (see [`transport::drain_body`]).
    answer: Cell<Option<Answer>>,
    on_drained: Closure<dyn FnMut(JsValue)>,
    /// The deferred read of the time zone.
    zone_timer: RefCell<Option<Timeout>>,
    probe: page::PageProbe,
    /// `kz.consent.onChange` callbacks, by subscription id.
    consent_watchers: Watchers,
    next_watcher: Cell<u32>,
    /// The callbacks given to the CMP and to `dataLayer.push`.
    tcf_callback: RefCell<Option<TcfCallback>>,
    gcm_callback: RefCell<Option<JsCallback>>,
    /// The page's slots and their decisions.
    slots: RefCell<Vec<slots::SlotState>>,
    /// `kz.onDecision` callbacks.
    decision_watchers: Watchers,
    viewability: RefCell<Option<slots::Viewability>>,
    click_listener: RefCell<Option<Listener>>,
    /// The pending write of a changed profile.
    profile_timer: RefCell<Option<Timeout>>,
    /// Waits for the document to be parsed before deciding its slots.
    parsed_listener: RefCell<Option<Listener>>,
}

/// A callback JavaScript calls with one value.
type JsCallback = Closure<dyn FnMut(JsValue)>;
/// Site callbacks subscribed to a change, keyed by the id their unsubscribe function removes.
type Watchers = RefCell<Vec<(u32, Function)>>;
/// The TCF `addEventListener` callback: `(tcData, success)`.
type TcfCallback = Closure<dyn FnMut(JsValue, JsValue)>;

/// The three calls that record events.
#[derive(Clone, Copy, Debug)]
pub enum Call {
    /// `track(name, properties, options)`
    Track,
    /// `page(name?, properties?, options?)`
    Page,
    /// `identify(userId?, traits?, options?)`
    Identify,
}

impl Runtime {
    /// Starts the SDK on this page with a validated config.
    pub fn start(config: Config) -> Rc<Runtime> {
        let platform = Platform {
            clock: Box::new(DateClock),
            random: Box::new(CryptoRandom::default()),
            store: Box::new(LocalStore::open()),
            cookies: Box::new(DocumentCookies::open()),
            log: Box::new(ConsoleLog),
        };
        let tracker = Tracker::new(config, platform, page::environment(), page::current_page());
        let rt = Rc::new_cyclic(|weak: &Weak<Runtime>| {
            let (w1, w2, w3) = (weak.clone(), weak.clone(), weak.clone());
            Runtime {
                tracker: RefCell::new(tracker),
                timer: RefCell::new(None),
                waiters: RefCell::new(Vec::new()),
                listeners: RefCell::new(Vec::new()),
                sending: Cell::new(None),
                request: RefCell::new(None),
                on_response: Closure::new(move |resp: JsValue| {
                    if let Some(rt) = w1.upgrade() {
                        let answer = transport::read_answer(&resp);
                        // Only a fully read response gives back its share of
                        // the browser's keepalive quota; until then the next
                        // keepalive request (or unload beacon) would be refused.
                        rt.answer.set(Some(answer));
                        if !transport::drain_body(&resp, &rt.on_drained) {
                            rt.answered(answer);
                        }
                    }
                }),
                answer: Cell::new(None),
                zone_timer: RefCell::new(None),
                probe: page::PageProbe::new(),
                consent_watchers: RefCell::new(Vec::new()),
                next_watcher: Cell::new(0),
                tcf_callback: RefCell::new(None),
                gcm_callback: RefCell::new(None),
                slots: RefCell::new(Vec::new()),
                decision_watchers: RefCell::new(Vec::new()),
                viewability: RefCell::new(None),
                click_listener: RefCell::new(None),
                profile_timer: RefCell::new(None),
                parsed_listener: RefCell::new(None),
                on_drained: Closure::new(move |_: JsValue| {
                    if let Some(rt) = w3.upgrade() {
                        let answer = rt.answer.take().unwrap_or(NO_ANSWER);
                        rt.answered(answer);
                    }
                }),
                on_failure: Closure::new(move |_: JsValue| {
                    if let Some(rt) = w2.upgrade() {
                        rt.answered(NO_ANSWER);
                    }
                }),
            }
        });
        rt.listen_for_unload();
        rt.listen_for_consent();
        rt.personalize_page();
        // The time zone costs a slow first `Intl` call: not before `init`
        // resolves. The first event reads it at once if it comes sooner.
        let weak = Rc::downgrade(&rt);
        *rt.zone_timer.borrow_mut() = Some(Timeout::new(0, move || {
            if let Some(rt) = weak.upgrade() {
                rt.ensure_timezone();
            }
        }));
        rt
    }

    fn ensure_timezone(&self) {
        if self.with_tracker(|t| t.needs_timezone()).unwrap_or(false) {
            let zone = page::timezone();
            self.with_tracker(|t| t.set_timezone(zone));
        }
    }

    /// Runs `f` on the tracker unless it is already in use (a site callback
    /// re-entering Kizuna), which is reported instead of panicking.
    fn with_tracker<R>(&self, f: impl FnOnce(&mut Tracker) -> R) -> Option<R> {
        match self.tracker.try_borrow_mut() {
            Ok(mut t) => Some(f(&mut t)),
            Err(_) => {
                console::write(Level::Error, "a call into Kizuna from inside Kizuna was ignored");
                None
            }
        }
    }

    /// Records one call. Every JavaScript value is read before the tracker
    /// is borrowed, so no site code (getters, proxies) runs while it is.
    pub fn record(self: &Rc<Self>, call: Call, a: Input, b: Input, options: Input) -> bool {
        self.ensure_timezone();
        if matches!(call, Call::Page) {
            // A page view (an SPA route too): learn its topics; slots are
            // decided again and viewable once more afterwards.
            let topics = crate::web::slots::page_topics();
            self.with_tracker(|t| t.observe_page(&topics));
        }
        let (href, title) = self.probe.href_and_title();
        let queued = self
            .with_tracker(|t| {
                if !t.page_is(&href, &title) {
                    let referrer = t.page_context().referrer.clone();
                    t.set_page(PageContext::new(&href, &title, &referrer));
                }
                match call {
                    Call::Track => t.track(a, b, options),
                    Call::Page => t.page(a, b, options),
                    Call::Identify => t.identify(a, b, options),
                }
            })
            .unwrap_or(false);
        if matches!(call, Call::Page) && !self.slots.borrow().is_empty() {
            self.personalize_page();
        }
        self.schedule_profile_save();
        if queued {
            self.pump();
            if self.listeners.borrow().is_empty() {
                // Every category was denied, but a necessary event came.
                self.follow_unload_listeners();
            }
        }
        queued
    }

    /// Replays a call the snippet queued before the SDK loaded, with the
    /// time and page it was made on.
    pub fn replay(self: &Rc<Self>, call: Call, args: (Input, Input, Input), time: f64, page: PageContext) -> bool {
        self.with_tracker(|t| t.replaying(time, page));
        let queued = self.record(call, args.0, args.1, args.2);
        self.with_tracker(|t| t.replayed());
        queued
    }

    /// `reset()`.
    pub fn reset(&self) {
        self.with_tracker(|t| t.reset());
    }

    /// The anonymous id and user id.
    pub fn ids(&self) -> (String, Option<String>) {
        self.with_tracker(|t| (t.identity().anonymous_id.clone(), t.identity().user_id.clone())).unwrap_or_default()
    }

    /// `flush()`: a promise of `{ sent, failed, pending }` once every event
    /// queued now has been answered for (or a request failed).
    pub fn flush(self: &Rc<Self>) -> Promise {
        let Some(token) = self.with_tracker(|t| t.begin_flush()) else {
            return Promise::resolve(&summary_js(FlushSummary::default()));
        };
        let waiters = &self.waiters;
        let promise = Promise::new(&mut |resolve, _reject| waiters.borrow_mut().push((token, resolve)));
        self.pump();
        promise
    }

    /// Sends what is due, settles finished flushes, and arms the timer for
    /// the next thing due.
    fn pump(self: &Rc<Self>) {
        if self.sending.get().is_none() {
            if let Some(Some(batch)) = self.with_tracker(|t| t.next_batch()) {
                self.sending.set(Some(batch.id));
                match transport::start_post(&batch.url, &batch.body, batch.keepalive, &self.on_response, &self.on_failure) {
                    Some(request) => {
                        let weak = Rc::downgrade(self);
                        let watchdog = Timeout::new(REQUEST_TIMEOUT_MS, move || {
                            if let Some(rt) = weak.upgrade() {
                                if let Some((req, _)) = rt.request.borrow().as_ref() {
                                    req.abort();
                                }
                            }
                        });
                        *self.request.borrow_mut() = Some((request, watchdog));
                    }
                    None => {
                        self.answered(NO_ANSWER);
                        return;
                    }
                }
            }
        }
        self.settle_flushes();
        self.arm_timer();
    }

    /// The outstanding request settled.
    fn answered(self: &Rc<Self>, answer: Answer) {
        // Dropping the watchdog cancels it.
        self.request.borrow_mut().take();
        if let Some(id) = self.sending.take() {
            self.with_tracker(|t| t.complete(id, answer.status, answer.retry_after_ms));
        }
        self.pump();
    }

    fn settle_flushes(&self) {
        if self.waiters.borrow().is_empty() {
            return;
        }
        let done = self.with_tracker(|t| t.take_finished_flushes()).unwrap_or_default();
        for (token, summary) in done {
            let resolve = {
                let mut waiters = self.waiters.borrow_mut();
                waiters.iter().position(|(t, _)| *t == token).map(|i| waiters.remove(i).1)
            };
            if let Some(resolve) = resolve {
                let _ = resolve.call1(&JsValue::UNDEFINED, &summary_js(summary));
            }
        }
    }

    fn arm_timer(self: &Rc<Self>) {
        let wake = if self.sending.get().is_some() { None } else { self.with_tracker(|t| t.wake_at()).flatten() };
        let mut timer = self.timer.borrow_mut();
        match wake {
            None => *timer = None,
            Some(at) if timer.as_ref().is_some_and(|(t, _)| *t == at) => {}
            Some(at) => {
                let delay = (at - js_sys::Date::now()).clamp(0.0, 2_147_483_647.0) as u32;
                let weak = Rc::downgrade(self);
                *timer = Some((
                    at,
                    Timeout::new(delay, move || {
                        if let Some(rt) = weak.upgrade() {
                            rt.timer.borrow_mut().take();
                            rt.pump();
                        }
                    }),
                ));
            }
        }
    }

    fn listen_for_unload(self: &Rc<Self>) {
        let Some(window) = crate::web::window() else { return };
        let mut listeners = Vec::new();
        if let Some(doc) = window.document() {
            let weak = Rc::downgrade(self);
            let doc2 = doc.clone();
            listeners.extend(Listener::new(&doc, "visibilitychange", move |_| {
                if doc2.visibility_state() == web_sys::VisibilityState::Hidden {
                    unload(&weak, false);
                }
            }));
        }
        let weak = Rc::downgrade(self);
        listeners.extend(Listener::new(&window, "pagehide", move |_| unload(&weak, true)));
        *self.listeners.borrow_mut() = listeners;
    }

    /// Hands everything queued to the browser now, as when the page is
    /// hidden (`leaving: false`) or left (`leaving: true`, `pagehide`).
    /// Returns the events handed off.
    pub fn unload_now(self: &Rc<Self>, leaving: bool) -> usize {
        let handed = self.with_tracker(|t| t.unload(leaving, &mut transport::beacon)).unwrap_or(0);
        self.settle_flushes();
        self.arm_timer();
        handed
    }

    /// Adds `callback` to the list `pick` chooses; returns the JavaScript
    /// function that removes it again.
    fn subscribe(self: &Rc<Self>, pick: fn(&Runtime) -> &Watchers, callback: Function) -> JsValue {
        let id = self.next_watcher.get();
        self.next_watcher.set(id.wrapping_add(1));
        pick(self).borrow_mut().push((id, callback));
        let weak = Rc::downgrade(self);
        Closure::<dyn FnMut()>::once_into_js(move || {
            if let Some(rt) = weak.upgrade() {
                pick(&rt).borrow_mut().retain(|(i, _)| *i != id);
            }
        })
    }

    /// Events queued (in flight included).
    pub fn queued(&self) -> usize {
        self.with_tracker(|t| t.queue().len()).unwrap_or(0)
    }
}

fn unload(weak: &Weak<Runtime>, leaving: bool) {
    if let Some(rt) = weak.upgrade() {
        rt.unload_now(leaving);
    }
}

fn summary_js(s: FlushSummary) -> JsValue {
    to_js(&Value::Object(vec![
        ("sent".into(), (s.sent as f64).into()),
        ("failed".into(), (s.failed as f64).into()),
        ("pending".into(), (s.pending as f64).into()),
    ]))
}
