//! overturn patch: a direct reader for page content streams (operands, then an operator).
//!
//! `lopdf::content::Content::decode` is a nom parser that tries every kind of object at every
//! position; on the letters overturn reads it was over a quarter of the time spent getting a
//! text PDF's text. This reads the same syntax in one pass and gives the same operations for
//! well-formed streams (checked against lopdf in overturn's tests), and like lopdf it stops at
//! the first byte that cannot start anything (pdf-extract indexes operands without checking
//! their count, so reading on through junk would turn a partly read page into a panic).

use lopdf::content::Operation;
use lopdf::{Dictionary, Object, StringFormat};

/// Arrays and dictionaries nested deeper than this are cut (lopdf's limit is similar).
const MAX_DEPTH: usize = 64;

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delim(b)
}

/// A number as `str::parse` reads it (`i64`, or `f32` correctly rounded), without going
/// through text, or `None` when that cannot be sure: then `str::parse` decides. Chromium
/// writes every glyph's position with seven to nine digits, and parsing them was a tenth of
/// reading a page. `text` is a sign, digits, and (if `real`) a point and `frac` digits.
fn fast_number(text: &[u8], real: bool, frac: usize) -> Option<Object> {
    let negative = text.first() == Some(&b'-');
    let mut m: u64 = 0;
    let mut digits = 0;
    for &b in text {
        if b.is_ascii_digit() {
            m = m * 10 + u64::from(b - b'0');
            digits += 1;
            if digits > 18 {
                return None;
            }
        }
    }
    if !real {
        let n = m as i64;
        return Some(Object::Integer(if negative { -n } else { n }));
    }
    const P32: [f32; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
    const P64: [f64; 19] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        1e16, 1e17, 1e18,
    ];
    let v = if m <= 1 << 24 && frac < P32.len() {
        // Both exact in f32: one correctly rounded division (Clinger's fast path).
        m as f32 / P32[frac]
    } else if m < 1 << 53 {
        // Correctly rounded in f64; rounding that to f32 is right unless the f64 sits on or
        // next to a point halfway between two f32s (double rounding).
        let q = m as f64 / *P64.get(frac)?;
        if !(1e-30..=1e30).contains(&q) {
            return None;
        }
        let low = q.to_bits() & ((1 << 29) - 1);
        if low.abs_diff(1 << 28) <= 1 {
            return None;
        }
        q as f32
    } else {
        return None;
    };
    Some(Object::Real(if negative { -v } else { v }))
}

/// Operator characters, as lopdf reads them.
fn is_op(b: u8) -> bool {
    b.is_ascii_alphabetic() || matches!(b, b'*' | b'\'' | b'"')
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
    /// Set at the first byte that cannot start a token: the stream ends there.
    junk: bool,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.i += 1;
            } else if b == b'%' {
                while let Some(b) = self.peek() {
                    if b == b'\r' || b == b'\n' {
                        break;
                    }
                    self.i += 1;
                }
            } else {
                break;
            }
        }
    }

    fn word(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(is_op) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    fn number(&mut self) -> Option<Object> {
        let start = self.i;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.i += 1;
        }
        let int_start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        let int_digits = self.i - int_start;
        let mut frac_digits = 0;
        let real = self.peek() == Some(b'.');
        if real {
            self.i += 1;
            let f = self.i;
            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.i += 1;
            }
            frac_digits = self.i - f;
        }
        if int_digits + frac_digits == 0 {
            self.i = start;
            return None;
        }
        if let Some(fast) = fast_number(&self.s[start..self.i], real, frac_digits) {
            return Some(fast);
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        if real {
            text.parse::<f32>().ok().map(Object::Real)
        } else {
            match text.parse::<i64>() {
                Ok(n) => Some(Object::Integer(n)),
                Err(_) => text.parse::<f32>().ok().map(Object::Real),
            }
        }
    }

    fn name(&mut self) -> Vec<u8> {
        self.i += 1; // '/'
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if !is_regular(b) {
                break;
            }
            if b == b'#' {
                if let (Some(h), Some(l)) = (
                    self.s.get(self.i + 1).copied().and_then(hex),
                    self.s.get(self.i + 2).copied().and_then(hex),
                ) {
                    out.push(h << 4 | l);
                    self.i += 3;
                    continue;
                }
                break; // lopdf stops a name at a bad escape
            }
            out.push(b);
            self.i += 1;
        }
        out
    }

    fn literal(&mut self) -> Vec<u8> {
        self.i += 1; // '('
        let mut out = Vec::new();
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.i += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                    out.push(b);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.i += 1;
                    match e {
                        b'0'..=b'7' => {
                            let mut v = u16::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u16::from(d - b'0');
                                        self.i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8); // overflow is ignored, as the spec says
                        }
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.i += 1;
                            }
                        }
                        b'\n' => {}
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(b'\x08'),
                        b'f' => out.push(b'\x0c'),
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        out
    }

    fn hex_string(&mut self) -> Vec<u8> {
        self.i += 1; // '<'
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(b) = self.peek() {
            self.i += 1;
            if b == b'>' {
                break;
            }
            if let Some(v) = hex(b) {
                match high.take() {
                    Some(h) => out.push(h << 4 | v),
                    None => high = Some(v),
                }
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        out
    }

    /// One object (not an operator); `None` when the next bytes are not one.
    fn object(&mut self, depth: usize) -> Option<Object> {
        let b = self.peek()?;
        match b {
            b'/' => Some(Object::Name(self.name())),
            b'(' => Some(Object::String(self.literal(), StringFormat::Literal)),
            b'<' if self.s.get(self.i + 1) == Some(&b'<') => {
                self.i += 2;
                Some(Object::Dictionary(self.dictionary(depth + 1, b">>")))
            }
            b'<' => Some(Object::String(self.hex_string(), StringFormat::Hexadecimal)),
            b'[' => {
                self.i += 1;
                Some(Object::Array(self.array(depth + 1)))
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn array(&mut self, depth: usize) -> Vec<Object> {
        let mut out = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => break,
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                Some(b) if is_op(b) => match self.word() {
                    b"true" => out.push(Object::Boolean(true)),
                    b"false" => out.push(Object::Boolean(false)),
                    b"null" => out.push(Object::Null),
                    b"R" => {
                        // `n g R` inside an array is a reference.
                        if let [.., Object::Integer(n), Object::Integer(g)] = out[..] {
                            out.truncate(out.len() - 2);
                            out.push(Object::Reference((n as u32, g as u16)));
                        }
                    }
                    _ => {}
                },
                Some(_) if depth > MAX_DEPTH => {
                    self.junk = true;
                    break;
                }
                Some(_) => match self.object(depth) {
                    Some(o) => out.push(o),
                    None => {
                        self.junk = true;
                        break;
                    }
                },
            }
        }
        out
    }

    /// Key-value pairs up to `end` (`>>`, or `ID` for an inline image's parameters).
    fn dictionary(&mut self, depth: usize, end: &[u8]) -> Dictionary {
        let mut dict = Dictionary::new();
        loop {
            self.skip_space();
            if self.s[self.i..].starts_with(end) {
                self.i += end.len();
                break;
            }
            match self.peek() {
                None => break,
                Some(b'/') => {
                    let key = self.name();
                    self.skip_space();
                    let value = match self.peek() {
                        Some(b) if is_op(b) => match self.word() {
                            b"true" => Object::Boolean(true),
                            b"false" => Object::Boolean(false),
                            b"null" => Object::Null,
                            _ => continue,
                        },
                        _ if depth > MAX_DEPTH => {
                            self.junk = true;
                            break;
                        }
                        _ => match self.object(depth) {
                            Some(o) => o,
                            None => {
                                self.junk = true;
                                break;
                            }
                        },
                    };
                    dict.set(key, value);
                }
                Some(_) => {
                    self.junk = true;
                    break;
                }
            }
        }
        dict
    }

    /// Skips an inline image's data after `ID`, up to and including `EI`.
    fn skip_inline_image(&mut self, params: &Dictionary) {
        // One white-space byte follows `ID`.
        if self.peek().is_some_and(is_white) {
            self.i += 1;
        }
        if let Some(n) = inline_image_len(params) {
            self.i = (self.i + n).min(self.s.len());
        }
        // `EI` between white space (or at the end) ends the data.
        let s = self.s;
        let mut j = self.i;
        while j + 1 < s.len() {
            if s[j] == b'E'
                && s[j + 1] == b'I'
                && (j == 0 || is_white(s[j - 1]) || j == self.i)
                && s.get(j + 2).is_none_or(|b| is_white(*b))
            {
                self.i = j + 2;
                return;
            }
            j += 1;
        }
        self.i = s.len();
    }
}

/// The byte length of an unfiltered inline image, when its parameters give it.
fn inline_image_len(params: &Dictionary) -> Option<usize> {
    let get = |short: &[u8], long: &[u8]| params.get(short).or_else(|_| params.get(long)).ok();
    if get(b"F", b"Filter").is_some() {
        return None;
    }
    let num = |o: Option<&Object>| o.and_then(|o| o.as_i64().ok()).filter(|n| *n > 0);
    let w = num(get(b"W", b"Width"))? as usize;
    let h = num(get(b"H", b"Height"))? as usize;
    let mask = matches!(get(b"IM", b"ImageMask"), Some(Object::Boolean(true)));
    let bpc = if mask {
        1
    } else {
        num(get(b"BPC", b"BitsPerComponent"))? as usize
    };
    let colors = if mask {
        1
    } else {
        match get(b"CS", b"ColorSpace")?.as_name().ok()? {
            b"DeviceGray" | b"G" | b"Gray" => 1,
            b"DeviceRGB" | b"RGB" => 3,
            b"DeviceCMYK" | b"CMYK" => 4,
            _ => return None,
        }
    };
    w.checked_mul(colors * bpc)?.div_ceil(8).checked_mul(h)
}

/// One operation: its operator (borrowed from the stream) and operands.
#[derive(Debug)]
pub struct Op<'a> {
    pub operator: &'a str,
    pub operands: Vec<Object>,
}

/// The operations of a content stream, read as they are asked for: a page's operations are
/// never all held at once.
pub struct Ops<'a> {
    r: Reader<'a>,
    operands: Vec<Object>,
    /// The operands were lent out by `next_op`: cleared on the next call.
    handed_out: bool,
}

impl<'a> Ops<'a> {
    pub fn new(data: &'a [u8]) -> Ops<'a> {
        Ops {
            r: Reader {
                s: data,
                i: 0,
                junk: false,
            },
            operands: Vec::new(),
            handed_out: false,
        }
    }
}

impl<'a> Ops<'a> {
    /// The next operation, its operands borrowed until the next call: one buffer serves every
    /// operation of the stream (a Chromium page has thousands), where the iterator allocates
    /// each operation's own.
    pub fn next_op(&mut self) -> Option<OpRef<'a, '_>> {
        if self.handed_out {
            self.operands.clear();
            self.handed_out = false;
        }
        let r = &mut self.r;
        while !r.junk {
            r.skip_space();
            let b = r.peek()?;
            if is_op(b) {
                match r.word() {
                    b"true" => self.operands.push(Object::Boolean(true)),
                    b"false" => self.operands.push(Object::Boolean(false)),
                    b"null" => self.operands.push(Object::Null),
                    b"BI" => {
                        let params = r.dictionary(1, b"ID");
                        r.skip_inline_image(&params);
                        self.operands.clear();
                        return Some(OpRef {
                            operator: "BI",
                            operands: &[],
                        });
                    }
                    op => {
                        // Operator bytes are ASCII letters and `*'"`: always UTF-8.
                        let operator = std::str::from_utf8(op).unwrap_or_default();
                        self.handed_out = true;
                        return Some(OpRef {
                            operator,
                            operands: &self.operands,
                        });
                    }
                }
                continue;
            }
            match r.object(0) {
                Some(o) if !r.junk => self.operands.push(o),
                _ => r.junk = true,
            }
        }
        None
    }
}

/// One operation as [`Ops::next_op`] gives it: operands borrowed from the reader.
#[derive(Debug)]
pub struct OpRef<'a, 'b> {
    pub operator: &'a str,
    pub operands: &'b [Object],
}

impl<'a> Iterator for Ops<'a> {
    type Item = Op<'a>;

    fn next(&mut self) -> Option<Op<'a>> {
        let op = self.next_op()?;
        Some(Op {
            operator: op.operator,
            operands: op.operands.to_vec(),
        })
    }
}

/// The operations of a content stream, as lopdf's `Operation`s (for comparing with lopdf).
pub fn decode(data: &[u8]) -> Vec<Operation> {
    Ops::new(data)
        .map(|op| Operation {
            operator: op.operator.to_string(),
            operands: op.operands,
        })
        .collect()
}
