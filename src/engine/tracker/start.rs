//! Starting the engine: what storage held and the rest it starts from, the
//! config validated, the stored identity and consent read back.

use crate::prelude::*;

use super::{auto, signals, Tracker};
use crate::engine::config::Config;
use crate::engine::consent::record::Record;
use crate::engine::consent::state::{ConsentState, Signal};
use crate::engine::encode::segment::envelope_size;
use crate::engine::flush::Flushes;
use crate::engine::identity::Identity;
use crate::engine::io::Out;
use crate::engine::page::{Env, Page, Pages};
use crate::engine::pipeline::queue::Queue;
use crate::engine::pipeline::store::Store;
use crate::engine::session::Session;
use crate::engine::text::rng::Rng;
use crate::engine::text::url::resolve_endpoint;

/// What storage held when the page started (values as stored).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stored<'a> {
    /// `kizuna:anonymousId`
    pub anonymous_id: Option<&'a str>,
    /// `kizuna:userId`
    pub user_id: Option<&'a str>,
    /// `kizuna:traits`
    pub traits: Option<&'a str>,
    /// `kizuna:consent`, or the `kz_consent` cookie (decoded) without it.
    pub consent: Option<&'a str>,
    /// `kizuna:signals`
    pub signals: Option<&'a str>,
    /// `kizuna:groupId`
    pub group_id: Option<&'a str>,
    /// `kizuna:groupTraits`
    pub group_traits: Option<&'a str>,
}

/// Everything the engine starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct Start<'a> {
    /// The config, as the edge validated it.
    pub config: Config,
    /// The device.
    pub env: Env,
    /// The first page.
    pub page: Page,
    /// Storage.
    pub stored: Stored<'a>,
    /// 32 hex digits of randomness.
    pub seed: &'a str,
    /// Now, epoch ms.
    pub now: f64,
}

impl Tracker {
    /// Starts: reads the stored consent record and identity, writes
    /// nothing the stored choice does not allow. `Err` is the message
    /// `init` rejects with.
    pub fn start(s: Start) -> Result<Tracker, String> {
        let cfg = s.config;
        let mut rng = Rng::from_hex(s.seed);
        // A user id stored before `privacy.userId` was set is hashed or
        // dropped now (one stored already hashed is 64 hex digits).
        let hashed = |u: &str| u.len() == 64 && u.bytes().all(|b| b.is_ascii_hexdigit());
        let stored_user = s.stored.user_id.and_then(|u| {
            if cfg.privacy.user_id == 1 && hashed(u) {
                Some(u.to_string())
            } else {
                cfg.privacy.user_id(u.to_string())
            }
        });
        let mut identity = Identity::load(s.stored.anonymous_id, stored_user.as_deref(), s.stored.traits, &mut rng);
        identity.load_group(s.stored.group_id, s.stored.group_traits);
        let user_agent = cfg.privacy.user_agent(&s.env.user_agent);
        let mut url = resolve_endpoint(&cfg.endpoint, &s.page.url);
        if cfg.snowplow {
            if url.ends_with('/') {
                url.pop();
            }
            url.push_str(crate::engine::encode::snowplow::PATH);
        }
        let envelope = envelope_size(cfg.write_key.as_deref());
        // A front of a quarter of the largest request: records run a
        // quarter to half of an event's bytes on the wire (the page context
        // is added as a batch is written), so a grown request carries 128 to
        // 256 KiB; more would cost wasm memory, which never shrinks.
        let queue = Queue::new(cfg.batch.max_bytes.max(cfg.batch.max_request_bytes / 4), &cfg.queue);
        let owner = {
            let mut id = rng.uuid();
            id.retain(|c| c != '-');
            id.truncate(12);
            id
        };
        let mut pages = Pages::default();
        pages.current = s.page.id;
        let mut first = s.page;
        first.referrer = cfg.privacy.referrer(&first.referrer);
        first.view = rng.uuid();
        pages.put(first);
        let mut t = Tracker {
            consent: ConsentState::new(cfg.consent.clone()),
            cfg,
            url,
            envelope,
            rng,
            now: s.now,
            env: Env { user_agent, ..s.env },
            pages,
            identity,
            held: Vec::new(),
            held_dropped: 0,
            queue,
            flushes: Flushes::default(),
            failures: 0,
            unloaded: Vec::new(),
            deferred: Default::default(),
            unloading: Vec::new(),
            unload_waits: None,
            signals: signals::Signals::load(s.stored.signals),
            session: Session::default(),
            auto: auto::AutoState::default(),
            o: Out::default(),
            dirty: true,
            wake: None,
            listening: false,
            store: Store::new(owner),
            offline: false,
            split: 0,
            ramp: 0,
            cut: false,
            told_cors: false,
            told_waiting: false,
            sent: 0,
            expired: 0,
            rejected: 0,
            damaged: 0,
        };
        if let Some(text) = s.stored.consent {
            match Record::parse(text) {
                Ok(r) => {
                    t.consent.apply(Signal::Stored(r), s.now);
                }
                Err(why) => {
                    t.o.msg("w").put("the stored consent record was ignored because ").put(why).put("; it counts as no choice").end()
                }
            }
        }
        t.save_identity();
        t.follow_listeners();
        Ok(t)
    }
}
