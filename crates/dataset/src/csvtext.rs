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
}

impl<'a> Records<'a> {
    pub fn new(text: &'a str) -> Self {
        Records { text, pos: 0 }
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
        if memchr::memchr(b'"', &bytes[self.pos..line_end]).is_none() {
            let line = &self.text[self.pos..line_end];
            let line = line.strip_suffix('\r').unwrap_or(line);
            let mut start = 0;
            for (i, &b) in line.as_bytes().iter().enumerate() {
                if b == b',' {
                    out.push(Cow::Borrowed(&line[start..i]));
                    start = i + 1;
                }
            }
            out.push(Cow::Borrowed(&line[start..]));
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
    fn a_last_record_without_newline_is_read() {
        assert_eq!(read("a,b\nc,d"), vec![vec!["a", "b"], vec!["c", "d"]]);
        assert_eq!(read(""), Vec::<Vec<String>>::new());
    }
}
