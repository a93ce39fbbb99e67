//! Responses in: CSV in the ODK/Kobo export convention (UTF-8 with or without BOM, or
//! Shift_JIS from Japanese Excel) and `.xlsx`. Every value is checked by the form engine's
//! `RowChecker`; large CSV files are split at record boundaries and checked on every core.

use crate::columns::{Column, MAX_MULTI_CHOICES, Responses, TextColumn};
use mamori_form::answers::{RowChecker, RowError};
use mamori_form::text::trim;
use mamori_form::workbook::{self, Format};
use mamori_form::{Form, GroupKind, QuestionType};
use std::borrow::Cow;
use std::fmt;

/// A problem in a responses file, displayed as `FILE:ROW:COLUMN: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// 1-based row as a spreadsheet shows it (the header is row 1).
    pub row: Option<usize>,
    /// The column's header.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, ":{row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ":{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Drop rows with invalid values instead of refusing the whole file.
    pub skip_invalid: bool,
    /// The form language for the checks' messages.
    pub language: String,
    /// Fix `today()` (days since 1970-01-01) for reproducible checks.
    pub today: Option<i64>,
    /// Threads to check with; 0 = one per core.
    pub threads: usize,
    /// Bytes per block when a file is streamed ([`crate::read_responses_file`]); 0 = 1 MiB.
    pub block: usize,
    /// Text questions (by index) whose answers are checked but not kept, only whether each
    /// was given ([`Column::Answered`](crate::Column::Answered)): a report that only counts
    /// them need not hold a million company names.
    pub presence_only: Vec<usize>,
    /// Keep the metadata columns [`METADATA`] where the file has them (exports carry them).
    pub keep_metadata: bool,
    /// The column holding each response's organisation id, when it is not `_id` (e.g. a
    /// corporate-number column, to match waves by it). It is read as the id only, never as an
    /// answer.
    pub id_column: Option<String>,
}

/// The metadata columns kept with [`ReadOptions::keep_metadata`], as Kobo and Mamori write
/// them; other `_` columns are still ignored.
pub const METADATA: [&str; 2] = ["_submitted_at", "_status"];

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            skip_invalid: false,
            language: "English (en)".into(),
            today: None,
            threads: 0,
            block: 0,
            presence_only: Vec::new(),
            keep_metadata: false,
            id_column: None,
        }
    }
}

#[derive(Debug)]
pub struct Loaded {
    pub responses: Responses,
    /// With `skip_invalid`: the problems of the rows that were dropped.
    pub skipped: Vec<InputError>,
    /// With `skip_invalid`: how many rows were dropped.
    pub skipped_rows: usize,
}

/// Reads the responses in `bytes` (a file called `file_name`: `.csv` or `.xlsx`).
pub fn read_responses(
    form: &Form,
    file_name: &str,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<Loaded, Vec<InputError>> {
    let file_error = |message: String| vec![InputError { file: file_name.into(), row: None, column: None, message }];
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xlsx") || lower.ends_with(".xls") {
        let wb = workbook::read(file_name, bytes, Format::Excel).map_err(|d| file_error(d.message))?;
        let Some(sheet) = wb.sheets.into_iter().next() else { return Err(file_error("has no sheet".into())) };
        let mut rows = sheet.rows.into_iter();
        let header = rows.next().map(|r| r.cells).unwrap_or_default();
        let importer = Importer::new(form, file_name, &header, options)?;
        let mut run = Run::new(&importer, true);
        for r in rows {
            let mut values = vec![Cow::Borrowed(""); form.questions.len()];
            let id = importer.gather(r.cells.iter().map(|c| Cow::Borrowed(c.as_str())), &mut values);
            run.row(r.number, &mut values, &id, &r.cells);
        }
        let part = run.part;
        return importer.finish(vec![part]);
    }
    if !lower.ends_with(".csv") {
        return Err(file_error("is not a responses file: use .csv or .xlsx".into()));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.threads
    };
    // UTF-8 is validated by the workers, chunk by chunk (chunks end at newlines, which are
    // character boundaries); a file that is not UTF-8 is decoded as Shift_JIS and read again.
    if let Some(result) = read_csv_text(form, file_name, bytes, options, threads)? {
        return result;
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    if had_errors {
        return Err(file_error("is neither UTF-8 nor Shift_JIS text; save it as CSV UTF-8".into()));
    }
    read_csv_text(form, file_name, text.as_bytes(), options, threads)?
        .unwrap_or_else(|| Err(file_error("is neither UTF-8 nor Shift_JIS text; save it as CSV UTF-8".into())))
}

/// Reads CSV bytes if they are UTF-8: `Ok(None)` when they are not.
fn read_csv_text(
    form: &Form,
    file_name: &str,
    bytes: &[u8],
    options: &ReadOptions,
    threads: usize,
) -> Result<Option<Result<Loaded, Vec<InputError>>>, Vec<InputError>> {
    let file_error = |message: String| vec![InputError { file: file_name.into(), row: None, column: None, message }];
    let body_start = header_end(bytes);
    let Ok(header_text) = std::str::from_utf8(&bytes[..body_start]) else { return Ok(None) };
    let header = parse_header(header_text).map_err(file_error)?;
    let importer = Importer::new(form, file_name, &header, options)?;
    let chunks = split_records(&bytes[body_start..], threads);
    let parts = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let importer = &importer;
                s.spawn(move || simdutf8::basic::from_utf8(chunk).ok().map(|text| run_csv(importer, text)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a checking thread panicked")).collect::<Option<Vec<_>>>()
    });
    Ok(parts.map(|parts| importer.finish(parts)))
}

/// Byte offset just past the first record (the header), respecting quotes.
pub(crate) fn header_end(bytes: &[u8]) -> usize {
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return i + 1,
            _ => {}
        }
    }
    bytes.len()
}

pub(crate) fn parse_header(text: &str) -> Result<Vec<String>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    match reader.records().next() {
        Some(Ok(record)) => Ok(record.iter().map(|c| c.trim().to_string()).collect()),
        Some(Err(e)) => Err(format!("header row is not valid CSV: {e}")),
        None => Err("is empty: the first row must name the questions".into()),
    }
}

/// Splits CSV records into about `parts` chunks, each ending at a record boundary.
/// A chunk boundary is a newline outside quotes; one pass tracks the quote state.
fn split_records(body: &[u8], parts: usize) -> Vec<&[u8]> {
    let target = body.len() / parts.max(1) + 1;
    let mut chunks = Vec::with_capacity(parts);
    let mut start = 0;
    let mut quoted = false;
    // Only quotes and newlines matter; memchr skips everything between them.
    for i in memchr::memchr2_iter(b'"', b'\n', body) {
        if body[i] == b'"' {
            quoted = !quoted;
        } else if !quoted && i + 1 - start >= target {
            chunks.push(&body[start..=i]);
            start = i + 1;
        }
    }
    if start < body.len() {
        chunks.push(&body[start..]);
    }
    chunks
}

/// Records checked together in [`run_csv`]: enough to make a column's loop worth it, few
/// enough that their cells stay in the core's cache.
const BATCH: usize = 128;

/// Checks and stores the records of one CSV chunk; row numbers are local to the chunk and
/// fixed up when the chunks are joined. Records are taken in batches: the questions that
/// nothing else reads and that read nothing (most of a survey) are checked down their column,
/// each in one tight loop; the rest row by row, as the form's logic requires. The verdicts are
/// those of checking each row whole (the form crate's tests hold the two ways together).
pub(crate) fn run_csv(importer: &Importer, chunk: &str) -> Part {
    let mut records = crate::csvtext::Records::new(chunk);
    let mut batch = Batch::new(importer);
    let mut run = Run::new(importer, false);
    let mut index = 0;
    let mut reserved = false;
    loop {
        // Fields go straight into the batch's table; a blank line is taken back out.
        let start = batch.cells.len();
        let more = records.append_record(&mut batch.cells);
        if more {
            index += 1;
            if batch.cells[start..].iter().all(|c| trim(c).is_empty()) {
                batch.cells.truncate(start);
                continue; // blank lines, as Excel leaves at the end
            }
            batch.add(index, start);
        }
        if batch.rows.len() == BATCH || (!more && !batch.rows.is_empty()) {
            run.batch(&mut batch);
            if !reserved && more {
                // Room for the whole chunk at the first batch's rate, so that no column is
                // copied as it grows.
                reserved = true;
                let done = records.position().max(1);
                run.part.responses.reserve_scaled(chunk.len() as f64 / done as f64 * 1.02);
            }
        }
        if !more {
            break;
        }
    }
    run.part.records = index;
    run.part.bytes = chunk.len();
    run.part
}

/// A batch of records as a table: a row per record, a column per file column plus one per
/// question the file has no column for (blank). Checking leaves each cell cleaned.
struct Batch<'a> {
    /// Row-major cells, `width` per record.
    cells: Vec<Cow<'a, str>>,
    width: usize,
    file_columns: usize,
    /// Each question's column in `cells`.
    slot: Vec<usize>,
    /// Each record's row (local to the chunk).
    rows: Vec<usize>,
    /// The record numbers `0..BATCH`, to store a whole batch by.
    all: Vec<usize>,
}

impl<'a> Batch<'a> {
    fn new(importer: &Importer) -> Self {
        let file_columns = importer.header.len();
        let mut missing = file_columns;
        let slot = importer
            .column_of
            .iter()
            .map(|c| {
                c.unwrap_or_else(|| {
                    missing += 1;
                    missing - 1
                })
            })
            .collect();
        Batch { cells: Vec::new(), width: missing, file_columns, slot, rows: Vec::new(), all: (0..BATCH).collect() }
    }

    /// Takes the record whose fields were appended to `cells` from `start` on: fields past the
    /// header's are dropped, missing ones and the columns of questions without one are blank.
    fn add(&mut self, row: usize, start: usize) {
        self.rows.push(row);
        self.cells.truncate(start + self.file_columns);
        self.cells.resize(start + self.width, Cow::Borrowed(""));
    }

    fn cell(&self, record: usize, question: usize) -> &Cow<'a, str> {
        &self.cells[record * self.width + self.slot[question]]
    }
}

/// Where each file column goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Question(usize),
    Id,
    /// A kept metadata column: its place in `Responses::meta`.
    Meta(usize),
    Ignored,
}

pub(crate) struct Importer<'f> {
    form: &'f Form,
    file: String,
    header: Vec<String>,
    targets: Vec<Target>,
    checker: RowChecker<'f>,
    /// For each question, the file column holding it.
    column_of: Vec<Option<usize>>,
    /// The questions checked down their columns ([`RowChecker::independent`]).
    independent: Vec<bool>,
    /// The others outside repeats, checked row by row, in form order.
    rest: Vec<usize>,
    /// Each question's place in `rest`, if it is there.
    rest_position: Vec<Option<usize>>,
    /// The file column holding `_id`, if there is one.
    id_column: Option<usize>,
    /// The kept metadata columns: name and file column, in file order.
    meta_columns: Vec<(String, usize)>,
    skip_invalid: bool,
    /// For each question, whether only the presence of its answers is kept.
    presence_only: Vec<bool>,
}

/// Checking and storing rows one by one, with buffers reused from row to row.
struct Run<'i, 'f> {
    importer: &'i Importer<'f>,
    part: Part,
    /// The checker's code for each question's answer.
    codes: Vec<u64>,
    /// A batch's codes of the row-by-row questions, row-major, in the order of `Importer::rest`.
    rest_codes: Vec<u64>,
    /// A batch's errors with their record in the batch.
    batch_errors: Vec<(usize, RowError)>,
    row_errors: Vec<RowError>,
    dropped: Vec<usize>,
}

impl<'i, 'f> Run<'i, 'f> {
    /// `absolute`: row numbers are final (Excel), else local to a CSV chunk.
    fn new(importer: &'i Importer<'f>, absolute: bool) -> Self {
        Run {
            importer,
            part: Part {
                responses: importer.empty_responses(),
                errors: Vec::new(),
                skipped_rows: 0,
                records: 0,
                bytes: 0,
                absolute,
            },
            codes: vec![0; importer.form.questions.len()],
            row_errors: Vec::new(),
            rest_codes: Vec::new(),
            batch_errors: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// Checks a batch of records and stores the valid ones; the batch is left empty.
    fn batch<'a>(&mut self, batch: &mut Batch<'a>) {
        let imp = self.importer;
        let records = batch.rows.len();
        let rest = imp.rest.len();
        self.rest_codes.clear();
        self.rest_codes.resize(records * rest, 0);
        self.batch_errors.clear();
        // Row by row: the questions with conditions, and those the conditions read.
        let mut values: Vec<Cow<'a, str>> = vec![Cow::Borrowed(""); imp.form.questions.len()];
        for r in 0..records {
            for &q in &imp.rest {
                values[q] = std::mem::take(&mut batch.cells[r * batch.width + batch.slot[q]]);
                // Conditions read only earlier questions of this row, and those are set first;
                // cleared all the same, so that nothing of the previous row can leak in.
                self.codes[q] = 0;
            }
            imp.checker.check_coded_only(
                &imp.rest,
                &mut values,
                &mut self.codes,
                &mut self.row_errors,
                &mut self.dropped,
            );
            self.dropped.clear();
            self.batch_errors.extend(self.row_errors.drain(..).map(|e| (r, e)));
            for (k, &q) in imp.rest.iter().enumerate() {
                self.rest_codes[r * rest + k] = self.codes[q];
                batch.cells[r * batch.width + batch.slot[q]] = std::mem::take(&mut values[q]);
            }
        }
        // Every record is stored at once, the other questions checked down their columns on the
        // way; errors are rare, and a batch with any is taken back and stored again without
        // its invalid records.
        let start = self.part.responses.len();
        self.store(batch, &batch.all[..records], true);
        if !self.batch_errors.is_empty() {
            self.part.responses.truncate(start);
            // Each record's errors in form order, as checking it whole lists them.
            self.batch_errors.sort_by_key(|(r, e)| (*r, e.question));
            let mut invalid = vec![false; records];
            for (r, e) in self.batch_errors.drain(..) {
                if !invalid[r] {
                    invalid[r] = true;
                    self.part.skipped_rows += 1;
                }
                let given = trim(batch.cell(r, e.question));
                self.part.errors.push(imp.input_error(batch.rows[r], e, given));
            }
            let valid: Vec<usize> = (0..records).filter(|&r| !invalid[r]).collect();
            self.store(batch, &valid, false);
            debug_assert!(self.batch_errors.is_empty(), "a record found valid is valid when stored");
        }
        self.part.records = self.part.records.max(batch.rows.last().copied().unwrap_or(0));
        batch.rows.clear();
        batch.cells.clear();
    }

    /// Stores `records` of the batch: the row-by-row questions as the row pass cleaned and
    /// coded them, the others checked here, a column at a time. Errors go to `batch_errors`
    /// when `collect_errors` (else the records are known to be valid).
    fn store<'a>(&mut self, batch: &'a Batch<'_>, records: &[usize], collect_errors: bool) {
        let imp = self.importer;
        let rest = imp.rest.len();
        let errors = &mut self.batch_errors;
        for (q, column) in self.part.responses.columns.iter_mut().enumerate() {
            let at = batch.slot[q];
            let cell = |r: usize| batch.cells[r * batch.width + at].as_ref();
            if let Some(usual) = imp.independent[q].then(|| imp.checker.usual(q)).flatten() {
                // Checked here: the usual answer is valid as it stands, others are checked alone.
                let mut alone = |r: usize, raw: &'a str| {
                    imp.checker.check_alone(q, raw).unwrap_or_else(|e| {
                        if collect_errors {
                            errors.push((r, e));
                        }
                        (Cow::Borrowed(""), 0)
                    })
                };
                match column {
                    // Most columns of a survey: choice names, looked up with nothing else.
                    Column::Choice(out) if let Some(names) = usual.plain_choices() => {
                        out.extend(records.iter().map(|&r| {
                            let raw = cell(r);
                            match names.position(raw) {
                                Some(k) => u16::try_from(k + 1).unwrap_or(0),
                                None => u16::try_from(alone(r, raw).1).unwrap_or(0),
                            }
                        }))
                    }
                    Column::Choice(out) => out.extend(records.iter().map(|&r| {
                        let raw = cell(r);
                        let code = usual.code(raw).unwrap_or_else(|| alone(r, raw).1);
                        u16::try_from(code).unwrap_or(0)
                    })),
                    Column::Multi(out) => out.extend(records.iter().map(|&r| {
                        let raw = cell(r);
                        usual.code(raw).unwrap_or_else(|| alone(r, raw).1)
                    })),
                    Column::Text(out) => {
                        for &r in records {
                            let raw = cell(r);
                            match usual.code(raw) {
                                Some(_) => out.push(raw),
                                None => out.push(&alone(r, raw).0),
                            }
                        }
                    }
                    Column::Answered(out) => out.extend(records.iter().map(|&r| {
                        let raw = cell(r);
                        match usual.code(raw) {
                            Some(_) => !raw.is_empty(),
                            None => !alone(r, raw).0.is_empty(),
                        }
                    })),
                    Column::Number(_) => column.extend_answers(records, |r| alone(r, cell(r))),
                }
            } else if let Some(k) = imp.rest_position[q] {
                let codes = &self.rest_codes;
                column.extend_answers(records, |r| (Cow::Borrowed(cell(r)), codes[r * rest + k]));
            } else {
                // Inside a repeat: never in the file.
                column.extend_answers(records, |_| (Cow::Borrowed(""), 0));
            }
        }
        for &r in records {
            self.part.responses.rows.push(batch.rows[r]);
            if let (Some(ids), Some(c)) = (&mut self.part.responses.ids, imp.id_column) {
                ids.push(trim(&batch.cells[r * batch.width + c]));
            }
            for ((_, column), (_, c)) in self.part.responses.meta.iter_mut().zip(&imp.meta_columns) {
                column.push(trim(&batch.cells[r * batch.width + c]));
            }
        }
    }

    /// Checks one row's answers (`values`, by question, as [`Importer::gather`] left them) and
    /// stores them if they are valid (Excel sheets, which are small, are checked row by row).
    fn row(&mut self, row: usize, values: &mut [Cow<'_, str>], id: &str, cells: &[String]) {
        let imp = self.importer;
        self.part.records = self.part.records.max(row);
        imp.checker.check_coded(values, &mut self.codes, &mut self.row_errors, &mut self.dropped);
        self.dropped.clear();
        if !self.row_errors.is_empty() {
            for e in self.row_errors.drain(..) {
                // An invalid answer is left as given, so the message can quote it.
                let given = trim(&values[e.question]);
                self.part.errors.push(imp.input_error(row, e, given));
            }
            self.part.skipped_rows += 1;
            return;
        }
        for ((column, value), &code) in self.part.responses.columns.iter_mut().zip(values.iter()).zip(&self.codes) {
            column.push_checked(value, code);
        }
        self.part.responses.rows.push(row);
        if let Some(ids) = &mut self.part.responses.ids {
            ids.push(id);
        }
        for ((_, column), (_, c)) in self.part.responses.meta.iter_mut().zip(&imp.meta_columns) {
            column.push(trim(cells.get(*c).map_or("", String::as_str)));
        }
    }
}

/// What one chunk held: responses, errors and dropped rows, with row numbers local to the
/// chunk (made absolute by [`Joiner`]), plus how many records and bytes it held.
pub(crate) struct Part {
    responses: Responses,
    errors: Vec<InputError>,
    skipped_rows: usize,
    records: usize,
    /// The bytes of CSV text it came from (0 for Excel rows).
    bytes: usize,
    /// True when rows are already absolute (Excel rows).
    absolute: bool,
}

impl<'f> Importer<'f> {
    pub(crate) fn new(
        form: &'f Form,
        file: &str,
        header: &[String],
        options: &ReadOptions,
    ) -> Result<Self, Vec<InputError>> {
        let mut checker = RowChecker::new(form, &options.language);
        if let Some(today) = options.today {
            checker = checker.on(today);
        }
        let mut errors = Vec::new();
        let mut targets = Vec::with_capacity(header.len());
        let mut column_of = vec![None; form.questions.len()];
        let header_error = |column: &str, message: String| InputError {
            file: file.into(),
            row: Some(1),
            column: Some(column.into()),
            message,
        };
        for (c, name) in header.iter().enumerate() {
            let target = if name.is_empty() {
                Target::Ignored
            } else if *name == options.id_column.as_deref().unwrap_or("_id") {
                Target::Id
            } else if options.keep_metadata
                && METADATA.contains(&name.as_str())
                // A repeated column: the first is kept.
                && !header[..c].contains(name)
            {
                Target::Meta(targets.iter().filter(|t| matches!(t, Target::Meta(_))).count())
            } else if name.starts_with('_') {
                Target::Ignored // metadata columns such as _submitted_at, as Kobo exports them
            } else {
                let leaf = name.rsplit('/').next().unwrap_or(name);
                // A question known by its path (its name is used in another group too) is
                // headed by that path; any other by its name, with or without its groups.
                match checker.question_index(name).or_else(|| checker.question_index(leaf)) {
                    None => {
                        errors.push(header_error(name, format!("is not a question of form '{}'; rename the column to a question name or start it with '_' to keep it as metadata", form.form_id)));
                        Target::Ignored
                    }
                    Some(q) => {
                        let question = &form.questions[q];
                        let path = question.path.join("/");
                        if name.contains('/') && name.rsplit_once('/').map(|(p, _)| p) != Some(path.as_str()) {
                            errors.push(header_error(
                                name,
                                format!(
                                    "question '{leaf}' is in group '{path}', not '{}'",
                                    name.rsplit_once('/').map_or("", |(p, _)| p)
                                ),
                            ));
                        } else if question.group_indices.iter().any(|&g| form.groups[g].kind == GroupKind::Repeat) {
                            errors.push(header_error(name, format!("'{leaf}' is inside a repeat; repeat answers cannot come from a one-row-per-response file")));
                        } else if question.kind == QuestionType::SelectMultiple
                            && question.choices.len() > MAX_MULTI_CHOICES
                        {
                            errors.push(header_error(
                                name,
                                format!(
                                    "'{leaf}' has more than {MAX_MULTI_CHOICES} choices, more than Mamori analyses"
                                ),
                            ));
                        } else if let Some(previous) = column_of[q] {
                            errors.push(header_error(
                                name,
                                format!(
                                    "question '{leaf}' already has column '{}'; keep one of them",
                                    header[previous]
                                ),
                            ));
                        } else {
                            column_of[q] = Some(c);
                        }
                        Target::Question(q)
                    }
                }
            };
            targets.push(target);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let independent = checker.independent();
        let rest = (0..form.questions.len())
            .filter(|&q| !independent[q])
            // Questions inside a repeat have no column in a one-row-per-response file.
            .filter(|&q| !form.questions[q].group_indices.iter().any(|&g| form.groups[g].kind == GroupKind::Repeat))
            .collect::<Vec<usize>>();
        Ok(Importer {
            rest_position: (0..form.questions.len()).map(|q| rest.iter().position(|&r| r == q)).collect(),
            id_column: targets.iter().position(|t| *t == Target::Id),
            meta_columns: targets
                .iter()
                .enumerate()
                .filter(|(_, t)| matches!(t, Target::Meta(_)))
                .map(|(c, _)| (header[c].clone(), c))
                .collect(),
            form,
            file: file.into(),
            header: header.to_vec(),
            targets,
            checker,
            column_of,
            independent,
            rest,
            skip_invalid: options.skip_invalid,
            presence_only: (0..form.questions.len())
                .map(|q| {
                    options.presence_only.contains(&q)
                        && matches!(form.questions[q].kind, QuestionType::Text | QuestionType::File)
                })
                .collect(),
        })
    }

    /// Responses with no rows yet, in the columns this import fills.
    fn empty_responses(&self) -> Responses {
        let mut responses = Responses::for_import(self.form, self.id_column.is_some(), &self.presence_only);
        responses.meta = self.meta_columns.iter().map(|(name, _)| (name.clone(), TextColumn::default())).collect();
        responses
    }

    /// The located error for a problem with an answer (`given`, as the file has it).
    fn input_error(&self, row: usize, e: RowError, given: &str) -> InputError {
        let column = self.column_of[e.question]
            .map_or_else(|| self.form.questions[e.question].name.clone(), |c| self.header[c].clone());
        let message = if given.is_empty() { e.message } else { format!("'{given}': {}", e.message) };
        InputError { file: self.file.clone(), row: Some(row), column: Some(column), message }
    }

    /// Puts a record's cells where the checker wants them: `values[q]` answers question `q`
    /// ("" for questions without a column). Returns the `_id` cell.
    fn gather<'c>(&self, cells: impl Iterator<Item = Cow<'c, str>>, values: &mut [Cow<'c, str>]) -> Cow<'c, str> {
        for v in values.iter_mut() {
            *v = Cow::Borrowed("");
        }
        let mut id = Cow::Borrowed("");
        for (c, cell) in cells.enumerate() {
            match self.targets.get(c) {
                Some(Target::Question(q)) => values[*q] = cell,
                Some(Target::Id) => {
                    id = match cell {
                        Cow::Borrowed(text) => Cow::Borrowed(trim(text)),
                        Cow::Owned(text) => Cow::Owned(trim(&text).to_string()),
                    }
                }
                _ => {}
            }
        }
        id
    }

    fn finish(&self, parts: Vec<Part>) -> Result<Loaded, Vec<InputError>> {
        let mut joiner = Joiner::new(self);
        for part in parts {
            joiner.add(part);
        }
        joiner.finish()
    }
}

/// Joins the parts of a file in file order: row numbers made absolute, columns appended.
pub(crate) struct Joiner<'i, 'f, 'e> {
    importer: &'i Importer<'f>,
    /// When set, each part's responses go here, in file order, instead of into one table.
    pub(crate) each: Option<&'e mut dyn FnMut(Responses)>,
    responses: Option<Responses>,
    errors: Vec<InputError>,
    skipped_rows: usize,
    /// The file row of the next part's first record, less one. CSV parts count records from
    /// 1; the header is row 1, so a part's first record is row 2 plus the records before it.
    offset: usize,
    /// The file's size when known: the first part's rows per byte then tell how many rows to
    /// make room for at once (growing a million-row column step by step copies it many times).
    pub(crate) expected_bytes: Option<u64>,
}

impl<'i, 'f, 'e> Joiner<'i, 'f, 'e> {
    pub(crate) fn new(importer: &'i Importer<'f>) -> Self {
        Joiner {
            importer,
            each: None,
            responses: None,
            errors: Vec::new(),
            skipped_rows: 0,
            offset: 1,
            expected_bytes: None,
        }
    }

    pub(crate) fn add(&mut self, mut part: Part) {
        let shift = if part.absolute { 0 } else { self.offset };
        for row in part.responses.rows.iter_mut() {
            *row += shift;
        }
        for e in part.errors.iter_mut() {
            e.row = e.row.map(|r| r + shift);
        }
        self.offset += part.records;
        self.skipped_rows += part.skipped_rows;
        self.errors.append(&mut part.errors);
        if let Some(each) = &mut self.each {
            each(part.responses);
            return;
        }
        // The first part's columns become the table; later parts are appended to them.
        match &mut self.responses {
            None => {
                let mut first = part.responses;
                if let Some(total) = self.expected_bytes.filter(|_| part.bytes > 0 && !first.is_empty()) {
                    // A little more than the estimate: room reserved but never used costs nothing.
                    first.reserve_scaled(total as f64 / part.bytes as f64 * 1.05);
                }
                self.responses = Some(first);
            }
            Some(all) => all.append(part.responses),
        }
    }

    pub(crate) fn finish(self) -> Result<Loaded, Vec<InputError>> {
        if !self.errors.is_empty() && !self.importer.skip_invalid {
            return Err(self.errors);
        }
        let responses = self.responses.unwrap_or_else(|| self.importer.empty_responses());
        Ok(Loaded { responses, skipped: self.errors, skipped_rows: self.skipped_rows })
    }
}
