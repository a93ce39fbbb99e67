//! The `type` column: question types, select lists, groups, and pyxform's many aliases.

use crate::model::QuestionType;

#[derive(Debug, Clone, PartialEq)]
pub enum RowType {
    Question(QuestionType),
    Select {
        kind: QuestionType,
        /// A list of the choices sheet, or for `select_one_from_file` the choice file's name.
        list: String,
        or_other: bool,
        /// The choices come from a CSV file given with the form (ODK's `*_from_file`).
        from_file: bool,
    },
    BeginGroup,
    BeginRepeat,
    EndGroup,
    EndRepeat,
    /// A type that exists in XLSForm but that a web questionnaire cannot ask; the text says why.
    Unsupported(String),
    Unknown,
}

pub const SUPPORTED: &str = "text, integer, decimal, range, select_one LIST, select_multiple LIST, rank LIST, select_one_from_file FILE.csv, select_multiple_from_file FILE.csv, date, time, datetime, note, calculate, acknowledge, hidden, begin/end group, begin/end repeat, and the metadata types (start, end, today, deviceid, username, email, …)";

/// A `type` cell as pyxform 4.5 reads it: words separated by any whitespace, then matched
/// **exactly** — `Text` or `Select_one` are unknown to pyxform and ODK, so they are unknown
/// here too (the reader's message names the spelling that would work).
pub fn parse_type(text: &str) -> RowType {
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    if let Some(select) = parse_select(&words) {
        return select;
    }
    if let Some(control) = parse_control(&joined) {
        return control;
    }
    if let Some(kind) = simple_type(&joined) {
        return RowType::Question(kind);
    }
    if let Some(reason) = unsupported_reason(&joined) {
        return RowType::Unsupported(reason.to_string());
    }
    RowType::Unknown
}

/// `begin group`, `end_repeat`, … : pyxform's `begin`/`end`, a space or `_`, then one of its
/// control words (`lgroup` and `looped group` are repeats; `loop` is not supported).
fn parse_control(joined: &str) -> Option<RowType> {
    let (begin, rest) =
        if let Some(rest) = joined.strip_prefix("begin") { (true, rest) } else { (false, joined.strip_prefix("end")?) };
    let rest = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('_'))?;
    let (control, after) = ["looped group", "lgroup", "group", "repeat", "loop"]
        .iter()
        .find_map(|c| rest.strip_prefix(c).map(|after| (*c, after)))?;
    if control == "loop" {
        return Some(RowType::Unsupported("'loop over' is not supported; use begin repeat".into()));
    }
    let repeat = control != "group";
    match (begin, after) {
        (true, "") => Some(if repeat { RowType::BeginRepeat } else { RowType::BeginGroup }),
        (false, "") => Some(if repeat { RowType::EndRepeat } else { RowType::EndGroup }),
        _ => None,
    }
}

/// The question types of pyxform's `QUESTION_TYPE_DICT` that Mamori asks, spelled as pyxform
/// spells them.
fn simple_type(t: &str) -> Option<QuestionType> {
    use QuestionType::*;
    Some(match t {
        "text" | "string" | "add text prompt" | "q string" => Text,
        "integer" | "int" | "add integer prompt" | "q int" => Integer,
        "decimal" | "add decimal prompt" | "q decimal" => Decimal,
        "range" => Range,
        "date" | "add date prompt" | "q date" => Date,
        "time" => Time,
        "dateTime"
        | "datetime"
        | "date time"
        | "add dateTime prompt"
        | "add date time prompt"
        | "q dateTime"
        | "q date time" => Datetime,
        "note" | "add note prompt" | "q note" => Note,
        "calculate" | "add calculate prompt" | "q calculate" => Calculate,
        "acknowledge" | "trigger" | "add acknowledge prompt" | "q acknowledge" => Acknowledge,
        "hidden" => Hidden,
        "file" | "add file prompt" => File,
        "start" | "end" | "today" | "deviceid" | "imei" | "simserial" | "subscriberid" | "phonenumber" | "username"
        | "email" | "audit" | "start time" | "end time" | "get start time" | "get end time" | "get today"
        | "device id" | "get device id" | "subscriber id" | "get subscriber id" | "sim id" | "get sim id"
        | "get phone number" | "uri:deviceid" | "uri:subscriberid" | "uri:simserial" | "uri:phonenumber"
        | "uri:username" | "uri:email" => Metadata,
        _ => return None,
    })
}

/// The rest of pyxform's types: valid XLSForm that a web questionnaire of Mamori's does not ask.
fn unsupported_reason(t: &str) -> Option<&'static str> {
    let first = t.split(' ').next().unwrap_or("");
    Some(match t {
        "geopoint"
        | "geotrace"
        | "geoshape"
        | "gps"
        | "location"
        | "q geopoint"
        | "q geoshape"
        | "q geotrace"
        | "q location"
        | "add location prompt"
        | "start-geopoint"
        | "background-geopoint" => "location questions cannot be answered in a web questionnaire",
        "photo" | "image" | "audio" | "video" | "q picture" | "q image" | "q audio" | "q video"
        | "add image prompt" | "add audio prompt" | "add video prompt" | "background-audio" | "barcode"
        | "q barcode" | "add barcode prompt" | "osm" => {
            "media capture and barcode questions are not collected by Mamori (a document is asked with type file)"
        }
        _ if first == "osm" => {
            "media capture and barcode questions are not collected by Mamori (a document is asked with type file)"
        }
        "phone number" => "use type text with constraint regex(., '^[0-9+() -]+$') for phone numbers",
        "xml-external" | "csv-external" => "external data files are not supported",
        "percentage"
        | "number of days in last month"
        | "number of days in last six months"
        | "number of days in last year" => "use type integer with a constraint",
        _ => return None,
    })
}

/// pyxform's select commands (`aliases.select`), in its order: a command, one list name, and
/// optionally `or_other`, `or other` or `or specify other`.
fn parse_select(words: &[&str]) -> Option<RowType> {
    use QuestionType::{SelectMultiple, SelectOne};
    enum Kind {
        Ask(QuestionType),
        External,
        FromFile(QuestionType),
        Rank,
    }
    const COMMANDS: &[(&str, Kind)] = &[
        ("add select one prompt using", Kind::Ask(SelectOne)),
        ("add select multiple prompt using", Kind::Ask(SelectMultiple)),
        ("select all that apply from", Kind::Ask(SelectMultiple)),
        ("select one from", Kind::Ask(SelectOne)),
        ("select1", Kind::Ask(SelectOne)),
        ("select_one", Kind::Ask(SelectOne)),
        ("select one", Kind::Ask(SelectOne)),
        ("select_multiple", Kind::Ask(SelectMultiple)),
        ("select all that apply", Kind::Ask(SelectMultiple)),
        ("select_one_external", Kind::External),
        ("select_one_from_file", Kind::FromFile(SelectOne)),
        ("select_multiple_from_file", Kind::FromFile(SelectMultiple)),
        ("select one from file", Kind::FromFile(SelectOne)),
        ("select multiple from file", Kind::FromFile(SelectMultiple)),
        ("rank", Kind::Rank),
    ];
    let mut command_without_list = None;
    for (command, kind) in COMMANDS {
        let n = command.split(' ').count();
        if words.len() < n || words[..n].join(" ") != *command {
            continue;
        }
        let rest = &words[n..];
        let (rest, or_other) = match rest {
            [list, "or_other"] | [list, "or", "other"] | [list, "or", "specify", "other"] => {
                (std::slice::from_ref(list), true)
            }
            _ => (rest, false),
        };
        let [list] = rest else {
            if rest.is_empty() {
                command_without_list.get_or_insert(*command);
            }
            continue;
        };
        return Some(match kind {
            Kind::Ask(kind) => RowType::Select { kind: *kind, list: list.to_string(), or_other, from_file: false },
            Kind::FromFile(kind) if list.to_ascii_lowercase().ends_with(".csv") => {
                RowType::Select { kind: *kind, list: list.to_string(), or_other, from_file: true }
            }
            Kind::FromFile(_) => RowType::Unsupported(format!(
                "choice files other than CSV are not supported ('{list}'); save the list as a .csv file with name and label columns"
            )),
            Kind::External => RowType::Unsupported(
                "choice lists from external files are not supported; put the choices in the choices sheet".into(),
            ),
            Kind::Rank if or_other => {
                RowType::Unsupported("a rank question has no 'or_other': add an 'other' choice to its list".into())
            }
            Kind::Rank => {
                RowType::Select { kind: QuestionType::Rank, list: list.to_string(), or_other, from_file: false }
            }
        });
    }
    command_without_list.map(|command| {
        RowType::Unsupported(format!(
            "'{command}' needs the name of a choice list after it (one word), e.g. '{command} yes_no'"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuestionType::*;

    fn select(kind: QuestionType, list: &str, or_other: bool) -> RowType {
        RowType::Select { kind, list: list.into(), or_other, from_file: false }
    }

    #[test]
    fn types_and_aliases_are_recognised() {
        let cases = [
            ("text", RowType::Question(Text)),
            ("string", RowType::Question(Text)),
            ("int", RowType::Question(Integer)),
            ("dateTime", RowType::Question(Datetime)),
            ("trigger", RowType::Question(Acknowledge)),
            ("get start time", RowType::Question(Metadata)),
            ("select_one status", select(SelectOne, "status", false)),
            ("select one from Sexes or specify other", select(SelectOne, "Sexes", true)),
            ("select_one colors or_other", select(SelectOne, "colors", true)),
            ("select all that apply from toilet", select(SelectMultiple, "toilet", false)),
            ("select_multiple challenge", select(SelectMultiple, "challenge", false)),
            (
                "select_one_from_file prefectures.csv",
                RowType::Select { kind: SelectOne, list: "prefectures.csv".into(), or_other: false, from_file: true },
            ),
            (
                "select multiple from file devices.CSV",
                RowType::Select { kind: SelectMultiple, list: "devices.CSV".into(), or_other: false, from_file: true },
            ),
            ("begin group", RowType::BeginGroup),
            ("end_repeat", RowType::EndRepeat),
            ("frobnicate", RowType::Unknown),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_type(text), expected, "{text}");
        }
    }

    /// Every type name pyxform 4.5.0 accepts (its `QUESTION_TYPE_DICT` keys, and its select and
    /// control commands with a list name), as printed by pyxform itself.
    const PYXFORM_ACCEPTS: &[&str] = &[
        "acknowledge",
        "add acknowledge prompt",
        "add audio prompt",
        "add barcode prompt",
        "add calculate prompt",
        "add date prompt",
        "add date time prompt",
        "add dateTime prompt",
        "add decimal prompt",
        "add file prompt",
        "add image prompt",
        "add integer prompt",
        "add location prompt",
        "add note prompt",
        "add text prompt",
        "add video prompt",
        "audio",
        "audit",
        "background-audio",
        "background-geopoint",
        "barcode",
        "calculate",
        "csv-external",
        "date",
        "date time",
        "dateTime",
        "datetime",
        "decimal",
        "device id",
        "deviceid",
        "email",
        "end",
        "end time",
        "file",
        "geopoint",
        "geoshape",
        "geotrace",
        "get device id",
        "get end time",
        "get phone number",
        "get sim id",
        "get start time",
        "get subscriber id",
        "get today",
        "gps",
        "hidden",
        "image",
        "imei",
        "int",
        "integer",
        "location",
        "note",
        "number of days in last month",
        "number of days in last six months",
        "number of days in last year",
        "osm",
        "percentage",
        "phone number",
        "phonenumber",
        "photo",
        "q acknowledge",
        "q audio",
        "q barcode",
        "q calculate",
        "q date",
        "q date time",
        "q dateTime",
        "q decimal",
        "q geopoint",
        "q geoshape",
        "q geotrace",
        "q image",
        "q int",
        "q location",
        "q note",
        "q picture",
        "q string",
        "q video",
        "range",
        "sim id",
        "simserial",
        "start",
        "start time",
        "start-geopoint",
        "string",
        "subscriber id",
        "subscriberid",
        "text",
        "time",
        "today",
        "trigger",
        "uri:deviceid",
        "uri:email",
        "uri:phonenumber",
        "uri:simserial",
        "uri:subscriberid",
        "uri:username",
        "username",
        "video",
        "xml-external",
        "add select one prompt using yn",
        "add select multiple prompt using yn",
        "select all that apply from yn",
        "select one from yn",
        "select1 yn",
        "select_one yn",
        "select one yn",
        "select_multiple yn",
        "select all that apply yn",
        "select_one_external yn",
        "select_one_from_file a.csv",
        "select_multiple_from_file a.csv",
        "select one from file a.csv",
        "select multiple from file a.csv",
        "rank yn",
        "osm c1",
        "select_one yn or_other",
        "select_one yn or other",
        "select_one yn or specify other",
        "begin group",
        "begin_group",
        "end group",
        "end_group",
        "begin repeat",
        "begin_repeat",
        "end repeat",
        "end_repeat",
        "begin lgroup",
        "end lgroup",
        "begin looped group",
        "end looped group",
        "begin loop over yn",
        "  text ",
        "select_one   yn",
    ];

    /// Spellings pyxform 4.5.0 refuses ("Unknown question type"), each tried with pyxform.
    const PYXFORM_REFUSES: &[&str] = &[
        "Text",
        "TEXT",
        "Integer",
        "Select_one yn",
        "End Group",
        "Note",
        "Decimal",
        "Date",
        "DateTime",
        "Calculate",
        "Date time",
        "add datetime prompt",
        "select multiple using yn",
        "q select1 yn",
        "select one external yn",
        "q select yn",
        "select one using yn",
        "select_many yn",
        "start group",
        "select_one from yn",
    ];

    #[test]
    fn type_names_are_read_exactly_as_pyxform_reads_them() {
        for text in PYXFORM_ACCEPTS {
            assert_ne!(parse_type(text), RowType::Unknown, "pyxform accepts '{text}'");
        }
        for text in PYXFORM_REFUSES {
            assert_eq!(parse_type(text), RowType::Unknown, "pyxform refuses '{text}'");
        }
    }

    #[test]
    fn unsupported_types_say_why() {
        for text in [
            "geopoint",
            "photo",
            "select_one_external c1",
            "begin loop over toilet",
            "rank fruits or_other",
            "select_one_from_file c.xml",
            "select_one",
        ] {
            assert!(matches!(parse_type(text), RowType::Unsupported(_)), "{text}");
        }
    }
}
