//! The text both sides of the wasm boundary speak: what the JavaScript
//! driver (`js/edge/driver.js`) writes into the engine, and what it reads
//! back. One string each way per crossing, records separated by U+001E,
//! fields by U+001F, the first character of a record saying what it is.
//! Free text from the site (names, titles, stored values) travels as JSON
//! literals, so it can never hold a separator.
//!
//! Into the engine:
//!
//! | record | input |
//! |---|---|
//! | `n` ms | the time now (first in every crossing) |
//! | `p` id, current, url, referrer, title, utm, topics | a page context |
//! | `t` page, time, name, props | `track`, fast path (clean JSON) |
//! | `v` page, time, name, props | `page`, fast path (name may be empty) |
//! | `T`/`V`/`I` page, time, sync, a, b, c | `track`/`page`/`identify`, described |
//! | `U`/`A` page, time, sync, a, b, c | `group`/`alias`, described |
//! | `r` / `o` | `reset()` / `forget()` |
//! | `c` choices, options | `consent.set` |
//! | `g` / `q` tcdata / `m` entry | GPC / TCF / Consent Mode |
//! | `a` id, status, retry-after | a request's answer |
//! | `w` / `h` / `x` | the timer / hidden / `pagehide` |
//! | `b` n | the first n beacons were taken |
//! | `f` token | `flush()` |
//! | `s` id, text | a segment given back |
//! | `z` tz / `k` topics / `u` 0-1 | time zone / topic click / module listening |
//! | `e` key, value | another owner's stored queue, to take over |
//! | `l` 0-1 / `y` 0-1 / `R` record | offline-online / back from the bfcache (still ours?) / another tab's consent record |
//! | `j` kind, … | what the autotrack listeners saw ([`Input::Auto`]) |
//!
//! Out of the engine: `P` id, keepalive, url, body (POST) · `B` url, body
//! (beacon) · `W` ms (wake; empty cancels) · `S` key, value / `D` key
//! (storage) · `K` value (cookie; empty removes) · `L` level, message ·
//! `F` token, sent, failed, pending · `C` state · `Hk` id, text / `Hr` id
//! / `Hf` id (segments: keep, give back, forget with any stored copy) ·
//! `Hs` id, key / `Hd` id (store a kept segment / delete its stored copy) ·
//! `Hx` (delete every stored queue) · `A` 0-1 (unload listeners) · `Y` 0-1
//! (accepted) · `G` signal · and last, `Z` the status the synchronous API
//! reads.

use crate::prelude::*;

use super::io::{escape, Input};
pub use super::io::{RS, US};
use super::page::{Env, Page};
use super::pipeline::call::Call;
use super::pipeline::event::Kind;
use super::text::num::{parse_u64, write_u64};
use super::text::{fields, json};
use super::tracker::{Start, Status, Stored, Tracker};

fn num(s: &str) -> f64 {
    parse_u64(s).map_or(0.0, |n| n as f64)
}

fn int(s: &str) -> u32 {
    parse_u64(s).unwrap_or(0) as u32
}

/// Reads one record into an input, or the time. `None` for what is not a
/// record (ignored: a newer edge may say more).
pub fn read(rec: &str) -> Option<Result<Input<'_>, f64>> {
    let kind = *rec.as_bytes().first()?;
    let body = rec.get(1..)?;
    let mut f = fields(body, US as u8);
    let mut next = || f.next().unwrap_or("");
    Some(Ok(match kind {
        b'n' => return Some(Err(num(body))),
        b'p' => Input::Page {
            id: int(next()),
            current: next() == "1",
            url: next(),
            referrer: next(),
            title: next(),
            utm: next(),
            topics: next(),
        },
        b't' => call(Kind::Track, true, body),
        b'v' => call(Kind::Page, true, body),
        b'T' => call(Kind::Track, false, body),
        b'V' => call(Kind::Page, false, body),
        b'I' => call(Kind::Identify, false, body),
        b'U' => call(Kind::Group, false, body),
        b'A' => call(Kind::Alias, false, body),
        b'r' => Input::Reset,
        b'o' => Input::Forget,
        b'c' => Input::Consent(next(), next()),
        b'g' => Input::Gpc,
        b'q' => Input::Tcf(body),
        b'G' => Input::Gpp(body),
        b'm' => Input::Gcm(body),
        b'a' => Input::Answer(int(next()), int(next()).min(999) as u16, next()),
        b'w' => Input::Timer,
        b'h' => Input::Hidden,
        b'x' => Input::Leaving,
        b'b' => Input::Beaconed(int(body) as usize),
        b'f' => Input::Flush(int(body)),
        b's' => {
            let mut f = fields(body, US as u8);
            let id = int(f.next().unwrap_or(""));
            Input::Segment(id, f.rest())
        }
        b'z' => Input::Timezone(body),
        b'k' => Input::TopicClick(body),
        b'u' => Input::Consumer(body == "1"),
        b'e' => {
            let (key, value) = super::text::cut(body, US as u8);
            Input::Stored(key, value)
        }
        b'l' => Input::Online(body == "1"),
        b'y' => Input::Resumed(body == "1"),
        b'R' => Input::ConsentRecord(body),
        b'j' => Input::Auto(*body.as_bytes().first()?, body.get(1..)?),
        _ => return None,
    }))
}

fn call(kind: Kind, fast: bool, body: &str) -> Input<'_> {
    let mut f = fields(body, US as u8);
    let mut next = || f.next().unwrap_or("");
    let page = int(next());
    let time = num(next());
    let sync = !fast && next() == "1";
    let args = if fast { [next(), next(), "!v"] } else { [next(), next(), next()] };
    Input::Call { call: Call { kind, fast, args }, time, page, sync }
}

/// Starts the engine from the edge's first crossing: `n` now, the first
/// page (`p`), then `S` config, locale, user agent, screen width, height,
/// seed, and the stored anonymous id, user id, traits, consent record,
/// signal log, group id and group traits (each a JSON literal, or empty
/// when absent).
pub fn start(text: &str) -> Result<Tracker, String> {
    let mut now = 0.0;
    let mut page = Page::default();
    let mut init = "";
    for rec in fields(text, RS as u8) {
        match rec.as_bytes().first() {
            Some(b'S') => init = rec.get(1..).unwrap_or(""),
            _ => match read(rec) {
                Some(Err(t)) => now = t,
                Some(Ok(Input::Page { id, url, referrer, title, utm, topics, .. })) => {
                    page = Page::new(id, url, referrer, title, utm, &json::string(topics).unwrap_or_default())
                }
                _ => {}
            },
        }
    }
    let f: Vec<&str> = fields(init, US as u8).collect();
    let at = |i: usize| f.get(i).copied().unwrap_or("");
    let stored: Vec<Option<String>> = (6..13).map(|i| json::string(at(i))).collect();
    let env = Env { locale: at(1).into(), user_agent: at(2).into(), screen: (int(at(3)), int(at(4))), timezone: String::new() };
    Tracker::start(Start {
        config: at(0),
        env,
        page,
        stored: Stored {
            anonymous_id: stored[0].as_deref(),
            user_id: stored[1].as_deref(),
            traits: stored[2].as_deref(),
            consent: stored[3].as_deref(),
            signals: stored[4].as_deref(),
            group_id: stored[5].as_deref(),
            group_traits: stored[6].as_deref(),
        },
        seed: at(5),
        now,
    })
}

/// Runs one crossing: every record in order, then every answer and the
/// status, as text.
pub fn run(t: &mut Tracker, text: &str) -> String {
    for rec in fields(text, RS as u8) {
        match read(rec) {
            Some(Err(now)) => t.set_now(now),
            Some(Ok(input)) => t.handle(input),
            None => {}
        }
    }
    actions(t)
}

/// Every answer waiting, then the status, as text.
pub fn actions(t: &mut Tracker) -> String {
    let mut out = t.output();
    write_status(&mut out, &t.status());
    out
}

/// Appends the status record.
pub fn write_status(out: &mut String, s: &Status) {
    out.push('Z');
    escape(out, &s.anonymous_id, false);
    out.push(US);
    if let Some(u) = &s.user_id {
        out.push_str(&json::quoted(u));
    }
    for v in [s.queued, s.held.0, s.held.1] {
        out.push(US);
        write_u64(out, v as u64);
    }
    out.push(US);
    out.push_str(&s.consent);
    out.push(US);
    write_u64(out, u64::from(s.accepting));
    out.push(US);
    write_u64(out, s.fits as u64);
    out.push(US);
    out.push(if s.debug { '1' } else { '0' });
    out.push(US);
    out.push(if s.topics { '1' } else { '0' });
    out.push(US);
    out.push(if s.store_profile { '1' } else { '0' });
    out.push(US);
    escape(out, &s.owner, false);
    for n in s.counts.into_iter().chain([u64::from(s.listeners)]) {
        out.push(US);
        write_u64(out, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_record() {
        assert_eq!(read("n1795363980123"), Some(Err(1_795_363_980_123.0)));
        assert!(
            matches!(read("t3\u{1f}100\u{1f}\"X\"\u{1f}{}"), Some(Ok(Input::Call { page: 3, time, sync: false, call })) if time == 100.0 && call.fast && call.args == ["\"X\"", "{}", "!v"])
        );
        assert!(
            matches!(read("I1\u{1f}5\u{1f}1\u{1f}\"u\"\u{1f}!v\u{1f}!v"), Some(Ok(Input::Call { sync: true, call, .. })) if call.kind == Kind::Identify && !call.fast)
        );
        assert!(
            matches!(read("U1\u{1f}5\u{1f}1\u{1f}\"acme\"\u{1f}{}\u{1f}!v"), Some(Ok(Input::Call { call, .. })) if call.kind == Kind::Group && call.args[0] == "\"acme\"")
        );
        assert!(
            matches!(read("A1\u{1f}5\u{1f}0\u{1f}\"new\"\u{1f}!v\u{1f}!v"), Some(Ok(Input::Call { sync: false, call, .. })) if call.kind == Kind::Alias && call.args[0] == "\"new\"")
        );
        assert_eq!(read("a7\u{1f}503\u{1f}3"), Some(Ok(Input::Answer(7, 503, "3"))));
        assert_eq!(read("s2\u{1f}r1\u{1f}x\u{1d}r2"), Some(Ok(Input::Segment(2, "r1\u{1f}x\u{1d}r2"))));
        assert_eq!(read("q{\"gdprApplies\":false}"), Some(Ok(Input::Tcf("{\"gdprApplies\":false}"))));
        assert_eq!(read("?"), None);
        assert_eq!(read(""), None);
    }

    #[test]
    fn writes_answers_without_stray_separators() {
        let mut o = crate::engine::io::Out::default();
        o.log("w", "track('a\u{1e}b')");
        o.wake(Some(1000.4));
        assert_eq!(o.text, "Lw\u{1f}track('a\u{fffd}b')\u{1e}W1000\u{1e}");
    }
}
