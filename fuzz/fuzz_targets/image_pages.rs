//! Fuzz target: image bytes -> pages (PNG, JPEG, TIFF with many pages, WebP, BMP), the
//! decoding and size checks that come before OCR.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: overturn_fuzz::silence_caught_dependency_panics(),
    |data: &[u8]| {
        // As text::extract does: a decoder's panic is caught and becomes a `bad_image` error.
        let decoded = std::panic::catch_unwind(|| overturn::ocr::decode_image(data));
        if let Ok(Ok(pages)) = decoded {
            assert!(!pages.is_empty(), "an image decodes to at least one page");
            assert!(pages.len() <= overturn::ocr::MAX_OCR_PAGES);
            for p in &pages {
                let (w, h) = p.image.dimensions();
                assert!(w > 0 && h > 0);
                assert!(u64::from(w) * u64::from(h) <= overturn::ocr::MAX_PAGE_PIXELS);
            }
        }
    }
);
