//! A lean CSV record reader over text that is already known to be valid UTF-8 (RFC 4180:
//! `,` between fields, a newline (optionally `\r\n`) between records, double quotes around
//! fields holding `,`, newlines or `""` for a quote). Fields borrow from the text unless a
//! doubled quote must be undone. Reading a million responses, the general `csv` crate spent a
//! third of its time re-validating UTF-8 field by field; this reader slices the text at ASCII
//! delimiters, which are always character boundaries. Its output is checked against the `csv`
//! crate's by a property test.

use std::borrow::Cow;

pub struct Records<'a> {
    text: &'a str,
    pos: usize,
    /// Whether the text has a quote anywhere; most files have none, and then every line is
    /// split at its commas without looking for quotes again.
    quotes: bool,
}

impl<'a> Records<'a> {
    pub fn new(text: &'a str) -> Self {
        Records { text, pos: 0, quotes: memchr::memchr(b'"', text.as_bytes()).is_some() }
    }

    /// How far into the text reading has come, in bytes.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Reads the next record's fields into `out` (cleared first); false at the end of the text.
    #[cfg(test)]
    pub fn next_record(&mut self, out: &mut Vec<Cow<'a, str>>) -> bool {
        out.clear();
        self.append_record(out)
    }

    /// Appends the next record's fields to `out`; false at the end of the text.
    pub fn append_record(&mut self, out: &mut Vec<Cow<'a, str>>) -> bool {
        let bytes = self.text.as_bytes();
        if self.pos >= bytes.len() {
            return false;
        }
        // Most records have no quotes: split the line at commas in one pass.
        let line_end = memchr::memchr(b'\n', &bytes[self.pos..]).map_or(bytes.len(), |i| self.pos + i);
        let line = &self.text[self.pos..line_end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        if !self.quotes || memchr::memchr(b'"', line.as_bytes()).is_none() {
            split_unquoted(line, out);
            self.pos = line_end + 1;
            return true;
        }
        loop {
            let (field, end) = self.field();
            out.push(field);
            match bytes.get(end) {
                Some(b',') => self.pos = end + 1,
                Some(b'\n') => {
                    self.pos = end + 1;
                    return true;
                }
                _ => {
                    self.pos = bytes.len();
                    return true;
                }
            }
        }
    }

    /// The field at `pos` and the index of the delimiter after it (or the text's length).
    fn field(&self) -> (Cow<'a, str>, usize) {
        let text = self.text;
        let bytes = text.as_bytes();
        let start = self.pos;
        if bytes.get(start) != Some(&b'"') {
            // Fields are short: a plain scan beats setting up a vectorised search.
            let end = bytes[start..].iter().position(|&b| b == b',' || b == b'\n').map_or(bytes.len(), |i| start + i);
            let field = text[start..end].strip_suffix('\r').unwrap_or(&text[start..end]);
            return (Cow::Borrowed(field), end);
        }
        // Quoted: up to the closing quote; `""` inside stands for one quote.
        let mut owned: Option<String> = None;
        let mut from = start + 1;
        loop {
            let Some(q) = memchr::memchr(b'"', &bytes[from..]).map(|i| from + i) else {
                // No closing quote: the rest of the text is the field.
                let rest = &text[from..];
                return (
                    owned.map_or(Cow::Borrowed(rest), |mut s| {
                        s.push_str(rest);
                        Cow::Owned(s)
                    }),
                    bytes.len(),
                );
            };
            if bytes.get(q + 1) == Some(&b'"') {
                owned.get_or_insert_with(String::new).push_str(&text[from..=q]);
                from = q + 2;
                continue;
            }
            let piece = &text[from..q];
            // Text after the closing quote, up to the delimiter, belongs to the field (as the
            // csv crate reads it).
            let end = memchr::memchr2(b',', b'\n', &bytes[q + 1..]).map_or(bytes.len(), |i| q + 1 + i);
            let tail = text[q + 1..end].strip_suffix('\r').unwrap_or(&text[q + 1..end]);
            return match (owned, tail.is_empty()) {
                (None, true) => (Cow::Borrowed(piece), end),
                (owned, _) => {
                    let mut s = owned.unwrap_or_default();
                    s.push_str(piece);
                    s.push_str(tail);
                    (Cow::Owned(s), end)
                }
            };
        }
    }
}

/// Eight copies of a byte, to compare eight bytes at once.
const fn eight(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// The high bit of each byte of `v` that is zero, and no other bit. (Each byte's low seven bits
/// plus 0x7F carry into its high bit unless they are all zero, and never into the next byte.)
fn zero_bytes(v: u64) -> u64 {
    let low = eight(0x7F);
    !(((v & low) + low) | v | low)
}

/// Splits a line without quotes at its commas, appending the fields to `out`. Eight bytes are
/// looked at in each step: a million responses are 200 MB of fields.
fn split_unquoted<'a>(line: &'a str, out: &mut Vec<Cow<'a, str>>) {
    let bytes = line.as_bytes();
    let mut start = 0;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let word = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        let mut commas = zero_bytes(word ^ eight(b','));
        while commas != 0 {
            let comma = at + commas.trailing_zeros() as usize / 8;
            out.push(Cow::Borrowed(&line[start..comma]));
            start = comma + 1;
            commas &= commas - 1;
        }
        at += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b',' {
            out.push(Cow::Borrowed(&line[start..at + i]));
            start = at + i + 1;
        }
    }
    out.push(Cow::Borrowed(&line[start..]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Vec<String>> {
        let mut records = Records::new(text);
        let mut out = Vec::new();
        let mut all = Vec::new();
        while records.next_record(&mut out) {
            all.push(out.iter().map(|c| c.to_string()).collect());
        }
        all
    }

    #[test]
    fn quoted_fields_hold_delimiters_newlines_and_quotes() {
        let text = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"line\nbreak\",,x\n";
        assert_eq!(read(text), vec![vec!["a", "b,c", "say \"hi\""], vec!["line\nbreak", "", "x"]]);
    }

    proptest::proptest! {
        /// Whatever the csv crate writes, this reader reads back field for field.
        #[test]
        fn reads_what_the_csv_crate_writes(records in proptest::collection::vec(proptest::collection::vec("[a-z,\"\n\r 、会社\\t]{0,8}", 1..5), 1..6)) {
            let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
            for record in &records {
                writer.write_record(record).unwrap();
            }
            let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
            let expected: Vec<Vec<String>> = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect();
            proptest::prop_assert_eq!(read(&text), expected);
        }
    }

    #[test]
    fn zero_bytes_marks_exactly_the_zero_bytes() {
        for bytes in [[0u8, 1, 0x80, 0xFF, 0, 0x7F, 0x01, 0], [1; 8], [0; 8], [0x80, 0, 0x80, 0, 0x80, 0, 0x80, 0]] {
            let expected =
                bytes.iter().enumerate().filter(|(_, b)| **b == 0).fold(0u64, |m, (i, _)| m | 0x80 << (8 * i));
            assert_eq!(zero_bytes(u64::from_le_bytes(bytes)), expected, "{bytes:?}");
        }
    }

    proptest::proptest! {
        /// Lines of every length and comma placement split as `str::split` splits them.
        #[test]
        fn unquoted_lines_split_at_every_comma(line in "[a,あ ]{0,40}") {
            let mut out = vec![Cow::Borrowed("kept")];
            split_unquoted(&line, &mut out);
            let expected: Vec<&str> = std::iter::once("kept").chain(line.split(',')).collect();
            proptest::prop_assert_eq!(out.iter().map(|c| c.as_ref()).collect::<Vec<_>>(), expected);
        }
    }

    #[test]
    fn a_last_record_without_newline_is_read() {
        assert_eq!(read("a,b\nc,d"), vec![vec!["a", "b"], vec!["c", "d"]]);
        assert_eq!(read(""), Vec::<Vec<String>>::new());
    }
}
