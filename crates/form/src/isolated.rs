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
//! `RLIMIT_DATA` and `RLIMIT_CPU`, with a wall-clock deadline the parent enforces. A hostile
//! file costs the child; the parent gets a clear error.

use crate::workbook::Sheet;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The most memory (heap and private mappings) one workbook may take to read. A workbook at
/// the cell cap (`workbook::MAX_CELLS`) needs about 180 MiB; 320 MiB of data plus the
/// program's own pages keeps a hostile file's reader under 512 MiB resident.
pub const MEMORY_BYTES: u64 = 320 * 1024 * 1024;
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
    let limited = rlimit::setrlimit(rlimit::Resource::DATA, MEMORY_BYTES, MEMORY_BYTES)
        .and_then(|()| rlimit::setrlimit(rlimit::Resource::CPU, SECONDS, SECONDS + 1));
    if let Err(e) = limited {
        eprintln!("read-workbook: cannot limit resources: {e}");
        return 2;
    }
    let mut bytes = Vec::new();
    if std::io::stdin().read_to_end(&mut bytes).is_err() {
        return 2;
    }
    let answer = match crate::workbook::read_excel_here(&bytes) {
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

/// The parent's side: reads `bytes` in a child of `program`.
pub(crate) fn read_excel(program: &(PathBuf, Vec<String>), bytes: &[u8]) -> Result<Vec<Sheet>, String> {
    let too_much = || {
        format!(
            "could not be read: reading it needed more than {} MiB of memory or {SECONDS} s (a damaged file, or one that \
             is not what it claims to be); open it in Excel and save it again as .xlsx",
            MEMORY_BYTES >> 20
        )
    };
    let mut child = Command::new(&program.0)
        .args(&program.1)
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
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
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
