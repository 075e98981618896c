//! The edge protocol held to its one description (`src/engine/protocol.json`):
//! the tracker's reader knows exactly the kinds described and reads each
//! record's layout whole; the engines' writer and the tests' codec write
//! the golden bytes of `tests/fixtures/protocol.json`, which the JavaScript
//! codec writes too (`tests/protocol.test.mjs`).

mod sim;

use kizuna::engine::edge::read_from;
use kizuna::engine::io::{Input, Out, Rec};
use kizuna::engine::protocol::records;
use serde_json::Value as J;
use sim::codec::{self, V};

/// A record of `kind` with a value of each field's type.
fn sample(table: &str, kind: u8) -> Vec<u8> {
    let l = codec::layout(table, kind).unwrap();
    let fields = l.bytes().map(|t| if t == b'n' { V::N(1.0) } else { V::S("\"x\"") }).collect();
    codec::write(table, &[(kind, fields)])
}

#[test]
fn the_tracker_reads_every_described_input_whole_and_nothing_else() {
    let kinds = codec::kinds("tracker.in");
    for kind in &kinds {
        let bytes = sample("tracker.in", *kind);
        let mut r = records(&bytes).next().unwrap();
        let got = read_from(&mut r);
        match kind {
            // Start only: read by edge::start.
            b'S' | b'H' => assert!(got.is_none()),
            b'K' => {
                assert!(got.is_none());
                let mut r = records(&bytes).next().unwrap();
                kizuna::engine::config::read_config(&mut r);
                assert_eq!(r.left(), 0, "K is read short of its layout");
            }
            // Autotrack's: passed on whole, read by tracker::auto.
            b'P' | b'C' | b'D' | b'E' | b'F' => assert!(matches!(got, Some(Ok(Input::Auto(_))))),
            _ => {
                assert!(got.is_some(), "{} is described but not read", *kind as char);
                assert_eq!(r.left(), 0, "{} is read short of its layout", *kind as char);
            }
        }
    }
    for kind in 0..=255u8 {
        if !kinds.contains(&kind) {
            let bytes = [kind, 0, 0, 0, 0];
            assert!(read_from(&mut Rec::new(kind, &bytes[5..])).is_none(), "{kind} is read but not described");
        }
    }
}

#[test]
fn both_codecs_write_the_golden_bytes() {
    let doc: J = serde_json::from_str(include_str!("fixtures/protocol.json")).unwrap();
    for c in doc["records"].as_array().unwrap() {
        let (table, kind) = (c["table"].as_str().unwrap(), c["kind"].as_str().unwrap().as_bytes()[0]);
        let fields: Vec<V> =
            c["fields"].as_array().unwrap().iter().map(|f| f.as_f64().map_or_else(|| V::S(f.as_str().unwrap()), V::N)).collect();
        let hex: String = codec::write(table, &[(kind, fields.clone())]).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, c["hex"].as_str().unwrap(), "{table} {}", kind as char);
        if table.ends_with(".out") {
            // The engines' own writer.
            let mut w = Out::default();
            w.begin(kind);
            for f in &fields {
                match f {
                    V::N(n) => w.num(*n),
                    V::S(s) => w.field(s),
                };
            }
            w.end();
            let hex: String = w.take().iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, c["hex"].as_str().unwrap(), "the engines' writer, {table} {}", kind as char);
        }
        let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        let back = codec::read(table, &bytes);
        assert_eq!(back.len(), 1);
    }
}
