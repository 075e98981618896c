//! Stage 4's copy in storage: the queue written where the next page of the
//! site, or another tab when this one dies, finds it and sends it.
//!
//! Each engine is an *owner* with keys of its own, so tabs never write over
//! each other: `kizuna:q.<owner>` holds a header, the page contexts the
//! queued events refer to and the events in the engine's memory;
//! `kizuna:q.<owner>.<n>` holds segment `n` as the edge keeps it. Lines are
//! the queue's records (`event.rs`), separated by U+001D. Writes are
//! coalesced ([`COALESCE_MS`]) and made at once when the page is hidden or
//! leaves; the store keeps the newest events within its bounds. This file
//! holds the format and the state; `tracker/persist.rs` decides when.

use crate::prelude::*;

use super::event::Event;
use super::queue::RECORD_SEP;
use crate::engine::page::{Page, Pages};
use crate::engine::text::json::{self, write_string};
use crate::engine::text::num::{parse_u64, write_u64};
use crate::engine::text::{fields, Fields};

/// Every stored queue's key starts so.
pub const PREFIX: &str = "kizuna:q.";
/// Most time between a change and its write.
pub const COALESCE_MS: f64 = 250.0;
/// Where the browser has no Web Locks, another tab takes over a stored
/// queue whose owner has not rewritten it for this long.
pub const LEASE_MS: f64 = 60_000.0;
/// Most pages read from a front. Each one taken over is looked up among
/// the others, so a damaged front with a page line repeated a hundred
/// thousand times would hold the page for seconds; no real queue waits on
/// so many pages (past them, an event takes the current page's context).
pub const MAX_PAGES: usize = 1000;
/// The first line of a front, with the format's version.
const VERSION: &str = "kzq2";
const SEP: char = '\u{1f}';

/// `kizuna:q.<owner>`.
pub fn front_key(owner: &str) -> String {
    let mut k = String::with_capacity(PREFIX.len() + owner.len() + 8);
    k.push_str(PREFIX);
    k.push_str(owner);
    k
}

/// `kizuna:q.<owner>.<id>`.
pub fn segment_key(owner: &str, id: u32) -> String {
    let mut k = front_key(owner);
    k.push('.');
    write_u64(&mut k, u64::from(id));
    k
}

/// The owner a key belongs to, and whether it is the owner's front;
/// `None` for a key no engine writes (an owner is 12 hex digits, a
/// segment's number follows it).
pub fn owner_of(key: &str) -> Option<(&str, bool)> {
    let rest = key.strip_prefix(PREFIX)?;
    // `cut`, not `split_once`: the pattern machinery costs ~0.5 KB.
    let (owner, segment) = crate::engine::text::cut(rest, b'.');
    let is_front = !rest.as_bytes().contains(&b'.');
    let hex = owner.len() == 12 && owner.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let number = is_front || (!segment.is_empty() && segment.len() <= 9 && segment.bytes().all(|b| b.is_ascii_digit()));
    (hex && number).then_some((owner, is_front))
}

/// Writes a front: the header (version, owner, lease end), the pages in
/// use, then `events`.
pub fn write_front(out: &mut String, owner: &str, until: f64, pages: &Pages, events: &[Event]) {
    out.clear();
    out.push_str(VERSION);
    out.push(SEP);
    out.push_str(owner);
    out.push(SEP);
    write_u64(out, until.max(0.0) as u64);
    for p in pages.iter() {
        out.push(RECORD_SEP);
        out.push('p');
        write_u64(out, u64::from(p.id));
        for f in [&p.url, &p.referrer, &p.title, &p.utm] {
            out.push(SEP);
            out.push_str(f);
        }
        out.push(SEP);
        write_string(out, &p.topics);
    }
    for e in events {
        out.push(RECORD_SEP);
        out.push_str(&e.rec);
    }
}

/// A front read back: when its lease ends, its pages (with the ids they
/// had), its records.
pub struct Front<'a> {
    /// Lease end, epoch ms (0: released).
    pub until: f64,
    /// Pages, as stored.
    pub pages: Vec<Page>,
    /// Event records.
    pub records: Vec<&'a str>,
}

/// Reads a front; `None` for another version (left for the Kizuna that
/// wrote it) or what is not one.
pub fn read_front(text: &str) -> Option<Front<'_>> {
    let mut lines = fields(text, RECORD_SEP as u8);
    let mut head = fields(lines.next()?, SEP as u8);
    if head.next()? != VERSION {
        return None;
    }
    head.next()?;
    let until = parse_u64(head.next()?)? as f64;
    let mut front = Front { until, pages: Vec::new(), records: Vec::new() };
    for line in lines {
        match line.strip_prefix('p') {
            Some(_) if front.pages.len() >= MAX_PAGES => {}
            Some(page) => {
                let mut f = fields(page, SEP as u8);
                let mut next = || f.next().unwrap_or("");
                let id = parse_u64(next()).unwrap_or(0) as u32;
                let (url, referrer, title, utm) = (next(), next(), next(), next());
                let topics = json::string(next()).unwrap_or_default();
                front.pages.push(Page::new(id, url, referrer, title, utm, &topics));
            }
            None => front.records.push(line),
        }
    }
    Some(front)
}

/// Most message ids remembered as taken over (the oldest are forgotten).
pub const MAX_ADOPTED: usize = 100_000;

/// FNV-1a of a message id: 64 bits, so two ids of one visitor's queues
/// never meet by chance.
pub fn id_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

impl Store {
    /// Whether the message id was taken over before; remembers it.
    pub fn adopted_before(&mut self, id: &str) -> bool {
        let h = id_hash(id);
        match self.adopted.binary_search(&h) {
            Ok(_) => true,
            Err(at) => {
                if self.adopted.len() >= MAX_ADOPTED {
                    self.adopted.clear();
                }
                self.adopted.insert(at.min(self.adopted.len()), h);
                false
            }
        }
    }
}

/// Whether `text` is a stored queue of another version (`kzq` and digits):
/// left for the Kizuna that wrote it, where anything else is garbage.
pub fn other_version(text: &str) -> bool {
    let head = fields(text, SEP as u8).next().unwrap_or("");
    head != VERSION && head.len() > 3 && head.starts_with("kzq") && head.bytes().skip(3).all(|b| b.is_ascii_digit())
}

/// The records of a stored segment.
pub fn segment_records(text: &str) -> Fields<'_> {
    fields(text, RECORD_SEP as u8)
}

/// What the engine knows of its stored copy.
#[derive(Debug, Default)]
pub struct Store {
    /// This engine's owner id.
    pub owner: String,
    /// The queue is being kept (the last pump found it allowed).
    pub on: bool,
    /// The front key holds something.
    pub written: bool,
    /// A change waits to be written, by then.
    pub due: Option<f64>,
    /// The front is rewritten by then even without a change (its lease).
    pub refresh_at: f64,
    /// The pages written with the front (count and sum of ids).
    pub pages: (usize, u64),
    /// The events in memory when the front was last looked at (count,
    /// first and last sequence numbers, and the whole queue's count): a
    /// change is due when they differ.
    pub front: (usize, u64, u64, usize),
    /// Keys to delete once the front is written: segments back in memory,
    /// queues taken over from other owners.
    pub stale: Vec<String>,
    /// The page is leaving: the lease is given up, and the batch in flight
    /// (a keepalive request the browser completes) is not kept.
    pub leaving: bool,
    /// The network is in doubt as the page goes: everything is kept, the
    /// batch in flight too, whatever the beacons carry.
    pub keep_all: bool,
    /// Pages of the owner being taken over: `(stored id, id here)`.
    pub adopting: (String, Vec<(u32, u32)>),
    /// Next id for a page taken over (above the edge's).
    pub next_page: u32,
    /// Hashes of the message ids taken over, sorted: a stored queue handed
    /// over again (its owner wrote it once more as it went) adds only what
    /// it did not hold the first time.
    pub adopted: Vec<u64>,
}

impl Store {
    /// A store for `owner`.
    pub fn new(owner: String) -> Store {
        Store { owner, next_page: 1 << 30, ..Store::default() }
    }

    /// A change to write within [`COALESCE_MS`].
    pub fn touch(&mut self, now: f64) {
        if self.due.is_none() {
            self.due = Some(now + COALESCE_MS);
        }
    }

    /// When the engine must wake to write.
    pub fn wake_at(&self) -> Option<f64> {
        match (self.due, self.written) {
            (Some(t), _) => Some(t),
            (None, true) => Some(self.refresh_at),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::consent::{Categories, Category, Choice};
    use crate::engine::pipeline::event::{Kind, Parts};

    #[test]
    fn a_front_round_trips_with_its_pages() {
        let mut pages = Pages::default();
        pages.put(Page::new(
            3,
            "https://a.example/p?x=1",
            "https://r.example/",
            "\"T \\u001f\"",
            r#"{"utm_source":"n"}"#,
            "shoes,\u{1f}hats",
        ));
        pages.current = 3;
        pages.retain(3);
        let p = Parts {
            kind: Kind::Track,
            category: Category::Analytics,
            stamp: Categories::all(Choice::Granted),
            time: 1_000.0,
            page: 3,
            message_id: "m",
            anonymous_id: "a",
            user_id: "",
            name: "\"E\"",
            session: "",
            props: "{\"k\":1}",
        };
        let events = [Event::new(0, &p, 10, 1.0), Event::new(1, &p, 10, 1.0)];
        let mut text = String::new();
        write_front(&mut text, "o1", 61_000.0, &pages, &events);
        assert!(!text.contains('\u{1e}'), "a front never holds the edge's record separator");
        let f = read_front(&text).unwrap();
        assert_eq!(f.until, 61_000.0);
        assert_eq!(f.pages.len(), 1);
        assert_eq!(
            (f.pages[0].id, f.pages[0].url.as_str(), f.pages[0].topics.as_str()),
            (3, "https://a.example/p?x=1", "shoes,\u{1f}hats")
        );
        assert_eq!(f.records, [events[0].rec.as_str(), events[1].rec.as_str()]);
        assert!(read_front("kzq9\u{1f}o\u{1f}0").is_none(), "another version is left alone");
        assert_eq!(owner_of(&front_key("0123456789ab")), Some(("0123456789ab", true)));
        assert_eq!(owner_of(&segment_key("0123456789ab", 7)), Some(("0123456789ab", false)));
        for garbage in [
            "kizuna:consent",
            "kizuna:q.o1",
            "kizuna:q.0123456789ab.",
            "kizuna:q.0123456789ab.x",
            "kizuna:q.0123456789AB",
            "kizuna:q.0123456789ab.1.2",
        ] {
            assert_eq!(owner_of(garbage), None, "{garbage}");
        }
        assert!(
            other_version("kzq3\u{1f}o\u{1f}0")
                && !other_version("kzq2\u{1f}o")
                && !other_version("kzq\u{1f}")
                && !other_version("garbage")
        );
    }

    #[test]
    fn a_front_gives_at_most_max_pages() {
        // Found by tests/fuzz_stored.rs: a page line repeated 40,000 times
        // took seconds to take over, each page looked up among the others.
        let page = "\u{1d}p1\u{1f}https://a.example/\u{1f}\u{1f}\"\"\u{1f}{}\u{1f}\"\"";
        let text = ["kzq2\u{1f}o\u{1f}0", &page.repeat(MAX_PAGES + 5), "\u{1d}0\u{1f}t"].concat();
        let f = read_front(&text).unwrap();
        assert_eq!((f.pages.len(), f.records.len()), (MAX_PAGES, 1));
    }
}
