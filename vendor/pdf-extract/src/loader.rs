//! overturn patch: a direct reader for whole PDF files with a plain cross-reference table.
//!
//! `lopdf::Document::load_mem` parses every object with nom parsers that try each kind of
//! object at every position; on Chromium-printed letters (hundreds of small objects: Type 3
//! glyph procedures, fonts, widths) that was about a third of the time spent reading a
//! document. This reads the same grammar in one pass and builds the same `Document`
//! (objects, trailer, cross-reference table, version), for the files it fully understands:
//! one classic `xref` table and trailer, no `/Prev`, `/XRefStm` or `/Encrypt`, no object
//! streams, every listed object well formed, every stream's `/Length` a number or a
//! reference to one that fits. Anything else, or anything it cannot read exactly as lopdf
//! would, hands the file to lopdf (`None` from [`load`]), so odd files get lopdf's own
//! repairs and errors. overturn's tests compare both on every fixture PDF.

use std::collections::BTreeMap;
use std::convert::TryFrom;

use lopdf::xref::{Xref, XrefEntry, XrefType};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};

/// lopdf's limits (`reader::MAX_NESTING_DEPTH`, `reader::MAX_BRACKET`); deeper is lopdf's.
const MAX_DEPTH: usize = 100;
const MAX_BRACKET: usize = 100;

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0c')
}

fn is_delim(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delim(b)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Dictionary keys whose objects text extraction never reads: the tagged-PDF structure tree
/// (Chromium and word processors write one object per paragraph and span, often two thirds
/// of a letter's objects), Type 3 glyph drawings, TrueType font programs (the text layer
/// reads a TrueType font's widths, encoding and ToUnicode map, never its glyphs), XMP
/// metadata, thumbnails, outlines and application data.
pub const NOT_FOR_TEXT: &[&[u8]] = &[
    b"StructTreeRoot",
    b"CharProcs",
    b"FontFile2",
    b"Metadata",
    b"Thumb",
    b"Outlines",
    b"PieceInfo",
];

/// Reads a whole file as lopdf would, or `None` to leave it to lopdf.
pub fn load(buf: &[u8]) -> Option<Document> {
    load_with(buf, None)
}

/// As [`load`], but parses only the objects reachable from the trailer without passing
/// through a key of `skip`: the others stay unread (absent from `objects`, still in the
/// cross-reference table). The objects it reads are read exactly as [`load`] reads them; an
/// object it does not reach is not read, so damage there no longer sends the file to lopdf.
pub fn load_reachable(buf: &[u8], skip: &[&[u8]]) -> Option<Document> {
    load_with(buf, Some(skip))
}

fn load_with(buf: &[u8], skip: Option<&[&[u8]]>) -> Option<Document> {
    if !buf.starts_with(b"%PDF-") {
        return None; // lopdf skips leading junk: its case
    }
    let mut doc = Document::new();
    doc.version = header(buf)?;
    if let Some(pos) = buf.iter().position(|&b| b == b'\n') {
        if let Some(mark) = binary_mark(&buf[pos + 1..]) {
            if mark.iter().all(|&b| b >= 128) {
                doc.binary_mark = mark;
            }
        }
    }
    let xref_start = xref_start(buf)?;
    if xref_start > buf.len() {
        return None;
    }
    doc.xref_start = xref_start;
    let mut p = Parser { s: buf, i: xref_start };
    let mut xref = p.xref_table()?;
    let trailer = p.trailer()?;
    if trailer.has(b"Prev") || trailer.has(b"XRefStm") || trailer.has(b"Encrypt") {
        return None;
    }
    xref.size = trailer.get(b"Size").ok()?.as_i64().ok()? as u32;
    xref.size = xref.max_id().checked_add(1)?;
    doc.max_id = xref.size - 1;
    doc.trailer = trailer;

    let mut objects = BTreeMap::new();
    if xref.entries.values().any(|e| !matches!(e, XrefEntry::Normal { .. })) {
        return None;
    }
    let read = |offset: u32| -> Option<(ObjectId, Object)> {
        let (id, object) = indirect_object(buf, offset as usize, None, &xref, 0)?;
        if let Object::Stream(ref s) = object {
            if s.dict.has_type(b"ObjStm") || s.content.is_empty() {
                return None;
            }
        }
        Some((id, object))
    };
    match skip {
        None => {
            for entry in xref.entries.values() {
                if let XrefEntry::Normal { offset, .. } = *entry {
                    let (id, object) = read(offset)?;
                    objects.insert(id, object);
                }
            }
        }
        Some(skip) => {
            let mut todo = Vec::new();
            references(&Object::Dictionary(doc.trailer.clone()), skip, &mut todo);
            let mut seen = std::collections::HashSet::new();
            while let Some(id) = todo.pop() {
                if !seen.insert(id) {
                    continue;
                }
                let Some(&XrefEntry::Normal { offset, generation }) = xref.get(id.0) else {
                    continue; // a dangling reference: lopdf has no such object either
                };
                if generation != id.1 {
                    continue;
                }
                let (read_id, object) = read(offset)?;
                if read_id != id {
                    return None; // the table and the object disagree: lopdf's case
                }
                references(&object, skip, &mut todo);
                objects.insert(id, object);
            }
        }
    }
    doc.objects = objects;
    doc.reference_table = xref;
    Some(doc)
}

/// The references `o` holds, at any depth, except under a dictionary key of `skip`.
fn references(o: &Object, skip: &[&[u8]], out: &mut Vec<ObjectId>) {
    let dict = |d: &Dictionary, out: &mut Vec<ObjectId>| {
        for (k, v) in d.iter() {
            if !skip.contains(&k.as_slice()) {
                references(v, skip, out);
            }
        }
    };
    match o {
        Object::Reference(id) => out.push(*id),
        Object::Array(a) => a.iter().for_each(|v| references(v, skip, out)),
        Object::Dictionary(d) => dict(d, out),
        Object::Stream(s) => dict(&s.dict, out),
        _ => {}
    }
}

/// `%PDF-1.7` then anything up to the end of the line, then comment lines.
fn header(buf: &[u8]) -> Option<String> {
    let rest = &buf[5..];
    let n = rest.iter().take_while(|&&c| c.is_ascii_digit() || c == b'.').count();
    let version = std::str::from_utf8(&rest[..n]).ok()?.to_string();
    // the line must end (lopdf reads an end of line after it)
    rest.iter().position(|&c| c == b'\r' || c == b'\n')?;
    Some(version)
}

/// The second line, `%` and the bytes up to its end (lopdf keeps it when all are >= 128).
fn binary_mark(buf: &[u8]) -> Option<Vec<u8>> {
    let rest = buf.strip_prefix(b"%")?;
    let n = rest.iter().position(|&c| c == b'\r' || c == b'\n')?;
    Some(rest[..n].to_vec())
}

/// The offset after `startxref` near the end, as lopdf finds it.
fn xref_start(buf: &[u8]) -> Option<usize> {
    let seek = buf.len() - buf.len().min(512);
    let eof = rfind(buf, b"%%EOF", seek)?;
    if eof <= 25 {
        return None;
    }
    let at = rfind(&buf[..eof], b"startxref", eof - 25)?;
    // `startxref`, a number between spaces on the next line, then `%%EOF`
    let mut p = Parser { s: buf, i: at + b"startxref".len() };
    p.tag(b" ");
    if !p.eol() {
        return None;
    }
    while p.tag(b" ") {}
    let start = p.i;
    if matches!(p.peek(), Some(b'+' | b'-')) {
        p.i += 1;
    }
    if p.digits().is_empty() {
        return None;
    }
    let n: i64 = std::str::from_utf8(&buf[start..p.i]).ok()?.parse().ok()?;
    while p.tag(b" ") {}
    if !p.eol() || !p.tag(b"%%EOF") {
        return None;
    }
    usize::try_from(n).ok()
}

fn rfind(buf: &[u8], pat: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?.windows(pat.len()).rposition(|w| w == pat).map(|p| from + p)
}

/// Parses `N G obj ... endobj` at `offset`; `expected` is checked like lopdf does for the
/// objects a stream length points to.
fn indirect_object(
    buf: &[u8], offset: usize, expected: Option<ObjectId>, xref: &Xref, hops: usize,
) -> Option<(ObjectId, Object)> {
    let mut p = Parser { s: buf, i: offset };
    if offset > buf.len() {
        return None;
    }
    p.space()?;
    let id = p.object_id()?;
    if !p.tag(b"obj") {
        return None;
    }
    p.space()?;
    if expected.is_some_and(|e| e != id) {
        return None;
    }
    let object = p.object(xref, hops)?;
    Some((id, object))
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn tag(&mut self, t: &[u8]) -> bool {
        if self.s[self.i.min(self.s.len())..].starts_with(t) {
            self.i += t.len();
            true
        } else {
            false
        }
    }

    /// lopdf's `eol`: `\r\n`, `\n` or `\r`.
    fn eol(&mut self) -> bool {
        self.tag(b"\r\n") || self.tag(b"\n") || self.tag(b"\r")
    }

    /// lopdf's `white_space`: white bytes, no comments.
    fn white(&mut self) {
        while self.peek().is_some_and(is_white) {
            self.i += 1;
        }
    }

    /// lopdf's `space`: white bytes and comments (a comment needs its end of line). `None`
    /// where the two parsers might part ways (a comment running into the end of the file).
    fn space(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b) if is_white(b) => self.i += 1,
                Some(b'%') => {
                    while self.peek().is_some_and(|b| b != b'\r' && b != b'\n') {
                        self.i += 1;
                    }
                    if !self.eol() {
                        return None;
                    }
                }
                _ => return Some(()),
            }
        }
    }

    fn digits(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    fn object_id(&mut self) -> Option<ObjectId> {
        let n: u32 = std::str::from_utf8(self.digits()).ok()?.parse().ok()?;
        self.space()?;
        let g: u16 = std::str::from_utf8(self.digits()).ok()?.parse().ok()?;
        self.space()?;
        Some((n, g))
    }

    /// `xref`, then sections of entries; stops where lopdf's `many0` would.
    fn xref_table(&mut self) -> Option<Xref> {
        if !self.tag(b"xref") {
            return None;
        }
        self.tag(b" ");
        if !self.eol() {
            return None;
        }
        let mut xref = Xref::new(0, XrefType::CrossReferenceTable);
        let mut sections = 0;
        loop {
            let save = self.i;
            let Some(start) = self.uint::<usize>() else {
                self.i = save;
                break;
            };
            if !self.tag(b" ") || self.uint::<u32>().is_none() {
                self.i = save;
                break;
            }
            self.tag(b" ");
            if !self.eol() {
                self.i = save;
                break;
            }
            sections += 1;
            let mut index = 0;
            loop {
                let e = self.i;
                let entry = (|| {
                    let offset = self.uint::<u32>()?;
                    self.tag(b" ").then_some(())?;
                    let generation = self.uint::<u32>()?;
                    self.tag(b" ").then_some(())?;
                    let kind = self.peek()?;
                    if kind != b'n' && kind != b'f' {
                        return None;
                    }
                    self.i += 1;
                    (self.tag(b" \r") || self.tag(b" \n") || self.tag(b"\r\n")).then_some(())?;
                    Some((offset, generation, kind == b'n'))
                })();
                let Some((offset, generation, normal)) = entry else {
                    self.i = e;
                    break;
                };
                if normal {
                    if let Ok(generation) = u16::try_from(generation) {
                        xref.insert((start + index) as u32, XrefEntry::Normal { offset, generation });
                    }
                }
                index += 1;
            }
        }
        if sections == 0 {
            return None;
        }
        self.space()?;
        Some(xref)
    }

    fn uint<T: std::str::FromStr>(&mut self) -> Option<T> {
        let d = self.digits();
        if d.is_empty() {
            return None;
        }
        std::str::from_utf8(d).ok()?.parse().ok()
    }

    fn trailer(&mut self) -> Option<Dictionary> {
        if !self.tag(b"trailer") {
            return None;
        }
        self.space()?;
        self.dictionary(MAX_DEPTH)
    }

    /// lopdf's `object`: a stream or a direct object, then space (`endobj` is not checked).
    fn object(&mut self, xref: &Xref, hops: usize) -> Option<Object> {
        let start = self.i;
        if self.s[start..].starts_with(b"<<") {
            let dict = self.dictionary(MAX_DEPTH)?;
            let after = self.i;
            self.space()?;
            if self.tag(b"stream") {
                while matches!(self.peek(), Some(b' ' | b'\t')) {
                    self.i += 1;
                }
                if !self.eol() {
                    return None;
                }
                let length = match dict.get(b"Length").ok()? {
                    Object::Integer(n) => *n,
                    Object::Reference(id) => {
                        // lopdf follows one reference and checks for cycles: one hop is
                        // enough for real files, the rest is lopdf's.
                        if hops > 0 {
                            return None;
                        }
                        let Some(XrefEntry::Normal { offset, generation }) = xref.get(id.0) else {
                            return None;
                        };
                        if *generation != id.1 {
                            return None;
                        }
                        match indirect_object(self.s, *offset as usize, Some(*id), xref, hops + 1)? {
                            (_, Object::Integer(n)) => n,
                            _ => return None,
                        }
                    }
                    _ => return None,
                };
                let length = usize::try_from(length).ok()?;
                let data = self.s.get(self.i..self.i.checked_add(length)?)?;
                self.i += length;
                self.eol();
                if !self.tag(b"endstream") {
                    return None; // lopdf would read the dictionary alone: its case
                }
                return Some(Object::Stream(Stream::new(dict, data.to_vec())));
            }
            self.i = after;
            self.space()?;
            return Some(Object::Dictionary(dict));
        }
        let o = self.direct(MAX_DEPTH)?;
        self.space()?;
        Some(o)
    }

    /// lopdf's `_direct_objects`, in its order of attempts.
    fn direct(&mut self, depth: usize) -> Option<Object> {
        let b = self.peek()?;
        match b {
            b'n' => self.tag(b"null").then_some(Object::Null),
            b't' => self.tag(b"true").then_some(Object::Boolean(true)),
            b'f' => self.tag(b"false").then_some(Object::Boolean(false)),
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number_or_reference(),
            b'/' => self.name().map(Object::Name),
            b'(' => self.literal_string().map(|s| Object::String(s, StringFormat::Literal)),
            b'<' => {
                if self.s[self.i..].starts_with(b"<<") {
                    self.dictionary(depth).map(Object::Dictionary)
                } else {
                    self.hex_string()
                }
            }
            b'[' => self.array(depth).map(Object::Array),
            _ => None,
        }
    }

    /// A reference (`12 0 R`), a real or an integer, as lopdf tries them.
    fn number_or_reference(&mut self) -> Option<Object> {
        let start = self.i;
        if self.peek().is_some_and(|b| b.is_ascii_digit()) {
            // reference: unsigned_int space unsigned_int space `R`
            let r = (|| {
                let n: u32 = std::str::from_utf8(self.digits()).ok()?.parse().ok()?;
                self.space()?;
                let d = self.digits();
                if d.is_empty() {
                    return None;
                }
                let g: u16 = std::str::from_utf8(d).ok()?.parse().ok()?;
                self.space()?;
                self.tag(b"R").then_some(Object::Reference((n, g)))
            })();
            if r.is_some() {
                return r;
            }
            self.i = start;
        }
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.i += 1;
        }
        let int_digits = self.digits().len();
        if self.peek() == Some(b'.') {
            self.i += 1;
            let frac_digits = self.digits().len();
            if int_digits + frac_digits == 0 {
                return None;
            }
            let t = std::str::from_utf8(&self.s[start..self.i]).ok()?;
            return t.parse::<f32>().ok().map(Object::Real);
        }
        if int_digits == 0 {
            return None;
        }
        let t = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        t.parse::<i64>().ok().map(Object::Integer)
    }

    fn name(&mut self) -> Option<Vec<u8>> {
        self.i += 1; // '/'
        let start = self.i;
        while self.peek().is_some_and(|b| is_regular(b) && b != b'#') {
            self.i += 1;
        }
        if self.peek() != Some(b'#') {
            return Some(self.s[start..self.i].to_vec());
        }
        let mut out = self.s[start..self.i].to_vec();
        loop {
            match self.peek() {
                Some(b'#') => {
                    let h = hex(*self.s.get(self.i + 1)?)?;
                    let l = hex(*self.s.get(self.i + 2)?)?;
                    out.push(h << 4 | l);
                    self.i += 3;
                }
                Some(b) if is_regular(b) => {
                    out.push(b);
                    self.i += 1;
                }
                _ => return Some(out),
            }
        }
    }

    fn literal_string(&mut self) -> Option<Vec<u8>> {
        self.i += 1; // '('
        let mut out = Vec::new();
        let mut depth = 0usize;
        loop {
            let b = self.peek()?;
            match b {
                b'(' => {
                    depth += 1;
                    if depth >= MAX_BRACKET {
                        return None;
                    }
                    out.push(b);
                    self.i += 1;
                }
                b')' => {
                    self.i += 1;
                    if depth == 0 {
                        return Some(out);
                    }
                    depth -= 1;
                    out.push(b);
                }
                b'\\' => {
                    self.i += 1;
                    let c = self.peek()?;
                    match c {
                        b'0'..=b'7' => {
                            let mut v: u16 = 0;
                            let mut n = 0;
                            while n < 3 && self.peek().is_some_and(|d| (b'0'..=b'7').contains(&d)) {
                                v = v * 8 + (self.s[self.i] - b'0') as u16;
                                self.i += 1;
                                n += 1;
                            }
                            out.push(v as u8);
                        }
                        b'\r' | b'\n' => {
                            self.eol();
                        }
                        b'n' => { out.push(b'\n'); self.i += 1; }
                        b'r' => { out.push(b'\r'); self.i += 1; }
                        b't' => { out.push(b'\t'); self.i += 1; }
                        b'b' => { out.push(b'\x08'); self.i += 1; }
                        b'f' => { out.push(b'\x0c'); self.i += 1; }
                        _ => { out.push(c); self.i += 1; }
                    }
                }
                _ => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
    }

    fn hex_string(&mut self) -> Option<Object> {
        self.i += 1; // '<'
        let mut out = Vec::new();
        let mut half = false;
        loop {
            self.white();
            let b = self.peek()?;
            if b == b'>' {
                self.i += 1;
                return Some(Object::String(out, StringFormat::Hexadecimal));
            }
            let v = hex(b)?;
            self.i += 1;
            if half {
                *out.last_mut()? |= v;
            } else {
                out.push(v << 4);
            }
            half = !half;
        }
    }

    fn array(&mut self, depth: usize) -> Option<Vec<Object>> {
        self.i += 1; // '['
        self.space()?;
        let mut out = Vec::new();
        loop {
            if self.peek()? == b']' {
                self.i += 1;
                return Some(out);
            }
            if depth <= 1 {
                return None;
            }
            out.push(self.direct(depth - 1)?);
            self.space()?;
        }
    }

    fn dictionary(&mut self, depth: usize) -> Option<Dictionary> {
        if !self.tag(b"<<") {
            return None;
        }
        self.space()?;
        let mut dict = Dictionary::new();
        loop {
            match self.peek()? {
                b'>' => {
                    return self.tag(b">>").then_some(dict);
                }
                b'/' => {
                    let key = self.name()?;
                    self.space()?;
                    if depth <= 1 {
                        return None;
                    }
                    let value = self.direct(depth - 1)?;
                    self.space()?;
                    dict.set(key, value);
                }
                _ => return None,
            }
        }
    }
}
