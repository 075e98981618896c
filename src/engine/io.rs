//! What goes into the engine and what comes out: the sans-IO boundary.
//!
//! The edge turns everything that happens in the page into [`Input`]s
//! (calls, answers, timer expiries, visibility changes, consent signals,
//! segments it kept) and carries out what the engine asks for (requests,
//! beacons, a wake-up time, storage writes, console lines, callbacks),
//! which the engine writes into [`Out`] as the records the edge reads
//! (every record is described in `src/engine/protocol.json`): no second
//! representation of them is ever built.

use super::consent::gcm::GcmCommand;
use super::consent::tcf::TcfConsent;
use super::pipeline::call::Call;
pub use super::protocol::{Rec, Writer};

/// Something that happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Input<'a> {
    /// A page context the edge captured (on load, on a route change, for a
    /// replayed call). `title` is a JSON literal, `utm` a JSON object of the
    /// URL's decoded `utm_*` parameters, `topics` its `data-kz-topic` as a
    /// JSON literal.
    Page {
        /// The edge's id for it; calls refer to it.
        id: u32,
        /// `location.href`.
        url: &'a str,
        /// `document.referrer`.
        referrer: &'a str,
        /// `document.title`.
        title: &'a str,
        /// `utm_*` parameters.
        utm: &'a str,
        /// The page's topics.
        topics: &'a str,
        /// New calls are made on it from now on.
        current: bool,
    },
    /// A call (`track`, `page`, `identify`, `group`, `alias`), made at
    /// `time` on page `page`; `sync`: the edge waits for its `Y` answer.
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
    /// `consent.set(choices, options)` as the edge checked it: analytics,
    /// personalization and marketing each 0 left as it is, 1 granted, 2
    /// denied; and the source.
    Consent([u8; 3], &'a str),
    /// `navigator.globalPrivacyControl` is true.
    Gpc,
    /// What a TCF `TCData` says.
    Tcf(TcfConsent),
    /// The ids of the GPP sections that apply (comma-separated) and the
    /// GPP string (`__gpp`).
    Gpp(&'a str, &'a str),
    /// A Google Consent Mode command (a `dataLayer` entry).
    Gcm(GcmCommand),
    /// Batch `id` was answered with `status` (0: no answer) and a
    /// `Retry-After` header (empty when none or not exposed).
    Answer(u32, u16, &'a str),
    /// The wake-up time asked for has come.
    Timer,
    /// The page was hidden.
    Hidden,
    /// The page is going away (`pagehide`).
    Leaving,
    /// The page may be about to go (`beforeunload`): requests no longer
    /// grow past what keepalive carries.
    LeavingSoon,
    /// The browser took the first `n` beacons of the last unload.
    Beaconed(usize),
    /// `flush()` number `token`.
    Flush(u32),
    /// A segment the edge kept, given back.
    Segment(u32, &'a str),
    /// The time zone, as a JSON literal (read after start: the browser is
    /// slow to tell it).
    Timezone(&'a str),
    /// A click inside an element about these topics (a JSON literal).
    TopicClick(&'a str),
    /// The personalization module is listening (profile signals go to it
    /// instead of the stored log).
    Consumer(bool),
    /// A key of another owner's stored queue and its value, which this
    /// engine may take over (the edge holds that owner's lock).
    Stored(&'a str, &'a str),
    /// The browser went online (`true`) or offline.
    Online(bool),
    /// The page came back from the back/forward cache; whether its stored
    /// queue is still its own.
    Resumed(bool),
    /// Another tab wrote the consent record (a JSON literal, or empty).
    ConsentRecord(&'a str),
    /// The browser has `fetchLater()`: what storage does not hold yet may
    /// ride a deferred request.
    DeferAble,
    /// What the autotrack listeners saw: a `P`, `C`, `D`, `E` or `F`
    /// record (a URL change or the load, a click, scroll depth, input, a
    /// form; their fields are in `src/engine/protocol.json`).
    Auto(Rec<'a>),
}

/// The answers being written for the edge, by both engines: records of
/// the protocol (`src/engine/protocol.json`), framed by lengths, so no
/// text from outside (a site's names, markup, stored text, messages that
/// quote them) can end a field or a record and be read as one of its own.
pub type Out = Writer;

impl Writer {
    /// A whole record: `kind` and its text fields.
    pub fn record(&mut self, kind: u8, fields: &[&str]) {
        self.begin(kind);
        for f in fields {
            self.field(f);
        }
        self.end();
    }

    /// `W`: wake at `at` (epoch ms), or cancel (0).
    pub fn wake(&mut self, at: Option<f64>) {
        self.begin(b'W').num(at.unwrap_or(0.0)).end();
    }

    /// `S` key, value / `D` key: write or remove a storage key.
    pub fn store(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.begin(b'S').field(key).field(v).end(),
            None => self.begin(b'D').field(key).end(),
        }
    }

    /// `L` level, message: a console line (`d`ebug, `i`nfo, `w`arn, `e`rror).
    pub fn log(&mut self, level: &'static str, msg: &str) {
        self.msg(level).put(msg).end();
    }

    /// Starts a console line of `level`: its message follows in pieces
    /// ([`Writer::put`]), then [`Writer::end`].
    #[inline(never)]
    pub fn msg(&mut self, level: &'static str) -> &mut Writer {
        self.begin(b'L').field(level).field("")
    }

    /// A flag record: `kind` then 0 or 1.
    pub fn flag(&mut self, kind: u8, on: bool) {
        self.begin(kind).num(if on { 1.0 } else { 0.0 }).end();
    }
}
