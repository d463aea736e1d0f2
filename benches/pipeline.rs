//! Criterion benchmarks of the pipeline's stages, named `stage/case`, through public
//! functions only. Run with `cargo bench`; OCR is not measured here.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use overturn::rules::Rules;

fn fixture(name: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read(dir.join("input.pdf"))
        .or_else(|_| std::fs::read(dir.join("input.txt")))
        .expect("fixture exists")
}

fn benches(c: &mut Criterion) {
    let rules = Rules::bundled().expect("bundled rules load");
    for case in [
        "mn-ppo-letter",
        "pa-eob-table",
        "notcovered-msn",
        "duplicate-portal",
    ] {
        let doc = overturn::ingest::from_bytes(case.into(), fixture(case)).expect("fixture loads");
        c.bench_function(&format!("text/{case}"), |b| {
            b.iter(|| {
                let t = overturn::text::extract(black_box(&doc)).expect("text");
                assert!(t.chars() > 100);
            })
        });
        let text = overturn::text::extract(&doc).expect("text");
        let layout = overturn::layout::analyze(&text, rules);
        c.bench_function(&format!("classify/{case}"), |b| {
            b.iter(|| {
                let cl = overturn::classify::classify(black_box(&text), &layout, rules);
                assert!(cl.denial.is_some());
            })
        });
        c.bench_function(&format!("fields/{case}"), |b| {
            b.iter(|| {
                let layout = overturn::layout::analyze(black_box(&text), rules);
                let f = overturn::fields::extract(black_box(&text), &layout, rules);
                assert!(f.member_id.is_some());
            })
        });
        c.bench_function(&format!("parse/{case}"), |b| {
            b.iter(|| {
                let r = overturn::parse_document(black_box(&doc), rules).expect("parse");
                assert!(r.denial.is_some());
            })
        });
    }
    c.bench_function("rules/compile", |b| {
        b.iter(|| {
            let r = Rules::from_sources(black_box(overturn::rules::BUNDLED)).expect("rules");
            assert!(!r.phrases.is_empty());
        })
    });
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
