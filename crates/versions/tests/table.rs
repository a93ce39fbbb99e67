//! The version-range table (tests/data/ranges.tsv): scheme, statement, version, expected
//! decision, how the statement is understood, and its vers. Every odd string of hub.md §4 is a
//! row; a new one found in the wild is a line there, not a new test.

use mamori_versions::{Decision, Scheme, Spec};

fn scheme(name: &str) -> Scheme {
    if let Some(order) = name.strip_prefix("releases:") {
        return Scheme::Releases(order.split(',').map(str::to_string).collect());
    }
    match name {
        "deb" => Scheme::Debian,
        other => Scheme::for_ecosystem(other).unwrap_or_else(|| panic!("unknown scheme {other}")),
    }
}

#[test]
fn every_row_of_the_range_table_holds() {
    let table = include_str!("data/ranges.tsv");
    let mut failures = Vec::new();
    let mut rows = 0;
    for (number, line) in table.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        rows += 1;
        let cells: Vec<&str> = line.split('\t').collect();
        assert_eq!(cells.len(), 6, "line {}: six cells", number + 1);
        let (scheme, statement, version, expected, kind, vers) =
            (scheme(cells[0]), cells[1], cells[2], cells[3], cells[4], cells[5]);
        let spec = Spec::parse(statement);
        let decision = spec.decide(&scheme, (!version.is_empty()).then_some(version));
        let got = match decision {
            Decision::Inside(_) => "in".to_string(),
            Decision::Outside => "out".to_string(),
            Decision::Undecidable(why) => format!("undecidable:{why}"),
        };
        let got_kind = serde_json::to_value(spec.kind).unwrap().as_str().unwrap().to_string();
        let got_vers = spec.vers(&scheme).unwrap_or_else(|| "-".into());
        if got != expected || got_kind != kind || got_vers != vers {
            failures.push(format!(
                "line {}: {statement:?} {version:?}: got {got} {got_kind} {got_vers}, want {expected} {kind} {vers}",
                number + 1
            ));
        }
        assert_eq!(spec.raw, statement, "the raw string is kept");
    }
    assert!(rows > 60, "the table is read ({rows} rows)");
    assert!(failures.is_empty(), "{} of {rows} rows fail:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_japanese_statement_limited_to_cves_says_so() {
    let spec = Spec::parse("Ver.3.0より前（CVE-2024-0001、CVE-2024-0002）");
    assert_eq!(spec.only_for, ["CVE-2024-0001", "CVE-2024-0002"]);
}
