//! What every fuzz case of a tracker must hold, whatever storage held: a
//! fresh engine starts on it, takes over what it is given, tracks its own
//! events and delivers; every request body is JSON (serde_json, a lone
//! surrogate escape read as `JSON.parse` reads it) within the batch
//! limit (a lone event aside), every event has the Segment shape, and the
//! page's own events all arrive, once each, while analytics is granted.

use std::collections::BTreeMap;

use kizuna::engine::consent::{Category, Choice};
use kizuna::engine::io::Input;
use kizuna::engine::pipeline::call::Call;
use kizuna::engine::pipeline::event::Kind;
use serde_json::Value as J;

use crate::sim::{Level, Sim};

/// The config every tracker case runs with: opt-out (so a stored choice is
/// the only thing that may deny), sessions on, `debug` off.
pub fn config() -> String {
    crate::sim::open()
}

/// The largest request body of more than one event: the batch limit
/// (`batch.maxBytes`, 60 KiB).
const MAX_BODY: usize = 60 * 1024;

/// The page's own events.
pub const OWN: &str = "Fuzz Own";
/// How many of them each case tracks.
const OWN_EVENTS: usize = 3;

/// What the next page is given from storage.
#[derive(Clone, Debug, Default)]
pub struct Given {
    /// What localStorage held when the page started (`kizuna:anonymousId`,
    /// `kizuna:userId`, `kizuna:traits`, `kizuna:consent` or the cookie,
    /// `kizuna:signals`).
    pub store: BTreeMap<String, String>,
    /// Keys handed over after start, in order (`Input::Stored`: another
    /// owner's queue, the session).
    pub stored: Vec<(String, String)>,
    /// Another tab's consent record (`Input::ConsentRecord`, as the edge
    /// passes it: a JSON literal).
    pub consent_record: Option<String>,
    /// `identify({fuzz: 1})` and `group({fuzz: 1})` after the page's own
    /// events (the traits merge with the stored ones); their events must
    /// arrive too (the group's when a group was kept).
    pub identify: bool,
    /// Fast-path `track` calls after them (`(name literal, properties)`,
    /// as the personalization edge injects its exposure events); they
    /// must arrive too.
    pub inject: Vec<(String, String)>,
}

/// A request body read as `JSON.parse` reads it: a lone surrogate escape
/// (`JSON.stringify` writes one for a lone surrogate) stands for U+FFFD,
/// which serde_json would otherwise refuse. `Err` names the defect.
pub fn parse(body: &str) -> Result<J, String> {
    if !body.contains("\\u") {
        return serde_json::from_str(body).map_err(|e| format!("{e}: {body:.300}"));
    }
    let b = body.as_bytes();
    let surrogate = |at: usize| -> Option<u32> {
        let hex = body.get(at + 2..at + 6)?;
        (b.get(at) == Some(&b'\\') && b.get(at + 1) == Some(&b'u'))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
            .filter(|n| (0xd800..0xe000).contains(n))
    };
    let mut text = String::with_capacity(body.len());
    let mut i = 0;
    while i < b.len() {
        let n = if b[i] == b'\\' {
            match (surrogate(i), surrogate(i + 6)) {
                (Some(hi), Some(lo)) if hi < 0xdc00 && lo >= 0xdc00 => 12,
                (Some(_), _) => {
                    text.push_str("\\ufffd");
                    i += 6;
                    continue;
                }
                _ => 1 + body[i + 1..].chars().next().map_or(0, char::len_utf8),
            }
        } else {
            body[i..].chars().next().map_or(1, char::len_utf8)
        };
        text.push_str(&body[i..(i + n).min(b.len())]);
        i += n;
    }
    serde_json::from_str(&text).map_err(|e| format!("{e}: {:.300}", &body[floor(body, e.column().saturating_sub(100))..]))
}

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Whether `e` has the Segment shape: `type`, `messageId`, `anonymousId`,
/// an ISO 8601 `timestamp`, a `context` object (its `session`, when there
/// is one, an object), `properties` or (identify, group) `traits` an
/// object, `event` (track), `groupId` (group), `previousId` (alias) and
/// `userId` strings. `Err` says what is wrong.
pub fn segment_shape(e: &J) -> Result<(), String> {
    let s = |k: &str| e[k].as_str().filter(|v| !v.is_empty()).ok_or_else(|| format!("{k} is not a non-empty string: {e:.300}"));
    let kind = s("type")?;
    s("messageId")?;
    s("anonymousId")?;
    let t = s("timestamp")?;
    if t.len() != 24 || !t.ends_with('Z') || t.as_bytes()[10] != b'T' {
        return Err(format!("timestamp {t:?}"));
    }
    let ctx = e["context"].as_object().ok_or_else(|| format!("context: {e:.300}"))?;
    if let Some(session) = ctx.get("session").filter(|s| !s.is_object()) {
        return Err(format!("context.session {session}"));
    }
    let body = match kind {
        "track" => {
            s("event")?;
            "properties"
        }
        "page" => "properties",
        "identify" => "traits",
        "group" => {
            s("groupId")?;
            "traits"
        }
        "alias" => {
            s("userId")?;
            s("previousId")?;
            ""
        }
        other => return Err(format!("type {other:?}")),
    };
    if !body.is_empty() && !e[body].is_object() {
        return Err(format!("{body} is not an object: {e:.300}"));
    }
    if !(e.get("userId").is_none() || e["userId"].is_string()) {
        return Err(format!("userId {}", e["userId"]));
    }
    Ok(())
}

/// What a case left: the engine, and every event it sent.
pub struct Ran {
    pub sim: Sim,
    pub events: Vec<J>,
}

/// Runs a page on `given`: starts, takes over what it is given, tracks its
/// own events, delivers everything. `Err` describes a broken oracle (a
/// panic is one too).
pub fn run(given: &Given) -> Result<Ran, String> {
    let mut sim = Sim::try_start(&config(), given.store.clone()).map_err(|e| format!("start refused: {e}"))?;
    sim.now += 5_000.0;
    for (key, text) in &given.stored {
        sim.input(Input::Stored(key, text));
    }
    if let Some(r) = &given.consent_record {
        sim.input(Input::ConsentRecord(r));
    }
    for i in 0..OWN_EVENTS {
        sim.track(OWN, &format!("{{\"own\":{i}}}"));
    }
    for (name, props) in &given.inject {
        let page = sim.page;
        sim.input(Input::Call { call: Call::plain(Kind::Track, name, props), time: sim.now, page, sync: false });
    }
    // Stored traits merged with these may be over the per-event limit:
    // then the call is refused, and says so (see the report of fuzz_stored).
    let identified = given.identify && sim.call(Kind::Identify, "{\"fuzz\":1}", "!v", "!v");
    if given.identify && !identified && !sim.lines(Level::Error).last().is_some_and(|l| l.contains("over the limit")) {
        return Err(format!("identify was refused: {:?}", sim.logs.last()));
    }
    // The same for the stored group (refused, and said, when none is kept).
    let grouped = given.identify && sim.call(Kind::Group, "{\"fuzz\":1}", "!v", "!v");
    let group = sim.t.identity().group_id.clone();
    if given.identify
        && !grouped
        && !sim
            .lines(Level::Error)
            .last()
            .is_some_and(|l| l.contains("over the limit") || (group.is_none() && l.contains("group id is missing")))
    {
        return Err(format!("group was refused: {:?}", sim.logs.last()));
    }
    sim.advance(1_000.0);
    let mut events = Vec::new();
    for _ in 0..10_000 {
        if sim.posts.is_empty() {
            break;
        }
        let p = sim.answer(200);
        let body = parse(&p.body)?;
        let batch = body["batch"].as_array().ok_or_else(|| format!("no batch: {:.300}", p.body))?;
        // A lone event over the limit goes alone, by design (a stored one
        // may be: see the report of tests/fuzz_stored.rs).
        if p.body.len() > MAX_BODY && batch.len() > 1 {
            return Err(format!("a request of {} bytes, {} events", p.body.len(), batch.len()));
        }
        for e in batch {
            segment_shape(e)?;
        }
        events.extend(batch.iter().cloned());
    }
    let analytics = sim.t.consent().get(Category::Analytics) == Choice::Granted;
    let own: Vec<u64> = events.iter().filter(|e| e["event"] == OWN).filter_map(|e| e["properties"]["own"].as_u64()).collect();
    let want: Vec<u64> = if analytics { (0..OWN_EVENTS as u64).collect() } else { Vec::new() };
    if own != want {
        return Err(format!("the page's own events: {own:?}, analytics {analytics}"));
    }
    let names: Vec<J> = given.inject.iter().map(|(n, _)| serde_json::from_str(n).unwrap_or(J::Null)).collect();
    let injected = events.iter().filter(|e| names.contains(&e["event"])).count();
    if injected != if analytics { names.len() } else { 0 } {
        return Err(format!("{injected} of {} injected events arrived, analytics {analytics}", names.len()));
    }
    let arrived = events.iter().filter(|e| e["type"] == "identify" && e["traits"]["fuzz"] == 1).count();
    if arrived != usize::from(identified && analytics) {
        return Err(format!("{arrived} identify events, analytics {analytics}"));
    }
    let arrived: Vec<&J> = events.iter().filter(|e| e["type"] == "group" && e["traits"]["fuzz"] == 1).collect();
    if arrived.len() != usize::from(grouped && analytics) || arrived.iter().any(|e| e["groupId"].as_str() != group.as_deref()) {
        return Err(format!("{} group events (kept group {group:?}), analytics {analytics}", arrived.len()));
    }
    Ok(Ran { sim, events })
}

/// Runs `given` and panics with `what` and the input when an oracle fails
/// (a panic inside the engine is caught and said the same way).
pub fn check(what: &str, input: &str, given: &Given) -> Ran {
    match std::panic::catch_unwind(|| run(given)) {
        Ok(Ok(ran)) => ran,
        Ok(Err(e)) => panic!("{what}: {e}\ninput: {input:?}"),
        Err(_) => panic!("{what}: the engine panicked\ninput: {input:?}"),
    }
}
