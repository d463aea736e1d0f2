//! Shared helpers: paths and the `overturn` command.

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture directories, sorted, filtered by `OVERTURN_FIXTURE` when set.
pub fn fixture_dirs() -> Vec<PathBuf> {
    let filter = std::env::var("OVERTURN_FIXTURE").ok();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.json").is_file())
        .filter(|p| {
            filter
                .as_deref()
                .is_none_or(|f| p.to_string_lossy().contains(f))
        })
        .collect();
    dirs.sort();
    dirs
}

/// The input document of a fixture directory.
pub fn fixture_input(dir: &std::path::Path) -> PathBuf {
    [
        "input.pdf",
        "input.txt",
        "input.png",
        "input.jpg",
        "input.tif",
    ]
    .iter()
    .map(|n| dir.join(n))
    .find(|p| p.is_file())
    .expect("fixture has an input")
}

/// A fixture's inputs: its photographed pages (`page-1.jpg`, `page-2.jpg`, ...) in order, read
/// as one document, or its one input file.
pub fn fixture_inputs(dir: &std::path::Path) -> Vec<overturn::Input> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("page-"))
        })
        .collect();
    pages.sort();
    if pages.is_empty() {
        pages.push(fixture_input(dir));
    }
    pages.into_iter().map(overturn::Input::Path).collect()
}

/// The built `overturn` binary.
pub fn overturn() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("overturn").expect("binary builds")
}

/// Runs `overturn batch ARGS DIR` over a folder holding at least one bad input: exit code 1
/// (some inputs failed, their records are written); returns what it wrote on stdout.
pub fn batch_with_failures(args: &[&str], dir: &std::path::Path) -> Vec<u8> {
    overturn()
        .arg("batch")
        .args(args)
        .arg(dir)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone()
}
