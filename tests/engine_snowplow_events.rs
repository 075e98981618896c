//! Which schema each of Kizuna's events goes under in Snowplow's tracker
//! protocol (and the calls that are not events, `identify`, `group`,
//! `alias`), against the golden pairs in `tests/fixtures/snowplow-events.json`
//! (the collector's `eventName` reads the same pairs back, in
//! `tests/warehouse.test.mjs`), and that each schema is published.

use kizuna::engine::encode::snowplow::schema_of;
use kizuna::engine::pipeline::event::Kind;

#[test]
fn every_event_goes_under_its_golden_schema_and_the_schema_is_published() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snowplow-events.json")).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    let pairs = fixture["events"].as_array().unwrap();
    assert!(pairs.len() >= 18);
    for p in pairs {
        let (event, schema) = (p["event"].as_str().unwrap(), p["schema"].as_str().unwrap());
        assert_eq!(schema_of(Kind::Track, &format!("\"{event}\"")), schema, "{event}");
        let file = format!("{}/www/schemas/dev.kizuna/{schema}/jsonschema/1-0-0", env!("CARGO_MANIFEST_DIR"));
        let published: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("{file}"))).unwrap();
        assert_eq!(published["self"]["name"], schema);
    }
    // The calls that are not events go under their own schemas.
    let calls = fixture["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3);
    for c in calls {
        let (kind, schema) = match c["type"].as_str().unwrap() {
            "identify" => (Kind::Identify, c["schema"].as_str().unwrap()),
            "group" => (Kind::Group, c["schema"].as_str().unwrap()),
            "alias" => (Kind::Alias, c["schema"].as_str().unwrap()),
            other => panic!("{other}"),
        };
        assert_eq!(schema_of(kind, if kind == Kind::Identify { "" } else { "\"x\"" }), schema);
        let file = format!("{}/www/schemas/dev.kizuna/{schema}/jsonschema/1-0-0", env!("CARGO_MANIFEST_DIR"));
        let published: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("{file}"))).unwrap();
        assert_eq!(published["self"]["name"], schema);
        assert_eq!(published["additionalProperties"], false, "{schema}");
    }
    // A site's event named like a schema is still its own event.
    assert_eq!(schema_of(Kind::Track, "\"slot_viewed\""), "custom_event");
}
