//! Stage 3, layout: [`Text`] (its positioned lines) and [`Rules`] in, [`Layout`] out: the
//! tables of claim lines, read by column rather than by line.
//!
//! A table's header is a band of up to three lines of column labels (cells that wrap stack
//! into one label: "Amount" over "billed"); each label's horizontal extent is its column. The
//! lines below are cut into cells by the same wide gaps and each cell goes to the column it
//! sits under. A line with an amount or a claim number starts a row; a line without one (a
//! cell that wrapped, above or below its row when cells are centred) joins the nearest row.
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use std::sync::LazyLock;

use regex::Regex;

use crate::rules::{ColumnKind, Rules};
use crate::text::{Cell, LineRef, PositionedLine, Text};
use crate::values;

/// The tables and key-value pairs of a document.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Claim-line tables, in document order.
    pub tables: Vec<Table>,
    /// Labels printed over their values (a grid of member and claim details), in order.
    pub pairs: Vec<Pair>,
    /// The document's explanation of the codes its tables print in a code column
    /// ("MN  Not medically necessary ..."): code -> (page, first line index, description).
    pub legend: std::collections::HashMap<String, LegendEntry>,
    /// Page furniture: lines of the pages' `lines` (reading order) that are page numbers,
    /// running headers and footers repeated from page to page, or language-assistance
    /// taglines. No field is read from them.
    pub furniture: std::collections::HashSet<LineRef>,
}

impl Layout {
    /// Whether a line is page furniture.
    pub fn is_furniture(&self, at: LineRef) -> bool {
        self.furniture.contains(&at)
    }
}

/// One code's explanation as the document prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// 1-based page number.
    pub page: u32,
    /// Index of its first line in the page's `layout`.
    pub line: usize,
    /// The explanation, its lines joined.
    pub text: String,
}

/// A label and the value printed under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// 1-based page number.
    pub page: u32,
    /// The label cell's text.
    pub label: String,
    /// The value cell's text.
    pub value: String,
    /// Index of the value's line in the page's `layout`.
    pub line: usize,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An amount of this kind.
    Amount(ColumnKind),
    /// The claim number.
    ClaimNumber,
    /// The patient or member.
    Patient,
    /// The member ID.
    MemberId,
    /// A date of service.
    Date,
    /// Adjustment or remark codes.
    Code,
    /// A procedure code.
    Procedure,
    /// The provider.
    Provider,
    /// Anything else (a description, a status).
    Text,
}

/// A column: its label and horizontal extent.
#[derive(Debug, Clone)]
pub struct Column {
    /// What the column holds.
    pub role: Role,
    /// The header label, wrapped parts joined.
    pub label: String,
    /// Left edge.
    pub x0: f32,
    /// Right edge.
    pub x1: f32,
}

/// One row: its text per column, with the cells that wrapped onto neighbouring lines.
#[derive(Debug, Clone)]
pub struct Row {
    /// Text per column (same order as [`Table::columns`]); empty where the row has none.
    pub cells: Vec<String>,
    /// The whole row as printed (its lines joined), for evidence and codes.
    pub text: String,
    /// Index of the row's first line in its page's `layout`.
    pub line: usize,
    /// The row is a total ("Claim total", "Totals").
    pub total: bool,
}

/// A claim-line table.
#[derive(Debug, Clone)]
pub struct Table {
    /// 1-based page number.
    pub page: u32,
    /// Index of the header's first line in the page's `layout`.
    pub header_line: usize,
    /// Columns, left to right.
    pub columns: Vec<Column>,
    /// Rows, top to bottom.
    pub rows: Vec<Row>,
    /// Index of the last line the table takes (its last row's last wrapped line).
    pub end_line: usize,
}

impl Table {
    /// The index of the first column with this role.
    pub fn column(&self, role: Role) -> Option<usize> {
        self.columns.iter().position(|c| c.role == role)
    }

    /// The column of remark or reason codes: the rightmost code column (a code printed
    /// beside the service on the left is the procedure's).
    pub fn code_column(&self) -> Option<usize> {
        self.columns.iter().rposition(|c| c.role == Role::Code)
    }

    /// The amount of kind `k` in a row.
    pub fn amount(&self, row: &Row, k: ColumnKind) -> Option<f64> {
        let i = self.column(Role::Amount(k))?;
        values::find_amounts(row.cells.get(i)?)
            .first()
            .map(|a| a.value)
    }

    /// Whether the plan paid nothing of a row's charge: nothing paid of a charge, or the
    /// whole charge not covered.
    pub fn unpaid(&self, row: &Row) -> bool {
        let billed = self.amount(row, ColumnKind::Billed);
        let not_covered = self.amount(row, ColumnKind::NotCovered);
        (self.amount(row, ColumnKind::Paid) == Some(0.0) && billed.is_some_and(|b| b > 0.0))
            || not_covered.is_some_and(|n| n > 0.0 && billed.is_some_and(|b| n >= b - 0.005))
    }

    /// The text of a row's codes: its code column's cell; or, in a table without one whose
    /// last column is an amount, what follows the amount in that column's cell when it is
    /// only codes of letters and digits ("1,048.00 H47, P10": a narrow remark column whose
    /// label and codes the type set too close to the amount's to stand apart).
    pub fn code_cell<'r>(&self, row: &'r Row) -> &'r str {
        if let Some(i) = self.code_column() {
            return row.cells.get(i).map_or("", String::as_str);
        }
        let last = self.columns.len().wrapping_sub(1);
        if !matches!(
            self.columns.get(last).map(|c| c.role),
            Some(Role::Amount(_))
        ) {
            return "";
        }
        let Some(cell) = row.cells.get(last) else {
            return "";
        };
        let Some(amount) = values::find_amounts(cell).last().map(|a| a.end) else {
            return "";
        };
        let rest = cell.get(amount..).unwrap_or("");
        let code = |t: &str| {
            (2..=6).contains(&t.len())
                && t.chars().all(|c| c.is_ascii_alphanumeric())
                && t.chars().any(|c| c.is_ascii_alphabetic())
                && t.chars().any(|c| c.is_ascii_digit())
        };
        let mut tokens = rest.split([' ', ',', ';', '/']).filter(|t| !t.is_empty());
        if rest.trim().is_empty() || !tokens.all(code) {
            return "";
        }
        rest.trim()
    }

    /// The codes in a row's code cell ([`Table::code_cell`]) that the document's `legend`
    /// explains, upper-cased, each with its explanation, in the cell's order.
    pub fn explained_codes<'a>(
        &self,
        row: &Row,
        legend: &'a std::collections::HashMap<String, LegendEntry>,
    ) -> Vec<(String, &'a LegendEntry)> {
        let cell = self.code_cell(row);
        cell.split([' ', ',', ';', '/'])
            .filter_map(|tok| {
                let tok = tok
                    .trim_matches(|c: char| !c.is_ascii_alphanumeric())
                    .to_ascii_uppercase();
                legend.get(&tok).map(|e| (tok, e))
            })
            .collect()
    }
}

use crate::rules::constant as re;

static CLAIM_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(claim|icn|dcn|internal control)( (number|no\.?|#|id|ref(erence)?|control (number|no\.?)))?\s*#?:?$",
    )
});
static PATIENT_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(patient|member|enrollee|beneficiary)( name)?:?$|^name$"));
static MEMBER_ID_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(member|patient|subscriber|enrollee|recipient|medicaid|medicare)? ?(id|identification|number|#|no\.?)( (number|no\.?|#))?:?$|^mid$",
    )
});
static DATE_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(dates?|dos|serv(ice)? dt|from)\b"));
static CODE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(codes?|remarks?|reason|adj(ustment)?|carc|rarc|grp ?/ ?rc|explanation|notes?|msg|message)\b",
    )
});
static PROCEDURE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(cpt|hcpcs|procedure|proc|service code|billing code|cdt|service ?/ ?code|service and code)\b",
    )
});
static PROVIDER_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(provider|physician|doctor|facility|rendered by|payee)\b"));
static TOTAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\btotals?\b|\bsubtotal\b|\ball claims\b"));

/// Reads the layout of a document.
pub fn analyze(text: &Text, rules: &Rules) -> Layout {
    let mut tables = Vec::new();
    let mut pairs = Vec::new();
    for page in &text.pages {
        // Where labels and values interleave, the stacks are read, not the lines.
        let (stacked, boxes) = stacked_pairs(&page.layout, page.number);
        pairs.extend(
            pairs_on(&page.layout, page.number)
                .into_iter()
                .filter(|p| !boxes.iter().any(|b| b.contains(&p.line))),
        );
        pairs.extend(stacked);
        let lines = &page.layout;
        let mut i = 0;
        while i < lines.len() {
            match table_at(lines, i, page.number, rules) {
                Some(t) => {
                    i = t.end_line.max(i) + 1;
                    tables.push(t);
                }
                None => i += 1,
            }
        }
    }
    let legend = legend_of(text, &tables);
    Layout {
        tables,
        pairs,
        legend,
        furniture: furniture_of(text),
    }
}

/// Where a line of a page's reading order sits on the page: the box of the run of positioned
/// words that spells it (or its longest opening run, at least three words, when the line runs
/// over two rows). `None` for plain text, which has no geometry, or when no row holds it.
pub fn box_of(text: &Text, page: u32, line: &str) -> Option<crate::report::BBox> {
    if text.method == crate::text::Method::PlainText {
        return None;
    }
    let p = text.pages.get((page as usize).checked_sub(1)?)?;
    let want: Vec<&str> = line.split_whitespace().collect();
    let first = *want.first()?;
    let need = want.len().min(3);
    // (matched words, line, first word index)
    let mut best: Option<(usize, &PositionedLine, usize)> = None;
    for l in &p.layout {
        let words = &l.words;
        for start in 0..words.len() {
            if words[start].text != first {
                continue;
            }
            let run = want
                .iter()
                .zip(&words[start..])
                .take_while(|(w, c)| **w == c.text)
                .count();
            if run >= need && best.is_none_or(|(b, _, _)| run > b) {
                best = Some((run, l, start));
            }
        }
    }
    let (run, l, start) = best?;
    let span = &l.words[start..start + run];
    let x0 = span.iter().map(|w| w.x0).fold(f32::INFINITY, f32::min);
    let x1 = span.iter().map(|w| w.x1).fold(f32::NEG_INFINITY, f32::max);
    // A line's y is its baseline and its size the type's: ascenders above, descenders below.
    let round = |v: f32| (v * 10.0).round() / 10.0;
    Some(crate::report::BBox {
        x0: round(x0),
        y0: round(l.y - l.size),
        x1: round(x1),
        y1: round(l.y + 0.25 * l.size),
    })
}

/// Lines at the top and bottom of a page that running headers and footers take.
const MARGIN_LINES: usize = 3;

// "Page 2 of 3", or a line that is only a page number ("Page 2", "- 2 -", "2/3"); not a
// sentence that names a page ("see page 2").
static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(page|pg\.?|p\x{e1}gina|pagina)\s*\d{1,3}\s*(of|de|/)\s*\d{1,3}\b|^\s*((page|pg\.?|p\x{e1}gina|pagina)\s*)?-?\s*\d{1,3}\s*-?\s*$|^\s*\d{1,3}\s*(of|/)\s*\d{1,3}\s*$",
    )
});
// The notice of free language help, in English or another language ("ATTENTION: If you
// speak ... language assistance services", "ATENCION: ... asistencia linguistica").
static LANGUAGE_HELP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(language assistance|free language services|asistencia ling[u\x{fc}]\x{ed}?i?stica|aide linguistique|tulong sa wika|sprachliche hilfsdienstleistungen)\b",
    )
});

/// Page furniture (see [`Layout::furniture`]). A running header or footer is a line at the top
/// or bottom of a page that, figures aside, is printed the same at the top or bottom of
/// another page: every copy after the first page's is furniture (the first page's header is
/// its letterhead), and a footer on every page, the first one's too.
fn furniture_of(text: &Text) -> std::collections::HashSet<LineRef> {
    let mut out = std::collections::HashSet::new();
    let shape = |l: &str| -> String {
        l.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| {
                if c.is_ascii_digit() {
                    '#'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    };
    // (shape, at the top) -> where it is printed.
    let mut seen: std::collections::HashMap<(String, bool), Vec<LineRef>> =
        std::collections::HashMap::new();
    for p in &text.pages {
        let n = p.lines.len();
        for (i, l) in p.lines.iter().enumerate() {
            let at = LineRef {
                page: p.number,
                line: i,
            };
            let top = i < MARGIN_LINES;
            let bottom = i + MARGIN_LINES >= n;
            if ((top || bottom) && l.len() <= 160 && PAGE_NUMBER.is_match(l))
                || LANGUAGE_HELP.is_match(l)
            {
                out.insert(at);
            }
            if (top || bottom) && l.chars().filter(|c| c.is_alphanumeric()).count() >= 4 {
                seen.entry((shape(l), top)).or_default().push(at);
            }
        }
    }
    for ((_, top), at) in seen {
        let first = at.iter().map(|r| r.page).min().unwrap_or(0);
        if at.iter().all(|r| r.page == first) {
            continue;
        }
        out.extend(at.into_iter().filter(|r| !top || r.page > first));
    }
    out
}

/// The codes printed in the tables' code columns (payer remark codes such as "MN" or "D47",
/// bare CARCs), each one's explanation: a line outside the tables that starts with the code
/// and goes on in words, with the lines that continue it (up to the next code, a heading or
/// a gap).
fn legend_of(text: &Text, tables: &[Table]) -> std::collections::HashMap<String, LegendEntry> {
    let mut codes: std::collections::HashSet<String> = std::collections::HashSet::new();
    for t in tables {
        for r in &t.rows {
            for tok in t.code_cell(r).split([' ', ',', ';', '/']) {
                let tok = tok.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                // A lone letter is too common a word to find its explanation by.
                if (2..=6).contains(&tok.len()) && tok.chars().all(|c| c.is_ascii_alphanumeric()) {
                    codes.insert(tok.to_ascii_uppercase());
                }
            }
        }
    }
    let mut out = std::collections::HashMap::new();
    if codes.is_empty() {
        return out;
    }
    let in_table = |page: u32, line: usize| {
        tables
            .iter()
            .any(|t| t.page == page && t.rows.iter().any(|r| r.line == line))
    };
    // A line that starts with one of the codes and then says something in words.
    let starts = |l: &PositionedLine| -> Option<(String, String)> {
        let first = l.words.first()?;
        let code = first
            .text
            .trim_end_matches([':', '-', '.', ')', '='])
            .trim_start_matches('(')
            .to_ascii_uppercase();
        if !codes.contains(&code) {
            return None;
        }
        let rest = l
            .text
            .get(first.text.len()..)
            .unwrap_or("")
            .trim_start_matches([' ', ':', '-', '=', '\u{2013}', '\u{2014}', '|'])
            .trim();
        let words = rest
            .split(' ')
            .filter(|w| w.len() >= 2 && w.chars().all(|c| c.is_alphabetic()))
            .count();
        (words >= 2).then(|| (code, rest.to_string()))
    };
    for page in &text.pages {
        let lines = &page.layout;
        let mut i = 0;
        while i < lines.len() {
            let Some((code, mut desc)) = starts(&lines[i]).filter(|_| !in_table(page.number, i))
            else {
                i += 1;
                continue;
            };
            let first = i;
            i += 1;
            // Continuation lines: close below, not another code, not a heading.
            while i < lines.len()
                && i - first <= 6
                && starts(&lines[i]).is_none()
                && near(&lines[i - 1], &lines[i])
                && lines[i].text.chars().any(|c| c.is_ascii_lowercase())
            {
                desc.push(' ');
                desc.push_str(&lines[i].text);
                i += 1;
            }
            out.entry(code).or_insert(LegendEntry {
                page: page.number,
                line: first,
                text: desc,
            });
        }
    }
    out
}

/// The cell of `l` that overlaps the span `x0..x1` most.
fn best_under(x0: f32, x1: f32, l: &PositionedLine) -> Option<&Cell> {
    l.cells
        .iter()
        .map(|v| (v, overlaps(x0, x1, v.x0, v.x1)))
        .filter(|(_, o)| *o > 0.0)
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .map(|(v, _)| v)
}

/// Labels over values: a line of two or more short label cells (no figures) and the line
/// just below; each label takes the cell under it that overlaps it most.
fn pairs_on(lines: &[PositionedLine], page: u32) -> Vec<Pair> {
    let label_cell = |c: &Cell| {
        !c.text.chars().any(|ch| ch.is_ascii_digit())
            && c.text.split(' ').count() <= 8
            && c.text.chars().any(char::is_alphabetic)
    };
    // Capitals without figures: a header label, or the rest of one that wrapped in its cell.
    // (A stray small letter, "N.o" for "No.", still reads as capitals.)
    let capitals = |s: &str| {
        let upper = s.chars().filter(|c| c.is_uppercase()).count();
        let lower = s.chars().filter(|c| c.is_lowercase()).count();
        upper >= 2 && upper >= 4 * lower && !s.chars().any(|c| c.is_ascii_digit())
    };
    let mut out = Vec::new();
    // A line already read as the second line of wrapped labels.
    let mut used = None;
    for (i, pair) in lines.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        if used == Some(i) {
            continue;
        }
        // A row of labels, after what a column on its left holds on that line (the letter's
        // date or the address beside a member box: "April 9, 2026 | MEMBER | MEMBER ID").
        // A speck among the labels that OCR read as a cell of its own ("-", ":") is no label.
        let skip = a.cells.iter().take_while(|c| !label_cell(c)).count();
        let labels: Vec<&Cell> = a.cells[skip..]
            .iter()
            .filter(|c| c.text.chars().any(char::is_alphanumeric))
            .collect();
        if labels.len() < 2 || !labels.iter().all(|c| label_cell(c)) || !near(a, b) {
            continue;
        }
        // Labels in capitals of which some wrapped in their cells, top-aligned: the line
        // under them holds only the wrapped parts ("RECLAMACION | RECIBIDA" under four
        // labels), and the values are on the line after it.
        let values = lines.get(i + 2).filter(|c| near(b, c));
        if let Some(c) = values.filter(|c| {
            b.cells.len() < labels.len()
                && labels.iter().all(|l| capitals(&l.text))
                && b.cells.iter().all(|v| {
                    capitals(&v.text)
                        && label_cell(v)
                        && labels
                            .iter()
                            .any(|l| overlaps(l.x0, l.x1, v.x0, v.x1) > 0.0)
                })
                && c.cells.iter().any(|v| !label_cell(v))
        }) {
            for l in &labels {
                let rest = best_under(l.x0, l.x1, b);
                let (x0, x1) = rest.map_or((l.x0, l.x1), |r| (l.x0.min(r.x0), l.x1.max(r.x1)));
                if let Some(v) = best_under(x0, x1, c) {
                    out.push(Pair {
                        page,
                        label: rest.map_or(l.text.clone(), |r| format!("{} {}", l.text, r.text)),
                        value: v.text.clone(),
                        line: i + 2,
                    });
                }
            }
            used = Some(i + 1);
            continue;
        }
        // The value line must not itself be all labels (a header wrapped over two lines).
        if b.cells.iter().all(label_cell) && b.cells.len() >= a.cells.len() {
            continue;
        }
        for l in &labels {
            let Some(v) = best_under(l.x0, l.x1, b) else {
                continue;
            };
            // A label in capitals wrapped in its cell ("CLAIM NUMBER / NO. DE" over
            // "RECLAMACION") while the row beside it holds values in mixed case: the capitals
            // under it end the label and its value is on the line below.
            let wrapped = lines.get(i + 2).filter(|c| {
                capitals(&l.text)
                    && capitals(&v.text)
                    && b.cells
                        .iter()
                        .any(|c| c.text.chars().any(char::is_lowercase))
                    && near(b, c)
            });
            if let Some(c) = wrapped {
                // (Capitals never hold figures: an ID in capitals is a value.)
                let under = best_under(l.x0.min(v.x0), l.x1.max(v.x1), c);
                if let Some(w) = under.filter(|w| !capitals(&w.text)) {
                    out.push(Pair {
                        page,
                        label: format!("{} {}", l.text, v.text),
                        value: w.text.clone(),
                        line: i + 2,
                    });
                }
                continue;
            }
            out.push(Pair {
                page,
                label: l.text.clone(),
                value: v.text.clone(),
                line: i + 1,
            });
        }
    }
    out
}

/// Labels over values where both wrap and sit centred in their cells, so that the lines of a
/// box interleave its columns ("Authorization | Date we received" / "Medicaid ID | Provider"
/// / "request | it" / "912 004 | Borderland Neurology" ...): the box's cells are stacked by
/// column, the lines of labels (no figures) on top give each column its label and the lines
/// below its value. Read only where a value line holds figures and no cell spans two columns.
/// Also gives the lines of values of each box read so.
fn stacked_pairs(lines: &[PositionedLine], page: u32) -> (Vec<Pair>, Vec<std::ops::Range<usize>>) {
    let label_line = |l: &PositionedLine| {
        !l.cells.is_empty()
            && l.cells.iter().all(|c| {
                !c.text.chars().any(|ch| ch.is_ascii_digit())
                    && c.text.split(' ').count() <= 5
                    && c.text.chars().any(char::is_alphabetic)
            })
    };
    let mut out = Vec::new();
    let mut boxes = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // Two or more lines of labels whose cells do not all sit under each other.
        let mut h = i;
        while h < lines.len() && label_line(&lines[h]) && (h == i || near(&lines[h - 1], &lines[h]))
        {
            h += 1;
        }
        if h - i < 2 || h >= lines.len() || !near(&lines[h - 1], &lines[h]) {
            i = h.max(i + 1);
            continue;
        }
        // The columns: the header's cells' extents, overlapping ones merged.
        let mut cols: Vec<(f32, f32)> = Vec::new();
        for c in lines[i..h].iter().flat_map(|l| &l.cells) {
            match cols
                .iter_mut()
                .find(|(a, b)| overlaps(*a, *b, c.x0, c.x1) > 0.0)
            {
                Some(col) => *col = (col.0.min(c.x0), col.1.max(c.x1)),
                None => cols.push((c.x0, c.x1)),
            }
        }
        cols.sort_by(|a, b| a.0.total_cmp(&b.0));
        let interleaved = lines[i..h].iter().any(|l| l.cells.len() < cols.len());
        // The value lines: close below, each cell under exactly one column.
        let mut v = h;
        while v < lines.len()
            && v - h < 4
            && near(&lines[v - 1], &lines[v])
            && lines[v].cells.iter().all(|c| {
                cols.iter()
                    .filter(|(a, b)| overlaps(*a, *b, c.x0, c.x1) > 0.0)
                    .count()
                    == 1
            })
        {
            v += 1;
        }
        let figures = lines[h..v]
            .iter()
            .any(|l| l.text.bytes().any(|b| b.is_ascii_digit()));
        if cols.len() < 2 || !interleaved || v == h || !figures {
            i = h;
            continue;
        }
        let stack = |range: &[PositionedLine], col: (f32, f32)| -> (String, Option<usize>) {
            let mut text = String::new();
            let mut first = None;
            for (k, l) in range.iter().enumerate() {
                for c in l
                    .cells
                    .iter()
                    .filter(|c| overlaps(col.0, col.1, c.x0, c.x1) > 0.0)
                {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(&c.text);
                    first.get_or_insert(k);
                }
            }
            (text, first)
        };
        for col in &cols {
            let (label, _) = stack(&lines[i..h], *col);
            let (value, first) = stack(&lines[h..v], *col);
            if let (false, false, Some(k)) = (label.is_empty(), value.is_empty(), first) {
                out.push(Pair {
                    page,
                    label,
                    value,
                    line: h + k,
                });
            }
        }
        boxes.push(h..v);
        i = v;
    }
    (out, boxes)
}

/// The role a header label gives its column.
fn role_of(label: &str, rules: &Rules) -> Role {
    match role_of_cell(label, rules) {
        // OCR may run a label into a word or two of a letter's specks or of the band above
        // ("Claim number on o" under a dark bar): a label never ends in a word of one or two
        // letters that it cannot do without, so they are dropped and the rest read again.
        Role::Text => {
            let mut words: Vec<&str> = label.split_whitespace().collect();
            while words.len() > 1 && words.last().is_some_and(|w| w.chars().count() <= 2) {
                words.pop();
                let role = role_of_cell(&words.join(" "), rules);
                if role != Role::Text {
                    return role;
                }
            }
            Role::Text
        }
        role => role,
    }
}

fn role_of_cell(label: &str, rules: &Rules) -> Role {
    let lower = crate::values::lower(label);
    let t = label.trim();
    if CLAIM_LABEL.is_match(t) {
        return Role::ClaimNumber;
    }
    if MEMBER_ID_LABEL.is_match(t) && !t.eq_ignore_ascii_case("no") {
        return Role::MemberId;
    }
    if PATIENT_LABEL.is_match(t) {
        return Role::Patient;
    }
    if PROCEDURE_LABEL.is_match(&lower) {
        return Role::Procedure;
    }
    // The longest column header wins: "You may be billed" is what the patient owes, not
    // the billed amount; "Service approved?" holds no amount at all.
    let best = rules
        .columns
        .iter()
        .filter_map(|c| c.re.find(&lower).map(|m| (m.end() - m.start(), c.kind)))
        .max_by_key(|(len, _)| *len);
    match best {
        Some((_, ColumnKind::Ignore)) => return Role::Text,
        Some((_, k)) => return Role::Amount(k),
        None => {}
    }
    if DATE_LABEL.is_match(t) {
        return Role::Date;
    }
    if CODE_LABEL.is_match(t) {
        return Role::Code;
    }
    if PROVIDER_LABEL.is_match(t) {
        return Role::Provider;
    }
    Role::Text
}

fn overlaps(a0: f32, a1: f32, b0: f32, b1: f32) -> f32 {
    (a1.min(b1) - a0.max(b0)).max(0.0)
}

/// Lines that hold no amount and no date: possible header lines.
fn label_line(l: &PositionedLine) -> bool {
    l.cells.len() >= 2 && l.text.len() < 400 && no_figures(&l.text)
}

/// No amount and no date (both need a digit: most lines are ruled out without a regex).
fn no_figures(s: &str) -> bool {
    !s.bytes().any(|b| b.is_ascii_digit())
        || (values::find_amounts(s).is_empty() && values::find_dates(s).is_empty())
}

/// A short line of one label part ("DATE OF" over "VISIT"): part of a header band.
fn short_label(l: &PositionedLine) -> bool {
    l.text.len() <= 30 && l.text.split(' ').count() <= 3 && no_figures(&l.text)
}

/// How far apart two lines may be and still belong together (a wrapped header or cell).
fn near(a: &PositionedLine, b: &PositionedLine) -> bool {
    let size = a.size.max(b.size);
    if size <= 0.0 {
        (b.y - a.y).abs() <= 1.0 // plain text: the next line
    } else {
        (b.y - a.y).abs() <= 1.8 * size
    }
}

fn table_at(lines: &[PositionedLine], i: usize, page: u32, rules: &Rules) -> Option<Table> {
    if !label_line(&lines[i]) {
        return None;
    }
    // The header band: up to four label lines close together; a short label part just above
    // or below belongs to it (a label wrapped in a taller header cell).
    let mut end = i + 1;
    // A line of values under the labels (a row's wrapped cells) holds no label of its own.
    let labels_in = |l: &PositionedLine| {
        l.cells
            .iter()
            .any(|c| role_of(&c.text, rules) != Role::Text)
    };
    while end < lines.len()
        && end - i < 4
        && ((label_line(&lines[end]) && labels_in(&lines[end])) || short_label(&lines[end]))
        && near(&lines[end - 1], &lines[end])
    {
        end += 1;
    }
    // A short label part just above (one cell) belongs to the band when it makes a label read
    // better ("DATE OF" over "VISIT"), not when it is a heading ("Claims on this page").
    let mut columns = columns_of(&lines[i..end], rules);
    let mut i = i;
    if i > 0
        && lines[i - 1].cells.len() == 1
        && short_label(&lines[i - 1])
        && near(&lines[i - 1], &lines[i])
    {
        let with = columns_of(&lines[i - 1..end], rules);
        let known = |c: &[Column]| c.iter().filter(|c| c.role != Role::Text).count();
        if known(&with) > known(&columns) {
            columns = with;
            i -= 1;
        }
    }
    let amounts = columns
        .iter()
        .filter(|c| matches!(c.role, Role::Amount(k) if k != ColumnKind::Other))
        .count();
    let has_claim = columns.iter().any(|c| c.role == Role::ClaimNumber);
    let money = columns.iter().any(|c| {
        matches!(
            c.role,
            Role::Amount(ColumnKind::Billed | ColumnKind::Owed | ColumnKind::Paid)
        )
    });
    let has_date = columns.iter().any(|c| c.role == Role::Date);
    // A claim-line table has money columns; a grid of claim headers (claim number, patient,
    // provider, dates over their values) has a claim-number column and no money.
    let claim_grid = has_claim && columns.len() >= 3;
    // A table of the services asked for (a prior authorization's procedure, units and dates)
    // has a procedure and a date column and no money.
    let has_procedure = columns.iter().any(|c| c.role == Role::Procedure);
    let request_table = !money && has_procedure && has_date && columns.len() >= 3;
    if !(money && (amounts >= 2 || has_claim || has_date)) && !claim_grid && !request_table {
        return None;
    }
    // The rows: lines below the header until prose, a new header or a wide gap.
    let header_last = &lines[end - 1];
    let mut body: Vec<usize> = Vec::new();
    let mut prev = header_last;
    for (j, l) in lines.iter().enumerate().skip(end) {
        let size = l.size.max(prev.size);
        let gap_ok = if size <= 0.0 {
            l.y - prev.y <= 2.5
        } else {
            l.y - prev.y <= 3.5 * size
        };
        let prose = l.cells.len() == 1 && l.text.split(' ').count() >= 9;
        let new_header = j > end && label_line(l) && columns_like(l, rules) >= 1;
        if !gap_ok || prose || new_header {
            break;
        }
        body.push(j);
        prev = l;
        if body.len() > 80 {
            break;
        }
    }
    let place = |c: &Cell| -> Option<usize> {
        let mut best: Option<(usize, f32)> = None;
        for (k, col) in columns.iter().enumerate() {
            let o = overlaps(c.x0, c.x1, col.x0, col.x1);
            if o > 0.0 && best.is_none_or(|(_, b)| o > b) {
                best = Some((k, o));
            }
        }
        if let Some((k, _)) = best {
            return Some(k);
        }
        // Nothing overlaps: the nearest column (amounts are right-aligned under short labels).
        columns
            .iter()
            .enumerate()
            .map(|(k, col)| {
                let d = if c.x1 < col.x0 {
                    col.x0 - c.x1
                } else {
                    c.x0 - col.x1
                };
                (k, d.max(0.0))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(k, _)| k)
    };
    // Cut each line into column texts. A cell that spans columns is placed word by word.
    let cut = |l: &PositionedLine| -> Vec<String> {
        let mut out = vec![String::new(); columns.len()];
        for c in &l.cells {
            let spans = columns
                .iter()
                .filter(|col| overlaps(c.x0, c.x1, col.x0, col.x1) > 0.0)
                .count();
            let pieces: Vec<&Cell> = if spans > 1 {
                l.words
                    .iter()
                    .filter(|w| w.x0 >= c.x0 - 0.01 && w.x1 <= c.x1 + 0.01)
                    .collect()
            } else {
                vec![c]
            };
            for p in pieces {
                if let Some(k) = place(p) {
                    if !out[k].is_empty() {
                        out[k].push(' ');
                    }
                    out[k].push_str(&p.text);
                }
            }
        }
        out
    };
    let cut_lines: Vec<(usize, Vec<String>)> = body.iter().map(|&j| (j, cut(&lines[j]))).collect();
    // A row has a billed amount (when the table has that column: an adjustment printed on
    // its own line above or below a row is part of it) or a claim number.
    let has_billed = columns
        .iter()
        .any(|c| c.role == Role::Amount(ColumnKind::Billed));
    let starts_row = |cells: &[String]| {
        columns.iter().zip(cells).any(|(col, t)| match col.role {
            Role::Amount(ColumnKind::Billed) => !values::find_amounts(t).is_empty(),
            Role::Amount(_) if !has_billed => !values::find_amounts(t).is_empty(),
            Role::ClaimNumber => values::id_at_start(t).is_some(),
            // Without money, a row of services asked for starts at its date.
            Role::Date if request_table => !values::find_dates(t).is_empty(),
            _ => false,
        })
    };
    let starts: Vec<usize> = cut_lines
        .iter()
        .enumerate()
        .filter(|(_, (_, c))| starts_row(c))
        .map(|(k, _)| k)
        .collect();
    if starts.is_empty() {
        return None;
    }
    // Every other line joins the row whose first line is nearest (ties: the row above).
    let mut rows: Vec<(Vec<(f32, usize)>, usize)> = starts.iter().map(|&s| (vec![], s)).collect();
    let last_start = *starts.last().unwrap_or(&0);
    // Claim numbers, dates and amounts do not wrap: a line without a row of its own that puts
    // text under them is not part of the table (a note under it).
    let single = |k: usize| {
        matches!(
            columns[k].role,
            Role::ClaimNumber | Role::Date | Role::Amount(_)
        )
    };
    let total_start = |s: usize| TOTAL.is_match(&lines[cut_lines[s].0].text);
    for (k, (j, cells)) in cut_lines.iter().enumerate() {
        let own_row = starts.contains(&k);
        // A total's label wrapped above its amounts belongs to the total below it.
        let total_label = !own_row && TOTAL.is_match(&lines[*j].text);
        let held = own_row || (total_label && k < last_start);
        let foreign = !held
            && cells
                .iter()
                .enumerate()
                .any(|(c, t)| !t.is_empty() && single(c));
        // Lines well past the last row (a note under the table) are not part of it.
        if k > last_start + 3 || (foreign && k > last_start) {
            break;
        }
        if foreign {
            continue;
        }
        let y = lines[*j].y;
        // A total's label wrapped around its amounts ("Claim total" over them) is that
        // total's, not the service row's above it.
        let total_below = total_label
            .then(|| rows.iter().position(|(_, s)| *s > k && *s <= k + 2))
            .flatten();
        // Other text above a total row (a description's last wrapped line) is the service
        // row's above it.
        let r = total_below.unwrap_or_else(|| {
            rows.iter()
                .enumerate()
                .filter(|(r, (_, s))| *r == 0 || *s <= k || !total_start(*s))
                .min_by(|a, b| {
                    let da = (lines[cut_lines[a.1.1].0].y - y).abs();
                    let db = (lines[cut_lines[b.1.1].0].y - y).abs();
                    da.total_cmp(&db).then(a.0.cmp(&b.0))
                })
                .map(|(r, _)| r)
                .unwrap_or(0)
        });
        rows[r].0.push((y, k));
    }
    let end_line = rows
        .iter()
        .flat_map(|(m, _)| m.iter().map(|(_, k)| cut_lines[*k].0))
        .max()
        .unwrap_or(end);
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(mut members, start)| {
            members.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut cells = vec![String::new(); columns.len()];
            let mut text = Vec::new();
            for (_, k) in &members {
                let (j, c) = &cut_lines[*k];
                text.push(lines[*j].text.as_str());
                for (dst, src) in cells.iter_mut().zip(c) {
                    if src.is_empty() {
                        continue;
                    }
                    if !dst.is_empty() {
                        dst.push(' ');
                    }
                    dst.push_str(src);
                }
            }
            let text = text.join(" ");
            Row {
                total: TOTAL.is_match(&text),
                cells,
                text,
                line: cut_lines[start].0,
            }
        })
        .collect();
    Some(Table {
        page,
        header_line: i,
        columns,
        rows,
        end_line,
    })
}

/// The columns of a header band: cells that overlap horizontally stack into one label.
fn columns_of(band: &[PositionedLine], rules: &Rules) -> Vec<Column> {
    // (left, right, [(baseline, text)]) of each column label.
    type Stack = (f32, f32, Vec<(f32, String)>);
    let mut stacks: Vec<Stack> = Vec::new();
    for l in band {
        for c in l
            .cells
            .iter()
            .flat_map(|c| split_labels(c, &l.words, rules))
        {
            let c = &c;
            match stacks
                .iter_mut()
                .find(|(x0, x1, _)| overlaps(*x0, *x1, c.x0, c.x1) > 0.0)
            {
                Some(s) => {
                    s.0 = s.0.min(c.x0);
                    s.1 = s.1.max(c.x1);
                    s.2.push((l.y, c.text.clone()));
                }
                None => stacks.push((c.x0, c.x1, vec![(l.y, c.text.clone())])),
            }
        }
    }
    stacks.sort_by(|a, b| a.0.total_cmp(&b.0));
    stacks
        .into_iter()
        .map(|(x0, x1, mut parts)| {
            parts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let parts: Vec<String> = parts.into_iter().map(|(_, t)| t).collect();
            let label = parts.join(" ");
            // A label OCR misread in one of its lines ("Claim number on o" over "service")
            // is read by the line that still spells a label.
            let role = match role_of(&label, rules) {
                Role::Text if parts.len() > 1 => parts
                    .iter()
                    .map(|p| role_of(p, rules))
                    .find(|r| *r != Role::Text)
                    .unwrap_or(Role::Text),
                role => role,
            };
            Column {
                role,
                label,
                x0,
                x1,
            }
        })
        .collect()
}

/// A header cell that holds several amount labels printed close together ("Billed Discount
/// Allowed") is split into one cell per label, at the words each label covers.
fn split_labels(cell: &Cell, words: &[Cell], rules: &Rules) -> Vec<Cell> {
    let lower = crate::values::lower(&cell.text);
    let mut found: Vec<(usize, usize)> = rules
        .columns
        .iter()
        .flat_map(|c| c.re.find_iter(&lower).map(|m| (m.start(), m.end())))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then((b.1 - b.0).cmp(&(a.1 - a.0))));
    let mut labels: Vec<(usize, usize)> = Vec::new();
    for f in found {
        if labels.last().is_none_or(|l| f.0 >= l.1) {
            labels.push(f);
        }
    }
    let inside: Vec<&Cell> = words
        .iter()
        .filter(|w| w.x0 >= cell.x0 - 0.01 && w.x1 <= cell.x1 + 0.01)
        .collect();
    if labels.len() < 2 || inside.is_empty() {
        return vec![cell.clone()];
    }
    // Each word's offset in the cell's text (words are joined by one space).
    let mut out: Vec<Cell> = Vec::new();
    let mut offset = 0;
    let mut current: Option<usize> = None;
    for w in inside {
        let start = offset;
        offset += w.text.len() + 1;
        // The label this word starts or belongs to; words before the first label join it.
        let label = labels.iter().rposition(|l| l.0 <= start).unwrap_or(0);
        match out.last_mut() {
            Some(c) if current == Some(label) => {
                c.text.push(' ');
                c.text.push_str(&w.text);
                c.x1 = w.x1;
            }
            _ => {
                out.push(w.clone());
                current = Some(label);
            }
        }
    }
    out
}

/// How many cells of a line read as amount column labels (a second header).
fn columns_like(l: &PositionedLine, rules: &Rules) -> usize {
    // A label is a few words without figures ("STATUS: 2 - DENIED" is a value).
    l.cells
        .iter()
        .filter(|c| {
            !c.text.chars().any(|ch| ch.is_ascii_digit())
                && c.text.split(' ').count() <= 4
                && matches!(role_of(&c.text, rules), Role::Amount(_))
        })
        .count()
}

/// This module's constant patterns, compiled up front by
/// [`crate::rules::Rules::compile_lazy`] (each is compiled on first use otherwise).
pub(crate) static PATTERNS: &[&std::sync::LazyLock<regex::Regex>] = &[
    &CLAIM_LABEL,
    &PATIENT_LABEL,
    &MEMBER_ID_LABEL,
    &DATE_LABEL,
    &CODE_LABEL,
    &PROCEDURE_LABEL,
    &PROVIDER_LABEL,
    &TOTAL,
    &PAGE_NUMBER,
    &LANGUAGE_HELP,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Method, Text};

    fn table(doc: &str) -> Table {
        let t = Text::new(
            Method::PlainText,
            vec![doc.lines().map(str::to_string).collect()],
            Vec::new(),
        );
        let l = analyze(&t, Rules::bundled().unwrap());
        assert_eq!(l.tables.len(), 1, "{:?}", l.tables);
        l.tables.into_iter().next().unwrap()
    }

    // The explanation of a code printed in the code column: the line that starts with it,
    // with its continuation; a word that happens to be a code elsewhere in prose is not read.
    #[test]
    fn legend_explains_the_codes_of_the_code_column() {
        let doc = [
            "Service date   Billed     Plan paid   You owe   Remark",
            "04/01/2026     $300.00    $0.00       $0.00     NX",
            "04/01/2026     $80.00     $64.00      $16.00    CP",
            "",
            "NX   Not medically necessary under policy 12-B; reason code CO-50.",
            "     Your doctor may send records and ask us to look again.",
            "CP   Your copay.",
            "A copy of this statement was sent to your provider.",
        ]
        .join("\n");
        let t = Text::new(
            Method::PlainText,
            vec![doc.lines().map(str::to_string).collect()],
            Vec::new(),
        );
        let l = analyze(&t, Rules::bundled().unwrap());
        let nx = &l.legend["NX"];
        assert!(nx.text.starts_with("Not medically necessary"), "{nx:?}");
        assert!(nx.text.contains("ask us to look again"), "{nx:?}");
        // "Your copay." has a single word after the code and no more: too little to be sure.
        assert!(!l.legend.contains_key("A"));
        assert_eq!(l.legend.len(), 1, "{:?}", l.legend);
    }

    // A narrow remark column set so close to the last amount that its label and codes join
    // the amount's cells ("You owe Note", "$148.00 F12"): the codes after the amount are the
    // row's, explained by the legend under the table.
    #[test]
    fn codes_joined_to_the_last_amount_are_the_rows_codes() {
        let doc = [
            "Service date   Billed     Plan paid   You owe Note",
            "04/01/2026     $300.00    $0.00       $148.00 F12",
            "04/01/2026     $80.00     $64.00      $16.00 CP7, Q2",
            "04/01/2026     $40.00     $40.00      $0.00 paid",
            "",
            "F12  Cleanings are covered twice per calendar year.",
            "CP7  Your copay for this visit.",
            "A copy of this statement was sent to your provider.",
        ]
        .join("\n");
        let t = Text::new(
            Method::PlainText,
            vec![doc.lines().map(str::to_string).collect()],
            Vec::new(),
        );
        let l = analyze(&t, Rules::bundled().unwrap());
        let table = &l.tables[0];
        assert_eq!(table.code_column(), None);
        let cells: Vec<&str> = table.rows.iter().map(|r| table.code_cell(r)).collect();
        // A word that is not a code ("paid") is no code cell.
        assert_eq!(cells, ["F12", "CP7, Q2", ""]);
        let explained = table.explained_codes(&table.rows[0], &l.legend);
        assert_eq!(explained.len(), 1);
        assert!(explained[0].1.text.starts_with("Cleanings are covered"));
        assert!(l.legend.contains_key("CP7"));
    }

    // A prior authorization's table of what was asked for has no money: its rows start at
    // their dates.
    #[test]
    fn a_table_of_requested_services_without_money() {
        let t = table(
            &[
                "Procedure    Units        Requested date",
                "code         requested    of service       Decision",
                "E0260        1            05/04/2026       Not approved",
                "E0271        1            05/04/2026       Not approved",
                "",
                "Why we decided this: the records do not show that the bed is needed.",
            ]
            .join("\n"),
        );
        let roles: Vec<Role> = t.columns.iter().map(|c| c.role).collect();
        assert!(
            roles.contains(&Role::Procedure) && roles.contains(&Role::Date),
            "{roles:?}"
        );
        assert_eq!(t.rows.len(), 2, "{:?}", t.rows);
        let d = t.column(Role::Date).unwrap();
        assert_eq!(t.rows[1].cells[d], "05/04/2026");
    }

    // Regression: a claim's total whose label wrapped above its amounts ("Claim total" over
    // them) was counted as another service line of the claim.
    #[test]
    fn a_total_label_above_its_amounts_makes_a_total_row() {
        let t = table(
            &[
                "Date of       Service            Billed     Plan paid   You owe",
                "05/11/2026    Office visit       $150.00    $120.00     $30.00",
                "Claim total for",
                "              this claim         $150.00    $120.00     $30.00",
            ]
            .join("\n"),
        );
        assert_eq!(t.rows.len(), 2, "{:?}", t.rows);
        assert!(!t.rows[0].total && t.rows[1].total, "{:?}", t.rows);
    }

    // Regression: a description's last wrapped line, nearer the claim total below than its
    // own row, went to the total; "Plan pays" was not read as the paid column.
    #[test]
    fn a_total_row_takes_no_description_from_above() {
        let t = table(
            &[
                "Line  Date of      Service                Billed     Plan pays   Your share",
                "1     05/04/2026   Panel A                $900.00    $720.00     $180.00",
                "2     05/04/2026   Panel B with a long    $600.00    $0.00       $600.00",
                "                   description that",
                "                   wraps twice",
                "Claim total                               $1,500.00  $720.00     $780.00",
            ]
            .join("\n"),
        );
        assert_eq!(t.rows.len(), 3, "{:?}", t.rows);
        let service = t.columns.iter().position(|c| c.label == "Service").unwrap();
        assert_eq!(
            t.rows[1].cells[service],
            "Panel B with a long description that wraps twice"
        );
        assert!(t.rows[2].total && t.rows[2].cells[service].is_empty());
        assert_eq!(t.amount(&t.rows[0], ColumnKind::Paid), Some(720.0));
        assert_eq!(t.amount(&t.rows[2], ColumnKind::Owed), Some(780.0));
    }

    #[test]
    fn wrapped_header_labels_stack_and_rows_keep_their_wrapped_cells() {
        let t = table(
            &[
                "Claims on this notice",
                "Claim       Date of      Provider         Amount     Plan    You",
                "number      service                       billed     paid    owe",
                "AX-1001     03/02/2026   Pine Clinic      $120.00    $90.00  $30.00",
                "AX-1002     03/09/2026   Lakeside Lab     $480.00    $0.00   $0.00",
                "                         Partners",
                "Codes: see the back of this page",
            ]
            .join("\n"),
        );
        let labels: Vec<&str> = t.columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Claim number",
                "Date of service",
                "Provider",
                "Amount billed",
                "Plan paid",
                "You owe"
            ]
        );
        assert_eq!(t.columns[0].role, Role::ClaimNumber);
        assert_eq!(t.columns[3].role, Role::Amount(ColumnKind::Billed));
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].cells[0], "AX-1002");
        assert_eq!(t.rows[1].cells[2], "Lakeside Lab Partners");
        assert_eq!(t.amount(&t.rows[1], ColumnKind::Billed), Some(480.0));
        assert_eq!(t.amount(&t.rows[0], ColumnKind::Owed), Some(30.0));
    }

    // Regression: a label in capitals that wrapped in its cell paired with its own second
    // line, and the claim number under it was never read.
    #[test]
    fn a_label_wrapped_in_its_cell_pairs_with_the_value_under_both_lines() {
        let t = Text::new(
            Method::PlainText,
            vec![vec![
                "PATIENT         PROVIDER          CLAIM NUMBER / NO. DE   RECEIVED".to_string(),
                "Ana B. Ruiz     Oak Clinic        RECLAMACION             03/02/2026".to_string(),
                "                                  7730019922".to_string(),
            ]],
            vec![],
        );
        let pairs = analyze(&t, Rules::bundled().unwrap()).pairs;
        let claim = pairs
            .iter()
            .find(|p| p.label.starts_with("CLAIM NUMBER"))
            .unwrap();
        assert_eq!(claim.label, "CLAIM NUMBER / NO. DE RECLAMACION");
        assert_eq!(claim.value, "7730019922");
        let patient = pairs.iter().find(|p| p.label == "PATIENT").unwrap();
        assert_eq!(patient.value, "Ana B. Ruiz");
        // Top-aligned labels: the line under them holds only the wrapped parts.
        let t = Text::new(
            Method::PlainText,
            vec![vec![
                "PATIENT         PROVIDER          CLAIM NUMBER / NO. DE   RECEIVED /".to_string(),
                "                                  RECLAMACION             RECIBIDA".to_string(),
                "Ana B. Ruiz     Oak Clinic        7730019922              03/02/2026".to_string(),
            ]],
            vec![],
        );
        let pairs = analyze(&t, Rules::bundled().unwrap()).pairs;
        let value = |label: &str| {
            pairs
                .iter()
                .find(|p| p.label == label)
                .map(|p| p.value.clone())
        };
        assert_eq!(
            value("CLAIM NUMBER / NO. DE RECLAMACION").as_deref(),
            Some("7730019922")
        );
        assert_eq!(value("PATIENT").as_deref(), Some("Ana B. Ruiz"));
        assert_eq!(value("RECEIVED / RECIBIDA").as_deref(), Some("03/02/2026"));
        assert_eq!(pairs.len(), 4, "{pairs:?}");
        // Values printed in capitals (a name over its address) are values.
        let t = Text::new(
            Method::PlainText,
            vec![vec![
                "MEMBER          MEMBER ID".to_string(),
                "ANA B. RUIZ     QX 4410 2291".to_string(),
                "123 MAIN ST".to_string(),
            ]],
            vec![],
        );
        let pairs = analyze(&t, Rules::bundled().unwrap()).pairs;
        let value = |label: &str| {
            pairs
                .iter()
                .find(|p| p.label == label)
                .unwrap()
                .value
                .clone()
        };
        assert_eq!(value("MEMBER"), "ANA B. RUIZ");
        assert_eq!(value("MEMBER ID"), "QX 4410 2291");
    }

    #[test]
    fn labels_over_values_beside_a_column_on_the_left() {
        let t = Text::new(
            Method::PlainText,
            vec![vec![
                "April 9, 2026          MEMBER              MEMBER ID".to_string(),
                "Pat Q. Lee             Pat Q. Lee          QX 401 882 1093".to_string(),
            ]],
            vec![],
        );
        let pairs = analyze(&t, Rules::bundled().unwrap()).pairs;
        let id = pairs.iter().find(|p| p.label == "MEMBER ID").unwrap();
        assert_eq!(id.value, "QX 401 882 1093");
        assert!(pairs.iter().all(|p| p.label != "April 9, 2026"));
    }

    /// OCR words on one line whose bottom is at `y`, each `h` high and 6 points a character
    /// wide, starting at the given `x`.
    fn ocr_row(y: f32, h: f32, words: &[(&str, f32)]) -> Vec<crate::text::OcrWord> {
        words
            .iter()
            .map(|(t, x)| crate::text::OcrWord {
                text: (*t).into(),
                x0: *x,
                y0: y - h,
                x1: x + 6.0 * t.len() as f32,
                y1: y,
                line: Some(y as u32),
            })
            .collect()
    }

    /// The label-over-value pairs the layout stage reads from a page of OCR words.
    fn ocr_pairs(words: Vec<crate::text::OcrWord>) -> Vec<Pair> {
        let lines = crate::text::lines_from_words(words);
        let t = Text::with_layout(
            Method::Ocr,
            vec![(lines.iter().map(|l| l.text()).collect(), lines)],
            vec![],
        );
        analyze(&t, Rules::bundled().unwrap()).pairs
    }

    // Regression: a photographed EOB's header band, white type on a dark bar, came out of OCR
    // as "Claim number on o" over "service": the joined label read as no label, the table
    // lost its claim-number column and the letter its two claim numbers.
    #[test]
    fn an_ocr_header_label_with_specks_still_names_its_column() {
        let rules = Rules::bundled().unwrap();
        assert_eq!(role_of("Claim number on o", rules), Role::ClaimNumber);
        // Only words of one or two letters are dropped, and only when the rest reads.
        assert_eq!(role_of("Claim status", rules), Role::Text);
        assert_eq!(role_of("Tax ID", rules), Role::Text);

        let mut words = ocr_row(
            100.0,
            9.0,
            &[
                ("Claim", 50.0),
                ("number", 86.0),
                ("on", 128.0),
                ("o", 146.0),
                ("Provider", 220.0),
                ("Amount", 380.0),
                ("Plan", 460.0),
            ],
        );
        words.extend(ocr_row(
            112.0,
            9.0,
            &[("service", 50.0), ("billed", 380.0), ("paid", 460.0)],
        ));
        words.extend(ocr_row(
            130.0,
            9.0,
            &[
                ("31QA0482210", 50.0),
                ("Elm", 220.0),
                ("Clinic", 244.0),
                ("$140.00", 380.0),
                ("$0.00", 460.0),
            ],
        ));
        let lines = crate::text::lines_from_words(words);
        let t = Text::with_layout(
            Method::Ocr,
            vec![(lines.iter().map(|l| l.text()).collect(), lines)],
            vec![],
        );
        let layout = analyze(&t, rules);
        let roles: Vec<Role> = layout.tables[0].columns.iter().map(|c| c.role).collect();
        assert_eq!(
            roles,
            [
                Role::ClaimNumber,
                Role::Provider,
                Role::Amount(ColumnKind::Billed),
                Role::Amount(ColumnKind::Paid)
            ]
        );
    }

    // Regression: OCR's line size was its words' ink height (capitals: seven tenths of the
    // type), so a header band and the values under it, as far apart as in the PDF, were too
    // far apart to pair and the ID was read from the joined line instead.
    #[test]
    fn ocr_labels_pair_with_the_values_under_them() {
        let mut words = ocr_row(
            200.5,
            5.3,
            &[
                ("MEMBER", 50.0),
                ("NAME", 89.0),
                ("MEMBER", 250.0),
                ("ID", 289.0),
            ],
        );
        words.extend(ocr_row(
            215.2,
            7.0,
            &[
                ("Pat", 50.0),
                ("Lee", 71.0),
                ("318", 250.0),
                ("604", 275.0),
                ("2957", 300.0),
            ],
        ));
        let pairs = ocr_pairs(words);
        let id = pairs.iter().find(|p| p.label == "MEMBER ID").unwrap();
        assert_eq!(id.value, "318 604 2957");
    }

    // Regression: a fax speck between two labels, read as a cell of its own ("-"), made the
    // row no row of labels, and the authorization number under its label was never read.
    #[test]
    fn a_speck_among_ocr_labels_is_no_label() {
        let mut words = ocr_row(
            200.0,
            7.0,
            &[
                ("AUTHORIZATION", 50.0),
                ("NUMBER", 134.0),
                ("DATE", 250.0),
                ("RECEIVED", 280.0),
                ("-", 380.0),
                ("PROGRAM", 420.0),
            ],
        );
        words.extend(ocr_row(
            214.0,
            7.0,
            &[
                ("31172-55018", 50.0),
                ("05/06/2026", 250.0),
                ("Medicaid", 420.0),
            ],
        ));
        let pairs = ocr_pairs(words);
        let auth = pairs.iter().find(|p| p.label == "AUTHORIZATION NUMBER");
        assert_eq!(
            auth.map(|p| p.value.as_str()),
            Some("31172-55018"),
            "{pairs:?}"
        );
        assert!(pairs.iter().all(|p| p.label != "-"));
    }

    #[test]
    fn page_furniture_is_marked() {
        let page1: Vec<String> = [
            "Acme Health",
            "PO Box 100, Springfield",
            "Dear member,",
            "We denied claim 7700-11 for your visit.",
            "Please read page 2.",
            "Form AC-9 (Rev. 02/2026)   Page 1 of 2",
        ]
        .map(String::from)
        .to_vec();
        let page2: Vec<String> = [
            "Acme Health",
            "You may appeal within 180 days.",
            "Send your appeal to the address above.",
            "ATTENTION: If you speak Spanish, language assistance services are free. Call 1-800-555-0100.",
            "Sincerely, Appeals Unit",
            "Form AC-9 (Rev. 02/2026)   Page 2 of 2",
        ]
        .map(String::from)
        .to_vec();
        let t = Text::new(Method::PlainText, vec![page1, page2], vec![]);
        let l = analyze(&t, Rules::bundled().unwrap());
        let at = |page, line| LineRef { page, line };
        let mut marked: Vec<LineRef> = l.furniture.iter().copied().collect();
        marked.sort_by_key(|r| (r.page, r.line));
        // The letterhead on page 1 is not furniture; its copy at the top of page 2 is.
        assert_eq!(marked, [at(1, 5), at(2, 0), at(2, 3), at(2, 5)]);
    }

    // Labels and values that wrap and sit centred in their cells interleave line by line;
    // stacked by column they read as label over value.
    #[test]
    fn centred_wrapped_labels_and_values_stack_by_column() {
        let t = Text::new(
            Method::PlainText,
            vec![
                [
                    "                Authorization                     Date we received",
                    "Medicaid ID     request         Provider          it",
                    "551 208                         Oak Neurology",
                    "                RQ-7781-0042                      03/02/2026",
                    "9917                            Partners",
                    "We denied this request because the records do not show it is needed.",
                ]
                .map(String::from)
                .to_vec(),
            ],
            vec![],
        );
        let pairs = analyze(&t, Rules::bundled().unwrap()).pairs;
        let value = |label: &str| {
            pairs
                .iter()
                .find(|p| p.label == label)
                .map(|p| p.value.clone())
        };
        assert_eq!(value("Medicaid ID").as_deref(), Some("551 208 9917"));
        assert_eq!(
            value("Authorization request").as_deref(),
            Some("RQ-7781-0042")
        );
        assert_eq!(value("Provider").as_deref(), Some("Oak Neurology Partners"));
        assert_eq!(value("Date we received it").as_deref(), Some("03/02/2026"));
    }

    #[test]
    fn prose_is_not_a_table() {
        let t = Text::new(
            Method::PlainText,
            vec![vec![
                "We reviewed the amount billed and the amount you owe for this visit.".into(),
                "You may appeal within 180 days.".into(),
            ]],
            Vec::new(),
        );
        assert!(analyze(&t, Rules::bundled().unwrap()).tables.is_empty());
    }
}
