//! Responses out as CSV in the ODK/Kobo convention, UTF-8 with a BOM so Excel opens Japanese
//! text intact.

use crate::columns::Responses;
use mamori_form::Form;
use std::borrow::Cow;

/// A cell as a spreadsheet may safely open it (OWASP's advice against CSV injection): text that
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel,
/// LibreOffice and Google Sheets show it as text instead of running it as a formula. A number
/// in a number column (`numeric`) stays a number, minus sign and all.
pub fn formula_safe(value: &str, numeric: bool) -> Cow<'_, str> {
    let risky = matches!(value.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
    if !risky || (numeric && value.trim().parse::<f64>().is_ok_and(f64::is_finite)) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!("'{value}"))
    }
}

/// Writes `responses` as CSV: `_id` (when known), then one column per question that takes an
/// answer (notes left out), select_multiple space-separated, empty where not answered; text
/// that a spreadsheet would take for a formula is neutralised ([`formula_safe`]).
pub fn write_csv(form: &Form, responses: &Responses, out: &mut impl std::io::Write) -> std::io::Result<()> {
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    let questions: Vec<usize> =
        (0..form.questions.len()).filter(|&q| form.questions[q].kind != mamori_form::QuestionType::Note).collect();
    let mut header: Vec<&str> = Vec::new();
    if responses.ids.is_some() {
        header.push("_id");
    }
    header.extend(questions.iter().map(|&q| form.questions[q].name.as_str()));
    writer.write_record(&header)?;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..responses.len() {
        record.clear();
        if let Some(ids) = &responses.ids {
            record.push(ids.get(i).to_string());
        }
        record.extend(questions.iter().map(|&q| {
            let answer = responses.answer(form, q, i);
            formula_safe(&answer, form.questions[q].kind.is_numeric()).into_owned()
        }));
        writer.write_record(&record)?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::formula_safe;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for risky in ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
        {
            assert_eq!(formula_safe(risky, false), format!("'{risky}"), "{risky:?}");
            assert_eq!(formula_safe(risky, true), format!("'{risky}"), "{risky:?} is not a number");
        }
        for kept in ["-5", "-0.25", "+3", "1e3"] {
            assert_eq!(formula_safe(kept, true), kept, "a number stays a number");
        }
        assert_eq!(formula_safe("-5", false), "'-5", "text that looks like a number is still text");
        for plain in ["", "甲医療機器株式会社", "a=b", "x-1"] {
            assert_eq!(formula_safe(plain, false), plain);
        }
    }
}
