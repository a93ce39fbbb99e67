//! The hub engine's speed goals (issue 16), measured phase by phase on the real corpus:
//! read and index every advisory (< 2 s), scan an SBOM of 10,000 components (< 100 ms), match
//! 100,000 inventory devices (< 1 s); peak memory from the kernel. Run through
//! `bench/hub-speed.sh`, which builds it in release mode and records the machine.
//!
//! The SBOM and the inventory are generated from the corpus itself so that they hit: the
//! components are packages OSV records name, at versions their ranges mention, and the
//! devices are ICSMA products at varied versions, with unrelated ones mixed in.

use mamori_advisories::sources::Loaded;
use mamori_matching::devices::match_devices;
use mamori_matching::knowledge::Knowledge;
use mamori_matching::names::Aliases;
use mamori_matching::scan::scan;
use mamori_matching::tables::Device;
use std::path::Path;
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn main() {
    let corpus = std::env::args().nth(1).unwrap_or_else(|| "../shared/corpora/hub".into());
    let corpus = Path::new(&corpus);
    let started = Instant::now();
    let mut loaded = Loaded::default();
    loaded.add_osv(&corpus.join("osv")).unwrap();
    for dir in ["csaf/icsma", "csaf/icsma-revisions", "csaf/oasis/examples/csaf", "csaf/vendor/redhat"] {
        loaded.add_csaf(&corpus.join(dir)).unwrap();
    }
    loaded.collapse_revisions();
    let read = started.elapsed();
    let (n_osv, n_csaf) = (loaded.osv.len(), loaded.csaf.len());
    // The SBOM's components: packages the records name, at versions their events mention.
    let mut components = Vec::new();
    'records: for record in &loaded.osv {
        for affected in &record.affected {
            let Some(p) = &affected.package else { continue };
            let purl = match p.ecosystem.as_str() {
                "crates.io" => format!("pkg:cargo/{}", p.name),
                "PyPI" => format!("pkg:pypi/{}", p.name.to_lowercase()),
                "npm" => format!("pkg:npm/{}", p.name.replace('@', "%40")),
                "Go" => format!("pkg:golang/{}", p.name),
                "Maven" => format!("pkg:maven/{}", p.name.replacen(':', "/", 1)),
                _ => continue,
            };
            for range in &affected.ranges {
                for event in &range.events {
                    let v = match event {
                        mamori_advisories::osv::Event::Introduced(v)
                        | mamori_advisories::osv::Event::Fixed(v)
                        | mamori_advisories::osv::Event::LastAffected(v)
                        | mamori_advisories::osv::Event::Limit(v) => v,
                    };
                    if v != "0" {
                        components.push(serde_json::json!({"type": "library", "bom-ref": format!("c{}", components.len()), "name": p.name, "version": v, "purl": format!("{purl}@{v}")}));
                    }
                    if components.len() >= 7_000 {
                        break 'records;
                    }
                }
            }
        }
    }
    while components.len() < 10_000 {
        let i = components.len();
        components.push(serde_json::json!({"type": "library", "bom-ref": format!("c{i}"), "name": format!("internal-{i}"), "version": "1.0.0", "purl": format!("pkg:cargo/internal-{i}@1.0.0")}));
    }
    let sbom_json = serde_json::to_vec(
        &serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components}),
    )
    .unwrap();
    // Devices: every ICSMA product at 23 versions, then unrelated vendors, to 100,000.
    let mut devices = Vec::new();
    let products: Vec<(String, String)> = loaded
        .csaf
        .iter()
        .flat_map(|f| {
            f.document
                .products
                .iter()
                .map(|p| (p.vendor.clone().unwrap_or_default(), p.product_name.clone().unwrap_or_default()))
        })
        .collect();
    let mut i = 0usize;
    while devices.len() < 100_000 {
        let (manufacturer, product) = if i.is_multiple_of(2) {
            products[(i / 2) % products.len()].clone()
        } else {
            (format!("Example Medical {}", i % 997), format!("Monitor {}", i % 89))
        };
        devices.push(Device {
            row: devices.len() + 2,
            manufacturer,
            product,
            model: String::new(),
            version: format!("{}.{}.{}", i % 13, i % 7, i % 23),
            serial: format!("S{i:06}"),
            asset_tag: String::new(),
            location: String::new(),
            purl: String::new(),
        });
        i += 1;
    }

    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let started = Instant::now();
    let knowledge = Knowledge::new(loaded, Aliases::default(), &[]);
    let index = started.elapsed();

    let started = Instant::now();
    let (sbom, _) = mamori_sbom::read(&sbom_json).unwrap();
    let sbom_read = started.elapsed();
    let started = Instant::now();
    let (findings, coverage) = scan(&knowledge, &sbom);
    let scanned = started.elapsed();

    if std::env::var_os("HUB_SPEED_PROBE").is_some() {
        let started = Instant::now();
        let mut n = 0;
        for c in &sbom.components {
            let Some(p) = c.purl.as_ref().and_then(mamori_sbom::Purl::osv) else { continue };
            for &r in knowledge
                .osv_index
                .get(&mamori_matching::knowledge::osv_name_key(&p.ecosystem, &p.name))
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                n += 1;
                std::hint::black_box(knowledge.osv[r].affects(
                    &p.ecosystem,
                    &p.name,
                    p.version.as_deref().unwrap_or(""),
                ));
            }
        }
        println!("probe: {n} affects() calls {:.1} ms", ms(started.elapsed()));
        let started = Instant::now();
        for c in &sbom.components {
            std::hint::black_box(c.purl.as_ref().and_then(mamori_sbom::Purl::osv));
        }
        println!("probe: purl→osv {:.1} ms", ms(started.elapsed()));
    }
    let started = Instant::now();
    let results = match_devices(&knowledge, &devices);
    let matched = started.elapsed();
    let with = results.iter().filter(|r| !r.findings.is_empty()).count();

    println!("corpus: {n_osv} OSV records, {n_csaf} CSAF documents");
    println!("read corpus            {:8.1} ms", ms(read));
    println!("index                  {:8.1} ms   (read + index {:.1} ms; goal < 2000)", ms(index), ms(read + index));
    println!("read SBOM (10,000)     {:8.1} ms   ({} bytes)", ms(sbom_read), sbom_json.len());
    println!(
        "scan 10,000 components {:8.1} ms   goal < 100; {} findings, {} checked against OSV",
        ms(scanned),
        findings.len(),
        coverage.checked_against_osv
    );
    println!("match 100,000 devices  {:8.1} ms   goal < 1000; {with} devices with findings", ms(matched));
    println!("peak RSS               {:8.1} MiB", peak_rss_mib());
}
