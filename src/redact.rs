//! Redaction, after the report stage: a [`Report`] (and the document's text lines, for
//! `overturn text`) in, the same with personal values replaced by stable placeholders out,
//! so a result can be shared without protected health information. One entry point,
//! [`redact`].
//!
//! How: the personal values the report extracted (member and person names, member, group,
//! claim and reference numbers) and those found by their labels in the text ("Dear ...",
//! "Patient: ...", "Account #") get placeholders (`[NAME_1]`, `[MEMBER_ID_1]`; the same
//! value always the same one within a document). Then every string of the report, evidence
//! lines included, and every text line is scrubbed of every printed form of those values
//! (identifiers with or without their separators, names in any order and in capitals), and
//! of phone numbers, e-mail addresses, street addresses and dates of birth found by pattern.
//! Kept: categories, amounts, codes, dates of service, the letter date, deadlines, the payer's
//! name and phone number (the plan's, not the member's).
// Byte-index slicing of text panics off a character boundary: each slice here is proven
// on one (an `allow` with the reason) or made with `get`.
#![deny(clippy::string_slice)]

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::report::Report;
use crate::rules::constant as re;
use crate::values;

/// Replaces the personal values of `report`, and of `lines` (the document's text as it
/// will be printed), with placeholders, the same placeholder for the same value in both.
pub fn redact(report: &mut Report, lines: &mut [String]) {
    let mut r = Redactor::new(report);
    let member = report.member.name.as_deref().and_then(|n| r.name(n));
    let persons: Vec<Option<String>> = std::iter::once(&report.claim.provider)
        .chain(report.claims.iter().map(|c| &c.provider))
        .map(|p| {
            p.as_deref()
                .filter(|p| crate::fhir::is_person(p))
                .and_then(|p| r.name(p))
        })
        .collect();
    let Ok(mut tree) = serde_json::to_value(&*report) else {
        return;
    };
    // Discover labelled names and numbers in everything that will be printed, then scrub.
    let mut corpus = Vec::new();
    strings(&tree, "", &mut |_, s| corpus.push(s.to_string()));
    corpus.extend(lines.iter().cloned());
    for s in &corpus {
        r.discover(s);
    }
    for pair in lines.windows(2) {
        r.discover_birth_date_below(&pair[0], &pair[1]);
    }
    scrub_tree(&mut tree, "", &mut r);
    if let Ok(redacted) = serde_json::from_value(tree) {
        *report = redacted;
    }
    // A name field is its placeholder, whatever initials and titles it held.
    if member.is_some() {
        report.member.name = member;
    }
    let providers = std::iter::once(&mut report.claim.provider)
        .chain(report.claims.iter_mut().map(|c| &mut c.provider));
    for (p, ph) in providers.zip(persons) {
        if ph.is_some() {
            *p = ph;
        }
    }
    for l in lines.iter_mut() {
        *l = r.scrub(l, true);
    }
}

/// The kinds of personal value, each with its placeholder's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Name,
    MemberId,
    GroupNumber,
    ClaimNumber,
    ReferenceNumber,
    AccountNumber,
    Phone,
    Email,
    Address,
    Dob,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Name => "NAME",
            Kind::MemberId => "MEMBER_ID",
            Kind::GroupNumber => "GROUP_NUMBER",
            Kind::ClaimNumber => "CLAIM_NUMBER",
            Kind::ReferenceNumber => "REFERENCE_NUMBER",
            Kind::AccountNumber => "ACCOUNT_NUMBER",
            Kind::Phone => "PHONE",
            Kind::Email => "EMAIL",
            Kind::Address => "ADDRESS",
            Kind::Dob => "DOB",
        }
    }
}

/// How a known value is found in a string.
#[derive(Debug, Clone)]
enum Pattern {
    /// An identifier's letters and digits, upper-cased: found with or without separators.
    Id(Vec<char>),
    /// A person's name words (two letters or more, titles left out): each found as a word
    /// that starts with a capital.
    Name(Vec<String>),
    /// The text as printed (a birth date read under its column label).
    Literal(String),
    /// Found by the patterns only (phones, e-mail, addresses, birth dates).
    None,
}

struct Entry {
    kind: Kind,
    key: String,
    placeholder: String,
    pattern: Pattern,
}

/// Name words never redacted on their own: titles, degrees, and words a misread name may
/// carry that are the letter's own vocabulary.
#[rustfmt::skip]
const NOT_NAME_WORDS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "jr", "sr", "ii", "iii", "iv", "md", "do", "np", "pa",
    "phd", "rn", "dds", "the", "and", "of", "for", "member", "patient", "name", "subscriber",
    "insured", "dear", "health", "plan", "claim", "services", "service", "medical", "center",
    "group", "care", "clinic", "associates", "hospital", "id", "number", "policy",
];

struct Redactor {
    entries: Vec<Entry>,
    counts: HashMap<Kind, usize>,
    /// The payer's phone, as `NNN-NNN-NNNN`: the plan's number, kept.
    payer_phone: Option<String>,
    /// Words of the payer's name, never redacted as name words.
    payer_words: Vec<String>,
    /// The parts of known identifiers (five characters or more, with a digit), with their
    /// identifier's placeholder.
    id_parts: Vec<(String, String)>,
}

impl Redactor {
    fn new(report: &Report) -> Redactor {
        let payer_words = report
            .payer
            .name
            .as_deref()
            .unwrap_or("")
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let mut r = Redactor {
            entries: Vec::new(),
            counts: HashMap::new(),
            payer_phone: report.payer.phone.clone(),
            payer_words,
            id_parts: Vec::new(),
        };
        if let Some(n) = &report.member.name {
            r.name(n);
        }
        let persons = std::iter::once(&report.claim.provider)
            .chain(report.claims.iter().map(|c| &c.provider))
            .flatten()
            .filter(|p| crate::fhir::is_person(p));
        for p in persons {
            r.name(p);
        }
        let ids = [
            (Kind::MemberId, &report.member.member_id),
            (Kind::GroupNumber, &report.member.group_number),
            (Kind::ClaimNumber, &report.claim.claim_number),
            (Kind::ReferenceNumber, &report.claim.reference_number),
        ];
        for (kind, v) in ids {
            if let Some(v) = v {
                r.id(kind, v);
            }
        }
        for c in &report.claims {
            if let Some(n) = &c.claim_number {
                r.id(Kind::ClaimNumber, n);
            }
        }
        r
    }

    /// The placeholder of a value, numbered in the order values are met.
    fn placeholder(&mut self, kind: Kind, key: String, pattern: Pattern) -> String {
        if let Some(e) = self.entries.iter().find(|e| e.kind == kind && e.key == key) {
            return e.placeholder.clone();
        }
        let n = self.counts.entry(kind).or_default();
        *n += 1;
        let placeholder = format!("[{}_{n}]", kind.label());
        self.entries.push(Entry {
            kind,
            key,
            placeholder: placeholder.clone(),
            pattern,
        });
        placeholder
    }

    fn id(&mut self, kind: Kind, value: &str) -> Option<String> {
        let chars: Vec<char> = value
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect();
        // Too short to find safely in running text; the field itself is still replaced.
        let pattern = if chars.len() >= 3 {
            Pattern::Id(chars.clone())
        } else {
            Pattern::None
        };
        let placeholder =
            (!chars.is_empty()).then(|| self.placeholder(kind, chars.iter().collect(), pattern))?;
        for part in value.split(|c: char| !c.is_alphanumeric()) {
            if part.len() >= 5 && part.contains(|c: char| c.is_ascii_digit()) {
                self.id_parts
                    .push((part.to_uppercase(), placeholder.clone()));
            }
        }
        Some(placeholder)
    }

    /// A code field's value, unless it is a piece of a known identifier (a claim number's
    /// tail misread as a procedure code): then the identifier's placeholder.
    fn code(&self, s: &str) -> Option<String> {
        let up = s.to_uppercase();
        self.id_parts
            .iter()
            .find(|(part, _)| *part == up)
            .map(|(_, p)| p.clone())
    }

    fn name(&mut self, value: &str) -> Option<String> {
        let words: Vec<String> = value
            .split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '-'))
            .map(|w| w.trim_matches(['\'', '-']))
            .filter(|w| w.chars().count() >= 2)
            .map(str::to_lowercase)
            .filter(|w| !NOT_NAME_WORDS.contains(&w.as_str()) && !self.payer_words.contains(w))
            .collect();
        // The parts of a hyphenated name are found on their own too.
        let parts: Vec<String> = words
            .iter()
            .filter(|w| w.contains('-'))
            .flat_map(|w| w.split('-'))
            .filter(|p| p.chars().count() >= 2 && !NOT_NAME_WORDS.contains(p))
            .map(str::to_string)
            .collect();
        let mut words = words;
        words.extend(parts);
        if words.is_empty() {
            return None;
        }
        // The same person whatever the order or the middle names: first and last word.
        let mut key = [words[0].clone(), words[words.len() - 1].clone()];
        key.sort();
        let key = key.join(" ");
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.kind == Kind::Name && e.key == key)
        {
            if let Pattern::Name(known) = &mut e.pattern {
                for w in &words {
                    if !known.contains(w) {
                        known.push(w.clone());
                    }
                }
            }
            return Some(e.placeholder.clone());
        }
        Some(self.placeholder(Kind::Name, key, Pattern::Name(words)))
    }

    /// Whether `value` holds a name already known (a label's name may run on into the next
    /// label: "Insured: Carlos M. Esperanza Policy number").
    fn knows_name(&self, value: &str) -> bool {
        let words: Vec<String> = value
            .split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '-'))
            .map(str::to_lowercase)
            .collect();
        self.entries
            .iter()
            .any(|e| e.kind == Kind::Name && e.key.split(' ').all(|k| words.iter().any(|w| w == k)))
    }

    /// Names and numbers a line gives by their labels.
    #[allow(clippy::string_slice)] // Char boundaries: `m` is a match in `s` itself.
    fn discover(&mut self, s: &str) {
        for c in NAME_LABEL.captures_iter(s) {
            let Some(m) = c.get(0) else { continue };
            if let Some(f) = values::name_at_start(&s[m.end()..], &Default::default())
                && !self.knows_name(&f.value)
            {
                self.name(&f.value);
            }
        }
        // A person with a clinical degree after the name ("Maria Gomez, MD").
        for c in DEGREE_NAME.captures_iter(s) {
            if let Some(m) = c.get(1) {
                self.name(m.as_str());
            }
        }
        for (label, kind) in [
            (&*ACCOUNT_LABEL, Kind::AccountNumber),
            (&*REFERENCE_LABEL, Kind::ReferenceNumber),
        ] {
            for m in label.find_iter(s) {
                if let Some(f) = values::id_at_start(&s[m.end()..]) {
                    self.id(kind, &f.value);
                }
            }
        }
    }

    /// A birth date printed under its column label: a header line naming date columns, one
    /// of them the date of birth, over a line with as many dates ("Member Name  Member ID
    /// Date of Birth" over "... 05/17/1988").
    #[allow(clippy::string_slice)] // Char boundaries: `d` is found in `below` itself.
    fn discover_birth_date_below(&mut self, header: &str, below: &str) {
        let labels: Vec<bool> = DATE_LABEL
            .find_iter(header)
            .map(|m| DOB_LABEL.is_match(m.as_str()))
            .collect();
        if !labels.contains(&true) || !values::find_dates(header).is_empty() {
            return;
        }
        let dates = values::find_dates(below);
        if dates.len() != labels.len() {
            return;
        }
        for (d, dob) in dates.iter().zip(labels) {
            if dob {
                let printed = below[d.start..d.end].trim().to_string();
                self.placeholder(Kind::Dob, d.value.to_string(), Pattern::Literal(printed));
            }
        }
    }

    /// `s` with every personal value replaced; `patterns` adds phones, e-mail, addresses and
    /// birth dates found by pattern.
    #[allow(clippy::string_slice)] // Char boundaries: spans are regex matches, phone numbers, identifiers and words found in `s` (char boundaries), sorted and never overlapping when cut.
    fn scrub(&mut self, s: &str, patterns: bool) -> String {
        let mut spans: Vec<(usize, usize, String)> = Vec::new();
        if patterns {
            for m in EMAIL.find_iter(s) {
                let p = self.placeholder(Kind::Email, m.as_str().to_lowercase(), Pattern::None);
                spans.push((m.start(), m.end(), p));
            }
            for c in DOB_LABEL.captures_iter(s) {
                let Some(m) = c.get(0) else { continue };
                if let Some(d) = values::date_at_start(&s[m.end()..]) {
                    let p = self.placeholder(Kind::Dob, d.value.to_string(), Pattern::None);
                    spans.push((m.end() + d.start, m.end() + d.end, p));
                }
            }
            for f in values::find_phones(s) {
                if self.payer_phone.as_deref() == Some(f.value.as_str()) {
                    continue;
                }
                let (start, end) = phone_span(s, f.start, f.end);
                let p = self.placeholder(Kind::Phone, f.value, Pattern::None);
                spans.push((start, end, p));
            }
            // Opening hours ("8 am to 6 pm CT") have the shape of a street address.
            let hours = |m: &str| {
                m.split(|c: char| !c.is_alphanumeric() && c != '.')
                    .any(|w| matches!(w.to_lowercase().as_str(), "am" | "pm" | "a.m." | "p.m."))
            };
            for m in ADDRESS.find_iter(s).filter(|m| !hours(m.as_str())) {
                let key = m.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
                let p = self.placeholder(Kind::Address, key.to_lowercase(), Pattern::None);
                spans.push((m.start(), m.end(), p));
            }
        }
        for e in &self.entries {
            match &e.pattern {
                Pattern::Id(chars) => {
                    for (a, b) in find_id(s, chars).into_iter().chain(split_id(s, chars)) {
                        spans.push((a, b, e.placeholder.clone()));
                    }
                }
                Pattern::Name(words) => {
                    for (a, b) in find_words(s, words) {
                        spans.push((a, b, e.placeholder.clone()));
                    }
                }
                Pattern::Literal(text) => {
                    for (a, _) in s.match_indices(text.as_str()) {
                        let b = a + text.len();
                        let free = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
                        if free(s[..a].chars().next_back()) && free(s[b..].chars().next()) {
                            spans.push((a, b, e.placeholder.clone()));
                        }
                    }
                }
                Pattern::None => {}
            }
        }
        if spans.is_empty() {
            return s.to_string();
        }
        // Earliest first, the longer of two at the same place; overlaps dropped.
        spans.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for (a, b, p) in spans {
            if a < at {
                continue;
            }
            out.push_str(&s[at..a]);
            out.push_str(&p);
            at = b;
        }
        out.push_str(&s[at..]);
        merge_names(&out)
    }
}

static NAME_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:\b(?i:dear|attn\.?|attention:?)\s+|\bDr\.?\s+|\b(?i:(?:patient|member|subscriber|insured|beneficiary|enrollee|recipient|guarantor|policy ?holder)(?:'s)?\s+name)\s*:?\s*|\b(?i:patient|member|subscriber|insured|beneficiary|enrollee|recipient|guarantor|policy ?holder|to)\s*:\s*)",
    )
});

static DEGREE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b([A-Z][a-z'-]+(?:\s+[A-Z]\.?)?\s+[A-Z][A-Za-z'-]+),?\s+(?:MD|M\.D\.|DO|D\.O\.|RN|NP|PA-C|PhD|DPM|DDS|FNP|APRN)\b",
    )
});

/// Labels of the payer's other numbers for the case (a letter may print several).
static REFERENCE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?i:(?:authorization|auth\.?|request|reference|ref\.?|case|appeal|tracking|confirmation)\s*(?:number|no\.?|#|id))\s*[:#]?\s*",
    )
});

static ACCOUNT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?i:(?:patient\s+)?account\s*(?:number|no\.?|#)|acct\.?\s*(?:no\.?|#)?|medical\s+record\s*(?:number|no\.?|#)?|mrn|(?:patient\s+)?control\s*(?:number|no\.?|#)|pcn)\s*[:#]?\s*",
    )
});

static DOB_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?i:date\s+of\s+birth|birth\s*date|d\.?o\.?b\.?)\s*[:#]?\s*"));

/// Column labels of dates: the birth date's and others, in the order printed.
static DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?i:date\s+of\s+birth|birth\s*date|d\.?o\.?b\.?|dates?(?:\s+of\s+service)?|service\s+dates?|dos)\b",
    )
});

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"));

/// A street address (number, one to four words, a street type, an apartment or suite), a
/// post-office box, or a city with its state and ZIP code.
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b\d{1,6}\s+(?:[A-Za-z0-9][A-Za-z0-9.'-]*\s+){1,4}(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|ct|circle|cir|place|pl|parkway|pkwy|highway|hwy|terrace|ter|trail|trl|square|sq)\b\.?(?:,?\s+(?i:apt|apartment|suite|ste|unit|#)\.?\s*[A-Za-z0-9-]+)?|\b(?i:p\.?\s?o\.?\s*box|post\s+office\s+box)\s+\d+|\b[A-Z][A-Za-z.'-]+(?:\s+[A-Z][A-Za-z.'-]+){0,3},?\s+(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR)\s+\d{5}(?:-\d{4})?\b",
    )
});

/// The phone number inside a phone match (which takes the character either side).
#[allow(clippy::string_slice)] // Char boundaries: `start..end` is a phone number found in `s`; trimming keeps char boundaries.
fn phone_span(s: &str, start: usize, end: usize) -> (usize, usize) {
    let m = &s[start..end];
    let lead = m.len()
        - m.trim_start_matches(|c: char| !(c.is_ascii_digit() || c == '(' || c == '+'))
            .len();
    let trail = m.len()
        - m.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
            .len();
    (start + lead, end - trail)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Where an identifier appears in `s`: its letters and digits in order, case aside, with at
/// most one separator (space, `-`, `.`, `/`) between two of them, not inside a longer word.
fn find_id(s: &str, id: &[char]) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    'start: while i < chars.len() {
        let (start, c) = chars[i];
        let boundary = i == 0 || !is_word(chars[i - 1].1);
        if !boundary || !c.to_uppercase().eq([id[0]]) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        for want in &id[1..] {
            if j < chars.len() && matches!(chars[j].1, ' ' | '-' | '.' | '/') {
                j += 1;
            }
            if j >= chars.len() || !chars[j].1.to_uppercase().eq([*want]) {
                i += 1;
                continue 'start;
            }
            j += 1;
        }
        if j < chars.len() && is_word(chars[j].1) {
            i += 1;
            continue;
        }
        let end = chars.get(j).map(|(b, _)| *b).unwrap_or(s.len());
        out.push((start, end));
        i = j;
    }
    out
}

/// The parts of an identifier wrapped over two lines: the string's last word when the
/// identifier starts with it ("Policy number: MVH-PPO-"), its first word when the identifier
/// ends with it ("3391027"), four letters or digits at least.
#[allow(clippy::string_slice)] // Char boundaries: `last_start` follows a whole whitespace character, `lead` is where `trim_start` stops, and `first_end` is where `find` puts a whitespace character.
fn split_id(s: &str, id: &[char]) -> Vec<(usize, usize)> {
    let alnum = |t: &str| -> Option<Vec<char>> {
        t.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '/'))
            .then(|| {
                t.chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_uppercase)
                    .collect()
            })
    };
    let fits = |part: &[char]| part.len() >= 4 && part.len() < id.len();
    let mut out = Vec::new();
    let body = s.trim_end();
    // After the last whitespace character, whatever its length (a no-break space is two bytes).
    let last_start = body
        .char_indices()
        .rfind(|(_, c)| c.is_whitespace())
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    if let Some(part) = alnum(&body[last_start..])
        && fits(&part)
        && id.starts_with(&part)
    {
        out.push((last_start, body.len()));
    }
    let lead = s.len() - s.trim_start().len();
    let first_end = s[lead..]
        .find(char::is_whitespace)
        .map(|i| lead + i)
        .unwrap_or(s.len());
    let first = s[lead..first_end].trim_end_matches([',', ';', ')']);
    if let Some(part) = alnum(first)
        && fits(&part)
        && id.ends_with(&part)
        && (lead, lead + first.len()) != out.first().copied().unwrap_or_default()
    {
        out.push((lead, lead + first.len()));
    }
    out
}

/// Where a name's words appear in `s` as whole words starting with a capital (as a name is
/// printed, in capitals or not), so the same word in lower case ("will", "rose") stays.
#[allow(clippy::string_slice)] // Char boundaries: `a` and `i` come from `s.char_indices()`; trimming and splitting at ASCII '-' keep char boundaries.
fn find_words(s: &str, words: &[String]) -> Vec<(usize, usize)> {
    let is_name = |w: &str| {
        w.chars().next().is_some_and(char::is_uppercase)
            && words
                .iter()
                .any(|n| n.eq_ignore_ascii_case(w) || *n == w.to_lowercase())
    };
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain([(s.len(), ' ')]) {
        let in_word = c.is_alphabetic() || c == '\'' || c == '-';
        match (start, in_word) {
            (None, true) => start = Some(i),
            (Some(a), false) => {
                let w = s[a..i].trim_matches('-');
                let a = a + s[a..i].find(w).unwrap_or(0);
                let w = w.strip_suffix("'s").unwrap_or(w);
                if is_name(w) {
                    out.push((a, a + w.len()));
                } else {
                    // A part of a hyphenated word ("Ruiz" of "Ruiz-Feld").
                    let mut at = a;
                    for part in w.split('-') {
                        if is_name(part) {
                            out.push((at, at + part.len()));
                        }
                        at += part.len() + 1;
                    }
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// "[NAME_1] A. [NAME_1]", "[NAME_1], [NAME_1] A." are one name: one placeholder.
#[allow(clippy::string_slice)] // Char boundaries: every index is where `find` puts an ASCII '[', ']' or a whole tag, or steps over whole characters (' ', an initial, '.').
fn merge_names(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("[NAME_") {
        let Some(close) = rest[i..].find(']') else {
            break;
        };
        let tag = &rest[i..i + close + 1];
        out.push_str(&rest[..i + tag.len()]);
        rest = &rest[i + tag.len()..];
        loop {
            // Separators and single initials between two copies of the same tag.
            let between = rest.find(tag).map(|j| &rest[..j]).filter(|b| {
                b.split(|c: char| c.is_whitespace() || c == ',' || c == '.')
                    .all(|w| {
                        w.is_empty()
                            || (w.chars().count() == 1 && w.chars().all(char::is_uppercase))
                    })
            });
            match between {
                Some(b) => rest = &rest[b.len() + tag.len()..],
                None => break,
            }
        }
        // A middle initial after the name ("ROE, JANE Q.").
        let mut c = rest.chars();
        if let (Some(' '), Some(i), Some('.')) = (c.next(), c.next(), c.next())
            && i.is_uppercase()
            && !c.next().is_some_and(char::is_alphabetic)
        {
            rest = &rest[2 + i.len_utf8()..];
        }
    }
    out.push_str(rest);
    out
}

/// Calls `f` with the path and value of every string in `v`.
fn strings(v: &Value, path: &str, f: &mut dyn FnMut(&str, &str)) {
    match v {
        Value::String(s) => f(path, s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, path, f)),
        Value::Object(m) => {
            for (k, x) in m {
                strings(x, &join(path, k), f);
            }
        }
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Scrubs every string of the report but those that are never personal: the hash, the kinds,
/// the payer's name and phone. Next steps are overturn's own words (the plan's and the
/// state's public contacts): only the document's values are scrubbed from them.
fn scrub_tree(v: &mut Value, path: &str, r: &mut Redactor) {
    const KEEP: &[&str] = &[
        "schema_version",
        "source.sha256",
        "source.media_type",
        "payer.name",
        "payer.phone",
    ];
    // Codes, dates and enumerations: never personal, and a short number must not hit a code.
    const KEEP_LAST: &[&str] = &[
        "code",
        "group",
        "system",
        "procedure_code",
        "procedure_codes",
        "diagnosis_codes",
        "service_date",
        "letter_date",
        "appeal_deadline",
        "appeal_deadline_basis",
        "due",
        "status",
        "category",
        "method",
        "action",
        "document_type",
        "plan_type",
        "state",
    ];
    let last = path.rsplit('.').next().unwrap_or(path);
    match v {
        Value::String(s) if !KEEP.contains(&path) && !KEEP_LAST.contains(&last) => {
            *s = r.scrub(s, !path.starts_with("next_steps"));
        }
        Value::String(s) if last.starts_with("procedure_code") => {
            if let Some(p) = r.code(s) {
                *s = p;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| scrub_tree(x, path, r)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                scrub_tree(x, &join(path, k), r);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression (found by the string_slice lint): the last word was taken one byte after
    // the last whitespace, inside a no-break space (two bytes).
    #[test]
    fn a_wrapped_identifier_after_a_wide_space() {
        let id: Vec<char> = "MVHPPO3391027".chars().collect();
        assert_eq!(split_id("Policy:\u{a0}MVH-PPO-", &id), vec![(9, 17)]);
        assert_eq!(split_id("Policy:\u{3000}MVH-PPO-", &id), vec![(10, 18)]);
        assert_eq!(split_id("3391027, then", &id), vec![(0, 7)]);
    }

    fn report() -> Report {
        let v = serde_json::json!({
            "schema_version": "1",
            "source": { "path": "t.txt", "sha256": "ab12", "media_type": "text/plain", "pages": 1 },
            "text": { "method": "plain_text", "chars": 500 },
            "document_type": "denial_letter",
            "payer": { "name": "Example Health Plan", "plan_type": "ppo", "phone": "800-555-0100" },
            "member": { "name": "Jane Q. Roe", "member_id": "XZ100200300", "group_number": "G-7712", "state": "WA" },
            "claim": {
                "claim_number": "26A-0042-117", "reference_number": "PA 55 01 99",
                "service_date": "2026-01-19", "provider": "Dr. Sam Oduya",
                "billed_amount": 310.0, "patient_responsibility": 0.0,
                "procedure_codes": ["74177"], "diagnosis_codes": []
            },
            "denial": {
                "category": "prior_authorization", "confidence": 0.9,
                "reason_text": "Jane Roe had no authorization for claim 26A004 2117.",
                "codes": [{ "system": "CARC", "group": "CO", "code": "197", "description": null }]
            },
            "dates": { "letter_date": "2026-02-03", "appeal_deadline": "2026-08-02",
                       "appeal_deadline_basis": "stated", "appeal_window": null },
            "next_steps": [],
            "evidence": {
                "member.name": { "page": 1, "line": "ROE, JANE Q. ID XZ 100 200 300 DOB: 04/12/1961", "confidence": 0.9 },
                "payer.phone": { "page": 1, "line": "Call 800-555-0100 or your agent at (206) 555-0199, jroe@example.com", "confidence": 0.9 },
                "claim.provider": { "page": 1, "line": "Dr. Oduya, 1200 N Harbor Blvd Suite 4, Tacoma, WA 98402. Will we rose?", "confidence": 0.9 },
                "claim.billed_amount": { "page": 1, "line": "Billed $310.00 on 01/19/2026 (CO-197) Group G 7712", "confidence": 0.9 }
            },
            "warnings": []
        });
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn personal_values_become_stable_placeholders_everywhere() {
        let mut r = report();
        let mut lines = vec![
            "Dear Jane Roe, the letter from Dr. Hana Sato and Lee Park, MD was read.".to_string(),
            "Patient Account #: 88-1234-5 Patient Control No.: APT-44018".to_string(),
            "Claim 26A-0042-117 for account 88-1234-5".to_string(),
            "Original Authorization Request #: UR2025-0930-5517; Case ID: PA 55 01 99".to_string(),
        ];
        redact(&mut r, &mut lines);
        assert_eq!(r.member.name.as_deref(), Some("[NAME_1]"));
        assert_eq!(r.member.member_id.as_deref(), Some("[MEMBER_ID_1]"));
        assert_eq!(r.member.group_number.as_deref(), Some("[GROUP_NUMBER_1]"));
        assert_eq!(r.claim.claim_number.as_deref(), Some("[CLAIM_NUMBER_1]"));
        assert_eq!(
            r.claim.reference_number.as_deref(),
            Some("[REFERENCE_NUMBER_1]")
        );
        assert_eq!(r.claim.provider.as_deref(), Some("[NAME_2]"));
        assert_eq!(
            r.denial.as_ref().unwrap().reason_text.as_deref(),
            Some("[NAME_1] had no authorization for claim [CLAIM_NUMBER_1].")
        );
        let ev = |k: &str| r.evidence[k].line.clone();
        assert_eq!(ev("member.name"), "[NAME_1] ID [MEMBER_ID_1] DOB: [DOB_1]");
        assert_eq!(
            ev("payer.phone"),
            "Call 800-555-0100 or your agent at [PHONE_1], [EMAIL_1]"
        );
        assert_eq!(
            ev("claim.provider"),
            "Dr. [NAME_2], [ADDRESS_1], [ADDRESS_2]. Will we rose?"
        );
        // Amounts, dates of service and codes stay.
        assert_eq!(
            ev("claim.billed_amount"),
            "Billed $310.00 on 01/19/2026 (CO-197) Group [GROUP_NUMBER_1]"
        );
        assert_eq!(
            lines[0],
            "Dear [NAME_1], the letter from Dr. [NAME_3] and [NAME_4], MD was read."
        );
        assert_eq!(
            lines[1],
            "Patient Account #: [ACCOUNT_NUMBER_1] Patient Control No.: [ACCOUNT_NUMBER_2]"
        );
        assert_eq!(
            lines[2],
            "Claim [CLAIM_NUMBER_1] for account [ACCOUNT_NUMBER_1]"
        );
        assert_eq!(
            lines[3],
            "Original Authorization Request #: [REFERENCE_NUMBER_2]; Case ID: [REFERENCE_NUMBER_1]"
        );
        assert_eq!(r.payer.name.as_deref(), Some("Example Health Plan"));
        assert_eq!(r.claim.service_date.as_deref(), Some("2026-01-19"));
        assert_eq!(r.dates.appeal_deadline.as_deref(), Some("2026-08-02"));
        assert_eq!(r.denial.as_ref().unwrap().codes[0].code, "197");
        assert_eq!(r.claim.billed_amount, Some(310.0));
    }

    #[test]
    fn a_birth_date_under_its_column_label_is_found_and_other_dates_stay() {
        let mut r = report();
        let mut lines = vec![
            "Patient Name   Date of Service   Date of Birth".to_string(),
            "Jane Roe   01/19/2026   07/01/1990".to_string(),
            "Born 07/01/1990; seen 01/19/2026.".to_string(),
        ];
        redact(&mut r, &mut lines);
        assert_eq!(lines[1], "[NAME_1]   01/19/2026   [DOB_1]");
        assert_eq!(lines[2], "Born [DOB_1]; seen 01/19/2026.");
    }

    #[test]
    fn a_code_that_is_a_piece_of_a_claim_number_is_not_kept() {
        let mut r = report();
        r.claim.claim_number = Some("C26-0101-44821".into());
        r.claim.procedure_codes = vec!["44821".into(), "74177".into()];
        redact(&mut r, &mut []);
        assert_eq!(r.claim.procedure_codes, ["[CLAIM_NUMBER_1]", "74177"]);
    }

    #[test]
    fn identifiers_are_found_in_their_printed_forms_only() {
        let id: Vec<char> = "XZ100200".chars().collect();
        assert_eq!(find_id("id xz-100-200.", &id), vec![(3, 13)]);
        assert_eq!(find_id("XZ 100 200", &id), vec![(0, 10)]);
        assert!(find_id("AXZ100200", &id).is_empty(), "inside a longer word");
        assert!(find_id("XZ1002001", &id).is_empty());
        assert!(
            find_id("XZ  100200", &id).is_empty(),
            "one separator at most"
        );
    }

    #[test]
    fn an_identifier_wrapped_over_two_lines_is_found_in_both() {
        let id: Vec<char> = "MVHPPO3391027".chars().collect();
        let s = "Policy number: MVH-PPO-";
        assert_eq!(split_id(s, &id), vec![(15, 23)]);
        assert_eq!(split_id("3391027 Group: X", &id), vec![(0, 7)]);
        assert!(
            split_id("Policy number: MVH", &id).is_empty(),
            "too short to tell"
        );
        assert!(split_id("Plan 3391", &id).is_empty());
    }

    #[test]
    fn a_name_is_one_placeholder_whatever_its_order() {
        assert_eq!(merge_names("[NAME_1], [NAME_1] Q."), "[NAME_1]");
        assert_eq!(
            merge_names("[NAME_1] Q. [NAME_1] and [NAME_2]"),
            "[NAME_1] and [NAME_2]"
        );
        assert_eq!(
            merge_names("[NAME_1] met [NAME_1]"),
            "[NAME_1] met [NAME_1]"
        );
    }

    #[test]
    fn hyphenated_names_are_found_whole_and_in_parts() {
        let words: Vec<String> = ["mei-ling", "ruiz-feld", "mei", "ling", "ruiz", "feld"]
            .map(String::from)
            .to_vec();
        let s = "Mei-Ling Ruiz-Feld, Ms. Ruiz, Well-Being";
        let got: Vec<&str> = find_words(s, &words)
            .iter()
            .filter_map(|(a, b)| s.get(*a..*b))
            .collect();
        assert_eq!(got, ["Mei-Ling", "Ruiz-Feld", "Ruiz"]);
    }
}
