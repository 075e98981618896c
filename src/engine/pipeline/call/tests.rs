//! Unit tests of call checking: clean values kept, bad values left out
//! and named, bad names and ids dropping the call, options, each call's
//! argument forms.

use super::*;

fn slow(kind: Kind, a: &str, b: &str, c: &str) -> Result<Checked, String> {
    check(&Call { kind, fast: false, args: [a, b, c] })
}

#[test]
fn keeps_plain_values_and_their_order() {
    let c = slow(Kind::Track, "\"Viewed\"", r#"{"sku":"A1","price":19.9,"ok":true,"none":null,"tags":["x"]}"#, "!v").unwrap();
    assert_eq!(c.props, r#"{"sku":"A1","price":19.9,"ok":true,"none":null,"tags":["x"]}"#);
    assert_eq!(c.name, "\"Viewed\"");
    assert_eq!(c.label(), "track('Viewed')");
    assert_eq!(c.warning, None);
}

#[test]
fn leaves_out_every_kind_of_bad_value_and_names_its_path() {
    let c = slow(
        Kind::Track,
        "\"Bad\"",
        r#"{"f":!f,"s":!s,"b":!b,"u":!v,"n":!n,"i":!i,"m":!o"Map","nested":{"self":!c,"deep":!d,"ok":1},"list":[1,!f,!v],"bad":!t,"get":!u}"#,
        "!v",
    )
    .unwrap();
    assert_eq!(c.props, r#"{"nested":{"ok":1},"list":[1,null,null]}"#);
    assert_eq!(
        c.warning.as_deref(),
        Some(
            "track('Bad'): properties.f is a function, properties.s is a symbol, properties.b is a BigInt, properties.n is NaN, \
properties.i is an infinite number, properties.m is a Map, not a plain object, properties.nested.self is a circular reference, \
properties.nested.deep is nested too deeply, properties.list[1] is a function, properties.bad is an invalid Date, \
properties.get is unreadable (reading it threw); those values were left out and the event was sent"
        )
    );
}

#[test]
fn bad_names_drop_the_call() {
    for (a, why) in [
        ("!v", "track(): the event name is missing; event dropped"),
        ("42", "track(): the event name must be a string, got a number; event dropped"),
        ("\"  \"", "track('  '): the event name is empty; event dropped"),
        ("!f", "track(): the event name must be a string, got a function; event dropped"),
    ] {
        assert_eq!(slow(Kind::Track, a, "!v", "!v").unwrap_err(), why);
    }
    let long = json::quoted(&"é".repeat(256));
    assert!(slow(Kind::Track, &long, "!v", "!v").unwrap_err().contains("longer than 255"));
    assert!(slow(Kind::Track, &json::quoted(&"é".repeat(255)), "!v", "!v").is_ok());
}

#[test]
fn non_object_properties_are_sent_without_them() {
    let c = slow(Kind::Track, "\"X\"", "\"text\"", "!v").unwrap();
    assert_eq!(c.props, "{}");
    assert!(c.warning.unwrap().contains("properties must be a plain object, got a string (sent without them)"));
    let c = slow(Kind::Track, "\"X\"", "!o\"Map\"", "!v").unwrap();
    assert!(c.warning.unwrap().contains("got Map"));
    let c = slow(Kind::Track, "\"X\"", "!u", "!v").unwrap();
    assert!(c.warning.unwrap().contains("got unreadable (reading it threw)"));
}

#[test]
fn options_set_the_message_id_and_category() {
    let c = slow(Kind::Track, "\"X\"", "{}", r#"{"messageId":"m-1","category":"marketing"}"#).unwrap();
    assert_eq!((c.message_id.as_deref(), c.category), (Some("m-1"), Category::Marketing));
    let c = slow(Kind::Track, "\"X\"", "{}", r#"{"messageId":"has space","category":"ads","colour":1}"#).unwrap();
    assert_eq!((c.message_id, c.category), (None, Category::Analytics));
    let w = c.warning.unwrap();
    assert!(
        w.contains("options.messageId must be")
            && w.contains("options.category must be")
            && w.contains("options.colour is not a known option"),
        "{w}"
    );
}

#[test]
fn page_and_identify_take_their_arguments_either_way() {
    let c = slow(Kind::Page, r#"{"a":1}"#, r#"{"category":"x"}"#, "!v").unwrap();
    assert_eq!((c.name.as_str(), c.props.as_str(), c.category), ("", r#"{"a":1}"#, Category::Analytics));
    let c = slow(Kind::Page, "\"Home\"", "!v", "!v").unwrap();
    assert_eq!((c.name.as_str(), c.label().as_str()), ("\"Home\"", "page('Home')"));
    let c = slow(Kind::Identify, "\"user-42\"", r#"{"plan":"pro","f":!f}"#, "!v").unwrap();
    assert_eq!((c.user_id.as_deref(), c.props.as_str()), (Some("user-42"), r#"{"plan":"pro"}"#));
    assert!(c.warning.unwrap().contains("traits.f is a function"));
    let c = slow(Kind::Identify, "42", "!v", "!v").unwrap();
    assert_eq!(c.user_id.as_deref(), Some("42"));
    let c = slow(Kind::Identify, r#"{"plan":"x"}"#, "!v", "!v").unwrap();
    assert_eq!((c.user_id, c.props.as_str()), (None, r#"{"plan":"x"}"#));
    assert!(slow(Kind::Identify, "true", "!v", "!v").unwrap_err().contains("the user id must be a string, got a boolean"));
    assert!(slow(Kind::Identify, "\"\"", "!v", "!v").unwrap_err().contains("non-empty string of at most 255"));
    assert!(slow(Kind::Identify, "\"u\"", "[1]", "!v").unwrap_err().contains("traits must be a plain object, got an array"));
}

#[test]
fn group_takes_an_id_like_identify_and_traits() {
    let c = slow(Kind::Group, "\"acme\"", r#"{"plan":"team","f":!f}"#, r#"{"messageId":"g-1"}"#).unwrap();
    assert_eq!(
        (c.name.as_str(), c.user_id.as_deref(), c.props.as_str(), c.message_id.as_deref()),
        ("\"acme\"", None, r#"{"plan":"team"}"#, Some("g-1"))
    );
    assert_eq!(c.label(), "group()");
    assert_eq!(c.warning.as_deref(), Some("group(): traits.f is a function; those values were left out and the event was sent"));
    assert_eq!(slow(Kind::Group, "42", "!v", "!v").unwrap().name, "\"42\"");
    // The id written as JSON, whatever escapes the edge chose.
    assert_eq!(slow(Kind::Group, "\"\\u0061cme\"", "!v", "!v").unwrap().name, "\"acme\"");
    let c = slow(Kind::Group, r#"{"seats":5}"#, r#"{"category":"marketing"}"#, "!v").unwrap();
    assert_eq!((c.name.as_str(), c.props.as_str(), c.category), ("", r#"{"seats":5}"#, Category::Marketing), "traits only: the kept group");
    assert_eq!(slow(Kind::Group, "!v", "!v", "!v").unwrap().name, "");
    assert!(slow(Kind::Group, &json::quoted(&"é".repeat(255)), "!v", "!v").is_ok());
}

#[test]
fn group_bad_input_drops_the_call() {
    for (a, b, why) in [
        ("true", "!v", "group(): the group id must be a string, got a boolean; event dropped"),
        ("[1]", "!v", "group(): the group id must be a string, got an array; event dropped"),
        ("!f", "!v", "group(): the group id must be a string, got a function; event dropped"),
        ("1.5", "!v", "group(): the group id must be a string, got a number that is not a whole number; event dropped"),
        ("\"\"", "!v", "group(): the group id must be a non-empty string of at most 255 characters; event dropped"),
        ("\" \"", "!v", "group(): the group id must be a non-empty string of at most 255 characters; event dropped"),
        (
            &json::quoted(&"é".repeat(256)),
            "!v",
            "group(): the group id must be a non-empty string of at most 255 characters; event dropped",
        ),
        ("!l", "!v", "group(): the group id is longer than 255 characters; event dropped"),
        ("\"acme\"", "[1]", "group(): traits must be a plain object, got an array; event dropped"),
        ("\"acme\"", "\"t\"", "group(): traits must be a plain object, got a string; event dropped"),
        ("\"acme\"", "!o\"Map\"", "group(): traits must be a plain object, got Map; event dropped"),
        ("\"acme\"", "!l", "group(): the properties are too large: the event would be over the limit of its size; event dropped"),
    ] {
        assert_eq!(slow(Kind::Group, a, b, "!v").unwrap_err(), why, "{a} {b}");
    }
}

#[test]
fn alias_takes_the_new_user_id_and_a_previous_id() {
    let c = slow(Kind::Alias, "\"new\"", "\"old\"", r#"{"messageId":"a-1"}"#).unwrap();
    assert_eq!(
        (c.user_id.as_deref(), c.name.as_str(), c.props.as_str(), c.message_id.as_deref()),
        (Some("new"), "\"old\"", "{}", Some("a-1"))
    );
    assert_eq!(c.label(), "alias()");
    let c = slow(Kind::Alias, "7", "!v", "!v").unwrap();
    assert_eq!((c.user_id.as_deref(), c.name.as_str()), (Some("7"), ""), "no previous id: the tracker's default");
    let c = slow(Kind::Alias, "\"new\"", "null", r#"{"category":"necessary"}"#).unwrap();
    assert_eq!((c.name.as_str(), c.category), ("", Category::Necessary));
    let c = slow(Kind::Alias, "\"new\"", r#"{"messageId":"a-2"}"#, "!v").unwrap();
    assert_eq!((c.name.as_str(), c.message_id.as_deref()), ("", Some("a-2")), "alias(userId, options)");
    let c = slow(Kind::Alias, "\"new\"", "\"old\"", r#"{"colour":1}"#).unwrap();
    assert_eq!(
        c.warning.as_deref(),
        Some("alias(): options.colour is not a known option; those values were left out and the event was sent")
    );
}

#[test]
fn alias_bad_input_drops_the_call() {
    for (a, b, why) in [
        ("!v", "!v", "alias(): the user id is missing; event dropped"),
        ("null", "\"old\"", "alias(): the user id is missing; event dropped"),
        ("{}", "!v", "alias(): the user id must be a string, got an object; event dropped"),
        ("true", "!v", "alias(): the user id must be a string, got a boolean; event dropped"),
        ("1e300", "!v", "alias(): the user id must be a string, got a number that is not a whole number; event dropped"),
        ("\"\"", "!v", "alias(): the user id must be a non-empty string of at most 255 characters; event dropped"),
        (&json::quoted(&"x".repeat(256)), "!v", "alias(): the user id must be a non-empty string of at most 255 characters; event dropped"),
        ("!l", "!v", "alias(): the user id is longer than 255 characters; event dropped"),
        ("\"new\"", "false", "alias(): the previous id must be a string, got a boolean; event dropped"),
        ("\"new\"", "[]", "alias(): the previous id must be a string, got an array; event dropped"),
        ("\"new\"", "\"  \"", "alias(): the previous id must be a non-empty string of at most 255 characters; event dropped"),
        (
            "\"new\"",
            &json::quoted(&"x".repeat(256)),
            "alias(): the previous id must be a non-empty string of at most 255 characters; event dropped",
        ),
        ("\"new\"", "!l", "alias(): the previous id is longer than 255 characters; event dropped"),
    ] {
        assert_eq!(slow(Kind::Alias, a, b, "!v").unwrap_err(), why, "{a} {b}");
    }
}
