//! Moving over values without reading them: where a value (or a string
//! literal) ends, and the value a text starts with.

use super::ws;

/// The end of the string literal whose opening quote is at `i`.
pub(super) fn end_of_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// The index just after the value that starts at (or after whitespace
/// from) `i`; `None` when the text is not a value there.
pub fn skip(b: &[u8], i: usize) -> Option<usize> {
    let i = ws(b, i);
    match *b.get(i)? {
        b'"' => end_of_string(b, i),
        b'{' | b'[' => {
            // Brackets are matched by depth only; strings are jumped over.
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = end_of_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        b'!' => {
            let letter = *b.get(i + 1)?;
            if letter == b'o' && b.get(i + 2) == Some(&b'"') {
                end_of_string(b, i + 2)
            } else {
                Some(i + 2)
            }
        }
        _ => {
            let mut j = i;
            while j < b.len() && matches!(b[j], b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'E') {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// The value `v` starts with, trimmed (what follows it is cut off).
pub fn first(v: &str) -> &str {
    let b = v.as_bytes();
    let start = ws(b, 0);
    match skip(b, start) {
        Some(end) => v.get(start..end).unwrap_or(""),
        None => "",
    }
}
