//! The personalization engine as a page runs it, for the profile and
//! signal-log cases: started on a stored profile, it sees a page, decides
//! slots, ranks a row, counts exposures, folds the tracker's signals,
//! checks journeys, explains, shows the profile and persists. Every answer
//! is checked as the edge reads it; the exposure events (`T`) go on to a
//! tracker (`Given::inject`), whose batches the page oracles check.

const RS: char = '\u{1e}';
const US: char = '\u{1f}';
use crate::sim::codec::Text;
use crate::sim::codec::{self, V};
use kizuna::engine::personalize::profile::{Profile, STORAGE_KEY};
use kizuna::engine::personalize::Personalizer;
use kizuna::engine::text::json::quoted;
use serde_json::Value as J;

use crate::oracle::parse;

/// Slots with tags, journeys of every trigger, insights: what reads the
/// profile's every part.
pub const CONFIG: &str = r#"{"slots":{"hero":{"explore":0.1,"variants":{"shoes":{"tags":"shoes"},"outerwear":{"tags":"outerwear"},"kids":{"tags":"kids","rules":{"segment":"loyal"}}}}},
"journeys":{"cart":{"on":"cart-abandoned","message":"Your cart","link":"/cart","everyDays":0},"back":{"on":"nth-session","message":"Welcome back","sessions":2,"perSession":5,"everyDays":0},
"nps":{"on":"order","survey":true,"everyDays":1,"perVisitor":10,"quietDays":1},"exit":{"on":"exit-intent","message":"Before you go","perSession":5,"everyDays":0}},
"insights":{"epsilon":2,"everyDays":7,"topics":["shoes","outerwear"]}}"#;

/// Epoch ms the first visit starts at.
pub const T0: f64 = 1_795_363_980_000.0;
const MIN: f64 = 60_000.0;

/// A personalizer started at `now` on `stored` (the profile's text, or
/// none), and its first answer.
pub fn start(stored: Option<&str>, now: f64) -> (Personalizer, String) {
    let lit = stored.map(quoted).unwrap_or_default();
    let init = [format!("n{now}"), codec::pz_init(CONFIG, &[&lit, "vid-1", "00112233445566778899aabbccddeeff", "1", "1", "1280"])]
        .join(&RS.to_string());
    let mut p = codec::pz_start(&init);
    let first = p.out_text();
    (p, first)
}

/// What a page view asks of it at `now`, with the tracker's `signals`
/// (lines of the signal log) folded in before the page is decided.
pub fn visit(p: &mut Personalizer, now: f64, signals: &[String]) -> Vec<String> {
    let rec = |parts: &[&str]| parts.join(&US.to_string());
    let t = now as u64;
    // The tracker's lines go as they are (one field each, whatever they hold).
    let mut first = vec![(b'n', vec![V::N(now)])];
    first.extend(signals.iter().map(|s| (b'g', vec![V::S(s)])));
    let mut answers = vec![codec::to_text("personalizer.out", &p.run(&codec::write("personalizer.in", &first)))];
    let mut crossings: Vec<Vec<String>> = vec![];
    crossings.push(vec![
        rec(&["p/shop", "ads", "fall shoes", "shoes,outerwear", "", ""]),
        format!("gp{t}{US}\"shoes,outerwear\""),
        rec(&["d0", "\"hero\"", r#"[["shoes","shoes"],["outerwear","outerwear"],["kids","kids"]]"#, "\"\""]),
        "a\"cta\"".into(),
        rec(&["m\"also\"", "3", r#"[["parka","outerwear",10,false],["boot","shoes",5,false],["tee","basics",90,true]]"#]),
    ]);
    crossings.push(vec!["v\"hero\"".into(), "k\"hero\"".into(), rec(&["V\"also\"", "\"boot\""]), rec(&["K\"also\"", "\"boot\""])]);
    crossings.push(vec![
        format!("ge{t}{US}\"Product Added\"{US}\"shoes\"{US}{US}{US}\"boot\""),
        format!("gc{t}{US}\"outerwear\""),
        "x".into(),
    ]);
    crossings.push(vec!["u\"cart\"".into(), "U\"nps\"".into(), "e\"hero\"".into(), "e\"also\"".into(), "q".into(), "h".into()]);
    crossings
        .into_iter()
        .enumerate()
        .map(|(i, records)| {
            let mut all = vec![format!("n{}", now + (i + 1) as f64 * 1000.0)];
            all.extend(records);
            p.run_text(&all.join(&RS.to_string()))
        })
        .for_each(|a| answers.push(a));
    answers
}

/// Checks one answer as the edge reads it; the exposure events it asks
/// the tracker to send (`T`: name literal, properties) go to `events`, the
/// profile it stores to `stored`. `Err` names the defect.
pub fn check_answer(out: &str, events: &mut Vec<(String, String)>, stored: &mut Option<String>) -> Result<(), String> {
    for r in out.split(RS).filter(|r| !r.is_empty()) {
        let (kind, body) = r.split_at(r.chars().next().map_or(0, char::len_utf8));
        let f: Vec<&str> = body.split(US).collect();
        let json = |x: &str| parse(x).map_err(|e| format!("{kind}: {e}"));
        match kind {
            "R" | "Q" | "M" | "J" | "I" => {
                for x in &f {
                    json(x)?;
                }
            }
            "T" => {
                let (name, props) = (json(f[0])?, json(f.get(1).copied().unwrap_or(""))?);
                if f.len() != 2 || !name.is_string() || !props.is_object() {
                    return Err(format!("an exposure event that is not a name and an object: {r:.300}"));
                }
                events.push((f[0].to_string(), f[1].to_string()));
            }
            "S" => {
                let (key, value) = body.split_once(US).ok_or("S without a value")?;
                if key != STORAGE_KEY {
                    return Err(format!("stores {key:?}"));
                }
                profile_ok(value)?;
                *stored = Some(value.to_string());
            }
            "D" if body == STORAGE_KEY => {}
            "W" if body.bytes().all(|b| b.is_ascii_digit()) => {}
            "L" if f.len() == 2 && matches!(f[0], "d" | "w" | "e") => {}
            "E" if f.len() == 1 => {}
            _ => return Err(format!("an answer the edge does not read: {r:.300}")),
        }
    }
    Ok(())
}

/// A profile Kizuna wrote: JSON, read back by `Profile::parse`, and
/// stable from then on (what is read is written again the same: 6
/// decimals are kept, counters capped on reading at `MAX_COUNT`).
pub fn profile_ok(text: &str) -> Result<Profile, String> {
    let v: J = parse(text)?;
    if !v.is_object() {
        return Err(format!("a profile that is not an object: {text:.300}"));
    }
    let p = Profile::parse(text).map_err(|e| format!("a profile Kizuna wrote does not read: {e}: {text:.300}"))?;
    let again =
        Profile::parse(&p.to_json()).map_err(|e| format!("read and written, the profile does not read: {e}: {:.300}", p.to_json()))?;
    if again.to_json() != p.to_json() {
        return Err(format!("read and written again, the profile changed:\n{:.500}\n{:.500}", p.to_json(), again.to_json()));
    }
    Ok(p)
}

/// Drives a personalizer over `visits` page views (10 minutes apart, the
/// third after two days away) from nothing: the profile it stores, and
/// the one in its memory when it did.
pub fn made(visits: usize) -> (String, Profile) {
    let mut stored = None;
    let mut last = None;
    for i in 0..visits {
        let now = T0 + i as f64 * 10.0 * MIN + if i >= 2 { 2.0 * 86_400_000.0 } else { 0.0 };
        let (mut p, first) = start(stored.as_deref(), now);
        let mut events = Vec::new();
        for out in std::iter::once(first).chain(visit(&mut p, now, &[])) {
            check_answer(&out, &mut events, &mut stored).unwrap();
        }
        last = p.profile().cloned();
    }
    (stored.expect("a profile stored"), last.expect("a profile"))
}
