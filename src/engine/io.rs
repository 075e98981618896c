//! What goes into the engine and what comes out: the sans-IO boundary.
//!
//! The edge turns everything that happens in the page into [`Input`]s
//! (calls, answers, timer expiries, visibility changes, consent signals,
//! segments it kept) and carries out what the engine asks for (requests,
//! beacons, a wake-up time, storage writes, console lines, callbacks),
//! which the engine writes into [`Out`] as the records the edge reads
//! (their list is in [`super::edge`]): no second representation of them
//! is ever built.

use crate::prelude::*;

use super::pipeline::call::Call;
use super::text::num::{write_fixed, write_u64};

/// Separates records.
pub const RS: char = '\u{1e}';
/// Separates fields.
pub const US: char = '\u{1f}';

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
    /// `consent.set(choices, options)`, both described.
    Consent(&'a str, &'a str),
    /// `navigator.globalPrivacyControl` is true.
    Gpc,
    /// A TCF `TCData`, described.
    Tcf(&'a str),
    /// A GPP CMP's string and the ids of the sections that apply (`__gpp`).
    Gpp(&'a str),
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
    /// What the autotrack listeners saw: `v` a URL change or the load
    /// (page, time, `#` when only the fragment changed), `c` a click (page,
    /// time, x, y, `l`ink/`b`utton/`t`racked, name literal, element object,
    /// properties), `s` scroll depth (page, percent, `i` for what shows before any scroll), `a` input or the page
    /// shown (time), `f` a form (page, time, `s`tarted/`u` submitted, form
    /// object, fields as `[[type, name, autocomplete], …]`).
    Auto(u8, &'a str),
}

/// The answers being written for the edge, by both engines.
///
/// Every record is a protocol word ([`Out::begin`]) and fields; every
/// fragment that is not a protocol word (a site's names, markup, stored
/// text, messages that quote them) goes through one function,
/// [`escape`], so no text from outside can end a record or a field and be
/// read as a record of its own.
#[derive(Debug, Default)]
pub struct Out {
    /// Records so far, each ended by [`RS`].
    pub text: String,
}

/// Appends `s` with the separators replaced by U+FFFD: U+001D…U+001F, or
/// with `tail` only U+001E (the last field of a record may hold a stored
/// format's own U+001D/U+001F; nothing may end the record). The one place
/// a fragment enters the edge's text.
#[inline(never)]
pub fn escape(out: &mut String, s: &str, tail: bool) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == 0x1e || (!tail && (b == 0x1d || b == 0x1f)) {
            out.push_str(s.get(from..i).unwrap_or(""));
            out.push('\u{fffd}');
            from = i + 1;
        }
    }
    out.push_str(s.get(from..).unwrap_or(""));
}

// Out of line and few: every answer goes through these, so each call site
// stays a call.
impl Out {
    /// Starts a record of `kind`, a protocol word (never text from
    /// outside); its first field follows at once.
    #[inline(never)]
    pub fn begin(&mut self, kind: &'static str) -> &mut Out {
        self.text.push_str(kind);
        self
    }

    /// Appends free text to the current field, escaped.
    #[inline(never)]
    pub fn put(&mut self, s: &str) -> &mut Out {
        escape(&mut self.text, s, false);
        self
    }

    /// Appends a field separator and `s`, escaped.
    #[inline(never)]
    pub fn field(&mut self, s: &str) -> &mut Out {
        self.text.push(US);
        escape(&mut self.text, s, false);
        self
    }

    /// Appends a field separator and the record's last field, which may
    /// hold a stored format's own separators (a queue front or segment,
    /// the session): only U+001E is replaced.
    #[inline(never)]
    pub fn tail(&mut self, s: &str) -> &mut Out {
        self.text.push(US);
        self.rest(s)
    }

    /// Appends the rest of the record, fields and all (a signal line, a
    /// stored format): only U+001E is replaced.
    #[inline(never)]
    pub fn rest(&mut self, s: &str) -> &mut Out {
        escape(&mut self.text, s, true);
        self
    }

    /// Appends a number.
    #[inline(never)]
    pub fn num(&mut self, n: u64) -> &mut Out {
        write_u64(&mut self.text, n);
        self
    }

    /// Ends the record.
    #[inline(never)]
    pub fn end(&mut self) {
        self.text.push(RS);
    }

    /// A whole record: `kind` and its fields, each escaped.
    pub fn record(&mut self, kind: &'static str, fields: &[&str]) {
        self.begin(kind);
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.text.push(US);
            }
            escape(&mut self.text, f, false);
        }
        self.end();
    }

    /// `W`: wake at `at` (epoch ms), or cancel.
    pub fn wake(&mut self, at: Option<f64>) {
        self.begin("W");
        if let Some(t) = at {
            write_fixed(&mut self.text, t, 0);
        }
        self.end();
    }

    /// `S` key, value / `D` key: write or remove a storage key. The value
    /// is the record's tail (stored formats keep their separators).
    pub fn store(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.begin("S").put(key).tail(v).end(),
            None => self.begin("D").put(key).end(),
        }
    }

    /// `L` level, message: a console line (`d`ebug, `w`arn, `e`rror).
    pub fn log(&mut self, level: &'static str, msg: &str) {
        self.begin("L").put(level).field(msg).end();
    }

    /// A flag record: `kind` then `0` or `1`.
    pub fn flag(&mut self, kind: &'static str, on: bool) {
        self.begin(kind).put(if on { "1" } else { "0" }).end();
    }
}
