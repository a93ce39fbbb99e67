//! `mamori export`: the responses for SPSS, Stata or R, with every label and missing code,
//! and a codebook beside them.

use clap::{Args, ValueEnum};
use mamori_dataset::export::{self, Compression, Language, Layout, Target};
use std::fs::File;
use std::io::{BufWriter, Write};
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

pub fn run(args: Export) -> ExitCode {
    let Some(form) = super::load_form(&args.form) else { return ExitCode::FAILURE };
    let options = mamori_dataset::ReadOptions {
        skip_invalid: args.skip_invalid,
        language: "English (en)".into(),
        keep_metadata: true,
        ..Default::default()
    };
    let name = args.responses.display().to_string();
    let loaded = match mamori_dataset::read_responses_file(&form, &args.responses, &options) {
        Ok(l) => l,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{name}: {} problem(s); nothing was written", errors.len());
            return ExitCode::FAILURE;
        }
    };
    for e in &loaded.skipped {
        eprintln!("{e}");
    }
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
    let layout = Layout::new(&form, &loaded.responses, target, Language::pick(&form, code));
    let out = &args.output;
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
    let beside = |suffix: &str| out.with_file_name(format!("{stem}{suffix}"));
    let csv_path = beside(".csv");
    let csv_name = csv_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let result = match args.format {
        Format::Sav => write_file(out, |w| export::write_sav(&layout, Compression::Bytecode, w)),
        Format::Zsav => write_file(out, |w| export::write_sav(&layout, Compression::Zlib, w)),
        Format::Dta => write_file(out, |w| export::write_dta(&layout, w)),
        Format::R => write_file(&csv_path, |w| export::write_coded_csv(&layout, w))
            .and_then(|()| write_file(out, |w| export::write_r_script(&layout, &csv_name, w))),
        Format::Sps => {
            let marks = export::LineBreakMarks::for_layout(&layout);
            write_file(&csv_path, |w| export::write_sps_csv(&layout, w, marks.as_ref()))
                .and_then(|()| write_file(out, |w| export::write_sps(&layout, &csv_name, marks.as_ref(), w)))
        }
    }
    .and_then(|()| write_file(&beside("-codebook.csv"), |w| export::write_codebook(&layout, w)));
    match result {
        Ok(()) => {
            let _ = writeln!(
                std::io::stderr(),
                "{}: {} responses, {} variables",
                out.display(),
                layout.rows,
                layout.variables.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
