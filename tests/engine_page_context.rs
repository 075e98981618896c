//! The decision uses the page it is on: on the very first view, before the
//! tracker's page view reaches the profile, the page's `data-kz-topic`, its
//! campaign's words and the search terms that led to it count for the
//! decision (and are not counted twice once the page view arrives).

#[path = "codec/mod.rs"]
mod codec;
use codec::Text;

const RS: char = '\u{1e}';
const US: char = '\u{1f}';
const T0: f64 = 1_700_000_000_000.0;
const CONFIG: &str =
    r#"{"slots":{"hero":{"explore":0,"variants":{"shoes":{"tags":"shoes"},"outerwear":{"tags":"outerwear"},"kids":{"tags":"kids"}}}}}"#;

/// The share of `n` new visitors shown `variant` on their first page.
fn first_view_share(page: &str, variant: &str, n: u32) -> f64 {
    let mut hits = 0;
    for i in 0..n {
        let init = [
            format!("n{T0}"),
            codec::pz_init(CONFIG, &["", &format!("v{i}"), &format!("{:08x}", i.wrapping_mul(2_654_435_761u32)), "1", "1", "1200"]),
        ]
        .join(&RS.to_string());
        let mut p = codec::pz_start(&init);
        p.out_text();
        let out = p.run_text(
            &[page.to_string(), format!("d0{US}\"hero\"{US}[[\"shoes\",\"shoes\"],[\"outerwear\",\"outerwear\"],[\"kids\",\"kids\"]]")]
                .join(&RS.to_string()),
        );
        if out.contains(&format!("R\"hero\"{US}\"{variant}\"")) {
            hits += 1;
        }
    }
    f64::from(hits) / f64::from(n)
}

fn page(topics: &str, campaign: &str, content: &str, search: &str) -> String {
    ["p/", "", campaign, topics, content, search].join(&US.to_string())
}

#[test]
fn a_first_view_uses_the_pages_topic_its_campaign_and_the_search() {
    let n = 400;
    let blank = first_view_share(&page("", "", "", ""), "outerwear", n);
    assert!((0.2..0.47).contains(&blank), "no signal: about a third each ({blank})");
    for (what, p) in [
        ("the page's data-kz-topic", page("outerwear", "", "", "")),
        ("the campaign", page("", "autumn-outerwear-2026", "", "")),
        ("utm_content", page("", "", "Outerwear_banner", "")),
        ("the search terms", page("", "", "", "waterproof outerwear men")),
    ] {
        let share = first_view_share(&p, "outerwear", n);
        assert!(share > blank + 0.15, "{what}: outerwear {share} vs {blank} without");
    }
}

#[test]
fn the_page_is_not_counted_twice_once_its_page_view_reaches_the_profile() {
    let init = [format!("n{T0}"), codec::pz_init(CONFIG, &["", "v", "00c0ffee", "1", "1", "1200"])].join(&RS.to_string());
    let mut p = codec::pz_start(&init);
    p.out_text();
    p.run_text(
        &[
            page("outerwear", "", "", ""),
            format!("gp{}{US}\"outerwear\"", T0 as u64),
            format!("d0{US}\"hero\"{US}[[\"shoes\",\"shoes\"],[\"outerwear\",\"outerwear\"]]"),
            "q".into(),
        ]
        .join(&RS.to_string()),
    );
    let profile = p.profile().unwrap();
    assert_eq!(profile.page_views, 1);
    assert_eq!(profile.topics.len(), 1);
    assert!((profile.topics[0].weight - 1.0).abs() < 1e-9, "one page view's weight: {}", profile.topics[0].weight);
}

#[test]
fn what_the_pre_paint_script_painted_stays_for_the_page_view_when_the_choice_switches() {
    // A kept 'shoes' for a visitor who has since read only about outerwear.
    let stored = r#"{"v":1,"vid":"v","firstSeen":1700000000000,"lastSeen":1700000000000,"sessions":1,"gapDays":0,"pageViews":12,"events":0,"orders":0,"revenue":0,"lastOrder":0,"topics":[["outerwear",12,1700000000000]],"slots":[["hero","shoes",HASH,0.5,false]],"outcomes":[]}"#;
    let variants = "[[\"shoes\",\"shoes\"],[\"outerwear\",\"outerwear\"],[\"kids\",\"kids\"]]";
    let init = |stored: &str| {
        [format!("n{T0}"), codec::pz_init(CONFIG, &[&serde_json::to_string(stored).unwrap(), "v", "00c0ffee", "1", "1", "1200"])]
            .join(&RS.to_string())
    };
    // The slot's config hash, as the engine computes it: read from a first decision.
    let mut probe = codec::pz_start(&init(""));
    probe.out_text();
    let out = probe.run_text(&format!("d0{US}\"hero\"{US}{variants}"));
    let hash = probe.profile().unwrap().slots[0].1.config;
    assert!(out.contains("R\"hero\""));
    let stored = stored.replace("HASH", &hash.to_string());
    for (painted, expect) in [("\"shoes\"", "\"shoes\""), ("\"\"", "\"outerwear\"")] {
        let mut p = codec::pz_start(&init(&stored));
        p.out_text();
        let out = p.run_text(&[page("", "", "", ""), format!("d0{US}\"hero\"{US}{variants}{US}{painted}")].join(&RS.to_string()));
        let r = out.split(RS).find(|r| r.starts_with("R\"hero\"")).unwrap();
        assert!(r.starts_with(&format!("R\"hero\"{US}{expect}")), "painted {painted}: {r}");
        // Either way, the next page shows outerwear.
        assert_eq!(p.profile().unwrap().assignment("hero").unwrap().variant.as_deref(), Some("outerwear"));
        if painted == "\"shoes\"" {
            assert!(r.contains("\"reason\":\"late\"") && r.contains("already shown on this page"), "{r}");
        }
    }
}
