//! Reading a large CSV file in blocks: one thread reads the file a block at a time, cut at record
//! boundaries, every core checks blocks as they come, and the checked blocks are joined in
//! file order as soon as they are ready. Compared with reading the whole file first, the file is
//! never held whole (a million responses are 200 MB of text), reading overlaps checking, and the
//! few block buffers are reused, so memory is touched once instead of twice — on a virtual
//! machine each first touch of a page is a costly fault.

use crate::read::{Importer, InputError, Joiner, Loaded, Part, ReadOptions, header_end, parse_header, run_csv};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// Bytes per block unless the options say otherwise: small enough to stay in the caches between
/// the reading thread and the checking one, large enough that handing blocks over costs nothing.
const DEFAULT_BLOCK: usize = 1 << 20;

/// Reads and checks a responses file. CSV files in UTF-8 are streamed in blocks; other files
/// (`.xlsx`, Shift_JIS text) are read whole and go through [`crate::read_responses`].
pub fn read_responses_file(
    form: &mamori_form::Form,
    path: &Path,
    options: &ReadOptions,
) -> Result<Loaded, Vec<InputError>> {
    let name = path.display().to_string();
    let cannot_read = |e: std::io::Error| {
        vec![InputError { file: name.clone(), row: None, column: None, message: format!("cannot be read: {e}") }]
    };
    let whole = || {
        std::fs::read(path).map_err(cannot_read).and_then(|bytes| crate::read_responses(form, &name, &bytes, options))
    };
    if !name.to_lowercase().ends_with(".csv") {
        return whole();
    }
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let len = file.metadata().ok().map(|m| m.len());
    match stream_csv(form, &name, file, len, options, None).map_err(cannot_read)? {
        Some(result) => result,
        // Not UTF-8 (Shift_JIS from Japanese Excel, or not text at all): the whole-file path
        // decodes it or says what is wrong.
        None => whole(),
    }
}

/// Reads and checks a responses file as [`read_responses_file`] does, handing the valid
/// responses to `each` a part at a time, in file order, instead of holding them all: a part
/// is a block of about 1 MiB of a UTF-8 CSV file (other files are one part). The result holds
/// no responses, only the problems; with problems and without `skip_invalid`, parts may have
/// gone to `each` before the error is known — a caller that writes them throws its output away.
pub fn for_each_part(
    form: &mamori_form::Form,
    path: &Path,
    options: &ReadOptions,
    each: &mut dyn FnMut(crate::Responses),
) -> Result<Loaded, Vec<InputError>> {
    let name = path.display().to_string();
    let cannot_read = |e: std::io::Error| {
        vec![InputError { file: name.clone(), row: None, column: None, message: format!("cannot be read: {e}") }]
    };
    let whole = |each: &mut dyn FnMut(crate::Responses)| {
        let mut loaded = read_responses_file(form, path, options)?;
        let shape = loaded.responses.empty_like();
        each(std::mem::replace(&mut loaded.responses, shape));
        Ok(loaded)
    };
    // Streamed only when the whole file is UTF-8: a Shift_JIS file found out half-way would
    // otherwise hand its first parts over twice.
    if !name.to_lowercase().ends_with(".csv") || !utf8_file(path).map_err(cannot_read)? {
        return whole(each);
    }
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    match stream_csv(form, &name, file, None, options, Some(each)).map_err(cannot_read)? {
        Some(result) => result,
        None => Err(vec![InputError {
            file: name.clone(),
            row: None,
            column: None,
            message: "changed while it was read".into(),
        }]),
    }
}

/// Whether a file is UTF-8 throughout (read a block at a time).
fn utf8_file(path: &Path) -> std::io::Result<bool> {
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0u8; DEFAULT_BLOCK];
    let mut carried = 0;
    loop {
        let n = file.read(&mut buffer[carried..])?;
        let filled = carried + n;
        if n == 0 {
            return Ok(carried == 0);
        }
        match simdutf8::compat::from_utf8(&buffer[..filled]) {
            Ok(_) => carried = 0,
            // A character cut by the block's end: carried over to the next.
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buffer.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// A block of the file for a checking thread: its place in the file and its text.
struct Block {
    seq: usize,
    buffer: Vec<u8>,
}

/// `Ok(None)` when the file turns out not to be UTF-8 or its header does not fit in a block.
fn stream_csv(
    form: &mamori_form::Form,
    name: &str,
    mut file: impl Read + Send,
    len: Option<u64>,
    options: &ReadOptions,
    each: Option<&mut dyn FnMut(crate::Responses)>,
) -> std::io::Result<Option<Result<Loaded, Vec<InputError>>>> {
    let block_size = if options.block == 0 { DEFAULT_BLOCK } else { options.block };
    let file_error = |message: String| vec![InputError { file: name.into(), row: None, column: None, message }];
    // The header, from the first block.
    let mut first = Vec::with_capacity(block_size);
    fill(&mut file, &mut first, block_size)?;
    let at_end = first.len() < block_size;
    let bom = if first.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let body_start = bom + header_end(&first[bom..]);
    if body_start == first.len() && !at_end {
        return Ok(None);
    }
    let Ok(header_text) = std::str::from_utf8(&first[bom..body_start]) else { return Ok(None) };
    let header = match parse_header(header_text) {
        Ok(header) => header,
        Err(message) => return Ok(Some(Err(file_error(message)))),
    };
    let importer = match Importer::new(form, name, &header, options) {
        Ok(importer) => importer,
        Err(errors) => return Ok(Some(Err(errors))),
    };
    first.drain(..body_start);

    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.threads
    };
    let not_utf8 = AtomicBool::new(false);
    // Buffers go round: reader → checker → back to the reader. Their number bounds memory.
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    for _ in 0..threads * 2 + 1 {
        free_tx.send(Vec::with_capacity(block_size + block_size / 4)).expect("the receiver is here");
    }
    let (work_tx, work_rx) = mpsc::sync_channel::<Block>(threads * 2);
    // Shared by the checking threads only: should they all stop (a bug making one panic), the
    // queue and the buffers' way back close, and the reader stops instead of waiting forever.
    let work_rx = Arc::new(Mutex::new(work_rx));
    // Bounded too: when parts are handed on (`for_each_part`) the consumer may be slower than
    // the checking, and checked parts must not pile up. The receiving loop below never stops
    // receiving while it waits for a part, so a full queue cannot stall the part it waits for.
    let (done_tx, done_rx) = mpsc::sync_channel::<(usize, Part)>(threads * 2);
    let outcome = std::thread::scope(|s| {
        let not_utf8_seen = &not_utf8;
        let reader = s.spawn(move || read_blocks(file, first, block_size, &free_rx, work_tx, not_utf8_seen));
        for _ in 0..threads {
            let (work_rx, done_tx, free_tx, importer, not_utf8) =
                (Arc::clone(&work_rx), done_tx.clone(), free_tx.clone(), &importer, &not_utf8);
            s.spawn(move || {
                loop {
                    // Holding the lock only to take the next block.
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(Block { seq, buffer })) = next else { break };
                    if not_utf8.load(Ordering::Relaxed) {
                        continue; // draining after a block that was not UTF-8
                    }
                    match simdutf8::basic::from_utf8(&buffer) {
                        Ok(text) => {
                            let part = run_csv(importer, text);
                            if done_tx.send((seq, part)).is_err() {
                                break;
                            }
                        }
                        Err(_) => not_utf8.store(true, Ordering::Relaxed),
                    }
                    // The reader may have finished; then the buffer is simply dropped.
                    let _ = free_tx.send(buffer);
                }
            });
        }
        drop((done_tx, free_tx, work_rx));
        // Join the blocks in file order as they come back.
        let mut joiner = Joiner::new(&importer);
        joiner.expected_bytes = len;
        joiner.each = each;
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for (seq, part) in done_rx {
            waiting.insert(seq, part);
            while let Some(part) = waiting.remove(&next) {
                joiner.add(part);
                next += 1;
            }
        }
        let read = reader.join().expect("the reading thread panicked");
        (read, joiner)
    });
    let (read, joiner) = outcome;
    read?;
    if not_utf8.load(Ordering::Relaxed) {
        return Ok(None);
    }
    Ok(Some(joiner.finish()))
}

/// Reads `file` into `buffer` until it holds `size` bytes or the file ends.
fn fill(file: &mut impl Read, buffer: &mut Vec<u8>, size: usize) -> std::io::Result<()> {
    let start = buffer.len();
    file.take((size.saturating_sub(start)) as u64).read_to_end(buffer)?;
    Ok(())
}

/// Reads the file block by block, each cut after its last complete record; the cut-off rest
/// begins the next block. `first` is what was read already, minus the header.
fn read_blocks(
    mut file: impl Read,
    first: Vec<u8>,
    block_size: usize,
    free: &mpsc::Receiver<Vec<u8>>,
    work: mpsc::SyncSender<Block>,
    not_utf8: &AtomicBool,
) -> std::io::Result<()> {
    let mut current = first;
    let mut quoted = false;
    // Where the scan for record ends resumes in `current`, and the quote state there.
    let mut scanned = 0;
    let mut seq = 0;
    loop {
        let at_end = current.len() < block_size && {
            fill(&mut file, &mut current, block_size)?;
            current.len() < block_size
        };
        // The last newline outside quotes ends the block's last complete record. Without a
        // quote in the block (most files have none) that is simply its last newline.
        let mut cut = None;
        if !quoted && memchr::memchr(b'"', &current[scanned..]).is_none() {
            cut = memchr::memrchr(b'\n', &current[scanned..]).map(|i| scanned + i + 1);
        } else {
            for i in memchr::memchr2_iter(b'"', b'\n', &current[scanned..]).map(|i| i + scanned) {
                if current[i] == b'"' {
                    quoted = !quoted;
                } else if !quoted {
                    cut = Some(i + 1);
                }
            }
        }
        let cut = match cut {
            _ if at_end => current.len(),
            Some(cut) => cut,
            // One record longer than a block: read on into a larger buffer.
            None => {
                scanned = current.len();
                let more = current.len() + block_size;
                fill(&mut file, &mut current, more)?;
                if current.len() < more {
                    // The file ended inside the record: send what there is.
                    send(&work, seq, current)?;
                    return Ok(());
                }
                continue;
            }
        };
        // The text left over begins a record, outside quotes: the next scan starts there.
        let mut next = free.recv().unwrap_or_default();
        next.clear();
        next.extend_from_slice(&current[cut..]);
        current.truncate(cut);
        if !current.is_empty() {
            send(&work, seq, current)?;
            seq += 1;
        }
        if at_end || not_utf8.load(Ordering::Relaxed) {
            return Ok(());
        }
        current = next;
        quoted = false;
        scanned = 0;
    }
}

fn send(work: &mpsc::SyncSender<Block>, seq: usize, buffer: Vec<u8>) -> std::io::Result<()> {
    work.send(Block { seq, buffer }).map_err(|_| std::io::Error::other("the checking threads stopped"))
}
