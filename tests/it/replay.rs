//! An operator about to deploy a new build checks it against recorded case histories with
//! `lienthong replay`: histories written by earlier builds (tests/histories/<commit>/, recorded
//! by scripts/record-histories) must replay exactly, and a history the build would not reproduce
//! is reported, not passed.

use std::{
    path::{Path, PathBuf},
    process::Output,
};

use anyhow::{Context, Result};

fn histories() -> Result<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/histories");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .with_context(|| format!("reading {}", root.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    Ok(dirs)
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|f| f.extension().is_some_and(|e| e == "json"));
    files.sort();
    Ok(files)
}

fn replay(key_dir: &Path, files: &[PathBuf]) -> Result<Output> {
    Ok(std::process::Command::new(env!("CARGO_BIN_EXE_lienthong"))
        .arg("replay")
        .arg("--data-dir")
        .arg(key_dir)
        .args(files)
        .env_remove("LIENTHONG_PAYLOAD_KEYS")
        .output()?)
}

#[test]
fn every_recorded_history_replays_with_this_build() -> Result<()> {
    let dirs = histories()?;
    assert!(!dirs.is_empty(), "no recorded histories");
    for dir in dirs {
        let files = json_files(&dir)?;
        assert!(files.len() >= 5, "{}: {files:?}", dir.display());
        let output = replay(&dir, &files)?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{}:\n{stdout}\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            stdout.lines().filter(|l| l.starts_with("ok ")).count(),
            files.len(),
            "{stdout}"
        );
    }
    Ok(())
}

#[test]
fn a_history_this_build_would_not_reproduce_is_reported() -> Result<()> {
    let dir = histories()?.pop().context("no recorded histories")?;
    let original = std::fs::read_to_string(dir.join("compensated.json"))?;
    // As if the recorded case had called another activity than this build calls.
    let altered = original.replace("lienthong.call_agency", "lienthong.call_another");
    assert_ne!(altered, original, "the history schedules an activity");
    let temp = tempfile::tempdir()?;
    std::fs::copy(dir.join("payload-keys"), temp.path().join("payload-keys"))?;
    let file = temp.path().join("altered.json");
    std::fs::write(&file, altered)?;

    let output = replay(temp.path(), &[file])?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.contains("nondeterministic"), "{stdout}");
    Ok(())
}

#[test]
fn a_history_without_its_key_is_refused_with_the_reason() -> Result<()> {
    let dir = histories()?.pop().context("no recorded histories")?;
    let empty = tempfile::tempdir()?;
    let output = replay(empty.path(), &[dir.join("completed.json")])?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("no payload key"), "{stderr}");
    Ok(())
}
