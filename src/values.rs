//! Value readers shared by the stages: dates, dollar amounts, phone numbers, identifiers
//! and names, as they appear in letters (many formats, OCR-ish spacing). Strings in,
//! typed values out; no stage logic here.
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
// Spanish month names and their usual abbreviations (notices sent in Spanish: "14 de abril de
// 2026", "3 de sept. de 2026").
const MES: &str = r"(?:enero|ene|febrero|feb|marzo|mar|abril|abr|mayo|may|junio|jun|julio|jul|agosto|ago|septiembre|setiembre|sept?|set|octubre|oct|noviembre|nov|diciembre|dic)";

use crate::rules::constant as re;

static DATE_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?:\b(?P<mn>{MONTH})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}})\b)|(?:\b(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dm>{MONTH})\.?,?\s+(?P<dy>\d{{4}})\b)|(?:\b(?P<nm>\d{{1,2}})(?P<sep>[/.-])(?P<nd>\d{{1,2}})[/.-](?P<ny>\d{{4}}|\d{{2}})\b)|(?:\b(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})\b)|(?:\b(?P<sd>\d{{1,2}})(?:\.?º|\.?o)?\s+de\s+(?P<sm>{MES})\.?\s+(?:de|del)\s+(?P<sy>\d{{4}})\b)|(?:\b(?P<om>[a-z]{{5,9}})\s+(?P<od>\d{{1,2}}),\s+(?P<oy>\d{{4}})\b)"
    ))
});

static AMOUNT_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<neg>-|\()?\s?(?P<dollar>\$|USD\s?)?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<cents>\.\d{2})?\)?",
    )
});

static ANY_AMOUNT_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:^|[\s(])(?P<neg>-)?(?P<dollar>\$)?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<cents>\.\d{2})")
});

static PHONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:^|[^\d])(?:\+?1[\s.-]?)?(?:\((?P<a1>\d{3})\)|(?P<a2>\d{3}))[\s.-]?(?P<b>\d{3})[\s.-](?P<c>\d{4})(?:[^\d]|$)|\b1-(?P<va>8\d\d)-(?P<vw>[A-Z]{7,8})\b",
    )
});

/// `s` lower-cased for rule matching: ASCII letters, and the accented capitals of Latin-1
/// (Á, É, Í, Ñ, Ó, Ú, Ü: Spanish notices print headings in capitals), each to a lower-case
/// character of the same length, so offsets in the result are offsets in `s`.
pub fn lower(s: &str) -> String {
    let mut b = s.as_bytes().to_ascii_lowercase();
    // U+00C0..=U+00DE (but U+00D7, the multiplication sign) are 0xC3 0x80..=0x9E in UTF-8;
    // their lower-case letters are 0x20 further on and keep the lead byte.
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == 0xC3 && (0x80..=0x9E).contains(&b[i + 1]) && b[i + 1] != 0x97 {
            b[i + 1] += 0x20;
            i += 2;
        } else {
            i += 1;
        }
    }
    String::from_utf8(b).unwrap_or_else(|_| s.to_ascii_lowercase())
}

/// A date found in a string, with its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<T> {
    /// Start byte.
    pub start: usize,
    /// End byte.
    pub end: usize,
    /// The value.
    pub value: T,
}

/// The month (1-12) an English month's name or abbreviation names, by its first three letters.
pub(crate) fn month_number(name: &str) -> Option<i8> {
    let m = name.get(..3)?.to_ascii_lowercase();
    let i = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|x| *x == m)?;
    Some(i as i8 + 1)
}

/// A month's full name OCR misread by one letter ("Match 5, 2026"): the only month of the
/// word's length (five letters or more) that differs from it in one letter.
fn misread_month(word: &str) -> Option<i8> {
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = word.to_ascii_lowercase();
    let mut near = FULL.iter().enumerate().filter(|(_, m)| {
        m.len() == w.len()
            && m.len() >= 5
            && m.chars().zip(w.chars()).filter(|(a, b)| a != b).count() == 1
    });
    let (i, _) = near.next()?;
    near.next().is_none().then_some(i as i8 + 1)
}

fn spanish_month_number(name: &str) -> Option<i8> {
    let m = name.get(..3)?.to_ascii_lowercase();
    let i = [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
    ]
    .iter()
    .position(|x| *x == m)
    .or((m == "set").then_some(8))?;
    Some(i as i8 + 1)
}

fn year(s: &str) -> Option<i16> {
    let y: i16 = s.parse().ok()?;
    // Two-digit years in letters are this century.
    let y = if s.len() == 2 { 2000 + y } else { y };
    (1900..=2100).contains(&y).then_some(y)
}

/// Every date in `s`, in order.
pub fn find_dates(s: &str) -> Vec<Found<Date>> {
    dates_in(s, s.len()).collect()
}

/// The dates of `s` that start in its first `limit` bytes (about: the search stops at the
/// first space after them), in order. Offsets and the checks around a date are `s`'s.
#[allow(clippy::string_slice)] // Char boundaries: `whole` is a match in `hay`, a prefix of `s`.
fn dates_in(s: &str, limit: usize) -> impl Iterator<Item = Found<Date>> + '_ {
    // Cut where a space follows: `\b` and the checks after a match see the same text there.
    let cut = match s.get(limit..) {
        Some(rest) => rest
            .find(char::is_whitespace)
            .map_or(s.len(), |i| limit + i),
        None => s.len(),
    };
    let hay = s.get(..cut).unwrap_or(s);
    DATE_RE.captures_iter(hay).filter_map(move |c| {
        let g = |n: &str| c.name(n).map(|m| m.as_str());
        let (y, m, d) = if let Some(mn) = g("mn") {
            (year(g("my")?)?, month_number(mn)?, g("md")?.parse().ok()?)
        } else if let Some(dm) = g("dm") {
            (year(g("dy")?)?, month_number(dm)?, g("dd")?.parse().ok()?)
        } else if let Some(sm) = g("sm") {
            (
                year(g("sy")?)?,
                spanish_month_number(sm)?,
                g("sd")?.parse().ok()?,
            )
        } else if let Some(om) = g("om") {
            (year(g("oy")?)?, misread_month(om)?, g("od")?.parse().ok()?)
        } else if let Some(nm) = g("nm") {
            // 3.14 or 12-5 style fragments are not dates unless a year follows; the regex
            // requires it. A dot separator with a two-digit year is too often a number.
            if g("sep") == Some(".") && g("ny")?.len() == 2 {
                return None;
            }
            (year(g("ny")?)?, nm.parse().ok()?, g("nd")?.parse().ok()?)
        } else {
            (
                year(g("iy")?)?,
                g("im")?.parse().ok()?,
                g("id")?.parse().ok()?,
            )
        };
        let date = Date::new(y, m, d).ok()?;
        let whole = c.get(0)?;
        if g("nm").is_some() {
            // Part of a longer number (an ID, a version) is not a date; a dash before is a range.
            let before = s[..whole.start()].chars().last();
            let after = s[whole.end()..].chars().next();
            if before.is_some_and(|ch| ch.is_ascii_digit() || ch == '/' || ch == '.')
                || after.is_some_and(|ch| ch.is_ascii_digit() || ch == '/')
            {
                return None;
            }
        }
        Some(Found {
            start: whole.start(),
            end: whole.end(),
            value: date,
        })
    })
}

/// The longest a date runs from its first character to its last ("September 30th, 2025" with
/// room to spare): a date that starts a string ends within this many bytes.
const DATE_SPAN: usize = 64;

/// The date at the start of `s` (after spaces), if any.
pub fn date_at_start(s: &str) -> Option<Found<Date>> {
    let trimmed = s.trim_start();
    // A weekday may stand before the date, as in e-mail and portal headers ("Thu 02/19/2026",
    // "Fri, 6 Mar 2026 08:11"), and in Spanish a "from" or "the" ("del 20 de abril ...").
    let lead = s.len() - trimmed.len() + DATE_LEAD.find(trimmed).map(|m| m.end()).unwrap_or(0);
    // Only the start is searched: labels call this on the rest of lines that can be long.
    dates_in(s, lead + 1 + DATE_SPAN)
        .next()
        .filter(|f| f.start <= lead + 1)
}

static DATE_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    // Spanish: "del 20 de abril de 2026 al ...", "desde el 3 de mayo", "el lunes 4 de mayo".
    re(
        r"(?i)^(?:(?:del|desde(?: el)?|el|a partir del?)\s+)?(?:(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo)\.?,?\s+)?",
    )
});

/// A dollar amount at the start of `s`: `$1,234.56`, `1234.56`, `($45.00)`, `$0`.
/// A bare integer without `$` or cents is not an amount.
#[allow(clippy::string_slice)] // Char boundaries: `lead` is where `trim_start` stops and `whole` is a match in `s[lead..]`.
pub fn amount_at_start(s: &str) -> Option<Found<f64>> {
    let lead = s.len() - s.trim_start().len();
    let c = AMOUNT_RE.captures(&s[lead..])?;
    if c.name("dollar").is_none() && c.name("cents").is_none() {
        return None;
    }
    let whole = c.get(0)?;
    // A following digit, slash or dash means this was part of a date or an ID.
    if s[lead + whole.end()..].starts_with(|ch: char| ch.is_ascii_digit() || ch == '/' || ch == '-')
    {
        return None;
    }
    let n = amount_value(&c)?;
    Some(Found {
        start: lead,
        end: lead + whole.end(),
        value: n,
    })
}

fn amount_value(c: &regex::Captures<'_>) -> Option<f64> {
    let num = c.name("num")?.as_str().replace(',', "");
    let cents = c.name("cents").map(|m| m.as_str()).unwrap_or("");
    let v: f64 = format!("{num}{cents}").parse().ok()?;
    Some(if c.name("neg").is_some() { -v } else { v })
}

/// Every amount with cents (`$12.00`, `1,250.00`) in `s`, in order.
#[allow(clippy::string_slice)] // Char boundaries: the match is in `s` itself.
pub fn find_amounts(s: &str) -> Vec<Found<f64>> {
    ANY_AMOUNT_RE
        .captures_iter(s)
        .filter_map(|c| {
            let v = amount_value(&c)?;
            let after = s[c.get(0)?.end()..].chars().next();
            if after.is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '/' || ch == '%') {
                return None;
            }
            let start = c
                .name("neg")
                .or(c.name("dollar"))
                .or(c.name("num"))?
                .start();
            let end = c.name("cents")?.end();
            Some(Found {
                start,
                end,
                value: v,
            })
        })
        .collect()
}

/// Every phone number in `s`, normalised to `NNN-NNN-NNNN` (letters of vanity numbers
/// turned into digits).
pub fn find_phones(s: &str) -> Vec<Found<String>> {
    PHONE_RE
        .captures_iter(s)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let value = if let Some(va) = c.name("va") {
                let digits: String = c
                    .name("vw")?
                    .as_str()
                    .chars()
                    .take(7)
                    .filter_map(keypad)
                    .collect();
                // `(?i)[A-Z]` also matches letters outside ASCII that fold to one (the long s
                // U+017F, the Kelvin sign), which have no key: then it is no phone number.
                let (exchange, line) = digits.split_at_checked(3)?;
                if line.len() != 4 {
                    return None;
                }
                format!("{}-{exchange}-{line}", va.as_str())
            } else {
                let a = c.name("a1").or(c.name("a2"))?.as_str();
                format!("{a}-{}-{}", c.name("b")?.as_str(), c.name("c")?.as_str())
            };
            Some(Found {
                start: whole.start(),
                end: whole.end(),
                value,
            })
        })
        .collect()
}

fn keypad(c: char) -> Option<char> {
    let d = match c.to_ascii_uppercase() {
        'A'..='C' => '2',
        'D'..='F' => '3',
        'G'..='I' => '4',
        'J'..='L' => '5',
        'M'..='O' => '6',
        'P'..='S' => '7',
        'T'..='V' => '8',
        'W'..='Z' => '9',
        _ => return None,
    };
    Some(d)
}

/// Bytes of white space and quote marks before a value: a quote mark, slash or tilde there is
/// OCR's reading of a speck or a box's edge ("Claim number  \"QTV2031..."); no identifier
/// starts with one.
fn quote_lead(s: &str) -> usize {
    s.len()
        - s.trim_start()
            .trim_start_matches([
                '"', '\'', '`', '\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}', '/', '~',
            ])
            .trim_start()
            .len()
}

/// An identifier at the start of `s`: 4-30 characters of letters, digits, `-`, `/`, `.`,
/// holding at least two digits. A short all-letter prefix split off by one space
/// (`ABC 123456789`) is joined.
#[allow(clippy::string_slice)] // Char boundaries: `lead` is where `trim_start` stops; a token ends where `find` puts the first character that is not ASCII (or at the end), and parts are joined across one ASCII space.
pub fn id_at_start(s: &str) -> Option<Found<String>> {
    let lead = quote_lead(s);
    let rest = &s[lead..];
    let token_end = |t: &str| {
        t.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.')))
            .unwrap_or(t.len())
    };
    let mut end = token_end(rest);
    let mut tok = rest[..end].trim_end_matches(['.', '-', '/']).to_string();
    if tok.len() >= 2
        && tok.len() <= 4
        && tok.chars().all(|c| c.is_ascii_uppercase())
        && rest[end..].starts_with(' ')
    {
        let after = &rest[end + 1..];
        let e2 = token_end(after);
        let next = after[..e2].trim_end_matches(['.', '-']);
        if next.len() >= 4 && next.chars().all(|c| c.is_ascii_digit()) {
            tok = format!("{tok}{next}");
            end = end + 1 + e2;
        }
    }
    // OCR splits long numbers: "PHW402281 196" at the end of the value is one ID; a number
    // split after each hyphen ("E26- 0224- 40918") is joined part by part.
    loop {
        let wrapped_at_separator = rest[..end].ends_with(['-', '/']);
        if !((tok.ends_with(|c: char| c.is_ascii_digit()) || wrapped_at_separator)
            && tok.len() >= 3
            && rest[end..].starts_with(' '))
        {
            break;
        }
        let after = &rest[end + 1..];
        let e2 = token_end(after);
        let next = after[..e2].trim_end_matches(['.', '-', '/']);
        let next_ok = next.chars().all(|c| c.is_ascii_digit())
            || (wrapped_at_separator
                && next.starts_with(|c: char| c.is_ascii_alphanumeric())
                && next
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/')));
        // An identifier does not end in a hyphen: after one (OCR's "E26- 0224-40918", a cell
        // wrapped at "1219-") the next part is its own, whatever follows it.
        if next.is_empty()
            || tok.len() + next.len() > 30
            || !next_ok
            || !(wrapped_at_separator || after[e2..].trim().is_empty())
        {
            break;
        }
        // A separator that ended the first part (a cell wrapped at "1219-") stays.
        let sep = rest[..end]
            .chars()
            .last()
            .filter(|c| wrapped_at_separator && (*c == '-' || *c == '/'));
        tok = match sep {
            Some(c) => format!("{tok}{c}{next}"),
            None => format!("{tok}{next}"),
        };
        // The part ends in a separator too: keep it, and join the next part as well.
        let part_wrapped = after[..e2].trim_end_matches('.').ends_with(['-', '/']);
        end = end
            + 1
            + if part_wrapped {
                next.len() + 1
            } else {
                next.len()
            };
        if !part_wrapped {
            break;
        }
    }
    let digits = tok.chars().filter(char::is_ascii_digit).count();
    // Short all-digit values (group "118") are IDs; short mixed ones are too often words.
    let all_digits = digits == tok.len();
    if tok.len() < if all_digits { 3 } else { 4 } || tok.len() > 30 || digits < 2 {
        return None;
    }
    // A date or an amount is not an identifier.
    if date_at_start(&tok).is_some_and(|d| d.end >= tok.len()) {
        return None;
    }
    Some(Found {
        start: lead,
        end: lead + end.min(rest.len()),
        value: tok,
    })
}

/// An identifier printed in groups, as on member cards (`LPD 4471 0093 21`, `1234 5678 90`,
/// `QRM 5521 0830 7`): a first group with a digit (or a short capitalised prefix such as `LPD`)
/// and then groups of 2 to 6 digits, the last possibly a single check digit. The groups run to
/// the end of `s` or to a word that starts with a letter (the next label or cell), never into
/// more digits, so a row of table cells is not read as one identifier.
#[allow(clippy::string_slice)] // Char boundaries: `lead` is where `quote_lead` stops trimming.
pub fn grouped_id(s: &str) -> Option<Found<String>> {
    let lead = quote_lead(s);
    let body = s[lead..].trim_end();
    let groups: Vec<&str> = body.split(' ').collect();
    let first = *groups.first()?;
    let first_ok = (first.len() >= 2
        && first.chars().all(|c| c.is_ascii_alphanumeric())
        && first.chars().any(|c| c.is_ascii_digit()))
        || ((2..=4).contains(&first.len()) && first.chars().all(|c| c.is_ascii_uppercase()));
    if !first_ok {
        return None;
    }
    let digits_only = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    // A group is digits, or digit runs joined by hyphens ("AU 3107-552904"), never a date.
    let group = |g: &str| {
        g.split('-').all(|p| digits_only(p) && p.len() <= 6)
            && (digits_only(g) || date_at_start(g).is_none())
    };
    let mut n = 1;
    while n < groups.len() && group(groups[n]) {
        n += 1;
    }
    // What follows the groups must not be more of a number: a label, a word, a date (a footer
    // "Claim 7731 0452 9910 04/02/2026"), or nothing.
    if groups.get(n).is_some_and(|g| {
        !g.starts_with(|c: char| c.is_alphabetic() || c == '(')
            && date_at_start(g).is_none_or(|d| d.end < g.trim_end_matches(['.', ',']).len())
    }) {
        return None;
    }
    // A single digit is only a check digit at the end.
    while n > 2 && groups[n - 1].len() == 1 && groups[n - 2].len() == 1 {
        n -= 1;
    }
    let taken = &groups[..n];
    if taken.len() < 2
        || taken[1..taken.len() - 1].iter().any(|g| g.len() < 2)
        || (taken.len() == 2 && taken[1].len() < 2)
    {
        return None;
    }
    let value: String = taken.concat();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let used = taken.iter().map(|g| g.len()).sum::<usize>() + taken.len() - 1;
    (digits >= 6 && value.len() <= 30).then(|| Found {
        start: lead,
        end: lead + used,
        value,
    })
}

/// Letters and digits only, lower case: how two readings of one name or number are compared
/// whatever their spacing and punctuation.
pub fn key_of(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// OCR reads 0 as O, 1 as I or l, 5 as S, 8 as B: a letter between two digits in an
/// identifier is put back to the digit it resembles ("2O26-0119" is "2026-0119").
pub fn repair_ocr_digits(tok: &str) -> String {
    let c: Vec<char> = tok.chars().collect();
    let digit = |i: usize| c.get(i).is_some_and(char::is_ascii_digit);
    let repaired: String = (0..c.len())
        .map(|i| {
            let between = i > 0 && digit(i - 1) && digit(i + 1);
            // An O that starts a run of three or more digits is a zero ("LMHO0918273").
            let leads_digits = digit(i + 1) && digit(i + 2) && digit(i + 3);
            match c[i] {
                'O' | 'o' if between || leads_digits => '0',
                'I' | 'l' if between => '1',
                'S' if between => '5',
                'B' if between => '8',
                x => x,
            }
        })
        .collect();
    // A doubled separator is a speck: "PHC--7781204" is "PHC-7781204".
    let mut out = String::with_capacity(repaired.len());
    for ch in repaired.chars() {
        if ch == '-' && out.ends_with('-') {
            continue;
        }
        out.push(ch);
    }
    out
}

/// Words that look like names but are not a person's.
#[rustfmt::skip]
const NOT_NAMES: &[&str] = &[
    "department", "unit", "appeals", "claims", "center", "office", "division", "team", "review",
    // Words of an organisation's name ("Employee Benefit Trust"), never a person's.
    "benefit", "benefits", "trust", "fund", "insurance", "company", "administrators", "recovery",
    "member",
    "members",
    "patient",
    "customer",
    "sir",
    "madam",
    "provider",
    "valued",
    "subscriber",
    "policyholder",
    "enrollee",
    "beneficiary",
    "friend",
    "to",
    "whom",
    "it",
    "may",
    "concern",
    "id",
    "number",
    "no",
    "services",
    "service",
    "information",
    "name",
    "the",
    "plan",
    "your",
    "our",
    "health",
    "insurance",
    "account",
    "doctor",
    "dr",
    "claim",
    "of",
    "and",
    "for",
    "date",
    "address",
    "responsibility",
    "rights",
    "portal",
    "handbook",
    "care",
    "group",
    "medicare",
    "medicaid",
];

/// A person's name at the start of `s`: two to five capitalised words (initials allowed),
/// ending at a stop word, digits or punctuation.
#[allow(clippy::string_slice)] // Char boundaries: `lead` is where `trim_start` stops.
pub fn name_at_start(s: &str, stop: &std::collections::HashSet<String>) -> Option<Found<String>> {
    let lead = s.len() - s.trim_start().len();
    let mut words = Vec::new();
    let mut end = lead;
    let mut pos = lead;
    for w in s[lead..].split(' ') {
        let word = w.trim_end_matches([',', ':', ';']);
        let bare = word.trim_end_matches('.');
        let lower = bare.to_lowercase();
        let ok_shape = !bare.is_empty()
            && bare.chars().next().is_some_and(|c| c.is_uppercase())
            && bare
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\''));
        if !ok_shape
            || stop.contains(&lower)
            || NOT_NAMES.contains(&lower.as_str())
            || words.len() == 5
        {
            break;
        }
        words.push(word.to_string());
        end = pos + word.len();
        pos += w.len() + 1;
        if w.len() != word.len() {
            // "PEMBERTON, JOSIAH T" (remittances, forms): the surname, a comma, the given
            // names; read in the usual order.
            if words.len() == 1 && w.ends_with(',') {
                let mut given: Vec<String> = Vec::new();
                let mut gend = end;
                let mut gpos = pos;
                for g in s.get(pos..).unwrap_or("").split(' ') {
                    let gw = g.trim_end_matches([',', ':', ';']);
                    let gb = gw.trim_end_matches('.');
                    let lower = gb.to_lowercase();
                    let ok = !gb.is_empty()
                        && gb.chars().next().is_some_and(|c| c.is_uppercase())
                        && gb
                            .chars()
                            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\''))
                        && !stop.contains(&lower)
                        && !NOT_NAMES.contains(&lower.as_str());
                    if !ok || given.len() == 3 {
                        break;
                    }
                    given.push(gw.to_string());
                    gend = gpos + gw.len();
                    gpos += g.len() + 1;
                    if g.len() != gw.len() {
                        break;
                    }
                }
                // The given names end the phrase: a sentence going on in lower case after them
                // ("Marsh, Thank you ...") is a greeting, not a name.
                let next_lower = s
                    .get(gpos.min(s.len())..)
                    .unwrap_or("")
                    .trim_start()
                    .starts_with(|c: char| c.is_lowercase());
                let caps = |w: &str| w.chars().all(|c| !c.is_lowercase());
                let same_case = caps(&words[0]) == given.iter().all(|g| caps(g));
                if !next_lower && same_case && given.iter().any(|g| g.len() > 1) {
                    given.push(words[0].clone());
                    return Some(Found {
                        start: lead,
                        end: gend,
                        value: given.join(" "),
                    });
                }
            }
            break; // a comma or colon ends the name
        }
    }
    let long_words = words.iter().filter(|w| w.len() > 1).count();
    if words.len() < 2 || long_words < 2 {
        return None;
    }
    Some(Found {
        start: lead,
        end,
        value: words.join(" "),
    })
}

/// This module's constant patterns, compiled up front by
/// [`crate::rules::Rules::compile_lazy`] (each is compiled on first use otherwise).
pub(crate) static PATTERNS: &[&std::sync::LazyLock<regex::Regex>] =
    &[&DATE_RE, &AMOUNT_RE, &ANY_AMOUNT_RE, &PHONE_RE, &DATE_LEAD];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i16, m: i8, day: i8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn an_identifier_split_after_each_hyphen_is_one() {
        let f = id_at_start("E26- 0224- 40918 Patient: A. Lee").expect("an id");
        assert_eq!(f.value, "E26-0224-40918");
        assert_eq!(
            id_at_start("E26- 0224-40918").map(|f| f.value).as_deref(),
            Some("E26-0224-40918")
        );
    }

    // Regression: a fax's speck before a case number was read as a slash that began it.
    #[test]
    fn an_ocr_slash_or_tilde_before_an_identifier_is_not_part_of_it() {
        assert_eq!(
            id_at_start("/APL-31-009921 Claim")
                .map(|f| f.value)
                .as_deref(),
            Some("APL-31-009921")
        );
        assert_eq!(
            grouped_id("~ QRM 5521 0830 7").map(|f| f.value).as_deref(),
            Some("QRM552108307")
        );
    }

    #[test]
    fn an_ocr_quote_before_an_identifier_is_not_part_of_it() {
        let f = id_at_start(" \"QTV2031190448205").expect("an id");
        assert_eq!(f.value, "QTV2031190448205");
        assert_eq!(f.end, " \"QTV2031190448205".len());
        assert_eq!(
            id_at_start("\u{201c}AB-22-0931")
                .map(|f| f.value)
                .as_deref(),
            Some("AB-22-0931")
        );
    }

    #[test]
    fn grouped_ids_before_a_date() {
        assert_eq!(
            grouped_id("7731 0452 9910 04/02/2026").map(|f| f.value),
            Some("773104529910".into())
        );
        // An amount after the groups is more of a table row: no grouped reading.
        assert_eq!(grouped_id("7731 0452 9910 1,200.00"), None);
    }

    #[test]
    fn surname_first_names() {
        let stop: std::collections::HashSet<String> =
            crate::rules::Rules::bundled().unwrap().stop_words.clone();
        let name = |s: &str| name_at_start(s, &stop).map(|f| f.value);
        assert_eq!(
            name("QUILLFEATHER, ROWAN T | Member ID: X1").as_deref(),
            Some("ROWAN T QUILLFEATHER")
        );
        assert_eq!(
            name("Marsh, Elena Claim 77").as_deref(),
            Some("Elena Marsh")
        );
        // A greeting's comma is not a surname's.
        assert_eq!(name("Marsh, we reviewed your claim").as_deref(), None);
        assert_eq!(name("Marsh, Thank you for writing").as_deref(), None);
    }

    #[test]
    fn date_formats() {
        let cases = [
            ("March 3, 2025", d(2025, 3, 3)),
            ("Mar. 03 2025", d(2025, 3, 3)),
            ("3 March 2025", d(2025, 3, 3)),
            ("on 03/04/2025.", d(2025, 3, 4)),
            ("3-4-25", d(2025, 3, 4)),
            ("2025-03-04", d(2025, 3, 4)),
            ("SEPTEMBER 30TH, 2025", d(2025, 9, 30)),
            ("Sept 9, 2025", d(2025, 9, 9)),
            ("el 7 de enero de 2027", d(2027, 1, 7)),
            ("1.º de SEPTIEMBRE de 2026", d(2026, 9, 1)),
            ("30 de dic. del 2026", d(2026, 12, 30)),
            ("12 de setiembre de 2026", d(2026, 9, 12)),
        ];
        for (s, want) in cases {
            let got = find_dates(s);
            assert_eq!(got.first().map(|f| f.value), Some(want), "{s}");
        }
        assert!(find_dates("02/30/2025").is_empty(), "invalid day");
        assert!(find_dates("version 1.2.25 of").is_empty());
        assert!(find_dates("ID 123456789").is_empty());
    }

    #[test]
    fn spanish_dates_at_the_start_of_a_value() {
        for (s, want) in [
            (
                "del 9 de marzo de 2026 al 2 de abril de 2026",
                d(2026, 3, 9),
            ),
            ("desde el 15 de agosto de 2026", d(2026, 8, 15)),
            ("Martes, 4 de agosto de 2026", d(2026, 8, 4)),
            ("Tue, 04/08/2026", d(2026, 4, 8)),
        ] {
            assert_eq!(date_at_start(s).map(|f| f.value), Some(want), "{s}");
        }
        // A weekday's letters that start a word are not a weekday.
        assert_eq!(date_at_start("Sunbelt 04/08/2026"), None);
        assert_eq!(date_at_start("delivered 04/08/2026"), None);
        // "de" alone, without a month name, is no date.
        assert!(find_dates("3 de 4 de 2026").is_empty());
    }

    #[test]
    fn lower_keeps_offsets_and_folds_accented_capitals() {
        let s = "NÚMERO DE IDENTIFICACIÓN × AÑO Ü";
        let l = lower(s);
        assert_eq!(l, "número de identificación × año ü");
        assert_eq!(l.len(), s.len());
        assert_eq!(lower("plain ASCII"), "plain ascii");
    }

    #[test]
    fn date_range_reports_position() {
        let f = find_dates("DOS 01/02/2025-01/05/2025");
        assert_eq!(f.len(), 2);
        assert_eq!(
            "DOS 01/02/2025-01/05/2025".get(f[0].start..f[0].end),
            Some("01/02/2025")
        );
    }

    #[test]
    fn amounts() {
        assert_eq!(
            amount_at_start(" $1,234.56 due").map(|f| f.value),
            Some(1234.56)
        );
        assert_eq!(amount_at_start("$0").map(|f| f.value), Some(0.0));
        assert_eq!(amount_at_start("($45.00)").map(|f| f.value), Some(-45.0));
        assert_eq!(amount_at_start("1250.00").map(|f| f.value), Some(1250.0));
        assert_eq!(amount_at_start("2025"), None);
        assert_eq!(amount_at_start("03/14/2025"), None);
        let all: Vec<f64> = find_amounts("99213 $150.00 $0.00 1,020.50")
            .iter()
            .map(|f| f.value)
            .collect();
        assert_eq!(all, vec![150.0, 0.0, 1020.5]);
    }

    #[test]
    fn phones() {
        let p: Vec<String> =
            find_phones("Call (800) 555-0199 or 1-877-555-0123, TTY 711; 1-800-MEDICARE")
                .into_iter()
                .map(|f| f.value)
                .collect();
        assert_eq!(p, vec!["800-555-0199", "877-555-0123", "800-633-4227"]);
        assert!(find_phones("claim 2025031412345").is_empty());
    }

    // Regression (property tests): "1-800-" and seven long s (U+017F), which `(?i)[A-Z]`
    // matches, gave no keypad digits and the slice of the first three panicked.
    #[test]
    fn vanity_numbers_need_keypad_letters() {
        assert!(find_phones("1-800-\u{17f}\u{17f}\u{17f}\u{17f}\u{17f}\u{17f}\u{17f}").is_empty());
        assert!(find_phones("1-800-MEDICA\u{212a}").is_empty());
        assert_eq!(
            find_phones("1-800-MEDICARE")
                .first()
                .map(|f| f.value.as_str()),
            Some("800-633-4227")
        );
    }

    #[test]
    fn ocr_repairs_inside_ids() {
        assert_eq!(
            id_at_start("PHW402281 196").map(|f| f.value),
            Some("PHW402281196".into())
        );
        assert_eq!(repair_ocr_digits("2O26-0I19-004471"), "2026-0119-004471");
        // Letters that belong to an ID stay; a number followed by more words is not joined.
        assert_eq!(
            id_at_start("BOS12345 100 Main Street").map(|f| f.value),
            Some("BOS12345".into())
        );
        assert_eq!(repair_ocr_digits("LMHO0918273"), "LMH00918273");
        assert_eq!(repair_ocr_digits("PHC--7781204-01"), "PHC-7781204-01");
        // A cell wrapped after a hyphen keeps it.
        assert_eq!(
            id_at_start("MV25-1219- 00871").map(|f| f.value),
            Some("MV25-1219-00871".into())
        );
        assert_eq!(
            id_at_start("MVH-PPO- 3391027").map(|f| f.value),
            Some("MVH-PPO-3391027".into())
        );
        assert_eq!(repair_ocr_digits("BOS12"), "BOS12");
        // OCR puts a space after a hyphen inside an ID; a label may follow on the line.
        assert_eq!(
            id_at_start("E31- 0412-55820 Patient: R. Olsen").map(|f| (f.value, f.end)),
            Some(("E31-0412-55820".into(), 15))
        );
    }

    #[test]
    fn ids() {
        assert_eq!(
            id_at_start("W123456789 Group").map(|f| f.value),
            Some("W123456789".into())
        );
        assert_eq!(
            id_at_start("XZH 123456789").map(|f| f.value),
            Some("XZH123456789".into())
        );
        assert_eq!(
            id_at_start("1EG4-TE5-MK73.").map(|f| f.value),
            Some("1EG4-TE5-MK73".into())
        );
        assert_eq!(id_at_start("denied"), None);
        assert_eq!(id_at_start("03/14/2025"), None);
    }

    #[test]
    fn ids_printed_in_groups() {
        let g = |s: &str| grouped_id(s).map(|f| f.value);
        assert_eq!(g("LPD 4471 0093 21"), Some("LPD4471009321".into()));
        assert_eq!(g(" 1234 5678 90 "), Some("1234567890".into()));
        assert_eq!(g("W12 3456 7890"), Some("W1234567890".into()));
        // Not an identifier in groups: words, dates, amounts, one short group, a single token.
        assert_eq!(g("4471 2 visits"), None);
        assert_eq!(g("123456 02/14/2025"), None);
        assert_eq!(g("A778 $12.00"), None);
        assert_eq!(g("12 34"), None, "too few digits");
        assert_eq!(g("W123456789"), None);
        assert_eq!(g("Denied 1234 5678"), None);
        // A check digit at the end; the groups end where a word starts.
        assert_eq!(g("QRM 5521 0830 7"), Some("QRM552108307".into()));
        assert_eq!(g("9M27 4410 6158 3"), Some("9M27441061583".into()));
        let f = grouped_id("052 618 4407 Date of birth 01/02/1990").unwrap();
        assert_eq!((f.value.as_str(), f.end), ("0526184407", 12));
        assert_eq!(g("1234 5678 100.00"), None, "runs into an amount");
        assert_eq!(g("1234 5 6"), None);
        // Digit runs joined by hyphens are one group; a date is never a group.
        assert_eq!(g("AU 3107-552904"), Some("AU3107-552904".into()));
        assert_eq!(g("AB 1234 2026-04-02"), None, "the date is not part of it");
        assert_eq!(g("AU 3107-55290434"), None, "a run longer than a group");
        // Regression: a quote mark OCR read from a speck before the value hid its groups.
        let f = grouped_id("  \"QRM 5521 0830 7").unwrap();
        assert_eq!((f.value.as_str(), f.start, f.end), ("QRM552108307", 3, 18));
    }

    // Regression: OCR read a fax's "March" as "Match" and the letter had no date.
    #[test]
    fn a_month_misread_by_one_letter_is_read() {
        let d = |s: &str| find_dates(s).first().map(|f| f.value.to_string());
        assert_eq!(d("Match 5, 2026").as_deref(), Some("2026-03-05"));
        assert_eq!(d("Octaber 14, 2025").as_deref(), Some("2025-10-14"));
        // Not a month: two letters off, a word in a sentence without the comma, no year.
        assert_eq!(d("Batch 5, 2026"), None);
        assert_eq!(d("Match 5 2026"), None);
        assert_eq!(d("Match 5, 20"), None);
    }

    #[test]
    fn dates_after_a_weekday() {
        let d = |s: &str| date_at_start(s).map(|f| f.value.to_string());
        assert_eq!(
            d("Thu 02/19/2026 9:05 AM ET").as_deref(),
            Some("2026-02-19")
        );
        assert_eq!(
            d("Fri, 6 Mar 2026 08:11:52 +0000").as_deref(),
            Some("2026-03-06")
        );
        assert_eq!(d("Wednesday, March 4, 2026").as_deref(), Some("2026-03-04"));
        assert_eq!(d("Tuesday night, then 03/04/2026"), None);
    }

    #[test]
    fn names() {
        let stop = ["member".to_string(), "claim".to_string()]
            .into_iter()
            .collect();
        assert_eq!(
            name_at_start("Jane Q. Doe Member ID", &stop).map(|f| f.value),
            Some("Jane Q. Doe".into())
        );
        assert_eq!(
            name_at_start("MARIA L. GONZALEZ-RUIZ", &stop).map(|f| f.value),
            Some("MARIA L. GONZALEZ-RUIZ".into())
        );
        assert_eq!(name_at_start("Valued Member,", &stop), None);
        assert_eq!(
            name_at_start("Robert Chen, 1 Elm St", &stop).map(|f| f.value),
            Some("Robert Chen".into())
        );
    }
}
