//! The pages events are made on: each context captured by the edge once
//! (not per call), kept while events refer to it, with its wire encoding
//! made once, in both forms: with marketing data (campaign, ad click ids)
//! and without.

use crate::prelude::*;

use super::encode::{LIBRARY_NAME, LIBRARY_VERSION};
use super::text::json::{self, write_string};
use super::text::num::write_u64;
use super::text::url::{split_url, strip_ad_ids};

/// Facts about the browser that hold for the whole page view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Env {
    /// `navigator.language` as a JSON literal.
    pub locale: String,
    /// `navigator.userAgent` as a JSON literal.
    pub user_agent: String,
    /// `screen.width`, `screen.height`.
    pub screen: (u32, u32),
    /// The IANA time zone as a JSON literal (`""` until the edge read it).
    pub timezone: String,
}

/// One page context, as the edge captured it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// The edge's id for it.
    pub id: u32,
    /// `location.href`.
    pub url: String,
    /// `document.referrer`.
    pub referrer: String,
    /// `document.title` as a JSON literal.
    pub title: String,
    /// The URL's `utm_*` parameters, decoded, as a JSON object.
    pub utm: String,
    /// The page's `data-kz-topic` (on html, body or main), as given.
    pub topics: String,
    /// Events (queued, held or handed to the edge) made on it.
    pub refs: u32,
    /// The page view's id (a UUID v4), for Snowplow's `web_page` entity.
    pub view: String,
    /// Its campaign, as sessions compare it ([`crate::engine::session::campaign_of`]),
    /// worked out once here rather than for every event made on it.
    pub campaign: String,
    /// `[without, with]` marketing: the `{path, referrer, search, title,
    /// url}` object, and the open `context` object.
    encoded: Option<[(String, String); 2]>,
}

impl Page {
    /// A page context.
    pub fn new(id: u32, url: &str, referrer: &str, title: &str, utm: &str, topics: &str) -> Page {
        // Spliced into events as they are (and read back from storage):
        // only well-formed JSON.
        let title = if json::kind(title) == json::Kind::String && json::valid(title) { title } else { "\"\"" };
        let utm = if json::kind(utm) == json::Kind::Object && json::valid(utm) { utm } else { "{}" };
        Page {
            id,
            url: url.into(),
            referrer: referrer.into(),
            title: title.into(),
            utm: utm.into(),
            topics: topics.into(),
            refs: 0,
            view: String::new(),
            campaign: super::session::campaign_of(url, utm),
            encoded: None,
        }
    }

    /// Whether events made here carry marketing data when `marketing` is
    /// granted: a campaign, or an ad click id in the URL or the referrer.
    pub fn has_marketing_data(&self) -> bool {
        json::members(&self.utm).next().is_some() || strip_ad_ids(&self.url).is_some() || strip_ad_ids(&self.referrer).is_some()
    }

    /// The value of `utm_<key>`, decoded.
    pub fn utm(&self, key: &str) -> Option<String> {
        json::get(&self.utm, &["utm_", key].concat()).and_then(json::string)
    }

    /// `(page fields, open context)` for events sent with or without
    /// `marketing`.
    pub fn encoded(&mut self, env: &Env, marketing: bool) -> (&str, &str) {
        if self.encoded.is_none() {
            let both = [self.encode(env, false), self.encode(env, true)];
            self.encoded = Some(both);
        }
        match &self.encoded {
            Some(e) => (e[usize::from(marketing)].0.as_str(), e[usize::from(marketing)].1.as_str()),
            None => ("{}", "{"),
        }
    }

    /// Forgets the encodings (the device facts changed).
    pub fn reencode(&mut self) {
        self.encoded = None;
    }

    fn encode(&self, env: &Env, marketing: bool) -> (String, String) {
        let strip = |u: &str| if marketing { u.to_string() } else { strip_ad_ids(u).unwrap_or_else(|| u.to_string()) };
        let url = strip(&self.url);
        let referrer = strip(&self.referrer);
        let (path, search) = split_url(&url);
        let mut fields = String::with_capacity(url.len() * 2 + referrer.len() + self.title.len() + 64);
        fields.push_str("{\"path\":");
        write_string(&mut fields, path);
        fields.push_str(",\"referrer\":");
        write_string(&mut fields, &referrer);
        fields.push_str(",\"search\":");
        write_string(&mut fields, search);
        fields.push_str(",\"title\":");
        fields.push_str(&self.title);
        fields.push_str(",\"url\":");
        write_string(&mut fields, &url);
        fields.push('}');
        let mut ctx = String::with_capacity(fields.len() + env.user_agent.len() + 160);
        ctx.push_str("{\"page\":");
        ctx.push_str(&fields);
        ctx.push_str(",\"locale\":");
        ctx.push_str(lit_or_empty(&env.locale));
        ctx.push_str(",\"userAgent\":");
        ctx.push_str(lit_or_empty(&env.user_agent));
        ctx.push_str(",\"screen\":{\"width\":");
        write_u64(&mut ctx, u64::from(env.screen.0));
        ctx.push_str(",\"height\":");
        write_u64(&mut ctx, u64::from(env.screen.1));
        ctx.push_str("},\"timezone\":");
        ctx.push_str(lit_or_empty(&env.timezone));
        if marketing {
            // utm_campaign → name, utm_source → source, …: Segment's names.
            let mut first = true;
            for (k, v) in json::members(&self.utm) {
                let key = json::string(k).unwrap_or_default();
                let Some(name) = key.strip_prefix("utm_") else { continue };
                if name.is_empty() || json::string(v).is_none_or(|s| s.is_empty()) {
                    continue;
                }
                ctx.push_str(if first { ",\"campaign\":{" } else { "," });
                first = false;
                write_string(&mut ctx, if name == "campaign" { "name" } else { name });
                ctx.push(':');
                ctx.push_str(v);
            }
            if !first {
                ctx.push('}');
            }
        }
        ctx.push_str(",\"library\":{\"name\":\"");
        ctx.push_str(LIBRARY_NAME);
        ctx.push_str("\",\"version\":\"");
        ctx.push_str(LIBRARY_VERSION);
        ctx.push_str("\"}");
        (fields, ctx)
    }
}

fn lit_or_empty(s: &str) -> &str {
    if s.is_empty() {
        "\"\""
    } else {
        s
    }
}

/// The pages still referred to, and the current one.
#[derive(Debug, Default)]
pub struct Pages {
    pages: Vec<Page>,
    /// The page new calls are made on.
    pub current: u32,
}

impl Pages {
    /// Adds (or replaces) a page context.
    pub fn put(&mut self, page: Page) {
        match self.pages.iter_mut().find(|p| p.id == page.id) {
            Some(p) => {
                let refs = p.refs;
                *p = page;
                p.refs = refs;
            }
            None => self.pages.push(page),
        }
    }

    /// The page with `id`.
    pub fn get(&mut self, id: u32) -> Option<&mut Page> {
        self.pages.iter_mut().find(|p| p.id == id)
    }

    /// The page with `id`, read only.
    pub fn peek(&self, id: u32) -> Option<&Page> {
        self.pages.iter().find(|p| p.id == id)
    }

    /// An event now refers to page `id`.
    pub fn retain(&mut self, id: u32) {
        if let Some(p) = self.get(id) {
            p.refs += 1;
        }
    }

    /// An event that referred to page `id` is gone; a page nothing refers
    /// to any more (and that is not the current one) is forgotten.
    pub fn release(&mut self, id: u32) {
        if let Some(p) = self.get(id) {
            p.refs = p.refs.saturating_sub(1);
            if p.refs == 0 {
                self.prune();
            }
        }
    }

    /// Forgets the pages nothing refers to (but the current one).
    pub fn prune(&mut self) {
        let current = self.current;
        self.pages.retain(|p| p.refs > 0 || p.id == current);
    }

    /// Forgets every encoding (the device facts changed).
    pub fn reencode(&mut self) {
        for p in &mut self.pages {
            p.reencode();
        }
    }

    /// The pages events refer to.
    pub fn iter(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(|p| p.refs > 0)
    }

    /// Which pages events refer to, in short (how many, the sum of their
    /// ids): what a stored copy must be rewritten for when it changes.
    pub fn signature(&self) -> (usize, u64) {
        self.iter().fold((0, 0), |(n, s), p| (n + 1, s + u64::from(p.id)))
    }

    /// How many pages are kept.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env { locale: "\"ja-JP\"".into(), user_agent: "\"UA\"".into(), screen: (1920, 1080), timezone: "\"Asia/Tokyo\"".into() }
    }

    #[test]
    fn contexts_with_and_without_marketing() {
        let mut p = Page::new(
            1,
            "https://shop.example/land?utm_source=ads&utm_campaign=fall&gclid=Cj0&x=1#top",
            "https://www.google.com/?ttclid=5",
            "\"Land\"",
            r#"{"utm_source":"ads","utm_campaign":"fall","utm_term":""}"#,
            "",
        );
        assert!(p.has_marketing_data());
        let (fields, ctx) = p.encoded(&env(), true);
        assert_eq!(
            fields,
            r#"{"path":"/land","referrer":"https://www.google.com/?ttclid=5","search":"?utm_source=ads&utm_campaign=fall&gclid=Cj0&x=1","title":"Land","url":"https://shop.example/land?utm_source=ads&utm_campaign=fall&gclid=Cj0&x=1#top"}"#
        );
        assert!(
            ctx.ends_with(
                r#""timezone":"Asia/Tokyo","campaign":{"source":"ads","name":"fall"},"library":{"name":"kizuna","version":"0.2.0"}"#
            ),
            "{ctx}"
        );
        let (fields, ctx) = p.encoded(&env(), false);
        assert_eq!(
            fields,
            r#"{"path":"/land","referrer":"https://www.google.com/","search":"?utm_source=ads&utm_campaign=fall&x=1","title":"Land","url":"https://shop.example/land?utm_source=ads&utm_campaign=fall&x=1#top"}"#
        );
        assert!(!ctx.contains("campaign\":{"), "{ctx}");
        let full = [ctx, ",\"consent\":{}}"].concat();
        serde_json::from_str::<serde_json::Value>(&full).unwrap();
        assert_eq!(p.utm("source").as_deref(), Some("ads"));
    }

    #[test]
    fn pages_are_kept_while_referred_to() {
        let mut pages = Pages::default();
        pages.put(Page::new(1, "https://a/", "", "\"\"", "{}", ""));
        pages.current = 1;
        pages.retain(1);
        pages.put(Page::new(2, "https://a/b", "", "\"\"", "{}", ""));
        pages.current = 2;
        assert_eq!(pages.len(), 2);
        pages.release(1);
        assert_eq!(pages.len(), 1, "page 1 is no longer referred to");
        assert!(pages.peek(2).is_some());
    }
}
