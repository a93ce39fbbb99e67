//! `mamori hub check|scan|match`: the device security hub's engine, offline, for hospitals'
//! security staff and manufacturers' CI. Output is stable: the same input gives the same
//! bytes.

use clap::{Args, Subcommand, ValueEnum};
use mamori_advisories::sources::Loaded;
use mamori_advisories::{Problem, Severity as ProblemSeverity};
use mamori_matching::devices::{DeviceResult, match_devices};
use mamori_matching::knowledge::Knowledge;
use mamori_matching::names::Aliases;
use mamori_matching::scan::{ScanFinding, scan};
use mamori_matching::{Confidence, tables, vex};
use mamori_schemas::Schema;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum HubCommand {
    /// Check advisories and SBOMs (CSAF 2.0, OSV, CycloneDX JSON/XML, SPDX JSON/tag-value;
    /// files or directories). Exit 0 when every file is usable (warnings on stderr), 1 otherwise.
    Check(Check),
    /// Findings for an SBOM's components from OSV records and CSAF advisories, with VEX applied.
    /// Exit 0; 1 when --fail-on is met; 2 when an input cannot be used.
    Scan(Scan),
    /// Which advisories concern a hospital's devices (inventory as .csv or .xlsx, Japanese or
    /// English headers). Exit 0; 2 when an input cannot be used.
    Match(Match),
    /// What changed between two revisions of one CSAF advisory: vulnerabilities added and
    /// removed, and per product (by vendor, name and version statement — product ids are
    /// reassigned per revision) the statuses that changed.
    Diff(Diff),
    /// Add an organisation of the hub's web pages (a coordinator, hospital or manufacturer)
    /// with its first administrator, whose password is the first line of standard input.
    #[command(name = "org-add")]
    OrgAdd(super::hub_admin::OrgAdd),
    /// Take advisories into the hub's database from files or directories (CSAF, OSV, JVN), all
    /// or nothing, as the coordinator's intake page does; every organisation's findings are
    /// recomputed. Exit 0; 2 when a file cannot be used (nothing is taken in).
    Import(super::hub_admin::Import),
    /// Hospitals with made-up inventories, for benchmarks and demonstrations (the password of
    /// every hospital's administrator is the first line of standard input).
    #[command(name = "demo-hospitals")]
    DemoHospitals(super::hub_admin::DemoHospitals),
}

#[derive(Args)]
pub struct Diff {
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    /// The older revision.
    old: PathBuf,
    /// The newer revision.
    new: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ScanFormat {
    Json,
    Table,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MatchFormat {
    Json,
    Csv,
    Table,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Args)]
pub struct Check {
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Where the advisories come from, the same for `scan` and `match`.
#[derive(Args)]
pub struct Advisories {
    /// OSV records: a file, a directory or an ecosystem's all.zip (repeatable). For `match`,
    /// used for devices whose inventory row gives a purl.
    #[arg(long)]
    osv: Vec<PathBuf>,
    /// CSAF advisories: a file or a directory tree (repeatable).
    #[arg(long)]
    csaf: Vec<PathBuf>,
    /// JVN iPedia documents (MyJVN VULDEF or JVNRSS .xml): a file or a directory (repeatable).
    #[arg(long)]
    jvn: Vec<PathBuf>,
    /// A CSAF provider's OpenPGP public key (armored); with it, every CSAF document must
    /// carry a detached .asc signature by one of the given keys (repeatable).
    #[arg(long)]
    key: Vec<PathBuf>,
}

impl Advisories {
    fn is_empty(&self) -> bool {
        self.osv.is_empty() && self.csaf.is_empty() && self.jvn.is_empty()
    }
}

#[derive(Args)]
pub struct Scan {
    /// The SBOM (CycloneDX JSON/XML or SPDX JSON/tag-value).
    #[arg(long)]
    sbom: PathBuf,
    #[command(flatten)]
    advisories: Advisories,
    /// The manufacturer's VEX: CSAF VEX or CycloneDX VEX (repeatable).
    #[arg(long)]
    vex: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: ScanFormat,
    /// Exit 1 when an exact or range finding with this severity or higher is affected.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
}

#[derive(Args)]
pub struct Match {
    /// The device inventory: manufacturer (製造販売業者), product (製品名) or model (型番),
    /// version (ソフトウェアバージョン), serial, asset tag, location.
    #[arg(long)]
    inventory: PathBuf,
    #[command(flatten)]
    advisories: Advisories,
    /// Release orders: manufacturer, product, version, one row per release, oldest first.
    #[arg(long)]
    releases: Option<PathBuf>,
    /// Confirmed vendor aliases: alias, vendor, confirmed_by, why.
    #[arg(long)]
    aliases: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: MatchFormat,
}

pub fn run(command: HubCommand) -> ExitCode {
    match command {
        HubCommand::Check(args) => check(args),
        HubCommand::Scan(args) => run_scan(args),
        HubCommand::Match(args) => run_match(args),
        HubCommand::Diff(args) => run_diff(args),
        HubCommand::OrgAdd(args) => super::hub_admin::org_add(args),
        HubCommand::Import(args) => super::hub_admin::import(args),
        HubCommand::DemoHospitals(args) => super::hub_admin::demo_hospitals(args),
    }
}

fn print_problem(p: &Problem) {
    eprintln!("{p}");
}

fn to_json(value: &impl serde::Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("findings serialise");
    bytes.push(b'\n');
    bytes
}

/// What kind of document a file is, by content.
fn check_one(path: &Path) -> (String, Vec<Problem>) {
    let name = path.display().to_string();
    let bytes = match mamori_advisories::sources::read_bounded(path) {
        Ok(b) => b,
        Err(e) => return ("unreadable".into(), vec![Problem::error("", e).in_file(&name)]),
    };
    let located = |problems: Vec<Problem>| problems.into_iter().map(|p| p.in_file(&name)).collect::<Vec<_>>();
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_string();
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        let value: Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                return (
                    "JSON".into(),
                    vec![Problem::error(format!("line {}", e.line()), format!("not JSON: {e}")).in_file(&name)],
                );
            }
        };
        if value.pointer("/document/csaf_version").is_some() {
            return match mamori_advisories::csaf::from_value(&value) {
                Ok((_, mut warnings)) => {
                    warnings.extend(schema_problems(Schema::Csaf20, &value));
                    warnings.extend(mamori_advisories::csaf_tests::run(&value));
                    ("CSAF".into(), located(warnings))
                }
                Err(errors) => ("CSAF".into(), located(errors)),
            };
        }
        if value.get("bomFormat").is_some() || value.get("spdxVersion").is_some() {
            let (format, mut problems) = sbom_check(&bytes, &name);
            let schema = match value.get("specVersion").and_then(Value::as_str) {
                Some(v) => Schema::cyclonedx(v),
                None => {
                    (value.get("spdxVersion").and_then(Value::as_str) == Some("SPDX-2.3")).then_some(Schema::Spdx23)
                }
            };
            if let Some(schema) = schema.filter(|_| !problems.iter().any(|p| p.severity == ProblemSeverity::Error)) {
                problems.extend(located(schema_problems(schema, &value)));
            }
            return (format, problems);
        }
        if value.get("id").is_some() && (value.get("affected").is_some() || value.get("modified").is_some()) {
            return match mamori_advisories::osv::read(&bytes) {
                Ok(_) => ("OSV".into(), located(schema_problems(Schema::Osv, &value))),
                Err(e) => ("OSV".into(), vec![Problem::error("", e).in_file(&name)]),
            };
        }
        return ("JSON".into(), vec![Problem::error("", "not a CSAF, OSV, CycloneDX or SPDX document").in_file(&name)]);
    }
    if trimmed.starts_with('<')
        && head.contains("jvndb.jvn.jp/myjvn/Results")
        && !head.contains("VULDEF")
        && !head.contains("<rdf:RDF")
    {
        let message = "a MyJVN API result (a vendor, product or statistics list), not an advisory: check getVulnDetailInfo (VULDEF) or getVulnOverviewList (JVNRSS) answers";
        return ("MyJVN".into(), vec![Problem::error("line 1", message).in_file(&name)]);
    }
    if trimmed.starts_with('<') && (head.contains("VULDEF") || head.contains("jvnrss") || head.contains("<rdf:RDF")) {
        return match mamori_advisories::jvn::read(&bytes) {
            Ok((docs, mut warnings)) => {
                warnings.extend(xml_schema_problems(&bytes));
                (format!("JVN ({} advisories)", docs.len()), located(warnings))
            }
            Err(errors) => ("JVN".into(), located(errors)),
        };
    }
    let (format, mut problems) = sbom_check(&bytes, &name);
    if trimmed.starts_with('<') && !problems.iter().any(|p| p.severity == ProblemSeverity::Error) {
        problems.extend(located(xml_schema_problems(&bytes)));
    }
    (format, problems)
}

/// XML Schema failures as warnings, like the JSON schemas' (the readers decide usability).
fn xml_schema_problems(bytes: &[u8]) -> Vec<Problem> {
    mamori_schemas::validate_xml_text(bytes)
        .into_iter()
        .map(|(line, message)| Problem::warning(line, format!("schema: {message}")))
        .collect()
}

/// Schema failures as warnings: the readers decide whether the document is usable.
fn schema_problems(schema: Schema, value: &Value) -> Vec<Problem> {
    mamori_schemas::validate(schema, value)
        .into_iter()
        .map(|(pointer, message)| Problem::warning(pointer, format!("schema: {message}")))
        .collect()
}

fn sbom_check(bytes: &[u8], name: &str) -> (String, Vec<Problem>) {
    match mamori_sbom::read(bytes) {
        Ok((sbom, warnings)) => (
            format!("{} {} {}", sbom.format.name, sbom.format.version, sbom.format.syntax),
            warnings.into_iter().map(|p| p.in_file(name)).collect(),
        ),
        Err(errors) => ("SBOM".into(), errors.into_iter().map(|p| p.in_file(name)).collect()),
    }
}

fn check(args: Check) -> ExitCode {
    let mut files = Vec::new();
    for path in &args.files {
        match mamori_advisories::sources::files_under(path) {
            Ok(list) if path.is_dir() => {
                files.extend(list.into_iter().filter(|f| {
                    matches!(f.extension().and_then(|e| e.to_str()), Some("json" | "xml" | "spdx" | "tag"))
                }))
            }
            Ok(list) => files.extend(list),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let mut report = Vec::new();
    let mut all = Vec::new();
    let mut unusable = 0;
    for file in &files {
        let (format, problems) = check_one(file);
        let usable = !problems.iter().any(|p| p.severity == ProblemSeverity::Error);
        unusable += usize::from(!usable);
        report.push(json!({"file": file.display().to_string(), "format": format, "usable": usable}));
        all.extend(problems);
    }
    match args.format {
        CheckFormat::Json => {
            let code = super::write_output(None, &to_json(&json!({"files": report, "problems": all})));
            if code != ExitCode::SUCCESS {
                return code;
            }
        }
        CheckFormat::Text => {
            for p in &all {
                print_problem(p);
            }
            for r in &report {
                let mark = if r["usable"] == true { "usable" } else { "NOT usable" };
                println!("{}: {} — {mark}", r["file"].as_str().unwrap_or(""), r["format"].as_str().unwrap_or(""));
            }
        }
    }
    if unusable > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Loads advisories; problems with individual records go to stderr as a count (the `check`
/// command lists them).
fn load(sources: &Advisories) -> Result<Loaded, String> {
    let Advisories { osv, csaf, jvn, key } = sources;
    let mut loaded = Loaded::default();
    for path in key {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        loaded.add_key(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    for path in osv {
        loaded.add_osv(path)?;
    }
    for path in csaf {
        loaded.add_csaf(path)?;
    }
    for path in jvn {
        loaded.add_jvn(path)?;
    }
    loaded.collapse_revisions();
    let errors = loaded.problems.iter().filter(|p| p.severity == ProblemSeverity::Error).count();
    let warnings = loaded.problems.len() - errors;
    if errors > 0 || warnings > 0 {
        eprintln!(
            "advisories: {} CSAF document(s) ({} older revision(s) superseded), {} OSV record(s); {errors} file(s) not read, {warnings} warning(s) — `mamori hub check` lists them",
            loaded.csaf.len(),
            loaded.superseded.len(),
            loaded.osv.len()
        );
        for p in loaded.problems.iter().filter(|p| p.severity == ProblemSeverity::Error) {
            print_problem(p);
        }
    }
    Ok(loaded)
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    mamori_advisories::sources::read_bounded(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn input_error(message: &str) -> ExitCode {
    eprintln!("{message}");
    ExitCode::from(2)
}

fn run_scan(args: Scan) -> ExitCode {
    if args.advisories.is_empty() {
        return input_error("give advisories to scan against: --osv PATH, --csaf PATH and/or --jvn PATH");
    }
    let sbom_name = args.sbom.display().to_string();
    let bytes = match read_file(&args.sbom) {
        Ok(b) => b,
        Err(e) => return input_error(&e),
    };
    let (sbom, mut warnings) = match mamori_sbom::read(&bytes) {
        Ok((sbom, w)) => (sbom, w.into_iter().map(|p| p.in_file(&sbom_name)).collect::<Vec<_>>()),
        Err(errors) => {
            for e in errors {
                print_problem(&e.in_file(&sbom_name));
            }
            return input_error(&format!("{sbom_name}: not a usable SBOM; nothing was scanned"));
        }
    };
    let loaded = match load(&args.advisories) {
        Ok(l) => l,
        Err(e) => return input_error(&e),
    };
    let knowledge = Knowledge::new(loaded, Aliases::default(), &[]);
    let (mut findings, coverage) = scan(&knowledge, &sbom);
    // The SBOM's own VEX, then each VEX file.
    let (mut facts, problems) = vex::from_cyclonedx(&sbom.vex, "", &sbom_name, &sbom, true);
    warnings.extend(problems);
    for path in &args.vex {
        let name = path.display().to_string();
        let bytes = match read_file(path) {
            Ok(b) => b,
            Err(e) => return input_error(&e),
        };
        match vex::facts_from_file(&name, &bytes, &sbom) {
            Ok((f, p)) => {
                facts.extend(f);
                warnings.extend(p);
            }
            Err(errors) => {
                for e in errors {
                    print_problem(&e);
                }
                return input_error(&format!("{name}: neither a usable CSAF VEX nor a CycloneDX VEX"));
            }
        }
    }
    vex::apply(&mut findings, &facts);
    for w in &warnings {
        print_problem(w);
    }
    let output = match args.format {
        ScanFormat::Json => to_json(&json!({
            "sbom": {
                "file": sbom_name,
                "format": sbom.format,
                "subject": sbom.subject.as_ref().map(|s| json!({"name": s.name, "version": s.version, "supplier": s.supplier})),
            },
            "coverage": coverage,
            "findings": findings,
            "warnings": warnings,
        })),
        ScanFormat::Table => scan_table(&findings, &coverage).into_bytes(),
    };
    let code = super::write_output(None, &output);
    if code != ExitCode::SUCCESS {
        return code;
    }
    if let Some(threshold) = args.fail_on {
        let hits = findings.iter().filter(|f| fails(f, threshold)).count();
        if hits > 0 {
            eprintln!("{hits} affected finding(s) at or above --fail-on");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Possible findings never fail a build (hub.md §5): they are for someone to confirm.
fn fails(f: &ScanFinding, threshold: FailOn) -> bool {
    use mamori_advisories::cvss::Rating;
    let wanted = match threshold {
        FailOn::Low => Rating::Low,
        FailOn::Medium => Rating::Medium,
        FailOn::High => Rating::High,
        FailOn::Critical => Rating::Critical,
    };
    f.confidence != Confidence::Possible
        && f.status == mamori_advisories::csaf::Status::Affected
        && f.severity.as_ref().is_some_and(|s| s.rating >= wanted)
}

fn label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn scan_table(findings: &[ScanFinding], coverage: &mamori_matching::scan::Coverage) -> String {
    let mut rows = vec![
        ["component", "version", "advisory", "confidence", "status", "severity", "fixed in", "ids"]
            .map(String::from)
            .to_vec(),
    ];
    for f in findings {
        rows.push(vec![
            f.component.name.clone(),
            f.component.version.clone().unwrap_or_default(),
            f.advisory.clone(),
            label(&f.confidence),
            label(&f.status),
            f.severity
                .as_ref()
                .map(|s| s.score.map_or(label(&s.rating), |n| format!("{} {n}", label(&s.rating))))
                .unwrap_or_default(),
            f.fixed_in.clone().unwrap_or_default(),
            f.vulnerabilities.join(" "),
        ]);
    }
    let mut out = aligned(&rows);
    out.push_str(&format!(
        "\n{} finding(s); {} component(s), {} checked against OSV, {} not checkable (no purl, or a type OSV does not cover)\n",
        findings.len(),
        coverage.components,
        coverage.checked_against_osv,
        coverage.not_checked
    ));
    out
}

fn aligned(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> =
            r.iter().zip(&widths).map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count()))).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn run_match(args: Match) -> ExitCode {
    let inventory_name = args.inventory.display().to_string();
    let bytes = match read_file(&args.inventory) {
        Ok(b) => b,
        Err(e) => return input_error(&e),
    };
    let devices = match tables::read_inventory(&inventory_name, &bytes) {
        Ok(d) => d,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            return input_error(&format!("{inventory_name}: nothing was matched; fix the problems above"));
        }
    };
    let aliases = match &args.aliases {
        Some(path) => match read_file(path)
            .map_err(|e| vec![e])
            .and_then(|b| tables::read_aliases(&path.display().to_string(), &b))
        {
            Ok(a) => a,
            Err(errors) => return input_error(&errors.join("\n")),
        },
        None => Aliases::default(),
    };
    let releases = match &args.releases {
        Some(path) => match read_file(path)
            .map_err(|e| vec![e])
            .and_then(|b| tables::read_releases(&path.display().to_string(), &b))
        {
            Ok(r) => r,
            Err(errors) => return input_error(&errors.join("\n")),
        },
        None => Vec::new(),
    };
    if args.advisories.is_empty() {
        return input_error("give advisories to match against: --csaf PATH, --jvn PATH and/or --osv PATH");
    }
    let loaded = match load(&args.advisories) {
        Ok(l) => l,
        Err(e) => return input_error(&e),
    };
    let knowledge = Knowledge::new(loaded, aliases, &releases);
    let results = match_devices(&knowledge, &devices);
    let output = match args.format {
        // Written straight from the results: devices share their findings (Arc), and a JSON
        // value tree of 100,000 devices would copy them all.
        MatchFormat::Json => {
            #[derive(serde::Serialize)]
            struct Output<'a> {
                inventory: &'a str,
                devices: &'a [DeviceResult<'a>],
            }
            let stdout = std::io::stdout().lock();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
            let written =
                serde_json::to_writer_pretty(&mut out, &Output { inventory: &inventory_name, devices: &results })
                    .map_err(|e| e.to_string())
                    .and_then(|()| std::io::Write::write_all(&mut out, b"\n").map_err(|e| e.to_string()))
                    .and_then(|()| std::io::Write::flush(&mut out).map_err(|e| e.to_string()));
            return match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: standard output: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        MatchFormat::Csv => match_csv(&results),
        MatchFormat::Table => match_table(&results).into_bytes(),
    };
    super::write_output(None, &output)
}

fn match_csv(results: &[DeviceResult<'_>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "row",
        "manufacturer",
        "product",
        "model",
        "version",
        "serial",
        "asset_tag",
        "location",
        "advisory",
        "revision",
        "product_id",
        "product_name",
        "confidence",
        "status",
        "severity",
        "vulnerabilities",
        "reasons",
    ];
    w.write_record(header).expect("in memory");
    for r in results {
        for f in r.findings.iter() {
            let d = &r.device;
            w.write_record([
                d.row.to_string(),
                d.manufacturer.clone(),
                d.product.clone(),
                d.model.clone(),
                d.version.clone(),
                d.serial.clone(),
                d.asset_tag.clone(),
                d.location.clone(),
                f.body.advisory.clone(),
                f.body.revision.clone(),
                f.body.product_id.clone(),
                f.body.product_name.clone(),
                label(&f.confidence),
                label(&f.body.status),
                f.body.severity.as_ref().map(|s| label(&s.rating)).unwrap_or_default(),
                f.body.vulnerabilities.join(" "),
                f.reasons.join(" "),
            ])
            .expect("in memory");
        }
    }
    w.into_inner().expect("in memory")
}

fn match_table(results: &[DeviceResult<'_>]) -> String {
    let mut rows = vec![
        ["row", "manufacturer", "product", "version", "advisory", "product", "confidence", "status", "ids"]
            .map(String::from)
            .to_vec(),
    ];
    let mut with = 0;
    for r in results {
        with += usize::from(!r.findings.is_empty());
        for f in r.findings.iter() {
            rows.push(vec![
                r.device.row.to_string(),
                r.device.manufacturer.clone(),
                if r.device.product.is_empty() { r.device.model.clone() } else { r.device.product.clone() },
                r.device.version.clone(),
                f.body.advisory.clone(),
                f.body.product_id.clone(),
                label(&f.confidence),
                label(&f.body.status),
                f.body.vulnerabilities.len().to_string() + " CVE/ids",
            ]);
        }
    }
    let mut out = aligned(&rows);
    out.push_str(&format!("\n{} device(s), {with} with findings\n", results.len()));
    out
}

fn run_diff(args: Diff) -> ExitCode {
    let mut docs = Vec::new();
    for path in [&args.old, &args.new] {
        let name = path.display().to_string();
        let bytes = match read_file(path) {
            Ok(b) => b,
            Err(e) => return input_error(&e),
        };
        match mamori_advisories::csaf::read(&bytes) {
            Ok((doc, _)) => docs.push(doc),
            Err(errors) => {
                for e in errors {
                    print_problem(&e.in_file(&name));
                }
                return input_error(&format!("{name}: not a usable CSAF document"));
            }
        }
    }
    let (old, new) = (&docs[0], &docs[1]);
    if old.id != new.id {
        return input_error(&format!(
            "{} and {} are different advisories; a diff compares two revisions of one",
            old.id, new.id
        ));
    }
    let d = mamori_advisories::revisions::diff(old, new);
    let output = match args.format {
        CheckFormat::Json => to_json(&d),
        CheckFormat::Text => {
            let mut out = format!("{} {} → {}\n", d.advisory, d.from, d.to);
            for (sign, list) in [("+", &d.vulnerabilities_added), ("-", &d.vulnerabilities_removed)] {
                for id in list.iter() {
                    out.push_str(&format!("{sign} {id}\n"));
                }
            }
            for p in &d.products {
                out.push_str(&format!("{} / {} / {}\n", p.vendor, p.product, p.version));
                for (sign, list) in [("+", &p.added), ("-", &p.removed)] {
                    for (id, status) in list.iter() {
                        out.push_str(&format!("  {sign} {id} {}\n", label(status)));
                    }
                }
            }
            out.into_bytes()
        }
    };
    super::write_output(None, &output)
}
