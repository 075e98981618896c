//! IAB Global Privacy Platform (`__gpp`): the GPP string a CMP holds, with
//! the sections that apply to the visitor, read for what Kizuna's
//! categories need. US sections (the national `usnat` and every state
//! section, ids 7–27) and the US Privacy string (`uspv1`, id 6):
//!
//! | GPP field | Kizuna |
//! |---|---|
//! | `SaleOptOut`, `SharingOptOut` or `TargetedAdvertisingOptOut` = 1 (opted out) | marketing denied |
//! | all of those the section has = 2 (did not opt out) | marketing granted |
//! | any `SensitiveDataProcessing` = 1 (opted out, or no consent) | personalization denied |
//! | `Gpc` = 1 in the section's GPC segment; `uspv1` opt-out `Y` | as the browser's GPC: marketing denied |
//!
//! `tcfeuv2` (id 2) inside GPP is read like a TCF CMP's answer (purposes
//! from the TC string's core segment; see [`super::tcf`]). Every value is
//! 2 bits after the 6-bit version in the US sections; the table below
//! gives where each field sits in each section (checked against
//! `@iabgpp/cmpapi`'s encoder by `tests/fixtures/gpp.json`, and by the
//! random sections of `tests/fixtures/gpp-random.json`).

use super::tcf::TcfConsent;

const NONE: u8 = 255;

/// Per US section id: the 2-bit positions (after the version) of
/// SaleOptOut, SharingOptOut, TargetedAdvertisingOptOut, the first
/// SensitiveDataProcessing value, and how many there are.
const US: [(u8, u8, u8, u8, u8, u8); 21] = [
    (7, 6, 7, 8, 9, 16),
    (8, 3, 4, NONE, 5, 9),
    (9, 3, NONE, 4, 5, 8),
    (10, 3, NONE, 4, 5, 7),
    (11, 4, NONE, 5, 6, 8),
    (12, 3, NONE, 4, 5, 8),
    (13, 3, NONE, 4, 5, 8),
    (14, 3, NONE, 4, 5, 8),
    (15, 3, NONE, 4, 5, 11),
    (16, 3, NONE, 4, 5, 8),
    (17, 3, NONE, 4, 5, 9),
    (18, 4, NONE, 5, 6, 8),
    (19, 3, NONE, 4, 5, 8),
    (20, 3, NONE, 4, 5, 8),
    (21, 3, NONE, 4, 5, 10),
    (22, 3, NONE, 4, 5, 8),
    (23, 3, NONE, 4, 5, 8),
    // Maryland, Indiana, Kentucky, Rhode Island: the 6 bits are MspaVersion.
    // Maryland has no sensitive-data field; the other three keep theirs in
    // a segment of their own (see `us`).
    (24, 5, NONE, 6, NONE, 0),
    (25, 5, NONE, 6, NONE, 0),
    (26, 5, NONE, 6, NONE, 0),
    (27, 5, NONE, 6, NONE, 0),
];

/// What the sections that apply say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GppConsent {
    /// `tcfeuv2`, when it applies.
    pub tcf: Option<TcfConsent>,
    /// US sections: `Some(false)` opted out of sale, sharing or targeted
    /// advertising; `Some(true)` did not; `None` no US section applies.
    pub marketing: Option<bool>,
    /// A sensitive-data processing opt-out.
    pub sensitive_opt_out: bool,
    /// A section's GPC flag.
    pub gpc: bool,
}

impl GppConsent {
    /// Whether a US section said anything (an opt-out or not, a
    /// sensitive-data opt-out, GPC): the choice's source is then `gpp`.
    pub fn us_signal(&self) -> bool {
        self.marketing.is_some() || self.sensitive_opt_out || self.gpc
    }
}

/// Bits of a base64url text, most significant first.
struct Bits<'a> {
    s: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> Option<u32> {
        let c = *self.s.get(self.at / 6)?;
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        let b = (v >> (5 - self.at % 6)) & 1;
        self.at += 1;
        Some(u32::from(b))
    }

    fn read(&mut self, n: usize) -> Option<u32> {
        let mut v = 0;
        for _ in 0..n {
            v = v << 1 | self.bit()?;
        }
        Some(v)
    }

    /// A Fibonacci-coded integer (terminated by two 1 bits).
    fn fib(&mut self) -> Option<u32> {
        let (mut a, mut b, mut v, mut last) = (1u32, 2u32, 0u32, 0);
        loop {
            let x = self.bit()?;
            if x == 1 && last == 1 {
                return Some(v);
            }
            v = v.checked_add(a * x)?;
            (a, b) = (b, a.checked_add(b)?);
            last = x;
        }
    }
}

/// Reads `gpp` (a GPP string) for the sections in `applicable`; `None`
/// when it cannot be read.
pub fn read(gpp: &str, applicable: &[u32]) -> Option<GppConsent> {
    let mut parts = crate::engine::text::fields(gpp, b'~');
    // The header: type 3, version 1, then the section ids as
    // Fibonacci-coded ranges, each an offset from the last id.
    let mut b = Bits { s: parts.next()?.as_bytes(), at: 0 };
    if b.read(6)? != 3 || b.read(6)? != 1 {
        return None;
    }
    let mut out = GppConsent::default();
    let mut last = 0;
    for _ in 0..b.read(12)? {
        let range = b.bit()? == 1;
        let start = last + b.fib()?;
        let end = if range { start + b.fib()? } else { start };
        if end > 255 {
            return None;
        }
        for id in start..=end {
            let text = parts.next().unwrap_or("");
            if applicable.contains(&id) {
                section(id, text, &mut out);
            }
        }
        last = end;
    }
    Some(out)
}

fn section(id: u32, text: &str, out: &mut GppConsent) {
    if id == 2 {
        out.tcf = tcf_core(text);
    } else if id == 6 {
        // US Privacy: version, notice, opt-out of sale, LSPA ("1YYN").
        if text.as_bytes().get(2) == Some(&b'Y') {
            out.marketing = Some(false);
            out.gpc = true;
        }
    } else {
        us(id, text, out);
    }
}

fn us(id: u32, text: &str, out: &mut GppConsent) {
    let Some(&(_, sale, sharing, targeted, sdp, mut sdp_len)) = US.iter().find(|r| u32::from(r.0) == id) else { return };
    let mut segments = crate::engine::text::fields(text, b'.');
    let core = segments.next().unwrap_or("");
    let value = |unit: u8| -> Option<u32> {
        let mut b = Bits { s: core.as_bytes(), at: 6 + 2 * usize::from(unit) };
        b.read(2)
    };
    let version = Bits { s: core.as_bytes(), at: 0 }.read(6);
    if id == 7 && version == Some(1) {
        sdp_len = 12; // usnat v1: 12 sensitive categories
    }
    // 1 opted out (any), 2 did not (all); none: not applicable.
    let (mut any_out, mut all_in, mut some) = (false, true, false);
    for v in [sale, sharing, targeted].into_iter().filter(|u| *u != NONE).filter_map(value) {
        some = true;
        any_out |= v == 1;
        all_in &= v == 2;
    }
    if any_out {
        out.marketing = Some(false);
    } else if some && all_in && out.marketing.is_none() {
        out.marketing = Some(true);
    }
    if sdp != NONE && (0..sdp_len).filter_map(|i| value(sdp + i)).any(|v| v == 1) {
        out.sensitive_opt_out = true;
    }
    // Indiana, Kentucky and Rhode Island have no GPC segment: the segment
    // after their core is 8 sensitive-data consents from its first bit, no
    // segment type (read as a GPC segment, a "no consent" and a "consent"
    // once made a GPC signal of them).
    let own_sensitive = (25..=27).contains(&id);
    for s in segments {
        let mut b = Bits { s: s.as_bytes(), at: 0 };
        if own_sensitive {
            if (0..8).filter_map(|_| b.read(2)).any(|v| v == 1) {
                out.sensitive_opt_out = true;
            }
        } else if b.read(2) == Some(1) && b.bit() == Some(1) {
            out.gpc = true;
        }
    }
}

/// The purposes of a TC string's core segment, as a TCF CMP would give them.
fn tcf_core(text: &str) -> Option<TcfConsent> {
    let core = crate::engine::text::fields(text, b'.').next()?;
    // Version 6, Created 36, LastUpdated 36, CmpId 12, CmpVersion 12,
    // ConsentScreen 6, ConsentLanguage 12, VendorListVersion 12,
    // TcfPolicyVersion 6, IsServiceSpecific 1, UseNonStandardTexts 1,
    // SpecialFeatureOptIns 12: purposes start at bit 152.
    let mut b = Bits { s: core.as_bytes(), at: 152 };
    let purposes = b.read(24)?;
    let p = |n: u32| purposes >> (24 - n) & 1 == 1;
    Some(TcfConsent::Decided { storage: p(1), granted: [p(7) && p(8) && p(9) && p(10), p(5) && p(6), p(2) && p(3) && p(4)] })
}
