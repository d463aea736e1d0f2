//! Fields stage, every claim: the labelled candidates and claim-line tables in, one
//! [`ClaimEntry`] per claim out (EOBs, Medicare Summary Notices and remittances list several).
//!
//! A claim's block runs from the first line that names its number to the line that names the
//! next claim's. Inside it: the claim-line table (its header may be printed once above all
//! the claims), the labelled amounts, dates, provider and patient, and the codes.
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::layout::{Layout, Role, Row, Table};
use crate::report::{ClaimEntry, ClaimStatus, Code, CodeSystem, ServiceLine};
use crate::rules::{ColumnKind, FieldName, Rules};
use crate::text::{LineRef, Text};

use super::{Candidate, ClaimTable, DENIED_WORDS, Headers, PROCEDURE, Value, claim_table_between};

/// A claim read from its block, with what the headline needs.
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub entry: ClaimEntry,
    /// Whether the status was read from the document (a table, a code, a word), not assumed.
    pub status_read: bool,
    /// Where the claim's number is first printed.
    pub at: LineRef,
    /// First service date of the denied lines (else of all lines), with its line.
    pub denied_date: Option<(jiff::civil::Date, LineRef)>,
    /// The patient named in the block (remittances list many patients).
    pub member_name: Option<(String, LineRef)>,
    /// The patient's ID named in the block.
    pub member_id: Option<(String, LineRef)>,
    /// Evidence line of the billed amount and patient responsibility.
    pub billed_at: Option<LineRef>,
    /// Evidence line of the patient responsibility.
    pub owed_at: Option<LineRef>,
    /// The billed amount came from a labelled total.
    pub billed_labelled: bool,
    /// The patient responsibility came from a labelled total.
    pub owed_labelled: bool,
    /// The amounts came from table rows whose amount cells hold one amount each (the
    /// columns were read cleanly, not run together).
    pub columns_clean: bool,
}

static PENDING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    crate::rules::constant(
        r"(?i)\b(pending|suspended|in process|under review|additional information (is )?(needed|required|requested))\b",
    )
});

fn key(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase()
}

fn pos(r: LineRef) -> (u32, usize) {
    (r.page, r.line)
}

/// The lines from `from` up to `to` (exclusive), without walking the lines before `from`: a
/// remittance names thousands of claims, and each claim's block is read on its own.
fn lines_between(text: &Text, from: LineRef, to: LineRef) -> impl Iterator<Item = (LineRef, &str)> {
    text.pages
        .iter()
        .filter(move |p| p.number >= from.page && p.number <= to.page)
        .flat_map(move |p| {
            let first = if p.number == from.page { from.line } else { 0 };
            let end = if p.number == to.page {
                to.line.min(p.lines.len())
            } else {
                p.lines.len()
            };
            p.lines
                .get(first.min(end)..end)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(move |(i, l)| {
                    (
                        LineRef {
                            page: p.number,
                            line: first + i,
                        },
                        l.as_str(),
                    )
                })
        })
}

/// Reads every claim. `not_claims` are identifiers that are something else (the member ID,
/// the reference number).
// A document's totals over all its claims: "TOTALS:", "GRAND TOTAL", "Totals for this
// remittance", "PAYMENT SUMMARY".
static DOCUMENT_TOTALS: LazyLock<Regex> = LazyLock::new(|| {
    crate::rules::constant(
        r"(?i)^\s*(grand totals?|totals?\s*:|totals? (for|of) (this|all)\b|payment summary\b|remittance totals?\b|check totals?\b)",
    )
});

pub(super) fn blocks(
    text: &Text,
    layout: &Layout,
    rules: &Rules,
    cands: &HashMap<FieldName, Vec<Candidate>>,
    not_claims: &[&str],
) -> Vec<Block> {
    let skip: Vec<String> = not_claims.iter().map(|s| key(s)).collect();
    // A table with a claim-number column lists the claims itself, a row (or a few) each.
    let from_table = table_claims(text, layout, rules, &skip);
    // The first line that names each distinct claim number, in document order.
    let mut starts: Vec<(String, LineRef)> = Vec::new();
    let mut numbers: Vec<&Candidate> = cands
        .get(&FieldName::ClaimNumber)
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    numbers.sort_by_key(|c| pos(c.at));
    // Claims named inside a sentence ("... met with claim X") are others the document refers
    // to; they make no block of their own when it lists claims of its own.
    if numbers.iter().any(|c| !c.reference) {
        numbers.retain(|c| !c.reference);
    }
    let mut seen = std::collections::HashSet::new();
    for c in numbers {
        let Value::Str(s) = &c.value else { continue };
        let k = key(s);
        if k.is_empty() || skip.contains(&k) || !seen.insert(k) {
            continue;
        }
        starts.push((s.clone(), c.at));
    }
    let Some(last) = text.pages.last() else {
        return Vec::new();
    };
    let doc_end = LineRef {
        page: last.number,
        line: last.lines.len(),
    };
    // A claim's section may open before its number (provider, dates, then "Claim number"):
    // when the previous claim closes with a total row, the next one starts after it.
    let bounds: Vec<LineRef> = starts
        .iter()
        .enumerate()
        .map(|(i, (_, at))| {
            let Some((_, prev)) = i.checked_sub(1).and_then(|p| starts.get(p)) else {
                return *at;
            };
            lines_between(text, *prev, *at)
                .filter(|(r, l)| pos(*r) > pos(*prev) && super::TOTAL.is_match(l))
                .last()
                .map(|(r, _)| LineRef {
                    page: r.page,
                    line: r.line + 1,
                })
                .filter(|r| r.page == at.page)
                .unwrap_or(*at)
        })
        .collect();
    // The last claim ends where the document's own totals begin ("TOTALS: # OF CLAIMS 3
    // BILLED AMT ..."): those are every claim's, not the last one's.
    let last_end = starts
        .last()
        .and_then(|(_, at)| {
            lines_between(text, *at, doc_end)
                .find(|(r, l)| pos(*r) > pos(*at) && DOCUMENT_TOTALS.is_match(l))
                .map(|(r, _)| r)
        })
        .unwrap_or(doc_end);
    let mut out = Vec::new();
    let headers = Headers::default();
    for (i, (number, at)) in starts.iter().enumerate() {
        let end = bounds.get(i + 1).copied().unwrap_or(last_end);
        let mut b = block(text, rules, cands, number, bounds[i], end, &headers);
        b.at = *at;
        out.push(b);
    }
    // Claims read by column beat the same claims read by label (a label over a row of values
    // is split by guesswork there).
    if !from_table.is_empty() && from_table.len() >= out.len() {
        return from_table;
    }
    // Where each claim starts on the page's layout: its rows there are read by column.
    let starts_at = layout_positions(text, &starts);
    // The next claim's start after each one (the end of its rows).
    let mut next_at = vec![(u32::MAX, usize::MAX); starts_at.len()];
    for i in (0..starts_at.len().saturating_sub(1)).rev() {
        next_at[i] = starts_at[i + 1].unwrap_or(next_at[i + 1]);
    }
    for (i, b) in out.iter_mut().enumerate() {
        let Some(from) = starts_at[i] else { continue };
        let to = next_at[i];
        let mut read = b.clone();
        if read_rows_between(&mut read, layout, from, to, rules) && read.status_read {
            {
                // The block's own labelled totals still win over the table's.
                // A labelled amount of the block stands where its rows give none (a
                // remittance's "PT RESP 0.00" under a table without that column).
                let billed_kept = b.billed_labelled || read.entry.billed_amount.is_none();
                let owed_kept = b.owed_labelled || read.entry.patient_responsibility.is_none();
                read.entry.billed_amount = b
                    .entry
                    .billed_amount
                    .filter(|_| billed_kept)
                    .or(read.entry.billed_amount);
                read.entry.patient_responsibility = b
                    .entry
                    .patient_responsibility
                    .filter(|_| owed_kept)
                    .or(read.entry.patient_responsibility);
                read.billed_at = b.billed_at.filter(|_| billed_kept).or(Some(b.at));
                read.owed_at = b.owed_at.filter(|_| owed_kept).or(Some(b.at));
                *b = read;
            }
        }
    }
    out
}

/// The first claim-line table of a document that numbers no claim, read as one claim
/// without a number (its rows give the dates and amounts the labels did not).
pub(super) fn unnumbered(text: &Text, layout: &Layout, rules: &Rules) -> Option<Block> {
    let t = layout
        .tables
        .iter()
        .find(|t| t.column(Role::ClaimNumber).is_none())?;
    let rows: Vec<&Row> = t.rows.iter().collect();
    let mut b = empty_block(rows.first().map(|r| at_row(text, t, r)).unwrap_or(LineRef {
        page: t.page,
        line: 0,
    }));
    fill_from_rows(&mut b, t, &rows, &layout.legend, rules);
    Some(b)
}

/// For each claim (number, where it is named), the (page, layout line) where its number is
/// first printed, at or after that page: [`layout_position`] for every claim, in one pass over
/// the layout (a remittance names thousands of claims).
fn layout_positions(text: &Text, starts: &[(String, LineRef)]) -> Vec<Option<(u32, usize)>> {
    let Ok(ac) = aho_corasick::AhoCorasick::new(starts.iter().map(|(n, _)| n)) else {
        return starts
            .iter()
            .map(|(n, at)| layout_position(text, n, *at))
            .collect();
    };
    // Each number's first line on each page where it is printed, pages in order.
    let mut firsts: Vec<Vec<(u32, usize)>> = vec![Vec::new(); starts.len()];
    for p in &text.pages {
        for (i, l) in p.layout.iter().enumerate() {
            for m in ac.find_overlapping_iter(&l.text) {
                let f = &mut firsts[m.pattern().as_usize()];
                if f.last().is_none_or(|(page, _)| *page != p.number) {
                    f.push((p.number, i));
                }
            }
        }
    }
    starts
        .iter()
        .zip(&firsts)
        .map(|((_, at), f)| f.iter().find(|(page, _)| *page >= at.page).copied())
        .collect()
}

/// The (page, layout line) where a claim number is first printed, at or after `at`'s page.
fn layout_position(text: &Text, number: &str, at: LineRef) -> Option<(u32, usize)> {
    text.pages
        .iter()
        .filter(|p| p.number >= at.page)
        .find_map(|p| {
            p.layout
                .iter()
                .position(|l| l.text.contains(number))
                .map(|i| (p.number, i))
        })
}

/// Claims listed by a table with a claim-number column: a row with a number starts a claim,
/// rows without one are its further service lines.
fn table_claims(text: &Text, layout: &Layout, rules: &Rules, skip: &[String]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    // Where each claim of a header grid starts: its rows' amounts are in the tables below.
    let mut grid: Vec<(Block, (u32, usize))> = Vec::new();
    for t in &layout.tables {
        let Some(claim_col) = t.column(Role::ClaimNumber) else {
            continue;
        };
        let money = t.columns.iter().any(|c| matches!(c.role, Role::Amount(_)));
        if !money {
            for row in t.rows.iter().filter(|r| !r.total) {
                let Some(n) = crate::values::id_at_start(&row.cells[claim_col])
                    .map(|f| f.value)
                    .filter(|n| !skip.contains(&key(n)))
                else {
                    continue;
                };
                let at = at_row(text, t, row);
                let mut b = empty_block(at);
                b.entry.claim_number = Some(n);
                let text_of = |role: Role| {
                    t.column(role)
                        .map(|i| row.cells[i].trim().to_string())
                        .filter(|s| !s.is_empty())
                };
                b.entry.provider = text_of(Role::Provider);
                b.member_name = text_of(Role::Patient).map(|s| (s, at));
                let date = text_of(Role::Date)
                    .and_then(|s| crate::values::find_dates(&s).first().map(|d| d.value));
                b.entry.service_date = date.map(|d| d.to_string());
                b.denied_date = date.map(|d| (d, at));
                grid.push((b, (t.page, row.line)));
            }
            continue;
        }
        let mut current: Option<(Block, Vec<&Row>)> = None;
        let finish = |cur: Option<(Block, Vec<&Row>)>, out: &mut Vec<Block>| {
            if let Some((mut b, rows)) = cur {
                fill_from_rows(&mut b, t, &rows, &layout.legend, rules);
                out.push(b);
            }
        };
        for row in &t.rows {
            let number = crate::values::id_at_start(&row.cells[claim_col])
                .map(|f| f.value)
                .filter(|n| !skip.contains(&key(n)));
            match number {
                Some(n) if !row.total => {
                    finish(current.take(), &mut out);
                    let text_of = |role: Role| {
                        t.column(role)
                            .map(|i| row.cells[i].trim().to_string())
                            .filter(|s| !s.is_empty())
                    };
                    let at = at_row(text, t, row);
                    let mut b = empty_block(at);
                    b.entry.claim_number = Some(n);
                    b.entry.provider = text_of(Role::Provider);
                    b.member_name = text_of(Role::Patient).map(|s| (s, at));
                    // A member ID cell prints the card's groups ("318 604 2957").
                    b.member_id = text_of(Role::MemberId)
                        .and_then(|s| {
                            crate::values::grouped_id(&s)
                                .or_else(|| crate::values::id_at_start(&s))
                                .map(|f| f.value)
                        })
                        .map(|s| (s, at));
                    current = Some((b, vec![row]));
                }
                _ => {
                    if let Some((_, rows)) = current.as_mut() {
                        rows.push(row);
                    }
                }
            }
        }
        finish(current.take(), &mut out);
    }
    if grid.len() > out.len() {
        let starts: Vec<(u32, usize)> = grid.iter().map(|(_, p)| *p).collect();
        return grid
            .into_iter()
            .enumerate()
            .map(|(i, (mut b, from))| {
                let to = starts.get(i + 1).copied().unwrap_or((u32::MAX, usize::MAX));
                read_rows_between(&mut b, layout, from, to, rules);
                b
            })
            .collect();
    }
    out
}

fn at_row(text: &Text, t: &Table, row: &Row) -> LineRef {
    LineRef {
        page: t.page,
        line: line_of(text, t.page, row),
    }
}

fn empty_block(at: LineRef) -> Block {
    Block {
        entry: ClaimEntry {
            claim_number: None,
            provider: None,
            service_date: None,
            billed_amount: None,
            allowed_amount: None,
            paid_amount: None,
            patient_responsibility: None,
            status: ClaimStatus::Paid,
            codes: Vec::new(),
            lines: Vec::new(),
        },
        status_read: false,
        at,
        denied_date: None,
        member_name: None,
        member_id: None,
        billed_at: Some(at),
        owed_at: Some(at),
        billed_labelled: false,
        owed_labelled: false,
        columns_clean: false,
    }
}

/// Fills a claim from the rows of the first claim-line table (without a claim-number column)
/// that lie between two layout positions; `false` when there are none.
fn read_rows_between(
    b: &mut Block,
    layout: &Layout,
    from: (u32, usize),
    to: (u32, usize),
    rules: &Rules,
) -> bool {
    let inside = |t: &Table, r: &Row| (t.page, r.line) >= from && (t.page, r.line) < to;
    let Some(t) = layout
        .tables
        .iter()
        .find(|t| t.column(Role::ClaimNumber).is_none() && t.rows.iter().any(|r| inside(t, r)))
    else {
        return false;
    };
    let rows: Vec<&Row> = t.rows.iter().filter(|r| inside(t, r)).collect();
    fill_from_rows(b, t, &rows, &layout.legend, rules);
    true
}

/// The line of `text.pages[page].lines` that holds a layout row (same words), for evidence;
/// the first line of the page when none matches.
fn line_of(text: &Text, page: u32, row: &Row) -> usize {
    row.cells
        .iter()
        .find(|c| c.len() >= 4)
        .and_then(|c| text.line_containing(page, c))
        .unwrap_or(0)
}

/// Amounts, dates, codes, lines and status of a claim from its table rows (a total row, when
/// the claim has one, gives the totals).
fn fill_from_rows(b: &mut Block, t: &Table, rows: &[&Row], legend: &Legend, rules: &Rules) {
    // A claim's total row closes it: rows after it (a statement's grand totals) are not its.
    let rows = match rows.iter().position(|r| r.total) {
        Some(i) => &rows[..=i],
        None => rows,
    };
    // A last row without a date whose billed amount is what the rows above it add up to is
    // the claim's total, whatever its label (OCR garbles a label printed against a rule).
    let summed = rows.iter().all(|r| !r.total) && rows.len() >= 3 && {
        let (last, above) = rows.split_last().unwrap_or((&rows[0], &[]));
        let billed: Vec<f64> = above
            .iter()
            .filter_map(|r| t.amount(r, ColumnKind::Billed))
            .collect();
        let dated = |r: &Row| {
            r.cells
                .iter()
                .any(|c| !crate::values::find_dates(c).is_empty())
        };
        !dated(last)
            && above.iter().all(|r| dated(r))
            && billed.len() == above.len()
            && t.amount(last, ColumnKind::Billed)
                .is_some_and(|v| (v - billed.iter().sum::<f64>()).abs() < 0.005)
    };
    let is_total = |i: usize, r: &Row| r.total || (summed && i + 1 == rows.len());
    let lines: Vec<&&Row> = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| !is_total(*i, r))
        .map(|(_, r)| r)
        .collect();
    let total = rows
        .iter()
        .enumerate()
        .find(|(i, r)| is_total(*i, r))
        .map(|(_, r)| r);
    let sum = |k: ColumnKind| -> Option<f64> {
        if let Some(tr) = total
            && let Some(a) = t.amount(tr, k)
        {
            return Some(a);
        }
        let v: Vec<f64> = lines.iter().filter_map(|r| t.amount(r, k)).collect();
        (!v.is_empty()).then(|| (v.iter().sum::<f64>() * 100.0).round() / 100.0)
    };
    b.columns_clean = rows.iter().all(|r| {
        t.columns.iter().zip(&r.cells).all(|(c, cell)| {
            !matches!(c.role, Role::Amount(_)) || crate::values::find_amounts(cell).len() <= 1
        })
    });
    b.entry.billed_amount = sum(ColumnKind::Billed);
    b.entry.allowed_amount = sum(ColumnKind::Allowed);
    b.entry.paid_amount = sum(ColumnKind::Paid);
    b.entry.patient_responsibility = sum(ColumnKind::Owed);
    let mut service_lines = Vec::new();
    for r in &lines {
        service_lines.push(layout_line(t, r, legend, rules));
    }
    let date_of = |l: &ServiceLine| {
        l.service_date
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    };
    let first = service_lines.iter().filter_map(date_of).min();
    let denied_first = service_lines
        .iter()
        .filter(|l| l.denied)
        .filter_map(date_of)
        .min();
    // Lines without dates keep the claim's own (printed once in its header).
    if first.is_some() {
        b.entry.service_date = first.map(|d| d.to_string());
        b.denied_date = denied_first.or(first).map(|d| (d, b.at));
    }
    let denied = service_lines.iter().filter(|l| l.denied).count();
    if !service_lines.is_empty() {
        b.entry.status = status_of_lines(denied, service_lines.len());
        b.status_read = true;
    }
    let mut codes: Vec<Code> = Vec::new();
    for l in &service_lines {
        for c in &l.codes {
            if !codes.iter().any(|o| o.label() == c.label()) {
                codes.push(c.clone());
            }
        }
    }
    b.entry.codes = codes;
    b.entry.lines = service_lines;
}

/// A date printed without separators in a date column, as remittances do: `MMDDYY` or
/// `MMDDYYYY` (a column of dates says it is one; elsewhere six digits are not read as a date).
#[allow(clippy::string_slice)] // Char boundaries: `t` is all ASCII digits.
fn compact_date(cell: &str) -> Option<jiff::civil::Date> {
    cell.split(' ').find_map(|t| {
        if !t.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let (m, d, y) = match t.len() {
            6 => (&t[0..2], &t[2..4], format!("20{}", &t[4..6])),
            8 => (&t[0..2], &t[2..4], t[4..8].to_string()),
            _ => return None,
        };
        jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
    })
}

/// A service line from a layout row: its columns say which amount is which.
/// The document's explanations of its code column's codes.
type Legend = std::collections::HashMap<String, crate::layout::LegendEntry>;

fn layout_line(t: &Table, r: &Row, legend: &Legend, rules: &Rules) -> ServiceLine {
    let cell = |role: Role| t.column(role).map(|i| r.cells[i].as_str()).unwrap_or("");
    let date = crate::values::find_dates(cell(Role::Date))
        .first()
        .map(|d| d.value)
        .or_else(|| compact_date(cell(Role::Date)))
        .or_else(|| crate::values::find_dates(&r.text).first().map(|d| d.value));
    let mut codes = codes_in(&r.text, rules);
    // A code column may print bare CARCs ("197") without their group; only a cell that
    // holds nothing but codes is read that way.
    let code_cell = t.code_column().map(|i| r.cells[i].as_str()).unwrap_or("");
    let only_codes = code_cell.split([' ', ',', ';', '/']).all(|t| {
        t.is_empty()
            || t == "-"
            || (t.len() <= 6
                && t.chars().any(|c| c.is_ascii_digit())
                && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    });
    for tok in code_cell.split([' ', ',', ';', '/']).filter(|_| only_codes) {
        let tok = tok.trim();
        if !tok.is_empty()
            && tok.chars().all(|c| c.is_ascii_digit())
            && !codes.iter().any(|c| c.code == tok)
            && let Some(e) = rules.carc.get(tok)
        {
            codes.push(Code {
                system: CodeSystem::Carc,
                group: None,
                code: tok.to_string(),
                description: e.category.map(|_| e.description.clone()),
            });
        }
    }
    // A payer's own code the document explains: the code with its explanation, and the
    // CARCs the explanation cites ("... Reason code CO-50.").
    for (tok, e) in t.explained_codes(r, legend) {
        for c in codes_in(&e.text, rules) {
            if !codes.iter().any(|o| o.label() == c.label()) {
                codes.push(c);
            }
        }
        if !codes.iter().any(|o| o.code == tok) {
            codes.push(Code {
                system: CodeSystem::Payer,
                group: None,
                code: tok,
                description: Some(e.text.clone()),
            });
        }
    }
    let amount = |k: ColumnKind| t.amount(r, k);
    let paid = amount(ColumnKind::Paid);
    let denial_code = codes.iter().any(|c| c.description.is_some());
    let denied = DENIED_WORDS.is_match(&r.text)
        || (denial_code && paid.is_none_or(|p| p == 0.0))
        || t.unpaid(r);
    let proc_text = match cell(Role::Procedure) {
        "" => r.text.as_str(),
        s => s,
    };
    let description = t
        .columns
        .iter()
        .zip(&r.cells)
        .filter(|(c, s)| c.role == Role::Text && !s.is_empty())
        .map(|(_, s)| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    ServiceLine {
        service_date: date.map(|d| d.to_string()),
        procedure_code: PROCEDURE
            .captures(proc_text)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string()),
        description: (!description.is_empty()).then_some(description),
        billed_amount: amount(ColumnKind::Billed),
        allowed_amount: amount(ColumnKind::Allowed),
        paid_amount: paid,
        patient_responsibility: amount(ColumnKind::Owed),
        denied,
        codes,
    }
}

/// The name a claim's heading line starts with, written surname first with a comma: the
/// patient of that claim on a remittance.
pub(super) fn heading_name(line: &str, rules: &Rules) -> Option<String> {
    let first = line.split_whitespace().next()?;
    if !first.ends_with(',') || first.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let name = crate::values::name_at_start(line, &rules.stop_words)?.value;
    (name.split_whitespace().count() >= 2).then_some(name)
}

fn block(
    text: &Text,
    rules: &Rules,
    cands: &HashMap<FieldName, Vec<Candidate>>,
    number: &str,
    start: LineRef,
    end: LineRef,
    headers: &Headers,
) -> Block {
    let inside = |r: LineRef| pos(r) >= pos(start) && pos(r) < pos(end);
    let near_start = |r: LineRef| r.page == start.page && r.line < start.line + 15;
    let in_block = |name: FieldName| -> Vec<&Candidate> {
        cands
            .get(&name)
            .map(|v| v.iter().filter(|c| inside(c.at)).collect())
            .unwrap_or_default()
    };
    let str_of = |c: &Candidate| match &c.value {
        Value::Str(s) => Some((s.clone(), c.at)),
        _ => None,
    };
    let amount_of = |name: FieldName| -> Option<(f64, LineRef)> {
        let v = in_block(name);
        let c = v.iter().find(|c| c.total).or(v.first())?;
        match c.value {
            Value::Amount(a) => Some((a, c.at)),
            _ => None,
        }
    };
    let table = claim_table_between(text, rules, start, end, headers);
    let block_lines: Vec<&str> = lines_between(text, start, end).map(|(_, l)| l).collect();
    let codes = codes_in(&block_lines.join("\n"), rules);

    let from_table = |k: ColumnKind| table.as_ref().and_then(|t| t.amounts.get(&k).copied());
    // A labelled total beats the table; the table beats another labelled amount.
    let labelled_total = |name: FieldName| {
        in_block(name)
            .into_iter()
            .find(|c| c.total)
            .and_then(|c| match c.value {
                Value::Amount(a) => Some((a, c.at)),
                _ => None,
            })
    };
    let billed = labelled_total(FieldName::BilledAmount)
        .or(from_table(ColumnKind::Billed))
        .or_else(|| amount_of(FieldName::BilledAmount));
    let owed = labelled_total(FieldName::PatientResponsibility)
        .or(from_table(ColumnKind::Owed))
        .or_else(|| amount_of(FieldName::PatientResponsibility));

    let (status, status_read) = status_of(table.as_ref(), &block_lines, &codes);
    let labelled_date = in_block(FieldName::ServiceDate)
        .first()
        .and_then(|c| match c.value {
            Value::Date(d) => Some((d, c.at)),
            _ => None,
        });
    let denied_date = table
        .as_ref()
        .and_then(|t| t.service_date)
        .or(labelled_date);
    let first_date = table
        .as_ref()
        .and_then(|t| t.lines.iter().filter_map(|l| l.date).min())
        .or(labelled_date.map(|(d, _)| d));
    let lines = table
        .as_ref()
        .map(|t| t.lines.iter().map(|r| service_line(r, rules)).collect())
        .unwrap_or_default();
    Block {
        entry: ClaimEntry {
            claim_number: Some(number.to_string()),
            provider: in_block(FieldName::Provider)
                .first()
                .and_then(|c| str_of(c))
                .map(|(s, _)| super::without_network_note(s)),
            service_date: first_date.map(|d| d.to_string()),
            billed_amount: billed.map(|(a, _)| a),
            allowed_amount: from_table(ColumnKind::Allowed).map(|(a, _)| a),
            paid_amount: from_table(ColumnKind::Paid).map(|(a, _)| a),
            patient_responsibility: owed.map(|(a, _)| a),
            status,
            codes,
            lines,
        },
        status_read,
        at: start,
        denied_date,
        // The patient of a claim is named in its heading, not in a later page's prose.
        member_name: in_block(FieldName::MemberName)
            .into_iter()
            .find(|c| near_start(c.at))
            .and_then(str_of),
        member_id: in_block(FieldName::MemberId)
            .into_iter()
            .find(|c| near_start(c.at))
            .and_then(str_of),
        billed_at: billed.map(|(_, r)| r),
        owed_at: owed.map(|(_, r)| r),
        billed_labelled: labelled_total(FieldName::BilledAmount).is_some(),
        owed_labelled: labelled_total(FieldName::PatientResponsibility).is_some(),
        columns_clean: false,
    }
}

/// A claim's status from how many of its `lines` service lines were denied.
fn status_of_lines(denied: usize, lines: usize) -> ClaimStatus {
    match denied {
        0 => ClaimStatus::Paid,
        n if n == lines => ClaimStatus::Denied,
        _ => ClaimStatus::PartlyDenied,
    }
}

/// The claim's status: from its table's lines when it has one, else from its words and codes.
fn status_of(table: Option<&ClaimTable>, lines: &[&str], codes: &[Code]) -> (ClaimStatus, bool) {
    if let Some(t) = table.filter(|t| !t.lines.is_empty()) {
        let denied = t.lines.iter().filter(|l| l.denied).count();
        return (status_of_lines(denied, t.lines.len()), true);
    }
    let words = lines.join(" ");
    let denial_code = codes
        .iter()
        .any(|c| c.system == CodeSystem::Carc && c.description.is_some());
    if DENIED_WORDS.is_match(&words) || denial_code {
        (ClaimStatus::Denied, true)
    } else if PENDING.is_match(&words) {
        (ClaimStatus::Pending, true)
    } else {
        (ClaimStatus::Paid, false)
    }
}

/// CARC codes with their group (`CO-197`) in a block; a code is kept with its description
/// only when it is a denial (cost sharing and contractual write-offs carry none).
fn codes_in(s: &str, rules: &Rules) -> Vec<Code> {
    let mut out: Vec<Code> = Vec::new();
    for c in crate::classify::GROUP_CODE.captures_iter(s) {
        let (Some(g), Some(code), Some(m)) = (c.get(1), c.get(2), c.get(0)) else {
            continue;
        };
        if crate::classify::inside_identifier(s, m.start(), m.end()) {
            continue;
        }
        let entry = rules.carc.get(code.as_str());
        let code = Code {
            system: CodeSystem::Carc,
            group: Some(g.as_str().to_string()),
            code: code.as_str().to_string(),
            description: entry
                .filter(|e| e.category.is_some())
                .map(|e| e.description.clone()),
        };
        if !out.iter().any(|o| o.label() == code.label()) {
            out.push(code);
        }
    }
    out
}

fn service_line(r: &super::TableRow, rules: &Rules) -> ServiceLine {
    let amount = |k: ColumnKind| r.amounts.iter().find(|(kk, _)| *kk == k).map(|(_, a)| *a);
    let mut description = r.text.clone();
    for a in crate::values::find_amounts(&r.text).iter().rev() {
        description.replace_range(a.start..a.end, "");
    }
    let description = description.split_whitespace().collect::<Vec<_>>().join(" ");
    ServiceLine {
        service_date: r.date.map(|d| d.to_string()),
        procedure_code: PROCEDURE
            .captures(&r.text)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string()),
        description: (!description.is_empty()).then_some(description),
        billed_amount: amount(ColumnKind::Billed),
        allowed_amount: amount(ColumnKind::Allowed),
        paid_amount: amount(ColumnKind::Paid),
        patient_responsibility: amount(ColumnKind::Owed),
        denied: r.denied,
        codes: codes_in(&r.text, rules),
    }
}

/// This module's constant patterns, compiled up front by
/// [`crate::rules::Rules::compile_lazy`] (each is compiled on first use otherwise).
pub(crate) static PATTERNS: &[&std::sync::LazyLock<regex::Regex>] = &[&PENDING, &DOCUMENT_TOTALS];

#[cfg(test)]
mod tests {
    use crate::report::ClaimStatus;
    use crate::rules::Rules;
    use crate::text::{Method, Text};

    fn doc(s: &str) -> Text {
        Text::new(
            Method::PlainText,
            vec![s.lines().map(str::to_string).collect()],
            Vec::new(),
        )
    }

    // An EOB whose header is printed once, above claims that each start with their number:
    // the headline is the denied claim, with its own total, date and patient share.
    #[test]
    fn the_headline_is_the_first_denied_claim() {
        let rules = Rules::bundled().unwrap();
        let lines = [
            "Harbor Ridge Health Plan",
            "Explanation of Benefits    Statement date: 05/04/2026",
            "Member: Tomas R. Lindqvist    Member ID: HRH55102938",
            "Date of service   Service        Amount billed   Plan paid   You owe   Code",
            "Claim number: 7731-0001   Provider: Alder Street Clinic",
            "04/02/2026        Office visit         $180.00     $140.00    $40.00   PR-3",
            "Claim total                            $180.00     $140.00    $40.00",
            "Claim number: 7731-0002   Provider: Bayview Imaging",
            "04/09/2026        CT abdomen         $1,250.00       $0.00     $0.00   CO-197",
            "04/09/2026        Contrast              $95.00       $0.00     $0.00   CO-197",
            "Claim total                          $1,345.00       $0.00     $0.00",
        ];
        let t = doc(&lines.join("\n"));
        let f = super::super::extract(&t, &crate::layout::analyze(&t, rules), rules);
        let numbers: Vec<_> = f.claims.iter().map(|c| c.claim_number.clone()).collect();
        assert_eq!(
            numbers,
            [Some("7731-0001".to_string()), Some("7731-0002".to_string())]
        );
        assert_eq!(f.claims[0].status, ClaimStatus::Paid);
        assert_eq!(f.claims[1].status, ClaimStatus::Denied);
        assert_eq!(f.claims[1].lines.len(), 2);
        assert_eq!(f.claim_number.as_deref(), Some("7731-0002"));
        assert_eq!(f.billed_amount, Some(1345.0));
        assert_eq!(f.patient_responsibility, Some(0.0));
        assert_eq!(
            f.service_date.map(|d| d.to_string()).as_deref(),
            Some("2026-04-09")
        );
        assert_eq!(f.provider.as_deref(), Some("Bayview Imaging"));
    }

    // A remittance prints its column header once; each claim starts with a line naming its
    // ICN, dates are MMDDYY, a status line says "DENIED" (a value, not a new header), and the
    // statement's grand totals after the last claim are not that claim's.
    #[test]
    fn a_remittance_header_printed_once_serves_every_claim() {
        let rules = Rules::bundled().unwrap();
        let lines = [
            "NORTHWIND HEALTH PLAN                       REMITTANCE ADVICE",
            "",
            "SERV DATE   PROC     BILLED    ALLOWED      PAID   GRP/RC",
            "PATIENT ALVAREZ, R   MID NWH1002   ICN 7710000001",
            "STATUS: PAID AS PRIMARY",
            "020326      99213    150.00      90.00     72.00   CO-45",
            "CLAIM TOTAL          150.00      90.00     72.00",
            "",
            "PATIENT OKONKWO, T   MID NWH1003   ICN 7710000002",
            "STATUS: 2 - DENIED",
            "021026      97110    120.00       0.00      0.00   CO-50",
            "021126      97140     95.00       0.00      0.00   CO-50",
            "CLAIM TOTAL          215.00       0.00      0.00",
            "",
            "REMIT TOTALS         365.00      90.00     72.00",
        ];
        let t = doc(&lines.join("\n"));
        let f = super::super::extract(&t, &crate::layout::analyze(&t, rules), rules);
        assert_eq!(f.claims.len(), 2);
        assert_eq!(f.claims[1].status, ClaimStatus::Denied);
        assert_eq!(f.claims[1].lines.len(), 2);
        assert_eq!(f.claim_number.as_deref(), Some("7710000002"));
        assert_eq!(f.billed_amount, Some(215.0));
        assert_eq!(
            f.service_date.map(|d| d.to_string()).as_deref(),
            Some("2026-02-10")
        );
    }

    // Claim headers printed as a grid (labels over values), each followed by its service
    // lines: every claim, and the denied one's amounts.
    #[test]
    fn claim_header_grids_with_their_service_tables() {
        let rules = Rules::bundled().unwrap();
        let lines = [
            "Your claims",
            "CLAIM NUMBER    PATIENT       PROVIDER            DATE OF SERVICE",
            "QX-5501         Ana Ruiz      Elm Family Care     01/05/2026",
            "Service                 Billed    Plan paid    You owe",
            "Office visit            140.00       110.00      30.00",
            "Claim total             140.00       110.00      30.00",
            "CLAIM NUMBER    PATIENT       PROVIDER            DATE OF SERVICE",
            "QX-5502         Ana Ruiz      Birch Imaging       01/19/2026",
            "Service                 Billed    Plan paid    You owe",
            "CT scan                 900.00         0.00     900.00",
            "Claim total             900.00         0.00     900.00",
        ];
        let t = doc(&lines.join("\n"));
        let f = super::super::extract(&t, &crate::layout::analyze(&t, rules), rules);
        let numbers: Vec<_> = f
            .claims
            .iter()
            .filter_map(|c| c.claim_number.clone())
            .collect();
        assert_eq!(numbers, ["QX-5501", "QX-5502"]);
        assert_eq!(f.claim_number.as_deref(), Some("QX-5502"));
        assert_eq!(f.patient_responsibility, Some(900.0));
        assert_eq!(
            f.service_date.map(|d| d.to_string()).as_deref(),
            Some("2026-01-19")
        );
        assert_eq!(f.provider.as_deref(), Some("Birch Imaging"));
    }

    // Regression: OCR garbled the label of a claim's total row printed against a dashed rule
    // ("Clan wil"); the row was read as another service line and the billed amount doubled.
    #[test]
    fn an_undated_row_adding_up_the_lines_above_is_the_total() {
        let rules = Rules::bundled().unwrap();
        let billed = |total_label: &str, first: &str| {
            let lines = [
                "Claim number: QX-7781    Patient: Ana Ruiz".to_string(),
                "Date of service    Procedure    Billed    Plan paid    You owe".to_string(),
                format!("{first}         99213         120.00       90.00      30.00"),
                "03/02/2026         J1030          80.00        0.00      80.00   CO-11"
                    .to_string(),
                format!("{total_label}                       200.00       90.00     110.00"),
            ];
            let t = doc(&lines.join("\n"));
            let f = super::super::extract(&t, &crate::layout::analyze(&t, rules), rules);
            (f.billed_amount, f.claims.first().map(|c| c.lines.len()))
        };
        assert_eq!(billed("Clan wil", "03/02/2026"), (Some(200.0), Some(2)));
        // A dated third line that happens to add up is a line; so is one under undated lines.
        assert_eq!(billed("03/03/2026", "03/02/2026"), (Some(400.0), Some(3)));
        assert_eq!(billed("Clan wil", "Office"), (Some(400.0), Some(3)));
    }

    #[test]
    fn a_member_id_cell_keeps_its_groups() {
        let rules = Rules::bundled().unwrap();
        let lines = [
            "CLAIM NUMBER   PATIENT    MEMBER ID           DATE OF SERVICE   BILLED    PAID    CODE",
            "QX-5501        Ana Ruiz   QXM 4410 2291 83    01/05/2026        140.00   140.00",
            "QX-5502        Ben Ruiz   QXM 4410 2291 84    01/19/2026        900.00     0.00   CO-197",
        ];
        let t = doc(&lines.join("\n"));
        let f = super::super::extract(&t, &crate::layout::analyze(&t, rules), rules);
        assert_eq!(f.claim_number.as_deref(), Some("QX-5502"));
        assert_eq!(f.member_id.as_deref(), Some("QXM4410229184"));
    }

    // A pre-service letter: the authorization number is a reference, not a claim.
    #[test]
    fn an_authorization_number_is_a_reference_not_a_claim() {
        let rules = Rules::bundled().unwrap();
        let t = doc("Authorization request number: UMX-44190\n\
             We denied your request for a knee MRI.");
        let f = super::super::extract(&t, &crate::layout::analyze(&t, rules), rules);
        assert_eq!(f.claim_number, None);
        assert_eq!(f.reference_number.as_deref(), Some("UMX-44190"));
        assert!(f.claims.is_empty());
    }
}
