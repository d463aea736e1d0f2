//! The command line: output, exit codes and bad input. Each bad input gets one line on
//! stderr naming the file and the reason, exit code 1, and nothing on stdout.

use std::io::Write;

use predicates::prelude::*;
use predicates::str::contains;

use crate::util::{overturn, root};

fn data(name: &str) -> std::path::PathBuf {
    root().join("tests/data").join(name)
}

/// Runs `overturn parse` on a bad input and checks the one-line error.
fn rejects(path: &std::path::Path, reason: &str) {
    let out = overturn()
        .arg("parse")
        .arg(path)
        .assert()
        .code(1)
        .stdout("");
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr.lines().count(),
        1,
        "one line on stderr, got {stderr:?}"
    );
    assert!(
        stderr.contains(&path.display().to_string()),
        "names the file: {stderr}"
    );
    assert!(stderr.contains(reason), "says {reason:?}: {stderr}");
}

#[test]
fn parse_prints_pretty_json_by_default_and_compact_on_request() {
    let input = root().join("fixtures/pa-hmo-letter/input.pdf");
    let out = overturn()
        .arg("parse")
        .arg(&input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.lines().count() > 20, "pretty by default");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["source"]["path"], input.display().to_string());
    let out = overturn()
        .args(["parse", "--compact"])
        .arg(&input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap().trim_end().lines().count(),
        1
    );
}

#[test]
fn parse_reads_stdin_and_detects_content_not_extension() {
    let pdf = std::fs::read(root().join("fixtures/pa-hmo-letter/input.pdf")).unwrap();
    let out = overturn()
        .args(["parse", "-"])
        .write_stdin(pdf.clone())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["source"]["path"], "-");
    assert_eq!(v["source"]["media_type"], "application/pdf");
    // A PDF named .txt is still a PDF.
    let dir = tempfile::tempdir().unwrap();
    let misnamed = dir.path().join("letter.txt");
    std::fs::write(&misnamed, &pdf).unwrap();
    let out = overturn()
        .arg("parse")
        .arg(&misnamed)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["source"]["media_type"], "application/pdf");
    assert_eq!(v["text"]["method"], "pdf_text");
}

#[test]
fn missing_file() {
    rejects(
        &root().join("tests/data/does-not-exist.pdf"),
        "no such file",
    );
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.pdf");
    std::fs::write(&p, b"").unwrap();
    rejects(&p, "file is empty");
}

#[test]
fn truncated_pdf() {
    rejects(&data("truncated.pdf"), "damaged PDF");
}

#[test]
fn corrupt_pdf_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("garbage.pdf");
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..4000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    std::fs::write(&p, bytes).unwrap();
    rejects(&p, "damaged PDF");
}

#[test]
fn encrypted_pdf() {
    rejects(&data("encrypted.pdf"), "encrypted PDF");
}

#[test]
fn pdf_that_makes_the_parser_panic() {
    // pdf-extract panics on a Tj with a number operand; no panic may reach the user.
    let out = overturn()
        .arg("parse")
        .arg(data("panics.pdf"))
        .assert()
        .code(1)
        .stdout("");
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("damaged PDF"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn pdf_without_any_text_even_by_ocr() {
    rejects(&data("no-text.pdf"), "no text could be read");
}

#[test]
fn truncated_image() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("photo.jpg");
    // A PNG signature and header, then nothing: detected by content, whatever the name says.
    std::fs::write(
        &p,
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0",
    )
    .unwrap();
    rejects(&p, "unreadable image");
}

#[test]
fn decompression_bomb_image_is_refused_before_decoding() {
    // A PNG header claiming 30000 x 30000 pixels.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(30000u32.to_be_bytes());
    png.extend(30000u32.to_be_bytes());
    png.extend(b"\x08\x00\x00\x00\x00");
    png.extend([0u8; 4]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.png");
    std::fs::write(&p, png).unwrap();
    rejects(&p, "unreadable image");
}

#[test]
fn non_document() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("archive.pdf");
    std::fs::write(&p, b"PK\x03\x04\x14\0\0\0\x08\0\0\0\0\0\0\0\0\0\0\0\0\0").unwrap();
    rejects(&p, "not a document");
    let bin = dir.path().join("program");
    std::fs::write(
        &bin,
        (0..3000u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    rejects(&bin, "not a document");
}

#[test]
fn directory_is_not_a_document() {
    let dir = tempfile::tempdir().unwrap();
    rejects(dir.path(), "not a document");
}

#[test]
fn decompression_bomb_is_refused() {
    // A 300 MiB stream of zeros compresses to a few hundred KiB.
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..300 {
        enc.write_all(&zeros).unwrap();
    }
    let stream = enc.finish().unwrap();
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        [
            format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                stream.len()
            )
            .into_bytes(),
            stream,
            b"\nendstream".to_vec(),
        ]
        .concat(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend(o);
        pdf.extend(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        pdf.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.pdf");
    std::fs::write(&p, pdf).unwrap();
    rejects(&p, "too large");
}

#[test]
fn plain_text_that_is_not_a_letter_is_a_success() {
    overturn()
        .args(["parse", "--compact"])
        .arg(root().join("fixtures/not-insurer/input.txt"))
        .assert()
        .success()
        .stdout(contains("\"document_type\":\"other\"").and(contains("\"denial\":null")));
}

#[test]
fn usage_errors_exit_2() {
    overturn().arg("parse").assert().code(2);
    overturn().arg("frobnicate").assert().code(2);
}

#[test]
fn text_subcommand_shows_pages() {
    overturn()
        .arg("text")
        .arg(root().join("fixtures/mn-ppo-letter/input.pdf"))
        .assert()
        .success()
        .stdout(contains("--- page 2 ---").and(contains("Language assistance")));
}

#[test]
fn tiff_with_too_many_pages_is_refused() {
    // 201 tiny pages: past the documented limit of 200 pages per document.
    let mut bytes = Vec::new();
    {
        let mut enc = tiff::encoder::TiffEncoder::new(std::io::Cursor::new(&mut bytes)).unwrap();
        for _ in 0..201 {
            enc.write_image::<tiff::encoder::colortype::Gray8>(8, 8, &[255u8; 64])
                .unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("stack.tif");
    std::fs::write(&p, bytes).unwrap();
    rejects(&p, "more than 200 pages");
}

// Regression: an accented letter just before a period (as OCR of a fax gives) ended the whole
// document as "internal error".
#[test]
fn accented_letter_before_a_period_is_read() {
    let letter = "Northfield Health Plan\nJune 2, 2025\nEstimado José Peña,\n\
                  Claim number: NF-22817. Your claim was denied: not medically necessary per \
                  Dr. Muñoz. Puede apelar dentro de 180 días. You may appeal within 180 days \
                  of the date of this letter.\n";
    let out = overturn()
        .args(["parse", "--compact", "-"])
        .write_stdin(letter)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["denial"]["category"], "medical_necessity");
    assert_eq!(v["dates"]["appeal_deadline"], "2025-11-29");
}

// A portal download that failed leaves an HTML error page named `.pdf`: an error that says
// what the file holds, never a report of an "other" document that was read.
#[test]
fn a_pdf_name_holding_html_or_text_is_not_read_as_a_letter() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("eob-march.pdf");
    std::fs::write(
        &html,
        "<!DOCTYPE html><html><head><title>Session expired</title></head>\
         <body><p>Your session has expired. Please sign in again.</p></body></html>",
    )
    .unwrap();
    rejects(&html, "not a PDF: the file holds an HTML page");
    let text = dir.path().join("letter.PDF");
    std::fs::write(&text, "Download failed. Try again later.\n").unwrap();
    rejects(&text, "not a PDF: the file holds plain text");
    // The batch records it with its kind and goes on.
    let out = crate::util::batch_with_failures(&["--quiet"], dir.path());
    let kinds: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["error"]["kind"].as_str().unwrap_or("").to_string()
        })
        .collect();
    assert_eq!(kinds, ["not_a_pdf", "not_a_pdf"]);
}

// A letter photographed page by page: the files are the pages of one document, in the order
// given; the second page's content (here its remark legend and appeal rights) is read with
// the first's claims. tesseract's own messages do not reach stderr.
#[test]
fn several_photos_are_the_pages_of_one_document() {
    let dir = root().join("fixtures/photo-multi-claim-ppo-eob");
    let out = overturn()
        .args(["parse", "--compact"])
        .arg(dir.join("page-1.jpg"))
        .arg(dir.join("page-2.jpg"))
        .assert()
        .success();
    let output = out.get_output();
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(v["source"]["pages"], 2);
    let path = v["source"]["path"].as_str().unwrap();
    assert!(
        path.contains("page-1.jpg + ") && path.ends_with("page-2.jpg"),
        "{path}"
    );
    assert_eq!(v["text"]["method"], "ocr");
    assert_eq!(v["claims"].as_array().unwrap().len(), 3);
    assert_eq!(v["claim"]["claim_number"], "E26-0224-40918");
    // The appeal window is on page 2.
    assert_eq!(v["dates"]["appeal_deadline_basis"], "computed");
    // In the other order the pages are read in that order.
    let reversed = overturn()
        .args(["parse", "--compact"])
        .arg(dir.join("page-2.jpg"))
        .arg(dir.join("page-1.jpg"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let r: serde_json::Value = serde_json::from_slice(&reversed).unwrap();
    assert_ne!(r["source"]["sha256"], v["source"]["sha256"]);
}

// Pages the wrong way round: a phone photo stored on its side with the way it was held in its
// EXIF block is read as held (no page "scanned rotated"); a letter scanned on its side and one
// fed upside down are turned, and the warning says so.
#[test]
fn pages_are_read_the_way_up_they_were_written() {
    let warnings = |input: &str| -> Vec<String> {
        let out = overturn()
            .args(["parse", "--compact"])
            .arg(root().join("fixtures").join(input))
            .assert()
            .success();
        let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_string())
            .filter(|w| w.contains("turned"))
            .collect()
    };
    assert_eq!(
        warnings("photo-exif-oon-eob/page-1.jpg"),
        Vec::<String>::new()
    );
    assert_eq!(
        warnings("scan-sideways-experimental-letter/input.jpg"),
        ["page 1: read turned 90 degrees (it was scanned rotated)"]
    );
    assert_eq!(
        warnings("scan-upside-down-pa-eob-table/input.png"),
        ["page 1: read turned 180 degrees (it was scanned rotated)"]
    );
}

// One unreadable page fails the document and names that file.
#[test]
fn a_bad_page_fails_the_document_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = root().join("fixtures/duplicate-portal/input.txt");
    let bad = dir.path().join("page-2.jpg");
    std::fs::write(&bad, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
    let out = overturn()
        .arg("parse")
        .arg(&good)
        .arg(&bad)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("page-2.jpg"), "{err}");
}
