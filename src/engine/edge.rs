//! The tracking engine's side of the edge protocol: the records the
//! JavaScript driver (`js/edge/driver.js`) writes into the engine, read
//! into [`Input`]s, and the status written after every crossing. Every
//! record and field, both ways, is described once in
//! `src/engine/protocol.json`; [`crate::engine::protocol`] frames them by
//! lengths, so no text from the site can ever be read as a record.

use crate::prelude::*;

use super::config::read_config;
use super::consent::{gcm, gcm::GcmCommand, tcf, Category};
use super::io::{Input, Out, Rec};
use super::page::{Env, Page};
use super::pipeline::call::Call;
use super::pipeline::event::Kind;
use super::protocol::records;
use super::text::json;
use super::tracker::{Start, Status, Stored, Tracker};

/// Reads one record into an input, or the time. `None` for what is not an
/// input of a running engine.
pub fn read(r: Rec<'_>) -> Option<Result<Input<'_>, f64>> {
    read_from(&mut { r })
}

/// [`read`], leaving `r` after the fields read (the protocol tests check
/// each layout is read whole). An autotrack record is passed on unread.
pub fn read_from<'a>(r: &mut Rec<'a>) -> Option<Result<Input<'a>, f64>> {
    Some(Ok(match r.kind {
        b'n' => return Some(Err(r.n())),
        b'p' => {
            let (id, current) = (r.u(), r.flag());
            Input::Page { id, current, url: r.s(), referrer: r.s(), title: r.s(), utm: r.s(), topics: r.s() }
        }
        b't' => call(Kind::Track, true, r),
        b'v' => call(Kind::Page, true, r),
        b'T' => call(Kind::Track, false, r),
        b'V' => call(Kind::Page, false, r),
        b'I' => call(Kind::Identify, false, r),
        b'U' => call(Kind::Group, false, r),
        b'A' => call(Kind::Alias, false, r),
        b'r' => Input::Reset,
        b'o' => Input::Forget,
        b'c' => Input::Consent([r.u().min(2) as u8, r.u().min(2) as u8, r.u().min(2) as u8], r.s()),
        b'g' => Input::Gpc,
        b'q' => Input::Tcf(tcf::of(r.flag(), r.flag(), r.u())),
        b'G' => Input::Gpp(r.s(), r.s()),
        b'm' => Input::Gcm(GcmCommand { update: r.flag(), fields: [(); 5].map(|_| gcm::choice(r.u())) }),
        b'a' => Input::Answer(r.u(), r.u().min(999) as u16, r.s()),
        b'w' => Input::Timer,
        b'h' => Input::Hidden,
        b'x' => Input::Leaving,
        b'j' => Input::LeavingSoon,
        b'b' => Input::Beaconed(r.u() as usize),
        b'f' => Input::Flush(r.u()),
        b's' => Input::Segment(r.u(), r.s()),
        b'z' => Input::Timezone(r.s()),
        b'k' => Input::TopicClick(r.s()),
        b'u' => Input::Consumer(r.flag()),
        b'e' => Input::Stored(r.s(), r.s()),
        b'l' => Input::Online(r.flag()),
        b'y' => Input::Resumed(r.flag()),
        b'R' => Input::ConsentRecord(r.s()),
        b'L' => Input::DeferAble,
        b'P' | b'C' | b'D' | b'E' | b'F' => Input::Auto(r.clone()),
        _ => return None,
    }))
}

fn call<'a>(kind: Kind, fast: bool, r: &mut Rec<'a>) -> Input<'a> {
    let (page, time) = (r.u(), r.n());
    if fast {
        return Input::Call { call: Call::plain(kind, r.s(), r.s()), time, page, sync: false };
    }
    let sync = r.flag();
    let (name, id, props, message_id) = (r.s(), r.s(), r.s(), r.s());
    let call = Call { kind, name, id, props, message_id, category: Category::from_code(r.u().min(3) as u8) };
    Input::Call { call, time, page, sync }
}

/// Starts the engine from the edge's first crossing: `n` now, the first
/// page (`p`), the config (`K`, then an `H` for each sensitive topic), then
/// `S` (see `src/engine/protocol.json`).
pub fn start(bytes: &[u8]) -> Result<Tracker, String> {
    let mut now = 0.0;
    let mut page = Page::default();
    let mut init = None;
    let mut config = None;
    let mut sensitive = Vec::new();
    for mut r in records(bytes) {
        match r.kind {
            b'S' => {
                init = Some(r);
                continue;
            }
            b'K' => {
                config = Some(read_config(&mut r));
                continue;
            }
            b'H' => {
                sensitive.push(r.s().to_string());
                continue;
            }
            _ => {}
        }
        match read(r) {
            Some(Err(t)) => now = t,
            Some(Ok(Input::Page { id, url, referrer, title, utm, topics, .. })) => {
                page = Page::new(id, url, referrer, title, utm, &json::string(topics).unwrap_or_default())
            }
            _ => {}
        }
    }
    // The edge writes K only for a config it validated.
    let Some(mut config) = config else { return Err("invalid config: it did not reach the engine".into()) };
    config.sensitive = sensitive;
    let mut r = init.unwrap_or(Rec::new(b'S', &[]));
    let (locale, user_agent, width, height, seed) = (r.s(), r.s(), r.u(), r.u(), r.s());
    let stored: Vec<Option<String>> = (0..7).map(|_| json::string(r.s())).collect();
    let env = Env { locale: locale.into(), user_agent: user_agent.into(), screen: (width, height), timezone: String::new() };
    Tracker::start(Start {
        config,
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
        seed,
        now,
    })
}

/// Runs one crossing: every record in order, then every answer and the
/// status.
pub fn run(t: &mut Tracker, bytes: &[u8]) -> Vec<u8> {
    for r in records(bytes) {
        match read(r) {
            Some(Err(now)) => t.set_now(now),
            Some(Ok(input)) => t.handle(input),
            None => {}
        }
    }
    actions(t)
}

/// Every answer waiting, then the status.
pub fn actions(t: &mut Tracker) -> Vec<u8> {
    t.answers();
    let s = t.status();
    write_status(t.answers(), &s);
    t.answers().take()
}

/// Writes the status record (`Z`).
pub fn write_status(o: &mut Out, s: &Status) {
    o.begin(b'Z').field(&s.anonymous_id).field(&s.user_id.as_deref().map(json::quoted).unwrap_or_default());
    for v in [s.queued, s.held.0, s.held.1] {
        o.num(v as f64);
    }
    o.field(&s.consent).num(f64::from(s.accepting)).num(s.fits as f64);
    for b in [s.debug, s.topics, s.store_profile] {
        o.num(if b { 1.0 } else { 0.0 });
    }
    o.field(&s.owner);
    for n in s.counts.into_iter().chain([u64::from(s.listeners)]) {
        o.num(n as f64);
    }
    o.end();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(w: &mut Out) -> Vec<u8> {
        w.take()
    }

    #[test]
    fn reads_every_kind_of_call() {
        let mut w = Out::default();
        w.begin(b'n').num(1_795_363_980_123.0).end();
        w.begin(b't').num(3.0).num(100.0).field("\"X\"").field("{}").end();
        w.begin(b'I').num(1.0).num(5.0).num(1.0).field("").field("u").field("{}").field("m-1").num(9.0).end();
        w.begin(b'a').num(7.0).num(503.0).field("3").end();
        w.begin(b's').num(2.0).field("r1\u{1f}x\u{1d}r2").end();
        let b = one(&mut w);
        let got: Vec<_> = records(&b).map(read).collect();
        assert_eq!(got[0], Some(Err(1_795_363_980_123.0)));
        assert!(
            matches!(&got[1], Some(Ok(Input::Call { page: 3, time, sync: false, call })) if *time == 100.0 && *call == Call::plain(Kind::Track, "\"X\"", "{}"))
        );
        assert!(
            matches!(&got[2], Some(Ok(Input::Call { sync: true, call, .. }))
            if *call == Call { kind: Kind::Identify, name: "", id: "u", props: "{}", message_id: "m-1", category: Category::Marketing }),
            "a category past the last is the last"
        );
        assert_eq!(got[3], Some(Ok(Input::Answer(7, 503, "3"))));
        assert_eq!(got[4], Some(Ok(Input::Segment(2, "r1\u{1f}x\u{1d}r2"))));
    }
}
