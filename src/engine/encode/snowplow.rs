//! Snowplow's tracker protocol (`format: 'snowplow'`): a batch is
//! `POST {endpoint}/com.snowplowanalytics.snowplow/tp2` with
//! `{"schema":"iglu:…/payload_data/jsonschema/1-0-4","data":[…]}`, each
//! event an object of string fields. Page views are `e=pv`; every other
//! event is self-describing (`e=ue`, `ue_pr`) under Kizuna's schema for
//! it (`www/schemas/dev.kizuna/`); `co` carries the `web_page` entity (the
//! page view's id), the consent stamp, the slot decision (on exposures)
//! and the session.

use crate::prelude::*;

use crate::engine::page::{Env, Page};
use crate::engine::pipeline::event::{Kind, Parts};
use crate::engine::text::json::{self, write_string};
use crate::engine::text::num::write_u64;
use crate::engine::text::url::strip_ad_ids;

/// The path a Snowplow collector takes POSTed batches on.
pub const PATH: &str = "/com.snowplowanalytics.snowplow/tp2";
const IGLU: &str = "iglu:com.snowplowanalytics.snowplow/";
/// Kizuna's own schemas' vendor.
pub const VENDOR: &str = "iglu:dev.kizuna/";

/// The schema name of a Kizuna event: its name in snake case (`Page
/// Engagement` → `page_engagement`; the three form events share
/// `form_event`); a site's own events are `custom_event`, the name inside.
/// `identify`, `group` and `alias` calls go under their own name.
pub fn schema_of(kind: Kind, name: &str) -> String {
    // Names as they are queued (JSON strings). The schema is derived, not
    // tabled: the pairs are tests/fixtures/snowplow-events.json.
    const OWN: [&str; 15] = [
        "\"Page Engagement\"",
        "\"Scroll Depth\"",
        "\"Link Clicked\"",
        "\"Button Clicked\"",
        "\"Slot Viewed\"",
        "\"Slot Clicked\"",
        "\"Consent Updated\"",
        // The engage build's events (sent through the tracker like a site's).
        "\"Recommendation Viewed\"",
        "\"Recommendation Clicked\"",
        "\"Journey Shown\"",
        "\"Journey Dismissed\"",
        "\"Survey Shown\"",
        "\"Survey Responded\"",
        "\"Survey Dismissed\"",
        "\"Audience Report\"",
    ];
    if !matches!(kind, Kind::Track | Kind::Page) {
        return kind.name().into();
    }
    if matches!(name, "\"Form Started\"" | "\"Form Submitted\"" | "\"Form Abandoned\"") {
        return "form_event".into();
    }
    if !OWN.contains(&name) {
        return "custom_event".into();
    }
    name.bytes().filter(|b| *b != b'"').map(|b| if b == b' ' { '_' } else { b.to_ascii_lowercase() as char }).collect()
}

fn field(out: &mut String, key: &str, value: &str) {
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":");
    write_string(out, value);
}

/// Appends the payload of one event. `sent_at` is the batch's time (`stm`).
pub fn write_event(out: &mut String, p: &Parts, page: &Page, env: &Env, marketing: bool, sent_at: f64) {
    let strip = |u: &str| if marketing { u.to_string() } else { strip_ad_ids(u).unwrap_or_else(|| u.to_string()) };
    out.push_str("{\"e\":\"");
    out.push_str(if p.kind == Kind::Page { "pv" } else { "ue" });
    out.push_str("\",\"p\":\"web\",\"tv\":\"kizuna-");
    out.push_str(env!("CARGO_PKG_VERSION"));
    out.push('"');
    field(out, "eid", p.message_id);
    let mut n = String::new();
    write_u64(&mut n, p.time.max(0.0) as u64);
    field(out, "dtm", &n);
    n.clear();
    write_u64(&mut n, sent_at.max(0.0) as u64);
    field(out, "stm", &n);
    field(out, "duid", p.anonymous_id);
    if let Some(uid) = json::string(p.user_id) {
        field(out, "uid", &uid);
    }
    field(out, "url", &strip(&page.url));
    if !page.referrer.is_empty() {
        field(out, "refr", &strip(&page.referrer));
    }
    field(out, "page", &json::string(&page.title).unwrap_or_default());
    if let Some(lang) = json::string(&env.locale) {
        field(out, "lang", &lang);
    }
    if let Some(tz) = json::string(&env.timezone).filter(|t| !t.is_empty()) {
        field(out, "tz", &tz);
    }
    if let Some(ua) = json::string(&env.user_agent) {
        field(out, "ua", &ua);
    }
    n.clear();
    write_u64(&mut n, u64::from(env.screen.0));
    n.push('x');
    write_u64(&mut n, u64::from(env.screen.1));
    field(out, "res", &n);
    let schema = schema_of(p.kind, p.name);
    if p.kind != Kind::Page {
        let mut ue = String::with_capacity(p.props.len() + p.name.len() + 160);
        ue.push_str("{\"schema\":\"");
        ue.push_str(IGLU);
        ue.push_str("unstruct_event/jsonschema/1-0-0\",\"data\":{\"schema\":\"");
        ue.push_str(VENDOR);
        ue.push_str(&schema);
        ue.push_str("/jsonschema/1-0-0\",\"data\":");
        match p.kind {
            // The user id is the payload's `uid` (alias: the new one).
            Kind::Identify | Kind::Group => {
                ue.push('{');
                if p.kind == Kind::Group {
                    ue.push_str("\"groupId\":");
                    ue.push_str(p.name);
                    ue.push(',');
                }
                ue.push_str("\"traits\":");
                ue.push_str(p.props);
                ue.push('}');
            }
            Kind::Alias => {
                ue.push_str("{\"userId\":");
                ue.push_str(p.user_id);
                ue.push_str(",\"previousId\":");
                ue.push_str(p.name);
                ue.push('}');
            }
            _ if schema == "custom_event" || schema == "form_event" => {
                ue.push_str("{\"name\":");
                ue.push_str(if p.name.is_empty() { "\"\"" } else { p.name });
                ue.push_str(",\"properties\":");
                ue.push_str(p.props);
                ue.push('}');
            }
            _ => ue.push_str(p.props),
        }
        ue.push_str("}}");
        field(out, "ue_pr", &ue);
    }
    let mut co = String::with_capacity(256);
    co.push_str("{\"schema\":\"");
    co.push_str(IGLU);
    co.push_str("contexts/jsonschema/1-0-0\",\"data\":[{\"schema\":\"");
    co.push_str(IGLU);
    co.push_str("web_page/jsonschema/1-0-0\",\"data\":{\"id\":");
    write_string(&mut co, &page.view);
    co.push_str("}},{\"schema\":\"");
    co.push_str(VENDOR);
    co.push_str("consent/jsonschema/1-0-0\",\"data\":");
    p.stamp.write_json(&mut co, true);
    co.push('}');
    if matches!(schema.as_str(), "slot_viewed" | "slot_clicked") {
        // The decision behind the exposure, as an entity a model can join on.
        co.push_str(",{\"schema\":\"");
        co.push_str(VENDOR);
        co.push_str("slot_decision/jsonschema/1-0-0\",\"data\":");
        co.push_str(p.props);
        co.push('}');
    }
    if !p.session.is_empty() {
        co.push_str(",{\"schema\":\"");
        co.push_str(VENDOR);
        co.push_str("session/jsonschema/1-0-0\",\"data\":");
        co.push_str(p.session);
        co.push('}');
    }
    co.push_str("]}");
    field(out, "co", &co);
    out.push('}');
}

/// The start of a batch.
pub fn open_batch(out: &mut String) {
    out.push_str("{\"schema\":\"");
    out.push_str(IGLU);
    out.push_str("payload_data/jsonschema/1-0-4\",\"data\":[");
}

/// The end of a batch.
pub fn close_batch(out: &mut String) {
    out.push_str("]}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::consent::{Categories, Category, Choice};

    fn parts<'a>(kind: Kind, name: &'a str, user: &'a str, props: &'a str) -> Parts<'a> {
        Parts {
            kind,
            category: Category::Analytics,
            stamp: Categories([Choice::Granted, Choice::Unknown, Choice::Denied]),
            time: 1_795_363_980_123.0,
            page: 1,
            message_id: "7d3c2b1a-0f9e-4d8c-b7a6-958473625140",
            anonymous_id: "0f8e2d5c-9b1a-4c3e-8d7f-6a5b4c3d2e1f",
            user_id: user,
            name,
            session: "{\"id\":\"5b1c9e02-7a44-4f1e-9d3c-2e8a6b0f4c11\",\"index\":3}",
            props,
        }
    }

    fn page() -> Page {
        let mut p = Page::new(1, "https://shop.example/p?gclid=X&a=1", "https://t.co/", "\"P \\\"1\\\"\"", "{}", "");
        p.view = "11111111-2222-4333-8444-555555555555".into();
        p
    }

    fn env() -> Env {
        Env { locale: "\"en-US\"".into(), user_agent: "\"UA\"".into(), screen: (1440, 900), timezone: "\"Asia/Tokyo\"".into() }
    }

    #[test]
    fn a_page_view_is_pv_with_the_web_page_entity_and_no_ad_ids_without_marketing() {
        let mut out = String::new();
        write_event(&mut out, &parts(Kind::Page, "", "", "{}"), &page(), &env(), false, 1_795_363_981_000.0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["e"], "pv");
        assert_eq!(v["url"], "https://shop.example/p?a=1");
        assert_eq!(v["page"], "P \"1\"");
        assert_eq!(v["refr"], "https://t.co/");
        assert_eq!(
            (v["dtm"].as_str(), v["stm"].as_str(), v["res"].as_str(), v["tz"].as_str()),
            (Some("1795363980123"), Some("1795363981000"), Some("1440x900"), Some("Asia/Tokyo"))
        );
        let co: serde_json::Value = serde_json::from_str(v["co"].as_str().unwrap()).unwrap();
        assert_eq!(co["data"][0]["data"]["id"], "11111111-2222-4333-8444-555555555555");
        assert_eq!(co["data"][1]["data"]["personalization"], "unknown");
        assert_eq!(co["data"][2]["data"]["index"], 3);
        assert!(v.get("ue_pr").is_none());
    }

    #[test]
    fn events_are_self_describing_under_their_schema() {
        let mut out = String::new();
        write_event(&mut out, &parts(Kind::Track, "\"Order Completed\"", "\"u-1\"", "{\"revenue\":42.5}"), &page(), &env(), true, 0.0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!((v["e"].as_str(), v["uid"].as_str()), (Some("ue"), Some("u-1")));
        assert!(v["url"].as_str().unwrap().contains("gclid"), "marketing granted: the URL as it is");
        let ue: serde_json::Value = serde_json::from_str(v["ue_pr"].as_str().unwrap()).unwrap();
        assert_eq!(ue["data"]["schema"], "iglu:dev.kizuna/custom_event/jsonschema/1-0-0");
        assert_eq!(ue["data"]["data"], serde_json::json!({"name": "Order Completed", "properties": {"revenue": 42.5}}));
        out.clear();
        write_event(&mut out, &parts(Kind::Track, "\"Scroll Depth\"", "", "{\"depth\":50}"), &page(), &env(), true, 0.0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let ue: serde_json::Value = serde_json::from_str(v["ue_pr"].as_str().unwrap()).unwrap();
        assert_eq!(ue["data"], serde_json::json!({"schema": "iglu:dev.kizuna/scroll_depth/jsonschema/1-0-0", "data": {"depth": 50}}));
        out.clear();
        write_event(&mut out, &parts(Kind::Group, "\"acme\"", "\"u-1\"", "{\"plan\":\"team\"}"), &page(), &env(), true, 0.0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let ue: serde_json::Value = serde_json::from_str(v["ue_pr"].as_str().unwrap()).unwrap();
        assert_eq!(
            ue["data"],
            serde_json::json!({"schema": "iglu:dev.kizuna/group/jsonschema/1-0-0", "data": {"groupId": "acme", "traits": {"plan": "team"}}})
        );
        assert_eq!(v["uid"], "u-1");
        out.clear();
        write_event(&mut out, &parts(Kind::Alias, "\"old\"", "\"new\"", "{}"), &page(), &env(), true, 0.0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let ue: serde_json::Value = serde_json::from_str(v["ue_pr"].as_str().unwrap()).unwrap();
        assert_eq!(
            ue["data"],
            serde_json::json!({"schema": "iglu:dev.kizuna/alias/jsonschema/1-0-0", "data": {"userId": "new", "previousId": "old"}})
        );
        assert_eq!(v["uid"], "new");
        out.clear();
        let decision = "{\"slot\":\"hero\",\"variant\":\"shoes\",\"holdout\":false,\"reason\":\"thompson\",\"propensity\":0.750000}";
        write_event(&mut out, &parts(Kind::Track, "\"Slot Viewed\"", "", decision), &page(), &env(), true, 0.0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let co: serde_json::Value = serde_json::from_str(v["co"].as_str().unwrap()).unwrap();
        assert_eq!(co["data"][2]["schema"], "iglu:dev.kizuna/slot_decision/jsonschema/1-0-0");
        assert_eq!(co["data"][2]["data"]["propensity"], 0.75);
    }
}
