//! Fixture maker: a small layout language (`source.txt`) in, a PDF (written with the
//! `pdf-writer` crate) or PostScript (for ghostscript's `ps2pdf`) out. Used by
//! `scripts/make-fixtures.sh`; the generated files are committed.
//!
//! Usage: `make_fixture pdf|ps SOURCE OUT`
//!
//! Source lines:
//! - `%mode: quote` (first lines) draws paragraphs with the `'` operator instead of `Tm`
//! - `@page` starts a new page; `# text` a 14 pt bold heading; `## text` an 11 pt bold line
//! - `| a | b | c |` a table row (a run of rows shares column positions)
//! - `~text` 7.5 pt small print; `>text` right-aligned; `[box]` / `[/box]` frame lines
//! - anything else is a paragraph line, wrapped to the page width

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

const W: f32 = 612.0;
const H: f32 = 792.0;
const MARGIN: f32 = 60.0;

#[derive(Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
}

/// One positioned run of text.
struct Run {
    x: f32,
    y: f32,
    size: f32,
    font: Font,
    text: String,
    /// Part of a paragraph drawn with `'` in quote mode.
    flow: bool,
}

struct Page {
    runs: Vec<Run>,
    boxes: Vec<[f32; 4]>,
}

fn width(s: &str, size: f32) -> f32 {
    // Helvetica averages about half an em per character.
    s.chars().count() as f32 * size * 0.5
}

fn wrap(s: &str, size: f32, max: f32) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for w in s.split(' ') {
        let cand = if cur.is_empty() {
            w.to_string()
        } else {
            format!("{cur} {w}")
        };
        if width(&cand, size) > max && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            cur = w.to_string();
        } else {
            cur = cand;
        }
    }
    out.push(cur);
    out
}

fn layout(src: &str) -> (Vec<Page>, bool) {
    let quote = src.lines().any(|l| l.trim() == "%mode: quote");
    let mut pages = vec![Page {
        runs: vec![],
        boxes: vec![],
    }];
    let mut y = H - 60.0;
    let mut box_top: Option<f32> = None;
    let lines: Vec<&str> = src.lines().filter(|l| !l.starts_with('%')).collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let page = pages.last_mut().unwrap();
        if y < 70.0 && line != "@page" {
            pages.push(Page {
                runs: vec![],
                boxes: vec![],
            });
            y = H - 60.0;
            continue;
        }
        if line == "@page" {
            pages.push(Page {
                runs: vec![],
                boxes: vec![],
            });
            y = H - 60.0;
        } else if line == "[box]" {
            box_top = Some(y + 12.0);
        } else if line == "[/box]" {
            if let Some(top) = box_top.take() {
                page.boxes.push([
                    MARGIN - 6.0,
                    y + 6.0,
                    W - 2.0 * MARGIN + 12.0,
                    top - y - 6.0,
                ]);
            }
        } else if line.trim().is_empty() {
            y -= 8.0;
        } else if let Some(t) = line.strip_prefix("## ") {
            page.runs.push(Run {
                x: MARGIN,
                y,
                size: 11.0,
                font: Font::Bold,
                text: t.into(),
                flow: false,
            });
            y -= 15.0;
        } else if let Some(t) = line.strip_prefix("# ") {
            page.runs.push(Run {
                x: MARGIN,
                y,
                size: 14.0,
                font: Font::Bold,
                text: t.into(),
                flow: false,
            });
            y -= 20.0;
        } else if let Some(t) = line.strip_prefix('~') {
            for l in wrap(t, 7.5, W - 2.0 * MARGIN) {
                page.runs.push(Run {
                    x: MARGIN,
                    y,
                    size: 7.5,
                    font: Font::Regular,
                    text: l,
                    flow: false,
                });
                y -= 9.5;
            }
        } else if let Some(t) = line.strip_prefix('>') {
            page.runs.push(Run {
                x: W - MARGIN - width(t, 10.0),
                y,
                size: 10.0,
                font: Font::Regular,
                text: t.into(),
                flow: false,
            });
            y -= 13.0;
        } else if line.starts_with('|') {
            let mut rows: Vec<Vec<String>> = Vec::new();
            while i < lines.len() && lines[i].starts_with('|') {
                let cells = lines[i]
                    .trim()
                    .trim_matches('|')
                    .split('|')
                    .map(|c| c.trim().to_string())
                    .collect();
                rows.push(cells);
                i += 1;
            }
            let ncol = rows.iter().map(Vec::len).max().unwrap_or(0);
            let mut size = 9.0;
            let widths = |size: f32| -> Vec<f32> {
                (0..ncol)
                    .map(|c| {
                        rows.iter()
                            .filter_map(|r| r.get(c))
                            .map(|s| width(s, size))
                            .fold(0.0, f32::max)
                    })
                    .collect()
            };
            while widths(size).iter().sum::<f32>() + 14.0 * ncol as f32 > W - 2.0 * MARGIN
                && size > 6.5
            {
                size -= 0.5;
            }
            let ws = widths(size);
            for (ri, r) in rows.iter().enumerate() {
                let mut x = MARGIN;
                for (c, cell) in r.iter().enumerate() {
                    if !cell.is_empty() {
                        let font = if ri == 0 { Font::Bold } else { Font::Regular };
                        page.runs.push(Run {
                            x,
                            y,
                            size,
                            font,
                            text: cell.clone(),
                            flow: false,
                        });
                    }
                    x += ws[c] + 14.0;
                }
                y -= size + 4.0;
            }
            y -= 4.0;
            continue;
        } else {
            for l in wrap(line, 10.0, W - 2.0 * MARGIN) {
                page.runs.push(Run {
                    x: MARGIN,
                    y,
                    size: 10.0,
                    font: Font::Regular,
                    text: l,
                    flow: true,
                });
                y -= 13.0;
            }
        }
        i += 1;
    }
    (pages, quote)
}

fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| {
            if (c as u32) < 256 {
                c as u32 as u8
            } else {
                b'?'
            }
        })
        .collect()
}

fn write_pdf(pages: &[Page], quote: bool) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let mut next = 5;
    let mut ids = Vec::new();
    for _ in pages {
        ids.push((Ref::new(next), Ref::new(next + 1)));
        next += 2;
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(ids.iter().map(|(p, _)| *p))
        .count(ids.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (page, (pid, cid)) in pages.iter().zip(&ids) {
        let mut p = pdf.page(*pid);
        p.media_box(Rect::new(0.0, 0.0, W, H))
            .parent(tree)
            .contents(*cid);
        p.resources()
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        p.finish();
        let mut c = Content::new();
        for b in &page.boxes {
            c.set_line_width(0.8).rect(b[0], b[1], b[2], b[3]).stroke();
        }
        let mut k = 0;
        while k < page.runs.len() {
            let r = &page.runs[k];
            c.begin_text();
            c.set_font(
                if r.font == Font::Bold {
                    Name(b"F2")
                } else {
                    Name(b"F1")
                },
                r.size,
            );
            if quote && r.flow {
                // A paragraph block: position once, then `'` (next line, show) per line.
                c.set_leading(13.0);
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, r.x, r.y + 13.0]);
                while k < page.runs.len() && page.runs[k].flow {
                    c.next_line_show(Str(&latin1(&page.runs[k].text)));
                    k += 1;
                }
            } else {
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, r.x, r.y]);
                c.show(Str(&latin1(&r.text)));
                k += 1;
            }
            c.end_text();
        }
        pdf.stream(*cid, &c.finish());
    }
    pdf.finish()
}

fn ps_string(s: &str) -> String {
    let mut out = String::from("(");
    for b in latin1(s) {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            32..=126 => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push(')');
    out
}

fn write_ps(pages: &[Page]) -> Vec<u8> {
    let mut s = String::from("%!PS-Adobe-3.0\n");
    for (name, base) in [("F1", "Helvetica"), ("F2", "Helvetica-Bold")] {
        s.push_str(&format!(
            "/{base} findfont dup length dict begin {{1 index /FID ne {{def}} {{pop pop}} ifelse}} forall /Encoding ISOLatin1Encoding def currentdict end /{name} exch definefont pop\n"
        ));
    }
    for page in pages {
        for b in &page.boxes {
            s.push_str(&format!(
                "0.8 setlinewidth {} {} {} {} rectstroke\n",
                b[0], b[1], b[2], b[3]
            ));
        }
        for r in &page.runs {
            let f = if r.font == Font::Bold { "F2" } else { "F1" };
            s.push_str(&format!(
                "/{f} findfont {} scalefont setfont {} {} moveto {} show\n",
                r.size,
                r.x,
                r.y,
                ps_string(&r.text)
            ));
        }
        s.push_str("showpage\n");
    }
    s.into_bytes()
}

/// An image-only PDF (what a scanner makes): one JPEG per page, at `dpi`.
fn write_jpeg_pdf(jpegs: &[Vec<u8>], dims: &[(u32, u32)], dpi: f32) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let mut next = 3;
    let mut ids = Vec::new();
    for _ in jpegs {
        ids.push((Ref::new(next), Ref::new(next + 1), Ref::new(next + 2)));
        next += 3;
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(ids.iter().map(|(p, _, _)| *p))
        .count(ids.len() as i32);
    for ((jpeg, (w, h)), (pid, cid, iid)) in jpegs.iter().zip(dims).zip(&ids) {
        let (pw, ph) = (*w as f32 * 72.0 / dpi, *h as f32 * 72.0 / dpi);
        let mut page = pdf.page(*pid);
        page.media_box(Rect::new(0.0, 0.0, pw, ph))
            .parent(tree)
            .contents(*cid);
        page.resources().x_objects().pair(Name(b"Im0"), *iid);
        page.finish();
        let mut img = pdf.image_xobject(*iid, jpeg);
        img.filter(pdf_writer::Filter::DctDecode);
        img.width(*w as i32).height(*h as i32).bits_per_component(8);
        img.color_space().device_gray();
        img.finish();
        let mut c = Content::new();
        c.save_state()
            .transform([pw, 0.0, 0.0, ph, 0.0, 0.0])
            .x_object(Name(b"Im0"))
            .restore_state();
        pdf.stream(*cid, &c.finish());
    }
    pdf.finish()
}

/// Reads a grayscale baseline JPEG's width and height from its SOF0 marker.
fn jpeg_size(b: &[u8]) -> (u32, u32) {
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = b[i + 1];
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if (0xC0..=0xC2).contains(&marker) {
            let h = u16::from_be_bytes([b[i + 5], b[i + 6]]) as u32;
            let w = u16::from_be_bytes([b[i + 7], b[i + 8]]) as u32;
            return (w, h);
        }
        i += 2 + len;
    }
    panic!("no JPEG frame header");
}

/// A JPEG with an EXIF block holding only its Orientation (1-8), as a phone writes it: the
/// APP1 segment right after the start-of-image marker (any JFIF or EXIF segment after it is
/// left; readers take the first EXIF block).
fn with_exif_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "not a JPEG");
    let tiff = [
        b'I',
        b'I',
        42,
        0,
        8,
        0,
        0,
        0, // little-endian TIFF header, first IFD at 8
        1,
        0, // one entry: Orientation (0x0112), SHORT, one value
        0x12,
        0x01,
        3,
        0,
        1,
        0,
        0,
        0,
        orientation,
        0,
        0,
        0, //
        0,
        0,
        0,
        0, // no next IFD
    ];
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // make_fixture exif-orientation N IN.jpg OUT.jpg
    if args.len() == 5 && args[1] == "exif-orientation" {
        let n: u8 = args[2].parse().expect("orientation 1-8");
        let jpeg = std::fs::read(&args[3]).expect("read jpeg");
        std::fs::write(&args[4], with_exif_orientation(&jpeg, n)).expect("write output");
        return;
    }
    // make_fixture jpeg-pdf DPI OUT.pdf PAGE1.jpg [PAGE2.jpg ...]
    if args.len() >= 5 && args[1] == "jpeg-pdf" {
        let dpi: f32 = args[2].parse().expect("dpi");
        let jpegs: Vec<Vec<u8>> = args[4..]
            .iter()
            .map(|p| std::fs::read(p).expect("read jpeg"))
            .collect();
        let dims: Vec<(u32, u32)> = jpegs.iter().map(|j| jpeg_size(j)).collect();
        std::fs::write(&args[3], write_jpeg_pdf(&jpegs, &dims, dpi)).expect("write output");
        return;
    }
    if args.len() != 4 {
        eprintln!(
            "usage: make_fixture pdf|ps SOURCE OUT | make_fixture jpeg-pdf DPI OUT PAGE.jpg... | make_fixture exif-orientation N IN.jpg OUT.jpg"
        );
        std::process::exit(2);
    }
    let src = std::fs::read_to_string(&args[2]).expect("read source");
    let (pages, quote) = layout(&src);
    let bytes = if args[1] == "ps" {
        write_ps(&pages)
    } else {
        write_pdf(&pages, quote)
    };
    std::fs::write(&args[3], bytes).expect("write output");
}
