//! Unit tests of the JSON reader and writer: members, items, markers,
//! broken text, strict validation, escapes, numbers, repeated keys.

use super::*;

#[test]
fn reads_members_items_and_scalars() {
    let v = r#" {"a":1, "b" : [true,null,"x\"y"], "c":{"d":-2.5e3}, "e":"caf\u00e9 \ud83d\ude00"} "#;
    let keys: Vec<&str> = members(v).map(|(k, _)| k).collect();
    assert_eq!(keys, [r#""a""#, r#""b""#, r#""c""#, r#""e""#]);
    assert_eq!(number(get(v, "a").unwrap()), Some(1.0));
    let b: Vec<&str> = items(get(v, "b").unwrap()).collect();
    assert_eq!(b, ["true", "null", r#""x\"y""#]);
    assert_eq!(string(b[2]).as_deref(), Some("x\"y"));
    assert_eq!(number(get(get(v, "c").unwrap(), "d").unwrap()), Some(-2500.0));
    assert_eq!(string(get(v, "e").unwrap()).as_deref(), Some("café 😀"));
    assert_eq!(get(v, "zz"), None);
    assert_eq!(members("[1]").count(), 0);
    assert_eq!(items("{}").count(), 0);
    assert_eq!(items("[]").count(), 0);
    assert_eq!(boolean(" true"), Some(true));
}

#[test]
fn reads_the_describers_markers() {
    let v = r#"{"f":!f,"m":!o"Map","x":[!c,1],"u":!v,"n":null}"#;
    assert_eq!(kind(get(v, "f").unwrap()), Kind::Marker(b'f'));
    assert_eq!(type_name(get(v, "m").unwrap()), "Map");
    assert_eq!(type_name(get(v, "f").unwrap()), "a function");
    let x: Vec<&str> = items(get(v, "x").unwrap()).collect();
    assert_eq!(x, ["!c", "1"]);
    assert_eq!(field(v, "u"), None);
    assert_eq!(field(v, "n"), None);
    assert_eq!(type_name(r#"!o"""#), "class instance");
}

#[test]
fn broken_text_reads_as_nothing() {
    for bad in ["", "{", "{\"a\"", "{\"a\":", "[1,", "\"abc", "!"] {
        let _ = members(bad).count();
        let _ = items(bad).count();
        assert!(string(bad).is_none() || bad.starts_with('"'));
    }
    assert_eq!(get("{\"a\" 1}", "a"), None);
}

#[test]
fn tells_json_from_what_is_not() {
    for ok in ["{}", " [1, 2.5e3, \"x\", true, false, null, {\"a\":[]}] ", "\"s\"", "-0"] {
        assert!(valid(ok), "{ok}");
    }
    for bad in ["{not json", "{not json}", "[1,]", "{\"a\" 1}", "tru", "1 2", "!f", "", "{\"a\":1,}"] {
        assert!(!valid(bad), "{bad}");
    }
}

#[test]
fn only_jsons_escapes_decode() {
    // A backslash before a multi-byte character once copied half of it
    // into a String unchecked (undefined behaviour); now it is no string.
    assert_eq!(string("\"\\é\""), None);
    assert!(!valid("\"\\é\""));
    for bad in [r#""\a""#, r#""\x41""#, r#""\u12""#, r#""\u12G4""#, r#""\'""#, "\"tab\there\"", "\"\u{1}\""] {
        assert_eq!(string(bad), None, "{bad}");
        assert!(!valid(bad), "{bad}");
    }
    assert_eq!(string(r#""\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00""#).as_deref(), Some("\"\\/\u{8}\u{c}\n\r\té😀"));
    // A lone surrogate is JSON (JSON.parse keeps it); Rust reads U+FFFD.
    assert!(valid(r#""\ud800""#));
    assert_eq!(string(r#""a\ud800b\udc00\ud800\u0041""#).as_deref(), Some("a\u{fffd}b\u{fffd}\u{fffd}A"));
}

#[test]
fn numbers_in_jsons_grammar_only() {
    for bad in ["01", "+1", "1.", ".5", "-", "1e", "-01", "[01]", "{\"a\":.5}", "1.e3", "0x1"] {
        assert!(!valid(bad), "{bad}");
    }
    for ok in ["0", "-0", "0.5", "-1.5e-3", "1E+2", "[1e400]"] {
        assert!(valid(ok), "{ok}");
    }
}

#[test]
fn a_repeated_key_reads_as_json_parse_reads_it() {
    assert_eq!(get(r#"{"a":1,"b":2,"a":3}"#, "a"), Some("3"));
}

#[test]
fn writes_string_literals() {
    assert_eq!(quoted("a\"b\\c\nd\u{1}é"), r#""a\"b\\c\nd\u0001é""#);
    assert_eq!(string(&quoted("x\u{1f}y\ttab")).as_deref(), Some("x\u{1f}y\ttab"));
}
