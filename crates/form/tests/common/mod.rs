//! What the two conformance tests (pyxform's examples, and real forms of other projects)
//! share: pyxform's type names as Mamori's, the fields Mamori read, located errors.

use mamori_form::{Form, Outcome};

/// pyxform's type names (it keeps the alias written in the form) as Mamori's canonical types.
/// `None`: a type Mamori refuses.
pub fn mamori_type(pyxform: &str) -> Option<&'static str> {
    Some(match pyxform {
        "text" | "string" => "text",
        "integer" | "int" => "integer",
        "decimal" => "decimal",
        "date" => "date",
        "time" => "time",
        "datetime" | "dateTime" => "datetime",
        "note" => "note",
        "calculate" => "calculate",
        "acknowledge" | "trigger" => "acknowledge",
        "hidden" => "hidden",
        "file" => "file",
        "select one" => "select_one",
        "select all that apply" => "select_multiple",
        "start" | "end" | "today" | "deviceid" | "simserial" | "phonenumber" | "subscriberid" | "username"
        | "email" | "uri:deviceid" => "metadata",
        "group" => "group",
        "repeat" => "repeat",
        _ => return None,
    })
}

/// (path, type) pairs.
pub type Fields = Vec<(String, String)>;

/// The questions in form order, and the groups sorted, as (path, type).
pub fn our_fields(form: &Form) -> (Fields, Fields) {
    let path =
        |p: &[String], name: &String| p.iter().chain(std::iter::once(name)).cloned().collect::<Vec<_>>().join("/");
    let questions =
        form.questions.iter().map(|q| (path(&q.path, &q.written_name), q.kind.as_str().to_string())).collect();
    let mut groups: Fields =
        form.groups.iter().map(|g| (path(&g.path, &g.name), format!("{:?}", g.kind).to_lowercase())).collect();
    groups.sort();
    (questions, groups)
}

/// Every error names its file, and its row when it names a sheet.
pub fn located(outcome: &Outcome) -> bool {
    outcome.diagnostics.iter().filter(|d| d.is_error()).all(|d| {
        !d.location.file.is_empty() && !d.message.is_empty() && (d.location.sheet.is_none() || d.location.row.is_some())
    })
}
