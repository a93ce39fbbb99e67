//! SPSS system files (`.sav`, bytecode-compressed) and their zlib form (`.zsav`), as PSPP's
//! "System File Format" describes them: UTF-8 (character code 65001 and the encoding
//! record), long variable names, very long strings in 252-byte segments, variable and value
//! labels, user-missing codes, multiple-response sets, display parameters.

use super::labels::cut_bytes;
use super::{Dictionary, Layout, Measure, Variable};
use std::collections::HashSet;
use std::io::{self, Seek, SeekFrom, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// `.sav`: SPSS's bytecode compression.
    Bytecode,
    /// `.zsav`: the bytecode stream compressed again with zlib, in blocks.
    Zlib,
}

/// SPSS limits, in bytes.
const VARIABLE_LABEL: usize = 255;
const VALUE_LABEL: usize = 120;
const MAX_STRING: usize = 32767;
const BIAS: f64 = 100.0;
/// The uncompressed size of a `.zsav` block, as SPSS and PSPP write them.
const ZBLOCK: usize = 0x3ff000;

/// How a variable is laid out in the case: numbers take one 8-byte unit; a string of up to
/// 255 bytes one segment; a longer one `ceil(width / 252)` segments, each but the last 255
/// wide and holding 255 bytes of the value (as PSPP writes them; readers join the segments'
/// bytes, so a character may straddle two).
struct Segment {
    short_name: String,
    /// String width of this segment (0 = numeric).
    width: usize,
    /// Bytes of the value this segment holds: `start..start + used`.
    start: usize,
    used: usize,
}

fn segments_of(v: &Variable) -> Vec<(usize, usize, usize)> {
    if !v.is_text() {
        return vec![(0, 0, 0)];
    }
    let width = v.width.max(1);
    if width <= 255 {
        return vec![(width, 0, width)];
    }
    let n = width.div_ceil(252);
    (0..n)
        .map(|k| {
            let last = k == n - 1;
            let seg_width = if last { width - 252 * (n - 1) } else { 255 };
            (seg_width, 255 * k, if last { seg_width } else { 255 })
        })
        .collect()
}

/// 8-byte units a segment of `width` takes (numbers: 1).
fn units(width: usize) -> usize {
    if width == 0 { 1 } else { width.div_ceil(8) }
}

/// Unique 8-byte upper-case short names: the long name's ASCII letters and digits where they
/// make one, else a generated `V…`.
fn short_names(count: usize, base: impl Fn(usize) -> String) -> Vec<String> {
    let mut taken = HashSet::new();
    (0..count)
        .map(|i| {
            let b: String = base(i)
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .map(|c| c.to_ascii_uppercase())
                .take(8)
                .collect();
            let b = if b.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) { b } else { String::new() };
            let mut candidate = if b.is_empty() { format!("V{}", i + 1) } else { b.clone() };
            let mut n = 1;
            while !taken.insert(candidate.clone()) {
                let suffix = n.to_string();
                let keep = 8usize.saturating_sub(suffix.len()).min(b.len());
                candidate = if b.is_empty() { format!("V{}_{n}", i + 1) } else { format!("{}{suffix}", &b[..keep]) };
                n += 1;
            }
            candidate
        })
        .collect()
}

struct Out<W: Write> {
    w: W,
    written: u64,
}

impl<W: Write> Out<W> {
    fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.written += b.len() as u64;
        self.w.write_all(b)
    }
    fn i32(&mut self, v: i32) -> io::Result<()> {
        self.bytes(&v.to_le_bytes())
    }
    fn f64(&mut self, v: f64) -> io::Result<()> {
        self.bytes(&v.to_le_bytes())
    }
    /// `text` in exactly `len` bytes, padded with spaces.
    fn padded(&mut self, text: &[u8], len: usize) -> io::Result<()> {
        let mut buf = vec![b' '; len];
        let n = text.len().min(len);
        buf[..n].copy_from_slice(&text[..n]);
        self.bytes(&buf)
    }
    fn extension(&mut self, subtype: i32, size: i32, data: &[u8]) -> io::Result<()> {
        self.i32(7)?;
        self.i32(subtype)?;
        self.i32(size)?;
        self.i32((data.len() / size as usize) as i32)?;
        self.bytes(data)
    }
}

/// Writes a system file part by part: [`new`](Self::new) writes the dictionary, [`write`]
/// (Self::write) each part's cases, [`finish`](Self::finish) the end. The `.zsav` header names
/// where its index lies, after the data: it is written last, by seeking back, so nothing but
/// one block is held.
pub struct SavWriter<W: Write + Seek> {
    out: Out<W>,
    base: u64,
    compression: Compression,
    segments: Vec<Vec<Segment>>,
    data: Bytecode<Vec<u8>>,
    /// `.zsav`: where the zlib header is, the blocks written so far, and the uncompressed
    /// offset of the next.
    header_at: u64,
    blocks: Vec<BlockEntry>,
    uncompressed_at: u64,
}

impl<W: Write + Seek> SavWriter<W> {
    pub fn new(dict: &Dictionary, compression: Compression, mut w: W) -> io::Result<Self> {
        // SPSS's longest string: a longer answer would make a file no reader takes.
        if let Some(v) = dict.variables.iter().find(|v| v.is_text() && v.width > MAX_STRING) {
            return Err(invalid(&format!(
                "{} ({}) has an answer of {} bytes; SPSS strings hold at most {MAX_STRING}: export to Stata (dta) or R instead",
                v.name, v.source_name, v.width
            )));
        }
        let base = w.stream_position()?;
        let mut out = Out { w, written: 0 };
        let segments = write_dictionary(dict, compression, &mut out)?;
        let header_at = out.written;
        if compression == Compression::Zlib {
            out.bytes(&[0; 24])?;
        }
        Ok(SavWriter {
            out,
            base,
            compression,
            segments,
            data: Bytecode::new(Vec::with_capacity(ZBLOCK)),
            header_at,
            blocks: Vec::new(),
            uncompressed_at: header_at,
        })
    }

    /// Writes one part's cases.
    pub fn write(&mut self, part: &Layout) -> io::Result<()> {
        cases(part, &self.segments, &mut self.data)?;
        self.drain(false)
    }

    /// Moves the encoded cases out: as they are for `.sav`, in full zlib blocks for `.zsav`
    /// (and the remainder too when `all`).
    fn drain(&mut self, all: bool) -> io::Result<()> {
        match self.compression {
            Compression::Bytecode => {
                self.out.bytes(&self.data.w)?;
                self.data.w.clear();
            }
            Compression::Zlib => {
                let mut at = 0;
                while self.data.w.len() - at >= ZBLOCK || (all && at < self.data.w.len()) {
                    let n = (self.data.w.len() - at).min(ZBLOCK);
                    let mut z = flate2::write::ZlibEncoder::new(Vec::with_capacity(n / 4), flate2::Compression::fast());
                    z.write_all(&self.data.w[at..at + n])?;
                    let packed = z.finish()?;
                    self.blocks.push((self.uncompressed_at, self.out.written, n, packed.len()));
                    self.uncompressed_at += n as u64;
                    self.out.bytes(&packed)?;
                    at += n;
                }
                self.data.w.drain(..at);
            }
        }
        Ok(())
    }

    /// Ends the file: the last cases, and for `.zsav` the index and its header.
    pub fn finish(mut self) -> io::Result<()> {
        self.data.end_block()?;
        self.drain(true)?;
        if self.compression == Compression::Zlib {
            let out = &mut self.out;
            let trailer_at = out.written;
            out.bytes(&(-(BIAS as i64)).to_le_bytes())?;
            out.bytes(&0i64.to_le_bytes())?;
            out.i32(ZBLOCK as i32)?;
            out.i32(self.blocks.len() as i32)?;
            for b in &self.blocks {
                out.bytes(&(b.0 as i64).to_le_bytes())?;
                out.bytes(&(b.1 as i64).to_le_bytes())?;
                out.i32(b.2 as i32)?;
                out.i32(b.3 as i32)?;
            }
            let end = out.written;
            out.w.seek(SeekFrom::Start(self.base + self.header_at))?;
            for v in [self.header_at, trailer_at, end - trailer_at] {
                out.w.write_all(&(v as i64).to_le_bytes())?;
            }
            out.w.seek(SeekFrom::Start(self.base + end))?;
        }
        self.out.w.flush()
    }
}

/// The file header and dictionary records; returns each variable's segments.
fn write_dictionary<W: Write>(
    dict: &Dictionary,
    compression: Compression,
    out: &mut Out<W>,
) -> io::Result<Vec<Vec<Segment>>> {
    let vars = &dict.variables;
    let shorts = short_names(vars.len(), |i| vars[i].name.clone());
    // Every segment with its short name; a long string's later segments are named after it.
    let mut segments: Vec<Vec<Segment>> = Vec::with_capacity(vars.len());
    let mut taken: HashSet<String> = shorts.iter().cloned().collect();
    for (v, short) in vars.iter().zip(&shorts) {
        let mut list = Vec::new();
        for (k, (width, start, used)) in segments_of(v).into_iter().enumerate() {
            let short_name = if k == 0 {
                short.clone()
            } else {
                let mut n = k;
                loop {
                    let suffix = format!("{n}");
                    let keep = 8usize.saturating_sub(suffix.len()).min(short.len());
                    let candidate = format!("{}{suffix}", &short[..keep]);
                    if taken.insert(candidate.clone()) {
                        break candidate;
                    }
                    n += 1000;
                }
            };
            list.push(Segment { short_name, width, start, used });
        }
        segments.push(list);
    }
    let case_units: usize = segments.iter().flatten().map(|s| units(s.width)).sum();

    // File header.
    out.bytes(if compression == Compression::Zlib { b"$FL3" } else { b"$FL2" })?;
    out.padded(format!("@(#) SPSS DATA FILE Mamori {}", env!("CARGO_PKG_VERSION")).as_bytes(), 60)?;
    out.i32(2)?;
    out.i32(i32::try_from(case_units).map_err(|_| invalid("too many variables for SPSS"))?)?;
    out.i32(if compression == Compression::Zlib { 2 } else { 1 })?;
    out.i32(0)?;
    out.i32(i32::try_from(dict.rows).unwrap_or(-1))?;
    out.f64(BIAS)?;
    // A fixed creation stamp keeps the output byte-identical for the same input.
    out.padded(b"01 Jan 24", 9)?;
    out.padded(b"00:00:00", 8)?;
    out.padded(cut_bytes(&dict.label, 64).as_bytes(), 64)?;
    out.bytes(&[0; 3])?;

    // Variable records; `position` is each variable's first unit, 1-based, for value labels.
    let mut positions = Vec::with_capacity(vars.len());
    let mut position = 1;
    for (v, segs) in vars.iter().zip(&segments) {
        positions.push(position);
        for (k, s) in segs.iter().enumerate() {
            out.i32(2)?;
            out.i32(s.width as i32)?;
            let label = (k == 0).then(|| cut_bytes(&v.label, VARIABLE_LABEL)).filter(|l| !l.is_empty());
            out.i32(i32::from(label.is_some()))?;
            let missing = if k == 0 { v.missing } else { None };
            out.i32(if missing.is_some() { 2 } else { 0 })?;
            let format = if s.width == 0 {
                (5 << 16) | ((8 + i32::from(v.decimals)).min(40) << 8) | i32::from(v.decimals)
            } else {
                (1 << 16) | ((s.width.min(255) as i32) << 8)
            };
            out.i32(format)?;
            out.i32(format)?;
            out.padded(s.short_name.as_bytes(), 8)?;
            if let Some(label) = label {
                out.i32(label.len() as i32)?;
                out.padded(label.as_bytes(), label.len().div_ceil(4) * 4)?;
            }
            if let Some(m) = missing {
                out.f64(m.not_asked)?;
                out.f64(m.not_answered)?;
            }
            for _ in 1..units(s.width) {
                out.i32(2)?;
                out.i32(-1)?;
                out.i32(0)?;
                out.i32(0)?;
                out.i32(0)?;
                out.i32(0)?;
                out.padded(b"", 8)?;
            }
            position += units(s.width);
        }
    }

    // Value labels: one record per distinct set, naming every variable that uses it.
    type LabelSet<'v> = (&'v [(f64, String)], Vec<i32>);
    let mut sets: Vec<LabelSet> = Vec::new();
    for (i, v) in vars.iter().enumerate() {
        if v.value_labels.is_empty() || v.is_text() {
            continue;
        }
        match sets.iter_mut().find(|(labels, _)| *labels == v.value_labels.as_slice()) {
            Some((_, list)) => list.push(positions[i] as i32),
            None => sets.push((v.value_labels.as_slice(), vec![positions[i] as i32])),
        }
    }
    for (labels, list) in sets {
        out.i32(3)?;
        out.i32(labels.len() as i32)?;
        for (value, label) in labels {
            let label = cut_bytes(label, VALUE_LABEL);
            out.f64(*value)?;
            out.bytes(&[label.len() as u8])?;
            out.padded(label.as_bytes(), (label.len() + 1).div_ceil(8) * 8 - 1)?;
        }
        out.i32(4)?;
        out.i32(list.len() as i32)?;
        for p in list {
            out.i32(p)?;
        }
    }

    // Machine integer and floating-point information; UTF-8 is character code 65001.
    let mut ints = Vec::new();
    for v in [1, 0, 0, -1, 1, 1, 2, 65001] {
        ints.extend_from_slice(&i32::to_le_bytes(v));
    }
    out.extension(3, 4, &ints)?;
    let mut floats = Vec::new();
    for v in [-f64::MAX, f64::MAX, f64::from_bits(0xffef_ffff_ffff_fffe)] {
        floats.extend_from_slice(&v.to_le_bytes());
    }
    out.extension(4, 8, &floats)?;

    // Multiple-response sets (dichotomies counting 1), by long names.
    if !dict.sets.is_empty() {
        let mut text = Vec::new();
        for set in &dict.sets {
            let label = cut_bytes(&set.label, VARIABLE_LABEL);
            // `$name=D` + the counted value (length, space, value) + the label (length, space, text).
            text.extend_from_slice(format!("${}=D1 1 {} {}", set.name, label.len(), label).as_bytes());
            // Members by short name, lower case, as SPSS and PSPP write them.
            for &i in &set.variables {
                text.push(b' ');
                text.extend_from_slice(shorts[i].to_lowercase().as_bytes());
            }
            text.push(b'\n');
        }
        out.extension(7, 1, &text)?;
    }

    // Display parameters: one per segment.
    let mut display = Vec::new();
    for (v, segs) in vars.iter().zip(&segments) {
        for s in segs {
            let measure = match v.measure {
                Measure::Nominal => 1,
                Measure::Ordinal => 2,
                Measure::Scale => 3,
            };
            let (width, alignment) = if s.width == 0 { (8, 1) } else { (s.width.clamp(1, 32) as i32, 0) };
            for x in [measure, width, alignment] {
                display.extend_from_slice(&i32::to_le_bytes(x));
            }
        }
    }
    out.extension(11, 4, &display)?;

    // Long names, then very long strings.
    let long: Vec<String> = vars.iter().zip(&shorts).map(|(v, s)| format!("{s}={}", v.name)).collect();
    out.extension(13, 1, long.join("\t").as_bytes())?;
    let very_long: String = vars
        .iter()
        .zip(&shorts)
        .filter(|(v, _)| v.is_text() && v.width > 255)
        .map(|(v, s)| format!("{s}={:05}\0\t", v.width))
        .collect();
    if !very_long.is_empty() {
        out.extension(14, 1, very_long.as_bytes())?;
    }
    out.extension(20, 1, b"UTF-8")?;
    out.i32(999)?;
    out.i32(0)?;

    Ok(segments)
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_string())
}

/// Every case of a part, unit by unit, into the bytecode stream.
fn cases(layout: &Layout, segments: &[Vec<Segment>], data: &mut Bytecode<impl Write>) -> io::Result<()> {
    let mut chunk = [b' '; 8];
    for i in 0..layout.rows() {
        for (v, segs) in layout.dict.variables.iter().zip(segments) {
            if !v.is_text() {
                data.number(layout.coded(v, i))?;
                continue;
            }
            let text = layout.text(v, i).as_bytes();
            for s in segs {
                let part = text.get(s.start..text.len().min(s.start + s.used)).unwrap_or(&[]);
                for u in 0..units(s.width) {
                    chunk.fill(b' ');
                    let from = (u * 8).min(part.len());
                    let to = (u * 8 + 8).min(part.len());
                    chunk[..to - from].copy_from_slice(&part[from..to]);
                    data.string(&chunk)?;
                }
            }
        }
    }
    Ok(())
}

/// SPSS's bytecode compression: eight command bytes, then the 8-byte values they announce.
struct Bytecode<W: Write> {
    w: W,
    codes: [u8; 8],
    n: usize,
    raw: Vec<u8>,
}

impl<W: Write> Bytecode<W> {
    fn new(w: W) -> Self {
        Bytecode { w, codes: [0; 8], n: 0, raw: Vec::with_capacity(64) }
    }

    fn push(&mut self, code: u8, raw: Option<&[u8; 8]>) -> io::Result<()> {
        self.codes[self.n] = code;
        self.n += 1;
        if let Some(r) = raw {
            self.raw.extend_from_slice(r);
        }
        if self.n == 8 {
            self.flush_block()?;
        }
        Ok(())
    }

    fn flush_block(&mut self) -> io::Result<()> {
        self.w.write_all(&self.codes)?;
        self.w.write_all(&self.raw)?;
        self.codes = [0; 8];
        self.n = 0;
        self.raw.clear();
        Ok(())
    }

    fn number(&mut self, x: f64) -> io::Result<()> {
        if x.fract() == 0.0 && (1.0 - BIAS..=251.0 - BIAS).contains(&x) {
            self.push((x + BIAS) as u8, None)
        } else if x.is_nan() {
            self.push(255, None)
        } else {
            self.push(253, Some(&x.to_le_bytes()))
        }
    }

    fn string(&mut self, chunk: &[u8; 8]) -> io::Result<()> {
        if chunk == b"        " { self.push(254, None) } else { self.push(253, Some(chunk)) }
    }

    /// Completes a partly filled block of commands (with 0, "nothing"), at the end of the data.
    fn end_block(&mut self) -> io::Result<()> {
        if self.n > 0 {
            self.flush_block()?;
        }
        Ok(())
    }
}

/// A `.zsav` block: uncompressed offset, compressed offset, uncompressed size, compressed size.
type BlockEntry = (u64, u64, usize, usize);
