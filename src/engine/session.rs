//! Sessions: a visit, as the events of every tab of the site share it. A
//! session ends after a stretch of inactivity, or when the visitor arrives
//! again from a campaign or an ad click; its id and its index (the
//! visitor's how-manieth session) go on every event's context.
//!
//! Stored (`kizuna:session`, only while analytics storage is allowed) as
//! `id US index US last-activity-ms US campaign`, so another tab, or the
//! visitor's next visit, continues or counts on from it.

use crate::prelude::*;

use super::text::num::{parse_u64, write_u64};
use super::text::url::AD_ID_PARAMS;
use super::text::{cut, fields};

/// Where the session is kept.
pub const KEY: &str = "kizuna:session";
/// Most time between a write of `last` and the next (another tab only
/// needs it to this precision to judge inactivity).
const REFRESH_MS: f64 = 60_000.0;
const US: char = '\u{1f}';

/// The session state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Session {
    /// Its id (a UUID v4); empty before the first event.
    pub id: String,
    /// 1 for the visitor's first session, then counting.
    pub index: u32,
    /// The last activity, epoch ms.
    pub last: f64,
    /// The campaign it came from (utm parameters and ad click ids).
    pub campaign: String,
    /// When `last` was last written.
    written: f64,
}

/// What an event does to the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touch {
    /// It continues: nothing to write.
    Same,
    /// It continues; `last` is due to be written.
    Refresh,
    /// A new session started.
    New,
}

impl Session {
    /// Reads a stored session; `None` when it is not one.
    pub fn read(text: &str) -> Option<Session> {
        let mut f = fields(text, US as u8);
        let id = f.next()?;
        let index = parse_u64(f.next()?)? as u32;
        let last = parse_u64(f.next()?)? as f64;
        let campaign = f.rest();
        // The id is spliced into every event's context as it is: a UUID's
        // characters only (a quote or a backslash would break the batch).
        let uuid = id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        (uuid && index > 0).then(|| Session { id: id.into(), index, last, campaign: campaign.into(), written: last })
    }

    /// The stored form.
    pub fn write(&self) -> String {
        let mut s = String::with_capacity(64 + self.campaign.len());
        s.push_str(&self.id);
        s.push(US);
        write_u64(&mut s, u64::from(self.index));
        s.push(US);
        write_u64(&mut s, self.last.max(0.0) as u64);
        s.push(US);
        s.push_str(&self.campaign);
        s
    }

    /// An event at `now` on a page whose campaign is `campaign` (empty when
    /// it has none): continues the session or starts the next, with the id
    /// `new_id` gives. A clock that went back continues the session and
    /// never moves `last` backwards.
    pub fn touch(&mut self, now: f64, campaign: &str, timeout_ms: f64, new_id: impl FnOnce() -> String) -> Touch {
        let expired = now - self.last > timeout_ms;
        let arrived = !campaign.is_empty() && campaign != self.campaign;
        if self.id.is_empty() || expired || arrived {
            self.id = new_id();
            // A stored index may be anything up to u32::MAX.
            self.index = self.index.saturating_add(1);
            self.last = now;
            self.written = now;
            if arrived || expired {
                self.campaign = campaign.into();
            }
            return Touch::New;
        }
        if now > self.last {
            self.last = now;
        }
        if self.last - self.written >= REFRESH_MS {
            self.written = self.last;
            return Touch::Refresh;
        }
        Touch::Same
    }

    /// Another tab's (or an earlier visit's) session: the newer wins, so
    /// the tabs of a site share one session and count sessions once.
    pub fn merge(&mut self, other: Session) {
        if other.id == self.id {
            self.last = self.last.max(other.last);
            self.index = self.index.max(other.index);
        } else if other.last > self.last || self.id.is_empty() {
            let index = other.index.max(self.index);
            *self = other;
            self.index = index;
        } else {
            self.index = self.index.max(other.index);
        }
    }

    /// The context member: `{"id":"…","index":n}`.
    pub fn context(&self) -> String {
        let mut s = String::with_capacity(60);
        s.push_str("{\"id\":\"");
        s.push_str(&self.id);
        s.push_str("\",\"index\":");
        write_u64(&mut s, u64::from(self.index));
        s.push('}');
        s
    }
}

/// A page's campaign: its `utm_*` object when it has one, and the ad click
/// ids in its URL (the ones stripped without marketing consent,
/// [`AD_ID_PARAMS`]); empty when neither.
pub fn campaign_of(url: &str, utm: &str) -> String {
    let mut out = String::new();
    if utm != "{}" {
        out.push_str(utm);
    }
    let query = cut(cut(url, b'#').0, b'?').1;
    for pair in fields(query, b'&') {
        let (k, v) = cut(pair, b'=');
        if AD_ID_PARAMS.iter().any(|p| k.eq_ignore_ascii_case(p)) {
            out.push(' ');
            out.push_str(k);
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 60_000.0;

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("00000000-0000-4000-8000-{n:012}")
        }
    }

    #[test]
    fn inactivity_ends_a_session_activity_keeps_it() {
        let mut next = ids();
        let mut s = Session::default();
        assert_eq!(s.touch(0.0, "", 30.0 * MIN, &mut next), Touch::New);
        assert_eq!((s.index, s.id.as_str()), (1, "00000000-0000-4000-8000-000000000001"));
        assert_eq!(s.touch(29.0 * MIN, "", 30.0 * MIN, &mut next), Touch::Refresh);
        assert_eq!(s.touch(58.0 * MIN, "", 30.0 * MIN, &mut next), Touch::Refresh, "29 minutes after the last activity");
        assert_eq!(s.touch(88.5 * MIN, "", 30.0 * MIN, &mut next), Touch::New, "30.5 minutes idle");
        assert_eq!(s.index, 2);
    }

    #[test]
    fn a_new_campaign_or_click_id_starts_a_session_an_internal_page_does_not() {
        let mut next = ids();
        let mut s = Session::default();
        s.touch(0.0, "{\"source\":\"news\"}", 30.0 * MIN, &mut next);
        assert_eq!(s.touch(1000.0, "", 30.0 * MIN, &mut next), Touch::Same, "no campaign: the same visit");
        assert_eq!(s.touch(2000.0, "{\"source\":\"news\"}", 30.0 * MIN, &mut next), Touch::Same, "the same campaign again");
        assert_eq!(s.touch(3000.0, " gclid=abc", 30.0 * MIN, &mut next), Touch::New, "an ad click");
        assert_eq!(s.index, 2);
        assert_eq!(campaign_of("https://s.example/?a=1&gclid=abc#x", "{}"), " gclid=abc");
        assert_eq!(campaign_of("https://s.example/?utm_source=n", "{\"source\":\"n\"}"), "{\"source\":\"n\"}");
        assert_eq!(campaign_of("https://s.example/p?q=gclid", "{}"), "");
    }

    #[test]
    fn a_clock_that_goes_back_continues_the_session() {
        let mut next = ids();
        let mut s = Session::default();
        s.touch(100.0 * MIN, "", 30.0 * MIN, &mut next);
        assert_eq!(s.touch(40.0 * MIN, "", 30.0 * MIN, &mut next), Touch::Same);
        assert_eq!(s.last, 100.0 * MIN, "last never moves back");
        assert_eq!(s.touch(125.0 * MIN, "", 30.0 * MIN, &mut next), Touch::Refresh, "25 minutes after the real last activity");
        assert_eq!(s.index, 1);
    }

    #[test]
    fn stored_sessions_round_trip_and_merge_newest_first() {
        let mut next = ids();
        let mut a = Session::default();
        a.touch(0.0, "{\"source\":\"x\"}", 30.0 * MIN, &mut next);
        let back = Session::read(&a.write()).unwrap();
        assert_eq!((back.id.as_str(), back.index, back.last, back.campaign.as_str()), (a.id.as_str(), 1, 0.0, "{\"source\":\"x\"}"));
        assert!(Session::read("junk").is_none());
        let mut b = Session::default();
        b.merge(back.clone());
        assert_eq!(b.id, a.id, "a tab that has none takes the stored one");
        let mut c = back.clone();
        c.touch(5.0 * MIN, "", 30.0 * MIN, &mut next);
        let mut older = back;
        older.merge(c.clone());
        assert_eq!(older.last, 5.0 * MIN);
        let mut d = Session::default();
        d.touch(90.0 * MIN, "", 30.0 * MIN, &mut next);
        d.merge(c);
        assert_eq!(d.index, 1, "the newer session stays");
        assert_eq!(d.context(), format!("{{\"id\":\"{}\",\"index\":1}}", d.id));
    }

    #[test]
    fn a_damaged_stored_session_is_no_session_and_a_huge_index_saturates() {
        // Found by tests/fuzz_stored.rs: DEL (or a quote, a backslash) in
        // a 36-byte id went into every event's context as it was.
        for id in [
            "dbe1cb0e-94b3-4318-ac84-97017dba1a8\"",
            "dbe1cb0e-94b3-4318-ac84-97017dba1a8\\",
            "dbe1cb0e-94b3-4318-ac84-97017dba1a8\u{7f}",
            "dbe1cb0e-94b3-4318-ac84-97017dba1 é",
        ] {
            assert_eq!(Session::read(&[id, "\u{1f}1\u{1f}0\u{1f}"].concat()), None, "{id}");
        }
        // And an index of u32::MAX overflowed (a panic in a debug build)
        // when the next session started.
        let mut s = Session::read("dbe1cb0e-94b3-4318-ac84-97017dba1a89\u{1f}4294967295\u{1f}0\u{1f}").unwrap();
        assert_eq!(s.touch(100.0 * MIN, "", 30.0 * MIN, ids()), Touch::New);
        assert_eq!(s.index, u32::MAX);
    }
}
