//! overturn patch: a direct reader for ToUnicode CMaps (the `bfchar` / `bfrange` sections).
//!
//! `adobe_cmap_parser::get_unicode_map` builds a parser-combinator value tree of the whole
//! stream first; it was a sixth of the time of reading a typical text PDF, and it panics on
//! destinations that are not 2 or 4 bytes long. This reads the same sections in one pass,
//! keeps going past anything it does not understand, and returns the same map: character
//! code -> UTF-16BE bytes.

/// overturn patch: foldhash instead of SipHash (seeded per process as SipHash is; a tenth of
/// the cost for the small keys fonts use: codes, glyph names).
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A range wider than this is cut: no simple or CID font has more codes, and a broken or
/// hostile CMap must not allocate billions of entries.
const MAX_RANGE: u32 = 0x1_0000;

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Hex(Vec<u8>),
    Int(i64),
    Word(&'a [u8]),
    ArrayStart,
    ArrayEnd,
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let s = self.s;
        loop {
            while self.i < s.len() && is_white(s[self.i]) {
                self.i += 1;
            }
            let b = *s.get(self.i)?;
            match b {
                b'%' => {
                    while self.i < s.len() && s[self.i] != b'\n' && s[self.i] != b'\r' {
                        self.i += 1;
                    }
                }
                b'[' => {
                    self.i += 1;
                    return Some(Token::ArrayStart);
                }
                b']' => {
                    self.i += 1;
                    return Some(Token::ArrayEnd);
                }
                b'<' if s.get(self.i + 1) == Some(&b'<') => {
                    self.i += 2;
                    return Some(Token::Word(b"<<"));
                }
                b'>' if s.get(self.i + 1) == Some(&b'>') => {
                    self.i += 2;
                    return Some(Token::Word(b">>"));
                }
                b'<' => {
                    self.i += 1;
                    let mut digits = Vec::new();
                    while self.i < s.len() && s[self.i] != b'>' {
                        if let Some(v) = hex_value(s[self.i]) {
                            digits.push(v);
                        }
                        self.i += 1;
                    }
                    self.i += 1; // the closing '>'
                    if digits.len() % 2 == 1 {
                        digits.push(0); // "as if it were followed by 0"
                    }
                    return Some(Token::Hex(
                        digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect(),
                    ));
                }
                b'(' => {
                    // Literal strings do not occur in the sections read here: skip, honouring
                    // nesting and escapes.
                    let mut depth = 0usize;
                    while self.i < s.len() {
                        match s[self.i] {
                            b'\\' => self.i += 1,
                            b'(' => depth += 1,
                            b')' => {
                                depth -= 1;
                                if depth == 0 {
                                    self.i += 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                        self.i += 1;
                    }
                }
                _ => {
                    let start = self.i;
                    self.i += 1;
                    while self.i < s.len() && !is_white(s[self.i]) && !is_delim(s[self.i]) {
                        self.i += 1;
                    }
                    let word = &s[start..self.i];
                    return Some(match std::str::from_utf8(word).ok().and_then(|w| w.parse().ok()) {
                        Some(n) => Token::Int(n),
                        None => Token::Word(word),
                    });
                }
            }
        }
    }
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes.iter().take(4).fold(0u32, |acc, b| acc << 8 | u32::from(*b))
}

/// The destination `offset` codes after `start`: a four-byte destination counts as one
/// number (a surrogate pair), any other has its last two bytes incremented.
fn offset_destination(start: &[u8], offset: u32) -> Vec<u8> {
    if start.len() == 4 {
        return code_of(start).wrapping_add(offset).to_be_bytes().to_vec();
    }
    let mut out = start.to_vec();
    let n = out.len();
    if n >= 2 {
        let last = u16::from_be_bytes([out[n - 2], out[n - 1]]).wrapping_add(offset as u16);
        out[n - 2..].copy_from_slice(&last.to_be_bytes());
    } else if n == 1 {
        // One byte is not UTF-16; widen it to a code unit.
        out = (u16::from(out[0]).wrapping_add(offset as u16)).to_be_bytes().to_vec();
    }
    out
}

/// Character code -> UTF-16BE bytes, from the `bfchar` and `bfrange` sections of a
/// ToUnicode CMap. Entries it cannot read are skipped.
pub fn unicode_map(input: &[u8]) -> HashMap<u32, Vec<u8>> {
    let mut map = HashMap::default();
    let mut lexer = Lexer { s: input, i: 0 }.peekable();
    while let Some(t) = lexer.next() {
        match t {
            Token::Word(b"beginbfchar") => loop {
                match lexer.next() {
                    Some(Token::Hex(code)) => {
                        if let Some(Token::Hex(dst)) = lexer.next() {
                            map.insert(code_of(&code), dst);
                        }
                    }
                    Some(Token::Word(b"endbfchar")) | None => break,
                    Some(_) => {}
                }
            },
            Token::Word(b"beginbfrange") => loop {
                match lexer.next() {
                    Some(Token::Hex(lo)) => {
                        let Some(Token::Hex(hi)) = lexer.next() else { continue };
                        let (lo, hi) = (code_of(&lo), code_of(&hi));
                        if hi < lo {
                            continue;
                        }
                        let hi = hi.min(lo.saturating_add(MAX_RANGE - 1));
                        match lexer.next() {
                            Some(Token::Hex(start)) => {
                                for c in lo..=hi {
                                    map.insert(c, offset_destination(&start, c - lo));
                                }
                            }
                            Some(Token::ArrayStart) => {
                                let mut c = lo;
                                while let Some(t) = lexer.next() {
                                    match t {
                                        Token::Hex(dst) => {
                                            if c <= hi {
                                                map.insert(c, dst);
                                            }
                                            c = c.saturating_add(1);
                                        }
                                        Token::ArrayEnd => break,
                                        _ => {}
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    Some(Token::Word(b"endbfrange")) | None => break,
                    Some(_) => {}
                }
            },
            _ => {}
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chars_ranges_and_arrays() {
        let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
% a comment <0009> <0041>
2 beginbfchar
<0003> <0020>
<001F><FB01>
endbfchar
2 beginbfrange
<0024> <0026> <0041>
<0030> <0031> [<0061> <D835DC00>]
endbfrange
1 beginbfrange <00FF> <0100> <D835DCFF> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end";
        let m = unicode_map(cmap);
        assert_eq!(m[&3], vec![0, 0x20]);
        assert_eq!(m[&0x1f], vec![0xfb, 0x01]);
        assert_eq!(m[&0x26], vec![0, 0x43]);
        assert_eq!(m[&0x31], vec![0xd8, 0x35, 0xdc, 0x00]);
        assert_eq!(m[&0x100], vec![0xd8, 0x35, 0xdd, 0x00]);
        assert!(!m.contains_key(&9));
        assert_eq!(m.len(), 9);
    }
}
