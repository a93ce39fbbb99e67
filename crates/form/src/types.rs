//! The `type` column: question types, select lists, groups, and pyxform's many aliases.

use crate::model::QuestionType;

#[derive(Debug, Clone, PartialEq)]
pub enum RowType {
    Question(QuestionType),
    Select {
        kind: QuestionType,
        list: String,
        or_other: bool,
    },
    BeginGroup,
    BeginRepeat,
    EndGroup,
    EndRepeat,
    /// A type that exists in XLSForm but that a web questionnaire cannot ask; the text says why.
    Unsupported(String),
    Unknown,
}

pub const SUPPORTED: &str = "text, integer, decimal, select_one LIST, select_multiple LIST, date, time, datetime, note, calculate, acknowledge, hidden, begin/end group, begin/end repeat, and the metadata types (start, end, today, deviceid, username, email, …)";

pub fn parse_type(text: &str) -> RowType {
    let words: Vec<&str> = text.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let joined = lower.join(" ");
    if let Some(select) = parse_select(&words, &lower) {
        return select;
    }
    match joined.as_str() {
        "begin group" | "begin_group" => return RowType::BeginGroup,
        "begin repeat" | "begin_repeat" | "begin looped group" | "begin lgroup" => {
            return RowType::BeginRepeat;
        }
        "end group" | "end_group" => return RowType::EndGroup,
        "end repeat" | "end_repeat" | "end looped group" | "end lgroup" => {
            return RowType::EndRepeat;
        }
        _ => {}
    }
    if let Some(kind) = simple_type(&joined) {
        return RowType::Question(kind);
    }
    if let Some(reason) = unsupported_reason(&joined) {
        return RowType::Unsupported(reason.to_string());
    }
    RowType::Unknown
}

fn simple_type(t: &str) -> Option<QuestionType> {
    use QuestionType::*;
    Some(match t {
        "text" | "string" | "add text prompt" | "q string" => Text,
        "integer" | "int" | "add integer prompt" | "q int" => Integer,
        "decimal" | "add decimal prompt" | "q decimal" => Decimal,
        "date" | "add date prompt" | "q date" => Date,
        "time" => Time,
        "datetime" | "date time" | "add datetime prompt" | "q datetime" | "add date time prompt" | "q date time" => {
            Datetime
        }
        "note" | "add note prompt" | "q note" => Note,
        "calculate" | "add calculate prompt" | "q calculate" => Calculate,
        "acknowledge" | "trigger" | "add acknowledge prompt" | "q acknowledge" => Acknowledge,
        "hidden" => Hidden,
        "start" | "end" | "today" | "deviceid" | "imei" | "simserial" | "subscriberid" | "phonenumber" | "username"
        | "email" | "audit" | "start time" | "end time" | "get start time" | "get end time" | "get today"
        | "device id" | "get device id" | "subscriber id" | "get subscriber id" | "sim id" | "get sim id"
        | "get phone number" | "uri:deviceid" | "uri:subscriberid" | "uri:simserial" | "uri:phonenumber"
        | "uri:username" | "uri:email" => Metadata,
        _ => return None,
    })
}

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
        "photo" | "image" | "audio" | "video" | "file" | "q picture" | "q image" | "q audio" | "q video"
        | "add image prompt" | "add photo prompt" | "add audio prompt" | "add video prompt" | "add file prompt"
        | "background-audio" | "barcode" | "q barcode" | "add barcode prompt" | "osm" => {
            "file, media and barcode questions are not collected by Mamori"
        }
        "phone number" => "use type text with constraint regex(., '^[0-9+() -]+$') for phone numbers",
        "range" => "use type integer with a constraint such as . >= 0 and . <= 10",
        "xml-external" | "csv-external" => "external data files are not supported",
        "percentage"
        | "number of days in last month"
        | "number of days in last six months"
        | "number of days in last year" => "use type integer with a constraint",
        _ if first == "loop" || t.starts_with("begin loop") || t == "end loop" => {
            "'loop over' is not supported; use begin repeat"
        }
        _ if first == "rank" => "rank questions are not supported; use select_multiple",
        _ => return None,
    })
}

fn parse_select(words: &[&str], lower: &[String]) -> Option<RowType> {
    const ONE: &[&[&str]] = &[
        &["select_one"],
        &["select", "one"],
        &["select1"],
        &["add", "select", "one", "prompt", "using"],
        &["select", "one", "using"],
        &["q", "select1"],
    ];
    const MULTIPLE: &[&[&str]] = &[
        &["select_multiple"],
        &["select", "all", "that", "apply"],
        &["select", "multiple"],
        &["add", "select", "multiple", "prompt", "using"],
        &["select", "multiple", "using"],
        &["q", "select"],
    ];
    let first = lower.first()?.as_str();
    if matches!(first, "select_one_external" | "select_one_from_file" | "select_multiple_from_file")
        || lower.starts_with(&["select".into(), "one".into(), "external".into()])
        || (lower.len() >= 3 && lower[0] == "select" && lower[2] == "from" && lower.get(3).is_some_and(|w| w == "file"))
    {
        return Some(RowType::Unsupported(
            "choice lists from external files are not supported; put the choices in the choices sheet".into(),
        ));
    }
    for (patterns, kind) in [(ONE, QuestionType::SelectOne), (MULTIPLE, QuestionType::SelectMultiple)] {
        for pattern in patterns {
            if lower.len() < pattern.len() || lower[..pattern.len()].iter().zip(pattern.iter()).any(|(a, b)| a != b) {
                continue;
            }
            let mut rest = &words[pattern.len()..];
            let mut rest_lower = &lower[pattern.len()..];
            if rest_lower.first().is_some_and(|w| w == "from") {
                rest = &rest[1..];
                rest_lower = &rest_lower[1..];
            }
            let mut or_other = false;
            if rest_lower.last().is_some_and(|w| w == "or_other") {
                or_other = true;
                rest = &rest[..rest.len() - 1];
            } else if rest_lower.ends_with(&["or".into(), "specify".into(), "other".into()]) {
                or_other = true;
                rest = &rest[..rest.len() - 3];
            }
            return Some(match rest {
                [list] => RowType::Select { kind, list: list.to_string(), or_other },
                [] => RowType::Unsupported(format!(
                    "'{}' needs a choice list name after it, e.g. '{} yes_no'",
                    words.join(" "),
                    words.join(" ")
                )),
                _ => RowType::Unsupported(format!(
                    "'{}': a choice list name is one word without spaces",
                    words.join(" ")
                )),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuestionType::*;

    fn select(kind: QuestionType, list: &str, or_other: bool) -> RowType {
        RowType::Select { kind, list: list.into(), or_other }
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
            ("begin group", RowType::BeginGroup),
            ("end_repeat", RowType::EndRepeat),
            ("frobnicate", RowType::Unknown),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_type(text), expected, "{text}");
        }
    }

    #[test]
    fn unsupported_types_say_why() {
        for text in
            ["geopoint", "photo", "select_one_external c1", "begin loop over toilet", "rank fruits", "select_one"]
        {
            assert!(matches!(parse_type(text), RowType::Unsupported(_)), "{text}");
        }
    }
}
