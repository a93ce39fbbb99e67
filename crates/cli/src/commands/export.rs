//! `mamori export`: the responses for SPSS, Stata or R, with every label and missing code,
//! and a codebook beside them.

use clap::{Args, ValueEnum};
use mamori_dataset::ReadOptions;
use mamori_dataset::export::{
    self, Compression, CsvWriter, Dictionary, DtaWriter, Language, Layout, SavWriter, Target,
};
use mamori_form::Form;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct Export {
    /// The questionnaire (XLSForm).
    #[arg(long)]
    form: PathBuf,
    /// The responses: CSV (UTF-8 or Shift_JIS) or XLSX, checked as `mamori report` checks them;
    /// `_id`, `_submitted_at` and `_status` columns are carried along.
    #[arg(long)]
    responses: PathBuf,
    #[arg(long, value_enum)]
    format: Format,
    /// Language of the labels: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
    /// Drop rows with invalid values (and list them) instead of refusing the file.
    #[arg(long)]
    skip_invalid: bool,
    /// The file to write (`.sav`, `.zsav`, `.dta`; for r and sps the script, with the CSV it
    /// reads beside it). The codebook goes beside it as `<name>-codebook.csv`.
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// SPSS system file, bytecode-compressed.
    Sav,
    /// SPSS system file, zlib-compressed.
    Zsav,
    /// Stata 14+ (format 118).
    Dta,
    /// A UTF-8 CSV and an R script applying labels and missing codes (haven).
    R,
    /// A UTF-8 CSV and SPSS syntax reading it.
    Sps,
}

/// Writes a file through a temporary one beside it, renamed into place only when complete:
/// a full disk or an interruption leaves no half-written export under the final name.
fn write_file(path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.part", std::process::id()));
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&temp)?);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("{}: error: cannot be written: {e}", path.display())
    })
}

/// A file's size and modification time, to tell that it did not change between the passes.
type Stamp = Option<(u64, Option<std::time::SystemTime>)>;

fn stamp(path: &Path) -> Stamp {
    std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok()))
}

pub fn run(args: Export) -> ExitCode {
    let Some(form) = super::load_form(&args.form) else { return ExitCode::FAILURE };
    let code = match args.lang.as_str() {
        "ja" | "en" => args.lang.as_str(),
        other => {
            eprintln!("--lang {other}: use ja or en");
            return ExitCode::from(2);
        }
    };
    let target = match args.format {
        Format::Sav | Format::Zsav => Target::Spss,
        Format::Dta => Target::Stata,
        Format::R | Format::Sps => Target::R,
    };
    let options = mamori_dataset::ReadOptions {
        skip_invalid: args.skip_invalid,
        language: "English (en)".into(),
        keep_metadata: true,
        ..Default::default()
    };
    let learnt = stamp(&args.responses);
    // First pass: the dictionary (widths, codes) from every part; nothing is kept.
    let language = Language::pick(&form, code);
    let mut dict: Option<Dictionary> = None;
    let scanned = mamori_dataset::for_each_part(&form, &args.responses, &options, &mut |part| {
        dict.get_or_insert_with(|| Dictionary::new(&form, &part, target, language.clone())).observe(&part);
    });
    let loaded = match scanned {
        Ok(l) => l,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{}: {} problem(s); nothing was written", args.responses.display(), errors.len());
            return ExitCode::FAILURE;
        }
    };
    for e in &loaded.skipped {
        eprintln!("{e}");
    }
    let mut dict = dict.unwrap_or_else(|| Dictionary::new(&form, &loaded.responses, target, language));
    dict.finish();
    match write_all(&args, &form, &dict, &options, &learnt) {
        Ok(()) => {
            eprintln!("{}: {} responses, {} variables", args.output.display(), dict.rows, dict.variables.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Second pass (and a third for Stata's long strings): the parts again, into the files.
fn write_all(
    args: &Export,
    form: &Form,
    dict: &Dictionary,
    options: &ReadOptions,
    learnt: &Stamp,
) -> Result<(), String> {
    let out = &args.output;
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
    let beside = |suffix: &str| out.with_file_name(format!("{stem}{suffix}"));
    let csv_path = beside(".csv");
    let csv_name = csv_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // Each part through `write`; an I/O error stops the writing and is reported.
    // The file is read again for the data: it must be the file the dictionary was learnt
    // from (same size and time, the same number of responses), or widths and counts in the
    // header would not hold.
    let changed = || std::io::Error::other("the responses file changed while it was exported; export it again");
    let parts = |write: &mut dyn FnMut(&Layout) -> std::io::Result<()>| -> std::io::Result<()> {
        let mut failed = None;
        let mut rows = 0;
        let read = mamori_dataset::for_each_part(form, &args.responses, options, &mut |part| {
            rows += part.len();
            if failed.is_none() {
                failed = write(&Layout::new(dict, form, &part)).err();
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        match read {
            Ok(_) if rows == dict.rows && stamp(&args.responses) == *learnt => Ok(()),
            _ => Err(changed()),
        }
    };
    match args.format {
        Format::Sav | Format::Zsav => {
            let compression = if args.format == Format::Sav { Compression::Bytecode } else { Compression::Zlib };
            write_file(out, |w| {
                let mut sav = SavWriter::new(dict, compression, w)?;
                parts(&mut |part| sav.write(part))?;
                sav.finish()
            })?
        }
        Format::Dta => write_file(out, |w| {
            let mut dta = DtaWriter::new(dict, w)?;
            parts(&mut |part| dta.write(part))?;
            dta.start_long_texts()?;
            if dta.has_long_texts() {
                parts(&mut |part| dta.write_long_texts(part))?;
            }
            dta.finish()
        })?,
        Format::R | Format::Sps => {
            let sps = args.format == Format::Sps;
            write_file(&csv_path, |w| {
                let mut csv = CsvWriter::new(dict, w, sps)?;
                parts(&mut |part| csv.write(part))?;
                csv.finish()
            })?;
            if sps {
                write_file(out, |w| export::write_sps(dict, &csv_name, w))?;
            } else {
                write_file(out, |w| export::write_r_script(dict, &csv_name, w))?;
            }
        }
    }
    write_file(&beside("-codebook.csv"), |w| export::write_codebook(dict, w))
}
