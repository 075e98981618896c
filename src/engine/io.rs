//! What goes into the engine and what comes out: the sans-IO boundary.
//!
//! The edge turns everything that happens in the page into [`Input`]s
//! (calls, answers, timer expiries, visibility changes, consent signals,
//! segments it kept) and carries out the [`Action`]s the engine asks for
//! (requests, beacons, a wake-up time, storage writes, console lines,
//! callbacks). Both cross the wasm boundary as text ([`super::edge`]).

use crate::prelude::*;

use super::flush::Summary;
use super::pipeline::call::Call;
use super::pipeline::queue::Handoff;

/// Something that happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Input<'a> {
    /// A page context the edge captured (on load, on a route change, for a
    /// replayed call). `title` is a JSON literal, `utm` a JSON object of the
    /// URL's decoded `utm_*` parameters, `topics` its `data-kz-topic`.
    Page {
        /// The edge's id for it; calls refer to it.
        id: u32,
        /// `location.href`.
        url: &'a str,
        /// `document.referrer`.
        referrer: &'a str,
        /// `document.title`, a JSON literal.
        title: &'a str,
        /// `utm_*` parameters.
        utm: &'a str,
        /// The page's `data-kz-topic`, a JSON literal.
        topics: &'a str,
        /// New calls are made on it from now on.
        current: bool,
    },
    /// A call, made at `time` on page `page`; `sync`: the edge waits for
    /// its [`Action::Accepted`].
    Call {
        /// The call.
        call: Call<'a>,
        /// Epoch ms.
        time: f64,
        /// Page id.
        page: u32,
        /// The edge needs to know whether it was accepted.
        sync: bool,
    },
    /// `reset()`.
    Reset,
    /// `forget()`.
    Forget,
    /// `consent.set(choices, options)`, both described.
    Consent(&'a str, &'a str),
    /// `navigator.globalPrivacyControl` is true.
    Gpc,
    /// A TCF `TCData`, described.
    Tcf(&'a str),
    /// A Google Consent Mode command (a `dataLayer` entry), described.
    Gcm(&'a str),
    /// Batch `id` was answered with `status` (0: no answer) and a
    /// `Retry-After` header (empty when none or not exposed).
    Answer(u32, u16, &'a str),
    /// The wake-up time asked for has come.
    Timer,
    /// The page was hidden.
    Hidden,
    /// The page is going away (`pagehide`).
    Leaving,
    /// The browser took the first `n` beacons of the last unload.
    Beaconed(usize),
    /// `flush()` number `token`.
    Flush(u32),
    /// A segment the edge kept, given back.
    Segment(u32, &'a str),
    /// The time zone, as a JSON literal (read after start: the browser is
    /// slow to tell it).
    Timezone(&'a str),
    /// A click inside an element about these topics.
    TopicClick(&'a str),
    /// The personalization module is listening (profile signals go to it
    /// instead of the stored log).
    Consumer(bool),
}

/// Console levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `console.debug` (only with `debug: true`).
    Debug,
    /// `console.warn`.
    Warn,
    /// `console.error`.
    Error,
}

/// Something for the edge to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// POST `body` to `url`; answer with [`Input::Answer`] for `id`.
    Post {
        /// The batch id.
        id: u32,
        /// Absolute collector URL.
        url: String,
        /// The body (`text/plain`).
        body: String,
        /// As a keepalive request (it fits the browser's keepalive quota).
        keepalive: bool,
    },
    /// Hand `body` to `navigator.sendBeacon`; after the last one, answer
    /// with [`Input::Beaconed`].
    Beacon {
        /// Collector URL.
        url: String,
        /// The body.
        body: String,
    },
    /// Send [`Input::Timer`] at this time (epoch ms); `None` cancels.
    Wake(Option<f64>),
    /// Write (or with `None`, remove) a localStorage key.
    Store(&'static str, Option<String>),
    /// Write (or remove) the consent cookie, percent-encoded.
    Cookie(Option<String>),
    /// A `[kizuna]` console line.
    Log(Level, String),
    /// `flush()` number `token` resolves.
    Flushed(u32, Summary),
    /// Consent changed: `kz.consent.onChange` callbacks get this state.
    ConsentChanged(String),
    /// Keep, return or forget a queue segment.
    Handoff(Handoff),
    /// The unload listeners are needed (or not: nothing can be sent).
    Listen(bool),
    /// Whether the last synchronous call was accepted.
    Accepted(bool),
    /// A profile signal for the personalization module.
    Signal(String),
}
