//! Regressions for the patched pdf-extract (vendor/pdf-extract/PATCHES.md), proven on PDFs from
//! the producers that showed the bugs.

use crate::util::root;

fn text_of(fixture: &str) -> String {
    let doc = overturn::ingest::load(&overturn::Input::Path(
        root().join("fixtures").join(fixture).join("input.pdf"),
    ))
    .unwrap();
    let t = overturn::text::extract(&doc).unwrap();
    t.flat().to_string()
}

#[test]
fn chromium_width_ranges_keep_digits_together() {
    // Patch 1: Skia writes CID widths as ranges; misread, digits came out as "$2 ,8 4 0 .0 0".
    let t = text_of("mn-ppo-letter");
    assert!(t.contains("$2,840.00"), "{t}");
    assert!(t.contains("CMW884120573"), "{t}");
    assert!(t.contains("03/02/2025"), "{t}");
}

#[test]
fn ghostscript_quote_operator_lines_are_kept() {
    // Patch 2: ghostscript shows most lines with the `'` operator, which upstream dropped.
    let t = text_of("timely-letter");
    for line in [
        "Member ID: ANX-220-904-117",
        "Group Number: 771204",
        "Amount Billed: $1,340.00",
    ] {
        assert!(t.contains(line), "missing {line:?} in:\n{t}");
    }
    let pdf = std::fs::read(root().join("fixtures/timely-letter/input.pdf")).unwrap();
    assert!(
        String::from_utf8_lossy(&pdf).contains("Ghostscript"),
        "fixture made by ghostscript"
    );
}

#[test]
fn pdf_writer_quote_mode_paragraphs_are_kept() {
    // The fixture maker's quote mode draws paragraphs with `'` too.
    let t = text_of("pa-hmo-letter");
    assert!(t.contains("Prior authorization was not obtained"), "{t}");
}

#[test]
fn tounicode_cmaps_are_read_in_one_pass() {
    // Patch 5: the one-pass ToUnicode reader gives what the CMap says, for every form of entry.
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
1 begincodespacerange <0000> <FFFF> endcodespacerange
% a comment: <0009> <0041>
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
    let m = pdf_extract::to_unicode_map(cmap);
    assert_eq!(m[&0x03], [0x00, 0x20]);
    assert_eq!(m[&0x1f], [0xfb, 0x01], "a ligature");
    assert_eq!(m[&0x24], [0x00, 0x41]);
    assert_eq!(m[&0x26], [0x00, 0x43], "a range counts up from its start");
    assert_eq!(m[&0x30], [0x00, 0x61]);
    assert_eq!(m[&0x31], [0xd8, 0x35, 0xdc, 0x00], "array entries in order");
    assert_eq!(
        m[&0x100],
        [0xd8, 0x35, 0xdd, 0x00],
        "a surrogate pair counts as one"
    );
    assert!(!m.contains_key(&0x09), "comments are not entries");
    assert_eq!(m.len(), 9);
}

#[test]
fn broken_tounicode_cmaps_do_not_panic_or_explode() {
    // The upstream reader panicked on 3-byte destinations; a huge range must not allocate
    // billions of entries; a missing `end` keyword ends the section at the end of the stream.
    let m = pdf_extract::to_unicode_map(
        b"1 beginbfchar <01> <004100> endbfchar 1 beginbfrange <1000> <FFFFFFFF> <0041>",
    );
    assert_eq!(m[&1], [0x00, 0x41, 0x00]);
    assert_eq!(m.len(), 1 + 0x1_0000);
    assert_eq!(m[&0x10ff], [0x01, 0x40]);
    let m = pdf_extract::to_unicode_map(b"2 beginbfchar <0041 <0042> ( unbalanced <0043> <0044>");
    assert!(m.len() <= 1);
    assert!(pdf_extract::to_unicode_map(b"").is_empty());
}

/// The content streams of every page of a PDF.
fn page_contents(pdf: &[u8]) -> Vec<Vec<u8>> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    doc.get_pages()
        .values()
        .map(|id| doc.get_page_content(*id).unwrap())
        .collect()
}

#[test]
fn content_streams_read_as_lopdf_reads_them() {
    // Patch 8: the one-pass content reader gives lopdf's operations on every page of every
    // fixture PDF (Chromium, ghostscript, pdf-writer, scanner and mixed PDFs).
    let mut pages = 0;
    let mut pdfs: Vec<_> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path().join("input.pdf"))
        .filter(|p| p.exists())
        .collect();
    pdfs.sort();
    assert!(pdfs.len() >= 40);
    for pdf in pdfs {
        for content in page_contents(&std::fs::read(&pdf).unwrap()) {
            let ours = pdf_extract::decode_content(&content);
            let theirs = lopdf::content::Content::decode(&content)
                .unwrap()
                .operations;
            assert_eq!(
                format!("{ours:?}"),
                format!("{theirs:?}"),
                "{}",
                pdf.display()
            );
            pages += 1;
        }
    }
    assert!(pages >= 50);
}

#[test]
fn content_stream_syntax_reads_as_lopdf_reads_it() {
    // Every kind of operand, escapes, comments, nested arrays and dictionaries, marked
    // content with a property list, an inline image, operators glued to their operands.
    let content: &[u8] = b"q 1 0 0 1 72.5 -.25 cm BT /F1#20x 12 Tf % a comment\n\
        [(Hel\\(lo\\) \\101\\53\\0053)-250.5 <48656C6C6F 2>] TJ\n(line \\\ncontinued\\n) Tj\n\
        /Span <</ActualText (x) /MCID 3 /Nested [1 [2.0 true] null]>> BDC T* 0.5 Tw\n\
        (a)'1 2(b)\" EMC ET\nBI /W 2 /H 2 /BPC 8 /CS /G ID \x00EI\x01\xff\nEI Q +3 5. d";
    let ours = pdf_extract::decode_content(content);
    let theirs = lopdf::content::Content::decode(content).unwrap().operations;
    // lopdf keeps an inline image's parameters and data as one stream operand; pdf-extract
    // does not read them, so only the operator is compared there.
    let strip = |ops: &[lopdf::content::Operation]| {
        ops.iter()
            .map(|o| match o.operator.as_str() {
                "BI" => "BI".to_string(),
                _ => format!("{o:?}"),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&ours), strip(&theirs));
    assert_eq!(ours.len(), 16, "{ours:?}");
}

#[test]
fn content_stream_junk_ends_the_stream_as_lopdf_does() {
    // pdf-extract indexes operands without checking their count: reading on through junk
    // (a JPEG's bytes, say) would turn a partly read page into a panic.
    for junk in [
        &b"BT (one) Tj } (two) Tj ET"[..],
        b"BT (one) Tj [1 } 2] (two) Tj ET",
        b"BT (one) Tj <</A }>> (two) Tj ET",
        b"BT (one) Tj \xff\xd8 1 m ET",
    ] {
        let ours = pdf_extract::decode_content(junk);
        let theirs = lopdf::content::Content::decode(junk).unwrap().operations;
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
        assert_eq!(ours.len(), 2, "{ours:?}");
    }
    assert!(pdf_extract::decode_content(b"").is_empty());
    assert!(pdf_extract::decode_content(b"(unterminated [1 2 <<").is_empty());
}

/// A small deterministic generator (xorshift): the same bytes on every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn content_and_cmap_readers_never_panic_on_damaged_bytes() {
    // Real content streams with bytes flipped, cut short or spliced, and plain noise.
    let mut streams: Vec<Vec<u8>> = Vec::new();
    for name in ["mn-ppo-letter", "timely-letter", "pa-hmo-letter"] {
        let pdf = std::fs::read(root().join("fixtures").join(name).join("input.pdf")).unwrap();
        streams.extend(page_contents(&pdf));
    }
    let mut rng = Noise(0x9e37_79b9_7f4a_7c15);
    let syntax = b"()<>[]{}/%\\ \n\r\t0123456789.-+BIDEIbeginbfcharrange<<>>TjTJ'\"";
    for round in 0..400 {
        let mut s = streams[round % streams.len()].clone();
        match round % 4 {
            0 => {
                for _ in 0..8 {
                    let i = rng.next() as usize % s.len();
                    s[i] = syntax[rng.next() as usize % syntax.len()];
                }
            }
            1 => s.truncate(rng.next() as usize % s.len()),
            2 => {
                let i = rng.next() as usize % s.len();
                s.splice(
                    i..i,
                    b"BI /W 99999 /H 99999 /BPC 8 /CS /RGB ID ".iter().copied(),
                );
            }
            _ => {
                s = (0..rng.next() % 512)
                    .map(|_| syntax[rng.next() as usize % syntax.len()])
                    .collect()
            }
        }
        let _ = pdf_extract::decode_content(&s);
        let _ = pdf_extract::to_unicode_map(&s);
    }
}

/// What the one-pass loader (patch 11) read, compared field by field with lopdf.
fn same_document(ours: &lopdf::Document, theirs: &lopdf::Document) -> Result<(), String> {
    if ours.objects.len() != theirs.objects.len() {
        return Err(format!(
            "{} objects, lopdf {}",
            ours.objects.len(),
            theirs.objects.len()
        ));
    }
    for ((id, a), (tid, b)) in ours.objects.iter().zip(&theirs.objects) {
        if id != tid || a != b {
            return Err(format!("object {id:?}: {a:?}\nlopdf {tid:?}: {b:?}"));
        }
    }
    let facts = |d: &lopdf::Document| {
        format!(
            "{:?} {:?} {} {:?} {} {:?} {}",
            d.trailer,
            d.version,
            d.max_id,
            d.binary_mark,
            d.xref_start,
            d.reference_table.entries,
            d.reference_table.size,
        )
    };
    if facts(ours) != facts(theirs) {
        return Err(format!("{}\nlopdf {}", facts(ours), facts(theirs)));
    }
    Ok(())
}

/// Every fixture PDF, and those in `OVERTURN_EXTRA_PDFS` (a folder) when it is set.
fn all_pdfs() -> Vec<std::path::PathBuf> {
    let mut pdfs: Vec<_> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path().join("input.pdf"))
        .filter(|p| p.exists())
        .collect();
    if let Some(dir) = std::env::var_os("OVERTURN_EXTRA_PDFS") {
        pdfs.extend(
            std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "pdf")),
        );
    }
    pdfs.sort();
    pdfs
}

#[test]
fn documents_load_as_lopdf_loads_them() {
    // Patch 11: the one-pass loader builds lopdf's document, or leaves the file to lopdf.
    let mut direct = 0;
    let pdfs = all_pdfs();
    assert!(pdfs.len() >= 40);
    for pdf in &pdfs {
        let bytes = std::fs::read(pdf).unwrap();
        let theirs = lopdf::Document::load_mem(&bytes).unwrap();
        if let Some(ours) = pdf_extract::load_direct(&bytes) {
            direct += 1;
            if let Err(e) = same_document(&ours, &theirs) {
                panic!("{}: {e}", pdf.display());
            }
        }
    }
    // Chromium, ghostscript and pdf-writer files all have plain cross-reference tables.
    assert!(direct * 10 >= pdfs.len() * 8, "{direct} of {}", pdfs.len());
}

/// A PDF with a cross-reference table from its objects' bodies (`N 0 obj` is added).
fn pdf_of(objects: &[&[u8]], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn object_syntax_loads_as_lopdf_loads_it() {
    let objects: [&[u8]; 6] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<</Type/Pages/Kids[]/Count 0/A#20b (x\\(y\\)\\101\\53\\0053\\\nz\r\nw (nested) \\q)\
          /H <48 65 6c6C6 f 7> /N [1 -2 +3 .5 -.25 4. 1 0 R 2 0R null true false [[]] <<>>]\
          % comment\n/D <</E /F#23G /Dup 1 /Dup 2>>>>",
        b"<< /Length 5 0 R /Filter /FlateDecode >>\nstream\nabc\ndef\nendstream",
        b"<< /Length 3 >> stream\r\nxyz\r\nendstream",
        b"7",
        b"(a string object) ",
    ];
    let pdf = pdf_of(&objects, "/Info 6 0 R ");
    let ours = pdf_extract::load_direct(&pdf).expect("a plain file is read directly");
    let theirs = lopdf::Document::load_mem(&pdf).unwrap();
    same_document(&ours, &theirs).unwrap();
    assert_eq!(ours.objects.len(), 6);

    // What the loader leaves to lopdf: updates, encryption, object streams, damage.
    for (objects, trailer) in [
        (&objects[..], "/Prev 9 "),
        (&objects[..], "/Encrypt 3 0 R "),
        (
            &[&b"<< /Type /ObjStm /Length 1 >>stream\nx\nendstream"[..]][..],
            "",
        ),
        (&[&b"<< /Length 99 >>stream\nshort\nendstream"[..]][..], ""),
        (&[&b"<< /Length 5 >>stream\nshort"[..]][..], ""),
        (&[&b"/Name#zz"[..]][..], ""),
    ] {
        assert!(
            pdf_extract::load_direct(&pdf_of(objects, trailer)).is_none(),
            "{trailer}"
        );
    }
}

/// 300 small fixture PDFs with one to three bytes each changed at random to PDF syntax
/// (deterministic for a seed).
fn damaged_small_pdfs(seed: u64) -> Vec<Vec<u8>> {
    let pdfs: Vec<Vec<u8>> = all_pdfs()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .filter(|b| b.len() < 40_000)
        .take(6)
        .collect();
    assert!(!pdfs.is_empty());
    let mut rng = Noise(seed);
    let syntax = b"()<>[]/%\\ \n\r0123456789.-+Robjendstreamxref#";
    (0..300)
        .map(|round| {
            let mut s = pdfs[round % pdfs.len()].clone();
            for _ in 0..1 + round % 3 {
                let i = rng.next() as usize % s.len();
                s[i] = syntax[rng.next() as usize % syntax.len()];
            }
            s
        })
        .collect()
}

#[test]
fn damaged_documents_load_as_lopdf_loads_them_or_are_left_to_it() {
    // Bytes changed at random in small fixture PDFs: whatever the loader reads directly,
    // lopdf reads the same.
    for (round, s) in damaged_small_pdfs(0x2545_f491_4f6c_dd1d)
        .into_iter()
        .enumerate()
    {
        let Some(ours) = pdf_extract::load_direct(&s) else {
            continue;
        };
        let theirs = lopdf::Document::load_mem(&s).expect("lopdf reads what the loader read");
        same_document(&ours, &theirs).unwrap_or_else(|e| panic!("round {round}: {e}"));
    }
}

/// Every page's text as the patched pdf-extract writes it from `doc`.
fn pages_text(doc: &lopdf::Document) -> Vec<String> {
    let mut reader = pdf_extract::PageReader::new(doc);
    doc.get_pages()
        .keys()
        .map(|&n| {
            let mut s = String::new();
            let mut out = pdf_extract::PlainTextOutput::new(&mut s);
            reader.output_page(&mut out, n).unwrap();
            s
        })
        .collect()
}

/// The references `o` holds outside the keys text extraction skips (patch 14).
fn followed_references(o: &lopdf::Object, out: &mut Vec<lopdf::ObjectId>) {
    use lopdf::Object;
    let dict = |d: &lopdf::Dictionary, out: &mut Vec<lopdf::ObjectId>| {
        for (k, v) in d.iter() {
            if !pdf_extract::NOT_FOR_TEXT.contains(&k.as_slice()) {
                followed_references(v, out);
            }
        }
    };
    match o {
        Object::Reference(id) => out.push(*id),
        Object::Array(a) => a.iter().for_each(|v| followed_references(v, out)),
        Object::Dictionary(d) => dict(d, out),
        Object::Stream(s) => dict(&s.dict, out),
        _ => {}
    }
}

/// Patch 14's promise: a subset of lopdf's objects, each equal to lopdf's, closed under the
/// references text extraction follows, with the same trailer and table.
fn same_reachable(ours: &lopdf::Document, theirs: &lopdf::Document) -> Result<(), String> {
    for (id, o) in &ours.objects {
        if theirs.objects.get(id) != Some(o) {
            return Err(format!(
                "object {id:?} differs from lopdf's or is not lopdf's"
            ));
        }
        let mut refs = Vec::new();
        followed_references(o, &mut refs);
        if let Some(r) = refs
            .iter()
            .find(|r| theirs.objects.contains_key(r) && !ours.objects.contains_key(r))
        {
            return Err(format!("object {id:?} refers to {r:?}, which was not read"));
        }
    }
    if ours.trailer != theirs.trailer
        || format!("{:?}", ours.reference_table.entries)
            != format!("{:?}", theirs.reference_table.entries)
    {
        return Err("trailer or cross-reference table differs".into());
    }
    Ok(())
}

#[test]
fn only_objects_text_can_reach_are_read_and_text_is_unchanged() {
    // Patch 14: the structure tree, Type 3 glyph drawings and metadata stay unread.
    let (mut pruned, mut fewer) = (0, 0);
    for pdf in &all_pdfs() {
        let bytes = std::fs::read(pdf).unwrap();
        let Some(ours) = pdf_extract::load_reachable(&bytes, pdf_extract::NOT_FOR_TEXT) else {
            assert!(
                pdf_extract::load_direct(&bytes).is_none(),
                "{}",
                pdf.display()
            );
            continue;
        };
        pruned += 1;
        let theirs = lopdf::Document::load_mem(&bytes).unwrap();
        same_reachable(&ours, &theirs).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
        if ours.objects.len() < theirs.objects.len() {
            fewer += 1;
        }
        assert_eq!(pages_text(&ours), pages_text(&theirs), "{}", pdf.display());
    }
    assert!(pruned >= 40, "{pruned}");
    // Chromium tags its PDFs: most fixtures carry a structure tree to leave out.
    assert!(fewer * 2 >= pruned, "{fewer} of {pruned}");
}

#[test]
fn unreachable_and_skipped_objects_are_left_unread() {
    let objects: [&[u8]; 9] = [
        b"<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 5 0 R /Metadata 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
           /Resources << /Font << /F1 7 0 R /F2 8 0 R >> >> >>",
        b"<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 700 Td (Claim denied) Tj ET\n\nendstream",
        b"<< /Type /StructTreeRoot /K [9 0 R] >>",
        b"<< /Type /Metadata /Length 3 >>\nstream\nxmp\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type3 /CharProcs << /a 9 0 R >> /FontBBox [0 0 1 1] \
           /FontMatrix [1 0 0 1 0 0] /FirstChar 97 /LastChar 97 /Widths [1] \
           /Encoding << /Differences [97 /a] >> >>",
        b"<< /Length 1 >>\nstream\nx\nendstream",
    ];
    // Object 10 is listed but nothing refers to it.
    let mut all: Vec<&[u8]> = objects.to_vec();
    all.push(b"<< /Orphan true >>");
    let pdf = pdf_of(&all, "");
    let theirs = lopdf::Document::load_mem(&pdf).unwrap();
    assert_eq!(theirs.objects.len(), 10);
    let ours = pdf_extract::load_reachable(&pdf, pdf_extract::NOT_FOR_TEXT).unwrap();
    let read: Vec<u32> = ours.objects.keys().map(|id| id.0).collect();
    assert_eq!(read, [1, 2, 3, 4, 7, 8]);
    same_reachable(&ours, &theirs).unwrap();
    assert_eq!(pages_text(&ours), pages_text(&theirs));
    assert!(pages_text(&ours)[0].contains("Claim denied"));
    // Skipping nothing reads what is reachable: the orphan still stays out.
    let all_reachable = pdf_extract::load_reachable(&pdf, &[]).unwrap();
    assert_eq!(all_reachable.objects.len(), 9);

    // A reference whose generation or number the table does not list is skipped, as lopdf
    // has no such object; an object whose header disagrees with the table goes to lopdf.
    let dangling = pdf_of(
        &[
            b"<< /Type /Catalog /Pages 2 0 R /A 2 5 R /B 40 0 R >>",
            objects[1],
        ],
        "",
    );
    let d = pdf_extract::load_reachable(&dangling, pdf_extract::NOT_FOR_TEXT).unwrap();
    assert_eq!(d.objects.len(), 2);
    let mut mismatched = pdf_of(&[b"<< /Type /Catalog /Pages 2 0 R >>", objects[1]], "");
    let at = mismatched.windows(7).position(|w| w == b"2 0 obj").unwrap();
    mismatched[at] = b'9';
    assert!(pdf_extract::load_reachable(&mismatched, pdf_extract::NOT_FOR_TEXT).is_none());
}

#[test]
fn damaged_documents_load_reachable_objects_as_lopdf_reads_them() {
    let mut compared = 0;
    for (round, s) in damaged_small_pdfs(0x9e37_79b9_7f4a_7c15)
        .into_iter()
        .enumerate()
    {
        let Some(ours) = pdf_extract::load_reachable(&s, pdf_extract::NOT_FOR_TEXT) else {
            continue;
        };
        // Damage in an object text never reads no longer sends the file to lopdf, which may
        // then refuse the whole file; where lopdf reads it, the objects agree.
        if let Ok(theirs) = lopdf::Document::load_mem(&s) {
            compared += 1;
            same_reachable(&ours, &theirs).unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
    }
    assert!(compared >= 100, "{compared}");
}

#[test]
fn streams_inflate_as_lopdf_inflates_them() {
    // Patch 15: one decompressor per thread gives lopdf's bytes, or leaves the stream to it.
    let mut inflated = 0;
    for pdf in &all_pdfs() {
        let doc = lopdf::Document::load_mem(&std::fs::read(pdf).unwrap()).unwrap();
        for (id, o) in &doc.objects {
            let Ok(s) = o.as_stream() else { continue };
            if let Some(ours) = pdf_extract::inflate_plain(s) {
                inflated += 1;
                assert!(
                    s.decompressed_content().ok() == Some(ours),
                    "{} {id:?}",
                    pdf.display()
                );
            }
        }
    }
    assert!(inflated >= 100, "{inflated}");

    // A stream that is cut short, damaged, has a bad checksum or other filters is lopdf's.
    let data: Vec<u8> = (0..5000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, &data).unwrap();
    let packed = z.finish().unwrap();
    let stream = |content: Vec<u8>, filter: lopdf::Object| {
        let mut dict = lopdf::Dictionary::new();
        dict.set("Filter", filter);
        lopdf::Stream::new(dict, content)
    };
    let flate = || lopdf::Object::Name(b"FlateDecode".to_vec());
    assert_eq!(
        pdf_extract::inflate_plain(&stream(packed.clone(), flate())),
        Some(data.clone())
    );
    let whole = stream(packed.clone(), lopdf::Object::Array(vec![flate()]));
    assert_eq!(pdf_extract::inflate_plain(&whole), Some(data));
    let cut = stream(packed[..packed.len() / 2].to_vec(), flate());
    assert_eq!(pdf_extract::inflate_plain(&cut), None);
    let mut bad_sum = packed.clone();
    *bad_sum.last_mut().unwrap() ^= 1;
    assert_eq!(pdf_extract::inflate_plain(&stream(bad_sum, flate())), None);
    let mut damaged = packed.clone();
    damaged[packed.len() / 3] ^= 0x55;
    assert_eq!(pdf_extract::inflate_plain(&stream(damaged, flate())), None);
    let two = lopdf::Object::Array(vec![
        flate(),
        lopdf::Object::Name(b"ASCII85Decode".to_vec()),
    ]);
    assert_eq!(pdf_extract::inflate_plain(&stream(packed, two)), None);
}

#[test]
fn content_numbers_read_as_str_parse_reads_them() {
    // Patch 16: numbers are read without text, exactly as `str::parse` reads them.
    let mut words: Vec<String> = [
        "0",
        "-0",
        "+7",
        "5.",
        ".5",
        "-.25",
        "+.125",
        "0.0",
        "-0.0",
        "16777216",
        "16777217.5",
        "12.5138245",
        ".86688286",
        "-39.891113",
        "123456789012345678",
        "1234567890123456789",
        "99999999999999999999",
        "0.00000000000000000001",
        "340282350000000000000000000000000000000.0",
        "0.1",
        "0.3",
        "2.675",
        "8388608.5",
        "33554433.0",
        "-1.00000005",
        "1.000000059604644775",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rng = Noise(0x0123_4567_89ab_cdef);
    for _ in 0..20_000 {
        let r = rng.next();
        let int = (r >> 8) % 10u64.pow((r % 8) as u32 + 1);
        let frac_len = ((r >> 40) % 12) as usize;
        let frac: String = (0..frac_len)
            .map(|k| char::from(b'0' + ((rng.next() >> (k % 7)) % 10) as u8))
            .collect();
        let sign = ["", "-", "+"][((r >> 60) % 3) as usize];
        words.push(if r & 1 == 0 {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        });
    }
    // Halfway cases between two f32s, which a wrong double rounding would get wrong.
    for k in 0..2000u32 {
        let x = f64::from(f32::from_bits(0x3f80_0000 + k * 4097)) + f64::from(f32::EPSILON) / 2.0;
        words.push(format!("{x:.15}"));
    }
    let content = words.join(" ") + " Td";
    let ops = pdf_extract::decode_content(content.as_bytes());
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].operands.len(), words.len());
    for (w, o) in words.iter().zip(&ops[0].operands) {
        let expected = if w.contains('.') {
            w.parse::<f32>().ok().map(lopdf::Object::Real)
        } else {
            match w.parse::<i64>() {
                Ok(n) => Some(lopdf::Object::Integer(n)),
                Err(_) => w.parse::<f32>().ok().map(lopdf::Object::Real),
            }
        };
        match (expected, o) {
            (Some(lopdf::Object::Real(a)), lopdf::Object::Real(b)) => {
                assert_eq!(a.to_bits(), b.to_bits(), "{w}")
            }
            (Some(e), o) => assert_eq!(&e, o, "{w}"),
            (None, o) => panic!("{w} read as {o:?}"),
        }
    }
}

/// A one-page PDF (Helvetica as /F1) whose page draws `page` and whose form XObjects are
/// `forms` (`/Xn` is the nth, n from 1; each gets the same font and every form as resources).
fn pdf_with_forms(page: &str, forms: &[(&str, &str)]) -> Vec<u8> {
    let stream = |dict: &str, content: &str| {
        format!(
            "<< {dict} /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        )
        .into_bytes()
    };
    let names: String = (0..forms.len())
        .map(|i| format!("/X{} {} 0 R ", i + 1, i + 6))
        .collect();
    let resources = format!("/Resources << /Font << /F1 4 0 R >> /XObject << {names}>> >>");
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] {resources} /Contents 5 0 R >>"
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        stream("", page),
    ];
    for (matrix, content) in forms {
        objects.push(stream(
            &format!("/Type /XObject /Subtype /Form /BBox [0 0 600 800] {matrix} {resources}"),
            content,
        ));
    }
    let refs: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
    pdf_of(&refs, "")
}

fn text_of_pdf(pdf: Vec<u8>) -> overturn::text::Text {
    let doc = overturn::ingest::from_bytes("forms.pdf".into(), pdf).unwrap();
    overturn::text::extract(&doc).unwrap()
}

/// Body lines enough for the page to count as a text layer.
const BODY: &str = "BT /F1 10 Tf 72 700 Td (We reviewed the claim your doctor sent us for this care.) Tj 0 -14 Td (We did not pay it because the plan does not cover this service.) Tj 0 -14 Td (You may ask us for an appeal within 180 days of this letter.) Tj ET";

#[test]
fn form_xobject_text_sits_where_the_form_is_drawn() {
    // Patch 19: a form is drawn with the CTM of its `Do` and its own /Matrix; its text had
    // landed at the page's corner (Chromium draws text with opacity or filters in forms).
    let page = format!("{BODY} q 1 0 0 1 300 100 cm /X1 Do Q");
    let form = (
        "/Matrix [1 0 0 1 0 500]",
        "BT /F1 12 Tf 0 0 Td (Member ID ZX4471) Tj ET",
    );
    let t = text_of_pdf(pdf_with_forms(&page, &[form]));
    let line = t.pages[0]
        .layout
        .iter()
        .find(|l| l.text.contains("ZX4471"))
        .expect("the form's text is read");
    // Drawn at (300, 100 + 500) from the bottom: 192 points from the top.
    assert!((line.y - 192.0).abs() < 1.0, "{}", line.y);
    assert!((line.cells[0].x0 - 300.0).abs() < 1.0, "{:?}", line.cells);
    // Below the body's lines (700 from the bottom and down), not at the page's foot.
    let last = t.pages[0].layout.last().unwrap();
    assert!(last.text.contains("ZX4471"), "{}", last.text);
    assert!(t.pages[0].layout[0].text.starts_with("We reviewed"));
}

#[test]
fn forms_that_draw_themselves_or_nest_without_end_are_bounded() {
    // Patch 19: a form that draws itself overflowed the stack and aborted the process (no
    // error, no record for the batch); forms that each draw the next one twice, 40 deep,
    // would draw the last 2^40 times. A form is not drawn inside itself nor nested deeper
    // than a dozen.
    let page = format!("{BODY} /X1 Do");
    let looping = ("", "BT /F1 10 Tf 72 300 Td (Reference LOOP-1) Tj ET /X1 Do");
    let t = text_of_pdf(pdf_with_forms(&page, &[looping]));
    assert_eq!(t.full().matches("LOOP-1").count(), 1, "{}", t.full());
    // `depth` forms, each drawing the next twice, the last one a line of text.
    let chain = |depth: usize| {
        let mut forms: Vec<String> = (1..depth)
            .map(|i| format!("/X{0} Do /X{0} Do", i + 1))
            .collect();
        forms.push("BT /F1 10 Tf 72 300 Td (LEAF) Tj ET".into());
        let refs: Vec<(&str, &str)> = forms.iter().map(|c| ("", c.as_str())).collect();
        text_of_pdf(pdf_with_forms(&page, &refs))
    };
    let deep = chain(40);
    assert!(deep.full().contains("We reviewed the claim"));
    assert!(!deep.full().contains("LEAF"));
    assert!(chain(8).full().contains("LEAF"));
}
