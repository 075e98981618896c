//! The framing of the edge protocol, the engines' half of its codec (the
//! edge's is `js/edge/protocol.js`). Records and their fields are described
//! once, in `src/engine/protocol.json`: the edge's tables are generated from
//! it (`tools/protocol.mjs`), and the host tests hold every record the
//! engines read and write to it (`tests/codec`, `tests/protocol.rs`).
//!
//! A record is its kind (one byte), its body's length (4 bytes,
//! little-endian) and the body: fields by type, a number (`n`, an f64 in 8
//! bytes) or text (`s`, a 4-byte length then UTF-8). Lengths, never
//! separators: no text can end a field or a record, whatever it holds.
//! A field read past its record's end is 0 or "", so a record cut short
//! or of an older layout is read without a panic.

use crate::prelude::*;

/// One record, read field by field in its layout's order. Reading past its
/// end gives 0 and "".
#[derive(Clone, Debug, PartialEq)]
pub struct Rec<'a> {
    /// What the record is.
    pub kind: u8,
    body: &'a [u8],
    at: usize,
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    let x: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(x) as usize)
}

/// Writes `n` at `at` (a length reserved before).
fn set_u32(b: &mut [u8], at: usize, n: usize) {
    for (i, x) in (n as u32).to_le_bytes().into_iter().enumerate() {
        if let Some(y) = b.get_mut(at + i) {
            *y = x;
        }
    }
}

// Out of line: every record's fields are read through these, so each read
// stays a call.
impl<'a> Rec<'a> {
    /// A record of `kind` over `body` (its fields, already checked).
    pub fn new(kind: u8, body: &'a [u8]) -> Rec<'a> {
        Rec { kind, body, at: 0 }
    }

    /// Bytes of the body not read yet (0: every field was read).
    pub fn left(&self) -> usize {
        self.body.len().saturating_sub(self.at)
    }

    /// The next field, a number.
    #[inline(never)]
    pub fn n(&mut self) -> f64 {
        let Some(x) = self.body.get(self.at..self.at + 8).and_then(|x| <[u8; 8]>::try_from(x).ok()) else { return 0.0 };
        self.at += 8;
        f64::from_le_bytes(x)
    }

    /// The next field, a number taken as an id or count (negative, NaN: 0).
    #[inline(never)]
    pub fn u(&mut self) -> u32 {
        // `as` saturates: negative and NaN are 0, past u32::MAX is its max.
        self.n() as u32
    }

    /// The next field, a number taken as a flag.
    #[inline(never)]
    pub fn flag(&mut self) -> bool {
        self.n() != 0.0
    }

    /// The next field, text ("" when it is not UTF-8: the edge's encoder
    /// never writes that).
    #[inline(never)]
    pub fn s(&mut self) -> &'a str {
        let Some(len) = u32_at(self.body, self.at) else { return "" };
        let Some(bytes) = self.body.get(self.at + 4..self.at + 4 + len) else { return "" };
        self.at += 4 + len;
        if !is_utf8(bytes) {
            return "";
        }
        // SAFETY: `is_utf8` accepts exactly what `core::str::from_utf8`
        // accepts (`tests::is_utf8_agrees_with_core`, every sequence of up to
        // three bytes and random longer ones).
        unsafe { core::str::from_utf8_unchecked(bytes) }
    }
}

/// Whether `b` is UTF-8: what `core::str::from_utf8` accepts (no overlong
/// form, no surrogate, nothing past U+10FFFF), in a third of the wasm
/// bytes of core's check (920 bytes raw, measured with `node tools/size.mjs`).
fn is_utf8(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        // How many continuation bytes follow, and the range of the first.
        let (n, lo, hi) = match c {
            0x00..=0x7f => {
                // ASCII, most of what crosses: eight bytes at a time.
                i += match b.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
                    Some(w) if u64::from_le_bytes(w) & 0x8080_8080_8080_8080 == 0 => 8,
                    _ => 1,
                };
                continue;
            }
            0xc2..=0xdf => (1, 0x80, 0xbf),
            0xe0 => (2, 0xa0, 0xbf),
            0xed => (2, 0x80, 0x9f),
            0xe1..=0xef => (2, 0x80, 0xbf),
            0xf0 => (3, 0x90, 0xbf),
            0xf1..=0xf3 => (3, 0x80, 0xbf),
            0xf4 => (3, 0x80, 0x8f),
            _ => return false,
        };
        if b.get(i + 1).is_none_or(|x| !(lo..=hi).contains(x)) {
            return false;
        }
        for k in 2..=n {
            if b.get(i + k).is_none_or(|x| x & 0xc0 != 0x80) {
                return false;
            }
        }
        i += n + 1;
    }
    true
}

/// The records of `bytes`, in order, to the last whole one. Kinds are the
/// reader's to know: an unknown one is ignored there (a newer edge may say
/// more).
pub fn records(bytes: &[u8]) -> impl Iterator<Item = Rec<'_>> {
    let mut at = 0;
    core::iter::from_fn(move || {
        let kind = *bytes.get(at)?;
        let len = u32_at(bytes, at + 1)?;
        let body = bytes.get(at + 5..at + 5 + len)?;
        at += 5 + len;
        Some(Rec::new(kind, body))
    })
}

/// Records being written: [`Writer::begin`] a record, its fields in order,
/// [`Writer::end`]. A text field may be built from pieces ([`Writer::put`]):
/// its length is written when the next field starts or the record ends.
#[derive(Debug, Default)]
pub struct Writer {
    /// The records so far.
    pub bytes: Vec<u8>,
    record: usize,
    text: Option<usize>,
}

// Out of line and few: every answer goes through these, so each call site
// stays a call.
impl Writer {
    fn close_text(&mut self) {
        if let Some(at) = self.text.take() {
            let len = self.bytes.len().saturating_sub(at + 4);
            set_u32(&mut self.bytes, at, len);
        }
    }

    /// Starts a record of `kind`.
    #[inline(never)]
    pub fn begin(&mut self, kind: u8) -> &mut Writer {
        self.close_text();
        self.record = self.bytes.len();
        self.bytes.extend_from_slice(&[kind, 0, 0, 0, 0]);
        self
    }

    /// A number field.
    #[inline(never)]
    pub fn num(&mut self, n: f64) -> &mut Writer {
        self.close_text();
        self.bytes.extend_from_slice(&n.to_le_bytes());
        self
    }

    /// A text field holding `s` so far (more may be [`Writer::put`]).
    #[inline(never)]
    pub fn field(&mut self, s: &str) -> &mut Writer {
        self.close_text();
        self.text = Some(self.bytes.len());
        self.bytes.extend_from_slice(&[0, 0, 0, 0]);
        self.bytes.extend_from_slice(s.as_bytes());
        self
    }

    /// Appends `s` to the text field being written (starts one if none).
    #[inline(never)]
    pub fn put(&mut self, s: &str) -> &mut Writer {
        if self.text.is_none() {
            return self.field(s);
        }
        self.bytes.extend_from_slice(s.as_bytes());
        self
    }

    /// Appends `n` in decimal to the text field being written.
    #[inline(never)]
    pub fn put_num(&mut self, n: u64) -> &mut Writer {
        let mut s = String::new();
        crate::engine::text::num::write_u64(&mut s, n);
        self.put(&s)
    }

    /// Ends the record: its length is written.
    #[inline(never)]
    pub fn end(&mut self) {
        self.close_text();
        let at = self.record;
        let len = self.bytes.len().saturating_sub(at + 5);
        set_u32(&mut self.bytes, at + 1, len);
    }

    /// Takes what was written.
    pub fn take(&mut self) -> Vec<u8> {
        self.text = None;
        core::mem::take(&mut self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_record_reads_back_and_text_cannot_end_it() {
        let mut w = Writer::default();
        w.begin(b'a').num(7.0).num(503.0).field("x\u{1e}\u{1f}").put("y").end();
        w.begin(b'w').end();
        let b = w.take();
        let mut it = records(&b);
        let mut a = it.next().unwrap();
        assert_eq!((a.kind, a.u(), a.u(), a.s()), (b'a', 7, 503, "x\u{1e}\u{1f}y"));
        assert_eq!((a.n(), a.s()), (0.0, ""), "past the end: 0 and empty");
        assert_eq!(it.next().unwrap().kind, b'w');
        assert!(it.next().is_none());
    }

    #[test]
    fn is_utf8_agrees_with_core() {
        // Every sequence of one, two and three bytes.
        for a in 0..=255u8 {
            assert_eq!(is_utf8(&[a]), core::str::from_utf8(&[a]).is_ok(), "{a:x}");
            for b in 0..=255u8 {
                assert_eq!(is_utf8(&[a, b]), core::str::from_utf8(&[a, b]).is_ok(), "{a:x} {b:x}");
                for c in 0..=255u8 {
                    let s = [a, b, c];
                    assert_eq!(is_utf8(&s), core::str::from_utf8(&s).is_ok(), "{s:x?}");
                }
            }
        }
        // Random longer ones, mostly near valid text, with ASCII runs the
        // eight-byte step takes (a fixed seed).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let pieces: [&[u8]; 8] = [
            b"a",
            "\u{e9}".as_bytes(),
            "\u{65e5}".as_bytes(),
            "\u{1f600}".as_bytes(),
            &[0xf4, 0x90],
            &[0xed, 0xa0, 0x80],
            &[0xc0, 0xaf],
            &[0x80],
        ];
        for _ in 0..100_000 {
            let mut s = Vec::new();
            for _ in 0..(next() % 40) {
                let r = next();
                if r % 5 == 0 {
                    s.push((r >> 8) as u8);
                } else {
                    s.extend_from_slice(pieces[(r >> 8) as usize % pieces.len()]);
                }
            }
            assert_eq!(is_utf8(&s), core::str::from_utf8(&s).is_ok(), "{s:x?}");
        }
    }

    #[test]
    fn bytes_cut_anywhere_give_whole_records_only() {
        let mut w = Writer::default();
        w.begin(b'f').num(3.0).end();
        w.begin(b's').num(4.0).field("text").end();
        let b = w.take();
        for cut in 0..b.len() {
            let n = records(&b[..cut]).count();
            assert_eq!(n, if cut >= 13 { 1 } else { 0 }, "cut at {cut}");
        }
        assert_eq!(records(&b).count(), 2);
    }
}
