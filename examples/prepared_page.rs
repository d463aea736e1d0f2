//! Developer tool: writes the first page of an image file as OCR reads it (found, straightened,
//! flattened, turned) to a PNG and prints its resolution, so the tesseract CLI can be timed on
//! the same page (benches/ocr.sh): `cargo run --example prepared_page IMAGE OUT.png`.
fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        eprintln!("usage: prepared_page IMAGE OUT.png");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
    let pages = overturn::ocr::decode_image(&bytes).unwrap_or_else(|e| panic!("{input}: {e}"));
    let page = overturn::ocr::prepared_page(&pages[0]);
    page.image
        .save(&output)
        .unwrap_or_else(|e| panic!("{output}: {e}"));
    println!("{}", page.dpi.0.round());
}
