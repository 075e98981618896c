//! Recommendations on the host: the ranker (exclusions, ties, determinism,
//! the page's topics) and the personalizer's records (`m`, `V`/`K`, `e`),
//! and sensitive topics never reaching the profile.

#[path = "codec/mod.rs"]
mod codec;
use codec::Text;

use kizuna::engine::personalize::catalog::Catalog;
use kizuna::engine::personalize::profile::Profile;
use kizuna::engine::personalize::recs::{rank, Candidate, Interests, Why};
use kizuna::engine::personalize::Personalizer;

const RS: char = '\u{1e}';
const US: char = '\u{1f}';
const DAY: f64 = 86_400_000.0;

fn item(id: &str, topics: &str, popularity: f64) -> Candidate {
    Candidate { id: id.into(), topics: topics.split(',').filter(|t| !t.is_empty()).map(String::from).collect(), popularity, repeats: false }
}

fn cat(items: &[Candidate]) -> Catalog {
    Catalog::new(items.to_vec())
}

fn ids(items: &[Candidate], picks: &[kizuna::engine::personalize::recs::Pick]) -> Vec<String> {
    picks.iter().map(|p| items[p.index].id.clone()).collect()
}

fn reader(topics: &[&str], now: f64) -> Profile {
    let mut p = Profile::new("v", now);
    for t in topics {
        p.page_view(&[t.to_string()], now, 14.0);
    }
    p
}

#[test]
fn without_a_profile_what_sells_first_and_ties_keep_the_sites_order() {
    let items = [item("a", "shoes", 5.0), item("b", "outerwear", 50.0), item("c", "kids", 5.0), item("d", "", 0.0)];
    let none = Interests::of(None, 0.0, 14.0, &[]);
    let picks = rank(&mut cat(&items), None, &none, &[], 3);
    assert_eq!(ids(&items, &picks), ["b", "a", "c"]);
    assert!(picks.iter().all(|p| p.why == Why::Popular));
    // No prior, no profile: the page's own order.
    let flat = [item("x", "", 0.0), item("y", "", 0.0), item("z", "", 0.0)];
    assert_eq!(ids(&flat, &rank(&mut cat(&flat), None, &none, &[], 5)), ["x", "y", "z"]);
}

#[test]
fn affinities_lift_matching_items_over_popularity_and_say_why() {
    let now = 100.0 * DAY;
    let p = reader(&["outerwear", "outerwear", "outerwear", "shoes"], now);
    let items = [item("tee", "basics", 40.0), item("parka", "outerwear", 10.0), item("boot", "shoes", 10.0)];
    let picks = rank(&mut cat(&items), Some(&p), &Interests::of(Some(&p), now, 14.0, &[]), &[], 3);
    assert_eq!(ids(&items, &picks), ["parka", "boot", "tee"]);
    assert_eq!(picks[0].why, Why::Topic("outerwear".into()));
    assert_eq!(picks[2].why, Why::Popular);
}

#[test]
fn the_page_being_viewed_counts() {
    let now = 100.0 * DAY;
    let p = reader(&["outerwear", "shoes"], now);
    let items = [item("parka", "outerwear", 10.0), item("boot", "shoes", 10.0)];
    let on_shoes = rank(&mut cat(&items), Some(&p), &Interests::of(Some(&p), now, 14.0, &["shoes".into()]), &[], 2);
    assert_eq!(ids(&items, &on_shoes), ["boot", "parka"]);
}

#[test]
fn bought_items_are_left_out_unless_they_repeat_and_viewed_ones_go_down() {
    let now = 100.0 * DAY;
    let mut p = reader(&["shoes"], now);
    p.item("boot", true);
    p.item("sneaker", false);
    let mut items = vec![item("boot", "shoes", 10.0), item("sneaker", "shoes", 10.0), item("sandal", "shoes", 10.0)];
    let i = Interests::of(Some(&p), now, 14.0, &[]);
    assert_eq!(ids(&items, &rank(&mut cat(&items), Some(&p), &i, &[], 5)), ["sandal", "sneaker"]);
    items[0].repeats = true;
    assert_eq!(ids(&items, &rank(&mut cat(&items), Some(&p), &i, &[], 5)), ["boot", "sandal", "sneaker"]);
    // A purchase stays a purchase when the item is viewed again.
    p.item("boot", false);
    assert_eq!(p.seen("boot"), (true, true));
}

#[test]
fn the_same_inputs_give_the_same_ranking() {
    let now = 3.0 * DAY;
    let p = reader(&["a", "b", "a", "c"], now);
    let items: Vec<Candidate> = (0..200).map(|i| item(&format!("i{i}"), ["a", "b", "c", "d"][i % 4], (i * 7 % 13) as f64)).collect();
    let i = Interests::of(Some(&p), now, 14.0, &[]);
    let first = ids(&items, &rank(&mut cat(&items), Some(&p), &i, &[], 10));
    for _ in 0..5 {
        assert_eq!(ids(&items, &rank(&mut cat(&items), Some(&p), &i, &[], 10)), first);
    }
    assert_eq!(first.len(), 10);
}

#[test]
fn a_profile_keeps_its_items_through_storage_and_old_profiles_still_load() {
    let mut p = Profile::new("v", 1.0);
    p.item("a", false);
    p.item("b", true);
    let back = Profile::parse(&p.to_json()).unwrap();
    assert_eq!(back.items, p.items);
    let old = p.to_json().replace(r#","items":[["a",0],["b",1]]"#, "");
    assert!(!old.contains("items"));
    assert_eq!(Profile::parse(&old).unwrap().items, []);
    for i in 0..500 {
        p.item(&format!("x{i}"), false);
    }
    assert_eq!(p.items.len(), kizuna::engine::personalize::profile::MAX_ITEMS);
}

fn engine(config: &str) -> (Personalizer, String) {
    let init = format!("n1000{RS}{}", codec::pz_init(config, &["", "vid", "00112233", "1", "1", "1200"]));
    let mut p = codec::pz_start(&init);
    let first = p.out_text();
    (p, first)
}

fn rec(parts: &[&str]) -> String {
    parts.join(&US.to_string())
}

/// The records of a row as the edge writes them (js/edge/recs.js): `items`
/// (`[[id, topics, popularity, repeats]…]`) as `j` records, unless `same`;
/// the neighbour lists `near` (`[[id, name, id, weight…]…]`) as `y` and `z`
/// records; then `m`.
fn m(slot: &str, n: u32, items: &str, near: &str, same: bool) -> String {
    let mut out = Vec::new();
    let items: Vec<serde_json::Value> = if same { Vec::new() } else { serde_json::from_str(items).unwrap() };
    for it in items {
        let repeats = u8::from(it[3] == true);
        out.push(format!("j{}{US}{}{US}{}{US}{repeats}", it[0].as_str().unwrap(), it[1].as_str().unwrap(), it[2]));
    }
    let lists: Vec<Vec<serde_json::Value>> = if near.is_empty() { Vec::new() } else { serde_json::from_str(near).unwrap() };
    for l in lists {
        out.push(format!("y{}{US}{}", l[0].as_str().unwrap(), l[1].as_str().unwrap()));
        for pair in l[2..].chunks(2) {
            out.push(format!("z{}{US}{}", pair[0].as_str().unwrap(), pair[1]));
        }
    }
    out.push(format!("m{slot}{US}{n}{US}{}", u8::from(same)));
    out.join(&RS.to_string())
}

#[test]
fn the_personalizer_ranks_a_row_counts_its_exposures_and_explains_it() {
    let (mut p, _) = engine("{}");
    let t = 5.0 * DAY;
    let out = p.run_text(
        &[
            format!("n{t}"),
            rec(&["p/shop", "", "", "outerwear"]),
            rec(&["g\u{65}5", "\"Product Viewed\"", "\"outerwear\"", "", "", "\"parka\""]).replacen(
                "g\u{65}5",
                &format!("ge{}", t as u64),
                1,
            ),
            m("also", 2, r#"[["parka","outerwear",10,false],["coat","outerwear",5,false],["tee","basics",90,false]]"#, "", false),
        ]
        .join(&RS.to_string()),
    );
    let m = out.split(RS).find(|r| r.starts_with('M')).expect("an M answer");
    assert!(m.starts_with("M\"also\"\u{1f}["), "{m}");
    assert!(m.contains(r#"{"id":"coat","position":1,"reason":"topic","explanation":"you have been looking at outerwear"}"#), "{m}");
    assert!(m.contains(r#""id":"parka","position":2"#) || m.contains(r#""id":"tee","position":2"#), "{m}");
    let seen = p.run_text(&rec(&["V\"also\"", "\"coat\""]));
    assert!(seen.contains(r#"T"Recommendation Viewed""#) && seen.contains(r#""item":"coat","position":1,"reason":"topic""#), "{seen}");
    let clicked = p.run_text(&rec(&["K\"also\"", "\"coat\""]));
    assert!(clicked.contains(r#"T"Recommendation Clicked""#), "{clicked}");
    assert_eq!(p.run_text(&rec(&["V\"also\"", "\"not-shown\""])), "", "an item the row did not show is not an exposure");
    let why = p.run_text("e\"also\"");
    assert!(why.starts_with("Erecommended for you, ranked on this device: coat (you have been looking at outerwear)"), "{why}");
}

#[test]
fn sensitive_topics_never_reach_the_profile() {
    let (mut p, _) = engine(r#"{"profile":{"sensitive":["health","Religion"]}}"#);
    let t = 5.0 * DAY;
    p.run_text(
        &[
            format!("n{t}"),
            rec(&["p/clinic", "", "", "health,outerwear"]),
            format!("gp{}{US}\"health,outerwear\"", t as u64),
            format!("ge{}{US}\"Article Read\"{US}\"religion\"{US}[\"health\",\"running\"]{US}{US}", t as u64),
            format!("gc{}{US}\"health\"", t as u64),
            "h".into(),
        ]
        .join(&RS.to_string()),
    );
    let profile = p.profile().expect("a profile");
    let names: Vec<&str> = profile.topics.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"outerwear") && names.contains(&"running"), "{names:?}");
    assert!(!names.iter().any(|n| *n == "health" || *n == "religion"), "{names:?}");
    assert!(!profile.to_json().contains("health") && !profile.to_json().contains("religion"));
}

/// The `M` answer's items as (id, reason, explanation), in order.
fn row(out: &str) -> Vec<(String, String, String)> {
    let m = out.split(RS).find(|r| r.starts_with('M')).unwrap_or_else(|| panic!("an M answer in {out}"));
    let json: serde_json::Value = serde_json::from_str(m.split(US).nth(1).unwrap()).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap().into(), p["reason"].as_str().unwrap().into(), p["explanation"].as_str().unwrap().into()))
        .collect()
}

#[test]
fn published_neighbours_of_the_latest_items_lead_the_row_and_explain_themselves() {
    let (mut p, _) = engine("{}");
    let t = 5.0 * DAY;
    let viewed = |id: &str, at: f64| format!("ge{}{US}\"Product Viewed\"{US}\"outerwear\"{US}{US}{US}\"{id}\"", at as u64);
    let out =
        p.run_text(&[format!("n{t}"), rec(&["p/shop", "", "", ""]), viewed("boot", t), viewed("parka", t + 1.0)].join(&RS.to_string()));
    assert!(out.split(RS).any(|r| r == "I[\"parka\",\"boot\"]"), "the latest items, newest first: {out}");
    assert!(!p.run_text(&format!("n{}", t + 2.0)).contains('I'), "said again only when they change");
    let items =
        r#"[["tee","basics",90,false],["scarf","accessories",5,false],["sock","accessories",5,false],["hat","accessories",5,false]]"#;
    let near = r#"[["parka","Parka","scarf",12,"parka",40],["boot","","sock",10,"nope",99],["ghost","Ghost","hat",50]]"#;
    let with = row(&p.run_text(&m("also", 4, items, near, false)));
    assert_eq!(with[0], ("scarf".into(), "viewed-together".into(), "because you viewed Parka".into()), "{with:?}");
    assert_eq!(with[1], ("sock".into(), "viewed-together".into(), "because you viewed boot".into()), "{with:?}");
    // Not among the visitor's items: its list counts for nothing.
    assert_eq!(
        &with[2..],
        &[("tee".into(), "popular".into(), "popular on this site".into()), ("hat".into(), "popular".into(), "popular on this site".into())]
    );
    let without = row(&p.run_text(&m("also", 4, items, "", false)));
    assert_eq!(without.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["tee", "scarf", "sock", "hat"], "no model: what sells");
    // A neighbour before any list, or of no weight, is left out.
    let stray = format!("zscarf{US}50{RS}yparka{US}Parka{RS}zsock{US}0{RS}zhat{US}-3{RS}zscarf{US}2{RS}");
    let strays = row(&p.run_text(&format!("{stray}{}", m("also", 4, items, "", false))));
    assert_eq!(strays[0], ("scarf".into(), "viewed-together".into(), "because you viewed Parka".into()), "{strays:?}");
    assert_eq!(strays[1].1, "popular", "sock and hat weigh nothing: {strays:?}");
    // Consent withdrawn: no recent items, no neighbours.
    let out = p.run_text(&format!("c0{US}0"));
    assert!(out.split(RS).any(|r| r == "I[]"), "{out}");
    let after = row(&p.run_text(&m("also", 4, items, near, false)));
    assert_eq!(after.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["tee", "scarf", "sock", "hat"]);
}

#[test]
fn a_row_ranked_again_keeps_its_catalog_until_its_items_or_the_config_change() {
    let (mut p, _) = engine("{}");
    let t = 5.0 * DAY;
    p.run_text(&[format!("n{t}"), rec(&["p/shop", "", "", "outerwear"])].join(&RS.to_string()));
    let items = r#"[["parka","outerwear",10,false],["tee","basics",90,false],["parka","basics",99,false]]"#;
    let ids = |out: &str| row(out).into_iter().map(|r| r.0).collect::<Vec<_>>();
    let first = ids(&p.run_text(&m("also", 4, items, "", false)));
    assert_eq!(first, ["parka", "tee"], "the page is about outerwear; an id listed twice shows once, at its first place");
    assert_eq!(ids(&p.run_text(&m("also", 4, items, "", true))), first, "the kept catalog ranks the same");
    let other = r#"[["tee","basics",90,false],["coat","outerwear",30,false]]"#;
    assert_eq!(ids(&p.run_text(&m("also", 4, other, "", false))), ["coat", "tee"], "new items, a new catalog");
    // A config that makes outerwear sensitive: the catalog read under the
    // old one is not used again.
    p.run_text(&format!("{}{RS}C1{US}", codec::personal_text(r#"{"profile":{"sensitive":["outerwear"]}}"#)));
    // The edge believes the engine still has the items: it is asked for them.
    assert_eq!(p.run_text(&m("also", 4, other, "", true)), format!("Aalso{RS}"));
    assert_eq!(ids(&p.run_text(&m("also", 4, other, "", false))), ["tee", "coat"], "outerwear no longer counts");
}
