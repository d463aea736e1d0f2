//! Fuzz target: rule TOML -> rules. The first byte picks which bundled rule file the rest
//! replaces; loading must give rules or a `rules` error, never a panic or a runaway.
#![no_main]

use libfuzzer_sys::fuzz_target;
use overturn::rules::{BUNDLED, Rules};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(toml) = std::str::from_utf8(rest) else {
        return;
    };
    let replaced = BUNDLED[pick as usize % BUNDLED.len()].0;
    let sources: Vec<(&str, &str)> = BUNDLED
        .iter()
        .map(|&(name, bundled)| (name, if name == replaced { toml } else { bundled }))
        .collect();
    if let Ok(rules) = Rules::from_sources(&sources) {
        // Rules that load are used: a short letter through the analysis.
        let text = overturn::text::Text::new(
            overturn::text::Method::PlainText,
            vec![vec![
                "March 3, 2025".into(),
                "Claim number: A123456. Your claim was denied (CO-50): not medically necessary."
                    .into(),
                "You may appeal within 180 days of the date of this letter.".into(),
            ]],
            Vec::new(),
        );
        let source = overturn::report::Source {
            path: "fuzz.txt".into(),
            sha256: String::new(),
            media_type: "text/plain".into(),
            pages: 1,
        };
        let report = overturn::analyze(&text, source, &rules);
        overturn_fuzz::check_report(&report, &text);
    }
});
