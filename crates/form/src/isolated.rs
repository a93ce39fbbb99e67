//! Excel workbooks from others are read in a child process with bounded memory and time.
//!
//! calamine trusts what a file says about itself: a 1.5 KB `.xlsx` with one cell at XFD1048576
//! asks it for half a terabyte, an `.xls` whose OLE sector chain points to itself for gigabytes,
//! a zip bomb inflates without end. An allocation failure aborts the whole process, and with it
//! a server's every respondent. Checking each such trick before calamine sees the file would
//! mean re-implementing its parsers; instead a program that reads files from others (the
//! `mamori` binary: the server's uploads, `form check`, `report`) names itself once with
//! [`read_excel_in_child_processes`], and every Excel workbook is then read by a child of that
//! program (its hidden `read-workbook` command, which calls [`child_main`]) under
//! `RLIMIT_DATA` and `RLIMIT_CPU`, with a wall-clock deadline and a bound on resident memory
//! the parent enforces. A hostile file costs the child; the parent gets a clear error.
//!
//! Two bounds on memory, because calamine reserves more than it uses: for a real 3.9 MB `.xls`
//! whose sheet has formatted empty cells far from its rows it reserves 640 MiB in one go and
//! touches 15 MB. `RLIMIT_DATA` ([`RESERVE_BYTES`]) caps what the child may reserve — what a
//! file merely claims — and the parent, which polls the child every few milliseconds anyway,
//! stops it once its resident memory passes [`MEMORY_BYTES`] — what a file really costs.

use crate::workbook::Sheet;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The most memory one workbook may really use (resident) to be read. A workbook at the cell
/// cap (`workbook::MAX_CELLS`) needs about 180 MiB. The parent checks every
/// [`POLL`]; a child touching memory as fast as it can passes this by a few tens of MiB before
/// it is stopped, and never passes [`RESERVE_BYTES`].
pub const MEMORY_BYTES: u64 = 320 * 1024 * 1024;
/// The most memory (heap and private mappings) one workbook's reader may reserve, touched or
/// not (`RLIMIT_DATA`): twice what calamine reserved for the largest real form we know.
pub const RESERVE_BYTES: u64 = 1024 * 1024 * 1024;
/// How often the parent looks at the child (exit, resident memory, the deadline).
const POLL: Duration = Duration::from_millis(2);
/// The most time one workbook may take to read (CPU in the child, and wall clock).
pub const SECONDS: u64 = 30;

/// The program and the arguments that make it run [`child_main`].
static PROGRAM: OnceLock<(PathBuf, Vec<String>)> = OnceLock::new();

/// From now on, this process reads Excel workbooks in children: `program` run with `args`
/// must call [`child_main`].
pub fn read_excel_in_child_processes(program: PathBuf, args: Vec<String>) {
    let _ = PROGRAM.set((program, args));
}

pub(crate) fn program() -> Option<&'static (PathBuf, Vec<String>)> {
    PROGRAM.get()
}

#[derive(serde::Serialize, serde::Deserialize)]
enum Answer {
    Sheets(Vec<Sheet>),
    Error(String),
}

/// The child's side: limits itself, reads a workbook from standard input, writes the sheets (or
/// the reason it could not) to standard output. Returns the exit code.
pub fn child_main() -> i32 {
    let limited = rlimit::setrlimit(rlimit::Resource::DATA, RESERVE_BYTES, RESERVE_BYTES)
        .and_then(|()| rlimit::setrlimit(rlimit::Resource::CPU, SECONDS, SECONDS + 1));
    if let Err(e) = limited {
        eprintln!("read-workbook: cannot limit resources: {e}");
        return 2;
    }
    let mut bytes = Vec::new();
    if std::io::stdin().read_to_end(&mut bytes).is_err() {
        return 2;
    }
    // `--only=survey,choices,…`: the sheets to read (the others are named only).
    let only: Option<String> = std::env::args().find_map(|a| a.strip_prefix("--only=").map(String::from));
    let only: Option<Vec<&str>> = only.as_deref().map(|o| o.split(',').collect());
    let answer = match crate::workbook::read_excel_here(&bytes, only.as_deref()) {
        Ok(sheets) => Answer::Sheets(sheets),
        Err(message) => Answer::Error(message),
    };
    drop(bytes);
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer(&mut out, &answer).map(|()| out.flush()) {
        Ok(_) => 0,
        Err(_) => 2,
    }
}

/// The parent's side: reads `bytes` in a child of `program` (only the sheets in `only`, when
/// given).
pub(crate) fn read_excel(
    program: &(PathBuf, Vec<String>),
    bytes: &[u8],
    only: Option<&[&str]>,
) -> Result<Vec<Sheet>, String> {
    let too_much = || {
        format!(
            "could not be read: reading it needed more than {} MiB of memory or {SECONDS} s (a damaged file, or one that \
             is not what it claims to be); open it in Excel and save it again as .xlsx",
            MEMORY_BYTES >> 20
        )
    };
    let mut child = Command::new(&program.0)
        .args(&program.1)
        .args(only.map(|only| format!("--only={}", only.join(","))))
        // A child that fails an allocation aborts; with backtraces on it would first spend a
        // tenth of a second symbolising one that no one reads (its standard error is dropped).
        .env("RUST_BACKTRACE", "0")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not be read: the workbook reader did not start ({e})"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + Duration::from_secs(SECONDS + 5);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline && resident_bytes(child.id()).unwrap_or(0) <= MEMORY_BYTES => {
                std::thread::sleep(POLL)
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let _ = writer.join();
    let output = reader.join().unwrap_or_default();
    match status {
        Some(s) if s.success() => match serde_json::from_slice::<Answer>(&output) {
            Ok(Answer::Sheets(sheets)) => Ok(sheets),
            Ok(Answer::Error(message)) => Err(message),
            Err(_) => Err(too_much()),
        },
        _ => Err(too_much()),
    }
}

/// A process's resident memory (`VmRSS` in `/proc/<pid>/status`); `None` where there is no
/// `/proc` (then `RLIMIT_DATA` alone bounds the child) or once the process is gone.
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
