//! Backup and restore, and moving a database from SQLite to PostgreSQL and back: every row
//! arrives; a restore into a database in use, or of a damaged file, stores nothing.

use mamori_store::{AuditEntry, NewMail, Role, Store};
use std::collections::BTreeSet;

async fn sqlite() -> (Store, String) {
    let dir = std::env::temp_dir().join(format!("mamori-copy-{}", mamori_store::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    (Store::open(&url).await.unwrap(), url)
}

async fn postgres() -> (Store, String) {
    let admin_url = std::env::var("MAMORI_TEST_POSTGRES").expect("MAMORI_TEST_POSTGRES is not set: run tools/test");
    let name = format!("mamori_copy_{}", mamori_store::random_hex(6));
    Store::admin(&admin_url).await.unwrap().execute_admin(&format!("CREATE DATABASE {name}")).await.unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    (Store::open(&url).await.unwrap(), url)
}

async fn some_of_everything(store: &Store) {
    let c = store.create_campaign("2024 調査", "f.md", "| survey |\n".as_bytes(), 0, i64::MAX).await.unwrap();
    for i in 0..5 {
        let (id, _) =
            store.add_participant(&c, &format!("社{i}'s \"name\""), "mah1", "a@example.jp", "ja").await.unwrap();
        let policy = mamori_store::Attachment::new(
            "policy",
            &format!("方針{i}.pdf"),
            "application/pdf",
            &[0, 255, i as u8, b'\n'],
        );
        store
            .save_page_with_files(&id, vec![("org_name".into(), Some(format!("社{i}")))], vec![policy], true)
            .await
            .unwrap();
        if i % 2 == 0 {
            let r = store.response(&id).await.unwrap().unwrap();
            store.submit(&id, r.version, &r.answers).await.unwrap();
        }
        let mail = NewMail {
            campaign_id: &c,
            participant_id: Some(&id),
            kind: "invite",
            language: "ja",
            recipient: "a@example.jp",
            subject: "件名",
            body: "本文 {link}",
        };
        store.enqueue_mail(&mail).await.unwrap();
    }
    let uid = store.create_user("office", "事務局", Role::Admin, "$argon2id$x").await.unwrap();
    store.create_session(&uid).await.unwrap();
    let entry = AuditEntry {
        at_us: 0,
        actor: "office".into(),
        action: "test".into(),
        campaign_id: c,
        target: "t".into(),
        before: String::new(),
        after: "é".into(),
    };
    store.audit(&entry).await.unwrap();
    store.hit("login-ip:127.0.0.1", 900).await.unwrap();
}

async fn lines(store: &Store) -> BTreeSet<String> {
    let mut out = Vec::new();
    store.backup(&mut out).await.unwrap();
    String::from_utf8(out).unwrap().lines().map(str::to_string).collect()
}

#[tokio::test]
async fn sqlite_to_postgresql_and_back_keeps_every_row() {
    let (from, from_url) = sqlite().await;
    some_of_everything(&from).await;
    let original = lines(&from).await;
    assert!(original.len() > 15, "{original:?}");
    let mut file = Vec::new();
    from.backup(&mut file).await.unwrap();
    let (pg, pg_url) = postgres().await;
    let restored = pg.restore(&file[..]).await.unwrap();
    assert_eq!(restored as usize, original.len() - 1, "every row but the header");
    assert_eq!(lines(&pg).await, original, "PostgreSQL holds what SQLite held");
    // A personal link made before still works after the move (the link key moved too).
    let pg = Store::open(&pg_url).await.unwrap();
    let some = from.responses_of(&from.campaigns().await.unwrap()[0].id).await.unwrap()[0].0.clone();
    let token = from.link_token(&some);
    assert_eq!(pg.participant_by_token(&token).await.unwrap().map(|p| p.id), Some(some));
    // And back to a new SQLite file.
    let mut file = Vec::new();
    pg.backup(&mut file).await.unwrap();
    let (back, _) = sqlite().await;
    back.restore(&file[..]).await.unwrap();
    assert_eq!(lines(&back).await, original);
    // Restoring into a database in use, or a damaged backup, stores nothing.
    let (busy, _) = sqlite().await;
    some_of_everything(&busy).await;
    let before = lines(&busy).await;
    let refused = busy.restore(&file[..]).await.unwrap_err();
    assert!(refused.0.contains("empty database"), "{refused}");
    assert_eq!(lines(&busy).await, before);
    let (fresh, _) = sqlite().await;
    let empty = lines(&fresh).await;
    let mut damaged = file.clone();
    damaged.truncate(file.len() - 10);
    damaged.extend(b"\n{\"t\":\"nope\",\"r\":[]}\n");
    let refused = fresh.restore(&damaged[..]).await.unwrap_err();
    assert!(refused.0.contains("line"), "the problem is located: {refused}");
    assert_eq!(lines(&fresh).await, empty, "all or nothing");
    let _ = from_url;
    drop(pg);
    let admin_url = std::env::var("MAMORI_TEST_POSTGRES").unwrap();
    let name = pg_url.rsplit('/').next().unwrap().to_string();
    let _ = Store::admin(&admin_url)
        .await
        .unwrap()
        .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}
