//! The coded CSV that R and SPSS syntax read, the R script that applies the labels and
//! missing codes (`haven::labelled_spss`), and the SPSS syntax (`.sps`) that does the same.

use super::{Dictionary, Layout, LineBreakMarks, Variable};
use std::io::{self, Write};

/// The coded CSV that R and SPSS syntax read, part by part: numbers with their missing
/// codes, text as it is — or, for SPSS syntax, with line breaks marked (see
/// [`LineBreakMarks`]). UTF-8 without a BOM (the scripts name the encoding).
pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
    marks: Option<LineBreakMarks>,
    record: Vec<String>,
}

impl<W: Write> CsvWriter<W> {
    /// `for_sps`: mark line breaks as the dictionary says, for SPSS syntax.
    pub fn new(dict: &Dictionary, w: W, for_sps: bool) -> io::Result<Self> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(dict.variables.iter().map(|v| v.name.as_str()))?;
        let marks = if for_sps { dict.marks.clone() } else { None };
        Ok(CsvWriter { out, marks, record: Vec::with_capacity(dict.variables.len()) })
    }

    pub fn write(&mut self, part: &Layout) -> io::Result<()> {
        for i in 0..part.rows() {
            self.record.clear();
            for v in &part.dict.variables {
                if v.is_text() {
                    let text = part.text(v, i);
                    self.record.push(match &self.marks {
                        Some(m) => text.replace('\n', &m.lf).replace('\r', &m.cr),
                        None => text.to_string(),
                    });
                } else {
                    self.record.push(number(part.coded(v, i)));
                }
            }
            self.out.write_record(&self.record)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

/// A string literal for R: double-quoted, backslashes and quotes escaped.
fn r_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An R script that reads `csv_name` (beside it) into `data` with every label and missing
/// code: numeric variables as `haven::labelled_spss`, text with its label.
pub fn write_r_script<W: Write>(layout: &Dictionary, csv_name: &str, mut w: W) -> io::Result<()> {
    writeln!(
        w,
        "# {} — written by Mamori. Reads {csv_name} with its labels and missing codes.",
        layout.label.replace('\n', " ")
    )?;
    writeln!(w, "# Numeric variables are haven::labelled_spss: missing codes (not asked, not answered) are")?;
    writeln!(w, "# in na_values, so haven::zap_missing() or is.na() treat them as missing.")?;
    writeln!(w, "# The result is the data frame `responses`.")?;
    writeln!(w, "library(haven)")?;
    writeln!(w, "mamori_here <- local({{")?;
    writeln!(w, "  f <- tryCatch(sys.frame(1)$ofile, error = function(e) NULL)")?;
    writeln!(w, "  if (is.null(f)) {{")?;
    writeln!(w, "    a <- grep(\"^--file=\", commandArgs(FALSE), value = TRUE)")?;
    writeln!(w, "    if (length(a) > 0) f <- sub(\"^--file=\", \"\", a[1])")?;
    writeln!(w, "  }}")?;
    writeln!(w, "  if (is.null(f)) \".\" else dirname(f)")?;
    writeln!(w, "}})")?;
    let classes: Vec<&str> =
        layout.variables.iter().map(|v| if v.is_text() { "\"character\"" } else { "\"numeric\"" }).collect();
    writeln!(
        w,
        "responses <- utils::read.csv(file.path(mamori_here, {}), fileEncoding = \"UTF-8\", encoding = \"UTF-8\",\n  check.names = FALSE, na.strings = character(0), colClasses = c({}))",
        r_string(csv_name),
        classes.join(", ")
    )?;
    for v in &layout.variables {
        write_r_variable(v, &mut w)?;
    }
    writeln!(w, "rm(mamori_here)")?;
    Ok(())
}

fn write_r_variable(v: &Variable, w: &mut impl Write) -> io::Result<()> {
    let column = format!("responses[[{}]]", r_string(&v.name));
    if v.is_text() {
        return writeln!(w, "attr({column}, \"label\") <- {}", r_string(&v.label));
    }
    let labels: Vec<String> = v.value_labels.iter().map(|(x, l)| format!("{} = {}", r_string(l), number(*x))).collect();
    let na = v
        .missing
        .map(|m| format!("c({}, {})", number(m.not_asked), number(m.not_answered)))
        .unwrap_or_else(|| "NULL".into());
    writeln!(
        w,
        "{column} <- labelled_spss({column}, labels = c({}), na_values = {na}, label = {})",
        labels.join(", "),
        r_string(&v.label)
    )
}

/// SPSS text: single-quoted, quotes doubled; a line break becomes a space.
fn sps_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''").replace(['\n', '\r'], " "))
}

/// SPSS syntax that reads `csv_name` and applies names, labels, missing codes and sets.
pub fn write_sps<W: Write>(layout: &Dictionary, csv_name: &str, mut w: W) -> io::Result<()> {
    let marks = layout.marks.as_ref();
    writeln!(w, "* Encoding: UTF-8.")?;
    writeln!(w, "* {} — written by Mamori.", layout.label.replace('\n', " "))?;
    writeln!(w, "GET DATA /TYPE=TXT /FILE={} /ENCODING='UTF8'", sps_string(csv_name))?;
    writeln!(w, "  /ARRANGEMENT=DELIMITED /DELCASE=LINE /FIRSTCASE=2 /DELIMITERS=\",\" /QUALIFIER='\"'")?;
    writeln!(w, "  /VARIABLES=")?;
    for (j, v) in layout.variables.iter().enumerate() {
        let format = if v.is_text() {
            // The marked text is longer than the answer when it had line breaks.
            format!("A{}", if marks.is_some() { layout.marked_widths[j] } else { v.width }.max(1))
        } else {
            format!("F{}.{}", 8 + u32::from(v.decimals), v.decimals)
        };
        writeln!(w, "    {} {format}", v.name)?;
    }
    writeln!(w, ".")?;
    writeln!(w, "VARIABLE LABELS")?;
    let labelled: Vec<&Variable> = layout.variables.iter().filter(|v| !v.label.is_empty()).collect();
    for (k, v) in labelled.iter().enumerate() {
        let end = if k + 1 == labelled.len() { "." } else { "" };
        writeln!(w, "  {} {}{end}", v.name, sps_string(super::labels::cut_bytes(&v.label, 255)))?;
    }
    for v in layout.variables.iter().filter(|v| !v.is_text() && !v.value_labels.is_empty()) {
        writeln!(w, "VALUE LABELS {}", v.name)?;
        for (x, l) in &v.value_labels {
            writeln!(w, "  {} {}", number(*x), sps_string(super::labels::cut_bytes(l, 120)))?;
        }
        writeln!(w, ".")?;
        if let Some(m) = v.missing {
            writeln!(w, "MISSING VALUES {} ({}, {}).", v.name, number(m.not_asked), number(m.not_answered))?;
        }
    }
    for set in &layout.sets {
        let names: Vec<&str> = set.variables.iter().map(|&i| layout.variables[i].name.as_str()).collect();
        writeln!(
            w,
            "MRSETS /MDGROUP NAME=${} LABEL={} VARIABLES={} VALUE=1.",
            set.name,
            sps_string(super::labels::cut_bytes(&set.label, 255)),
            names.join(" ")
        )?;
    }
    if let Some(m) = marks {
        writeln!(w, "* Line breaks in answers were written as {} (LF) and {} (CR) in the CSV.", m.lf, m.cr)?;
        for v in layout.variables.iter().filter(|v| v.is_text()) {
            writeln!(
                w,
                "COMPUTE {0} = REPLACE(REPLACE({0}, {1}, X'0A'), {2}, X'0D').",
                v.name,
                sps_string(&m.lf),
                sps_string(&m.cr)
            )?;
        }
    }
    writeln!(w, "EXECUTE.")
}
