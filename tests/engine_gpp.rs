//! GPP decoding against golden fixtures: strings built by the IAB's own
//! encoder (`@iabgpp/cmpapi`, `tools/gpp-fixtures.mjs`), each with the
//! decision worked out from the fields it was built with.

use kizuna::engine::consent::gpp::{read, GppConsent};
use kizuna::engine::consent::tcf::TcfConsent;

#[test]
fn every_golden_case_decodes_to_its_decision() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gpp.json")).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let applicable: Vec<u32> =
            c["applicable"].as_array().unwrap().iter().filter_map(|v| v.as_i64()).filter(|v| *v >= 0).map(|v| v as u32).collect();
        let got = read(c["gpp"].as_str().unwrap(), &applicable).unwrap_or_else(|| panic!("{name}: unreadable"));
        let e = &c["expect"];
        let tcf = e["tcf"].as_object().map(|t| TcfConsent::Decided {
            storage: t["storage"].as_bool().unwrap(),
            granted: [t["analytics"].as_bool().unwrap(), t["personalization"].as_bool().unwrap(), t["marketing"].as_bool().unwrap()],
        });
        let want = GppConsent {
            tcf,
            marketing: e["marketing"].as_bool(),
            sensitive_opt_out: e["sensitiveOptOut"].as_bool().unwrap(),
            gpc: e["gpc"].as_bool().unwrap(),
        };
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn bad_strings_are_no_signal_and_never_panic() {
    for s in [
        "",
        "~",
        "DBABLA",
        "XYZ~abc",
        "DBABLA~",
        "DBABLA~!!!",
        "DBAB~CAAaAAAAAABA",
        "D",
        "DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN",
        "DBABLA~C.Q.Q.Q",
        "__________________________",
    ] {
        let _ = read(s, &[2, 6, 7, 8]);
    }
    assert_eq!(read("not gpp", &[7]), None);
    // The US Privacy string inside GPP: sale opted out.
    let usp = read("DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YYN", &[6]).unwrap();
    assert_eq!((usp.marketing, usp.gpc), (Some(false), true));
    let usp = read("DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN", &[6]).unwrap();
    assert_eq!(usp.marketing, None);
}

mod state {
    use kizuna::engine::consent::gpp::read;
    use kizuna::engine::consent::state::{ConsentConfig, ConsentState, Mode, Signal};
    use kizuna::engine::consent::{Category, Choice};

    fn after(mode: Mode, gpp: &str, sections: &[u32], config: impl Fn(&mut ConsentConfig)) -> ConsentState {
        let mut c = ConsentConfig { mode, ..ConsentConfig::default() };
        config(&mut c);
        let mut s = ConsentState::new(c);
        if let Some(g) = read(gpp, sections) {
            s.apply(Signal::Gpp(g), 1.0);
        }
        s
    }

    const OPT_OUT: &str = "DBABLA~CAAVAAAAAABA.QA";
    const NONE: &str = "DBABLA~CAAqAAAAAABA.QA";
    const SENSITIVE: &str = "DBABLA~CAAqVVVVVQBA.QA";
    const GPC: &str = "DBABLA~CAAqAAAAAABA.YA";

    #[test]
    fn the_mapping_onto_kizunas_categories() {
        let s = after(Mode::OptOut, OPT_OUT, &[7], |_| {});
        assert_eq!(
            (s.get(Category::Marketing), s.get(Category::Analytics), s.get(Category::Personalization)),
            (Choice::Denied, Choice::Granted, Choice::Granted)
        );
        let s = after(Mode::OptIn, NONE, &[7], |_| {});
        assert_eq!(
            (s.get(Category::Marketing), s.get(Category::Analytics)),
            (Choice::Granted, Choice::Unknown),
            "no opt-out grants marketing only"
        );
        let s = after(Mode::OptOut, SENSITIVE, &[7], |_| {});
        assert_eq!((s.get(Category::Personalization), s.get(Category::Marketing)), (Choice::Denied, Choice::Granted));
        let s = after(Mode::OptOut, GPC, &[7], |_| {});
        assert_eq!(s.get(Category::Marketing), Choice::Denied, "the section's GPC, like the browser's");
        let s = after(Mode::OptOut, OPT_OUT, &[], |_| {});
        assert_eq!(s.get(Category::Marketing), Choice::Granted, "not applicable: no signal");
        let s = after(Mode::OptOut, OPT_OUT, &[7], |c| c.gpp = false);
        assert_eq!(s.get(Category::Marketing), Choice::Granted, "consent.gpp: false ignores it");
    }
}
