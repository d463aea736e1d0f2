//! Hostile files, made at test time in a temporary directory: truncated, corrupt and encrypted
//! PDFs, decompression bombs, 10 000 pages, page-tree loops, images claiming 30 000 x 30 000
//! pixels, a 1 000-page TIFF, zero bytes, a directory, a symbolic-link loop, an unreadable
//! file, and files whose name says one kind and whose bytes another. Each is read by the
//! binary under a memory limit and a generous time bound (a guard against hanging, not a
//! speed test) and gives its documented error kind or a report; a batch over all of them
//! writes one record per file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::root;

/// Address space the binary may use (glibc arenas, rayon's threads and libtesseract included):
/// far below what the bombs would take.
const MEMORY_LIMIT: u64 = 3 << 30;
/// Longest a file may take (a slow CI machine, a debug build): beyond it the run is a hang.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Runs the binary with `args` under [`MEMORY_LIMIT`] (through `prlimit`, when the machine has
/// it) and [`TIME_LIMIT`].
fn run_bounded(args: &[&std::ffi::OsStr]) -> Output {
    run_bounded_with(args, None, TIME_LIMIT)
}

/// [`run_bounded`] with a file as standard input and a time limit of its own.
fn run_bounded_with(args: &[&std::ffi::OsStr], stdin: Option<&Path>, limit: Duration) -> Output {
    let exe = env!("CARGO_BIN_EXE_overturn");
    let mut cmd = if Path::new("/usr/bin/prlimit").exists() {
        let mut c = Command::new("/usr/bin/prlimit");
        c.arg(format!("--as={MEMORY_LIMIT}")).arg("--").arg(exe);
        c
    } else {
        eprintln!("note: no prlimit on this machine; running without a memory limit");
        Command::new(exe)
    };
    let mut child = cmd
        .args(args)
        .stdin(match stdin {
            Some(p) => Stdio::from(std::fs::File::open(p).expect("stdin file")),
            None => Stdio::null(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Drain the pipes while waiting, so a large output cannot stall the child.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).map(|_| v)
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).map(|_| v)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("overturn {args:?} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap().unwrap(),
        stderr: err_reader.join().unwrap().unwrap(),
    }
}

/// What `overturn parse` made of a file: its report, or its error kind (from a one-file batch,
/// which names the kind) and message.
#[derive(Debug)]
enum Outcome {
    Report(Value),
    Error { kind: String, message: String },
}

fn outcome(path: &Path) -> Outcome {
    let out = run_bounded(&[
        "batch".as_ref(),
        "--quiet".as_ref(),
        "--jobs".as_ref(),
        "1".as_ref(),
        path.as_os_str(),
    ]);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 records");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: exit {:?}, stderr {stderr}",
        path.display(),
        out.status
    );
    let records: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record"))
        .collect();
    assert_eq!(records.len(), 1, "{}: {stdout}", path.display());
    let r = &records[0];
    match r.get("error") {
        Some(e) => {
            let message = e["message"].as_str().unwrap().to_string();
            assert!(
                message.contains(&path.display().to_string()),
                "the message names the file: {message}"
            );
            assert_eq!(out.status.code(), Some(1));
            Outcome::Error {
                kind: e["kind"].as_str().unwrap().to_string(),
                message,
            }
        }
        None => Outcome::Report(r.clone()),
    }
}

/// The file gives an error of one of `kinds`, whose message says `says`.
#[track_caller]
fn fails(path: &Path, kinds: &[&str], says: &str) -> String {
    match outcome(path) {
        Outcome::Error { kind, message } => {
            assert!(kinds.contains(&kind.as_str()), "{kind}: {message}");
            assert!(message.contains(says), "{message:?} should say {says:?}");
            kind
        }
        Outcome::Report(r) => panic!("{}: a report, not an error: {r}", path.display()),
    }
}

/// A PDF of the given objects (numbered from 1; object 1 is the catalog) with a correct
/// cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(o);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn obj(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    [
        format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes(),
        data.to_vec(),
        b"\nendstream".to_vec(),
    ]
    .concat()
}

/// A zlib stream that inflates to `gib` GiB of zeros while only a few MiB long: one block of
/// back-references (byte-aligned by a sync flush) written over and over.
fn zeros_bomb(gib: u64) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let chunk = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), true);
    let block = |c: &mut Compress| {
        let mut buf = Vec::with_capacity(1 << 16);
        let before = c.total_in();
        c.compress_vec(&chunk, &mut buf, FlushCompress::Sync)
            .unwrap();
        assert_eq!(c.total_in() - before, chunk.len() as u64);
        buf
    };
    let mut out = block(&mut c);
    let repeat = block(&mut c);
    assert_eq!(block(&mut c), repeat, "the repeated block is stable");
    for _ in 0..(gib << 10) {
        out.extend_from_slice(&repeat);
    }
    out
}

/// A fixture PDF's bytes.
fn fixture_pdf() -> Vec<u8> {
    std::fs::read(root().join("fixtures/pa-hmo-letter/input.pdf")).unwrap()
}

/// Every hostile file, written into `dir`, with the error kinds it may give (empty: it must
/// give a report).
fn hostile_files(dir: &Path) -> Vec<(PathBuf, &'static [&'static str])> {
    let mut files: Vec<(PathBuf, &'static [&'static str])> = Vec::new();
    let mut put = |name: &str, bytes: &[u8], kinds: &'static [&'static str]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        files.push((p, kinds));
    };
    let good = fixture_pdf();
    // Truncated: the structure is rebuilt from what is left, or the PDF is damaged.
    for pct in [10, 50, 90, 99] {
        put(
            &format!("truncated-{pct}.pdf"),
            &good[..good.len() * pct / 100],
            &["damaged_pdf", "no_text", ""],
        );
    }
    // Corrupt: bytes overwritten all through the file.
    let mut corrupt = good.clone();
    for i in (100..corrupt.len()).step_by(97) {
        corrupt[i] = corrupt[i].wrapping_mul(31).wrapping_add(7);
    }
    put("corrupt.pdf", &corrupt, &["damaged_pdf", "no_text", ""]);
    put(
        "encrypted.pdf",
        &std::fs::read(root().join("tests/data/encrypted.pdf")).unwrap(),
        &["encrypted_pdf"],
    );
    put(
        "bomb.pdf",
        &pdf(&[
            obj("<< /Type /Catalog /Pages 2 0 R >>"),
            obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"),
            stream("/Filter /FlateDecode", &zeros_bomb(4)),
        ]),
        &["too_large"],
    );
    // 10 000 pages sharing one content stream.
    let mut objects = vec![obj("<< /Type /Catalog /Pages 2 0 R >>")];
    let kids: Vec<String> = (0..10_000).map(|i| format!("{} 0 R", i + 4)).collect();
    objects.push(obj(&format!(
        "<< /Type /Pages /Kids [{}] /Count 10000 >>",
        kids.join(" ")
    )));
    objects.push(stream("", b"BT /F1 12 Tf 72 720 Td (Page) Tj ET"));
    for _ in 0..10_000 {
        objects.push(obj(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>",
        ));
    }
    put("ten-thousand-pages.pdf", &pdf(&objects), &["too_large"]);
    // Page trees that loop: kids that are each other's, a node its own kid, a /Parent cycle.
    put(
        "kids-loop.pdf",
        &pdf(&[
            obj("<< /Type /Catalog /Pages 2 0 R >>"),
            obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            obj("<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>"),
        ]),
        &["damaged_pdf"],
    );
    put(
        "parent-loop.pdf",
        &pdf(&[
            obj("<< /Type /Catalog /Pages 2 0 R >>"),
            obj("<< /Type /Pages /Parent 3 0 R /Kids [4 0 R] /Count 1 >>"),
            obj("<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"),
            obj("<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Resources 3 0 R >>"),
        ]),
        &["damaged_pdf", "no_text"],
    );
    put(
        "self-reference.pdf",
        &pdf(&[
            obj("<< /Type /Catalog /Pages 1 0 R /Kids [1 0 R] >>"),
            obj("2 0 R"),
        ]),
        &["damaged_pdf"],
    );
    // Images whose header claims 30 000 x 30 000 pixels (900 megapixels).
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(30_000u32.to_be_bytes());
    png.extend(30_000u32.to_be_bytes());
    png.extend(b"\x08\x00\x00\x00\x00\0\0\0\0");
    put("huge.png", &png, &["bad_image"]);
    let mut bmp = b"BM".to_vec();
    bmp.extend(0u32.to_le_bytes());
    bmp.extend(0u32.to_le_bytes());
    bmp.extend(54u32.to_le_bytes());
    bmp.extend(40u32.to_le_bytes());
    bmp.extend(30_000i32.to_le_bytes());
    bmp.extend(30_000i32.to_le_bytes());
    bmp.extend(1u16.to_le_bytes());
    bmp.extend(24u16.to_le_bytes());
    bmp.extend([0u8; 24]);
    put("huge.bmp", &bmp, &["bad_image"]);
    put("huge.tif", &tiff_header(30_000, 30_000), &["bad_image"]);
    put("thousand-pages.tif", &tiff_pages(1_000), &["bad_image"]);
    put("zero-bytes.pdf", b"", &["empty"]);
    put(
        "portal-error.pdf",
        b"<!DOCTYPE html><html><head><title>Session expired</title></head>\
          <body><p>Please sign in again.</p></body></html>",
        &["not_a_pdf"],
    );
    put(
        "download-failed.pdf",
        b"Download failed. Try again later.\n",
        &["not_a_pdf"],
    );
    put(
        "letter.jpg",
        &std::fs::read(root().join("fixtures/pa-hmo-letter/input.pdf")).unwrap(),
        &[""],
    );
    files
}

/// A little-endian TIFF header and one page directory of `w` x `h` 8-bit gray pixels whose
/// strip is not there.
fn tiff_header(w: u32, h: u32) -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes());
    let entries: [(u16, u16, u32, u32); 8] = [
        (256, 4, 1, w),     // ImageWidth
        (257, 4, 1, h),     // ImageLength
        (258, 3, 1, 8),     // BitsPerSample
        (259, 3, 1, 1),     // Compression: none
        (262, 3, 1, 1),     // Photometric: black is zero
        (273, 4, 1, 8),     // StripOffsets
        (278, 4, 1, h),     // RowsPerStrip
        (279, 4, 1, w * h), // StripByteCounts (wrapping is fine: the file is a liar)
    ];
    t.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        t.extend(tag.to_le_bytes());
        t.extend(kind.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(value.to_le_bytes());
    }
    t.extend(0u32.to_le_bytes());
    t
}

/// A TIFF of `n` blank 8 x 8 pages.
fn tiff_pages(n: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut enc = tiff::encoder::TiffEncoder::new(std::io::Cursor::new(&mut bytes)).unwrap();
        for _ in 0..n {
            enc.write_image::<tiff::encoder::colortype::Gray8>(8, 8, &[255u8; 64])
                .unwrap();
        }
    }
    bytes
}

#[test]
fn each_hostile_file_gives_its_error_or_a_report() {
    let dir = tempfile::tempdir().unwrap();
    for (path, kinds) in hostile_files(dir.path()) {
        let started = Instant::now();
        let got = outcome(&path);
        eprintln!("{}: {:?}", path.display(), started.elapsed());
        match got {
            Outcome::Report(r) => assert!(
                kinds.contains(&""),
                "{}: a report, expected one of {kinds:?}: {}",
                path.display(),
                r["warnings"]
            ),
            Outcome::Error { kind, message } => {
                assert!(
                    kinds.contains(&kind.as_str()),
                    "{}: {kind} ({message}), expected one of {kinds:?}",
                    path.display()
                );
                assert!(
                    !message.contains("panicked") && !message.contains("internal"),
                    "{message}"
                );
            }
        }
    }
}

#[test]
fn a_decompression_bomb_says_how_large_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.pdf");
    std::fs::write(
        &p,
        pdf(&[
            obj("<< /Type /Catalog /Pages 2 0 R >>"),
            obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"),
            stream("/Filter /FlateDecode", &zeros_bomb(4)),
        ]),
    )
    .unwrap();
    assert!(
        std::fs::metadata(&p).unwrap().len() < 16 << 20,
        "a small file"
    );
    fails(&p, &["too_large"], "the limit is");
}

#[test]
fn a_jpg_holding_a_pdf_is_read_as_a_pdf_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("scan.jpg");
    std::fs::write(&p, fixture_pdf()).unwrap();
    let Outcome::Report(r) = outcome(&p) else {
        panic!("a report")
    };
    assert_eq!(r["source"]["media_type"], "application/pdf");
    assert_eq!(r["text"]["method"], "pdf_text");
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("named .jpg but holds a PDF"),
        "{warnings}"
    );
}

#[test]
fn zero_bytes_a_directory_and_a_symlink_loop() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pdf");
    std::fs::write(&empty, b"").unwrap();
    fails(&empty, &["empty"], "file is empty");
    // `batch` walks a directory; `parse` is given one as a document.
    let sub = dir.path().join("letters.pdf");
    std::fs::create_dir(&sub).unwrap();
    let out = run_bounded(&["parse".as_ref(), sub.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a document overturn can read (detected a directory)"),
        "{stderr}"
    );
    #[cfg(unix)]
    {
        let a = dir.path().join("a.pdf");
        let b = dir.path().join("b.pdf");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        fails(&a, &["io"], "cannot read");
    }
}

#[test]
#[cfg(unix)]
fn an_unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("locked.pdf");
    std::fs::write(&p, fixture_pdf()).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        // Root reads any file whatever its mode: there is nothing to test.
        eprintln!(
            "an_unreadable_file: skipped: running as root, a mode of 000 does not stop reading"
        );
        return;
    }
    fails(&p, &["io"], "Permission denied");
}

#[test]
fn a_batch_over_every_hostile_file_accounts_for_each() {
    let dir = tempfile::tempdir().unwrap();
    let files = hostile_files(dir.path());
    let mut paths: Vec<PathBuf> = files.into_iter().map(|(p, _)| p).collect();
    #[cfg(unix)]
    {
        let loop_a = dir.path().join("loop-a.pdf");
        std::os::unix::fs::symlink(dir.path().join("loop-b.pdf"), &loop_a).unwrap();
        std::os::unix::fs::symlink(&loop_a, dir.path().join("loop-b.pdf")).unwrap();
        paths.push(loop_a);
    }
    // Every file named: one record each, in order.
    let list = dir.path().join("list.txt");
    let mut f = std::fs::File::create(&list).unwrap();
    for p in &paths {
        writeln!(f, "{}", p.display()).unwrap();
    }
    drop(f);
    let args = ["batch", "--jobs", "2", "--timeout", "60", "-"].map(std::ffi::OsStr::new);
    let out = run_bounded_with(&args, Some(&list), 10 * TIME_LIMIT);
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<&str> = records
        .iter()
        .map(|r| r["source"]["path"].as_str().unwrap())
        .collect();
    let want: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(got, want);
    assert_eq!(out.status.code(), Some(1), "some inputs failed");
    for r in &records {
        if let Some(kind) = r["error"]["kind"].as_str() {
            assert!(!matches!(kind, "panic" | "internal" | "timeout"), "{r}");
        }
    }
    // The directory walked: every file is an input or counted as skipped.
    let args = [
        "batch".as_ref(),
        "--jobs".as_ref(),
        "2".as_ref(),
        dir.path().as_os_str(),
    ];
    let out = run_bounded_with(&args, None, 10 * TIME_LIMIT);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let inputs = String::from_utf8(out.stdout).unwrap().lines().count();
    let skipped = stderr
        .split("skipped ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let on_disk = walk_files(dir.path());
    assert_eq!(inputs + skipped, on_disk, "{stderr}");
}

/// Files and symbolic links under `dir` (what a batch over it must account for).
fn walk_files(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            n += walk_files(&e.path());
        } else {
            n += 1;
        }
    }
    n
}
