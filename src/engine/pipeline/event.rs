//! The event as it waits to be sent: one compact record with everything
//! fixed at call time, and nothing that may still change (the page's
//! context is referenced, marketing data is decided when it is encoded).
//!
//! The record is text, fields separated by U+001F, so that the queue can
//! hand its overflow to the edge (and later to storage) as it is, and take
//! it back without a second format:
//!
//! | # | field |
//! |---|---|
//! | 0 | sequence number |
//! | 1 | kind: `t` track, `p` page, `i` identify, `g` group, `a` alias |
//! | 2 | category code (0 necessary … 3 marketing) |
//! | 3 | consent stamp, one of `g`/`d`/`u` per choosable category |
//! | 4 | call time, epoch ms |
//! | 5 | page id (the context it was made on) |
//! | 6 | message id |
//! | 7 | anonymous id |
//! | 8 | user id as a JSON literal, or empty (alias: the new user id) |
//! | 9 | name as a JSON literal (event or page name; group: the group id; alias: the previous id), or empty |
//! | 10 | session as a JSON object (`{"id":…,"index":…}`), or empty |
//! | 11 | properties (or traits) as a JSON object (alias: `{}`) |
//!
//! No field can hold U+001E or U+001F: ids are printable ASCII and the
//! rest is JSON, whose strings escape control characters.

use crate::prelude::*;

use crate::engine::consent::{Categories, Category};
use crate::engine::text::num::write_u64;
use crate::engine::text::push_ascii;
use crate::engine::text::rng::is_plausible_id;

/// Which call made the event (Segment's `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `track(name, properties)`
    Track,
    /// `page(name?, properties?)`
    Page,
    /// `identify(userId?, traits?)`
    Identify,
    /// `group(groupId?, traits?)`
    Group,
    /// `alias(userId, previousId?)`
    Alias,
}

impl Kind {
    /// The wire name (`track`, `page`, `identify`, `group`, `alias`).
    pub fn name(self) -> &'static str {
        ["track", "page", "identify", "group", "alias"][self as usize]
    }

    fn code(self) -> char {
        ['t', 'p', 'i', 'g', 'a'][self as usize]
    }

    fn from_code(c: &str) -> Kind {
        match c {
            "p" => Kind::Page,
            "i" => Kind::Identify,
            "g" => Kind::Group,
            "a" => Kind::Alias,
            _ => Kind::Track,
        }
    }
}

/// Field separator of a record.
pub const SEP: char = '\u{1f}';

/// An event, ready to wait in the queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The record (see the module docs).
    pub rec: String,
    /// Its encoded size on the wire when it was made (bytes); batches are
    /// cut by the exact size when they are encoded.
    pub size: u32,
    /// When it was queued (epoch ms), for the flush timer.
    pub queued: f64,
}

/// [`Event::size`] for a record of `len` bytes that is not read again (one
/// a segment brings back): its fields, what the wire adds around them (the
/// keys, the consent stamp, the timestamp; 690 bytes for a track call's)
/// and a page context of 480 bytes. Sizes only tell when a batch is full;
/// bodies are cut by what they hold when written.
pub fn estimated_size(len: usize) -> u32 {
    (len + 690) as u32
}

/// What an event is made of, before it becomes a record.
#[derive(Clone, Debug, PartialEq)]
pub struct Parts<'a> {
    /// Which call.
    pub kind: Kind,
    /// Its category.
    pub category: Category,
    /// Consent when the call was made.
    pub stamp: Categories,
    /// Call time, epoch ms.
    pub time: f64,
    /// Page id.
    pub page: u32,
    /// Message id.
    pub message_id: &'a str,
    /// Anonymous id.
    pub anonymous_id: &'a str,
    /// User id literal (empty when none).
    pub user_id: &'a str,
    /// Name literal (empty when none).
    pub name: &'a str,
    /// The session's context object (empty when sessions are off).
    pub session: &'a str,
    /// Properties or traits (a JSON object).
    pub props: &'a str,
}

impl Event {
    /// The record of `parts`, queue sequence number `seq`, queued at `now`.
    pub fn new(seq: u64, p: &Parts, size: usize, now: f64) -> Event {
        let time = p.time.max(0.0) as u64;
        let fields = [p.message_id, p.anonymous_id, p.user_id, p.name, p.session, p.props];
        // The exact length: a block of the allocator's next size class up
        // would hold a typical record (~230 bytes) twice over, and the
        // front holds 48 KiB of them.
        let digits = |mut n: u64| {
            let mut k = 1;
            while n >= 10 {
                n /= 10;
                k += 1;
            }
            k
        };
        let len = digits(seq) + 9 + digits(time) + 1 + digits(u64::from(p.page)) + fields.iter().map(|f| f.len() + 1).sum::<usize>();
        let mut rec = String::with_capacity(len);
        write_u64(&mut rec, seq);
        let [a, b, c] = p.stamp.code();
        let sep = SEP as u8;
        push_ascii(&mut rec, &[sep, p.kind.code() as u8, sep, b'0' + p.category.code(), sep, a, b, c, sep]);
        write_u64(&mut rec, time);
        rec.push(SEP);
        write_u64(&mut rec, u64::from(p.page));
        for f in fields {
            rec.push(SEP);
            rec.push_str(f);
        }
        Event { rec, size: size as u32, queued: now }
    }

    /// Reads a record back (from the edge or storage), queued at `queued`.
    /// `None` when it is not one.
    pub fn from_record(rec: &str, queued: f64) -> Option<Event> {
        let p = parts(rec)?;
        // The page's context is not at hand here: an estimate of its size.
        let size = crate::engine::encode::segment::event_size(&p, 480) as u32;
        Some(Event { rec: rec.into(), size, queued })
    }

    /// A record another page stored, renumbered for this queue: sequence
    /// number `seq`, page id `page` (`map` turns the stored page id into
    /// this engine's). `None` when it is not a record.
    pub fn rebase(rec: &str, seq: u64, map: impl Fn(u32) -> u32, queued: f64) -> Option<Event> {
        let p = parts(rec)?;
        let mut f = crate::engine::text::fields(rec, SEP as u8);
        let mut out = String::with_capacity(rec.len() + 8);
        write_u64(&mut out, seq);
        f.next();
        // Kind, category, stamp and time as they were.
        for _ in 1..5 {
            out.push(SEP);
            out.push_str(f.next()?);
        }
        out.push(SEP);
        write_u64(&mut out, u64::from(map(p.page)));
        f.next();
        out.push(SEP);
        out.push_str(f.rest());
        Event::from_record(&out, queued)
    }

    /// Whether `rec`, read from storage (where anything may have been
    /// written), is a record [`Event::new`] could have made: every field in
    /// its place and of its type, so that it can go into a batch as it is.
    pub fn well_formed(rec: &str) -> bool {
        use crate::engine::text::json::{kind, valid, Kind as J};
        let Some(p) = parts(rec) else { return false };
        let mut f = crate::engine::text::fields(rec, SEP as u8);
        let head: [&str; 4] = [f.next().unwrap_or(""), f.next().unwrap_or(""), f.next().unwrap_or(""), f.next().unwrap_or("")];
        let literal = |s: &str, what: J| kind(s) == what && valid(s);
        matches!(head[1], "t" | "p" | "i" | "g" | "a")
            && matches!(head[2], "0" | "1" | "2" | "3")
            && head[3].len() == 3
            && head[3].bytes().all(|c| matches!(c, b'g' | b'd' | b'u'))
            && is_plausible_id(p.message_id)
            && is_plausible_id(p.anonymous_id)
            && (p.user_id.is_empty() || literal(p.user_id, J::String))
            // Track's name, group's id and alias's previous id are required.
            && (if matches!(p.kind, Kind::Track | Kind::Group | Kind::Alias) { literal(p.name, J::String) } else { p.name.is_empty() || literal(p.name, J::String) })
            && (p.kind != Kind::Alias || !p.user_id.is_empty())
            && (p.session.is_empty() || (literal(p.session, J::Object) && finite(p.session)))
            && literal(p.props, J::Object)
            && finite(p.props)
    }

    /// The fields of the record.
    pub fn parts(&self) -> Parts<'_> {
        // Records are made by `Event::new` or checked by `from_record`.
        parts(&self.rec).unwrap_or(Parts {
            kind: Kind::Track,
            category: Category::Necessary,
            stamp: Categories::from_code(""),
            time: 0.0,
            page: 0,
            message_id: "",
            anonymous_id: "",
            user_id: "",
            name: "",
            session: "",
            props: "{}",
        })
    }

    /// The sequence number.
    pub fn seq(&self) -> u64 {
        let end = self.rec.bytes().position(|b| b == SEP as u8).unwrap_or(0);
        crate::engine::text::num::parse_u64(self.rec.get(..end).unwrap_or("")).unwrap_or(0)
    }

    /// The page id (read off the record without parsing the rest).
    pub fn page(&self) -> u32 {
        let page = crate::engine::text::fields(&self.rec, SEP as u8).nth(5).unwrap_or("");
        crate::engine::text::num::parse_u64(page).unwrap_or(0) as u32
    }

    /// The category (read off the record without parsing the rest).
    pub fn category(&self) -> Category {
        let b = self.rec.as_bytes();
        let mut seps = 0;
        for (i, &c) in b.iter().enumerate() {
            if c == SEP as u8 {
                seps += 1;
                if seps == 2 {
                    return Category::from_code(b.get(i + 1).map_or(0, |d| d.wrapping_sub(b'0')));
                }
            }
        }
        Category::Necessary
    }
}

/// Whether every number in the JSON value `v` (valid: its nesting is
/// bounded) is finite as a double. `1e400` is in JSON's grammar, but
/// `JSON.stringify` never writes one, so in stored text it is damage, and
/// a collector that reads numbers as doubles (Go's, serde_json) refuses
/// the whole batch over it.
pub fn finite(v: &str) -> bool {
    use crate::engine::text::json::{items, kind, members, number, Kind as J};
    match kind(v) {
        J::Number => number(v).is_some_and(f64::is_finite),
        J::Object => members(v).all(|(_, x)| finite(x)),
        J::Array => items(v).all(finite),
        _ => true,
    }
}

fn parts(rec: &str) -> Option<Parts<'_>> {
    let mut f = crate::engine::text::fields(rec, SEP as u8);
    let _seq = crate::engine::text::num::parse_u64(f.next()?)?;
    let kind = Kind::from_code(f.next()?);
    let category = Category::from_code(f.next()?.bytes().next()?.wrapping_sub(b'0'));
    let stamp = Categories::from_code(f.next()?);
    let time = crate::engine::text::num::parse_u64(f.next()?)? as f64;
    let page = crate::engine::text::num::parse_u64(f.next()?)? as u32;
    Some(Parts {
        kind,
        category,
        stamp,
        time,
        page,
        message_id: f.next()?,
        anonymous_id: f.next()?,
        user_id: f.next()?,
        name: f.next()?,
        session: f.next()?,
        props: f.rest(),
    })
    // A record cut after its session has no properties: not a record.
    .filter(|p| !p.props.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::consent::Choice;

    #[test]
    fn records_round_trip() {
        let p = Parts {
            kind: Kind::Identify,
            category: Category::Marketing,
            stamp: Categories([Choice::Granted, Choice::Unknown, Choice::Denied]),
            time: 1_795_363_980_123.0,
            page: 7,
            message_id: "m-1",
            anonymous_id: "a-1",
            user_id: "\"u\\u001f1\"",
            name: "",
            session: "",
            props: "{\"plan\":\"pro\"}",
        };
        let e = Event::new(42, &p, 100, 5.0);
        assert_eq!(e.rec.capacity(), e.rec.len(), "made at its exact length");
        assert_eq!(e.seq(), 42);
        assert_eq!((e.page(), e.category()), (7, Category::Marketing), "read off the record as parts() reads them");
        assert_eq!(e.parts(), p);
        assert_eq!(Event::from_record(&e.rec, 5.0).unwrap().parts(), p);
        assert_eq!(Event::from_record("nonsense", 0.0), None);
        let moved = Event::rebase(&e.rec, 3, |id| id + 100, 9.0).unwrap();
        assert_eq!(moved.seq(), 3);
        assert_eq!(moved.parts(), Parts { page: 107, ..p.clone() });
        assert_eq!(moved.page(), 107);
        assert_eq!(Event::rebase("1\u{1f}t", 3, |id| id, 0.0), None);
        assert_eq!(Event::from_record("", 0.0), None);
    }

    #[test]
    fn a_stored_record_cut_after_its_session_or_with_an_infinite_number_is_damaged() {
        let p = Parts {
            kind: Kind::Track,
            category: Category::Analytics,
            stamp: Categories([Choice::Granted; 3]),
            time: 1_795_363_980_123.0,
            page: 1,
            message_id: "m-1",
            anonymous_id: "a-1",
            user_id: "",
            name: "\"E\"",
            session: "{\"id\":\"s\",\"index\":1}",
            props: "{\"n\":1}",
        };
        let rec = Event::new(0, &p, 100, 0.0).rec;
        assert!(Event::well_formed(&rec));
        // Found by tests/fuzz_stored.rs: the session was read again as the
        // properties of a record cut after it.
        let cut = &rec[..rec.rfind(SEP).unwrap()];
        assert!(!Event::well_formed(cut) && Event::from_record(cut, 0.0).is_none(), "{cut}");
        // And `1e309` in stored properties made the batch one serde_json
        // (and Go's collectors) refuse.
        for props in ["{\"n\":1e309}", "{\"a\":[1,{\"b\":-1e400}]}"] {
            assert!(!Event::well_formed(&Event::new(0, &Parts { props, ..p.clone() }, 100, 0.0).rec), "{props}");
        }
        assert!(!Event::well_formed(&Event::new(0, &Parts { session: "{\"index\":1e999}", ..p.clone() }, 100, 0.0).rec));
        assert!(finite("{\"a\":[1.7976931348623157e308,1e-400,\"1e999\",null]}"));
    }

    #[test]
    fn group_and_alias_records_round_trip_and_are_well_formed() {
        let p = Parts {
            kind: Kind::Group,
            category: Category::Analytics,
            stamp: Categories([Choice::Granted; 3]),
            time: 1_795_363_980_123.0,
            page: 1,
            message_id: "m-1",
            anonymous_id: "a-1",
            user_id: "\"u\"",
            name: "\"acme\"",
            session: "",
            props: "{\"plan\":\"team\"}",
        };
        let rec = Event::new(0, &p, 100, 0.0).rec;
        assert!(rec.contains("\u{1f}g\u{1f}") && Event::well_formed(&rec));
        assert_eq!(Event::from_record(&rec, 0.0).unwrap().parts(), p);
        assert!(!Event::well_formed(&Event::new(0, &Parts { name: "", ..p.clone() }, 100, 0.0).rec), "a group needs its id");
        let a = Parts { kind: Kind::Alias, user_id: "\"new\"", name: "\"old\"", props: "{}", ..p.clone() };
        let rec = Event::new(0, &a, 100, 0.0).rec;
        assert!(rec.contains("\u{1f}a\u{1f}") && Event::well_formed(&rec));
        assert_eq!(Event::from_record(&rec, 0.0).unwrap().parts(), a);
        assert!(!Event::well_formed(&Event::new(0, &Parts { user_id: "", ..a.clone() }, 100, 0.0).rec), "an alias needs its user id");
        assert!(!Event::well_formed(&Event::new(0, &Parts { name: "", ..a.clone() }, 100, 0.0).rec), "and its previous id");
        assert!(!Event::well_formed(&rec.replace("\u{1f}a\u{1f}", "\u{1f}x\u{1f}")), "an unknown kind is damage");
    }
}
