//! The codebook beside every export: each variable with the question (or choice) it comes
//! from, its full label, and each code with its full label — what the formats' limits cut.

use super::Dictionary;
use std::io::{self, Write};

/// UTF-8 CSV with a BOM (so that Excel opens the Japanese intact).
pub fn write_codebook<W: Write>(layout: &Dictionary, mut w: W) -> io::Result<()> {
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut out = csv::Writer::from_writer(w);
    let header = if layout.language.japanese {
        ["変数名", "設問・選択肢", "型", "ラベル", "値", "値ラベル", "欠損値"]
    } else {
        ["variable", "source", "type", "label", "value", "value_label", "missing"]
    };
    out.write_record(header)?;
    let safe = |s: &str| crate::formula_safe(s, false).into_owned();
    for v in &layout.variables {
        let kind = if v.is_text() { format!("text({})", v.width) } else { "numeric".to_string() };
        let missing = match (v.missing, layout.language.japanese) {
            (Some(m), _) => format!("{} {}", m.not_asked, m.not_answered),
            // Text has no missing codes: an empty value is either.
            (None, true) => "空欄＝非該当または無回答".to_string(),
            (None, false) => "empty = not asked or not answered".to_string(),
        };
        out.write_record([
            v.name.clone(),
            safe(&v.source_name),
            kind,
            safe(&v.label),
            String::new(),
            String::new(),
            missing,
        ])?;
        for (x, label) in &v.value_labels {
            out.write_record([
                v.name.clone(),
                String::new(),
                String::new(),
                String::new(),
                x.to_string(),
                safe(label),
                String::new(),
            ])?;
        }
    }
    out.flush()
}
