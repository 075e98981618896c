//! The remote document on the host (the personalizer's `C` record): slot
//! variants start from what every visitor's views and clicks say unless
//! the site set a prior; a rebuilt model keeps the visitors' assignments;
//! a document that fails validation keeps the last good one; the last good
//! one is stored only with consent to store, and dropped when it is
//! withdrawn or when the stored copy fails.

#[path = "codec/mod.rs"]
mod codec;
use codec::Text;

const RS: char = '\u{1e}';
const US: char = '\u{1f}';
const T0: f64 = 1_700_000_000_000.0;
const CONFIG: &str = r#"{"slots":{"hero":{"explore":0,"variants":{"a":{},"b":{},"c":{}}}}}"#;
const HERO: &str = "d0\u{1f}\"hero\"\u{1f}[[\"a\",\"\"],[\"b\",\"\"],[\"c\",\"\"]]\u{1f}\"\"";
/// b is clicked 15% of the time by everyone, a and c 2%.
const LEARNED: &str = r#"[["hero","a",10000,200],["hero","b",10000,1500],["hero","c",10000,200]]"#;

fn start(config: &str, visitor: u32, may_store: bool) -> kizuna::engine::personalize::Personalizer {
    let seed = format!("{:08x}", visitor.wrapping_mul(2_654_435_761));
    let store = if may_store { "1" } else { "0" };
    let s = codec::pz_init(config, &["", &format!("v{visitor}"), &seed, "1", store, "1200"]);
    let mut p = codec::pz_start(&[format!("n{T0}"), s].join(&RS.to_string()));
    p.out_text();
    p
}

/// The records of a remote document: its config's (the edge validated it),
/// `C` and its `l` records (`learned`: [[slot, variant, views, clicks], …]).
fn remote(config: &str, learned: &str, keep: &str) -> String {
    [codec::personal_text(config), document(true, learned, keep)].join(&RS.to_string())
}

/// `C` and its `l` records; `ok`: the edge validated the config (whose
/// records came before), or not.
fn document(ok: bool, learned: &str, keep: &str) -> String {
    let mut records = vec![format!("C{}{US}{keep}", u8::from(ok))];
    let learned: Vec<(String, String, f64, f64)> = serde_json::from_str(if learned.is_empty() { "[]" } else { learned }).unwrap();
    for (slot, variant, views, clicks) in learned {
        records.push(format!("l{slot}{US}{variant}{US}{views}{US}{clicks}"));
    }
    records.join(&RS.to_string())
}

fn page() -> String {
    ["p/", "", "", "", "", ""].join(&US.to_string())
}

/// The variant `hero` shows (its R record's second field).
fn shown(out: &str) -> String {
    let r = out.split(RS).find(|r| r.starts_with("R\"hero\"")).expect("a decision");
    r.split(US).nth(1).unwrap().to_string()
}

fn share_of_b(config: &str, learned: Option<&str>, n: u32) -> f64 {
    let mut b = 0;
    for i in 0..n {
        let mut p = start(config, i, true);
        if let Some(l) = learned {
            p.run_text(&remote(config, l, ""));
        }
        if shown(&p.run_text(&[page(), HERO.into()].join(&RS.to_string()))) == "\"b\"" {
            b += 1;
        }
    }
    f64::from(b) / f64::from(n)
}

#[test]
fn new_visitors_start_from_what_everyone_clicked_unless_the_site_set_a_prior() {
    let n = 300;
    let without = share_of_b(CONFIG, None, n);
    assert!((0.2..0.47).contains(&without), "no model: about a third each ({without})");
    let with = share_of_b(CONFIG, Some(LEARNED), n);
    assert!(with > 0.85, "the model's best variant for new visitors: {with}");
    // The site's own prior wins over the model's counts.
    let set = r#"{"slots":{"hero":{"explore":0,"variants":{"a":{"prior":0.3},"b":{},"c":{}}}}}"#;
    let site = share_of_b(set, Some(LEARNED), n);
    // (Beta(6, 14) against Beta(2.9, 17.1): b still wins a draw in nine.)
    assert!(site < 0.2, "a hand-set prior of 30% for a beats the learned 14.6% of b: b shown {site}");
}

#[test]
fn the_explanation_says_the_prior_was_learned() {
    let mut p = start(CONFIG, 1, true);
    p.run_text(&remote(CONFIG, LEARNED, ""));
    p.run_text(&[page(), HERO.into()].join(&RS.to_string()));
    let why = p.run_text("e\"hero\"");
    assert!(why.contains("(learned from every visitor)"), "{why}");
}

#[test]
fn a_rebuilt_model_keeps_what_visitors_were_shown_but_a_new_site_prior_does_not() {
    let mut p = start(CONFIG, 3, true);
    p.run_text(&remote(CONFIG, LEARNED, ""));
    let first = shown(&p.run_text(&[page(), HERO.into()].join(&RS.to_string())));
    // The next build: every count moved (and c now leads).
    p.run_text(&remote(CONFIG, r#"[["hero","a",12000,250],["hero","b",12000,1700],["hero","c",12000,2000]]"#, ""));
    let out = p.run_text(&[page(), HERO.into()].join(&RS.to_string()));
    assert_eq!(shown(&out), first);
    assert!(out.contains(r#""reason":"sticky""#), "{out}");
    // A site's prior is part of the slot's config: changing it decides again.
    let set = r#"{"slots":{"hero":{"explore":0,"variants":{"a":{"prior":0.2},"b":{},"c":{}}}}}"#;
    p.run_text(&remote(set, LEARNED, ""));
    let out = p.run_text(&[page(), HERO.into()].join(&RS.to_string()));
    assert!(!out.contains(r#""reason":"sticky""#), "{out}");
}

#[test]
fn a_choice_made_before_any_model_is_kept_once_the_model_comes() {
    // A new visitor's first page is decided before the model arrives.
    for i in 0..20 {
        let mut p = start(CONFIG, 100 + i, true);
        let first = shown(&p.run_text(&[page(), HERO.into()].join(&RS.to_string())));
        p.run_text(&remote(CONFIG, LEARNED, ""));
        let out = p.run_text(&[page(), HERO.into()].join(&RS.to_string()));
        assert_eq!(shown(&out), first, "visitor {i}: {out}");
        assert!(out.contains(r#""reason":"sticky""#), "{out}");
    }
}

#[test]
fn a_good_document_is_kept_only_with_consent_to_store() {
    let keep = r#"{"version":1,"config":{},"slots":{}}"#;
    let mut p = start(CONFIG, 1, true);
    let out = p.run_text(&remote(CONFIG, "[]", keep));
    assert!(out.contains(&format!("Skizuna:remote{US}{keep}{RS}")), "{out}");
    let mut q = start(CONFIG, 1, false);
    let out = q.run_text(&remote(CONFIG, "[]", keep));
    assert!(!out.contains("kizuna:remote"), "{out}");
    // Withdrawn: the kept document goes with the profile.
    let out = p.run_text(&format!("c0{US}0"));
    assert!(out.contains(&format!("Dkizuna:remote{RS}")), "{out}");
}

#[test]
fn a_document_that_fails_validation_keeps_the_last_good_one() {
    // The edge found the document's config wrong (and said why): `C` 0.
    let mut p = start(CONFIG, 5, true);
    let out = p.run_text(&document(false, "[]", r#"{"v":1}"#));
    assert!(!out.contains("kizuna:remote"), "neither kept nor removed: {out}");
    // Still deciding with the page's own config.
    let out = p.run_text(&[page(), HERO.into()].join(&RS.to_string()));
    assert!(out.contains(r#""holdout":false"#), "{out}");
    // A stored copy that fails is removed.
    let out = p.run_text(&document(false, "", ""));
    assert!(out.contains(&format!("Dkizuna:remote{RS}")), "{out}");
}

#[test]
fn config_records_without_their_c_change_nothing() {
    // A remote config's records, and no `C` to end them: the page's own
    // config decides (everyone in the holdout would show otherwise).
    let mut p = start(CONFIG, 5, true);
    let all_held_out = r#"{"slots":{"hero":{"holdout":1,"variants":{"a":{},"b":{},"c":{}}}}}"#;
    p.run_text(&codec::personal_text(all_held_out));
    let out = p.run_text(&[page(), HERO.into()].join(&RS.to_string()));
    assert!(out.contains(r#""holdout":false"#), "{out}");
    p.run_text(&document(true, "[]", ""));
    let out = p.run_text(&[page(), HERO.into()].join(&RS.to_string()));
    assert!(out.contains(r#""holdout":true"#), "taken once its C came: {out}");
}

#[test]
fn the_stored_form_is_kept_as_the_edge_wrote_it() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/stored-formats.json")).expect("the stored formats fixture");
    let keep = fixture["remote"]["value"].as_str().unwrap();
    let config = serde_json::to_string(&fixture["remote"]["reads"]["config"]).unwrap();
    // The l records the edge makes of it (js/edge/remote.js `learned`).
    let mut learned = Vec::new();
    for (slot, s) in fixture["remote"]["reads"]["slots"].as_object().unwrap() {
        for (id, v) in s["variants"].as_object().unwrap() {
            learned.push(serde_json::json!([slot, id, v["views"], v["clicks"]]));
        }
    }
    let learned = serde_json::to_string(&learned).unwrap();
    let mut p = start(&config, 1, true);
    let out = p.run_text(&remote(&config, &learned, keep));
    assert_eq!(out.split(RS).find(|r| r.starts_with("Skizuna:remote")).unwrap(), format!("Skizuna:remote{US}{keep}"));
    // What it read: spring starts at its site prior, winter at (1 + 44) / (20 + 1100).
    let d = p.run_text(&[page(), "d0\u{1f}\"hero\"\u{1f}[[\"spring\",\"\"],[\"winter\",\"\"]]\u{1f}\"\"".into()].join(&RS.to_string()));
    let why = p.run_text("e\"hero\"");
    let expected =
        if d.contains("R\"hero\"\u{1f}\"spring\"") { "prior click rate 8%" } else { "prior click rate 4% (learned from every visitor)" };
    assert!(why.trim_end_matches(RS).ends_with(expected), "{d} {why}");
}

#[test]
fn the_counts_of_a_rejected_document_do_not_count() {
    let n = 200;
    let mut b = 0;
    for i in 0..n {
        let mut p = start(CONFIG, i, true);
        p.run_text(&remote(CONFIG, LEARNED, ""));
        p.run_text(&document(false, r#"[["hero","c",10000,3000]]"#, "{}"));
        if shown(&p.run_text(&[page(), HERO.into()].join(&RS.to_string()))) == "\"b\"" {
            b += 1;
        }
    }
    assert!(f64::from(b) / f64::from(n) > 0.85, "the last good document's counts still lead: b {b} of {n}");
}
