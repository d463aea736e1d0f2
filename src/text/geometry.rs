//! Text stage, positioned words: glyphs of a PDF page (from pdf-extract's interpreter) or the
//! character columns of a plain-text line in, [`RawLine`]s out: lines ordered by geometry,
//! each split into cells where a wide gap separates words (table columns, a label/value grid,
//! a two-column header).
//!
//! Lines are derived from baselines, not from the order a producer wrote the text in, so a
//! table cell written last still sits on its row.
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

/// A run of words on one line with no wide gap inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The cell's text, words separated by one space.
    pub text: String,
    /// Left edge (PDF points from the page's left, or a character column for plain text).
    pub x0: f32,
    /// Right edge, same unit.
    pub x1: f32,
}

/// One line of a page before normalisation: its cells left to right, its baseline and the
/// largest type on it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawLine {
    /// Cells, left to right.
    pub cells: Vec<Cell>,
    /// Words, left to right (a cell is one or more words).
    pub words: Vec<Cell>,
    /// Baseline from the top of the page (points; a line index for plain text).
    pub y: f32,
    /// Largest type size on the line (points; 0 when unknown).
    pub size: f32,
}

impl RawLine {
    /// The line's text: its cells separated by one space.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for c in &self.cells {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&c.text);
        }
        s
    }
}

/// A gap of at least this many type sizes between two words separates cells. Word spaces are
/// a quarter to a third of the size; table gutters and label/value tabs are wider.
const CELL_GAP: f64 = 0.6;
/// A gap of more than this many type sizes separates words.
const WORD_GAP: f64 = 0.12;

#[derive(Debug, Clone)]
struct Glyph {
    x: f64,
    y: f64,
    w: f64,
    size: f64,
    ch: Chars,
}

/// A glyph's text, held inline: one glyph decodes to a character or a short ligature, and a
/// page has thousands of glyphs (one allocation each was a tenth of the layout's time).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Chars {
    bytes: [u8; 15],
    len: u8,
}

impl Chars {
    fn new(s: &str) -> Chars {
        let mut end = s.len().min(15);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0u8; 15];
        bytes[..end].copy_from_slice(&s.as_bytes()[..end]);
        Chars {
            bytes,
            len: end as u8,
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

/// Collects the glyphs of one page with their positions (an output device for pdf-extract).
#[derive(Debug, Default)]
pub struct GlyphCollector {
    height: f64,
    glyphs: Vec<Glyph>,
}

impl GlyphCollector {
    /// An empty collector.
    pub fn new() -> GlyphCollector {
        // A letter's page draws a few thousand glyphs: grow once or twice, not a dozen times.
        GlyphCollector {
            glyphs: Vec::with_capacity(2048),
            ..GlyphCollector::default()
        }
    }

    /// The page's lines, top to bottom.
    pub fn into_lines(self) -> Vec<RawLine> {
        lines_from_glyphs(self.glyphs)
    }
}

impl OutputDev for GlyphCollector {
    fn begin_page(
        &mut self,
        _page_num: u32,
        media_box: &MediaBox,
        _: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.height = media_box.ury - media_box.lly;
        Ok(())
    }
    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        ch: &str,
    ) -> Result<(), OutputError> {
        // Rotated text (a form number up the margin) is page furniture, not a line.
        if trm.m12.abs() > trm.m11.abs() || trm.m11 <= 0.0 {
            return Ok(());
        }
        // The size the glyph is drawn at: the side of the square of the same area.
        let vx = font_size * (trm.m11 + trm.m21);
        let vy = font_size * (trm.m12 + trm.m22);
        let size = (vx * vy).abs().sqrt();
        if !size.is_finite() || size <= 0.0 || !trm.m31.is_finite() || !trm.m32.is_finite() {
            return Ok(());
        }
        self.glyphs.push(Glyph {
            x: trm.m31,
            y: self.height - trm.m32,
            w: (width * size).max(0.0),
            size,
            ch: Chars::new(ch),
        });
        Ok(())
    }
    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Feeds one page to two output devices at once (one content-stream pass).
pub struct Tee<A: OutputDev, B: OutputDev> {
    /// The first device.
    pub plain: A,
    /// The second device.
    pub glyphs: B,
}

impl<A: OutputDev, B: OutputDev> OutputDev for Tee<A, B> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.plain.begin_page(page_num, media_box, art_box)?;
        self.glyphs.begin_page(page_num, media_box, art_box)
    }
    fn end_page(&mut self) -> Result<(), OutputError> {
        self.plain.end_page()?;
        self.glyphs.end_page()
    }
    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        ch: &str,
    ) -> Result<(), OutputError> {
        self.plain
            .output_character(trm, width, spacing, font_size, ch)?;
        self.glyphs
            .output_character(trm, width, spacing, font_size, ch)
    }
    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.plain.begin_word()?;
        self.glyphs.begin_word()
    }
    fn end_word(&mut self) -> Result<(), OutputError> {
        self.plain.end_word()?;
        self.glyphs.end_word()
    }
    fn end_line(&mut self) -> Result<(), OutputError> {
        self.plain.end_line()?;
        self.glyphs.end_line()
    }
}

/// Groups glyphs into lines by baseline, then words and cells by the gaps between them.
fn lines_from_glyphs(mut glyphs: Vec<Glyph>) -> Vec<RawLine> {
    glyphs.retain(|g| g.ch.len > 0);
    glyphs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    // Baselines closer than 40% of the type size are one line (a superscript stays on it).
    // Rows are runs of the sorted glyphs, each sorted again in place.
    let mut starts: Vec<usize> = Vec::new();
    let mut row_y = f64::NEG_INFINITY;
    let mut row_size = 0.0f64;
    for (i, g) in glyphs.iter().enumerate() {
        if starts.is_empty() || g.y - row_y > 0.4 * row_size.max(g.size) {
            row_y = g.y;
            row_size = g.size;
            starts.push(i);
        }
        row_size = row_size.max(g.size);
    }
    let ends = starts.iter().skip(1).copied().chain([glyphs.len()]);
    let mut row: Vec<Glyph> = Vec::new();
    let mut lines = Vec::with_capacity(starts.len());
    let mut emit = |part: &[Glyph]| {
        row.clear();
        row.extend_from_slice(part);
        row.sort_by(|a, b| a.x.total_cmp(&b.x));
        // Fake bold draws each glyph twice at almost the same place: keep one.
        row.dedup_by(|b, a| a.ch == b.ch && (a.x - b.x).abs() < 0.05 * a.size.max(1.0));
        let line = cells_of_row(&row);
        if !line.cells.is_empty() {
            lines.push(line);
        }
    };
    for (&a, b) in starts.iter().zip(ends) {
        match lines_under_large_type(&glyphs[a..b]) {
            None => emit(&glyphs[a..b]),
            Some(parts) => parts.iter().for_each(|p| emit(p)),
        }
    }
    lines
}

/// A row whose baseline tolerance came from large type (a 30-point wordmark beside an
/// address set in 8 points) can hold several lines of the small type: each becomes a line
/// of its own, top to bottom, and the large type joins the small line on its baseline or,
/// on none, stands alone. Small glyphs a type size apart cannot share a line; a superscript
/// and a subscript on one line are closer than that. `None` when the row is one line.
fn lines_under_large_type(row: &[Glyph]) -> Option<Vec<Vec<Glyph>>> {
    let big = row.iter().map(|g| g.size).fold(0.0, f64::max);
    let small = |g: &Glyph| g.size < 0.7 * big;
    // Runs of the small type's baselines, top to bottom (the row is sorted by baseline).
    let mut bands: Vec<(f64, f64, Vec<Glyph>)> = Vec::new();
    for g in row.iter().filter(|g| small(g)) {
        match bands.last_mut() {
            Some((_, last, gs)) if g.y - *last < 0.9 * g.size => {
                *last = g.y;
                gs.push(g.clone());
            }
            _ => bands.push((g.y, g.y, vec![g.clone()])),
        }
    }
    if bands.len() < 2 {
        return None;
    }
    let size = row
        .iter()
        .filter(|g| small(g))
        .map(|g| g.size)
        .fold(0.0, f64::max);
    let large: Vec<Glyph> = row.iter().filter(|g| !small(g)).cloned().collect();
    let band_of = |y: f64| {
        bands
            .iter()
            .position(|(a, b, _)| y >= a - 0.4 * size && y <= b + 0.4 * size)
    };
    let homes: Vec<Option<usize>> = large.iter().map(|g| band_of(g.y)).collect();
    let mut parts: Vec<(f64, Vec<Glyph>)> = Vec::new();
    if homes.iter().all(Option::is_some) {
        for (g, home) in large.into_iter().zip(homes) {
            if let Some(i) = home {
                bands[i].2.push(g);
            }
        }
    } else if let Some(first) = large.first() {
        parts.push((first.y, large));
    }
    parts.extend(bands.into_iter().map(|(a, _, gs)| (a, gs)));
    parts.sort_by(|a, b| a.0.total_cmp(&b.0));
    Some(parts.into_iter().map(|(_, gs)| gs).collect())
}

fn cells_of_row(row: &[Glyph]) -> RawLine {
    let size = row.iter().map(|g| g.size).fold(0.0, f64::max);
    let y = row.first().map(|g| g.y).unwrap_or(0.0);
    let mut words: Vec<Cell> = Vec::new();
    let mut cur = String::new();
    let (mut x0, mut x1) = (0.0f64, 0.0f64);
    let mut end = f64::NEG_INFINITY; // right edge of the last visible glyph
    let mut pending_space = false;
    for g in row {
        if g.ch.as_str().trim().is_empty() {
            pending_space = !cur.is_empty();
            continue;
        }
        let gap = g.x - end;
        if !cur.is_empty() && (pending_space || gap > WORD_GAP * g.size.max(1.0)) {
            words.push(Cell {
                text: std::mem::take(&mut cur),
                x0: x0 as f32,
                x1: x1 as f32,
            });
        }
        if cur.is_empty() {
            x0 = g.x;
            x1 = g.x;
        }
        cur.push_str(g.ch.as_str());
        end = g.x + g.w;
        x1 = x1.max(end);
        pending_space = false;
    }
    if !cur.is_empty() {
        words.push(Cell {
            text: cur,
            x0: x0 as f32,
            x1: x1 as f32,
        });
    }
    let (words, tracking) = join_letter_spacing(words);
    // Letter-spaced type adds its tracking after every letter and space: twice to the gap
    // between two words.
    let gap = (CELL_GAP * size.max(1.0)) as f32 + 2.0 * tracking;
    RawLine {
        cells: cells_of(&words, gap),
        words,
        y: y as f32,
        size: size as f32,
    }
}

/// A word that OCR found, with its box in points from the page's top left.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrWord {
    /// The word.
    pub text: String,
    /// Left edge (points).
    pub x0: f32,
    /// Top edge (points).
    pub y0: f32,
    /// Right edge (points).
    pub x1: f32,
    /// Bottom edge (points).
    pub y1: f32,
    /// The text line OCR put the word in (its block, paragraph and line numbers as one key);
    /// `None` when unknown. A line OCR read is kept whole: its baseline may drift across a
    /// photographed page further than half a line.
    pub line: Option<u32>,
}

/// Groups OCR's word boxes into lines the way glyphs are grouped: words whose vertical
/// centres lie within half a line height of each other are one line (across the blocks OCR
/// made of a two-column header), and a wide gap splits a line into cells.
pub fn lines_from_words(mut words: Vec<OcrWord>) -> Vec<RawLine> {
    words.retain(|w| !w.text.trim().is_empty() && w.y1 > w.y0);
    let centre = |w: &OcrWord| (w.y0 + w.y1) / 2.0;
    // OCR's own lines first (a word without one is a line of its own), each placed by the
    // median of its words' centres and heights.
    let mut units: Vec<(f32, f32, Vec<OcrWord>)> = Vec::new();
    let mut by_line: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    let mut grouped: Vec<Vec<OcrWord>> = Vec::new();
    for w in words {
        match w.line {
            Some(l) => {
                let i = *by_line.entry(l).or_insert_with(|| {
                    grouped.push(Vec::new());
                    grouped.len() - 1
                });
                grouped[i].push(w);
            }
            None => grouped.push(vec![w]),
        }
    }
    let median = |mut v: Vec<f32>| {
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    for ws in grouped {
        let c = median(ws.iter().map(centre).collect());
        let h = median(ws.iter().map(|w| w.y1 - w.y0).collect());
        units.push((c, h, ws));
    }
    units.sort_by(|a, b| {
        a.0.total_cmp(&b.0).then(
            a.2.first()
                .map_or(0.0, |w| w.x0)
                .total_cmp(&b.2.first().map_or(0.0, |w| w.x0)),
        )
    });
    // Then rows: lines whose centres lie within half a line height of each other.
    let mut rows: Vec<Vec<OcrWord>> = Vec::new();
    let mut row_centre = f32::NEG_INFINITY;
    let mut row_height = 0.0f32;
    for (c, h, ws) in units {
        if rows.is_empty() || c - row_centre > 0.5 * row_height.max(h) {
            row_centre = c;
            row_height = h;
            rows.push(Vec::new());
        }
        if let Some(r) = rows.last_mut() {
            r.extend(ws);
        }
    }
    rows.iter_mut()
        .for_each(|r| r.sort_by(|a, b| a.x0.total_cmp(&b.x0)));
    rows.into_iter()
        .map(|row| {
            // The line's type size from its median word height: OCR's boxes hug the ink, and
            // a word's ink is about seven tenths of its type size (capitals; more with
            // descenders), as the same letters' PDF and scan measure.
            let mut heights: Vec<f32> = row.iter().map(|w| w.y1 - w.y0).collect();
            heights.sort_by(f32::total_cmp);
            let size = heights[heights.len() / 2] / INK_SHARE;
            // A cell gap is measured against the taller words: a word's box is the size of
            // the type when it has a capital, an ascender or a descender; on a line of short
            // lower-case words ("also called ... that you") the median is the x-height, and
            // their spaces would split them into cells.
            let gap_size = heights[heights.len() * 4 / 5];
            let y = row.iter().map(|w| w.y1).fold(0.0, f32::max);
            let keys: Vec<Option<u32>> = row.iter().map(|w| w.line).collect();
            let words: Vec<Cell> = row
                .into_iter()
                .map(|w| Cell {
                    text: w.text,
                    x0: w.x0,
                    x1: w.x1,
                })
                .collect();
            RawLine {
                cells: ocr_cells(&words, &keys, OCR_CELL_GAP * gap_size.max(1.0)),
                words,
                y,
                size,
            }
        })
        .collect()
}

/// Words into cells as [`cells_of`] does, except that the groups of a number printed in
/// groups ("318 604 2957") stay one cell across wider gaps: typewriter and card faces set
/// digits wide, and OCR's boxes hug the digits, so their spaces measure like a cell's gap.
fn ocr_cells(words: &[Cell], keys: &[Option<u32>], gap: f32) -> Vec<Cell> {
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    cells_joined(words, |c, i, w| {
        let near = w.x0 - c.x1;
        if near < gap {
            return true;
        }
        // A date's parts in the same words OCR read as one line ("9 Mar 2027").
        let date_part = keys[i].is_some()
            && keys[i] == keys[i - 1]
            && (month(&words[i - 1].text) && day_or_year(&w.text)
                || day_or_year(&words[i - 1].text) && month(&w.text));
        let groups = c
            .text
            .rsplit(' ')
            .next()
            .is_some_and(|last| digits(last, 2..=6))
            && digits(&w.text, 1..=6);
        near < GROUP_GAP * gap && (date_part || groups)
    })
}

/// A month's name or its abbreviation ("Jan", "January", "Sept.").
fn month(w: &str) -> bool {
    let w = w.trim_end_matches(['.', ',']);
    w.chars().all(|c| c.is_ascii_alphabetic()) && crate::values::month_number(w).is_some()
}

/// A day of the month or a year ("21", "9,", "2026").
fn day_or_year(w: &str) -> bool {
    let d = w.trim_end_matches([',', '.']);
    matches!(d.len(), 1 | 2 | 4) && d.bytes().all(|b| b.is_ascii_digit())
}

/// The share of a line's type size that its words' ink covers, top to bottom.
const INK_SHARE: f32 = 0.7;

/// How much wider than a cell gap the space between two groups of digits may be.
const GROUP_GAP: f32 = 1.6;

/// OCR's word boxes are looser than glyph boxes and its word spaces wider: a cell gap is a
/// little wider than for a PDF's text.
const OCR_CELL_GAP: f32 = 0.9;

/// Letter-spaced type ("H E A L T H  P L A N") comes out one letter per word: where most
/// words are single letters, letters closer than 1.6 times the usual letter gap are joined,
/// so the wider gaps between words stay. Returns the words and the gap between letters (0
/// when the type is not letter-spaced).
fn join_letter_spacing(words: Vec<Cell>) -> (Vec<Cell>, f32) {
    let singles = words.iter().filter(|w| w.text.chars().count() == 1).count();
    if singles < 6 || singles * 2 < words.len() {
        return (words, 0.0);
    }
    let mut gaps: Vec<f32> = words.windows(2).map(|w| w[1].x0 - w[0].x1).collect();
    gaps.sort_by(f32::total_cmp);
    let letter = gaps[gaps.len() / 4].max(0.0);
    let mut out: Vec<Cell> = Vec::new();
    for w in words {
        match out.last_mut() {
            Some(p) if w.x0 - p.x1 <= 1.6 * letter + 0.01 && w.text.chars().count() == 1 => {
                p.text.push_str(&w.text);
                p.x1 = w.x1;
            }
            _ => out.push(w),
        }
    }
    (out, letter)
}

/// Joins words into cells: a gap of at least `gap` between two words separates cells.
pub fn cells_of(words: &[Cell], gap: f32) -> Vec<Cell> {
    cells_joined(words, |c, _, w| w.x0 - c.x1 < gap)
}

/// Words into cells: the `i`th word `w` joins the cell `c` before it when `join(c, i, w)`.
fn cells_joined(words: &[Cell], join: impl Fn(&Cell, usize, &Cell) -> bool) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        match cells.last_mut() {
            Some(c) if join(c, i, w) => {
                c.text.push(' ');
                c.text.push_str(&w.text);
                c.x1 = c.x1.max(w.x1);
            }
            _ => cells.push(w.clone()),
        }
    }
    cells
}

/// Words and cells of a plain-text line: a space separates words, runs of two or more spaces
/// (or a tab) separate cells, and edges are character columns, as in fixed-width remittances
/// and `pdftotext -layout` output.
pub fn plain_line(line: &str, index: usize) -> RawLine {
    let mut words = Vec::new();
    let mut cur = String::new();
    let (mut x0, mut col) = (0usize, 0usize);
    let mut tab_before = false;
    let mut tabbed = Vec::new(); // words that follow a tab: always a new cell
    for ch in line.chars() {
        if ch == ' ' || ch == '\t' {
            if !cur.is_empty() {
                words.push(Cell {
                    text: std::mem::take(&mut cur),
                    x0: x0 as f32,
                    x1: col as f32,
                });
            }
            tab_before |= ch == '\t';
            col += if ch == '\t' { 8 - col % 8 } else { 1 };
            continue;
        }
        if cur.is_empty() {
            x0 = col;
            if tab_before {
                tabbed.push(words.len());
            }
            tab_before = false;
        }
        cur.push(ch);
        col += 1;
    }
    if !cur.is_empty() {
        words.push(Cell {
            text: cur,
            x0: x0 as f32,
            x1: col as f32,
        });
    }
    let mut cells = cells_of(&words, 2.0);
    // A tab separates cells even when it advances one column.
    if !tabbed.is_empty() {
        cells.clear();
        for (i, w) in words.iter().enumerate() {
            match cells.last_mut() {
                Some(c) if !tabbed.contains(&i) && w.x0 - c.x1 < 2.0 => {
                    c.text.push(' ');
                    c.text.push_str(&w.text);
                    c.x1 = w.x1;
                }
                _ => cells.push(w.clone()),
            }
        }
    }
    RawLine {
        cells,
        words,
        y: index as f32,
        size: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(s: &str, x: f64, y: f64, size: f64) -> Vec<Glyph> {
        s.chars()
            .enumerate()
            .map(|(i, c)| Glyph {
                x: x + i as f64 * size * 0.5,
                y,
                w: size * 0.5,
                size,
                ch: Chars::new(&c.to_string()),
            })
            .collect()
    }

    #[test]
    fn rows_come_from_baselines_and_wide_gaps_split_cells() {
        // Written right column first, as some producers do.
        let mut g = glyphs("Member ID: AB12", 300.0, 100.0, 10.0);
        g.extend(glyphs("Jane Q. Doe", 72.0, 100.5, 10.0));
        g.extend(glyphs("12 Elm St", 72.0, 112.0, 10.0));
        let lines = lines_from_glyphs(g);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text(), "Jane Q. Doe Member ID: AB12");
        assert_eq!(lines[0].cells.len(), 2);
        assert_eq!(lines[0].cells[1].text, "Member ID: AB12");
        assert!(lines[0].cells[1].x0 >= 299.0);
        assert_eq!(lines[1].text(), "12 Elm St");
    }

    #[test]
    fn letter_spaced_type_keeps_its_words() {
        // "H E A L T H   P L A N": letters 0.3 size apart, words 1.0 apart.
        let mut g = Vec::new();
        let mut x = 72.0;
        for word in ["HEALTH", "PLAN"] {
            for c in word.chars() {
                g.push(Glyph {
                    x,
                    y: 50.0,
                    w: 6.0,
                    size: 10.0,
                    ch: Chars::new(&c.to_string()),
                });
                x += 9.0;
            }
            x += 7.0;
        }
        let lines = lines_from_glyphs(g);
        let words: Vec<&str> = lines[0].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["HEALTH", "PLAN"]);
        // The tracking widens the gap between the words too: still one cell, not two.
        assert_eq!(lines[0].cells.len(), 1, "{:?}", lines[0].cells);
    }

    #[test]
    fn small_lines_beside_large_type_stay_apart() {
        // A 30-point wordmark at the left whose baseline tolerance spans two 8-point address
        // lines at the right (11 points apart): three lines, none interleaved.
        let mut g = glyphs("Brand", 72.0, 100.0, 30.0);
        g.extend(glyphs("Boise, ID 83706", 400.0, 96.0, 8.0));
        g.extend(glyphs("Call 1-800-555-0100", 400.0, 107.0, 8.0));
        let lines = lines_from_glyphs(g);
        let texts: Vec<String> = lines.iter().map(RawLine::text).collect();
        assert_eq!(texts, ["Boise, ID 83706", "Brand", "Call 1-800-555-0100"]);
        // Large type on a small line's baseline stays on that line.
        let mut g = glyphs("Total", 72.0, 100.0, 30.0);
        g.extend(glyphs("due now", 300.0, 100.5, 8.0));
        g.extend(glyphs("see page 2", 300.0, 111.0, 8.0));
        let texts: Vec<String> = lines_from_glyphs(g).iter().map(RawLine::text).collect();
        assert_eq!(texts, ["Total due now", "see page 2"]);
        // Footnote marks in a line of body type stay on it (small type on one band).
        let mut g = glyphs("Copays", 72.0, 100.0, 10.0);
        g.extend(glyphs("1", 102.0, 96.8, 6.0));
        g.extend(glyphs("and coinsurance", 106.0, 100.0, 10.0));
        g.extend(glyphs("2", 184.0, 96.6, 6.0));
        assert_eq!(lines_from_glyphs(g).len(), 1);
    }

    #[test]
    fn a_number_printed_in_wide_groups_is_one_ocr_cell() {
        // Words 8 points high: a cell gap is about 7 points.
        let word = |t: &str, x0: f32, x1: f32| OcrWord {
            text: t.into(),
            x0,
            y0: 100.0,
            x1,
            y1: 108.0,
            line: Some(1),
        };
        let cells = |ws: Vec<OcrWord>| -> Vec<String> {
            lines_from_words(ws)[0]
                .cells
                .iter()
                .map(|c| c.text.clone())
                .collect()
        };
        // Digit groups 8 points apart stay together; a word as far away is its own cell,
        // and so is a number a column away.
        assert_eq!(
            cells(vec![
                word("Pat", 50.0, 62.0),
                word("Lee", 65.0, 77.0),
                word("318", 150.0, 166.0),
                word("604", 174.0, 190.0),
                word("2957", 198.0, 218.0),
                word("1200", 300.0, 320.0),
            ]),
            ["Pat Lee", "318 604 2957", "1200"]
        );
        assert_eq!(
            cells(vec![word("Paid", 50.0, 70.0), word("Denied", 78.0, 106.0),]),
            ["Paid", "Denied"]
        );
        // So do a date's parts, in type as wide, when OCR read them as one line.
        assert_eq!(
            cells(vec![
                word("G-55102", 50.0, 90.0),
                word("9", 150.0, 156.0),
                word("Mar", 164.0, 180.0),
                word("2027", 188.0, 210.0),
            ]),
            ["G-55102", "9 Mar 2027"]
        );
    }

    #[test]
    fn plain_text_columns_become_cells() {
        let l = plain_line("CLAIM 7731   BILLED  1,200.00   PAID 0.00", 3);
        let texts: Vec<&str> = l.cells.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["CLAIM 7731", "BILLED", "1,200.00", "PAID 0.00"]);
        assert_eq!(l.cells[1].x0, 13.0);
        assert_eq!(l.cells[2].x1, 29.0);
        assert_eq!(l.text(), "CLAIM 7731 BILLED 1,200.00 PAID 0.00");
    }
}
