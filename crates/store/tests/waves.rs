//! A campaign created from its predecessor (issue 14): participants carried with their
//! organisation ids, settings and mail texts copied, the panel of organisations that answered
//! both, each organisation's previous answers — on SQLite and on PostgreSQL (tools/test starts it).

use mamori_store::{CampaignSettings, MailTemplate, NewParticipant, Store};

async fn sqlite() -> Store {
    let dir = std::env::temp_dir().join(format!("mamori-waves-{}", mamori_store::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    Store::open(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap()
}

async fn postgres() -> Option<Store> {
    let admin_url = std::env::var("MAMORI_TEST_POSTGRES").expect("MAMORI_TEST_POSTGRES is not set: run tools/test");
    let name = format!("mamori_waves_{}", mamori_store::random_hex(6));
    Store::admin(&admin_url).await.unwrap().execute_admin(&format!("CREATE DATABASE {name}")).await.unwrap();
    Some(Store::open(&format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0)).await.unwrap())
}

fn company(name: &str, corporate_number: &str) -> NewParticipant {
    NewParticipant {
        company: name.into(),
        license: "mah1".into(),
        email: format!("{}@example.jp", name.to_lowercase()),
        language: "ja".into(),
        corporate_number: corporate_number.into(),
    }
}

async fn submit(store: &Store, participant: &str, answers: &[(&str, &str)]) {
    let changes = answers.iter().map(|(q, a)| (q.to_string(), Some(a.to_string()))).collect();
    store.save_page(participant, changes).await.unwrap();
    let r = store.response(participant).await.unwrap().unwrap();
    store.submit(participant, r.version, &r.answers).await.unwrap();
}

async fn a_campaign_succeeds_its_predecessor(store: Store) {
    let mut settings = CampaignSettings::default();
    settings
        .templates
        .insert("invite.ja".into(), MailTemplate { subject: "2025年度調査のお願い".into(), body: "{link}".into() });
    settings.mail_from = "office@example.go.jp".into();
    settings.feedback_released = true;
    settings.show_previous_answers = true;
    let first = store.create_campaign_with("2024", "f.md", b"| survey |\n", "2024", 0, 10, &settings).await.unwrap();
    let ids = store
        .add_participants(
            &first,
            &[company("Alpha", "7000012050002"), company("Beta", ""), company("Gamma", "")],
            "office",
        )
        .await
        .unwrap();
    submit(&store, &ids[0], &[("sbom", "done")]).await;
    submit(&store, &ids[1], &[("sbom", "prep")]).await;
    // Gamma answers, but the review finds its response invalid.
    submit(&store, &ids[2], &[("sbom", "none")]).await;
    store.set_review(&ids[2], "invalid", "test answers").await.unwrap();

    // Succeeding a campaign that does not exist stores nothing.
    let before = store.campaigns().await.unwrap().len();
    assert!(store.succeed_campaign("nope", "x", "f.md", b"", "", (0, 1), |_| {}).await.is_err());
    assert_eq!(store.campaigns().await.unwrap().len(), before);

    let second = store
        .succeed_campaign(&first, "2025", "f2.md", b"| survey |\n| | v2 |\n", "2025", (20, 30), |_| {})
        .await
        .unwrap();
    let c = store.campaign(&second).await.unwrap().unwrap();
    assert_eq!(c.previous_id.as_deref(), Some(first.as_str()));
    assert_eq!((c.opens_at, c.closes_at, c.form_version.as_str()), (20, 30, "2025"));
    assert_eq!(c.settings.templates, settings.templates, "mail texts copied");
    assert_eq!(c.settings.mail_from, "office@example.go.jp");
    assert!(c.settings.show_previous_answers);
    assert!(!c.settings.feedback_released, "a new wave's feedback waits for its own release");
    assert_eq!(store.campaign_form(&second).await.unwrap().unwrap(), b"| survey |\n| | v2 |\n");

    let old = store.participants_of(&first).await.unwrap();
    let new = store.participants_of(&second).await.unwrap();
    assert_eq!(new.len(), 3);
    for (o, n) in old.iter().zip(&new) {
        let (o, n) = (&o.participant, &n.participant);
        assert_eq!(
            (&o.company, &o.email, &o.org_id, &o.corporate_number),
            (&n.company, &n.email, &n.org_id, &n.corporate_number)
        );
        assert_ne!(o.id, n.id);
        assert_ne!(store.link_token(&o.id), store.link_token(&n.id), "a new personal link");
        assert!(n.opened_at.is_none() && n.review_status.is_empty(), "progress and review start afresh");
    }
    assert_eq!(new[0].participant.org_id, "jcn-7000012050002");
    // The old link still opens the old campaign only.
    let old_link = store.participant_by_token(&store.link_token(&ids[0])).await.unwrap().unwrap();
    assert_eq!(old_link.campaign_id, first);

    // Previous answers: Alpha's and Beta's; Gamma's were invalid; a newcomer has none.
    let alpha = &new[0].participant;
    let prev = store.previous_answers(alpha).await.unwrap().unwrap();
    assert_eq!(prev.get("sbom").map(String::as_str), Some("done"));
    assert!(store.previous_answers(&new[2].participant).await.unwrap().is_none(), "invalid is not shown");
    let delta = store.add_participants(&second, &[company("Delta", "")], "office").await.unwrap();
    let delta = store.participant(&delta[0]).await.unwrap().unwrap();
    assert!(store.previous_answers(&delta).await.unwrap().is_none());
    // A company imported afresh with its corporate number is the same organisation.
    let again =
        store.add_participants(&second, &[company("Alpha (new name)", "7000012050002")], "office").await.unwrap();
    let again = store.participant(&again[0]).await.unwrap().unwrap();
    assert_eq!(store.previous_answers(&again).await.unwrap().unwrap()["sbom"], "done");
    // The first campaign has no predecessor: nothing.
    assert!(store.previous_answers(&old[0].participant).await.unwrap().is_none());

    // The panel: Alpha answers again, Beta does not; Gamma's first answer was invalid.
    submit(&store, &new[0].participant.id, &[("sbom", "done")]).await;
    let panel = store.panel(&second).await.unwrap();
    let find = |name: &str| panel.iter().find(|m| m.company.starts_with(name)).unwrap().clone();
    let a = find("Alpha");
    assert!(a.answered_previous && a.answered_current && a.in_current);
    let b = find("Beta");
    assert!(b.answered_previous && !b.answered_current);
    let g = find("Gamma");
    assert!(!g.answered_previous, "an invalid response does not count");
    assert!(panel.iter().any(|m| m.company == "Delta" && !m.answered_previous));
    assert!(store.panel(&first).await.unwrap().is_empty(), "no predecessor, no panel");
}

async fn two_successions_at_once_each_get_every_participant(store: Store) {
    let first = store.create_campaign("2024", "f.md", b"x", 0, 10).await.unwrap();
    let many: Vec<NewParticipant> = (0..40).map(|i| company(&format!("Co{i:02}"), "")).collect();
    store.add_participants(&first, &many, "office").await.unwrap();
    let (a, b) = tokio::join!(
        store.succeed_campaign(&first, "A", "f.md", b"x", "", (0, 1), |_| {}),
        store.succeed_campaign(&first, "B", "f.md", b"x", "", (0, 1), |s| s.min_peers = 3)
    );
    for id in [a.unwrap(), b.unwrap()] {
        let ps = store.participants_of(&id).await.unwrap();
        assert_eq!(ps.len(), 40);
        let mut orgs: Vec<String> = ps.iter().map(|p| p.participant.org_id.clone()).collect();
        orgs.dedup();
        assert_eq!(orgs.len(), 40, "each organisation once");
    }
}

/// The database refuses the eighth participant's copy mid-succession (a trigger standing in for
/// a full disk or a lost connection): nothing of the new campaign may remain, the old one is
/// untouched, and once the fault is gone the same succession goes through.
async fn a_failure_midway_through_a_succession_leaves_nothing_behind(store: Store, postgres: bool) {
    let first = store.create_campaign("2024", "f.md", b"x", 0, 10).await.unwrap();
    let many: Vec<NewParticipant> = (0..10).map(|i| company(&format!("Co{i:02}"), "")).collect();
    store.add_participants(&first, &many, "office").await.unwrap();
    let before = store.participants_of(&first).await.unwrap();
    if postgres {
        store
            .execute_admin(
                "CREATE FUNCTION fail_co07() RETURNS trigger AS $$ BEGIN IF NEW.company = 'Co07' THEN \
                 RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            )
            .await
            .unwrap();
        store
            .execute_admin(
                "CREATE TRIGGER fail_co07 BEFORE INSERT ON participants FOR EACH ROW EXECUTE FUNCTION fail_co07()",
            )
            .await
            .unwrap();
    } else {
        store
            .execute_admin(
                "CREATE TRIGGER fail_co07 BEFORE INSERT ON participants WHEN NEW.company = 'Co07' \
                 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
            )
            .await
            .unwrap();
    }
    let failed = store.succeed_campaign(&first, "2025", "f.md", b"x", "", (20, 30), |_| {}).await;
    assert!(failed.is_err(), "the succession reports the failure");
    let campaigns = store.campaigns().await.unwrap();
    assert_eq!(campaigns.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [first.as_str()], "no half-made campaign");
    let after = store.participants_of(&first).await.unwrap();
    assert_eq!(
        after.iter().map(|p| (&p.participant.id, &p.participant.org_id)).collect::<Vec<_>>(),
        before.iter().map(|p| (&p.participant.id, &p.participant.org_id)).collect::<Vec<_>>(),
        "the previous campaign's participants untouched"
    );
    let drop = if postgres { "DROP TRIGGER fail_co07 ON participants" } else { "DROP TRIGGER fail_co07" };
    store.execute_admin(drop).await.unwrap();
    let second = store.succeed_campaign(&first, "2025", "f.md", b"x", "", (20, 30), |_| {}).await.unwrap();
    assert_eq!(store.participants_of(&second).await.unwrap().len(), 10, "after the fault, every participant carried");
}

#[tokio::test]
async fn succession_on_sqlite() {
    a_campaign_succeeds_its_predecessor(sqlite().await).await;
    two_successions_at_once_each_get_every_participant(sqlite().await).await;
    a_failure_midway_through_a_succession_leaves_nothing_behind(sqlite().await, false).await;
}

#[tokio::test]
async fn succession_on_postgresql() {
    let store = postgres().await.unwrap();
    a_campaign_succeeds_its_predecessor(store).await;
    two_successions_at_once_each_get_every_participant(postgres().await.unwrap()).await;
    a_failure_midway_through_a_succession_leaves_nothing_behind(postgres().await.unwrap(), true).await;
}
