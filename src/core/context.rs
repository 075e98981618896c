//! The context stamped on each event when it is made: the page as it was at
//! call time, and the device facts that do not change during a page view.

use crate::prelude::*;

use super::json::Value;
use super::native::percent_decode;

/// The page an event was made on, captured at call time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageContext {
    /// `location.href`
    pub url: String,
    /// `location.pathname`
    pub path: String,
    /// `document.referrer`
    pub referrer: String,
    /// `document.title`
    pub title: String,
    /// `location.search`, with its leading `?` (empty when none).
    pub search: String,
    /// `utm_*` parameters of the URL, named as Segment names them.
    pub campaign: Vec<(String, String)>,
}

impl PageContext {
    /// Builds the page context from what the browser reports.
    pub fn new(url: &str, title: &str, referrer: &str) -> PageContext {
        let (path, search) = split_url(url);
        PageContext {
            url: url.to_string(),
            path: path.to_string(),
            referrer: referrer.to_string(),
            title: title.to_string(),
            search: search.to_string(),
            campaign: campaign(search),
        }
    }

    /// The same page with every advertising click id (`gclid`, `fbclid`…)
    /// removed from its URLs and without its campaign: what events carry
    /// when `marketing` is not granted.
    pub fn without_ad_ids(&self) -> PageContext {
        let url = strip_ad_ids(&self.url);
        let (path, search) = split_url(&url);
        let (path, search) = (path.to_string(), search.to_string());
        PageContext { path, search, referrer: strip_ad_ids(&self.referrer), title: self.title.clone(), campaign: Vec::new(), url }
    }

    /// Whether events made on this page carry marketing data when
    /// `marketing` is granted: a campaign, or an ad click id in the URL or
    /// the referrer.
    pub fn has_marketing_data(&self) -> bool {
        !self.campaign.is_empty() || has_ad_id(&self.url) || has_ad_id(&self.referrer)
    }

    /// The `page` object of an event's context (also a page event's default properties).
    pub fn to_value(&self) -> Value {
        Value::Object(vec![
            ("path".into(), self.path.as_str().into()),
            ("referrer".into(), self.referrer.as_str().into()),
            ("search".into(), self.search.as_str().into()),
            ("title".into(), self.title.as_str().into()),
            ("url".into(), self.url.as_str().into()),
        ])
    }
}

/// Facts about the browser that hold for the whole page view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnvContext {
    /// `navigator.language`
    pub locale: String,
    /// `navigator.userAgent`
    pub user_agent: String,
    /// `screen.width`
    pub screen_width: f64,
    /// `screen.height`
    pub screen_height: f64,
    /// The IANA time zone, e.g. `Europe/Paris`.
    pub timezone: String,
}

/// Query parameters that identify an ad click (and so the person who
/// clicked): they belong to `marketing`.
pub const AD_ID_PARAMS: [&str; 17] = [
    "gclid", "gclsrc", "gbraid", "wbraid", "dclid", "fbclid", "msclkid", "ttclid", "twclid", "li_fat_id", "epik", "rdt_cid",
    "sccid", "yclid", "igshid", "irclickid", "mc_eid",
];

/// `url` without its ad click id parameters (compared case-insensitively);
/// the rest of the URL is kept byte for byte.
pub fn strip_ad_ids(url: &str) -> String {
    // `get` rather than slicing: `#` is ASCII, and slicing would link panic
    // formatting and Unicode tables into the wasm.
    let (before_hash, hash) = match url.find('#') {
        Some(i) => (url.get(..i).unwrap_or(url), url.get(i..).unwrap_or("")),
        None => (url, ""),
    };
    let Some((base, query)) = before_hash.split_once('?') else { return url.to_string() };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            !AD_ID_PARAMS.iter().any(|p| key.eq_ignore_ascii_case(p))
        })
        .collect();
    if kept.len() == query.split('&').count() {
        return url.to_string();
    }
    let mut out = String::with_capacity(url.len());
    out.push_str(base);
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    out.push_str(hash);
    out
}

/// Whether `url` has an ad click id parameter.
fn has_ad_id(url: &str) -> bool {
    url.contains('?') && strip_ad_ids(url).len() != url.len()
}

/// Splits an absolute URL into its path and its search (`?…`, or empty);
/// the fragment is dropped.
pub fn split_url(url: &str) -> (&str, &str) {
    // `get` instead of indexing: the offsets always fall on ASCII, and
    // indexing would link panic formatting (and Unicode tables) into the wasm.
    let no_hash = url.split('#').next().unwrap_or("");
    let after_scheme = find_bytes(no_hash, "://").map_or(0, |i| i + 3);
    let rest = no_hash.get(after_scheme..).unwrap_or_default();
    let rest = rest.find(['/', '?']).and_then(|i| rest.get(i..)).unwrap_or_default();
    let (path, search) = rest.split_once('?').unwrap_or((rest, ""));
    (if path.is_empty() { "/" } else { path }, if search.is_empty() { "" } else { no_hash.get(no_hash.len() - search.len() - 1..).unwrap_or_default() })
}

/// Byte offset of the first `needle` in `hay` (a plain scan: the needles are
/// tiny, and `str::find` with a string pattern costs 2 KB of wasm).
pub fn find_bytes(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// The query parameters of a search string, percent-decoded.
pub fn query_pairs(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// `utm_*` parameters mapped to Segment's campaign fields
/// (`utm_campaign` → `name`, `utm_source` → `source`, others lose the prefix).
pub fn campaign(search: &str) -> Vec<(String, String)> {
    query_pairs(search)
        .into_iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix("utm_")?;
            let key = if key == "campaign" { "name" } else { key };
            (!key.is_empty() && !v.is_empty()).then(|| (key.to_string(), v))
        })
        .collect()
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
    }

    #[test]
    fn reads_utm_parameters() {
        let c = campaign("?utm_source=news%20letter&utm_medium=email&utm_campaign=fall+sale&utm_term=&x=1&utm_custom=a%C3%A9");
        assert_eq!(
            c,
            vec![
                ("source".to_string(), "news letter".to_string()),
                ("medium".to_string(), "email".to_string()),
                ("name".to_string(), "fall sale".to_string()),
                ("custom".to_string(), "aé".to_string()),
            ]
        );
    }

    #[test]
    fn ad_click_ids_are_stripped_and_the_rest_kept() {
        assert_eq!(strip_ad_ids("https://a.example/p?x=1&gclid=abc&y=%20#h"), "https://a.example/p?x=1&y=%20#h");
        assert_eq!(strip_ad_ids("https://a.example/p?FBCLID=1"), "https://a.example/p");
        assert_eq!(strip_ad_ids("https://a.example/p?gclidx=1"), "https://a.example/p?gclidx=1");
        assert_eq!(strip_ad_ids("https://a.example/"), "https://a.example/");
        let p = PageContext::new("https://a.example/p?utm_source=x&msclkid=9&q=1", "T", "https://r.example/?ttclid=5");
        let q = p.without_ad_ids();
        assert_eq!(q.url, "https://a.example/p?utm_source=x&q=1");
        assert_eq!(q.search, "?utm_source=x&q=1");
        assert_eq!(q.referrer, "https://r.example/");
        assert!(q.campaign.is_empty());
    }

    #[test]
    fn page_context_from_a_url() {
        let p = PageContext::new("http://127.0.0.1:8080/shop?utm_source=x", "Shop", "http://ref.example/");
        assert_eq!(p.path, "/shop");
        assert_eq!(p.search, "?utm_source=x");
        assert_eq!(p.campaign, vec![("source".to_string(), "x".to_string())]);
        assert_eq!(
            p.to_value().to_json(),
            r#"{"path":"/shop","referrer":"http://ref.example/","search":"?utm_source=x","title":"Shop","url":"http://127.0.0.1:8080/shop?utm_source=x"}"#
        );
    }
}
