//! URLs as the events carry them: path and search split off, advertising
//! click ids taken out, endpoints checked and made absolute. Plain byte
//! scans: the offsets always fall on ASCII, and `str::find` with string
//! patterns would cost kilobytes of wasm.

use crate::prelude::*;

/// Query parameters that identify an ad click (and so the person who
/// clicked): they belong to `marketing`.
pub const AD_ID_PARAMS: [&str; 17] = [
    "gclid",
    "gclsrc",
    "gbraid",
    "wbraid",
    "dclid",
    "fbclid",
    "msclkid",
    "ttclid",
    "twclid",
    "li_fat_id",
    "epik",
    "rdt_cid",
    "sccid",
    "yclid",
    "igshid",
    "irclickid",
    "mc_eid",
];

/// Byte offset of the first `needle` in `hay`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

fn at(s: &str, from: usize, to: usize) -> &str {
    s.get(from..to).unwrap_or("")
}

/// The path (`/` when empty) and the search (`?…`, or empty when there is
/// nothing after the `?`) of an absolute URL; the fragment is dropped.
pub fn split_url(url: &str) -> (&str, &str) {
    let no_hash = at(url, 0, url.bytes().position(|b| b == b'#').unwrap_or(url.len()));
    let host = find(no_hash, "://").map_or(0, |i| i + 3);
    let rest = at(no_hash, host, no_hash.len());
    let rest = at(rest, rest.bytes().position(|b| b == b'/' || b == b'?').unwrap_or(rest.len()), rest.len());
    let q = rest.bytes().position(|b| b == b'?').unwrap_or(rest.len());
    let (path, search) = (at(rest, 0, q), at(rest, q, rest.len()));
    (if path.is_empty() { "/" } else { path }, if search.len() <= 1 { "" } else { search })
}

/// `url` without its ad click id parameters (matched case-insensitively);
/// the rest is kept byte for byte. `None` when there were none.
pub fn strip_ad_ids(url: &str) -> Option<String> {
    let hash = url.bytes().position(|b| b == b'#').unwrap_or(url.len());
    let q = at(url, 0, hash).bytes().position(|b| b == b'?')?;
    let query = at(url, q + 1, hash);
    let is_ad = |pair: &str| {
        let key = at(pair, 0, pair.bytes().position(|b| b == b'=').unwrap_or(pair.len()));
        AD_ID_PARAMS.iter().any(|p| key.eq_ignore_ascii_case(p))
    };
    if !super::fields(query, b'&').any(is_ad) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    out.push_str(at(url, 0, q));
    let mut sep = '?';
    for pair in super::fields(query, b'&').filter(|p| !is_ad(p)) {
        out.push(sep);
        out.push_str(pair);
        sep = '&';
    }
    out.push_str(at(url, hash, url.len()));
    Some(out)
}

/// The scheme and host of a URL (`https://shop.example` of
/// `https://shop.example/a?b`): everything before the first `/`, `?` or `#`
/// after `://` (or after the start when there is none).
pub fn origin(url: &str) -> &str {
    let host = find(url, "://").map_or(0, |i| i + 3);
    let end = at(url, host, url.len()).bytes().position(|b| b == b'/' || b == b'?' || b == b'#').map_or(url.len(), |j| host + j);
    at(url, 0, end)
}

/// An endpoint made absolute against the page URL (`/collect` on
/// `https://shop.example/a` → `https://shop.example/collect`).
pub fn resolve_endpoint(endpoint: &str, page_url: &str) -> String {
    if !endpoint.starts_with('/') {
        return endpoint.to_string();
    }
    let mut s = String::from(origin(page_url));
    s.push_str(endpoint);
    s
}

/// Characters (code points) in `s`, counted from its UTF-8 lead bytes.
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| (b & 0xc0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        assert_eq!(split_url("https://a.example/p/q?x=1#h"), ("/p/q", "?x=1"));
        assert_eq!(split_url("https://a.example"), ("/", ""));
        assert_eq!(split_url("https://a.example?x"), ("/", "?x"));
        assert_eq!(split_url("http://127.0.0.1:8080/?"), ("/", ""));
        assert_eq!(split_url("http://h/p#frag?no"), ("/p", ""));
    }

    #[test]
    fn ad_click_ids_are_stripped_and_the_rest_kept() {
        assert_eq!(strip_ad_ids("https://a.example/p?x=1&gclid=abc&y=%20#h").as_deref(), Some("https://a.example/p?x=1&y=%20#h"));
        assert_eq!(strip_ad_ids("https://a.example/p?FBCLID=1").as_deref(), Some("https://a.example/p"));
        assert_eq!(strip_ad_ids("https://a.example/p?gclidx=1"), None);
        assert_eq!(strip_ad_ids("https://a.example/"), None);
        assert_eq!(strip_ad_ids("https://a.example/#?gclid=1"), None);
    }

    #[test]
    fn endpoints() {
        assert_eq!(resolve_endpoint("/collect", "https://shop.example/a/b?x=1"), "https://shop.example/collect");
        assert_eq!(resolve_endpoint("/collect", "http://127.0.0.1:8080"), "http://127.0.0.1:8080/collect");
        assert_eq!(resolve_endpoint("/collect", "http://127.0.0.1:8080?x#y"), "http://127.0.0.1:8080/collect");
        assert_eq!(resolve_endpoint("https://c.example/x", "https://shop.example/"), "https://c.example/x");
    }

    #[test]
    fn counts_characters() {
        assert_eq!(char_count("café😀"), 5);
    }
}
