//! `mamori hub org add` and `mamori hub import`: the hub's database from the command line —
//! the first coordinator of a new hub (the pages need someone to sign in), and advisories
//! taken in from a directory (a CSAF provider's mirror, an OSV export, MyJVN answers) the
//! same way, all or nothing, as the coordinator's intake page takes uploads in.

use clap::{Args, ValueEnum};
use mamori_web::hub::engine::{self, IntakeError};
use mamori_web::mamori_store::Store;
use mamori_web::mamori_store::hub::{HubDevice, OrgKind};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct OrgAdd {
    /// The database, as for `mamori serve --db`.
    #[arg(long, default_value = "sqlite://mamori.db")]
    db: String,
    #[arg(long, value_enum)]
    kind: KindArg,
    /// The organisation's name in Japanese.
    #[arg(long)]
    name_ja: String,
    #[arg(long, default_value = "")]
    name_en: String,
    /// A manufacturer's licence class (mah1, mah2, mah3).
    #[arg(long, default_value = "")]
    licence_class: String,
    /// The login of its first administrator; the password is the first line of standard
    /// input (at least 12 characters).
    #[arg(long)]
    admin: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Coordinator,
    Hospital,
    Manufacturer,
}

#[derive(Args)]
pub struct Import {
    #[arg(long, default_value = "sqlite://mamori.db")]
    db: String,
    /// Files or directory trees of CSAF (.json), OSV (.json) and JVN iPedia (.xml) documents.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The TLP label of documents that carry none.
    #[arg(long, default_value = "CLEAR")]
    tlp: String,
    /// Who is recorded as having taken them in.
    #[arg(long, default_value = "cli")]
    by: String,
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| eprintln!("error: {e}")).ok()
}

pub fn org_add(args: OrgAdd) -> ExitCode {
    let mut password = String::new();
    if std::io::stdin().lock().read_line(&mut password).is_err() {
        eprintln!("error: cannot read the password from standard input");
        return ExitCode::FAILURE;
    }
    let password = password.trim_end_matches(['\r', '\n']);
    if let Some(problem) = mamori_web::password::problem(password, &args.admin) {
        eprintln!("error: the password (first line of standard input) is refused: {problem}");
        return ExitCode::FAILURE;
    }
    let kind = match args.kind {
        KindArg::Coordinator => OrgKind::Coordinator,
        KindArg::Hospital => OrgKind::Hospital,
        KindArg::Manufacturer => OrgKind::Manufacturer,
    };
    let Some(runtime) = runtime() else { return ExitCode::FAILURE };
    let hash = mamori_web::hash_password(password);
    let result = runtime.block_on(async {
        let store = Store::open(&args.db).await?;
        if store.user_for_login(&args.admin).await?.is_some() {
            return Err(mamori_web::mamori_store::StoreError(format!("the login {} exists already", args.admin)));
        }
        let id = store.create_hub_org(kind, &args.name_ja, &args.name_en, &args.licence_class).await?;
        store.create_hub_person(&id, &args.admin, &args.admin, "admin", &hash).await?;
        Ok(id)
    });
    match result {
        Ok(id) => {
            println!("added {id} ({}, {}) with administrator {}", kind.as_str(), args.name_ja, args.admin);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn import(args: Import) -> ExitCode {
    if !mamori_web::hub::TLP_LABELS.contains(&args.tlp.as_str()) {
        eprintln!("error: --tlp {}: one of {}", args.tlp, mamori_web::hub::TLP_LABELS.join(", "));
        return ExitCode::from(2);
    }
    let mut files = Vec::new();
    for path in &args.paths {
        let listed = match mamori_advisories::sources::files_under(path) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        for file in listed {
            // Digest and signature files, provider metadata and notes are not documents.
            let name = file.display().to_string();
            if !(name.ends_with(".json") || name.ends_with(".xml")) || name.ends_with("provider-metadata.json") {
                continue;
            }
            match mamori_advisories::sources::read_bounded(&file) {
                Ok(bytes) => files.push((name, bytes)),
                Err(e) => {
                    eprintln!("error: {name}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let Some(runtime) = runtime() else { return ExitCode::FAILURE };
    let result = runtime.block_on(async {
        let store = Store::open(&args.db).await.map_err(IntakeError::Store)?;
        let intake = engine::take_in(&store, files, &args.tlp, &args.by).await?;
        store.checkpoint().await.map_err(IntakeError::Store)?;
        Ok(intake)
    });
    match result {
        Ok(intake) => {
            println!(
                "took in {} document(s) ({} already there); {} finding(s) stored",
                intake.added.len(),
                intake.again,
                intake.findings
            );
            ExitCode::SUCCESS
        }
        Err(IntakeError::Unreadable(errors)) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("nothing was taken in; fix or leave out the files above");
            ExitCode::from(2)
        }
        Err(IntakeError::Store(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Args)]
pub struct DemoHospitals {
    #[arg(long, default_value = "sqlite://mamori.db")]
    db: String,
    #[arg(long, default_value_t = 1000)]
    hospitals: usize,
    /// Devices per hospital.
    #[arg(long, default_value_t = 200)]
    devices: usize,
    /// Share of devices that are products advisories name (the rest are made-up products).
    #[arg(long, default_value_t = 0.15)]
    named_share: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Devices of hub.md §8's scenarios, which advisories of the corpus name: (manufacturer,
/// product, model, version).
const NAMED: &[(&str, &str, &str, &str)] = &[
    ("Hillrom", "Welch Allyn Q-Stress Cardiac Stress Testing System", "", "6.2.0"),
    ("Hillrom", "Welch Allyn Q-Stress Cardiac Stress Testing System", "", "6.3.1"),
    ("Hillrom", "Welch Allyn Q-Stress Cardiac Stress Testing System", "", "6.4.0"),
    ("BD", "Alaris 8000 PC Unit", "", "9.5"),
    ("Philips Healthcare", "IntelliSpace Cardiovascular", "", "2.2.0"),
    ("Philips", "IntelliSpace Cardiovascular", "", "2.2.0"),
    ("Abbott Laboratories", "Fortify Assura", "", ""),
    ("Medtronic", "MiniMed 640G", "MMT-1711", ""),
    ("Medtronic", "MiniMed 640G", "MMT-1799", ""),
    ("B. Braun Medical", "Battery Pack SP with Wi-Fi", "", "L80"),
    ("Philips", "Vue PACS", "", "12.2.8.0"),
    ("Philips", "Vue PACS", "", "12.2.8.410"),
];

/// A seedable generator (SplitMix64): the same seed gives the same hospitals.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Hospitals with inventories, for benchmarks and demonstrations: `hospital-0001`… each with
/// its administrator (the password is the first line of standard input) and `--devices`
/// devices, a `--named-share` of them products the corpus's advisories name, the rest
/// made-up products of made-up manufacturers. Findings are computed once at the end.
pub fn demo_hospitals(args: DemoHospitals) -> ExitCode {
    let mut password = String::new();
    if std::io::stdin().lock().read_line(&mut password).is_err() {
        eprintln!("error: cannot read the password from standard input");
        return ExitCode::FAILURE;
    }
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    if let Some(problem) = mamori_web::password::problem(&password, "hospital-0001") {
        eprintln!("error: the password (first line of standard input) is refused: {problem}");
        return ExitCode::FAILURE;
    }
    let Some(runtime) = runtime() else { return ExitCode::FAILURE };
    let hash = mamori_web::hash_password(&password);
    let mut rng = SplitMix(args.seed);
    let result = runtime.block_on(async {
        let store = Store::open(&args.db).await?;
        for h in 1..=args.hospitals {
            let id = store
                .create_hub_org(OrgKind::Hospital, &format!("デモ病院{h:04}"), &format!("Demo Hospital {h:04}"), "")
                .await?;
            store
                .create_hub_person(&id, &format!("hospital-{h:04}"), &format!("デモ病院{h:04} 管理者"), "admin", &hash)
                .await?;
            let devices: Vec<HubDevice> = (0..args.devices)
                .map(|i| {
                    let (manufacturer, product, model, version) =
                        if (rng.below(10_000) as f64) < args.named_share * 10_000.0 {
                            let (m, p, model, v) = NAMED[rng.below(NAMED.len())];
                            (m.to_string(), p.to_string(), model.to_string(), v.to_string())
                        } else {
                            let maker = rng.below(200);
                            (
                                format!("Demo Maker {maker:03}"),
                                format!("Device {}-{}", maker, rng.below(10)),
                                String::new(),
                                format!("{}.{}", 1 + rng.below(5), rng.below(10)),
                            )
                        };
                    HubDevice {
                        row: i as i64 + 2,
                        manufacturer,
                        product,
                        model,
                        version,
                        location: format!("病棟{}", 1 + rng.below(20)),
                        asset_tag: format!("A-{h:04}-{i:04}"),
                        ..Default::default()
                    }
                })
                .collect();
            store.add_hub_devices(&id, &devices).await?;
        }
        let findings = engine::recompute(&store, None).await?;
        store.checkpoint().await?;
        Ok::<_, mamori_web::mamori_store::StoreError>(findings)
    });
    match result {
        Ok(findings) => {
            println!(
                "added {} hospitals × {} devices (logins hospital-0001…); {findings} finding(s) stored",
                args.hospitals, args.devices
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
