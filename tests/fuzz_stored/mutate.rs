//! Damage as storage meets it: a valid stored value cut short, bytes
//! flipped, inserted or deleted, the formats' own separators (U+001D,
//! U+001E, U+001F, newlines, commas), JSON's quotes and backslashes,
//! control and multi-byte characters put in, fields swapped, lines
//! repeated, numbers made huge, negative or not numbers at all, and values
//! made very long. Every mutant is valid UTF-8: the edge hands stored text
//! over as a JSON literal, so a lone surrogate arrives as U+FFFD (and its
//! escape, `\ud800`, as six characters the readers must take as text).

use crate::fuzzing::Rng;

/// What breaks stored formats when it appears where it should not.
pub const NASTY: &[&str] = &[
    "\u{1d}", "\u{1e}", "\u{1f}", "\n", "\r", "\t", "\"", "\\", "\\\"", "\\ud800", "\\u", "\0", "\u{1}", "\u{7f}", "é", "日", "😀",
    "\u{2028}", "\u{fffd}", "{", "}", "[", "]", ",", ":", " ", "-", "0", "null", "true", "p", "e", "a", "c", "v1\n", "kzq2",
];

/// Numbers (and what looks like one) that overflow, underflow or are not
/// numbers at all.
pub const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "-0",
    "1.5",
    "1e2",
    "1e309",
    "-1e309",
    "1e-400",
    "NaN",
    "Infinity",
    "-Infinity",
    "4294967295",
    "4294967296",
    "999999999999999",
    "9999999999999999",
    "18446744073709551616",
    "99999999999999999999999999999",
    "0x10",
    "01",
    "1.",
    ".5",
    "+1",
    "",
];

/// The separators a stored format may be split on (the first present in
/// `s` is used for swaps and repeats).
const SEPARATORS: &[char] = &['\u{1d}', '\u{1f}', '\n', ',', ':'];

/// The nearest character boundary at or before `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A random character boundary of `s` (its end included).
fn boundary(r: &mut Rng, s: &str) -> usize {
    floor_boundary(s, r.below(s.len() + 1))
}

/// Every prefix of `s` that ends on a character boundary, the empty one
/// included and `s` itself left out: storage cut short anywhere.
pub fn truncations(s: &str) -> impl Iterator<Item = &str> {
    (0..s.len()).filter(|i| s.is_char_boundary(*i)).map(|i| &s[..i])
}

/// `s` with one to three random changes.
pub fn mutate(r: &mut Rng, s: &str) -> String {
    let mut s = s.to_string();
    for _ in 0..1 + r.below(3) {
        s = once(r, &s);
    }
    s
}

/// `s` with one random change.
fn once(r: &mut Rng, s: &str) -> String {
    let at = boundary(r, s);
    let (head, tail) = s.split_at(at);
    match r.below(12) {
        0 => head.to_string(),
        1 => {
            // A few characters gone.
            let end = floor_boundary(s, at + 1 + r.below(8));
            [head, &s[end.max(at)..]].concat()
        }
        2 | 3 => [head, *r.pick(NASTY), tail].concat(),
        4 => {
            // One character replaced.
            let next = tail.chars().next().map_or(0, char::len_utf8);
            [head, *r.pick(NASTY), &tail[next..]].concat()
        }
        5 => {
            // A byte flipped, as a failing disk would: what is no longer
            // UTF-8 arrives as U+FFFD.
            let mut b = s.as_bytes().to_vec();
            if !b.is_empty() {
                let i = r.below(b.len());
                b[i] ^= 1 << r.below(8);
            }
            String::from_utf8_lossy(&b).into_owned()
        }
        6 | 7 => numbers(r, s),
        8 => swap(r, s),
        9 => repeat(r, s),
        10 => {
            // A very long value (past the per-event limit of 32 KB).
            let unit = *r.pick(&["x", "é", "\\\\", "9", "\u{1f}", "\"a\","]);
            [head, &unit.repeat(1 + r.below(40_000 / unit.len())), tail].concat()
        }
        _ => {
            // Text where a JSON string's content was.
            match tail.find('"') {
                Some(q) => {
                    let rest = &tail[q + 1..];
                    let end = rest.find('"').map_or(rest.len(), |e| e);
                    [head, &tail[..=q], *r.pick(NASTY), *r.pick(NASTY), &rest[end..]].concat()
                }
                None => [head, "\"", *r.pick(NASTY), tail].concat(),
            }
        }
    }
}

/// `s` with one run of digits (a counter, a time, a weight) replaced by
/// one of [`NUMBERS`].
fn numbers(r: &mut Rng, s: &str) -> String {
    let runs: Vec<(usize, usize)> = {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_digit() || (b[i] == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
                let start = i;
                i += 1;
                while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], b'.' | b'e' | b'E' | b'+' | b'-')) {
                    i += 1;
                }
                out.push((start, i));
            } else {
                i += 1;
            }
        }
        out
    };
    if runs.is_empty() {
        return s.to_string();
    }
    let (a, b) = *r.pick(&runs);
    [&s[..a], *r.pick(NUMBERS), &s[b..]].concat()
}

/// The separator `s` is split on, with its fields.
fn split(s: &str) -> Option<(char, Vec<&str>)> {
    let sep = SEPARATORS.iter().copied().find(|c| s.contains(*c))?;
    Some((sep, s.split(sep).collect()))
}

/// `s` with two of its fields (or lines) swapped.
fn swap(r: &mut Rng, s: &str) -> String {
    let Some((sep, mut f)) = split(s) else { return s.to_string() };
    let (i, j) = (r.below(f.len()), r.below(f.len()));
    f.swap(i, j);
    f.join(&sep.to_string())
}

/// `s` with one of its fields (or lines) repeated: once, a few times, or a
/// hundred times.
fn repeat(r: &mut Rng, s: &str) -> String {
    let Some((sep, mut f)) = split(s) else { return s.to_string() };
    let i = r.below(f.len());
    let n = *r.pick(&[1, 1, 2, 5, 100]);
    let line = f[i];
    for _ in 0..n {
        f.insert(i, line);
    }
    f.join(&sep.to_string())
}
