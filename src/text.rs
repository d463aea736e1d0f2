//! Stage 2, text: a [`Document`] in, [`Text`] out: the document's lines, page by page,
//! normalised (NFKC, one space between words) and the method used to get them.
//!
//! PDFs are read in process with pdf-extract (patched, see `vendor/pdf-extract`), isolated
//! with `catch_unwind` because it panics on some damaged files, and bounded in how much it
//! may decompress. Images and image-only PDFs need OCR and are refused here with
//! [`Error::NoText`]: this is the seam where OCR plugs in.
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::ingest::{Document, MediaType};
use crate::values;

/// Most PDF stream data decompressed for one document; stops "zip bomb" PDFs.
pub const MAX_DECOMPRESSED_BYTES: u64 = 256 * 1024 * 1024;
/// Most pages read from one document.
pub const MAX_PAGES: usize = 2000;
/// Longest line kept whole, in bytes; longer ones are wrapped at a space. Letters' lines are
/// far shorter (a paragraph of an e-mail runs to a few hundred); without a bound, a document
/// of one endless line (a hostile or broken file) is read in time that grows with the square
/// of its length, since every label on a line looks at the rest of that line.
pub const MAX_LINE_BYTES: usize = 2000;
/// A page with fewer useful characters than this has no usable text layer.
const MIN_PAGE_CHARS: usize = 25;

/// How the text was obtained (the contract's `text.method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The PDF's own text layer.
    PdfText,
    /// Optical character recognition of page images.
    Ocr,
    /// Some pages from the text layer, some by OCR.
    Mixed,
    /// The input was plain text.
    PlainText,
}

mod geometry;

pub use geometry::{Cell, GlyphCollector, OcrWord, RawLine, lines_from_words, plain_line};

/// One page of text.
#[derive(Debug, Clone)]
pub struct Page {
    /// 1-based page number.
    pub number: u32,
    /// Normalised, non-empty lines in reading order.
    pub lines: Vec<String>,
    /// The page's lines as they sit on the page, top to bottom, split into cells where a
    /// wide gap separates words (what the layout stage reads).
    pub layout: Vec<PositionedLine>,
}

/// A line as it sits on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionedLine {
    /// The normalised cells' texts joined by one space.
    pub text: String,
    /// Cells left to right (normalised).
    pub cells: Vec<Cell>,
    /// Words left to right (normalised); a cell is one or more of them.
    pub words: Vec<Cell>,
    /// Baseline from the top of the page (points; the line's index for plain text).
    pub y: f32,
    /// Largest type size on the line (points; 0 when unknown).
    pub size: f32,
}

/// A line's position in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineRef {
    /// 1-based page number.
    pub page: u32,
    /// Index into that page's `lines`.
    pub line: usize,
}

/// The text of a whole document, with a joined view for matching across line breaks.
#[derive(Debug, Clone)]
pub struct Text {
    /// How the text was obtained.
    pub method: Method,
    /// The pages, in order.
    pub pages: Vec<Page>,
    /// Problems worth telling the user (never content).
    pub warnings: Vec<String>,
    /// (page, mean confidence 0..1) of every page read by OCR.
    pub ocr_confidence: Vec<(u32, f64)>,
    /// (page, word) of every word OCR read with low confidence: its digits may be wrong.
    pub uncertain: Vec<(u32, String)>,
    full: String,
    flat: String,
    flat_lower: String,
    starts: Vec<(usize, LineRef)>,
}

impl Text {
    /// Builds the text from pages of raw lines, normalising every line. Runs of spaces in a
    /// line (fixed-width columns) separate its cells in the layout.
    pub fn new(method: Method, raw_pages: Vec<Vec<String>>, warnings: Vec<String>) -> Text {
        let pages = raw_pages.into_iter().map(|l| (l, Vec::new())).collect();
        Text::with_layout(method, pages, warnings)
    }

    /// Builds the text from pages of raw lines and positioned lines; a page without
    /// positioned lines (plain text, OCR) gets them from its raw lines' character columns.
    pub fn with_layout(
        method: Method,
        raw_pages: Vec<(Vec<String>, Vec<RawLine>)>,
        warnings: Vec<String>,
    ) -> Text {
        let pages: Vec<Page> = raw_pages
            .into_iter()
            .enumerate()
            .map(|(i, (lines, positioned))| {
                let lines = wrap_long_lines(lines);
                let positioned = if positioned.is_empty() {
                    lines
                        .iter()
                        .enumerate()
                        .map(|(i, l)| plain_line(l, i))
                        .collect()
                } else {
                    positioned
                };
                Page {
                    number: i as u32 + 1,
                    // Normalising can lengthen a line (NFKC spells out some ligatures).
                    lines: wrap_long_lines(
                        lines
                            .iter()
                            .map(|l| normalize_line(l))
                            .filter(|l| !l.is_empty())
                            .collect(),
                    ),
                    layout: positioned.into_iter().filter_map(position_line).collect(),
                }
            })
            .collect();
        Text::assemble(method, pages, warnings)
    }

    /// The text of several files read as the pages of one document, in the order given (a
    /// letter photographed page by page): pages are numbered on, OCR confidences and
    /// uncertain words keep their pages, and the method is `mixed` when the files differ.
    pub fn concat(texts: Vec<Text>) -> Text {
        let method = match texts.first().map(|t| t.method) {
            Some(m) if texts.iter().all(|t| t.method == m) => m,
            Some(_) => Method::Mixed,
            None => Method::PlainText,
        };
        let mut pages = Vec::new();
        let mut warnings = Vec::new();
        let mut confidence = Vec::new();
        let mut uncertain = Vec::new();
        for t in texts {
            let offset = pages.len() as u32;
            for mut p in t.pages {
                p.number += offset;
                pages.push(p);
            }
            warnings.extend(t.warnings);
            confidence.extend(t.ocr_confidence.into_iter().map(|(p, c)| (p + offset, c)));
            uncertain.extend(t.uncertain.into_iter().map(|(p, w)| (p + offset, w)));
        }
        let mut text = Text::assemble(method, pages, warnings);
        text.ocr_confidence = confidence;
        text.uncertain = uncertain;
        text
    }

    /// The joined views over numbered pages.
    fn assemble(method: Method, pages: Vec<Page>, warnings: Vec<String>) -> Text {
        let mut full = String::new();
        let mut starts = Vec::new();
        for page in &pages {
            for (i, line) in page.lines.iter().enumerate() {
                starts.push((
                    full.len(),
                    LineRef {
                        page: page.number,
                        line: i,
                    },
                ));
                full.push_str(line);
                full.push('\n');
            }
        }
        // Same bytes as `full` with line breaks as spaces: offsets are shared.
        let flat = full.replace('\n', " ");
        let flat_lower = values::lower(&flat);
        Text {
            method,
            pages,
            warnings,
            ocr_confidence: Vec::new(),
            uncertain: Vec::new(),
            full,
            flat,
            flat_lower,
            starts,
        }
    }

    /// All lines joined by spaces, for phrases that wrap. Offsets equal those of [`Text::full`].
    pub fn flat(&self) -> &str {
        &self.flat
    }

    /// [`Text::flat`] with ASCII letters lower-cased (same offsets): what the patterns of the
    /// rule files are matched against.
    pub fn flat_lower(&self) -> &str {
        &self.flat_lower
    }

    /// Whether the document is written mostly in Spanish: its common function words
    /// outnumber English ones two to one. A bilingual notice, or an English letter with a
    /// page of language taglines, is not.
    pub fn mostly_spanish(&self) -> bool {
        mostly_spanish(&self.flat_lower)
    }

    /// The byte range of the sentence around `at`: it ends at `.`, `?` or `!` followed by
    /// a space, or at a line break after a colon, a semicolon or a line that ends without
    /// a word (a heading, a table row). At most 600 bytes either way.
    pub fn sentence_at(&self, at: usize) -> (usize, usize) {
        let b = self.full.as_bytes();
        let is_end = |i: usize| -> bool {
            // is position i (a byte) the last byte of a sentence?
            match b[i] {
                b'.' | b'?' | b'!' => {
                    b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace())
                        && !is_abbrev(&self.full, i)
                }
                // A line that ends in a colon or semicolon ends its sentence ("appeal by:"
                // over a date), unless a space stands before it: that is OCR's reading of a
                // margin speck, in the middle of a sentence.
                b'\n' => {
                    i == 0
                        || (matches!(b[i - 1], b':' | b';') && i >= 2 && b[i - 2] != b' ')
                        || self.line_is_block(i)
                }
                _ => false,
            }
        };
        let mut start = at.min(b.len());
        let floor = at.saturating_sub(600);
        while start > floor && !is_end(start - 1) {
            start -= 1;
        }
        let mut end = at.min(b.len());
        let ceil = (at + 600).min(b.len());
        while end < ceil && !is_end(end) {
            end += 1;
        }
        let end = if end < b.len() && b[end] != b'\n' {
            end + 1
        } else {
            end
        };
        // Stay on char boundaries.
        while start < b.len() && !self.full.is_char_boundary(start) {
            start += 1;
        }
        let mut end = end.min(b.len());
        while end > start && !self.full.is_char_boundary(end) {
            end -= 1;
        }
        (start, end)
    }

    /// The sentence around `at`, trimmed, with line breaks as spaces.
    #[allow(clippy::string_slice)] // Char boundaries: `sentence_at` returns char boundaries of `full`, and `flat` has the same bytes but for '\n' -> ' '.
    pub fn sentence_text(&self, at: usize) -> String {
        let (s, e) = self.sentence_at(at);
        self.flat[s..e]
            .trim()
            .trim_start_matches(['-', '*', '\u{2022}', ' '])
            .to_string()
    }

    /// Whether the sentence holding `at` is conditional or hypothetical before `at`
    /// ("If your claim is denied because ...", "for example"): appeal-rights boilerplate. A
    /// phrase right after an event still to come ("... after you receive our final adverse
    /// determination") is hypothetical too: it describes a later document, not this one.
    #[allow(clippy::string_slice)] // Char boundaries: `near_start` comes from `before.char_indices()`.
    pub fn is_conditional(&self, at: usize) -> bool {
        let (s, _) = self.sentence_at(at);
        let at = floor_char_boundary(&self.flat, at).max(s);
        let before = self.flat.get(s..at).unwrap_or("").to_ascii_lowercase();
        let near_start = before
            .char_indices()
            .rev()
            .nth(40)
            .map(|(i, _)| i)
            .unwrap_or(0);
        if LATER_EVENT.is_match(&before[near_start..]) {
            return true;
        }
        before.split(|c: char| !c.is_ascii_alphabetic()).any(|w| {
            matches!(
                w,
                "if" | "unless"
                    | "whether"
                    | "example"
                    | "such"
                    | "include"
                    | "includes"
                    | "including"
                    // Spanish: "si" (if), "a menos que" (unless), "por ejemplo".
                    | "si"
                    | "ejemplo"
                    | "incluye"
                    | "incluyen"
                    | "incluidos"
            )
        })
    }

    /// Whether the line ending at newline `nl` should end a sentence: it ends without a
    /// lower-case word or comma (a heading, a label, a table row), or the next line starts
    /// a bullet.
    #[allow(clippy::string_slice)] // Char boundaries: `nl` is the index of an ASCII '\n' and `rfind` gives another.
    fn line_is_block(&self, nl: usize) -> bool {
        let line_start = self.full[..nl].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let mut line = &self.full[line_start..nl];
        // A prose line that ends in a lone mark or digit ("... within 10 :", "... you want 1")
        // ends in OCR's reading of a margin speck: the line ends before it.
        if let Some((head, tail)) = line.rsplit_once(' ')
            && tail.chars().count() == 1
            && tail
                .chars()
                .all(|c| c.is_ascii_punctuation() || c.is_ascii_digit())
            && head.split_whitespace().count() >= 6
        {
            line = head.trim_end();
        }
        let last = line.chars().last().unwrap_or(' ');
        let next = self.full[nl + 1..].chars().next().unwrap_or(' ');
        // A line ending in a number ("within 10") goes on when the next starts in lower case.
        let continues = last.is_ascii_lowercase()
            || matches!(last, ',' | '-' | '(' | '/' | '&')
            || (last.is_ascii_digit() && next.is_ascii_lowercase());
        let words = line.split_whitespace().count();
        !continues
            || matches!(next, '-' | '*' | '\u{2022}')
            || (words <= 4 && !last.is_ascii_lowercase())
    }

    /// All lines joined by `\n`, for patterns that span line breaks.
    pub fn full(&self) -> &str {
        &self.full
    }

    /// Number of characters of text (the contract's `text.chars`).
    pub fn chars(&self) -> usize {
        self.full.chars().filter(|c| *c != '\n').count()
    }

    /// Every line with its position.
    pub fn lines(&self) -> impl Iterator<Item = (LineRef, &str)> {
        self.pages.iter().flat_map(|p| {
            p.lines.iter().enumerate().map(move |(i, l)| {
                (
                    LineRef {
                        page: p.number,
                        line: i,
                    },
                    l.as_str(),
                )
            })
        })
    }

    /// The line holding byte offset `at` of [`Text::full`].
    pub fn locate(&self, at: usize) -> LineRef {
        let i = self.starts.partition_point(|(s, _)| *s <= at);
        self.starts
            .get(i.saturating_sub(1))
            .map(|(_, r)| *r)
            .unwrap_or(LineRef { page: 1, line: 0 })
    }

    /// Byte offset in [`Text::full`] where a line starts.
    pub fn offset_of(&self, r: LineRef) -> usize {
        self.starts
            .iter()
            .find(|(_, l)| *l == r)
            .map(|(s, _)| *s)
            .unwrap_or(0)
    }

    /// The index of the first line of page `page` that contains `needle` (a positioned line's
    /// words, found again in the reading-order lines for evidence).
    pub fn line_containing(&self, page: u32, needle: &str) -> Option<usize> {
        if needle.is_empty() {
            return None;
        }
        self.pages
            .get((page as usize).checked_sub(1)?)?
            .lines
            .iter()
            .position(|l| l.contains(needle))
    }

    /// The text of a line.
    pub fn line(&self, r: LineRef) -> &str {
        self.pages
            .get((r.page as usize).wrapping_sub(1))
            .and_then(|p| p.lines.get(r.line))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Lines longer than [`MAX_LINE_BYTES`] wrapped at their last space before it (or at a
/// character boundary, when a stretch has no space).
fn wrap_long_lines(lines: Vec<String>) -> Vec<String> {
    if lines.iter().all(|l| l.len() <= MAX_LINE_BYTES) {
        return lines;
    }
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let mut rest = line.as_str();
        while rest.len() > MAX_LINE_BYTES {
            let limit = floor_char_boundary(rest, MAX_LINE_BYTES);
            let cut = rest
                .get(..limit)
                .and_then(|head| head.rfind(' '))
                .filter(|&i| i > 0)
                .unwrap_or(limit);
            let (head, tail) = rest.split_at(cut);
            out.push(head.to_string());
            rest = tail;
        }
        out.push(rest.to_string());
    }
    out
}

/// The largest character boundary of `s` at or before byte `i` (`s.len()` past the end).
pub(crate) fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Normalises a positioned line's cells and words; `None` when nothing is left.
fn position_line(r: RawLine) -> Option<PositionedLine> {
    let norm = |v: Vec<Cell>| -> Vec<Cell> {
        v.into_iter()
            .filter_map(|c| {
                let text = normalize_line(&c.text);
                (!text.is_empty()).then_some(Cell { text, ..c })
            })
            .collect()
    };
    let cells = norm(r.cells);
    if cells.is_empty() {
        return None;
    }
    let text = cells
        .iter()
        .map(|c| c.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Some(PositionedLine {
        text,
        cells,
        words: norm(r.words),
        y: r.y,
        size: r.size,
    })
}

/// Whether the `.` at `i` ends a common abbreviation rather than a sentence.
#[allow(clippy::string_slice)] // Char boundaries: `i` is the index of an ASCII '.', '?' or '!' and `word_start` comes from `char_indices`.
fn is_abbrev(s: &str, i: usize) -> bool {
    // The word starts after the last character that is not an ASCII letter; that character
    // may be several bytes long (OCR gives accented letters), so step over it whole.
    let word_start = s[..i]
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_ascii_alphabetic())
        .map(|(j, c)| j + c.len_utf8())
        .unwrap_or(0);
    let w = &s[word_start..i];
    matches!(
        w.to_ascii_lowercase().as_str(),
        "dr" | "mr"
            | "mrs"
            | "ms"
            | "no"
            | "st"
            | "inc"
            | "u.s"
            | "s"
            | "vs"
            | "e.g"
            | "i.e"
            | "etc"
            | "jr"
            | "sr"
            | "ave"
            | "p"
            | "ste"
    ) || (w.len() == 1 && w.chars().all(|c| c.is_ascii_uppercase()))
}

/// Whether lower-cased text is mostly Spanish: a dozen or more of Spanish's commonest words,
/// and over twice as many as of English's.
fn mostly_spanish(lower: &str) -> bool {
    let (mut es, mut en) = (0usize, 0usize);
    for w in lower.split(|c: char| !c.is_alphabetic()) {
        match w {
            "de" | "la" | "que" | "el" | "los" | "las" | "usted" | "su" | "sus" | "para"
            | "por" | "una" | "del" | "con" | "es" | "se" | "le" => es += 1,
            "the" | "of" | "and" | "to" | "you" | "your" | "for" | "is" | "this" | "that"
            | "with" | "we" | "are" | "on" | "be" => en += 1,
            _ => {}
        }
    }
    es >= 12 && es > 2 * en
}

/// Reads the text of a document.
pub fn extract(doc: &Document) -> Result<Text> {
    match &doc.media_type {
        MediaType::PlainText => {
            let s = String::from_utf8_lossy(&doc.bytes);
            let s = s.trim_start_matches('\u{feff}');
            // A form feed separates pages in text dumps (pdftotext writes one per page).
            let pages = s
                .split('\u{c}')
                .map(|p| p.lines().map(str::to_string).collect())
                .collect();
            Ok(Text::new(Method::PlainText, pages, Vec::new()))
        }
        MediaType::Html => {
            let s = String::from_utf8_lossy(&doc.bytes);
            let lines = html_to_text(&s).lines().map(str::to_string).collect();
            Ok(Text::new(Method::PlainText, vec![lines], Vec::new()))
        }
        MediaType::Image(_) => spanish_again(doc, image_text),
        MediaType::Pdf => spanish_again(doc, pdf_text),
    }
}

/// The languages a Spanish scan is read again in.
const SPANISH: &str = "spa+eng";

/// A scan read with the default (English) OCR that turns out to be a notice in Spanish is read
/// again in Spanish and English: English OCR misreads accented letters ("ñ" as "fi") and is
/// unsure of whole pages, which marks their figures unsure. Only when OCR runs in English
/// alone (the default), and the second reading is kept only when it is surer; without Spanish
/// language data the first reading stands. A page that shows it is Spanish decides for the
/// pages after it ([`PageOcr`]); a document whose Spanish no single page showed is read again
/// whole.
fn spanish_again(
    doc: &Document,
    read: fn(&Document, &mut PageOcr) -> Result<Text>,
) -> Result<Text> {
    let mut ocr = PageOcr::default();
    let first = read(doc, &mut ocr)?;
    if ocr.spanish
        || first.ocr_confidence.is_empty()
        || !crate::ocr::default_language()
        || !first.mostly_spanish()
    {
        return Ok(first);
    }
    let mean = |t: &Text| {
        t.ocr_confidence.iter().map(|(_, c)| c).sum::<f64>() / t.ocr_confidence.len().max(1) as f64
    };
    match crate::ocr::with_language(SPANISH, || read(doc, &mut PageOcr::default())) {
        Ok(again) if !again.ocr_confidence.is_empty() && mean(&again) > mean(&first) => Ok(again),
        _ => Ok(first),
    }
}

/// Reads a document's scanned pages in turn. In the default (English) OCR, a page that reads
/// as Spanish is read again in Spanish and English, and when that reading is surer, the pages
/// after it are read that way from the start: a three-page letter in Spanish is read four
/// times, not six.
#[derive(Default)]
struct PageOcr {
    /// A page has shown the document is in Spanish.
    spanish: bool,
}

impl PageOcr {
    fn recognize(
        &mut self,
        img: &crate::ocr::PageImage,
    ) -> std::result::Result<crate::ocr::OcrPage, String> {
        if self.spanish {
            return crate::ocr::with_language(SPANISH, || crate::ocr::recognize(img));
        }
        let page = crate::ocr::recognize(img)?;
        if !crate::ocr::default_language() || !mostly_spanish(&page.lines.join("\n").to_lowercase())
        {
            return Ok(page);
        }
        match crate::ocr::with_language(SPANISH, || crate::ocr::recognize(img)) {
            Ok(again) if again.confidence > page.confidence => {
                self.spanish = true;
                Ok(again)
            }
            _ => Ok(page),
        }
    }
}

fn pdf_text(doc: &Document, ocr: &mut PageOcr) -> Result<Text> {
    let damaged = |reason: String| Error::DamagedPdf {
        path: doc.path.clone(),
        reason,
    };
    let mut pdf = catch_unwind(AssertUnwindSafe(|| pdf_extract::load_document(&doc.bytes)))
        .map_err(|_| damaged("the PDF parser could not read its structure".into()))?
        .map_err(|e| damaged(pdf_error_reason(&e)))?;
    if pdf.is_encrypted() {
        // Many PDFs are encrypted only against editing, with an empty open password.
        let opened = catch_unwind(AssertUnwindSafe(|| pdf.decrypt("")))
            .map(|r| r.is_ok())
            .unwrap_or(false);
        if !opened {
            return Err(Error::EncryptedPdf {
                path: doc.path.clone(),
            });
        }
    }
    check_decompressed_size(&pdf, doc)?;
    let page_ids = pdf.get_pages();
    if page_ids.is_empty() {
        return Err(damaged("it has no pages".into()));
    }
    if page_ids.len() > MAX_PAGES {
        return Err(Error::TooLarge {
            path: doc.path.clone(),
            size: page_ids.len() as u64,
            limit: MAX_PAGES as u64,
        });
    }
    let mut warnings = Vec::new();
    let mut pages = Vec::with_capacity(page_ids.len());
    let mut textless = Vec::new();
    let mut unreadable = 0;
    // Reads each font once for all pages.
    let mut reader = catch_unwind(AssertUnwindSafe(|| pdf_extract::PageReader::new(&pdf)))
        .map_err(|_| damaged("the PDF parser could not read its page tree".into()))?;
    for &n in page_ids.keys() {
        // One pass over the page gives its lines in the producer's order (which keeps a
        // table cell's wrapped words together) and its glyphs' positions (the layout).
        let mut s = String::new();
        let read = catch_unwind(AssertUnwindSafe(|| {
            let mut out = geometry::Tee {
                plain: pdf_extract::PlainTextOutput::new(&mut s),
                glyphs: GlyphCollector::new(),
            };
            let ok = reader.output_page(&mut out, n).is_ok();
            (ok, out.glyphs.into_lines())
        }));
        let (ok, positioned) = read.unwrap_or((false, Vec::new()));
        if !ok {
            unreadable += 1;
            warnings.push(format!("page {n}: the text layer could not be read"));
        }
        let lines: Vec<String> = s.lines().map(|l| drawn_once(l).to_string()).collect();
        if !page_has_text(&lines) {
            textless.push(n);
        }
        pages.push((lines, positioned));
    }
    if textless.len() == pages.len() && unreadable > 0 {
        return Err(damaged(format!(
            "the text of {unreadable} page(s) could not be read"
        )));
    }
    // Pages without a usable text layer (scans, broken font encodings) are rendered and OCR'd,
    // like OCRmyPDF's --skip-text.
    if textless.len() > crate::ocr::MAX_OCR_PAGES {
        return Err(Error::TooLarge {
            path: doc.path.clone(),
            size: textless.len() as u64,
            limit: crate::ocr::MAX_OCR_PAGES as u64,
        });
    }
    let mut confidence = Vec::new();
    let mut uncertain = Vec::new();
    let page_numbers: Vec<u32> = page_ids.keys().copied().collect();
    for n in &textless {
        let index = page_numbers.iter().position(|p| p == n).unwrap_or(0);
        // (lopdf's image listing indexes into arrays a damaged file may leave empty.)
        let dpi = page_ids
            .get(n)
            .and_then(|&id| catch_unwind(AssertUnwindSafe(|| scan_dpi(&pdf, id))).ok()?);
        let result = catch_unwind(AssertUnwindSafe(|| {
            crate::ocr::render_pdf_page(&doc.bytes, index, dpi).and_then(|img| ocr.recognize(&img))
        }))
        .unwrap_or_else(|_| Err("the page could not be rendered".into()));
        match result {
            Ok(page) => {
                warnings.extend(page.rotation_warning(*n));
                confidence.push((*n, page.confidence));
                uncertain.extend(page.uncertain.into_iter().map(|w| (*n, w)));
                pages[index] = (page.lines, page.layout);
            }
            Err(reason) => warnings.push(format!(
                "page {n}: no usable text layer, and OCR failed: {reason}"
            )),
        }
    }
    if confidence.is_empty() && textless.len() == pages.len() {
        return Err(Error::NoText {
            path: doc.path.clone(),
            reason: "the PDF has no usable text layer and OCR read nothing".into(),
        });
    }
    let method = match (confidence.len(), pages.len()) {
        (0, _) => Method::PdfText,
        (o, p) if o == p => Method::Ocr,
        _ => Method::Mixed,
    };
    let mut text = Text::with_layout(method, pages, warnings);
    text.ocr_confidence = confidence;
    text.uncertain = uncertain;
    text.warn_low_confidence();
    if text.chars() == 0 {
        return Err(Error::NoText {
            path: doc.path.clone(),
            reason: "the PDF has no text layer and OCR found no text".into(),
        });
    }
    Ok(text)
}

/// The resolution of the scan a PDF page holds: its largest image, when that covers the page
/// (`ocr::scan_resolution`).
fn scan_dpi(pdf: &lopdf::Document, page: lopdf::ObjectId) -> Option<f32> {
    let largest = pdf
        .get_page_images(page)
        .ok()?
        .into_iter()
        .max_by_key(|i| i.width.saturating_mul(i.height))?;
    let media = page_box(pdf, page)?;
    crate::ocr::scan_resolution(
        (largest.width as f32, largest.height as f32),
        ((media[2] - media[0]).abs(), (media[3] - media[1]).abs()),
    )
}

/// A page's MediaBox, which a page may inherit from its parents.
fn page_box(pdf: &lopdf::Document, page: lopdf::ObjectId) -> Option<[f32; 4]> {
    let mut dict = pdf.get_dictionary(page).ok()?;
    for _ in 0..32 {
        if let Ok(obj) = dict.get(b"MediaBox") {
            let arr = pdf.dereference(obj).ok()?.1.as_array().ok()?;
            let v: Vec<f32> = arr
                .iter()
                .filter_map(|o| {
                    o.as_float()
                        .ok()
                        .or_else(|| o.as_i64().ok().map(|i| i as f32))
                })
                .collect();
            return (v.len() == 4).then(|| [v[0], v[1], v[2], v[3]]);
        }
        dict = pdf
            .get_dictionary(dict.get(b"Parent").ok()?.as_reference().ok()?)
            .ok()?;
    }
    None
}

/// Reads an image (every page of a multi-page TIFF) by OCR.
fn image_text(doc: &Document, ocr: &mut PageOcr) -> Result<Text> {
    let bad = |reason: String| Error::BadImage {
        path: doc.path.clone(),
        reason,
    };
    let images = catch_unwind(AssertUnwindSafe(|| crate::ocr::decode_image(&doc.bytes)))
        .map_err(|_| bad("the image decoder failed".into()))?
        .map_err(bad)?;
    let mut pages = Vec::new();
    let mut confidence = Vec::new();
    let mut uncertain = Vec::new();
    let mut warnings = Vec::new();
    for (i, img) in images.iter().enumerate() {
        let page = catch_unwind(AssertUnwindSafe(|| ocr.recognize(img)))
            .map_err(|_| Error::NoText {
                path: doc.path.clone(),
                reason: "the OCR engine failed".into(),
            })?
            .map_err(|reason| Error::NoText {
                path: doc.path.clone(),
                reason,
            })?;
        confidence.push((i as u32 + 1, page.confidence));
        warnings.extend(page.rotation_warning(i as u32 + 1));
        uncertain.extend(page.uncertain.into_iter().map(|w| (i as u32 + 1, w)));
        pages.push((page.lines, page.layout));
    }
    let mut text = Text::with_layout(Method::Ocr, pages, warnings);
    text.ocr_confidence = confidence;
    text.uncertain = uncertain;
    text.warn_low_confidence();
    if text.chars() == 0 {
        return Err(Error::NoText {
            path: doc.path.clone(),
            reason: "OCR found no text in the image".into(),
        });
    }
    Ok(text)
}

impl Text {
    /// Mean OCR confidence over the OCR'd pages, 0..1.
    pub fn mean_ocr_confidence(&self) -> Option<f64> {
        (!self.ocr_confidence.is_empty()).then(|| {
            self.ocr_confidence.iter().map(|(_, c)| c).sum::<f64>()
                / self.ocr_confidence.len() as f64
        })
    }

    fn warn_low_confidence(&mut self) {
        for (page, c) in &self.ocr_confidence {
            if *c < crate::ocr::LOW_CONFIDENCE {
                self.warnings.push(format!("page {page}: OCR confidence is low ({c:.2}); check the fields against the document"));
            }
        }
    }
}

/// A lopdf error described without document content.
fn pdf_error_reason(e: &pdf_extract::Error) -> String {
    let s = e.to_string();
    // lopdf messages describe structure (offsets, object ids), never page text.
    if s.is_empty() {
        "unreadable structure".into()
    } else {
        s
    }
}

/// Deflate expands at most 1032:1, so streams this small in all cannot exceed the limit.
const DEFLATE_MAX_RATIO: u64 = 1032;

/// Refuses PDFs whose compressed streams would expand beyond [`MAX_DECOMPRESSED_BYTES`].
fn check_decompressed_size(pdf: &pdf_extract::Document, doc: &Document) -> Result<()> {
    // Most letters are far below the bound: no need to inflate anything to know.
    let compressed: u64 = pdf
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .map(|s| s.content.len() as u64)
        .sum();
    if compressed.saturating_mul(DEFLATE_MAX_RATIO) <= MAX_DECOMPRESSED_BYTES {
        return Ok(());
    }
    let mut total: u64 = 0;
    for obj in pdf.objects.values() {
        let Ok(stream) = obj.as_stream() else {
            continue;
        };
        let flate = stream
            .dict
            .get(b"Filter")
            .ok()
            .map(|f| match f {
                pdf_extract::Object::Name(n) => n == b"FlateDecode",
                pdf_extract::Object::Array(a) => a
                    .iter()
                    .any(|x| matches!(x, pdf_extract::Object::Name(n) if n == b"FlateDecode")),
                _ => false,
            })
            .unwrap_or(false);
        let budget = MAX_DECOMPRESSED_BYTES - total;
        let size = if flate {
            inflated_size(&stream.content, budget + 1)
        } else {
            stream.content.len() as u64
        };
        total += size;
        if total > MAX_DECOMPRESSED_BYTES {
            return Err(Error::TooLarge {
                path: doc.path.clone(),
                size: total,
                limit: MAX_DECOMPRESSED_BYTES,
            });
        }
    }
    Ok(())
}

/// How many bytes a zlib stream inflates to, counting at most `limit`. A stream that breaks
/// off counts what it gave before: the parser keeps that much too, so a bomb that ends in
/// garbage (or a wrong checksum) is still a bomb.
fn inflated_size(compressed: &[u8], limit: u64) -> u64 {
    let mut dec = flate2::read::ZlibDecoder::new(compressed);
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    while total < limit {
        match dec.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n as u64,
        }
    }
    total.min(limit)
}

/// A line the producer drew twice over itself (a heading's or logo's text shadow: the same
/// run again a point or two away) comes out of the text layer as its text twice running
/// ("AcmeAcme"): it is read once. Only a whole line of four letters or more repeated.
#[allow(clippy::string_slice)] // Char boundaries: `half` is where the second copy starts, checked.
fn drawn_once(line: &str) -> &str {
    let t = line.trim_end();
    let half = t.len() / 2;
    if t.len().is_multiple_of(2)
        && t.is_char_boundary(half)
        && t[..half] == t[half..]
        && t[..half].chars().filter(|c| c.is_alphabetic()).count() >= 4
    {
        &t[..half]
    } else {
        line
    }
}

/// Whether a page's text layer holds real words rather than nothing or encoding garbage.
fn page_has_text(lines: &[String]) -> bool {
    let text: String = lines.join(" ");
    let useful = text.chars().filter(|c| c.is_alphanumeric()).count();
    if useful < MIN_PAGE_CHARS {
        return false;
    }
    let bad = text
        .chars()
        .filter(|c| *c == '\u{fffd}' || (c.is_control() && *c != '\t'))
        .count();
    // Broken font encodings give mostly replacement characters and no word-like tokens.
    let words = text
        .split_whitespace()
        .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()))
        .count();
    bad * 4 < useful && words >= 3
}

// "after you receive our", "once you get the", "of receiving a": what follows is a later event.
static LATER_EVENT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    crate::rules::constant(
        r"\b((after|once|when|until) (you|we)|(receive|receiving|get|getting|receipt of|issue|issues|send|sends) (our|the|a|any|its))\b[^.;]*$",
    )
});
#[allow(clippy::expect_used)] // constant patterns, covered by tests
static HTML_DROP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?is)<(script|style|head)\b.*?</(script|style|head)>|<!--.*?-->")
        .expect("constant regex")
});
#[allow(clippy::expect_used)]
static HTML_BREAK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)<br\s*/?>|</(p|div|tr|li|h[1-6]|table|dt|dd|section|header|footer)>|<(p|div|tr|li|h[1-6]|table|dt|dd)\b[^>]*>").expect("constant regex")
});
#[allow(clippy::expect_used)]
static HTML_TAG: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"<[^>]*>").expect("constant regex"));
#[allow(clippy::expect_used)]
static HTML_ENTITY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"&(#x?[0-9a-fA-F]+|[a-zA-Z]+);").expect("constant regex")
});

/// The text of an HTML page: blocks become lines, cells are spaced, entities decoded.
#[allow(clippy::string_slice)] // Char boundaries: `e` starts with the ASCII `#` or `#x` that is stepped over.
fn html_to_text(html: &str) -> String {
    let s = HTML_DROP.replace_all(html, "");
    let s = HTML_BREAK.replace_all(&s, "\n");
    let s = HTML_TAG.replace_all(&s, " ");
    HTML_ENTITY
        .replace_all(&s, |c: &regex::Captures<'_>| {
            let e = &c[1];
            let ch = match e {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                "mdash" | "ndash" => Some('-'),
                "middot" => Some('\u{b7}'),
                _ if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                _ if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            ch.map(String::from).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

/// NFKC (ligatures, full-width digits), typographic quotes and dashes to ASCII, and single
/// spaces between words.
pub fn normalize_line(line: &str) -> String {
    // Most lines are ASCII, which NFKC and the mapping below leave as they are.
    if line.is_ascii() {
        return collapse_spaces(line);
    }
    let plain = |c| match c {
        '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
        '\u{201c}' | '\u{201d}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{a0}' | '\t' => ' ',
        c => c,
    };
    // A line the quick check finds already in NFKC (most text in other scripts: a page of
    // language taglines) skips the decomposition and recomposition, which give it back as is.
    let nfkc: String = match unicode_normalization::is_nfkc_quick(line.chars()) {
        unicode_normalization::IsNormalized::Yes => line.chars().map(plain).collect(),
        _ => line.nfkc().map(plain).collect(),
    };
    collapse_spaces(&nfkc)
}

/// Words separated by single spaces, no space at either end.
fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// This module's constant patterns, compiled up front by
/// [`crate::rules::Rules::compile_lazy`] (each is compiled on first use otherwise).
pub(crate) static PATTERNS: &[&std::sync::LazyLock<regex::Regex>] = &[
    &LATER_EVENT,
    &HTML_DROP,
    &HTML_BREAK,
    &HTML_TAG,
    &HTML_ENTITY,
];

#[cfg(test)]
mod tests {
    use super::*;

    // A scan in Spanish: its first page read in English shows it is Spanish and is read again
    // in Spanish and English; the second page is read that way from the start (3 readings for
    // 2 pages, where reading the whole document again took 4).
    #[test]
    fn a_spanish_scan_s_first_page_decides_the_language_of_the_rest() {
        use tiff::encoder::{Rational, TiffEncoder, colortype::Gray8};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/scan-spanish-oon-epo-letter");
        let page = &crate::ocr::decode_image(&std::fs::read(dir.join("input.jpg")).unwrap())
            .unwrap()[0]
            .image;
        let mut tif = std::io::Cursor::new(Vec::new());
        let mut enc = TiffEncoder::new(&mut tif).unwrap();
        for _ in 0..2 {
            let mut img = enc.new_image::<Gray8>(page.width(), page.height()).unwrap();
            img.resolution(tiff::tags::ResolutionUnit::Inch, Rational { n: 200, d: 1 });
            img.write_data(page.as_raw()).unwrap();
        }
        let doc = crate::ingest::from_bytes("two-pages.tif".into(), tif.into_inner()).unwrap();
        let before = crate::ocr::reads_on_this_thread();
        let text = extract(&doc).unwrap();
        assert_eq!(crate::ocr::reads_on_this_thread() - before, 3);
        assert_eq!(text.pages.len(), 2);
        // Both pages read in Spanish: the same page, the same reading.
        assert_eq!(text.pages[0].lines, text.pages[1].lines);
        assert!(text.mostly_spanish());
        assert!(text.flat_lower.contains('ñ') || text.flat_lower.contains('ó'));
    }

    #[test]
    fn a_scanned_pages_resolution_comes_from_its_image_and_inherited_page_size() {
        use lopdf::{Document as Pdf, Object, Stream, dictionary};
        let mut pdf = Pdf::with_version("1.5");
        let image = |w: i64, h: i64| {
            Stream::new(
                dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => w,
                "Height" => h, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
                vec![0; 4],
            )
        };
        let scan = pdf.add_object(image(1700, 2200));
        let logo = pdf.add_object(image(240, 90));
        let pages = pdf.new_object_id();
        let page = pdf.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages,
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => logo, "Im1" => scan } },
        });
        let bare = pdf.add_object(dictionary! { "Type" => "Page", "Parent" => pages });
        pdf.objects.insert(
            pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page.into(), bare.into()], "Count" => 2,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            }),
        );
        // The largest image covers the page: 200 dpi. A page without images: none.
        assert_eq!(scan_dpi(&pdf, page), Some(200.0));
        assert_eq!(scan_dpi(&pdf, bare), None);
        // A damaged image (an empty colour space array) makes lopdf's listing panic: the page
        // is rendered at the default resolution, and the document read on.
        let mut bad = image(1700, 2200);
        bad.dict.set("ColorSpace", Vec::<Object>::new());
        let bad = pdf.add_object(bad);
        let broken = pdf.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages,
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => bad } },
        });
        let read = catch_unwind(AssertUnwindSafe(|| scan_dpi(&pdf, broken)));
        assert!(read.is_err() || read.is_ok_and(|d| d.is_none()));
        // The whole text stage on such a file: no panic, whatever OCR makes of the page.
        pdf.objects.insert(
            pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![broken.into()], "Count" => 1,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            }),
        );
        let catalog = pdf.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        pdf.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        pdf.save_to(&mut bytes).unwrap();
        let doc = crate::ingest::from_bytes("damaged.pdf".into(), bytes).unwrap();
        assert!(catch_unwind(AssertUnwindSafe(|| extract(&doc))).is_ok());
    }

    #[test]
    fn spanish_notices_are_told_from_english_ones_with_taglines() {
        let of = |s: &str| {
            Text::new(
                Method::PlainText,
                vec![s.lines().map(String::from).collect()],
                Vec::new(),
            )
            .mostly_spanish()
        };
        let es = "Negamos la solicitud de su proveedor porque el servicio no es médicamente necesario para usted. Usted tiene derecho a pedir una apelación dentro de 60 días a partir de la fecha de este aviso. Puede pedir copias de los documentos que usamos para tomar esta decisión.";
        let en = "We denied the request from your provider because the service is not medically necessary for you. You have the right to ask for an appeal within 60 days of the date of this notice. You may ask for copies of the documents we used to make this decision.";
        let tagline = "ATENCIÓN: si habla español, tiene a su disposición servicios gratuitos de asistencia lingüística. Llame al número que aparece en su tarjeta.";
        assert!(of(es));
        assert!(!of(en));
        assert!(!of(&format!("{en}\n{tagline}")));
        // A bilingual notice reads both ways: it is not mostly Spanish.
        assert!(!of(&format!("{en}\n{es}")));
        // Too few words to tell.
        assert!(!of("Fecha de la carta: 3 de mayo de 2026"));
    }

    // Regression: a margin speck OCR read at a line's end (" :", " 1") ended the sentence
    // there, and the date that keeps services going during an appeal was read as the
    // deadline to appeal.
    #[test]
    fn a_speck_at_a_lines_end_does_not_end_its_sentence() {
        let lines = [
            "If your therapy is to go on during the review, send us your request no later than 10 :",
            "days after the date printed above, or by March 3, 2027, and say that you want it 1",
            ", to go on until the review is done.",
            "Questions :",
            "Call us.",
        ];
        let t = Text::new(
            Method::Ocr,
            vec![lines.iter().map(|l| l.to_string()).collect()],
            Vec::new(),
        );
        let at = t.full().find("March 3").unwrap();
        let s = t.sentence_text(at);
        assert!(s.starts_with("If your therapy is to go on"), "{s}");
        assert!(s.ends_with("until the review is done."), "{s}");
        // A short line is no prose: its colon ends it as before.
        let at = t.full().find("Questions").unwrap();
        assert_eq!(t.sentence_text(at), "Questions :");
    }

    // Regression: OCR of a fax gave "é." and the abbreviation check sliced the line one
    // byte past the start of the accented letter: a panic, the whole letter lost.
    #[test]
    fn a_line_drawn_twice_over_itself_is_read_once() {
        assert_eq!(drawn_once("AcmeAcme"), "Acme");
        assert_eq!(drawn_once("Río VerdeRío Verde "), "Río Verde");
        // Not a whole line repeated, or too short to be a shadow's.
        assert_eq!(drawn_once("Acme Acme"), "Acme Acme");
        assert_eq!(drawn_once("AcmeAcme Health"), "AcmeAcme Health");
        assert_eq!(drawn_once("1212"), "1212");
        assert_eq!(drawn_once("abab"), "abab");
        assert_eq!(drawn_once("éé"), "éé");
        assert_eq!(drawn_once(""), "");
    }

    #[test]
    fn sentences_end_after_non_ascii_letters() {
        for word in [
            "café",
            "Peña",
            "niño",
            "coração",
            "日本",
            "x\u{301}",
            "🙂",
            "ﬁ",
        ] {
            let line = format!("Denied for {word}. Appeal within 60 days.");
            let t = Text::new(Method::Ocr, vec![vec![line.clone()]], Vec::new());
            for at in 0..=t.full().len() {
                let (s, e) = t.sentence_at(at);
                assert!(s <= e && e <= t.full().len(), "{word}: {s}..{e}");
                let _ = t.sentence_text(at);
            }
            let dot = t.full().find(". ").unwrap();
            assert!(!is_abbrev(t.full(), dot), "{word}");
        }
        assert!(is_abbrev("é Dr.", 5));
        assert!(is_abbrev("Dr.", 2));
    }

    #[test]
    fn long_lines_are_wrapped_at_spaces() {
        let word = "appeal\u{e9} ";
        let line = word.repeat(3 * MAX_LINE_BYTES / word.len());
        let t = Text::new(
            Method::PlainText,
            vec![vec![line.clone(), "end".into()]],
            vec![],
        );
        let lines = &t.pages[0].lines;
        assert!(lines.len() >= 4, "{}", lines.len());
        assert!(lines.iter().all(|l| l.len() <= MAX_LINE_BYTES));
        assert!(
            lines[..lines.len() - 1]
                .iter()
                .all(|l| l.ends_with("appeal\u{e9}"))
        );
        assert_eq!(
            t.chars(),
            line.trim_end().chars().count() - (lines.len() - 2) + 3
        );
        // A stretch without spaces is cut at a character boundary.
        let wrapped = wrap_long_lines(vec!["\u{1f642}".repeat(MAX_LINE_BYTES)]);
        assert!(
            wrapped
                .iter()
                .all(|l| l.len() <= MAX_LINE_BYTES && !l.is_empty())
        );
        assert_eq!(wrapped.concat(), "\u{1f642}".repeat(MAX_LINE_BYTES));
    }

    #[test]
    fn normalises_ligatures_quotes_and_spaces() {
        assert_eq!(
            normalize_line("  the \u{fb01}le\u{2019}s   \u{2014} date "),
            "the file's - date"
        );
        assert_eq!(normalize_line(" \tASCII  only\t\tline "), "ASCII only line");
        assert_eq!(normalize_line(" \t "), "");
    }

    // The quick check skips NFKC only where NFKC would change nothing: lines in other
    // scripts, composed and decomposed, with compatibility forms NFKC rewrites, come out as
    // full NFKC gives them.
    #[test]
    fn lines_in_other_scripts_normalise_as_full_nfkc_does() {
        let full = |l: &str| {
            let mapped: String = l
                .nfkc()
                .map(|c| match c {
                    '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
                    '\u{201c}' | '\u{201d}' => '"',
                    '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
                    '\u{a0}' | '\t' => ' ',
                    c => c,
                })
                .collect();
            collapse_spaces(&mapped)
        };
        let lines = [
            "\u{6ce8}\u{610f}\u{ff1a}\u{5982}\u{679c}\u{60a8} 1-800-555-0100\u{3002}",
            "\u{c8fc}\u{c758}: \u{d55c}\u{ad6d}\u{c5b4}",
            "\u{1109}\u{1161}\u{11ab} conjoining jamo",
            "Ch\u{fa} \u{fd}: N\u{1ebf}u b\u{1ea1}n n\u{f3}i Ti\u{1ebf}ng Vi\u{1ec7}t",
            "Chu\u{301} y\u{301} decomposed",
            "\u{41e}\u{411}\u{420}\u{410}\u{422}\u{418}\u{422}\u{415} \u{412}\u{41d}\u{418}\u{41c}\u{410}\u{41d}\u{418}\u{415}",
            "\u{fe8d}\u{fedf}\u{fecc}\u{fea8} presentation forms",
            "\u{ff11}\u{ff12}\u{ff13} fullwidth \u{ff21}\u{ff22}",
            "\u{2460} circled, \u{2163} roman, \u{fb01} ligature",
            "ATENCI\u{d3}N: si habla espa\u{f1}ol \u{2014} \u{201c}gratis\u{201d}",
            "\u{5d0}\u{5b8}\u{5d1} hebrew points",
            "\u{915}\u{93c}\u{940} devanagari nukta",
        ];
        for l in lines {
            assert_eq!(normalize_line(l), full(l), "{l}");
        }
    }

    #[test]
    fn locates_offsets_across_pages() {
        let t = Text::new(
            Method::PlainText,
            vec![vec!["a".into(), "bb".into()], vec!["ccc".into()]],
            vec![],
        );
        assert_eq!(t.full(), "a\nbb\nccc\n");
        assert_eq!(t.locate(3), LineRef { page: 1, line: 1 });
        assert_eq!(t.locate(5), LineRef { page: 2, line: 0 });
        assert_eq!(t.line(LineRef { page: 2, line: 0 }), "ccc");
    }

    // A bomb whose stream breaks off (bad data after gigabytes of zeros) counted as nothing:
    // the parser inflates it all the same.
    #[test]
    fn a_broken_stream_counts_what_it_inflated() {
        use std::io::Write;
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; 1 << 20]).unwrap();
        let whole = enc.finish().unwrap();
        assert_eq!(inflated_size(&whole, u64::MAX), 1 << 20);
        assert_eq!(inflated_size(&whole, 1000), 1000);
        let mut broken = whole.clone();
        let n = broken.len();
        broken[n - 4..].copy_from_slice(b"oops"); // a wrong checksum
        // All but the last buffer read before the checksum fails (was: 0).
        assert!(inflated_size(&broken, u64::MAX) > 900_000);
        assert_eq!(inflated_size(b"not zlib", u64::MAX), 0);
    }

    #[test]
    fn garbage_text_layer_is_not_text() {
        assert!(!page_has_text(&[
            "\u{fffd}\u{fffd}\u{fffd} \u{fffd}\u{fffd}".repeat(20)
        ]));
        assert!(page_has_text(&[
            "Your claim for services was denied because".to_string()
        ]));
    }
}

#[cfg(test)]
mod html_tests {
    use super::*;

    #[test]
    fn html_blocks_become_lines() {
        let t = html_to_text(
            "<html><head><title>x</title></head><body><p>Claim&nbsp;Number: A1</p><table><tr><td>Billed</td><td>$5.00</td></tr></table><script>var a;</script>R&amp;D &#39;ok&#39;</body></html>",
        );
        let lines: Vec<String> = t
            .lines()
            .map(normalize_line)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines, vec!["Claim Number: A1", "Billed $5.00", "R&D 'ok'"]);
    }
}

/// Property tests of the private helpers (the public ones are covered in
/// tests/integration/props.rs).
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(&[
                    ".", ". ", "Dr.", "e.g.", "caf\u{e9}.", "\u{1f642}.", "x\u{301}.", "<p>",
                    "</td>", "&amp;", "&#x1F642;", "&#99999999;", "&#xD800;", "&nbsp;", "<!--",
                    "-->", "<script>", "\n", " ", "\u{0}", "\u{200f}", "\u{fffd}",
                ][..]).prop_map(str::to_string),
                1 => proptest::collection::vec(any::<char>(), 0..5)
                    .prop_map(|c| c.into_iter().collect::<String>()),
            ],
            0..30,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn abbreviations_html_and_pages_take_any_text(s in text()) {
            for (i, _) in s.match_indices(['.', '?', '!']) {
                let _ = is_abbrev(&s, i);
            }
            let _ = html_to_text(&s);
            let lines: Vec<String> = s.lines().map(str::to_string).collect();
            let _ = page_has_text(&lines);
        }

        #[test]
        fn wrapping_keeps_every_character(s in text(), n in 1usize..5) {
            let long = s.repeat(n * (MAX_LINE_BYTES / s.len().max(1) + 1));
            let wrapped = wrap_long_lines(vec![long.clone()]);
            prop_assert_eq!(wrapped.concat(), long);
            prop_assert!(wrapped.iter().all(|l| l.len() <= MAX_LINE_BYTES));
        }
    }
}
