//! Stage 5: which waiting events go out together, and their body.
//!
//! A batch is due when enough events wait (`maxEvents`), their bytes
//! would pass `maxBytes`, the oldest has waited `flushInterval`, or a flush
//! asks. Its body is cut by the exact encoded size: events are written one
//! by one, and the one that would pass the limit waits for the next batch.
//! The gate is asked again for each event as it is written.

use crate::prelude::*;

use super::event::Event;
use super::gate;
use super::queue::Queue;
use crate::engine::config::BatchPolicy;
use crate::engine::consent::state::ConsentState;
use crate::engine::encode::segment::{close_batch, open_batch, write_event};
use crate::engine::encode::snowplow;
use crate::engine::page::{Env, Pages};

/// Whether a batch should go now. `force` (a flush) skips the timer and
/// the retry delay; nothing skips the rule of one request in flight.
pub fn is_due(q: &Queue, policy: &BatchPolicy, now: f64, force: bool) -> bool {
    if q.in_flight().is_some() || q.oldest_waiting().is_none() {
        return false;
    }
    let waiting = q.waiting();
    let full = waiting.len() >= policy.max_events || waiting.iter().map(|e| e.size as usize + 1).sum::<usize>() >= policy.max_bytes;
    if q.awaiting() && !full {
        // A segment is on its way back: the batch waits for it (the edge
        // gives it back in the same task).
        return false;
    }
    if force {
        return true;
    }
    if now < q.retry_at {
        return false;
    }
    full || q.has_segments() || q.oldest_waiting().is_some_and(|t| now >= t + policy.flush_interval_ms)
}

/// The largest batch the next request may carry, events and bytes. A
/// request costs the page's main thread about the same whatever its size
/// (docs/benchmarks.md), so while the page lives and events keep waiting,
/// each batch delivered full doubles the next (`ramp` of them in a row),
/// up to `max_request_bytes`. The first of a burst stays within
/// `max_bytes`, a keepalive request that survives the page being left.
/// Without growth (`max_request_bytes` at most `max_bytes`), the policy's
/// limits as they are, events included.
pub fn limits(policy: &BatchPolicy, ramp: u32) -> (usize, usize) {
    if policy.max_request_bytes <= policy.max_bytes {
        return (policy.max_events, policy.max_bytes);
    }
    let f = 1usize << ramp.min(9);
    (policy.max_events.saturating_mul(f), policy.max_bytes.saturating_mul(f).min(policy.max_request_bytes))
}

/// When the queue next needs a batch if nothing else happens (epoch ms).
pub fn wake_at(q: &Queue, policy: &BatchPolicy) -> Option<f64> {
    if q.in_flight().is_some() {
        return None;
    }
    q.oldest_waiting().map(|t| (t + policy.flush_interval_ms).max(q.retry_at))
}

/// Everything encoding needs besides the events.
pub struct Encoding<'a> {
    /// The pages events refer to.
    pub pages: &'a mut Pages,
    /// The device.
    pub env: &'a Env,
    /// Consent now.
    pub consent: &'a ConsentState,
    /// `writeKey`.
    pub write_key: Option<&'a str>,
    /// `sentAt`.
    pub now: f64,
    /// Snowplow's tracker protocol instead of Segment's batch.
    pub snowplow: bool,
}

/// Writes a body of the first events of `events`: at most `max_events`,
/// at most `max_bytes` (at least one event, whatever its size). Returns
/// how many events it took (those the gate refused are taken too: they
/// must not wait for anything).
pub fn encode(out: &mut String, events: &[Event], max_events: usize, max_bytes: usize, enc: &mut Encoding) -> usize {
    let marketing = gate::with_marketing(enc.consent);
    out.clear();
    if enc.snowplow {
        snowplow::open_batch(out);
    } else {
        open_batch(out);
    }
    let close_len = if enc.snowplow { 2 } else { close_len(enc.write_key) };
    let mut written = 0;
    let mut taken = 0;
    let current = enc.pages.current;
    for e in events {
        if taken == max_events {
            break;
        }
        let p = e.parts();
        if !gate::may_send(p.category, enc.consent) {
            taken += 1;
            continue;
        }
        let mark = out.len();
        if written > 0 {
            out.push(',');
        }
        let page = match enc.pages.get(p.page) {
            Some(page) => page,
            None => match enc.pages.get(current) {
                Some(page) => page,
                None => {
                    taken += 1;
                    continue;
                }
            },
        };
        if enc.snowplow {
            snowplow::write_event(out, &p, page, enc.env, marketing, enc.now);
        } else {
            let (fields, context) = page.encoded(enc.env, marketing);
            write_event(out, &p, fields, context);
        }
        if written > 0 && out.len() + close_len > max_bytes {
            out.truncate(mark);
            break;
        }
        written += 1;
        taken += 1;
    }
    if enc.snowplow {
        snowplow::close_batch(out);
    } else {
        close_batch(out, enc.now, enc.write_key);
    }
    taken
}

fn close_len(write_key: Option<&str>) -> usize {
    let mut s = String::new();
    close_batch(&mut s, 0.0, write_key);
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::consent::state::{ConsentConfig, Mode, Signal};
    use crate::engine::consent::{Categories, Category, Choice};
    use crate::engine::page::Page;
    use crate::engine::pipeline::event::{Kind, Parts};

    fn setup() -> (Pages, Env, ConsentState) {
        let mut pages = Pages::default();
        pages.put(Page::new(1, "https://shop.example/p?utm_source=x&gclid=1", "", "\"P\"", r#"{"utm_source":"x"}"#, ""));
        pages.current = 1;
        let env = Env { locale: "\"en\"".into(), user_agent: "\"UA\"".into(), screen: (1, 1), timezone: "\"UTC\"".into() };
        (pages, env, ConsentState::new(ConsentConfig { mode: Mode::OptOut, ..ConsentConfig::default() }))
    }

    fn events(n: usize, cat: Category) -> Vec<Event> {
        (0..n)
            .map(|i| {
                let props = ["{\"i\":", &i.to_string(), "}"].concat();
                let p = Parts {
                    kind: Kind::Track,
                    category: cat,
                    stamp: Categories::all(Choice::Granted),
                    time: 1_795_363_980_123.0,
                    page: 1,
                    message_id: "m",
                    anonymous_id: "a",
                    user_id: "",
                    name: "\"E\"",
                    session: "",
                    props: &props,
                };
                Event::new(i as u64, &p, 0, 1.0)
            })
            .collect()
    }

    #[test]
    fn bodies_respect_both_limits_and_stay_json() {
        let (mut pages, env, consent) = setup();
        let evs = events(30, Category::Analytics);
        let mut enc =
            Encoding { pages: &mut pages, env: &env, consent: &consent, write_key: Some("k"), now: 1_795_363_981_000.0, snowplow: false };
        let mut body = String::new();
        assert_eq!(encode(&mut body, &evs, 10, 1_000_000, &mut enc), 10);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["batch"].as_array().unwrap().len(), 10);
        assert_eq!(v["writeKey"], "k");
        assert_eq!(v["batch"][0]["context"]["campaign"]["source"], "x");
        let n = encode(&mut body, &evs, 100, 2000, &mut enc);
        assert!((1..30).contains(&n) && body.len() <= 2000, "{n} {}", body.len());
        serde_json::from_str::<serde_json::Value>(&body).unwrap();
        assert_eq!(encode(&mut body, &evs, 100, 10, &mut enc), 1, "at least one event");
    }

    #[test]
    fn the_gate_is_asked_again_at_encode_time() {
        let (mut pages, env, mut consent) = setup();
        consent.apply(Signal::Api { choices: vec![(Category::Marketing, false)], source: "b".into() }, 1.0);
        let mut evs = events(2, Category::Marketing);
        evs.extend(events(1, Category::Analytics));
        let mut enc = Encoding { pages: &mut pages, env: &env, consent: &consent, write_key: None, now: 1.0, snowplow: false };
        let mut body = String::new();
        assert_eq!(encode(&mut body, &evs, 10, 100_000, &mut enc), 3, "refused events are taken, not sent");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["batch"].as_array().unwrap().len(), 1);
        assert!(v["batch"][0]["context"].get("campaign").is_none(), "no campaign without marketing");
        assert_eq!(v["batch"][0]["context"]["page"]["url"], "https://shop.example/p?utm_source=x");
    }
}
