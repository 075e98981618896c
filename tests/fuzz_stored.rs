//! Every stored format Kizuna reads, fuzzed against oracles. Storage and
//! the consent cookie are untrusted input: another Kizuna version, an
//! extension, a full disk or a hostile script can leave anything there.
//!
//! For each format, valid values are made by driving the engines (a page
//! that tracks, identifies, consents and navigates; a personalizer that
//! decides slots and folds signals) and then damaged (`fuzz_stored/mutate.rs`).
//! A fresh engine starts on each value where that format is read, tracks
//! and delivers; the oracles (`fuzz_stored/oracle.rs`): nothing panics or
//! takes long, every request body is JSON (serde_json) within the batch
//! limit, every event has the Segment shape, the page's own events all
//! arrive, and a valid value reads back as it was written. The profile and
//! the signal log also run a personalizer (`fuzz_stored/personalizer.rs`):
//! its every answer as the edge reads it, its exposure events through a
//! tracker. Each format's module adds its own oracles.
//!
//! | format | read by | module |
//! |---|---|---|
//! | `kizuna:q.<owner>`, `kizuna:q.<owner>.<n>` | `Input::Stored` | `queue` |
//! | `kizuna:consent`, cookie `kz_consent` | start's `Stored`, `Input::ConsentRecord` | `consent` |
//! | `kizuna:session` | `Input::Stored` | `session` |
//! | `kizuna:anonymousId`, `kizuna:userId`, `kizuna:traits`, `kizuna:groupId`, `kizuna:groupTraits` | start's `Stored` | `identity` |
//! | `kizuna:signals` | start's `Stored`, then the personalizer's `fold` | `signals` |
//! | `kizuna:profile` | `Personalizer::start` | `profile` |
//!
//! Inputs that once broke an oracle are kept in
//! `tests/fixtures/fuzz/stored.json` (each `format:value`: `queue:` lines of
//! `key=value`, `identity:` three to five lines, `-` for none, `cookie:` the
//! cookie's value, `consent-tab:` another tab's record) and re-run.
//! `FUZZ_SCALE=n` runs n times the cases; `--nocapture` shows the counts
//! and times.

#![cfg(not(target_arch = "wasm32"))]

mod fuzzing;
mod sim;

#[path = "fuzz_stored/consent.rs"]
mod consent;
#[path = "fuzz_stored/identity.rs"]
mod identity;
#[path = "fuzz_stored/mutate.rs"]
mod mutate;
#[path = "fuzz_stored/oracle.rs"]
mod oracle;
#[path = "fuzz_stored/personalizer.rs"]
mod personalizer;
#[path = "fuzz_stored/profile.rs"]
mod profile;
#[path = "fuzz_stored/queue.rs"]
mod queue;
#[path = "fuzz_stored/session.rs"]
mod session;
#[path = "fuzz_stored/signals.rs"]
mod signals;

/// Re-runs every kept input through its format's checks.
#[test]
fn kept_inputs_still_pass() {
    let started = std::time::Instant::now();
    let kept = fuzzing::corpus("stored");
    for entry in &kept {
        let (format, value) = entry.split_once(':').unwrap_or_else(|| panic!("a kept input is format:value, not {entry:?}"));
        match format {
            "queue" => queue::check_kept(value),
            "session" => drop(session::check("kept session", value)),
            "consent" | "consent-tab" | "cookie" => consent::check_kept(format, value),
            "identity" => identity::check_kept(value),
            "profile" => profile::check("kept profile", value),
            "signals" => signals::check("kept signal log", value),
            other => panic!("unknown format {other:?} in the kept inputs"),
        }
    }
    fuzzing::report("kept", kept.len(), started);
}
