//! Responses out as CSV in the ODK/Kobo convention, UTF-8 with a BOM so Excel opens Japanese
//! text intact.

use crate::columns::Responses;
use mamori_form::Form;

/// Writes `responses` as CSV: `_id` (when known), then one column per question that takes an
/// answer (notes left out), select_multiple space-separated, empty where not answered.
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
        record.extend(questions.iter().map(|&q| responses.answer(form, q, i).into_owned()));
        writer.write_record(&record)?;
    }
    writer.flush()
}
