//! A campaign's stored responses as the analysis reads them: written as CSV in the convention of
//! product.md and read back through the same checked import as a file from an analyst, so the
//! results page, the exports and `mamori report` on an exported file always agree.

use mamori_dataset::{ReadOptions, Responses, read_responses};
use mamori_form::{Form, QuestionType};
use mamori_store::StoredResponse;

/// The questions with a column of their own in exports, in form order: every question that
/// takes an answer outside a repeat (the respondent pages ask no repeats: one page per
/// top-level group).
pub fn exported_questions(form: &Form) -> Vec<&mamori_form::Question> {
    let in_repeat = |q: &mamori_form::Question| {
        q.group_indices.iter().any(|&g| form.groups[g].kind == mamori_form::GroupKind::Repeat)
    };
    form.questions.iter().filter(|q| q.kind != QuestionType::Note && !in_repeat(q)).collect()
}

/// The responses as CSV (UTF-8, with `_id` = the participant's id), one row each.
pub fn to_csv(form: &Form, responses: &[(String, StoredResponse)]) -> String {
    let questions = exported_questions(form);
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header = vec!["_id"];
    header.extend(questions.iter().map(|q| q.name.as_str()));
    writer.write_record(&header).expect("writing to memory");
    for (id, response) in responses {
        let mut record = vec![id.as_str()];
        record.extend(questions.iter().map(|q| response.answers.get(&q.name).map_or("", String::as_str)));
        writer.write_record(&record).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text is UTF-8")
}

/// The responses as checked columns; a stored answer the form rejects (which submission
/// prevents) is reported rather than dropped silently.
pub fn columns(form: &Form, responses: &[(String, StoredResponse)]) -> Result<Responses, String> {
    let csv = to_csv(form, responses);
    let options = ReadOptions { language: form.default_language.clone(), ..ReadOptions::default() };
    read_responses(form, "campaign.csv", csv.as_bytes(), &options)
        .map(|l| l.responses)
        .map_err(|errors| errors.iter().take(5).map(ToString::to_string).collect::<Vec<_>>().join("; "))
}
