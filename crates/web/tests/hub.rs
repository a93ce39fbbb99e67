//! The device security hub on the web (issue 17), on SQLite and PostgreSQL: the coordinator
//! takes the ICSMA corpus in; a hospital imports an inventory with Japanese headers and sees
//! exactly the findings `mamori hub match` computes for the same data; a confirmed alias, a
//! revision and a TLP:RED document change what it sees as they should; its state changes are
//! audited; another hospital sees none of it; every hub route refuses strangers.

mod common;

use axum::http::StatusCode;
use common::*;
use mamori_advisories::sources::Loaded;
use mamori_matching::devices::match_devices;
use mamori_matching::knowledge::Knowledge;
use mamori_store::Store;
use mamori_store::hub::OrgKind;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/hub").join(rel)
}

/// An organisation with an admin; returns (organisation id, login, password).
async fn org(store: &Store, kind: OrgKind, name: &str, login: &str) -> (String, String) {
    let id = store.create_hub_org(kind, name, "", "").await.unwrap();
    let password = format!("pw-{}", mamori_store::random_hex(8));
    store.create_hub_person(&id, login, login, "admin", &mamori_web::hash_password(&password)).await.unwrap();
    (id, password)
}

/// The rows of hub.md §8's scenarios 3–9, and Example Medical's X, under Japanese headers.
const INVENTORY: &str = "製造販売業者,製品名,型番,ソフトウェアバージョン,設置場所\n\
Hillrom,Welch Allyn Q-Stress Cardiac Stress Testing System,,6.2.0,生理検査室\n\
Hillrom,Welch Allyn Q-Stress Cardiac Stress Testing System,,6.4.0,生理検査室\n\
BD,Alaris 8000 PC Unit,,9.5,ICU\n\
Philips Healthcare,IntelliSpace Cardiovascular,,2.2.0,循環器内科\n\
Abbott Laboratories,Fortify Assura,,,手術室\n\
Medtronic,MiniMed 640G,MMT-1711,,外来\n\
Medtronic,MiniMed 640G,MMT-1799,,外来\n\
B. Braun Medical,Battery Pack SP with Wi-Fi,,L80,病棟\n\
Philips,Vue PACS,,12.2.8.0,放射線科\n\
Example Medical,X,XM-100,2.1,病棟\n";

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    mamori_advisories::sources::files_under(dir)
        .unwrap()
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
        .map(|f| (f.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&f).unwrap()))
        .collect()
}

/// What `mamori hub match` finds for the inventory: (row, advisory, product, confidence).
fn expected(csaf: &[PathBuf], aliases: &[(&str, &str)]) -> BTreeSet<(usize, String, String, String)> {
    let devices = mamori_matching::tables::read_inventory("inventory.csv", INVENTORY.as_bytes()).unwrap();
    let mut loaded = Loaded::default();
    for path in csaf {
        loaded.add_csaf(path).unwrap();
    }
    loaded.collapse_revisions();
    let mut known = mamori_matching::names::Aliases::default();
    for (alias, vendor) in aliases {
        known.insert(alias, vendor, None, None);
    }
    let knowledge = Knowledge::new(loaded, known, &[]);
    let mut out = BTreeSet::new();
    for r in match_devices(&knowledge, &devices) {
        for f in r.findings.iter() {
            let confidence = serde_json::to_value(f.confidence).unwrap().as_str().unwrap().to_string();
            out.insert((r.device.row, f.body.advisory.clone(), f.body.product_id.clone(), confidence));
        }
    }
    out
}

/// What the hub stored for the organisation, by the inventory row of each device.
async fn stored(store: &Store, org_id: &str) -> BTreeSet<(usize, String, String, String)> {
    let devices = store.hub_devices(org_id).await.unwrap();
    let row = |id: &str| devices.iter().find(|d| d.id == id).unwrap().row as usize;
    store
        .hub_findings(org_id, None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (row(&f.finding.device_id), f.finding.advisory, f.finding.product_id, f.finding.confidence))
        .collect()
}

#[tokio::test]
async fn a_hospital_sees_what_hub_match_finds_and_nothing_of_another() {
    for backend in BACKENDS {
        a_hospital_sees_what_hub_match_finds_and_nothing_of_another_on(backend).await;
    }
}

async fn a_hospital_sees_what_hub_match_finds_and_nothing_of_another_on(backend: Backend) {
    let s = site(backend).await;
    let (_, coordinator_pw) = org(&s.store, OrgKind::Coordinator, "ハブ事務局", "coord").await;
    let (a_id, a_pw) = org(&s.store, OrgKind::Hospital, "A病院", "hospital-a").await;
    let (b_id, b_pw) = org(&s.store, OrgKind::Hospital, "B病院", "hospital-b").await;
    let coord = login(&s.app, "coord", &coordinator_pw).await;
    let a = login(&s.app, "hospital-a", &a_pw).await;
    let b = login(&s.app, "hospital-b", &b_pw).await;

    // The coordinator takes in the whole ICSMA corpus in one upload.
    let page = get_as(&s.app, "/hub/intake", &coord).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = form_token(&page.body);
    let icsma = files_under(&corpus("csaf/icsma"));
    assert_eq!(icsma.len(), 136);
    let r = upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &icsma)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("136件を取り込みました"), "{}", r.body);
    assert!(r.body.contains("取り込んだ勧告 136 件") && r.body.contains("136 件中 1〜100 件目"), "{}", r.body);
    // The list comes a hundred at a time, searchable by id or title in any case.
    let page2 = get_as(&s.app, "/hub/intake?page=2", &coord).await;
    assert!(
        page2.body.contains("136 件中 101〜136 件目") && page2.body.contains("全 2 ページ中 2 ページ目"),
        "{}",
        page2.body
    );
    assert_eq!(page2.body.matches("<tr><td><a href=\"/hub/advisories/").count(), 36);
    let found = get_as(&s.app, "/hub/intake?q=icsma-21-343&format=csaf", &coord).await;
    assert!(found.body.contains("ICSMA-21-343-01") && found.body.contains("1 件中 1〜1 件目"), "{}", found.body);
    // A hand-edited address gets a page, never an error; the search is shown escaped.
    for odd in ["page=0", "page=-3", "page=99999", "page=abc", "format=zip", "q=%3Cscript%3E"] {
        let r = get_as(&s.app, &format!("/hub/intake?{odd}"), &coord).await;
        assert_eq!(r.status, StatusCode::OK, "{odd}");
        assert!(!r.body.contains("<script>"), "{odd}");
    }
    assert!(get_as(&s.app, "/hub/intake?page=99999", &coord).await.body.contains("101〜136 件目"));
    assert!(get_as(&s.app, "/hub/intake?format=zip", &coord).await.body.contains("該当する勧告 0 件"));
    // The same files again change nothing.
    let r =
        upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &icsma[..3])
            .await;
    assert!(r.body.contains("0件を取り込みました") && r.body.contains("3件は変更なし"), "{}", r.body);
    // A file that is no advisory stops the whole upload, named.
    let mut bad = icsma[..2].to_vec();
    bad.push(("notes.json".into(), b"{\"hello\": 1}".to_vec()));
    let r =
        upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("notes.json") && r.body.contains("どのファイルも取り込んでいません"), "{}", r.body);
    assert_eq!(s.store.hub_documents().await.unwrap().len(), 136);

    // Hospital A imports its inventory (Japanese headers).
    let page = get_as(&s.app, "/hub/devices", &a).await;
    let a_token = form_token(&page.body);
    let r = upload_as(
        &s.app,
        "/hub/devices/import",
        &a,
        &[("_csrf", &a_token)],
        ("inventory", "台帳.csv", INVENTORY.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/hub/findings"));
    let icsma_dir = vec![corpus("csaf/icsma")];
    let want = expected(&icsma_dir, &[]);
    assert!(want.len() >= 10, "{want:?}");
    assert_eq!(stored(&s.store, &a_id).await, want, "the hub stores exactly what `mamori hub match` finds");
    // And the pages show them: the findings list, the device, the advisory.
    let findings = get_as(&s.app, "/hub/findings", &a).await;
    assert_eq!(findings.status, StatusCode::OK);
    for advisory in ["ICSMA-21-343-01", "ICSMA-17-017-01", "ICSMA-22-263-01", "ICSMA-24-200-01"] {
        assert!(findings.body.contains(advisory), "{advisory} missing from the findings page");
    }
    let range = get_as(&s.app, "/hub/findings?confidence=range", &a).await;
    assert!(!range.body.contains("要確認（候補）</td>"), "the filter keeps only range findings");
    let advisory = get_as(&s.app, "/hub/advisories/ICSMA-21-343-01", &a).await;
    assert_eq!(advisory.status, StatusCode::OK);
    assert!(advisory.body.contains("Q-Stress") && advisory.body.contains("生理検査室"), "{}", advisory.body);
    let csv = get_as(&s.app, "/hub/findings.csv", &a).await;
    assert_eq!(csv.status, StatusCode::OK);
    let records = csv::Reader::from_reader(csv.body.as_bytes()).records().count();
    assert_eq!(records, want.len(), "one CSV record per finding");
    let (status, xlsx) = send_raw(&s.app, "/hub/findings.xlsx", &a).await;
    assert_eq!(status, StatusCode::OK);
    let table = mamori_form::workbook::read_table("findings.xlsx", &xlsx).unwrap();
    assert_eq!(table.len(), want.len() + 1, "one row per finding under the header");

    // A bad cell refuses the whole file, with its row and column; nothing is added.
    let broken = format!("{INVENTORY}{}\n", "Philips,Vue PACS,,12.2.8.0,".to_string() + &"x".repeat(600));
    let r = upload_as(
        &s.app,
        "/hub/devices/import",
        &a,
        &[("_csrf", &a_token)],
        ("inventory", "台帳2.csv", broken.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("台帳2.csv") && r.body.contains("row 12"), "{}", r.body);
    assert_eq!(s.store.hub_devices(&a_id).await.unwrap().len(), 10);

    // A state change, with who, when and why in the audit log.
    let devices = s.store.hub_devices(&a_id).await.unwrap();
    let q_stress = devices.iter().find(|d| d.version == "6.2.0").unwrap();
    let r = post_as(
        &s.app,
        "/hub/findings/state",
        &a,
        &[
            ("_csrf", &a_token),
            ("device", &q_stress.id),
            ("advisory", "ICSMA-21-343-01"),
            ("state", "mitigated"),
            ("why", "VLANで隔離"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let device_page = get_as(&s.app, &format!("/hub/devices/{}", q_stress.id), &a).await;
    assert!(
        device_page.body.contains("緩和策を実施") && device_page.body.contains("VLANで隔離"),
        "{}",
        device_page.body
    );
    let log = get_as(&s.app, "/hub/audit", &a).await;
    assert!(log.body.contains("hub finding state") && log.body.contains("mitigated: VLANで隔離"), "{}", log.body);
    // Without a reason, or with a made-up state, nothing changes.
    let r = post_as(
        &s.app,
        "/hub/findings/state",
        &a,
        &[
            ("_csrf", &a_token),
            ("device", &q_stress.id),
            ("advisory", "ICSMA-21-343-01"),
            ("state", "resolved"),
            ("why", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The office's audit log does not show the hub's entries.
    let office = signed_in(&s, mamori_store::Role::Admin).await;
    assert!(!get_as(&s.app, "/admin/audit", &office).await.body.contains("VLANで隔離"));

    // Hospital B sees nothing of A's: no findings, no device, no state change, no audit entry.
    let b_findings = get_as(&s.app, "/hub/findings", &b).await;
    assert!(!b_findings.body.contains("ICSMA-21-343-01") && !b_findings.body.contains("生理検査室"));
    let r = get_as(&s.app, &format!("/hub/devices/{}", q_stress.id), &b).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("Q-Stress"));
    let b_token = form_token(&get_as(&s.app, "/hub/devices", &b).await.body);
    let r = post_as(
        &s.app,
        "/hub/findings/state",
        &b,
        &[
            ("_csrf", &b_token),
            ("device", &q_stress.id),
            ("advisory", "ICSMA-21-343-01"),
            ("state", "resolved"),
            ("why", "x"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let a_state = s.store.hub_findings(&a_id, Some(&q_stress.id), Some("ICSMA-21-343-01")).await.unwrap();
    assert_eq!(a_state[0].state, "mitigated", "B could not change A's finding");
    let b_advisory = get_as(&s.app, "/hub/advisories/ICSMA-21-343-01", &b).await;
    assert_eq!(b_advisory.status, StatusCode::OK, "a TLP:CLEAR advisory is public to the hub");
    assert!(!b_advisory.body.contains("生理検査室") && b_advisory.body.contains("関係しません"));
    assert!(!get_as(&s.app, "/hub/audit", &b).await.body.contains("VLAN"));
    assert!(s.store.hub_findings(&b_id, None, None).await.unwrap().is_empty());
    // A's CSRF token does not work in B's session.
    let r = post_as(&s.app, "/hub/devices", &b, &[("_csrf", &a_token), ("manufacturer", "M"), ("product", "P")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // An older revision taken in later changes nothing: the newest tracking version wins, and
    // the advisory's page keeps both revisions.
    let old = files_under(&corpus("csaf/icsma-revisions/icsma-24-200-01"));
    assert!(!old.is_empty());
    let r =
        upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &old).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let with_revisions = expected(&[corpus("csaf/icsma"), corpus("csaf/icsma-revisions/icsma-24-200-01")], &[]);
    assert_eq!(stored(&s.store, &a_id).await, with_revisions);
    let vue = s.store.hub_findings(&a_id, None, Some("ICSMA-24-200-01")).await.unwrap();
    assert_eq!(vue.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&vue[0].finding.body).unwrap();
    assert_eq!(body["vulnerabilities"].as_array().unwrap().len(), 2, "v2 names only two CVEs: {body}");
    let page = get_as(&s.app, "/hub/advisories/ICSMA-24-200-01", &coord).await;
    assert!(page.body.matches("icsma-24-200-01").count() >= 2, "both revisions listed: {}", page.body);

    // The coordinator sees scenario 5's pair waiting (not whose devices), and confirms it:
    // Philips Healthcare becomes range.
    let waiting = get_as(&s.app, "/hub/aliases", &coord).await;
    assert!(
        waiting.body.contains("Philips Healthcare") && waiting.body.contains("ICSMA-17-318-01"),
        "{}",
        waiting.body
    );
    assert!(!waiting.body.contains("A病院") && !waiting.body.contains("循環器内科"));
    let alias_token = form_token(&waiting.body);
    let r = post_as(
        &s.app,
        "/hub/aliases",
        &coord,
        &[
            ("_csrf", &alias_token),
            ("alias", "Philips Healthcare"),
            ("vendor", "Philips"),
            ("why", "フィリップスの医療部門"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let aliased = expected(
        &[corpus("csaf/icsma"), corpus("csaf/icsma-revisions/icsma-24-200-01")],
        &[("Philips Healthcare", "Philips")],
    );
    assert_ne!(aliased, with_revisions);
    assert_eq!(stored(&s.store, &a_id).await, aliased);
    let cardio: Vec<_> = aliased.iter().filter(|(row, ..)| *row == 5).collect();
    assert!(cardio.iter().any(|(_, a, _, c)| a == "ICSMA-17-318-01" && c == "range"), "{cardio:?}");
    let after = get_as(&s.app, "/hub/aliases", &coord).await;
    assert!(after.body.contains("フィリップスの医療部門"));
    assert!(!after.body.contains("value=\"Philips Healthcare\""), "a confirmed pair no longer waits");

    // A TLP:RED advisory reaches only the coordinator: A's matching device shows nothing of it.
    let mut red: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus("csaf/icsma/2021/icsma-21-343-01.json")).unwrap()).unwrap();
    red["document"]["tracking"]["id"] = "TEST-RED-01".into();
    red["document"]["distribution"]["tlp"]["label"] = "RED".into();
    let red_file = vec![("test-red-01.json".to_string(), serde_json::to_vec(&red).unwrap())];
    let r =
        upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &red_file)
            .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(s.store.hub_concerned(&a_id, "TEST-RED-01").await.unwrap(), "the engine matched it");
    for uri in ["/hub/findings", "/hub/findings.csv", &format!("/hub/devices/{}", q_stress.id)] {
        assert!(!get_as(&s.app, uri, &a).await.body.contains("TEST-RED-01"), "{uri} shows a RED advisory");
    }
    assert_eq!(get_as(&s.app, "/hub/advisories/TEST-RED-01", &a).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get_as(&s.app, "/hub/advisories/TEST-RED-01", &coord).await.status, StatusCode::OK);

    // Intakes of advisories without package identifiers recompute only the devices they can
    // concern; a full recomputation finds nothing to change.
    let digests = |store: Store, org: String| async move {
        let mut rows: Vec<_> = store
            .hub_findings(&org, None, None)
            .await
            .unwrap()
            .into_iter()
            .map(|f| {
                (f.finding.device_id, f.finding.advisory, f.finding.product_id, f.finding.confidence, f.finding.body)
            })
            .collect();
        rows.sort();
        rows
    };
    let scoped = digests(s.store.clone(), a_id.clone()).await;
    mamori_web::hub::engine::recompute(&s.store, None).await.unwrap();
    assert_eq!(digests(s.store.clone(), a_id.clone()).await, scoped);

    // Edited on its page, the 6.4.0 Q-Stress becomes 6.3.1 and gets ICSMA-21-343-01 at once;
    // B can neither change nor remove it; removed by A, its findings go and the log keeps it.
    let q64 = devices.iter().find(|d| d.version == "6.4.0").unwrap();
    let concerns = |store: Store, id: String| async move {
        store.hub_findings(&a_id_for(&store, &id).await, Some(&id), Some("ICSMA-21-343-01")).await.unwrap().len()
    };
    assert_eq!(concerns(s.store.clone(), q64.id.clone()).await, 0);
    let edit = [
        ("_csrf", a_token.as_str()),
        ("manufacturer", "Hillrom"),
        ("product", "Welch Allyn Q-Stress Cardiac Stress Testing System"),
        ("version", "6.3.1"),
        ("location", "生理検査室"),
    ];
    let r = post_as(
        &s.app,
        &format!("/hub/devices/{}", q64.id),
        &b,
        &[("_csrf", &b_token), ("manufacturer", "x"), ("product", "y")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post_as(&s.app, &format!("/hub/devices/{}", q64.id), &a, &edit).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(concerns(s.store.clone(), q64.id.clone()).await, 1);
    let r = post_as(&s.app, &format!("/hub/devices/{}/delete", q64.id), &b, &[("_csrf", &b_token)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post_as(&s.app, &format!("/hub/devices/{}/delete", q64.id), &a, &[("_csrf", &a_token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(s.store.hub_device(&a_id, &q64.id).await.unwrap().is_none());
    assert!(s.store.hub_findings(&a_id, Some(&q64.id), None).await.unwrap().is_empty());
    let log = get_as(&s.app, "/hub/audit", &a).await.body;
    assert!(log.contains("hub device edit") && log.contains("hub device delete") && log.contains("6.4.0"), "{log}");
}

/// The organisation a device belongs to (for a test's helper).
async fn a_id_for(store: &Store, device: &str) -> String {
    for org in store.hub_orgs().await.unwrap() {
        if store.hub_device(&org.id, device).await.unwrap().is_some() {
            return org.id;
        }
    }
    panic!("no organisation has device {device}")
}

#[tokio::test]
async fn every_hub_route_refuses_strangers_and_the_office() {
    for backend in BACKENDS {
        every_hub_route_refuses_strangers_and_the_office_on(backend).await;
    }
}

async fn every_hub_route_refuses_strangers_and_the_office_on(backend: Backend) {
    let s = site(backend).await;
    let (hospital, pw) = org(&s.store, OrgKind::Hospital, "A病院", "hospital-a").await;
    let ids = s
        .store
        .add_hub_devices(
            &hospital,
            &[mamori_store::hub::HubDevice {
                manufacturer: "M".into(),
                product: "秘密の機器".into(),
                ..Default::default()
            }],
        )
        .await
        .unwrap();
    let office = signed_in(&s, mamori_store::Role::Admin).await;
    let (_, mpw) = org(&s.store, OrgKind::Manufacturer, "M社", "maker").await;
    let maker = login(&s.app, "maker", &mpw).await;
    let hospital_person = login(&s.app, "hospital-a", &pw).await;
    let routes = mamori_web::route_list(s.store.clone()).await.unwrap();
    let mut walked = 0;
    for route in routes.iter().filter(|r| r.path.starts_with("/hub") && r.path != "/hub/login") {
        walked += 1;
        let uri = route.path.replace("{id}", &ids[0]);
        for cookie in ["", office.as_str(), &format!("mamori_session={}", mamori_store::random_hex(32))] {
            let r = match route.method {
                "GET" => get_as(&s.app, &uri, cookie).await,
                _ => post_as(&s.app, &uri, cookie, &[("_csrf", "x")]).await,
            };
            if route.method == "GET" {
                assert_eq!(r.status, StatusCode::SEE_OTHER, "GET {uri} with {cookie:?}");
                assert!(r.location.as_deref().unwrap_or("").starts_with("/hub/login?next="), "GET {uri}");
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "POST {uri} with {cookie:?}");
            }
            assert!(!r.body.contains("秘密の機器"));
        }
        // A person of another kind of organisation may not use a page made for one kind.
        // (Home, sign-out, advisory pages and the organisation's own audit log are everyone's.)
        let everyones = [
            "/hub",
            "/hub/logout",
            "/hub/audit",
            "/hub/advisories/{id}",
            "/hub/people",
            "/hub/people/{id}",
            "/hub/documents/{id}",
        ];
        let manufacturers = ["/hub/products", "/hub/releases", "/hub/psirt"];
        if !everyones.contains(&route.path) {
            let outsider =
                if manufacturers.iter().any(|p| route.path.starts_with(p)) { &hospital_person } else { &maker };
            let r = match route.method {
                "GET" => get_as(&s.app, &uri, outsider).await,
                _ => post_as(&s.app, &uri, outsider, &[("_csrf", "x")]).await,
            };
            assert!(
                matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{} {uri} as an organisation of another kind: {}",
                route.method,
                r.status
            );
            assert!(!r.body.contains("秘密の機器"));
        }
    }
    assert!(walked >= 25, "only {walked} hub routes");
    // And the hub's people are never the office's users.
    let r = get_as(&s.app, "/admin", &hospital_person).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location.as_deref().unwrap_or("").starts_with("/admin/login"));
    assert_eq!(
        post_as(&s.app, "/admin/users", &hospital_person, &[("_csrf", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Two coordinators' uploads and a hospital's import at the same moment: whatever the order
/// in which their recomputations finish, the stored findings are those of every input.
#[tokio::test]
async fn concurrent_intakes_and_an_import_leave_the_findings_of_every_input() {
    for backend in BACKENDS {
        concurrent_intakes_and_an_import_on(backend).await;
    }
}

async fn concurrent_intakes_and_an_import_on(backend: Backend) {
    let s = site(backend).await;
    let (_, c_pw) = org(&s.store, OrgKind::Coordinator, "ハブ事務局", "coord").await;
    let (a_id, a_pw) = org(&s.store, OrgKind::Hospital, "A病院", "hospital-a").await;
    let coord = login(&s.app, "coord", &c_pw).await;
    let a = login(&s.app, "hospital-a", &a_pw).await;
    let token = form_token(&get_as(&s.app, "/hub/intake", &coord).await.body);
    let a_token = form_token(&get_as(&s.app, "/hub/devices", &a).await.body);
    let icsma = files_under(&corpus("csaf/icsma"));
    let (first, second) = icsma.split_at(icsma.len() / 2);
    let fields = [("_csrf", token.as_str()), ("tlp", "CLEAR")];
    let a_fields = [("_csrf", a_token.as_str())];
    let (r1, r2, r3) = tokio::join!(
        upload_many_as(&s.app, "/hub/intake", &coord, &fields, "documents", first),
        upload_many_as(&s.app, "/hub/intake", &coord, &fields, "documents", second),
        upload_as(&s.app, "/hub/devices/import", &a, &a_fields, ("inventory", "台帳.csv", INVENTORY.as_bytes())),
    );
    assert_eq!(
        (r1.status, r2.status, r3.status),
        (StatusCode::OK, StatusCode::OK, StatusCode::SEE_OTHER),
        "{} {}",
        r1.body,
        r2.body
    );
    assert_eq!(s.store.hub_documents().await.unwrap().len(), 136);
    assert_eq!(stored(&s.store, &a_id).await, expected(&[corpus("csaf/icsma")], &[]));
}

/// The guard behind it, step by step: a recomputation that began before a document arrived
/// does not overwrite findings with what it computed from fewer documents.
#[tokio::test]
async fn a_recomputation_overtaken_by_a_new_input_stores_nothing() {
    for backend in BACKENDS {
        let (store, _cleanup) = fresh_store(backend).await;
        let hospital = store.create_hub_org(OrgKind::Hospital, "A病院", "", "").await.unwrap();
        let device = mamori_store::hub::HubDevice {
            manufacturer: "Hillrom".into(),
            product: "Welch Allyn Q-Stress Cardiac Stress Testing System".into(),
            version: "6.2.0".into(),
            ..Default::default()
        };
        store.add_hub_devices(&hospital, &[device]).await.unwrap();
        let started_at = store.hub_generation().await.unwrap();
        // A document arrives while the (empty) findings are being computed…
        let bytes = std::fs::read(corpus("csaf/icsma/2021/icsma-21-343-01.json")).unwrap();
        let doc = mamori_store::hub::NewDocument {
            format: "csaf",
            file_name: "icsma-21-343-01.json",
            doc_id: "ICSMA-21-343-01",
            revision: "1",
            tlp: "CLEAR",
            title: "",
            warnings: "[]",
            uploaded_by: "t",
            bytes: &bytes,
        };
        store.add_hub_document(&doc).await.unwrap().unwrap();
        // …so the stale result is refused, and the recomputation that follows stores it.
        assert!(
            !store.replace_hub_findings(started_at, mamori_store::hub::Scope::All, &[], None).await.unwrap(),
            "{backend:?}"
        );
        mamori_web::hub::engine::recompute(&store, None).await.unwrap();
        let found = store.hub_findings(&hospital, None, None).await.unwrap();
        assert!(found.iter().any(|f| f.finding.advisory == "ICSMA-21-343-01"), "{backend:?}");
        assert!(
            store
                .replace_hub_findings(store.hub_generation().await.unwrap(), mamori_store::hub::Scope::All, &[], None)
                .await
                .unwrap()
        );
    }
}

const SERIAL: &str = "1b5e2c3a-0000-4000-8000-00000000a001";

/// hub.md §8 scenario 1's SBOM: X 2.1 by Example Medical with one openssl crate.
fn x_sbom(openssl: &str) -> Vec<u8> {
    format!(
        r#"{{"bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": "urn:uuid:{SERIAL}", "version": 1,
  "metadata": {{"component": {{"type": "firmware", "bom-ref": "x", "name": "X", "version": "2.1", "supplier": {{"name": "Example Medical"}}}}}},
  "components": [{{"type": "library", "bom-ref": "openssl", "name": "openssl", "version": "{openssl}", "purl": "pkg:cargo/openssl@{openssl}"}}]}}"#
    )
    .into_bytes()
}

/// Scenario 2's CSAF VEX: CVE-2016-10931 (RUSTSEC-2016-0001) does not affect X 2.1.
const CSAF_VEX: &str = r#"{
 "document": {"category": "csaf_vex", "csaf_version": "2.0", "title": "X 2.1: OpenSSL advisories",
  "publisher": {"category": "vendor", "name": "Example Medical", "namespace": "https://example.jp"},
  "tracking": {"id": "EXM-VEX-2026-001", "version": "1", "status": "final",
   "initial_release_date": "2026-11-01T00:00:00Z", "current_release_date": "2026-11-01T00:00:00Z",
   "revision_history": [{"date": "2026-11-01T00:00:00Z", "number": "1", "summary": "Initial"}]}},
 "product_tree": {"branches": [{"category": "vendor", "name": "Example Medical", "branches": [
  {"category": "product_name", "name": "X", "branches": [
   {"category": "product_version", "name": "2.1", "product": {"name": "Example Medical X 2.1", "product_id": "X-2.1"}}]}]}]},
 "vulnerabilities": [{"cve": "CVE-2016-10931",
  "flags": [{"label": "vulnerable_code_not_present", "product_ids": ["X-2.1"]}],
  "product_status": {"known_not_affected": ["X-2.1"]},
  "threats": [{"category": "impact", "details": "X never calls Pkcs12::parse.", "product_ids": ["X-2.1"]}]}]
}"#;

const EIGHT: [&str; 8] = [
    "RUSTSEC-2016-0001",
    "RUSTSEC-2023-0022",
    "RUSTSEC-2023-0023",
    "RUSTSEC-2023-0024",
    "RUSTSEC-2023-0044",
    "RUSTSEC-2023-0072",
    "RUSTSEC-2024-0357",
    "RUSTSEC-2025-0004",
];

/// (advisory, confidence, status) of a device's findings through an SBOM.
async fn through_sbom(store: &Store, org: &str, device: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = store
        .hub_findings(org, Some(device), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.finding.product_id.starts_with("sbom:"))
        .map(|f| {
            let body: serde_json::Value = serde_json::from_str(&f.finding.body).unwrap();
            (f.finding.advisory, f.finding.confidence, body["status"].as_str().unwrap().to_string())
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_manufacturers_sbom_and_vex_reach_the_hospitals_devices() {
    for backend in BACKENDS {
        a_manufacturers_sbom_and_vex_reach_the_hospitals_devices_on(backend).await;
    }
}

async fn a_manufacturers_sbom_and_vex_reach_the_hospitals_devices_on(backend: Backend) {
    let s = site(backend).await;
    let (_, c_pw) = org(&s.store, OrgKind::Coordinator, "ハブ事務局", "coord").await;
    let maker_id =
        s.store.create_hub_org(OrgKind::Manufacturer, "Example Medical", "Example Medical", "mah2").await.unwrap();
    let m_pw = "pw-maker-0123456789".to_string();
    s.store.create_hub_person(&maker_id, "maker", "maker", "admin", &mamori_web::hash_password(&m_pw)).await.unwrap();
    let (_, other_pw) = org(&s.store, OrgKind::Manufacturer, "他社", "other-maker").await;
    let (a_id, a_pw) = org(&s.store, OrgKind::Hospital, "A病院", "hospital-a").await;
    let (b_id, b_pw) = org(&s.store, OrgKind::Hospital, "B病院", "hospital-b").await;
    let (coord, maker, other, a, b) = (
        login(&s.app, "coord", &c_pw).await,
        login(&s.app, "maker", &m_pw).await,
        login(&s.app, "other-maker", &other_pw).await,
        login(&s.app, "hospital-a", &a_pw).await,
        login(&s.app, "hospital-b", &b_pw).await,
    );
    // The coordinator takes in the crates.io OSV records.
    let token = form_token(&get_as(&s.app, "/hub/intake", &coord).await.body);
    let osv = files_under(&corpus("osv/crates.io"));
    let r =
        upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &osv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.body[..r.body.len().min(3000)]);

    // The manufacturer registers X: a GTIN with a wrong check digit is refused, then X is added.
    let m_token = form_token(&get_as(&s.app, "/hub/products", &maker).await.body);
    let product = |gtin: &'static str| {
        vec![
            ("_csrf", m_token.clone()),
            ("name_ja", "X".into()),
            ("name_en", "X".into()),
            ("models", "XM-100".into()),
            ("gtin", gtin.into()),
            ("scheme", "intdot".into()),
        ]
    };
    let bad = product("4901234567890");
    let bad_refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_as(&s.app, "/hub/products", &maker, &bad_refs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("4901234567890") && r.body.contains("チェックデジット"), "{}", r.body);
    let good = product("4901234567894");
    let good_refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_as(&s.app, "/hub/products", &maker, &good_refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let product_page = r.location.unwrap();
    let product_id = product_page.rsplit('/').next().unwrap().to_string();
    for version in ["2.0", "2.1", "2.2"] {
        let r = post_as(
            &s.app,
            &format!("{product_page}/releases"),
            &maker,
            &[("_csrf", &m_token), ("version", version), ("released_on", ""), ("end_of_support", "")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = post_as(
        &s.app,
        &format!("{product_page}/releases"),
        &maker,
        &[("_csrf", &m_token), ("version", "2.1"), ("released_on", ""), ("end_of_support", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the same version twice");
    let releases = s.store.hub_releases(Some(&product_id)).await.unwrap();
    assert_eq!(
        releases.iter().map(|r| (r.version.as_str(), r.ordinal)).collect::<Vec<_>>(),
        [("2.0", 1), ("2.1", 2), ("2.2", 3)]
    );
    let r21 = releases[1].id.clone();
    // Another manufacturer sees none of it.
    assert_eq!(get_as(&s.app, &product_page, &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get_as(&s.app, &format!("/hub/releases/{r21}"), &other).await.status, StatusCode::NOT_FOUND);

    // A VEX before any SBOM, and a file that is no SBOM, are refused; then scenario 1's SBOM.
    let r = upload_as(
        &s.app,
        &format!("/hub/releases/{r21}/vex"),
        &maker,
        &[("_csrf", &m_token)],
        ("vex", "x.csaf-vex.json", CSAF_VEX.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("先にこのリリースの SBOM"), "{}", r.body);
    let r = upload_as(
        &s.app,
        &format!("/hub/releases/{r21}/sbom"),
        &maker,
        &[("_csrf", &m_token)],
        ("sbom", "notes.txt", b"hello"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("notes.txt"), "{}", r.body);
    let r = upload_as(
        &s.app,
        &format!("/hub/releases/{r21}/sbom"),
        &maker,
        &[("_csrf", &m_token)],
        ("sbom", "x-2.1.cdx.json", &x_sbom("0.8.3")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for id in EIGHT {
        assert!(r.body.contains(id), "{id} missing from the release page");
    }
    let mut on_release: Vec<String> =
        s.store.release_findings(&maker_id, Some(&r21)).await.unwrap().into_iter().map(|f| f.advisory).collect();
    on_release.sort();
    assert_eq!(on_release, EIGHT, "2.1 shows the 8 records");
    assert!(
        get_as(&s.app, "/hub", &maker).await.body.contains("RUSTSEC-2016-0001"),
        "the home page lists what touches its releases"
    );

    // Hospital A's X 2.1 (model XM-100) is linked exact to the release and gets its findings.
    let a_token = form_token(&get_as(&s.app, "/hub/devices", &a).await.body);
    let inventory = "製造販売業者,製品名,型番,ソフトウェアバージョン\nExample Medical,X,XM-100,2.1\nExample Medical Co.,X Series,,2.1\n";
    let r = upload_as(
        &s.app,
        "/hub/devices/import",
        &a,
        &[("_csrf", &a_token)],
        ("inventory", "a.csv", inventory.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let devices = s.store.hub_devices(&a_id).await.unwrap();
    let (x, series) = (&devices[0], &devices[1]);
    let got = through_sbom(&s.store, &a_id, &x.id).await;
    assert_eq!(got.len(), 8);
    assert!(got.iter().all(|(_, c, s)| c == "exact" && s == "affected"), "{got:?}");
    let page = get_as(&s.app, &format!("/hub/devices/{}", x.id), &a).await;
    assert!(page.body.contains("X 2.1") && page.body.contains("SBOM: openssl 0.8.3"), "{}", page.body);
    // "X Series" by "Example Medical Co." is only a possible link: no findings until confirmed.
    assert!(through_sbom(&s.store, &a_id, &series.id).await.is_empty());
    let page = get_as(&s.app, &format!("/hub/devices/{}", series.id), &a).await;
    assert!(page.body.contains("この製品・リリースであることを確認する"), "{}", page.body);

    // The manufacturer's VEX turns RUSTSEC-2016-0001 into "not affected" on A's page.
    let r = upload_as(
        &s.app,
        &format!("/hub/releases/{r21}/vex"),
        &maker,
        &[("_csrf", &m_token)],
        ("vex", "x.csaf-vex.json", CSAF_VEX.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let got = through_sbom(&s.store, &a_id, &x.id).await;
    assert_eq!(got.len(), 8, "the finding stays listed");
    assert_eq!(got[0], ("RUSTSEC-2016-0001".into(), "exact".into(), "not_affected".into()));
    assert!(got[1..].iter().all(|(_, _, s)| s == "affected"), "{got:?}");
    let page = get_as(&s.app, &format!("/hub/devices/{}", x.id), &a).await;
    assert!(page.body.contains("影響なし（製造販売業者の VEX：EXM-VEX-2026-001 (x.csaf-vex.json)）"), "{}", page.body);

    // A statement typed on the release page works the same: RUSTSEC-2023-0022 not affected;
    // without a justification "not affected" is refused.
    let vex_form = format!("/hub/releases/{r21}/vex-statement");
    let r = post_as(
        &s.app,
        &vex_form,
        &maker,
        &[
            ("_csrf", &m_token),
            ("vulnerability", "RUSTSEC-2023-0022"),
            ("status", "not_affected"),
            ("justification", ""),
            ("detail", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(get_as(&s.app, &vex_form, &other).await.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = post_as(
        &s.app,
        &vex_form,
        &other,
        &[("_csrf", "x"), ("vulnerability", "RUSTSEC-2023-0022"), ("status", "not_affected")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "another manufacturer's token is not this session's");
    let r = post_as(
        &s.app,
        &vex_form,
        &maker,
        &[
            ("_csrf", &m_token),
            ("vulnerability", "RUSTSEC-2023-0022"),
            ("status", "not_affected"),
            ("justification", "vulnerable_code_not_in_execute_path"),
            ("detail", "X は該当機能を使わない"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let got = through_sbom(&s.store, &a_id, &x.id).await;
    assert_eq!(got[1], ("RUSTSEC-2023-0022".into(), "exact".into(), "not_affected".into()), "{got:?}");
    assert!(got[2..].iter().all(|(_, _, s)| s == "affected"), "{got:?}");

    // A confirms the possible link — not without saying why —: the release's findings reach
    // that device too; who and why are kept, shown on the device's page and audited.
    let link = format!("/hub/devices/{}/link", series.id);
    let r = post_as(&s.app, &link, &a, &[("_csrf", &a_token), ("release", &r21), ("why", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("確認の根拠"), "{}", r.body);
    assert!(through_sbom(&s.store, &a_id, &series.id).await.is_empty(), "no link without a reason");
    let why = "銘板の型番 XM-100 と納品書で確認";
    let r = post_as(&s.app, &link, &a, &[("_csrf", &a_token), ("release", &r21), ("why", why)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(through_sbom(&s.store, &a_id, &series.id).await.len(), 8);
    let page = get_as(&s.app, &format!("/hub/devices/{}", series.id), &a).await.body;
    assert!(page.contains(why) && page.contains("hospital-a"), "{page}");
    let audit = get_as(&s.app, "/hub/audit", &a).await.body;
    assert!(audit.contains("hub device link") && audit.contains(why), "{audit}");

    // Hospital B sees its own X only; B cannot confirm a link for A's device.
    let b_token = form_token(&get_as(&s.app, "/hub/devices", &b).await.body);
    let r = post_as(&s.app, &link, &b, &[("_csrf", &b_token), ("release", &r21), ("why", "ours")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(s.store.hub_findings(&b_id, None, None).await.unwrap().is_empty());

    // Security documents: an MDS2 as TLP:AMBER reaches A (which has X) as an attachment, not
    // B (which has none) nor another manufacturer; a TLP:RED one reaches no hospital; a file
    // of another kind is refused.
    let post_document = |name: &'static str, tlp: &'static str| {
        let fields = [
            ("_csrf", m_token.clone()),
            ("kind", "mds2".to_string()),
            ("form_version", "HN 1-2019".into()),
            ("tlp", tlp.to_string()),
        ];
        let app = s.app.clone();
        let maker = maker.clone();
        let uri = format!("{product_page}/documents");
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            upload_as(&app, &uri, &maker, &refs, ("document", name, b"%PDF-1.4 test document")).await
        }
    };
    let r = post_document("setup.exe", "AMBER").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("setup.exe"), "{}", r.body);
    assert_eq!(post_document("X-MDS2.pdf", "AMBER").await.status, StatusCode::SEE_OTHER);
    assert_eq!(post_document("X-internal.pdf", "RED").await.status, StatusCode::SEE_OTHER);
    let docs = s.store.attachments(&product_id).await.unwrap();
    let (amber, red) = (docs.iter().find(|d| d.tlp == "AMBER").unwrap(), docs.iter().find(|d| d.tlp == "RED").unwrap());
    let page = get_as(&s.app, &format!("/hub/devices/{}", x.id), &a).await;
    assert!(page.body.contains("X-MDS2.pdf") && !page.body.contains("X-internal.pdf"), "{}", page.body);
    let r = get_as(&s.app, &format!("/hub/documents/{}", amber.id), &a).await;
    assert_eq!(r.status, StatusCode::OK);
    let disposition = r.headers.get("content-disposition").unwrap().to_str().unwrap();
    assert!(disposition.starts_with("attachment;") && disposition.contains("X-MDS2.pdf"), "{disposition}");
    assert_eq!(r.body, "%PDF-1.4 test document");
    for (who, doc) in [(&b, &amber.id), (&other, &amber.id), (&a, &red.id)] {
        let r = get_as(&s.app, &format!("/hub/documents/{doc}"), who).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.body.contains("PDF"));
    }
    assert_eq!(get_as(&s.app, &format!("/hub/documents/{}", red.id), &coord).await.status, StatusCode::OK);

    // A new SBOM for 2.1 (openssl 0.9.0): 7 findings, the change listed on the release page.
    let r = upload_as(
        &s.app,
        &format!("/hub/releases/{r21}/sbom"),
        &maker,
        &[("_csrf", &m_token)],
        ("sbom", "x-2.1b.cdx.json", &x_sbom("0.9.0")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("追加：openssl 0.9.0") && r.body.contains("削除：openssl 0.8.3"), "{}", r.body);
    assert_eq!(s.store.release_findings(&maker_id, Some(&r21)).await.unwrap().len(), 7);
    assert_eq!(through_sbom(&s.store, &a_id, &x.id).await.len(), 7);
}

#[tokio::test]
async fn an_organisations_admin_keeps_its_people_and_no_one_elses() {
    for backend in BACKENDS {
        let s = site(backend).await;
        let (_, a_pw) = org(&s.store, OrgKind::Hospital, "A病院", "hospital-a").await;
        let (_, b_pw) = org(&s.store, OrgKind::Hospital, "B病院", "hospital-b").await;
        let a = login(&s.app, "hospital-a", &a_pw).await;
        let b = login(&s.app, "hospital-b", &b_pw).await;
        let token = form_token(&get_as(&s.app, "/hub/people", &a).await.body);
        let r = post_as(
            &s.app,
            "/hub/people",
            &a,
            &[("_csrf", &token), ("login", "nurse-1"), ("name", "看護師"), ("role", "member")],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let password =
            r.body.split("<code id=\"initial-password\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        let r = post_as(
            &s.app,
            "/hub/people",
            &a,
            &[("_csrf", &token), ("login", "nurse-1"), ("name", ""), ("role", "member")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the same login twice");
        // The member works with the findings but keeps neither people nor the log.
        let member = login(&s.app, "nurse-1", &password).await;
        assert_eq!(get_as(&s.app, "/hub/findings", &member).await.status, StatusCode::OK);
        assert_eq!(get_as(&s.app, "/hub/people", &member).await.status, StatusCode::FORBIDDEN);
        assert_eq!(get_as(&s.app, "/hub/audit", &member).await.status, StatusCode::FORBIDDEN);
        // B's admin sees none of A's people and cannot turn one off.
        assert!(!get_as(&s.app, "/hub/people", &b).await.body.contains("nurse-1"));
        let nurse = s.store.user_for_login("nurse-1").await.unwrap().unwrap().0;
        let b_token = form_token(&get_as(&s.app, "/hub/people", &b).await.body);
        let r =
            post_as(&s.app, &format!("/hub/people/{}", nurse.id), &b, &[("_csrf", &b_token), ("active", "0")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(get_as(&s.app, "/hub/findings", &member).await.status, StatusCode::OK);
        // A's admin turns the member off: its session ends at once.
        let r = post_as(&s.app, &format!("/hub/people/{}", nurse.id), &a, &[("_csrf", &token), ("active", "0")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(get_as(&s.app, "/hub/findings", &member).await.status, StatusCode::SEE_OTHER);
        assert!(get_as(&s.app, "/hub/audit", &a).await.body.contains("hub person active"));
    }
}

/// A manufacturer on the hub with the 法人番号 of a survey participant: the participant's
/// feedback names the hub pages that close its gaps; the hub shows nothing of the survey.
#[tokio::test]
async fn the_survey_feedback_points_a_manufacturer_on_the_hub_to_the_pages_that_close_its_gaps() {
    for backend in BACKENDS {
        let s = site(backend).await;
        let c = &s.campaign;
        // Row 5 of the fixture answers "none" for SBOM, advisories and PSIRT.
        let ids = submitted(&s.store, c, 6).await;
        let p = s.store.participant(&ids[4]).await.unwrap().unwrap();
        let number = "7000012050002";
        let details = mamori_store::NewParticipant {
            company: p.company.clone(),
            license: p.license.clone(),
            email: p.email.clone(),
            language: p.language.clone(),
            corporate_number: number.into(),
        };
        s.store.update_participant(&p.id, &details).await.unwrap();
        let mut campaign = s.store.campaign(c).await.unwrap().unwrap();
        campaign.settings.feedback_released = true;
        s.store
            .update_campaign(c, &campaign.name, campaign.opens_at, campaign.closes_at, &campaign.settings)
            .await
            .unwrap();
        let link = format!("/r/{}/feedback", s.store.link_token(&ids[4]));
        let before = get(&s.app, &link).await;
        assert_eq!(before.status, StatusCode::OK);
        assert!(!before.body.contains("医療機器セキュリティハブ"), "not on the hub yet");
        // The coordinator registers the manufacturer with the same number (a wrong one refused).
        let (_, pw) = org(&s.store, OrgKind::Coordinator, "ハブ事務局", "coord").await;
        let coord = login(&s.app, "coord", &pw).await;
        let token = form_token(&get_as(&s.app, "/hub/orgs", &coord).await.body);
        let add = |number: &'static str, login: &'static str| {
            [
                ("_csrf", token.clone()),
                ("kind", "manufacturer".into()),
                ("name_ja", p.company.clone()),
                ("name_en", String::new()),
                ("licence_class", "mah1".into()),
                ("corporate_number", number.into()),
                ("login", login.into()),
            ]
        };
        let bad = add("7000012050003", "maker-x");
        let r =
            post_as(&s.app, "/hub/orgs", &coord, &bad.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("check digit"), "{}", r.body);
        let good = add(number, "maker-1");
        let r =
            post_as(&s.app, "/hub/orgs", &coord, &good.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let after = get(&s.app, &link).await;
        let text = after.body.replace("&#x2f;", "/");
        assert!(text.contains("医療機器セキュリティハブに登録されています"), "{}", after.body);
        assert!(text.contains("/hub/products") && text.contains("SBOM") && text.contains("PSIRT"), "{text}");
        let en = get(&s.app, &format!("{link}?lang=en")).await.body.replace("&#x2f;", "/");
        assert!(en.contains("device security hub") && en.contains("/hub/products"));
        // Another participant, not on the hub, sees no such notice.
        let other = get(&s.app, &format!("/r/{}/feedback", s.store.link_token(&ids[0]))).await;
        assert!(!other.body.contains("医療機器セキュリティハブに登録されています"));
        // And the hub's pages say nothing of the survey: the maker's home has no answers.
        let maker_pw = {
            let body = r.body.clone();
            body.split("<code id=\"initial-password\">").nth(1).unwrap().split('<').next().unwrap().to_string()
        };
        let maker = login(&s.app, "maker-1", &maker_pw).await;
        let home = get_as(&s.app, "/hub", &maker).await.body;
        assert!(!home.contains("総合スコア") && !home.contains("sbom_current"));
    }
}

/// hub.md §8 scenario 9 on the web: a hospital's Vue PACS 12.2.8.0 has 13 CVEs from revision 1
/// of ICSMA-24-200-01; revision 2 arrives and the finding names only its two, the state the
/// hospital recorded is kept, and both revisions stay listed on the advisory's page.
#[tokio::test]
async fn a_revision_of_an_advisory_updates_the_findings_and_keeps_the_state() {
    for backend in BACKENDS {
        let s = site(backend).await;
        let (_, c_pw) = org(&s.store, OrgKind::Coordinator, "ハブ事務局", "coord").await;
        let (a_id, a_pw) = org(&s.store, OrgKind::Hospital, "A病院", "hospital-a").await;
        let (coord, a) = (login(&s.app, "coord", &c_pw).await, login(&s.app, "hospital-a", &a_pw).await);
        let token = form_token(&get_as(&s.app, "/hub/intake", &coord).await.body);
        let v1 = files_under(&corpus("csaf/icsma-revisions/icsma-24-200-01"));
        let r = upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &v1)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let a_token = form_token(&get_as(&s.app, "/hub/devices", &a).await.body);
        let inventory = "manufacturer,product,version\nPhilips,Vue PACS,12.2.8.0\n";
        let r = upload_as(
            &s.app,
            "/hub/devices/import",
            &a,
            &[("_csrf", &a_token)],
            ("inventory", "a.csv", inventory.as_bytes()),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let cves = |store: Store, org: String| async move {
            let found = store.hub_findings(&org, None, Some("ICSMA-24-200-01")).await.unwrap();
            assert_eq!(found.len(), 1, "{found:?}");
            let body: serde_json::Value = serde_json::from_str(&found[0].finding.body).unwrap();
            (
                found[0].finding.revision.clone(),
                body["vulnerabilities"].as_array().unwrap().len(),
                found[0].state.clone(),
                found[0].finding.device_id.clone(),
            )
        };
        let (revision, n, _, device) = cves(s.store.clone(), a_id.clone()).await;
        assert_eq!((revision.as_str(), n), ("1", 13));
        let r = post_as(
            &s.app,
            "/hub/findings/state",
            &a,
            &[
                ("_csrf", &a_token),
                ("device", &device),
                ("advisory", "ICSMA-24-200-01"),
                ("state", "acknowledged"),
                ("why", ""),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let v2 = vec![(
            "icsma-24-200-01.json".to_string(),
            std::fs::read(corpus("csaf/icsma/2024/icsma-24-200-01.json")).unwrap(),
        )];
        let r = upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &v2)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (revision, n, state, _) = cves(s.store.clone(), a_id.clone()).await;
        assert_eq!((revision.as_str(), n, state.as_str()), ("2", 2, "acknowledged"));
        let page = get_as(&s.app, "/hub/advisories/ICSMA-24-200-01", &a).await.body;
        assert!(page.contains("icsma-24-200-01.v1-2024-07-18.json") && page.contains("icsma-24-200-01.json"), "{page}");
    }
}

/// Whether a text holds Japanese (kana, kanji or full-width forms).
fn has_japanese(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{3000}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}'))
}

#[tokio::test]
async fn every_hub_page_reads_in_english_for_those_who_choose_it() {
    for backend in BACKENDS {
        every_hub_page_reads_in_english_on(backend).await;
    }
}

async fn every_hub_page_reads_in_english_on(backend: Backend) {
    let s = site(backend).await;
    // The language link keeps the choice in a cookie and goes back to a hub page only.
    let r = get(&s.app, "/lang?to=en&next=/hub/findings%3Fstate%3Dnew").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/hub/findings?state=new"));
    let cookies: Vec<&str> = r.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("mamori_lang=en;")), "{cookies:?}");
    for away in ["//evil.example/hub", "https://evil.example/hub", "/admin", "/hub\\..\\x"] {
        let r = get(&s.app, &format!("/lang?to=en&next={}", encode(away))).await;
        assert_eq!(r.location.as_deref(), Some("/hub"), "{away}");
    }
    // The organisations have English names; their data is English, so any Japanese on an
    // English page is a text the page forgot to translate.
    let coord_id = s.store.create_hub_org(OrgKind::Coordinator, "ハブ事務局", "Hub office", "").await.unwrap();
    let hospital_id =
        s.store.create_hub_org(OrgKind::Hospital, "みなと総合病院", "Minato General Hospital", "").await.unwrap();
    let maker_id =
        s.store.create_hub_org(OrgKind::Manufacturer, "Example Medical", "Example Medical", "mah2").await.unwrap();
    let pw = "pw-english-0123456789";
    for (org, person) in [(&coord_id, "coord"), (&hospital_id, "minato"), (&maker_id, "maker")] {
        s.store.create_hub_person(org, person, person, "admin", &mamori_web::hash_password(pw)).await.unwrap();
    }
    let en = |session: &str| format!("{session}; mamori_lang=en");
    let coord = en(&login(&s.app, "coord", pw).await);
    let hospital = en(&login(&s.app, "minato", pw).await);
    let maker = en(&login(&s.app, "maker", pw).await);

    let token = form_token(&get_as(&s.app, "/hub/intake", &coord).await.body);
    let mut documents = files_under(&corpus("csaf/icsma"));
    documents.extend(files_under(&corpus("osv/crates.io")));
    let r =
        upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &documents)
            .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("findings were recomputed"), "{}", &r.body[..2000]);

    let m_token = form_token(&get_as(&s.app, "/hub/products", &maker).await.body);
    let fields = [
        ("_csrf", m_token.as_str()),
        ("name_ja", "X"),
        ("name_en", "X"),
        ("models", "XM-100"),
        ("gtin", "4901234567890"),
        ("scheme", "intdot"),
    ];
    let r = post_as(&s.app, "/hub/products", &maker, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("check digit") && !has_japanese(&r.body.replace("日本語", "")), "{}", r.body);
    let mut fields = fields;
    fields[4].1 = "4901234567894";
    let product_page = post_as(&s.app, "/hub/products", &maker, &fields).await.location.unwrap();
    let r =
        post_as(&s.app, &format!("{product_page}/releases"), &maker, &[("_csrf", &m_token), ("version", "2.1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let release = s.store.hub_releases(Some(product_page.rsplit('/').next().unwrap())).await.unwrap()[0].id.clone();
    let release_page = format!("/hub/releases/{release}");
    let r = upload_as(
        &s.app,
        &format!("{release_page}/sbom"),
        &maker,
        &[("_csrf", &m_token)],
        ("sbom", "x.cdx.json", &x_sbom("0.8.3")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = post_as(
        &s.app,
        &format!("{release_page}/vex-statement"),
        &maker,
        &[
            ("_csrf", &m_token),
            ("vulnerability", "RUSTSEC-2016-0001"),
            ("status", "not_affected"),
            ("justification", "vulnerable_code_not_in_execute_path"),
            ("detail", "not called"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let h_token = form_token(&get_as(&s.app, "/hub/devices", &hospital).await.body);
    let inventory = "manufacturer,product,model,version,location\n\
Hillrom,Welch Allyn Q-Stress Cardiac Stress Testing System,,6.2.0,Cardiology\n\
Example Medical,X,XM-100,2.1,Ward 3\n\
Example Medical Co.,X Series,,2.1,Ward 4\n";
    let r = upload_as(
        &s.app,
        "/hub/devices/import",
        &hospital,
        &[("_csrf", &h_token)],
        ("inventory", "inventory.csv", inventory.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let devices = s.store.hub_devices(&hospital_id).await.unwrap();
    assert_eq!(devices.iter().map(|d| d.product.as_str()).collect::<Vec<_>>()[1..], ["X", "X Series"]);
    let q_stress = s.store.hub_findings(&hospital_id, Some(&devices[0].id), None).await.unwrap();
    let advisory = q_stress.first().expect("Q-Stress 6.2.0 has a finding").finding.advisory.clone();
    let r = post_as(
        &s.app,
        "/hub/findings/state",
        &hospital,
        &[
            ("_csrf", &h_token),
            ("device", &devices[0].id),
            ("advisory", &advisory),
            ("state", "mitigated"),
            ("why", "segmented"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let pages: Vec<(&str, String)> = vec![
        (&coord, "/hub".into()),
        (&coord, "/hub/intake".into()),
        (&coord, "/hub/orgs".into()),
        (&coord, "/hub/aliases".into()),
        (&coord, format!("/hub/advisories/{advisory}")),
        (&coord, "/hub/people".into()),
        (&hospital, "/hub".into()),
        (&hospital, "/hub/devices".into()),
        (&hospital, "/hub/findings".into()),
        (&hospital, "/hub/findings?confidence=exact".into()),
        (&hospital, format!("/hub/devices/{}", devices[0].id)),
        (&hospital, format!("/hub/devices/{}", devices[1].id)),
        (&hospital, format!("/hub/devices/{}", devices[2].id)),
        (&hospital, format!("/hub/advisories/{advisory}")),
        (&hospital, "/hub/audit".into()),
        (&hospital, "/hub/people".into()),
        (&hospital, "/hub/devices/no-such-device".into()),
        (&maker, "/hub".into()),
        (&maker, "/hub/products".into()),
        (&maker, product_page.clone()),
        (&maker, release_page.clone()),
        (&maker, "/hub/findings".into()),
    ];
    for (cookie, uri) in &pages {
        let r = get_as(&s.app, uri, cookie).await;
        assert!(
            matches!(r.status, StatusCode::OK | StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{uri}: {}",
            r.status
        );
        assert!(r.body.contains("<html lang=\"en\">"), "{uri}");
        // The organisations list shows each organisation's Japanese name, which is data.
        let body = r.body.replace("ハブ事務局", "").replace("みなと総合病院", "").replace("日本語", "");
        let japanese: String = body.chars().filter(|c| has_japanese(&c.to_string())).collect();
        assert!(japanese.is_empty(), "{uri} has Japanese left in English: {japanese:?}\n{}", r.body);
    }
    let findings = get_as(&s.app, "/hub/findings", &hospital).await.body;
    assert!(findings.contains("Minato General Hospital") && findings.contains("Mitigated"), "{findings}");
    assert!(
        findings.contains("lang?to=ja&amp;next=&#x2f;hub&#x2f;findings\""),
        "the link back to Japanese: {findings}"
    );
    let device = get_as(&s.app, &format!("/hub/devices/{}", devices[1].id), &hospital).await.body;
    assert!(
        device.contains("Not affected (manufacturer&#x27;s VEX:")
            || device.contains("Not affected (manufacturer's VEX:"),
        "{device}"
    );
    // The sign-in page too, before anyone has signed in.
    let r = get_as(&s.app, "/hub/login", "mamori_lang=en").await;
    assert!(r.body.contains("<html lang=\"en\">") && r.body.contains("Sign in to the medical device security hub"));
    assert!(!has_japanese(&r.body.replace("日本語", "")), "{}", r.body);
    // Without the choice the same pages are Japanese.
    let japanese = get_as(&s.app, "/hub/findings", hospital.trim_end_matches("; mamori_lang=en")).await.body;
    assert!(japanese.contains("<html lang=\"ja\">") && japanese.contains("緩和策を実施"), "{japanese}");
}

/// A findings list without its rows of KEPT-LIST-NEW-1 (and its count, which changes with them).
fn first_with_changes(table: &str) -> String {
    let rows: Vec<&str> = table.split("</tr>").filter(|r| !r.contains("KEPT-LIST-NEW-1")).collect();
    rows.join("</tr>").split("<thead>").nth(1).unwrap_or("").to_string()
}

/// The findings list of a page (the part `page_cache` keeps).
fn findings_table(body: &str) -> String {
    let start = body.find("<table class=\"list\">").expect("a findings table");
    let end = start + body[start..].find("</table>").unwrap();
    body[start..end].to_string()
}

#[tokio::test]
async fn the_findings_list_kept_between_requests_follows_every_change() {
    for backend in BACKENDS {
        the_findings_list_kept_between_requests_follows_every_change_on(backend).await;
    }
}

async fn the_findings_list_kept_between_requests_follows_every_change_on(backend: Backend) {
    let s = site(backend).await;
    let (_, c_pw) = org(&s.store, OrgKind::Coordinator, "ハブ事務局", "coord").await;
    let (a_id, a_pw) = org(&s.store, OrgKind::Hospital, "A病院", "hospital-a").await;
    let (_, b_pw) = org(&s.store, OrgKind::Hospital, "B病院", "hospital-b").await;
    let coord = login(&s.app, "coord", &c_pw).await;
    let a = login(&s.app, "hospital-a", &a_pw).await;
    let b = login(&s.app, "hospital-b", &b_pw).await;
    let token = form_token(&get_as(&s.app, "/hub/intake", &coord).await.body);
    let icsma = files_under(&corpus("csaf/icsma"));
    let r = upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &icsma)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for (cookie, name) in [(&a, "a.csv"), (&b, "b.csv")] {
        let t = form_token(&get_as(&s.app, "/hub/devices", cookie).await.body);
        let r = upload_as(
            &s.app,
            "/hub/devices/import",
            cookie,
            &[("_csrf", &t)],
            ("inventory", name, INVENTORY.as_bytes()),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    // What a process that has kept nothing shows: the list as the database says it now.
    let fresh = async |cookie: &str| {
        let app = mamori_web::app_with(s.store.clone(), mamori_web::Config::default()).await.unwrap();
        findings_table(&get_as(&app, "/hub/findings", cookie).await.body)
    };
    let kept = async |cookie: &str| findings_table(&get_as(&s.app, "/hub/findings", cookie).await.body);
    let first = kept(&a).await;
    assert!(first.contains("生理検査室") && !first.contains("緩和策を実施"), "{first}");
    assert_eq!(kept(&a).await, first, "the same list again");
    assert_eq!(fresh(&a).await, first);

    // A state written to the database by another process (no request through this app).
    let q_stress = s.store.hub_devices(&a_id).await.unwrap()[0].clone();
    let advisory = s.store.hub_findings(&a_id, Some(&q_stress.id), None).await.unwrap()[0].finding.advisory.clone();
    s.store.set_hub_finding_state(&a_id, &q_stress.id, &advisory, "mitigated", "VLAN", "nurse").await.unwrap();
    let after_state = kept(&a).await;
    assert!(after_state.contains("緩和策を実施"), "a kept list that missed a state change: {after_state}");
    assert_eq!(after_state, fresh(&a).await);
    // A device's location changed in the database: no finding changes, the list does.
    let mut moved = q_stress.clone();
    moved.location = "第2生理検査室".into();
    assert!(s.store.update_hub_device(&a_id, &moved).await.unwrap());
    let after_move = kept(&a).await;
    assert!(after_move.contains("第2生理検査室"), "{after_move}");
    assert_eq!(after_move, fresh(&a).await);
    // A new advisory (an ICSMA document under a new id) adds findings.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus("csaf/icsma/2021/icsma-21-343-01.json")).unwrap()).unwrap();
    doc["document"]["tracking"]["id"] = "KEPT-LIST-NEW-1".into();
    let new = vec![("kept-list-new-1.json".to_string(), serde_json::to_vec(&doc).unwrap())];
    let r =
        upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &new).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after_new = kept(&a).await;
    assert!(after_new.contains("KEPT-LIST-NEW-1"), "{after_new}");
    assert_eq!(after_new, fresh(&a).await);
    // The same advisory again, now labelled TLP:RED: no hospital may see it any more, and no
    // finding changed — only the document's label.
    doc["document"]["distribution"] = serde_json::json!({"tlp": {"label": "RED"}});
    let red = vec![("kept-list-new-1-red.json".to_string(), serde_json::to_vec(&doc).unwrap())];
    let r =
        upload_many_as(&s.app, "/hub/intake", &coord, &[("_csrf", &token), ("tlp", "CLEAR")], "documents", &red).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after_red = kept(&a).await;
    assert!(!after_red.contains("KEPT-LIST-NEW-1"), "a kept list shows a TLP:RED advisory: {after_red}");
    assert_eq!(after_red, fresh(&a).await);
    assert_eq!(first_with_changes(&after_red), first_with_changes(&after_new), "the rest of the list is as it was");
    // Another hospital's list is its own, never A's kept one; a filter and a language are
    // lists of their own too.
    let b_list = kept(&b).await;
    assert!(!b_list.contains("第2生理検査室") && !b_list.contains("緩和策を実施"), "{b_list}");
    assert_eq!(b_list, fresh(&b).await);
    let filtered = findings_table(&get_as(&s.app, "/hub/findings?state=mitigated", &a).await.body);
    assert_eq!(filtered.matches("<tr><td><a href=\"/hub/devices/").count(), 1, "{filtered}");
    let english = kept(&format!("{a}; mamori_lang=en")).await;
    assert!(english.contains("Mitigated") && !english.contains("緩和策を実施"), "{english}");
    assert_eq!(kept(&a).await, after_red, "and the Japanese list is still Japanese");
}
