//! Participant lists from the office's spreadsheet: CSV (UTF-8, with or without BOM, or
//! Shift_JIS from Japanese Excel) or XLSX, one row per company. Every row is checked; one
//! problem anywhere refuses the whole file, with every problem listed by row and column.

use crate::register::plausible_email;
use mamori_form::workbook;
use mamori_store::NewParticipant;
use std::collections::BTreeMap;

/// The header names accepted for each field (compared without case and spaces).
const FIELDS: &[(&str, &[&str])] = &[
    ("company", &["company", "company_name", "name", "会社名", "企業名", "法人名"]),
    (
        "license",
        &["license", "licence", "license_type", "licence_class", "license_class", "業態", "許可種別", "許可の種類"],
    ),
    ("email", &["email", "e-mail", "mail", "メールアドレス", "メール", "電子メール"]),
    ("language", &["language", "lang", "言語"]),
    ("corporate_number", &["corporate_number", "houjin_bangou", "法人番号"]),
];

/// What a campaign already holds, that a new participant must not repeat.
#[derive(Debug, Default)]
pub struct Existing {
    pub emails: Vec<String>,
    pub corporate_numbers: Vec<String>,
}

/// What a licence class may be written as: the choice's name or any of its labels.
pub struct Licences {
    /// (written form in lower case → choice name)
    accepted: BTreeMap<String, String>,
    /// The choice names, for the message.
    names: Vec<String>,
}

impl Licences {
    pub fn from_question(question: Option<&mamori_form::Question>) -> Licences {
        let mut accepted = BTreeMap::new();
        let mut names = Vec::new();
        for c in question.map(|q| q.choices.as_slice()).unwrap_or_default() {
            names.push(c.name.clone());
            accepted.insert(c.name.to_lowercase(), c.name.clone());
            for label in c.label.values() {
                accepted.insert(label.trim().to_lowercase(), c.name.clone());
            }
        }
        Licences { accepted, names }
    }

    fn resolve(&self, text: &str) -> Result<String, String> {
        if self.names.is_empty() {
            return Ok(text.to_string());
        }
        self.accepted.get(&text.trim().to_lowercase()).cloned().ok_or_else(|| {
            format!("'{text}' is not a licence class of the questionnaire; use one of {}", self.names.join(", "))
        })
    }
}

fn normalise(header: &str) -> String {
    header.trim().trim_start_matches('\u{feff}').to_lowercase().replace([' ', '\u{3000}'], "")
}

/// Reads a participant list; `existing` are the e-mail addresses and 法人番号 already in the
/// campaign.
pub fn read(
    file_name: &str,
    bytes: &[u8],
    licences: &Licences,
    existing: &Existing,
) -> Result<Vec<NewParticipant>, Vec<String>> {
    let fail = |m: String| vec![format!("{file_name}: {m}")];
    let rows: Vec<(usize, Vec<String>)> = workbook::read_table(file_name, bytes)
        .map_err(|e| vec![e.replace("is not a table", "is not a participant list")])?
        .into_iter()
        .map(|r| (r.number, r.cells))
        .collect();
    let Some(((_, header), body)) = rows.split_first() else {
        return Err(fail("is empty: the first row must name the columns (company, license, email, language)".into()));
    };
    let mut column = BTreeMap::new();
    for (c, h) in header.iter().enumerate() {
        let h = normalise(h);
        if let Some((field, _)) = FIELDS.iter().find(|(_, names)| names.iter().any(|n| normalise(n) == h)) {
            column.insert(*field, c);
        }
    }
    let missing: Vec<&str> = ["company", "license", "email"].into_iter().filter(|f| !column.contains_key(f)).collect();
    if !missing.is_empty() {
        return Err(fail(format!(
            "row 1: the header has no {} column; name the columns company, license, email and (optionally) language",
            missing.join(", ")
        )));
    }
    let letter = |c: usize| crate::admin::column_letter(c);
    let mut errors = Vec::new();
    let mut dropped = 0;
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, usize> = existing.emails.iter().map(|e| (e.to_lowercase(), 0)).collect();
    let mut numbers: BTreeMap<String, usize> = existing.corporate_numbers.iter().map(|n| (n.clone(), 0)).collect();
    for (row, cells) in body {
        let cell = |field: &str| column.get(field).and_then(|&c| cells.get(c)).map_or("", |s| s.trim());
        let at = |field: &str| {
            let c = column[field];
            format!("{file_name}:{row}:{}({field})", letter(c))
        };
        let company = cell("company");
        if company.is_empty() {
            errors.push(format!("{}: the company name is empty", at("company")));
        }
        let license = match licences.resolve(cell("license")) {
            Ok(l) => l,
            Err(m) => {
                errors.push(format!("{}: {m}", at("license")));
                String::new()
            }
        };
        let email = cell("email");
        if !plausible_email(email) {
            errors.push(format!("{}: '{email}' is not an e-mail address", at("email")));
        } else if let Some(&first) = seen.get(&email.to_lowercase()) {
            if first == 0 {
                errors.push(format!("{}: {email} is already a participant of this campaign", at("email")));
            } else {
                errors.push(format!("{}: {email} is also on row {first}; each company once", at("email")));
            }
        } else {
            seen.insert(email.to_lowercase(), *row);
        }
        let language = match cell("language").to_lowercase().as_str() {
            "" | "ja" | "japanese" | "日本語" => "ja",
            "en" | "english" | "英語" => "en",
            other => {
                errors.push(format!("{}: '{other}' is not a language; use ja or en", at("language")));
                "ja"
            }
        };
        // The 法人番号 is optional; given, it must be right (it links the company's waves).
        let corporate_number = match cell("corporate_number") {
            "" => String::new(),
            written => match mamori_store::org::corporate_number(written) {
                Ok(n) => {
                    match numbers.insert(n.clone(), *row) {
                        Some(0) => errors
                            .push(format!("{}: {n} is already a participant of this campaign", at("corporate_number"))),
                        Some(first) => errors
                            .push(format!("{}: {n} is also on row {first}; each company once", at("corporate_number"))),
                        None => {}
                    }
                    n
                }
                Err(m) => {
                    errors.push(format!("{}: {m}", at("corporate_number")));
                    String::new()
                }
            },
        };
        // Only the first problems are kept (a wrong file has one or two on every row).
        if errors.len() > MAX_LISTED {
            dropped += errors.len() - MAX_LISTED;
            errors.truncate(MAX_LISTED);
        }
        out.push(NewParticipant {
            company: company.to_string(),
            license,
            email: email.to_string(),
            language: language.to_string(),
            corporate_number,
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(format!("{file_name}: has a header but no participants"));
    }
    if errors.is_empty() { Ok(out) } else { Err(bounded(errors, dropped)) }
}

/// The most problems listed for one file: a list that is wrong throughout (a wrong file) would
/// otherwise make a page of megabytes; the count says how many more there are.
pub const MAX_LISTED: usize = 100;

/// The first [`MAX_LISTED`] problems, each cut to a readable length, and a line counting the rest.
fn bounded(mut errors: Vec<String>, dropped: usize) -> Vec<String> {
    let more = errors.len().saturating_sub(MAX_LISTED) + dropped;
    errors.truncate(MAX_LISTED);
    for e in errors.iter_mut() {
        if e.chars().count() > 300 {
            *e = format!("{}…", e.chars().take(300).collect::<String>());
        }
    }
    if more > 0 {
        errors.push(format!("… and {more} more problems of the same kinds; correct the ones above and import again"));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_wrong_throughout_gets_a_short_answer() {
        let long = "x".repeat(2_000);
        let mut csv = String::from("company,license,email\n");
        for i in 0..2_000 {
            csv.push_str(&format!("社{i},nonsense{long},not-an-address\n"));
        }
        let errors = read("big.csv", csv.as_bytes(), &licences(), &Existing::default()).unwrap_err();
        assert_eq!(errors.len(), MAX_LISTED + 1);
        assert!(errors.last().unwrap().contains("3900 more problems"), "{}", errors.last().unwrap());
        assert!(errors.iter().map(String::len).sum::<usize>() < 200_000, "a bounded page");
    }

    fn licences() -> Licences {
        let form =
            mamori_form::read_bytes("f.xlsx", include_bytes!("../../../../questionnaires/mdcs-manufacturer-2024.xlsx"))
                .form
                .unwrap();
        Licences::from_question(form.question("license_type"))
    }

    #[test]
    fn a_clean_list_reads_with_labels_and_japanese_headers() {
        let csv = "会社名,業態,メールアドレス,言語\n甲社,mah1,a@example.jp,\nB Corp,MAH3,b@example.com,en\n";
        let got = read("p.csv", csv.as_bytes(), &licences(), &Existing::default()).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].license, "mah3");
        assert_eq!(got[1].language, "en");
        assert_eq!(got[0].language, "ja");
    }

    #[test]
    fn corporate_numbers_are_checked_and_held_once() {
        let csv = "会社名,業態,メールアドレス,法人番号\n甲社,mah1,a@example.jp,7000012050002\n乙社,mah1,b@example.jp,\n\
                   丙社,mah1,c@example.jp,7000012050003\n丁社,mah1,d@example.jp,7000-0120-50002\n戊社,mah1,e@example.jp,5835678256246\n";
        let existing = Existing { corporate_numbers: vec!["5835678256246".into()], ..Existing::default() };
        let errors = read("p.csv", csv.as_bytes(), &licences(), &existing).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("p.csv:4:D(corporate_number): '7000012050003' is not a valid corporate number"),
            "{errors:?}"
        );
        assert_eq!(errors[1], "p.csv:5:D(corporate_number): 7000012050002 is also on row 2; each company once");
        assert_eq!(errors[2], "p.csv:6:D(corporate_number): 5835678256246 is already a participant of this campaign");
        // Without the bad rows the list reads, the number normalised, an empty cell allowed.
        let good = "company,license,email,corporate_number\n甲社,mah1,a@example.jp,７０００-０１２０-５０００２\n乙社,mah1,b@example.jp,\n";
        let got = read("p.csv", good.as_bytes(), &licences(), &Existing::default()).unwrap();
        assert_eq!((got[0].corporate_number.as_str(), got[1].corporate_number.as_str()), ("7000012050002", ""));
    }

    #[test]
    fn every_problem_is_located_and_nothing_is_read() {
        let csv = "company,license,email\n甲社,mah9,a@example.jp\n,mah1,not-an-address\n乙社,mah2,A@example.jp\n丙社,mah1,c@example.jp\n";
        let errors = read(
            "p.csv",
            csv.as_bytes(),
            &licences(),
            &Existing { emails: vec!["c@example.jp".into()], ..Existing::default() },
        )
        .unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].starts_with("p.csv:2:B(license): 'mah9' is not a licence class"), "{}", errors[0]);
        assert!(errors.iter().any(|e| e.starts_with("p.csv:3:A(company): the company name is empty")));
        assert!(errors.iter().any(|e| e.starts_with("p.csv:3:C(email): 'not-an-address'")));
        assert!(errors.iter().any(|e| e == "p.csv:4:C(email): A@example.jp is also on row 2; each company once"));
        assert!(errors.iter().any(|e| e == "p.csv:5:C(email): c@example.jp is already a participant of this campaign"));
    }

    #[test]
    fn a_header_without_the_needed_columns_says_which() {
        let errors = read("p.csv", b"name,mail\nx,y@z.jp\n", &licences(), &Existing::default()).unwrap_err();
        assert_eq!(
            errors,
            vec![
                "p.csv: row 1: the header has no license column; name the columns company, license, email and (optionally) language"
            ]
        );
    }

    #[test]
    fn shift_jis_from_excel_reads() {
        let (bytes, _, _) =
            encoding_rs::SHIFT_JIS.encode("会社名,業態,メールアドレス\n甲医療機器株式会社,mah2,k@example.jp\n");
        let got = read("p.csv", &bytes, &licences(), &Existing::default()).unwrap();
        assert_eq!(got[0].company, "甲医療機器株式会社");
    }
}
