//! Documents attached to `file` questions, on SQLite and on PostgreSQL: stored with the answer
//! that names them or not at all, a name always meaning the bytes stored under it, at most the
//! documents the working copy and the submission name, and tabs uploading at once losing
//! nothing that was acknowledged.

use mamori_store::{Attachment, Store};
use std::collections::BTreeSet;

async fn sqlite() -> Store {
    let dir = std::env::temp_dir().join(format!("mamori-uploads-{}", mamori_store::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    Store::open(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap()
}

async fn postgres() -> Store {
    let admin_url = std::env::var("MAMORI_TEST_POSTGRES").expect("MAMORI_TEST_POSTGRES is not set: run tools/test");
    let name = format!("mamori_uploads_{}", mamori_store::random_hex(6));
    Store::admin(&admin_url).await.unwrap().execute_admin(&format!("CREATE DATABASE {name}")).await.unwrap();
    Store::open(&format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0)).await.unwrap()
}

fn doc(name: &str, bytes: &[u8]) -> Attachment {
    Attachment::new("policy_file", name, "application/pdf", bytes)
}

async fn participant(store: &Store) -> String {
    let c = store.create_campaign("c", "f.xlsx", b"form", 0, i64::MAX).await.unwrap();
    store.add_participant(&c, "社", "mah1", "a@example.jp", "ja").await.unwrap().0
}

async fn names(store: &Store, id: &str) -> BTreeSet<String> {
    store.files_of(id).await.unwrap().into_iter().map(|f| f.name).collect()
}

async fn stored_with_the_answer_and_forgotten_when_unnamed(store: Store) {
    let id = participant(&store).await;
    let page = vec![("org_name".to_string(), Some("社".to_string()))];
    let r = store.save_page_with_files(&id, page.clone(), vec![doc("方針.pdf", b"%PDF-1 A")], true).await.unwrap();
    assert_eq!(r.answers["policy_file"], "方針.pdf");
    assert_eq!(r.answers["org_name"], "社");
    let (file, bytes) = store.file(&id, "policy_file", "方針.pdf").await.unwrap().unwrap();
    assert_eq!(bytes, b"%PDF-1 A");
    assert_eq!((file.size, file.content_type.as_str()), (8, "application/pdf"));
    assert_eq!(file.sha256.len(), 64);

    // The same bytes again: the same name, one document.
    let r = store.save_page_with_files(&id, page.clone(), vec![doc("方針.pdf", b"%PDF-1 A")], true).await.unwrap();
    assert_eq!(r.answers["policy_file"], "方針.pdf");
    assert_eq!(names(&store, &id).await, BTreeSet::from(["方針.pdf".to_string()]));

    // Submitted, then replaced in the draft by other bytes under the same name: the new one is
    // numbered, and the submitted one stays (the office reads it).
    store.submit(&id, r.version, &r.answers).await.unwrap();
    let r = store.save_page_with_files(&id, page.clone(), vec![doc("方針.pdf", b"%PDF-1 B")], true).await.unwrap();
    assert_eq!(r.answers["policy_file"], "方針 (2).pdf");
    assert_eq!(r.submitted.as_ref().unwrap()["policy_file"], "方針.pdf");
    assert_eq!(store.file(&id, "policy_file", "方針.pdf").await.unwrap().unwrap().1, b"%PDF-1 A");
    assert_eq!(store.file(&id, "policy_file", "方針 (2).pdf").await.unwrap().unwrap().1, b"%PDF-1 B");

    // A page without the file question changes nothing about documents.
    store.save_page(&id, vec![("org_name".into(), Some("社2".into()))]).await.unwrap();
    assert_eq!(names(&store, &id).await.len(), 2);

    // Resubmitted with the new one: the old is named by nothing and goes.
    let r = store.response(&id).await.unwrap().unwrap();
    store.submit(&id, r.version, &r.answers).await.unwrap();
    assert_eq!(names(&store, &id).await, BTreeSet::from(["方針 (2).pdf".to_string()]));
    assert!(store.file(&id, "policy_file", "方針.pdf").await.unwrap().is_none());

    // Removed from the draft: kept while the submission names it; gone once it no longer does.
    let r = store.save_page_with_files(&id, vec![("policy_file".into(), None)], vec![], true).await.unwrap();
    assert!(!r.answers.contains_key("policy_file"));
    assert_eq!(names(&store, &id).await.len(), 1);
    store.submit(&id, r.version, &r.answers).await.unwrap();
    assert!(names(&store, &id).await.is_empty());
}

/// A save that fails stores no document: here the participant does not exist (a foreign key).
async fn a_failed_save_stores_no_document(store: Store) {
    let id = participant(&store).await;
    let bad = store.save_page_with_files("no-such-participant", vec![], vec![doc("a.pdf", b"%PDF-x")], true).await;
    assert!(bad.is_err());
    assert!(names(&store, "no-such-participant").await.is_empty());
    // The store goes on: the next save of a real participant stores its document.
    store.save_page_with_files(&id, vec![], vec![doc("a.pdf", b"%PDF-y")], true).await.unwrap();
    assert_eq!(names(&store, &id).await, BTreeSet::from(["a.pdf".to_string()]));
}

/// The database fails after the document was written, inside the same transaction (a trigger
/// on `responses` standing in for a full disk half-way): neither the document nor the answer
/// remains, and once the fault is gone the same save goes through.
async fn a_failure_after_the_document_leaves_neither(store: Store, postgres: bool) {
    let id = participant(&store).await;
    if postgres {
        store
            .execute_admin(
                "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
            )
            .await
            .unwrap();
        store
            .execute_admin("CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON responses FOR EACH ROW EXECUTE FUNCTION disk_full()")
            .await
            .unwrap();
    } else {
        for event in ["INSERT", "UPDATE"] {
            store
                .execute_admin(&format!(
                    "CREATE TRIGGER disk_full_{event} BEFORE {event} ON responses BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                ))
                .await
                .unwrap();
        }
    }
    let failed = store.save_page_with_files(&id, vec![], vec![doc("a.pdf", b"%PDF-big")], true).await;
    assert!(failed.is_err(), "the failure is reported, not acknowledged");
    assert!(names(&store, &id).await.is_empty(), "the document written before the failure is rolled back");
    assert!(store.response(&id).await.unwrap().is_none());
    if postgres {
        store.execute_admin("DROP TRIGGER disk_full ON responses").await.unwrap();
    } else {
        for event in ["INSERT", "UPDATE"] {
            store.execute_admin(&format!("DROP TRIGGER disk_full_{event}")).await.unwrap();
        }
    }
    let r = store.save_page_with_files(&id, vec![], vec![doc("a.pdf", b"%PDF-big")], true).await.unwrap();
    assert_eq!(r.answers["policy_file"], "a.pdf");
    assert_eq!(names(&store, &id).await, BTreeSet::from(["a.pdf".to_string()]));
}

/// Tabs uploading different documents under one name at once: every save is acknowledged with
/// the name its bytes were stored under, the answer left standing names one of them, and that
/// name holds bytes acknowledged under it — no answer names a document that is not stored.
async fn tabs_uploading_at_once_lose_nothing_acknowledged(store: Store) {
    let id = participant(&store).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (store, id) = (store.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let bytes = format!("%PDF-tab {i}").into_bytes();
            let r = store.save_page_with_files(&id, vec![], vec![doc("policy.pdf", &bytes)], true).await.unwrap();
            (r.answers["policy_file"].clone(), bytes)
        }));
    }
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.push(t.await.unwrap());
    }
    let last = store.response(&id).await.unwrap().unwrap().answers["policy_file"].clone();
    let (_, bytes) = store.file(&id, "policy_file", &last).await.unwrap().expect("the answer's document is stored");
    // A name freed by a later save may be taken again, so the bytes are those of one of the
    // saves acknowledged under that name.
    assert!(
        acknowledged.iter().any(|(name, b)| *name == last && *b == bytes),
        "the name left standing holds bytes acknowledged under it"
    );
    assert_eq!(names(&store, &id).await, BTreeSet::from([last]), "only the named document is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_documents_are_stored_with_their_answers() {
    stored_with_the_answer_and_forgotten_when_unnamed(sqlite().await).await;
    a_failed_save_stores_no_document(sqlite().await).await;
    a_failure_after_the_document_leaves_neither(sqlite().await, false).await;
    tabs_uploading_at_once_lose_nothing_acknowledged(sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_documents_are_stored_with_their_answers() {
    stored_with_the_answer_and_forgotten_when_unnamed(postgres().await).await;
    a_failed_save_stores_no_document(postgres().await).await;
    a_failure_after_the_document_leaves_neither(postgres().await, true).await;
    tabs_uploading_at_once_lose_nothing_acknowledged(postgres().await).await;
}
