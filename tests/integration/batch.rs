//! `overturn batch`: every input accounted for, in order, as JSON Lines or CSV; bad inputs
//! become error records; a killed run resumes to exactly one record per input.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use crate::util::{batch_with_failures, fixture_input, overturn, root};

const SOME: [&str; 4] = [
    "mn-ppo-letter",
    "pa-eob-table",
    "duplicate-portal",
    "paid-eob",
];

/// A temp dir holding copies of some fixtures (named 01-..., 02-...) plus bad inputs.
fn corpus(extra_bad: bool) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, f) in SOME.iter().enumerate() {
        let src = fixture_input(&root().join("fixtures").join(f));
        let ext = src.extension().unwrap().to_string_lossy().to_string();
        let dst = dir.path().join(format!("{:02}-{f}.{ext}", i + 1));
        std::fs::copy(&src, &dst).unwrap();
        files.push(dst);
    }
    if extra_bad {
        let damaged = dir.path().join("05-damaged.pdf");
        std::fs::copy(root().join("tests/data/truncated.pdf"), &damaged).unwrap();
        files.push(damaged);
        let empty = dir.path().join("06-empty.pdf");
        std::fs::write(&empty, b"").unwrap();
        files.push(empty);
        // Not a document: found in a directory, it is skipped (named directly, an error record).
        std::fs::write(
            dir.path().join("07-archive.zip"),
            b"PK\x03\x04\x14\0\0\0\x08\0\0\0\0\0\0\0\0\0\0\0",
        )
        .unwrap();
        std::fs::write(dir.path().join(".hidden.pdf"), b"%PDF-1.4 junk").unwrap();
    }
    (dir, files)
}

fn records(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not one JSON record per line ({e}): {l:?}"))
        })
        .collect()
}

fn paths_of(recs: &[Value]) -> Vec<String> {
    recs.iter()
        .map(|r| r["source"]["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn batch_writes_one_record_per_input_in_order_and_goes_on_after_failures() {
    let (dir, files) = corpus(true);
    let missing = dir.path().join("not-there.pdf");
    let out = overturn()
        .args(["batch", "--jobs", "2", "--today", "2025-09-01"])
        .arg(dir.path())
        .arg(&missing)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let recs = records(&String::from_utf8(out.stdout).unwrap());
    let mut want: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    want.push(missing.display().to_string());
    assert_eq!(
        paths_of(&recs),
        want,
        "input order, every input once, skipped files left out"
    );
    let kinds: Vec<&str> = recs
        .iter()
        .filter_map(|r| r["error"]["kind"].as_str())
        .collect();
    assert_eq!(kinds, vec!["damaged_pdf", "empty", "not_found"]);
    for r in recs.iter().filter(|r| r.get("error").is_none()) {
        assert_eq!(r["schema_version"], "1", "the same contract as parse");
    }
    // The damaged PDF's record carries its sha256 (for --resume); the missing file cannot.
    assert_eq!(recs[4]["source"]["sha256"].as_str().map(str::len), Some(64));
    assert!(recs[6]["source"].get("sha256").is_none());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("7 inputs, 4 parsed, 3 failed"), "{stderr}");
    assert!(
        stderr.contains("skipped 1 file(s) that are not documents"),
        "{stderr}"
    );
    assert!(stderr.contains("deadlines in the next 30 days"), "{stderr}");
}

#[test]
fn unordered_and_single_job_give_the_same_records() {
    let (dir, _) = corpus(false);
    let run = |args: &[&str]| -> Vec<Value> {
        let out = overturn()
            .arg("batch")
            .args(args)
            .arg(dir.path())
            .arg("--quiet")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        records(&String::from_utf8(out).unwrap())
    };
    let ordered = run(&["--jobs", "1"]);
    let two = run(&["--jobs", "2"]);
    assert_eq!(ordered, two, "parallel output equals sequential output");
    let mut unordered = run(&["--jobs", "2", "--unordered"]);
    unordered.sort_by_key(|r| r["source"]["path"].as_str().unwrap().to_string());
    assert_eq!(ordered, unordered);
}

#[test]
fn csv_has_the_documented_columns_and_one_row_per_input() {
    let (dir, files) = corpus(true);
    let out = batch_with_failures(&["--format", "csv", "--quiet"], dir.path());
    let mut rd = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, overturn::batch::CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), files.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let first = &rows[0];
    assert_eq!(&first[col("denial_category")], "medical_necessity");
    assert_eq!(&first[col("appeal_deadline")], "2025-10-11");
    assert_eq!(&first[col("billed_amount")], "2840.00");
    assert_eq!(&rows[4][col("error_kind")], "damaged_pdf");
    assert_eq!(&first[col("claims")], "1");
}

#[test]
fn paths_can_come_from_stdin() {
    let (_dir, files) = corpus(false);
    let list: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    let out = overturn()
        .args(["batch", "-", "--quiet"])
        .write_stdin(list)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        paths_of(&records(&String::from_utf8(out).unwrap())).len(),
        files.len()
    );
}

#[test]
fn a_document_past_the_time_limit_becomes_a_timeout_record() {
    let (_dir, files) = corpus(false);
    let out = overturn()
        .env("OVERTURN_TEST_DELAY_MS", "3000")
        .args(["batch", "--quiet", "--timeout", "1"])
        .arg(&files[0])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let recs = records(&String::from_utf8(out).unwrap());
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["error"]["kind"], "timeout");
}

#[test]
fn output_errors_exit_2() {
    let (dir, _) = corpus(false);
    overturn()
        .args(["batch", "--quiet", "-o", "/nonexistent-dir/out.jsonl"])
        .arg(dir.path())
        .assert()
        .code(2);
    overturn()
        .args(["batch", "--resume"])
        .arg(dir.path())
        .assert()
        .code(2); // --resume needs -o
}

fn line_count(p: &Path) -> usize {
    std::fs::read_to_string(p)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
fn killed_batch_resumes_to_exactly_one_record_per_input() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("mail");
    std::fs::create_dir(&inputs).unwrap();
    let src = std::fs::read(fixture_input(&root().join("fixtures/duplicate-portal"))).unwrap();
    let n = 60;
    for i in 0..n {
        // Distinct content per file, so the resume key (path, sha256) differs.
        let mut body = src.clone();
        body.extend(format!("\nScan batch item {i}\n").as_bytes());
        std::fs::write(inputs.join(format!("scan-{i:03}.txt")), body).unwrap();
    }
    let out = dir.path().join("records.jsonl");
    let bin = assert_cmd::cargo::cargo_bin("overturn");
    let mut child = std::process::Command::new(&bin)
        .env("OVERTURN_TEST_DELAY_MS", "40")
        .args(["batch", "--quiet", "--jobs", "2", "-o"])
        .arg(&out)
        .arg(&inputs)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while line_count(&out) < 8 && start.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = line_count(&out);
    assert!(
        before >= 8 && before < n,
        "killed in the middle: {before} of {n}"
    );
    // A kill can cut a line in half: simulate the worst case.
    let mut f = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
    std::io::Write::write_all(&mut f, b"{\"schema_version\":\"1\",\"source\":{\"pa").unwrap();
    drop(f);

    overturn()
        .args(["batch", "--quiet", "--resume", "-o"])
        .arg(&out)
        .arg(&inputs)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let recs = records(&text);
    let mut paths = paths_of(&recs);
    assert_eq!(paths.len(), n, "one record per input");
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), n, "no input twice");
    // Resuming a finished run adds nothing.
    overturn()
        .args(["batch", "--quiet", "--resume", "-o"])
        .arg(&out)
        .arg(&inputs)
        .assert()
        .success();
    assert_eq!(line_count(&out), n);
}

#[test]
fn batch_writes_a_calendar_of_all_deadlines() {
    let (dir, _) = corpus(false);
    let ics = dir.path().join("all.ics");
    overturn()
        .args(["batch", "--quiet", "--ics"])
        .arg(&ics)
        .arg(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(&ics).unwrap();
    assert_eq!(
        text.matches("BEGIN:VEVENT").count(),
        3,
        "three denials with deadlines; the paid EOB has none"
    );
}

#[test]
fn csv_lines_has_one_row_per_service_line() {
    let dir = tempfile::tempdir().unwrap();
    let eob = crate::util::root().join("fixtures/multi-claim-ppo-eob/input.pdf");
    std::fs::copy(&eob, dir.path().join("eob.pdf")).unwrap();
    std::fs::write(dir.path().join("broken.pdf"), b"%PDF-1.7\n1 0 obj <<").unwrap();
    let out = batch_with_failures(&["--format", "csv-lines", "--quiet"], dir.path());
    let mut rd = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, overturn::batch::CSV_LINE_COLUMNS);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let lines: Vec<_> = rows
        .iter()
        .filter(|r| r[col("error_kind")].is_empty())
        .collect();
    // Three claims of two service lines each.
    assert_eq!(lines.len(), 6);
    let claims: Vec<&str> = lines.iter().map(|r| &r[col("claim")]).collect();
    assert_eq!(claims, ["1", "1", "2", "2", "3", "3"]);
    let denied: Vec<&str> = lines.iter().map(|r| &r[col("denied")]).collect();
    assert_eq!(denied, ["false", "false", "true", "true", "false", "false"]);
    assert_eq!(&lines[2][col("claim_status")], "denied");
    assert_eq!(&lines[2][col("procedure_code")], "72158");
    assert_eq!(&lines[2][col("billed_amount")], "2340.00");
    // The damaged file is one error row.
    let errors: Vec<_> = rows
        .iter()
        .filter(|r| !r[col("error_kind")].is_empty())
        .collect();
    assert_eq!(errors.len(), 1);
}

// A folder per letter, its pages one file each (`--group-by-folder`): each folder is one
// document read in its pages' name order, numbers as numbers; loose files stay documents of
// their own; a page that cannot be read fails its letter only; `--resume` knows a letter done.
#[test]
fn group_by_folder_reads_each_folder_as_one_letter() {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    let letter = mail.join("letter-a");
    let broken = mail.join("letter-b");
    std::fs::create_dir_all(&letter).unwrap();
    std::fs::create_dir_all(&broken).unwrap();
    // Page 1 names the claim; page 2 (named page-10, after page-2 by number) gives the window.
    std::fs::write(
        letter.join("page-2.txt"),
        "Lindenfield Health Plan\nJune 3, 2026\nMember ID: LHP-5520-1187\n\
         Claim number: 7731-0042-19\nDear Member,\nWe denied your claim for physical therapy \
         because prior authorization was not obtained.\n",
    )
    .unwrap();
    std::fs::write(
        letter.join("page-10.txt"),
        "Your right to appeal\nYou have 180 days from the date of this letter to ask for an \
         internal appeal.\n",
    )
    .unwrap();
    std::fs::write(
        broken.join("page-1.txt"),
        "Dear Member, we denied your claim.\n",
    )
    .unwrap();
    std::fs::write(broken.join("page-2.txt"), b"").unwrap();
    let loose = mail.join("loose.pdf");
    std::fs::copy(fixture_input(&root().join("fixtures/paid-eob")), &loose).unwrap();
    let out = dir.path().join("records.jsonl");

    let run = |extra: &[&str]| {
        overturn()
            .args(["batch", "--quiet", "--group-by-folder", "-o"])
            .arg(&out)
            .args(extra)
            .arg(&mail)
            .assert()
            .code(1) // letter-b failed
            .get_output()
            .clone()
    };
    run(&[]);
    let recs = records(&std::fs::read_to_string(&out).unwrap());
    let first = letter.join("page-2.txt").display().to_string();
    let second = letter.join("page-10.txt").display().to_string();
    assert_eq!(
        paths_of(&recs),
        [
            format!("{first} + {second}"),
            format!(
                "{} + {}",
                broken.join("page-1.txt").display(),
                broken.join("page-2.txt").display()
            ),
            loose.display().to_string(),
        ]
    );
    let a = &recs[0];
    assert_eq!(a["source"]["pages"], 2);
    assert_eq!(a["claim"]["claim_number"], "7731-0042-19");
    assert_eq!(a["denial"]["category"], "prior_authorization");
    assert_eq!(a["dates"]["appeal_deadline"], "2026-11-30");
    assert_eq!(a["dates"]["appeal_deadline_basis"], "computed");
    assert_eq!(recs[1]["error"]["kind"], "empty");
    let message = recs[1]["error"]["message"].as_str().unwrap();
    assert!(message.contains("page-2.txt"), "{message}");
    assert_eq!(recs[2]["document_type"], "eob");

    // Resumed, the letters done are not read again; the one whose page could not be read is
    // tried again (as a file that could not be read is), and fails again.
    run(&["--resume"]);
    let resumed = records(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(resumed[..3], recs[..]);
    assert_eq!(resumed[3..], recs[1..2]);

    // Without the option every file is its own document.
    let apart = overturn()
        .args(["batch", "--quiet"])
        .arg(&mail)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert_eq!(records(&String::from_utf8(apart).unwrap()).len(), 5);
}
