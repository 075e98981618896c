//! The data-minimization switches (`privacy.*`), through the simulated
//! edge: what leaves the page of the user agent, the referrer and the
//! user id.

#![cfg(not(target_arch = "wasm32"))]

mod sim;

use kizuna::engine::config::Privacy;
use kizuna::engine::pipeline::event::Kind;
use sim::Sim;

fn config(privacy: &str) -> String {
    format!("{{\"endpoint\":\"/collect\",\"consent\":{{\"mode\":\"opt-out\"}},\"store\":{{\"persist\":false}},\"privacy\":{privacy}}}")
}

fn sent(privacy: &str) -> serde_json::Value {
    let mut s = Sim::new(&config(privacy));
    assert!(s.call(Kind::Identify, "\"ada@example.com\"", "{}", "!v"));
    s.track("Seen", "{}");
    s.advance(1000.0);
    let events: Vec<serde_json::Value> = s.posts.iter().flat_map(|p| p.events()).collect();
    events.into_iter().find(|e| e["event"] == "Seen").expect("the event")
}

#[test]
fn by_default_everything_goes_as_before() {
    let e = sent("{}");
    assert_eq!(e["context"]["userAgent"], "Mozilla/5.0 Test");
    assert_eq!(e["context"]["page"]["referrer"], "https://www.google.com/?ttclid=5".replace("?ttclid=5", ""));
    assert_eq!(e["userId"], "ada@example.com");
}

#[test]
fn each_switch_removes_what_it_says() {
    let e = sent(r#"{"userAgent":"none","referrer":"none","userId":"drop"}"#);
    assert_eq!(e["context"]["userAgent"], "", "no user agent");
    assert_eq!(e["context"]["page"]["referrer"], "");
    assert_eq!(e.get("userId"), None);
    let e = sent(r#"{"userId":"hash","userIdSalt":"s3cret"}"#);
    let want = kizuna::engine::text::sha256::hex(b"s3cretada@example.com");
    assert_eq!(e["userId"], want.as_str(), "SHA-256 of salt + id, never the id");
}

#[test]
fn the_rules_one_by_one() {
    let p = |user_agent: u8, referrer: u8| Privacy { user_agent, referrer, ..Privacy::default() };
    let chrome = "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36\"";
    assert_eq!(p(1, 0).user_agent(chrome), "\"Chrome/120\"");
    assert_eq!(
        p(1, 0).user_agent(
            "\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15\""
        ),
        "\"Safari/17\""
    );
    assert_eq!(
        p(1, 0).user_agent("\"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0\""),
        "\"Firefox/121\""
    );
    assert_eq!(
        p(1, 0).user_agent("\"Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61\""),
        "\"Edg/120\""
    );
    assert_eq!(p(1, 0).user_agent("\"curl/8\""), "\"\"");
    assert_eq!(p(2, 0).user_agent(chrome), "\"\"");
    let r = "https://www.google.com/search?q=rain+jacket&gclid=x#frag";
    assert_eq!(p(0, 0).referrer(r), r);
    assert_eq!(p(0, 1).referrer(r), "https://www.google.com/search");
    assert_eq!(p(0, 2).referrer(r), "https://www.google.com/");
    assert_eq!(p(0, 2).referrer("https://a.example?x=1"), "https://a.example/");
    assert_eq!(p(0, 3).referrer(r), "");
    assert_eq!(p(0, 2).referrer(""), "");
}

#[test]
fn a_user_id_stored_before_the_switch_is_hashed_or_dropped_on_the_next_load() {
    let stored = |v: &str| std::collections::BTreeMap::from([("kizuna:userId".to_string(), v.to_string())]);
    let user = |privacy: &str, v: &str| {
        let mut s = Sim::with_store(&config(privacy), stored(v));
        s.track("Seen", "{}");
        s.advance(1000.0);
        let events: Vec<serde_json::Value> = s.posts.iter().flat_map(|p| p.events()).collect();
        events.into_iter().find(|e| e["event"] == "Seen").expect("the event").get("userId").cloned()
    };
    let hash = kizuna::engine::text::sha256::hex(b"sada");
    assert_eq!(user(r#"{"userId":"hash","userIdSalt":"s"}"#, "ada"), Some(serde_json::json!(hash)));
    assert_eq!(
        user(r#"{"userId":"hash","userIdSalt":"s"}"#, &hash),
        Some(serde_json::json!(hash)),
        "an id stored hashed is not hashed again"
    );
    assert_eq!(user(r#"{"userId":"drop"}"#, "ada"), None);
    assert_eq!(user("{}", "ada"), Some(serde_json::json!("ada")));
}
