//! SQLite's group-commit writer: saves arriving together are all committed, each caller hears
//! its own outcome, and one bad save does not sink the others of its batch.

use mamori_store::Store;
use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_saves_are_all_committed_and_a_bad_one_fails_alone() {
    let dir = std::env::temp_dir().join(format!("mamori-store-{}", mamori_store::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store = Store::open(&url).await.unwrap();
    let campaign = store.create_campaign("c", "f.xlsx", b"form", 0, i64::MAX).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..200 {
        ids.push(store.add_participant(&campaign, &format!("社{i}"), "mah1", "a@example.jp", "ja").await.unwrap().0);
    }
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let (store, id) = (store.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let answers = BTreeMap::from([("org_name".to_string(), format!("社{i}"))]);
            store.save_answers(&id, &answers, i % 2 == 0).await
        }));
    }
    // A participant that does not exist breaks the foreign key: its save fails, alone.
    let bad = {
        let store = store.clone();
        tokio::spawn(async move { store.save_answers("no-such-participant", &BTreeMap::new(), false).await })
    };
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(bad.await.unwrap().is_err());
    // Read back through a second, independent connection pool: everything is on disk.
    let reader = Store::open(&url).await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let r = reader.response(id).await.unwrap().expect("every save was committed");
        assert_eq!(r.answers["org_name"], format!("社{i}"));
        assert_eq!(r.status, if i % 2 == 0 { "submitted" } else { "draft" });
    }
    let _ = std::fs::remove_dir_all(&dir);
}
