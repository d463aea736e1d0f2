//! OCR: page images in, lines of text and a confidence out, through libtesseract in process.
//! Images (PNG, JPEG, TIFF incl. multi-page faxes, WebP, BMP) are decoded here, PDF pages
//! without a usable text layer are rasterised here (hayro, pure Rust), and each page is
//! prepared the way scans need (`prepare`: a photographed page found and straightened, its
//! resolution measured, shading and uneven light flattened, square pixels, lone fax specks
//! removed, the lines' lean measured).
//! The words' boxes, levelled, make the page's lines. One tesseract engine per thread,
//! created once and reused.

mod prepare;

use std::cell::RefCell;
use std::sync::OnceLock;

use image::{GrayImage, ImageDecoder};

/// Largest page overturn will OCR, in pixels (a 300 dpi page is about 8.7 million).
pub const MAX_PAGE_PIXELS: u64 = 60_000_000;
/// Most pages OCR'd from one document.
pub const MAX_OCR_PAGES: usize = 200;
/// Resolution PDF pages are rendered at for OCR, and assumed for images that do not say.
pub const OCR_DPI: u32 = 300;
/// Lowest resolution handed to OCR; pages below it (fax lines) are scaled up.
pub const MIN_DPI: u32 = 200;
/// Below this mean confidence a page's text is flagged as unreliable.
pub const LOW_CONFIDENCE: f64 = 0.6;

static LANGUAGE: OnceLock<String> = OnceLock::new();

thread_local! {
    // The languages [`with_language`] set for this thread, over the process's.
    static THREAD_LANGUAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Sets the OCR languages for this process (tesseract names joined by `+`, e.g. `eng+spa`).
/// The first call wins; the default is `eng`.
pub fn set_language(lang: &str) {
    let _ = LANGUAGE.set(lang.to_string());
}

/// Runs `f` with OCR in `lang` (tesseract names joined by `+`) on this thread, whatever
/// [`set_language`] set for the process; the thread's languages are restored afterwards,
/// also when `f` panics. For a library caller whose documents differ in language (the
/// Python package's `lang=` argument).
pub fn with_language<R>(lang: &str, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<String>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            THREAD_LANGUAGE.with(|l| *l.borrow_mut() = previous);
        }
    }
    let _restore = Restore(THREAD_LANGUAGE.with(|l| l.replace(Some(lang.to_string()))));
    f()
}

/// Whether OCR runs in the default language (`eng`): neither the process nor this thread chose.
pub(crate) fn default_language() -> bool {
    language() == "eng"
}

/// The OCR languages in force on this thread.
fn language() -> String {
    THREAD_LANGUAGE
        .with(|l| l.borrow().clone())
        .or_else(|| LANGUAGE.get().cloned())
        .unwrap_or_else(|| "eng".to_string())
}

/// A grayscale page image and its resolution.
#[derive(Debug, Clone)]
pub struct PageImage {
    /// 8-bit luminance.
    pub image: GrayImage,
    /// Horizontal and vertical resolution in dots per inch.
    pub dpi: (f32, f32),
}

/// The text of one OCR'd page.
#[derive(Debug, Clone)]
pub struct OcrPage {
    /// Lines in reading order.
    pub lines: Vec<String>,
    /// The page's lines from OCR's word boxes, for the layout stage.
    pub layout: Vec<crate::text::RawLine>,
    /// Words read with low confidence (below [`UNCERTAIN_WORD`]).
    pub uncertain: Vec<String>,
    /// Mean word confidence, 0..1.
    pub confidence: f64,
    /// Degrees the page was turned to read it (0 when it was upright).
    pub rotated: u32,
}

impl OcrPage {
    /// The warning for a page that had to be turned to be read, if it was.
    pub fn rotation_warning(&self, page: u32) -> Option<String> {
        (self.rotated != 0).then(|| {
            format!(
                "page {page}: read turned {} degrees (it was scanned rotated)",
                self.rotated
            )
        })
    }
}

#[cfg(test)]
thread_local! {
    /// Pages read on this thread (tests count the readings a page took).
    static READS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Pages read on this thread so far (tests count the readings a document took).
#[cfg(test)]
pub(crate) fn reads_on_this_thread() -> usize {
    READS.with(std::cell::Cell::get)
}

thread_local! {
    // (language, engine): kept between pages and documents; an error consumes the engine.
    static ENGINE: RefCell<Option<(String, tesseract::Tesseract)>> = const { RefCell::new(None) };
}

/// Recognises one page. A page on its side or upside down (its lines' direction and its
/// letters' shapes tell) is turned before it is read; a page that still reads as noise is
/// tried again turned the other ways (180 degrees, and, when it is wider than tall or was
/// judged on its side, 90 and 270): scanners and fax machines feed pages every way.
pub fn recognize(page: &PageImage) -> Result<OcrPage, String> {
    // The fuzz targets (fuzz/) explore the parsers and decoders; tesseract is C, slow, and
    // not what they test, so a fuzzing build reads every page as if OCR failed.
    if cfg!(fuzzing) {
        return Err("OCR is not run in a fuzzing build".into());
    }
    // Read once, turned, instead of read as noise and then again turned (each reading costs
    // as much as the first).
    let (prepared, guess) = prepared_turned(page);
    let mut first = read(&prepared)?;
    first.rotated = guess;
    if first.confidence >= LOW_CONFIDENCE {
        return Ok(first);
    }
    let (w, h) = page.image.dimensions();
    let turns = [0, 90, 270, 180]
        .into_iter()
        .filter(|&t| t != guess && (w > h || !guess.is_multiple_of(180) || t.is_multiple_of(180)));
    let mut best = first;
    for t in turns {
        // The page turned on from where the first reading had it.
        let mut r = read(&prepare::turn(prepared.clone(), (t + 360 - guess) % 360))?;
        r.rotated = t;
        if r.confidence > best.confidence + 0.1 {
            best = r;
        }
        if best.confidence >= LOW_CONFIDENCE {
            break;
        }
    }
    Ok(best)
}

/// A page as the first reading hands it to tesseract: prepared (a photographed page found and
/// straightened, the background flattened, pixels squared at a known resolution) and turned
/// the way its lines read. For seeing what the engine saw, and for timing the tesseract CLI
/// on the same page (benches/ocr.sh).
pub fn prepared_page(page: &PageImage) -> PageImage {
    let (prepared, _) = prepared_turned(page);
    PageImage {
        dpi: (prepared.dpi, prepared.dpi),
        image: prepared.image,
    }
}

/// A page prepared and turned the way its lines read (judged from its lines and letters), and
/// the degrees it was turned by.
fn prepared_turned(page: &PageImage) -> (prepare::Prepared, u32) {
    let prepared = prepare::prepare(page);
    let guess = prepare::orientation(&prepared);
    (prepare::turn(prepared, guess), guess)
}

/// Reads one prepared page.
fn read(prepared: &prepare::Prepared) -> Result<OcrPage, String> {
    #[cfg(test)]
    READS.with(|n| n.set(n.get() + 1));
    let dpi = prepared.dpi.round() as i32;
    let skew = prepared.skew;
    let prepared = &prepared.image;
    let lang = language();
    let (w, h) = prepared.dimensions();
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let engine = match slot.take() {
            Some((l, e)) if l == lang => e,
            _ => {
                openmp_on_calling_thread();
                let e = tesseract::Tesseract::new(None, Some(&lang))
                    .map_err(|e| format!("OCR engine ({lang}): {e}"))?;
                // tesseract's own messages ("Detected 80 diacritics") go to its debug file,
                // not to the user's terminal or a batch's stderr.
                e.set_variable("debug_file", "/dev/null")
                    .map_err(|e| format!("OCR engine ({lang}): {e}"))?
            }
        };
        // A bilevel page (a fax) goes as one bit per pixel, as the CLI hands it over: tesseract
        // then skips thresholding and reads it faster.
        let packed = pack_bilevel(prepared);
        let (frame, bpp, stride): (&[u8], i32, i32) = match &packed {
            Some(p) => (p.as_slice(), 0, w.div_ceil(8) as i32),
            None => (prepared.as_raw().as_slice(), 1, w as i32),
        };
        let mut engine = engine
            .set_frame(frame, w as i32, h as i32, bpp, stride)
            .map_err(|e| format!("OCR image: {e}"))?
            .set_source_resolution(dpi);
        // The library's default is one uniform block, which loses claim tables; the CLI's is auto.
        engine.set_page_seg_mode(tesseract::PageSegMode::PsmAuto);
        let mut engine = engine.recognize().map_err(|e| format!("OCR: {e}"))?;
        let confidence = (engine.mean_text_conf().clamp(0, 100) as f64) / 100.0;
        // Word boxes and confidences (tesseract's result iterator, as TSV rows).
        let tsv = engine.get_tsv_text(0).unwrap_or_default();
        *slot = Some((lang, engine));
        let (words, uncertain) = words_of_tsv(&tsv, 72.0 / dpi as f32, (w, h), skew);
        // The page's lines are the rows of its word boxes, as the layout stage sees them:
        // tesseract's own lines join or part a label and its value by how its blocks fell
        // (measured on the development set's scans, faxes and photos: 79.6 % of fields with
        // tesseract's lines, 80.5 % with the rows).
        let layout = crate::text::lines_from_words(words);
        let lines = layout.iter().map(|l| l.text()).collect();
        Ok(OcrPage {
            lines,
            layout,
            uncertain,
            confidence,
            rotated: 0,
        })
    })
}

/// A word read with a confidence below this (tesseract's 0-100 scale) is uncertain: its
/// digits may be wrong.
pub const UNCERTAIN_WORD: f32 = 60.0;

/// The words of tesseract's TSV output (level 5 rows: page, block, paragraph, line, word,
/// left, top, width, height, confidence, text) with boxes scaled from pixels to points, and
/// the words read with low confidence. Boxes on a page `size` pixels large whose lines lean
/// by `skew` degrees are levelled first, so that a table's row is one line.
fn words_of_tsv(
    tsv: &str,
    scale: f32,
    size: (u32, u32),
    skew: f32,
) -> (Vec<crate::text::OcrWord>, Vec<String>) {
    let mut words = Vec::new();
    let mut uncertain = Vec::new();
    for row in tsv.lines() {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let num = |i: usize| f[i].trim().parse::<f32>().ok();
        let (Some(left), Some(top), Some(width), Some(height), Some(conf)) =
            (num(6), num(7), num(8), num(9), num(10))
        else {
            continue;
        };
        let text = clean_line(f[11]);
        if text.is_empty() {
            continue;
        }
        if (0.0..UNCERTAIN_WORD).contains(&conf) {
            uncertain.push(text.clone());
        }
        let (x0, y0, x1, y1) =
            prepare::level_box((left, top, left + width, top + height), size, skew);
        // Block, paragraph and line numbers: the line's key.
        let line = match (num(2), num(3), num(4)) {
            (Some(b), Some(p), Some(l)) => Some((b as u32) << 20 | (p as u32) << 10 | l as u32),
            _ => None,
        };
        words.push(crate::text::OcrWord {
            text,
            line,
            x0: x0 * scale,
            y0: y0 * scale,
            x1: x1 * scale,
            y1: y1 * scale,
        });
    }
    (join_spaced_dollars(words), uncertain)
}

/// "$1" and "340.00" on one line, next to each other: one amount, "$1,340.00" (OCR read
/// the thousands comma as a space).
fn join_spaced_dollars(words: Vec<crate::text::OcrWord>) -> Vec<crate::text::OcrWord> {
    let mut out: Vec<crate::text::OcrWord> = Vec::with_capacity(words.len());
    for w in words {
        // Each word is already cleaned: only the pair's thousands comma is left to mend.
        if let Some(p) = out.last_mut()
            && p.line == w.line
            && w.x0 - p.x1 < (p.y1 - p.y0)
            && p.text.starts_with('$')
            && w.text.starts_with(|c: char| c.is_ascii_digit())
        {
            let joined = format!("{} {}", p.text, w.text);
            let mended = SPACED_DOLLARS.replace_all(&joined, "$$${1},${2}.${3}");
            if !mended.contains(' ') {
                p.text = mended.into_owned();
                p.x1 = w.x1;
                continue;
            }
        }
        out.push(w);
    }
    out
}

// "$1 340.00": OCR reads a thousands comma as a space; with a dollar sign that is safe to mend.
static SPACED_DOLLARS: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| crate::rules::constant(r"\$\s?(\d{1,3}) (\d{3})\.(\d{2})\b"));

/// A speck between a word and a figure, read as a full stop ("within.90 days", "Page.1"): the
/// space it stood in.
static SPECK_STOP: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| crate::rules::constant(r"^(\p{L}\p{Ll}+)\.(\d)"));

/// A label's two words OCR read as one ("Claimnumber", "MemberID", a column's "Yourshare"):
/// the word that names what is numbered or whose amount it is, then the label's own word.
static GLUED_LABEL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    crate::rules::constant(
        r"^(?i)(claim|member|medicaid|medicare|subscriber|account|reference|group|policy|case|patient|recipient|authorization|control)(number|no\.?|id|#)(:?)$|^(?i)(your|you|plan|not|amount|patient|member|total)(share|paid|pays|owe|cost|responsibility|covered|billed|allowed|charges?)(:?)$",
    )
});

/// Table rules and specks that OCR reads as characters ("|", "§") are not text; a thousands
/// comma read as a space is put back.
/// libtesseract parallelises inside a page with OpenMP, which starts more threads than there
/// are cores and on a 2-core machine read one page in 12.5 s instead of 1.3 s; overturn's
/// parallelism is across documents (`batch --jobs`) instead. With OpenMP's "max active
/// levels" at 0 no parallel region is active: every OCR call runs on its caller's thread.
/// The setting belongs to the calling thread (libgomp keeps it per task), so it is made on
/// every thread that makes an engine. The runtime (libgomp, loaded with libtesseract) is
/// looked up at run time, so nothing links against it and another runtime is left as it is.
fn openmp_on_calling_thread() {
    if let Some(set) = openmp_fn(c"omp_set_max_active_levels") {
        // SAFETY: the symbol is OpenMP's `void omp_set_max_active_levels(int)`.
        let set: extern "C" fn(i32) = unsafe { std::mem::transmute(set) };
        set(0);
    }
}

/// OpenMP's "max active levels" on the calling thread, as libtesseract will see it once the
/// thread has made an engine; `None` when no OpenMP runtime is loaded.
pub fn openmp_max_active_levels() -> Option<i32> {
    let get = openmp_fn(c"omp_get_max_active_levels")?;
    // SAFETY: the symbol is OpenMP's `int omp_get_max_active_levels(void)`.
    let get: extern "C" fn() -> i32 = unsafe { std::mem::transmute(get) };
    Some(get())
}

/// A function of the OpenMP runtime already loaded into the process.
fn openmp_fn(name: &std::ffi::CStr) -> Option<*mut std::ffi::c_void> {
    #[cfg(target_os = "linux")]
    {
        unsafe extern "C" {
            fn dlsym(
                handle: *mut std::ffi::c_void,
                symbol: *const std::ffi::c_char,
            ) -> *mut std::ffi::c_void;
        }
        // SAFETY: RTLD_DEFAULT (null) searches the objects already loaded; `name` is a C string.
        let f = unsafe { dlsym(std::ptr::null_mut(), name.as_ptr()) };
        (!f.is_null()).then_some(f)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = name;
        None
    }
}

fn clean_line(line: &str) -> String {
    let s: String = line
        .chars()
        .map(|c| {
            if matches!(c, '|' | '\u{a6}' | '\u{a7}' | '\u{2016}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let s = GLUED_LABEL.replace(&s, "${1}${4} ${2}${5}${3}${6}");
    let s = SPECK_STOP.replace(&s, "${1} ${2}");
    // A speck after a number read as a degree sign ("26°" of "26 071 00433").
    let s = match s.strip_suffix('\u{b0}') {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n.into(),
        _ => s,
    };
    SPACED_DOLLARS
        .replace_all(&s, "$$${1},${2}.${3}")
        .into_owned()
}

/// Packs a page whose pixels are all black or white into 1 bit per pixel as tesseract's
/// `SetImage` takes it: 1 = white (its documentation; `ImageThresholder::SetImage` clears the
/// pixel for a set bit), rows padded to a byte; `None` for a grayscale page.
fn pack_bilevel(img: &GrayImage) -> Option<Vec<u8>> {
    if !prepare::is_bilevel(img) {
        return None;
    }
    let (w, h) = img.dimensions();
    let stride = w.div_ceil(8) as usize;
    let mut out = vec![0u8; stride * h as usize];
    for (y, row) in img.as_raw().chunks_exact(w as usize).enumerate() {
        for (x, &v) in row.iter().enumerate() {
            if v != 0 {
                out[y * stride + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    Some(out)
}

/// Decodes an image file into pages (every page of a multi-page TIFF).
pub fn decode_image(bytes: &[u8]) -> Result<Vec<PageImage>, String> {
    let format = image::guess_format(bytes).map_err(|_| "unknown image format".to_string())?;
    if format == image::ImageFormat::Tiff {
        return decode_tiff(bytes);
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(1 << 29);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("unreadable image: {e}"))?;
    let (w, h) = decoder.dimensions();
    check_size(w, h)?;
    // JPEG and PNG carry their resolution only sometimes; scans and photos default to 300.
    let _ = decoder.set_limits(image::Limits::default());
    // A phone stores a photo as its sensor saw it and writes which way up it was held (EXIF):
    // a letter photographed upright is otherwise a page on its side.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img =
        image::DynamicImage::from_decoder(decoder).map_err(|e| format!("unreadable image: {e}"))?;
    img.apply_orientation(orientation);
    Ok(vec![PageImage {
        image: img.to_luma8(),
        dpi: (OCR_DPI as f32, OCR_DPI as f32),
    }])
}

fn check_size(w: u32, h: u32) -> Result<(), String> {
    if w == 0 || h == 0 {
        return Err("the image has no pixels".into());
    }
    if u64::from(w) * u64::from(h) > MAX_PAGE_PIXELS {
        return Err(format!(
            "the page is {w}x{h} pixels; the limit is {MAX_PAGE_PIXELS} pixels"
        ));
    }
    Ok(())
}

/// Every page of a TIFF, with its resolution (faxes have non-square pixels).
fn decode_tiff(bytes: &[u8]) -> Result<Vec<PageImage>, String> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::tags::Tag;
    let mut dec =
        Decoder::new(std::io::Cursor::new(bytes)).map_err(|e| format!("unreadable TIFF: {e}"))?;
    let mut pages = Vec::new();
    loop {
        if pages.len() >= MAX_OCR_PAGES {
            return Err(format!("the TIFF has more than {MAX_OCR_PAGES} pages"));
        }
        let (w, h) = dec
            .dimensions()
            .map_err(|e| format!("unreadable TIFF page: {e}"))?;
        check_size(w, h)?;
        // Resolutions are rationals (204/1), which the decoder's float getter does not
        // read: a standard fax's 204x98 had been taken for 300x300 and read squashed.
        let per_cm = dec.get_tag_u32(Tag::ResolutionUnit).ok() == Some(3);
        let mut res = |tag| {
            let v = match dec.get_tag_u32_vec(tag).ok()?.as_slice() {
                [n, d] if *d > 0 => *n as f32 / *d as f32,
                [n] => *n as f32,
                _ => return None,
            };
            let v = if per_cm { v * 2.54 } else { v };
            (v > 10.0 && v < 5000.0).then_some(v)
        };
        let dpi = (
            res(Tag::XResolution).unwrap_or(OCR_DPI as f32),
            res(Tag::YResolution).unwrap_or(OCR_DPI as f32),
        );
        let color = dec
            .colortype()
            .map_err(|e| format!("unreadable TIFF page: {e}"))?;
        let data = dec
            .read_image()
            .map_err(|e| format!("unreadable TIFF page: {e}"))?;
        let DecodingResult::U8(raw) = data else {
            return Err("unsupported TIFF sample format".into());
        };
        let gray = tiff_to_gray(&raw, w, h, color)
            .ok_or_else(|| format!("unsupported TIFF color type {color:?}"))?;
        pages.push(PageImage { image: gray, dpi });
        if !dec.more_images() {
            break;
        }
        dec.next_image()
            .map_err(|e| format!("unreadable TIFF page: {e}"))?;
    }
    Ok(pages)
}

/// A decoded TIFF page's samples as 8-bit grey (0 black). The `tiff` decoder has already turned
/// a WhiteIsZero page (what fax software writes) into BlackIsZero samples: inverting it again
/// had prepared every fax as white type on black (an inverted 1-bit packing hid it from OCR).
fn tiff_to_gray(raw: &[u8], w: u32, h: u32, color: tiff::ColorType) -> Option<GrayImage> {
    use tiff::ColorType;
    let px = (w as usize) * (h as usize);
    let mut out = vec![255u8; px];
    match color {
        // Bilevel (fax): packed 1 bit per pixel, rows padded to a byte.
        ColorType::Gray(1) => {
            let stride = (w as usize).div_ceil(8);
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let bit = raw.get(y * stride + x / 8)? >> (7 - (x % 8)) & 1;
                    out[y * w as usize + x] = if bit == 0 { 0 } else { 255 };
                }
            }
        }
        ColorType::Gray(8) => {
            out.copy_from_slice(raw.get(..px)?);
        }
        ColorType::RGB(8) | ColorType::RGBA(8) => {
            let n = if matches!(color, ColorType::RGB(8)) {
                3
            } else {
                4
            };
            for (i, o) in out.iter_mut().enumerate() {
                let p = raw.get(i * n..i * n + 3)?;
                *o = ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114)
                    / 1000) as u8;
            }
        }
        _ => return None,
    }
    GrayImage::from_raw(w, h, out)
}

/// Renders one page of a PDF (0-based) for OCR at `dpi` (the resolution of the scan the page
/// holds, [`scan_resolution`]), or at [`OCR_DPI`] when that is not known.
pub fn render_pdf_page(bytes: &[u8], index: usize, dpi: Option<f32>) -> Result<PageImage, String> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    let pdf = Pdf::new(bytes.to_vec()).map_err(|e| format!("cannot render the PDF: {e:?}"))?;
    let pages = pdf.pages();
    let page = pages.get(index).ok_or_else(|| "no such page".to_string())?;
    let (w, h) = page.render_dimensions();
    let dpi = dpi.unwrap_or(OCR_DPI as f32);
    let scale = dpi / 72.0;
    if f64::from(w * scale) * f64::from(h * scale) > MAX_PAGE_PIXELS as f64
        || w * scale > 65_000.0
        || h * scale > 65_000.0
    {
        return Err("the page is too large to render".into());
    }
    let settings = hayro::PixmapSettings {
        x_scale: scale,
        y_scale: scale,
        bg_color: hayro::vello_cpu::color::palette::css::WHITE,
    };
    let cache = hayro::RenderCache::new();
    let pixmap = hayro::render(
        page,
        &cache,
        &InterpreterSettings::default(),
        &hayro::RenderSettings::default(),
        &settings,
    );
    let (pw, ph) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    let rgba = pixmap.data_as_u8_slice();
    let gray: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        })
        .collect();
    let image =
        GrayImage::from_raw(pw, ph, gray).ok_or_else(|| "render size mismatch".to_string())?;
    Ok(PageImage {
        image,
        dpi: (dpi, dpi),
    })
}

/// The resolution of a scanned page: a page image `image` pixels large drawn over a page
/// `page` points large, when it covers the page (either way round) and its resolution is a
/// scanner's. A scanner PDF is read best at its image's own resolution: rendered at another,
/// its pixels are resampled and the type blurs (measured on the development set's scanner
/// PDFs: tables' rows of figures were read as noise from 200 dpi images rendered at 300).
pub fn scan_resolution(image: (f32, f32), page: (f32, f32)) -> Option<f32> {
    let (pw, ph) = (page.0 / 72.0, page.1 / 72.0);
    if pw <= 0.0 || ph <= 0.0 {
        return None;
    }
    [(image.0, image.1), (image.1, image.0)]
        .into_iter()
        .find_map(|(iw, ih)| {
            let (dx, dy) = (iw / pw, ih / ph);
            let near = (dx - dy).abs() <= 0.03 * dx.max(dy);
            (near && (MIN_DPI as f32..=600.0).contains(&dx)).then_some(dx.max(dy))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_language_overrides_the_process_one_and_is_restored() {
        let process = language();
        let seen = with_language("spa", || {
            let inner = with_language("eng+spa", language);
            (language(), inner)
        });
        assert_eq!(seen, ("spa".to_string(), "eng+spa".to_string()));
        assert_eq!(language(), process);
        // Restored when the closure panics too.
        let caught = std::panic::catch_unwind(|| with_language("deu", || panic!("boom")));
        assert!(caught.is_err());
        assert_eq!(language(), process);
        // Other threads keep the process's languages.
        with_language("fra", || {
            let other = std::thread::spawn(language).join().unwrap();
            assert_eq!(other, process);
        });
    }

    #[test]
    fn a_scanned_page_is_rendered_at_its_images_resolution() {
        let letter = (612.0, 792.0);
        // 200 and 240 dpi page images, upright or turned; a landscape page.
        assert_eq!(scan_resolution((1700.0, 2200.0), letter), Some(200.0));
        assert_eq!(scan_resolution((2640.0, 2040.0), letter), Some(240.0));
        assert_eq!(
            scan_resolution((2640.0, 2040.0), (792.0, 612.0)),
            Some(240.0)
        );
        // A logo, a strip, an image of another shape, and one too fine or too coarse to be a
        // scanner's: the page is rendered at OCR_DPI.
        assert_eq!(scan_resolution((300.0, 120.0), letter), None);
        assert_eq!(scan_resolution((1700.0, 400.0), letter), None);
        assert_eq!(scan_resolution((1700.0, 1700.0), letter), None);
        assert_eq!(scan_resolution((8500.0, 11000.0), letter), None);
        assert_eq!(scan_resolution((850.0, 1100.0), letter), None);
        assert_eq!(scan_resolution((1700.0, 2200.0), (0.0, 792.0)), None);
    }

    #[test]
    fn fax_pixels_become_square() {
        let page = PageImage {
            image: GrayImage::new(1728, 1100),
            dpi: (204.0, 98.0),
        };
        let p = prepare::prepare(&page);
        let (w, h) = p.image.dimensions();
        // 1728 px at 204 dpi = 8.47 in; 1100 px at 98 dpi = 11.2 in: the page keeps its shape.
        let ratio = (w as f32 / h as f32) / (8.47 / 11.22);
        assert!((ratio - 1.0).abs() < 0.02, "{w}x{h}");
        // Read at 150 dpi both ways: the lines scaled up, the dots along them down.
        assert_eq!(p.dpi, 150.0);
        assert!(
            (1260..=1280).contains(&w) && (1670..=1690).contains(&h),
            "{w}x{h}"
        );
        // A fine fax's near-square pixels are left as they are.
        let fine = PageImage {
            image: GrayImage::new(1728, 2200),
            dpi: (204.0, 196.0),
        };
        assert_eq!(prepare::prepare(&fine).image.dimensions(), (1728, 2200));
    }

    // Regression: TIFF resolutions are rationals, which the float getter did not read; a
    // standard fax (204x98) was taken for 300x300 and read squashed to half its height.
    #[test]
    fn a_tiffs_resolution_is_read_from_its_rationals() {
        use tiff::encoder::{Rational, TiffEncoder, colortype::Gray8};
        use tiff::tags::ResolutionUnit;
        let tiff = |unit: ResolutionUnit, x: u32, y: u32| {
            let mut bytes = Vec::new();
            let mut enc = TiffEncoder::new(std::io::Cursor::new(&mut bytes)).unwrap();
            let mut img = enc.new_image::<Gray8>(8, 8).unwrap();
            img.resolution_unit(unit);
            img.x_resolution(Rational { n: x, d: 1 });
            img.y_resolution(Rational { n: y * 10, d: 10 });
            img.write_data(&[255u8; 64]).unwrap();
            decode_tiff(&bytes).unwrap()[0].dpi
        };
        assert_eq!(tiff(ResolutionUnit::Inch, 204, 98), (204.0, 98.0));
        let (x, y) = tiff(ResolutionUnit::Centimeter, 80, 40);
        assert!((x - 203.2).abs() < 0.01 && (y - 101.6).abs() < 0.01);
    }

    #[test]
    fn bilevel_tiff_rows_unpack() {
        // 10x2 pixels as the decoder hands them over (BlackIsZero): 0 bits are black.
        let raw = [0b0111_1111, 0b1011_1111, 0b1111_1111, 0b1011_1111];
        let g = tiff_to_gray(&raw, 10, 2, tiff::ColorType::Gray(1)).unwrap();
        assert_eq!(g.get_pixel(0, 0).0[0], 0);
        assert_eq!(g.get_pixel(1, 0).0[0], 255);
        assert_eq!(g.get_pixel(9, 0).0[0], 0);
        assert_eq!(g.get_pixel(9, 1).0[0], 0);
        assert_eq!(g.get_pixel(0, 1).0[0], 255);
    }

    // An 8-bit WhiteIsZero page (0 is white), written out by hand: ink stays ink whichever way
    // the file says its samples run.
    #[test]
    fn an_8_bit_white_is_zero_tiff_decodes_black_on_white() {
        let entry = |tag: u16, kind: u16, value: u32| {
            let mut e = Vec::new();
            e.extend(tag.to_le_bytes());
            e.extend(kind.to_le_bytes());
            e.extend(1u32.to_le_bytes());
            e.extend(value.to_le_bytes());
            e
        };
        let (short, long) = (3, 4);
        let tags = [
            (256, short, 4),  // width
            (257, short, 2),  // height
            (258, short, 8),  // bits per sample
            (259, short, 1),  // no compression
            (262, short, 0),  // WhiteIsZero
            (273, long, 122), // strip offset: after the header and this 9-entry directory
            (277, short, 1),  // samples per pixel
            (278, short, 2),  // rows per strip
            (279, long, 8),   // strip bytes
        ];
        let mut tif = b"II*\0".to_vec();
        tif.extend(8u32.to_le_bytes());
        tif.extend((tags.len() as u16).to_le_bytes());
        for (tag, kind, value) in tags {
            tif.extend(entry(tag, kind, value));
        }
        tif.extend(0u32.to_le_bytes());
        assert_eq!(tif.len(), 122);
        tif.extend([0, 255, 0, 0, 0, 0, 0, 255]);
        let page = &decode_image(&tif).unwrap()[0];
        let px: Vec<u8> = page.image.as_raw().clone();
        assert_eq!(px, [255, 0, 255, 255, 255, 255, 255, 0]);
    }

    // Regression: the decoder turns WhiteIsZero samples (every fax the fixtures hold, as fax
    // software writes them) into BlackIsZero, and they were inverted again: fax specks were
    // looked for in the ink and the lean measured on the paper.
    #[test]
    fn tiff_pages_decode_as_dark_type_on_white_paper() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path().join("input.tif");
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            for page in decode_image(&bytes).unwrap() {
                let raw = page.image.as_raw();
                let dark = raw.iter().filter(|&&v| v < 128).count() as f64 / raw.len() as f64;
                assert!(
                    (0.005..0.3).contains(&dark),
                    "{}: {:.1} % of the page dark",
                    path.display(),
                    dark * 100.0
                );
            }
            seen += 1;
        }
        // Both fax resolutions and a greyscale scan are among them.
        assert!(seen >= 5, "only {seen} TIFF fixtures");
    }

    /// Every page image of the scanned and photographed fixtures, by name.
    fn fixture_pages() -> Vec<(String, PageImage)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut out = Vec::new();
        let mut dirs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        for d in dirs {
            let mut files: Vec<_> = std::fs::read_dir(&d)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy();
                    (name.starts_with("input.") || name.starts_with("page-"))
                        && matches!(
                            p.extension().and_then(|e| e.to_str()),
                            Some("png" | "jpg" | "tif")
                        )
                })
                .collect();
            files.sort();
            for f in files {
                let pages = decode_image(&std::fs::read(&f).unwrap()).unwrap();
                for (i, page) in pages.into_iter().enumerate() {
                    let name = format!("{} p{}", f.strip_prefix(&dir).unwrap().display(), i + 1);
                    out.push((name, page));
                }
            }
        }
        out
    }

    // No scanned fixture page, as it stands or turned any way, is judged to need a turn other
    // than the one that stands it upright, and most are judged (the others are left as they
    // are). On the development set's 86 scanned, faxed and photographed pages, measured the
    // same way, none judged wrong: upright pages hold 1.3 to 3.7 times as much ink above
    // their lines' x-height band as below it, and 0.3 to 0.99 of their ink is in lines of
    // type, on their side at most 0.34.
    #[test]
    fn a_page_is_judged_the_way_it_stands_by_its_lines_and_letters() {
        let (mut judged, mut turned) = (0, 0);
        for (name, page) in fixture_pages() {
            let p = prepare::prepare(&page);
            // The turn each fixture needs (the sideways scan was stored turned a quarter
            // counter-clockwise).
            let stands = match name.as_str() {
                n if n.contains("upside-down") => 180,
                n if n.contains("sideways") => 90,
                _ => 0,
            };
            for by in [0, 90, 180, 270] {
                let needs = (stands + 360 - by) % 360;
                let judged_turn = prepare::orientation(&prepare::turn(p.clone(), by));
                assert!(
                    judged_turn == needs || judged_turn == 0,
                    "{name} turned {by}: judged {judged_turn}, needs {needs}"
                );
                if needs != 0 {
                    turned += 1;
                    judged += usize::from(judged_turn == needs);
                }
            }
        }
        assert!(
            judged * 4 >= turned * 3,
            "{judged} of {turned} turned pages judged"
        );
    }

    // A page fed upside down or on its side is read once, turned, not read as noise first
    // and then again.
    #[test]
    fn a_page_upside_down_or_on_its_side_is_turned_before_it_is_read() {
        use image::imageops::{rotate90, rotate270};
        let pages = fixture_pages();
        let (_, page) = pages
            .iter()
            .find(|(name, _)| name.contains("upside-down"))
            .unwrap();
        // One page recognised, and how many readings it took.
        let recognize_counted = |page: &PageImage| {
            let before = reads_on_this_thread();
            let read = recognize(page).unwrap();
            (reads_on_this_thread() - before, read)
        };
        let (readings, read) = recognize_counted(page);
        assert_eq!((readings, read.rotated), (1, 180));
        assert!(read.confidence >= LOW_CONFIDENCE, "{}", read.confidence);
        // The same page the right way up: read once, as it stands.
        let upright = PageImage {
            image: image::imageops::rotate180(&page.image),
            dpi: page.dpi,
        };
        let (readings, read) = recognize_counted(&upright);
        assert_eq!((readings, read.rotated), (1, 0));
        // A letter on its side (a portrait page in a landscape scan), either way: read once,
        // turned back.
        let (_, letter) = pages
            .iter()
            .find(|(name, _)| name.contains("scan-pa-hmo-letter"))
            .unwrap();
        for (side, back) in [
            (rotate90(&letter.image), 270),
            (rotate270(&letter.image), 90),
        ] {
            let (readings, read) = recognize_counted(&PageImage {
                image: side,
                dpi: letter.dpi,
            });
            assert_eq!((readings, read.rotated), (1, back));
            assert!(read.confidence >= LOW_CONFIDENCE, "{}", read.confidence);
        }
    }

    // The page a photo of a letter on a desk holds, as OCR is handed it: the page only
    // (a US letter's proportions, upright), at the resolution its width gives.
    #[test]
    fn a_desk_photo_is_handed_over_as_its_page() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let bytes =
            std::fs::read(dir.join("fixtures/photo-desk-two-column-letter/page-1.jpg")).unwrap();
        let photo = decode_image(&bytes).unwrap().remove(0);
        let page = prepared_page(&photo);
        let (w, h) = page.image.dimensions();
        // The photo is 1655x2010 (1.21 high to wide), the page 8.5 by 11 inches (1.29).
        let ratio = h as f32 / w as f32;
        assert!((ratio - 11.0 / 8.5).abs() < 0.04, "{w}x{h}");
        let (pw, ph) = photo.image.dimensions();
        assert!(
            ((ph as f32 / pw as f32) - 11.0 / 8.5).abs() > 0.06,
            "{pw}x{ph}"
        );
        // At the resolution its width gives (the phone wrote 72 dpi).
        assert!(
            (page.dpi.0 - w as f32 / 8.5).abs() < 10.0,
            "{:?} for {w}",
            page.dpi
        );
    }

    // A photo is turned the way the phone was held (EXIF orientation), as a photo viewer shows
    // it: phones store the sensor's landscape pixels and the tag.
    #[test]
    fn a_photo_is_turned_the_way_the_phone_was_held() {
        use image::ImageEncoder;
        // 64x32, a dark block in the top-left corner.
        let mut img = GrayImage::from_pixel(64, 32, image::Luma([255]));
        for y in 0..8 {
            for x in 0..8 {
                img.put_pixel(x, y, image::Luma([0]));
            }
        }
        // The EXIF block: a little-endian TIFF header and one entry, Orientation (0x0112), a
        // SHORT of value 6 ("the 0th row is the visual right-hand side": turn 90 degrees
        // clockwise to view), or 1 (as stored).
        let jpeg = |orientation: u8| {
            let exif = [
                b'I',
                b'I',
                42,
                0,
                8,
                0,
                0,
                0, // header, first IFD at 8
                1,
                0, // one entry
                0x12,
                0x01,
                3,
                0,
                1,
                0,
                0,
                0,
                orientation,
                0,
                0,
                0, // Orientation
                0,
                0,
                0,
                0, // no next IFD
            ];
            let mut out = Vec::new();
            let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
            enc.set_exif_metadata(exif.to_vec()).unwrap();
            enc.write_image(img.as_raw(), 64, 32, image::ExtendedColorType::L8)
                .unwrap();
            out
        };
        let dark = |p: &PageImage, x: u32, y: u32| p.image.get_pixel(x, y)[0] < 128;
        let held = &decode_image(&jpeg(6)).unwrap()[0];
        assert_eq!(held.image.dimensions(), (32, 64));
        // Turned clockwise, the top-left corner is the top-right one.
        assert!(dark(held, 28, 3) && !dark(held, 3, 3));
        let stored = &decode_image(&jpeg(1)).unwrap()[0];
        assert_eq!(stored.image.dimensions(), (64, 32));
        assert!(dark(stored, 3, 3) && !dark(stored, 60, 3));
    }

    // Regression: packed with 1 = black, every fax reached tesseract as white type on black
    // (hidden while the TIFF decoding inverted faxes too). Reads back the image tesseract holds.
    #[test]
    #[allow(unsafe_code)]
    fn tesseract_holds_a_packed_page_as_black_type_on_white() {
        use tesseract::plumbing::TessBaseApi;
        let mut img = GrayImage::from_pixel(40, 3, image::Luma([255]));
        img.put_pixel(3, 0, image::Luma([0]));
        img.put_pixel(33, 2, image::Luma([0]));
        let packed = pack_bilevel(&img).unwrap();
        let mut api = TessBaseApi::create();
        api.init_2(None, Some(c"eng")).unwrap();
        api.set_image(&packed, 40, 3, 0, 5).unwrap();
        let pix = api.get_input_image().unwrap();
        assert_eq!(pix.get_depth(), 1);
        let wpl = (pix.get_width() as usize).div_ceil(32);
        let data = pix.get_data();
        // leptonica's 1-bit pixels: a set bit is black, 32-bit words, first pixel in the MSB.
        let black = |x: usize, y: usize| {
            // SAFETY: x < 40 and y < 3 address the 2 words a row of the 40x3 image tesseract
            // allocated and still holds (`api` outlives this closure).
            let word = unsafe { *data.add(y * wpl + x / 32) };
            (word >> (31 - x % 32)) & 1 == 1
        };
        let dark: Vec<(usize, usize)> = (0..3)
            .flat_map(|y| (0..40).map(move |x| (x, y)))
            .filter(|&(x, y)| black(x, y))
            .collect();
        assert_eq!(dark, [(3, 0), (33, 2)]);
    }

    #[test]
    fn bilevel_pages_are_packed_one_bit_per_pixel() {
        let mut img = GrayImage::from_pixel(10, 2, image::Luma([255]));
        img.put_pixel(0, 0, image::Luma([0]));
        img.put_pixel(9, 1, image::Luma([0]));
        // 1 = white; the pad bits at the end of each row stay 0.
        assert_eq!(
            pack_bilevel(&img),
            Some(vec![0b0111_1111, 0b1100_0000, 0b1111_1111, 0b1000_0000])
        );
        img.put_pixel(5, 0, image::Luma([128]));
        assert_eq!(pack_bilevel(&img), None, "a grayscale page stays 8-bit");
    }

    #[test]
    fn an_amount_split_at_its_thousands_comma_is_one_word() {
        let tsv = "5\t1\t1\t1\t1\t1\t100\t50\t40\t30\t95\tBilled:\n5\t1\t1\t1\t1\t2\t150\t50\t30\t30\t95\t$1\n5\t1\t1\t1\t1\t3\t185\t50\t80\t30\t95\t340.00\n";
        let (words, _) = words_of_tsv(tsv, 1.0, (1000, 1000), 0.0);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["Billed:", "$1,340.00"]);
    }

    #[test]
    fn ocr_lines_are_cleaned() {
        assert_eq!(
            clean_line("Amount Billed: $1 340.00 | $0.00"),
            "Amount Billed: $1,340.00   $0.00"
        );
        // Regression: a label's words read as one hid the label ("Claimnumber").
        assert_eq!(clean_line("Claimnumber"), "Claim number");
        // Regression: a fax speck read as a full stop hid the appeal window ("within.90 days").
        assert_eq!(clean_line("within.90"), "within 90");
        assert_eq!(clean_line("Page.2"), "Page 2");
        assert_eq!(clean_line("e.g."), "e.g.");
        assert_eq!(clean_line("www.example.org"), "www.example.org");
        assert_eq!(clean_line("$12.50"), "$12.50");
        assert_eq!(clean_line("26\u{b0}"), "26");
        assert_eq!(clean_line("\u{b0}"), "\u{b0}");
        assert_eq!(clean_line("MedicaidID:"), "Medicaid ID:");
        assert_eq!(clean_line("Yourshare"), "Your share");
        assert_eq!(clean_line("Planpaid"), "Plan paid");
        assert_eq!(clean_line("Membership"), "Membership");
        assert_eq!(clean_line("Groupon"), "Groupon");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn ocr_keeps_openmp_on_the_calling_thread() {
        // Without this one page took ten times as long on two cores (OpenMP oversubscribing).
        let page = PageImage {
            image: GrayImage::from_pixel(300, 120, image::Luma([255])),
            dpi: (300.0, 300.0),
        };
        let _ = recognize(&page);
        assert_eq!(openmp_max_active_levels(), Some(0));
        // Every worker thread of a batch makes its own engine, and the setting is per thread:
        // with it made only once, `--jobs 2` read scans slower than `--jobs 1`.
        let other = std::thread::spawn(move || {
            let _ = recognize(&page);
            openmp_max_active_levels()
        });
        assert_eq!(other.join().unwrap(), Some(0));
    }

    #[test]
    fn huge_images_are_refused_before_decoding() {
        assert!(check_size(30_000, 30_000).is_err());
        assert!(check_size(0, 10).is_err());
        assert!(check_size(2550, 3300).is_ok());
    }
}
