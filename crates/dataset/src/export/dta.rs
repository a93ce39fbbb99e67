//! Stata data files, format 118 (Stata 14 and later): UTF-8 names and labels, value labels,
//! variable labels, `strL` for text longer than 2,045 bytes, and the extended missing values
//! `.a` (not asked) and `.b` (not answered).

use super::labels::{cut_bytes, cut_chars};
use super::{Cell, Dictionary, Layout, STATA_MAX_STR, Variable};
use std::io::{self, Write};

/// Stata's storage types in format 118.
#[derive(Clone, Copy, PartialEq)]
enum Storage {
    Byte,
    Int,
    Long,
    Double,
    Str(usize),
    StrL,
}

impl Storage {
    fn code(self) -> u16 {
        match self {
            Storage::Byte => 65530,
            Storage::Int => 65529,
            Storage::Long => 65528,
            Storage::Double => 65526,
            Storage::Str(n) => n as u16,
            Storage::StrL => 32768,
        }
    }

    fn size(self) -> usize {
        match self {
            Storage::Byte => 1,
            Storage::Int => 2,
            Storage::Long => 4,
            Storage::Double | Storage::StrL => 8,
            Storage::Str(n) => n,
        }
    }
}

/// `.a` and `.b` in a value-label table (their `long` representation).
const LABEL_NOT_ASKED: i32 = 2_147_483_622;
const LABEL_NOT_ANSWERED: i32 = 2_147_483_623;

fn storage(v: &Variable) -> Storage {
    if v.is_text() {
        return if v.width <= STATA_MAX_STR { Storage::Str(v.width.max(1)) } else { Storage::StrL };
    }
    let integral = v.decimals == 0
        && v.value_labels.iter().all(|(x, _)| x.fract() == 0.0)
        && !matches!(v.source, super::Source::Number { .. });
    if !integral {
        return Storage::Double;
    }
    let codes = v
        .value_labels
        .iter()
        .map(|(x, _)| *x)
        .filter(|x| v.missing.is_none_or(|m| *x != m.not_asked && *x != m.not_answered));
    let (lo, hi) = codes.fold((0.0f64, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if lo >= -127.0 && hi <= 100.0 {
        Storage::Byte
    } else if lo >= -32767.0 && hi <= 32740.0 {
        Storage::Int
    } else if lo >= -2_147_483_647.0 && hi <= 2_147_483_620.0 {
        Storage::Long
    } else {
        Storage::Double
    }
}

/// A numeric cell in its storage; `.a` for not asked and `.b` for not answered.
fn numeric_bytes(storage: Storage, cell: Cell, out: &mut Vec<u8>) {
    // Extended missing values sit just above each type's largest valid value.
    let mut missing = |k: i64| match storage {
        Storage::Byte => out.push((101 + k) as u8),
        Storage::Int => out.extend_from_slice(&((32741 + k) as i16).to_le_bytes()),
        Storage::Long => out.extend_from_slice(&((2_147_483_621 + k) as i32).to_le_bytes()),
        _ => out.extend_from_slice(&(0x7FE0_0000_0000_0000u64 + (k as u64) * 0x0000_0100_0000_0000).to_le_bytes()),
    };
    match cell {
        Cell::NotAsked => missing(1),
        Cell::NotAnswered => missing(2),
        Cell::Value(x) => match storage {
            Storage::Byte => out.push(x as i8 as u8),
            Storage::Int => out.extend_from_slice(&(x as i16).to_le_bytes()),
            Storage::Long => out.extend_from_slice(&(x as i32).to_le_bytes()),
            _ => out.extend_from_slice(&x.to_le_bytes()),
        },
    }
}

/// Writes a tag and returns nothing; a small helper so the layout reads like the format.
fn tag(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(format!("<{name}>").as_bytes());
}

fn fixed(out: &mut Vec<u8>, text: &str, len: usize) {
    let mut buf = vec![0u8; len];
    let b = text.as_bytes();
    let n = b.len().min(len - 1);
    buf[..n].copy_from_slice(&b[..n]);
    out.extend_from_slice(&buf);
}

/// Writes a Stata 118 file part by part: [`new`](Self::new) the header, map and dictionary
/// (all sizes come from the settled [`Dictionary`]), [`write`](Self::write) each part's
/// observations, then [`start_long_texts`](Self::start_long_texts) and
/// [`write_long_texts`](Self::write_long_texts) each part again for the `strL` values, which
/// the format keeps after the data, and [`finish`](Self::finish).
pub struct DtaWriter<W: Write> {
    w: W,
    storages: Vec<Storage>,
    labels: Vec<u8>,
    /// Observations written so far (by `write`, then again by `write_long_texts`).
    written: usize,
    row: Vec<u8>,
}

impl<W: Write> DtaWriter<W> {
    pub fn new(dict: &Dictionary, mut w: W) -> io::Result<Self> {
        let vars = &dict.variables;
        let k = u16::try_from(vars.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "Stata takes at most 65,535 variables"))?;
        let storages: Vec<Storage> = vars.iter().map(storage).collect();
        let mut head = Vec::new();
        head.extend_from_slice(b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder><K>");
        head.extend_from_slice(&k.to_le_bytes());
        head.extend_from_slice(b"</K><N>");
        head.extend_from_slice(&(dict.rows as u64).to_le_bytes());
        head.extend_from_slice(b"</N><label>");
        let label = cut_chars(&dict.label, 80, 320);
        head.extend_from_slice(&(label.len() as u16).to_le_bytes());
        head.extend_from_slice(label.as_bytes());
        head.extend_from_slice(b"</label><timestamp>");
        // A fixed stamp keeps the output byte-identical for the same input.
        head.push(17);
        head.extend_from_slice(b"01 Jan 2024 00:00");
        head.extend_from_slice(b"</timestamp></header>");
        let map_at = head.len();
        tag(&mut head, "map");
        let map_values_at = head.len();
        head.extend_from_slice(&[0u8; 14 * 8]);
        head.extend_from_slice(b"</map>");
        let mut offsets = [0u64; 14];
        offsets[1] = map_at as u64;
        offsets[2] = head.len() as u64;
        tag(&mut head, "variable_types");
        for s in &storages {
            head.extend_from_slice(&s.code().to_le_bytes());
        }
        head.extend_from_slice(b"</variable_types>");
        offsets[3] = head.len() as u64;
        tag(&mut head, "varnames");
        for v in vars {
            fixed(&mut head, &v.name, 129);
        }
        head.extend_from_slice(b"</varnames>");
        offsets[4] = head.len() as u64;
        tag(&mut head, "sortlist");
        head.extend_from_slice(&vec![0u8; 2 * (vars.len() + 1)]);
        head.extend_from_slice(b"</sortlist>");
        offsets[5] = head.len() as u64;
        tag(&mut head, "formats");
        for (v, s) in vars.iter().zip(&storages) {
            let format = match s {
                Storage::Str(n) => format!("%{}s", (*n).min(244)),
                Storage::StrL => "%9s".to_string(),
                Storage::Double if v.decimals > 0 => format!("%10.{}f", v.decimals),
                _ => "%9.0g".to_string(),
            };
            fixed(&mut head, &format, 57);
        }
        head.extend_from_slice(b"</formats>");
        offsets[6] = head.len() as u64;
        tag(&mut head, "value_label_names");
        let labelled: Vec<bool> = vars.iter().map(|v| !v.value_labels.is_empty() && !v.is_text()).collect();
        for (v, &has) in vars.iter().zip(&labelled) {
            fixed(&mut head, if has { &v.name } else { "" }, 129);
        }
        head.extend_from_slice(b"</value_label_names>");
        offsets[7] = head.len() as u64;
        tag(&mut head, "variable_labels");
        for v in vars {
            fixed(&mut head, cut_chars(&v.label, 80, 320), 321);
        }
        head.extend_from_slice(b"</variable_labels>");
        offsets[8] = head.len() as u64;
        head.extend_from_slice(b"<characteristics></characteristics>");
        offsets[9] = head.len() as u64;
        head.extend_from_slice(b"<data>");
        // The sections' sizes are known ahead: the data's from the storage widths, the long
        // strings' from the dictionary's totals, the value labels' from the labels.
        let row_bytes: usize = storages.iter().map(|s| s.size()).sum();
        let data_len = (row_bytes * dict.rows) as u64;
        let strls_len: u64 = (0..vars.len())
            .filter(|&i| storages[i] == Storage::StrL)
            .map(|i| dict.text_totals[i].0 + dict.text_totals[i].1 * (3 + 4 + 8 + 1 + 4 + 1))
            .sum();
        let mut labels = Vec::new();
        for (v, &has) in vars.iter().zip(&labelled) {
            if has {
                value_label_table(v, &mut labels);
            }
        }
        offsets[10] = offsets[9] + 6 + data_len + 7; // "<data>" … "</data>"
        offsets[11] = offsets[10] + 7 + strls_len + 8; // "<strls>" … "</strls>"
        offsets[12] = offsets[11] + 14 + labels.len() as u64 + 15; // "<value_labels>" … "</value_labels>"
        offsets[13] = offsets[12] + 12; // "</stata_dta>"
        for (j, o) in offsets.iter().enumerate() {
            head[map_values_at + 8 * j..map_values_at + 8 * j + 8].copy_from_slice(&o.to_le_bytes());
        }
        w.write_all(&head)?;
        Ok(DtaWriter { w, storages, labels, written: 0, row: Vec::with_capacity(row_bytes) })
    }

    /// Writes one part's observations.
    pub fn write(&mut self, part: &Layout) -> io::Result<()> {
        let vars = &part.dict.variables;
        for r in 0..part.rows() {
            self.row.clear();
            for (j, (v, s)) in vars.iter().zip(&self.storages).enumerate() {
                match s {
                    Storage::Str(n) => {
                        let text = cut_bytes(part.text(v, r), *n).as_bytes();
                        self.row.extend_from_slice(text);
                        self.row.resize(self.row.len() + n - text.len(), 0);
                    }
                    Storage::StrL => {
                        // (v, o): the variable (1-based, 2 bytes) and observation (1-based, 6 bytes).
                        let o = (self.written + r + 1) as u64;
                        let (vv, o) = if part.text(v, r).is_empty() { (0u64, 0u64) } else { (j as u64 + 1, o) };
                        self.row.extend_from_slice(&(vv | (o << 16)).to_le_bytes());
                    }
                    numeric => numeric_bytes(*numeric, part.number(v, r), &mut self.row),
                }
            }
            self.w.write_all(&self.row)?;
        }
        self.written += part.rows();
        Ok(())
    }

    /// Ends the data; the parts go by again for their long strings.
    pub fn start_long_texts(&mut self) -> io::Result<()> {
        self.written = 0;
        self.w.write_all(b"</data><strls>")
    }

    /// Whether any variable is a `strL` (else the parts need not go by again).
    pub fn has_long_texts(&self) -> bool {
        self.storages.contains(&Storage::StrL)
    }

    /// Writes one part's `strL` values, each as a GSO named by its (variable, observation).
    pub fn write_long_texts(&mut self, part: &Layout) -> io::Result<()> {
        for (j, v) in part.dict.variables.iter().enumerate() {
            if self.storages[j] != Storage::StrL {
                continue;
            }
            for r in 0..part.rows() {
                let text = part.text(v, r);
                if text.is_empty() {
                    continue;
                }
                self.w.write_all(b"GSO")?;
                self.w.write_all(&(j as u32 + 1).to_le_bytes())?;
                self.w.write_all(&((self.written + r) as u64 + 1).to_le_bytes())?;
                self.w.write_all(&[130])?;
                self.w.write_all(&(text.len() as u32 + 1).to_le_bytes())?;
                self.w.write_all(text.as_bytes())?;
                self.w.write_all(&[0])?;
            }
        }
        self.written += part.rows();
        Ok(())
    }

    /// Ends the file: the value labels.
    pub fn finish(mut self) -> io::Result<()> {
        self.w.write_all(b"</strls><value_labels>")?;
        self.w.write_all(&self.labels)?;
        self.w.write_all(b"</value_labels></stata_dta>")?;
        self.w.flush()
    }
}

/// One `<lbl>` entry: the variable's value labels, its missing codes as `.a` and `.b`.
fn value_label_table(v: &Variable, out: &mut Vec<u8>) {
    let mut entries: Vec<(i32, &str)> = v
        .value_labels
        .iter()
        .map(|(x, label)| {
            let code = match v.missing {
                Some(m) if *x == m.not_asked => LABEL_NOT_ASKED,
                Some(m) if *x == m.not_answered => LABEL_NOT_ANSWERED,
                _ => *x as i32,
            };
            (code, cut_bytes(label, 32_000))
        })
        .collect();
    entries.sort_by_key(|e| e.0);
    let mut text = Vec::new();
    let mut offs = Vec::new();
    for (_, label) in &entries {
        offs.push(text.len() as i32);
        text.extend_from_slice(label.as_bytes());
        text.push(0);
    }
    let n = entries.len() as i32;
    let len = 8 + 8 * n + text.len() as i32;
    out.extend_from_slice(b"<lbl>");
    out.extend_from_slice(&len.to_le_bytes());
    fixed(out, &v.name, 129);
    out.extend_from_slice(&[0; 3]);
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(text.len() as i32).to_le_bytes());
    for o in offs {
        out.extend_from_slice(&o.to_le_bytes());
    }
    for (code, _) in &entries {
        out.extend_from_slice(&code.to_le_bytes());
    }
    out.extend_from_slice(&text);
    out.extend_from_slice(b"</lbl>");
}
