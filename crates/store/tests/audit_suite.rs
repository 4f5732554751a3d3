//! The audit log on SQLite and PostgreSQL: entries commit with their change, the tree and its
//! checkpoints verify, proofs and exports check out with the public key alone, and every kind
//! of tampering is found and named.

use yici_core::audit::{Action, Actor, AuditEvent, Outcome};
use yici_crypto::auditlog::verify_export;
use yici_crypto::merkle;
use yici_store::audit::{AuditFilter, AuditWriter};
use yici_store::{Page, Store, both_backends};

fn event(i: usize) -> AuditEvent {
    let mut e = AuditEvent::new(
        1_700_000_000_000_000 + i as i64,
        Actor::named("user:clerk"),
        Action::ApplicantRead,
        "applicant",
        &format!("req-{i}"),
    )
    .object(i)
    .purpose("窗口受理核验身份");
    e.actor.department_id = Some((i % 3) as i64 + 1);
    e.actor.system_id = Some((i % 2) as i64 + 10);
    if i.is_multiple_of(2) {
        e = e.subject("11010519491231002X");
    } else {
        e = e.subject("91350100M000100Y43");
    }
    e
}

/// The row id of the entry at leaf `seq`.
async fn entry_at(pool: &sqlx::AnyPool, seq: i64) -> i64 {
    let r = sqlx::query("SELECT entry_id FROM audit_leaves WHERE seq = $1")
        .bind(seq)
        .fetch_one(pool)
        .await
        .unwrap();
    sqlx::Row::get::<i64, _>(&r, "entry_id")
}

async fn append(store: &Store, n: usize) {
    let events: Vec<AuditEvent> = (0..n).map(event).collect();
    store.audit_append_batch(&events).await.unwrap();
}

async fn tree_checkpoints_and_proofs(store: Store) {
    let empty = store.audit_checkpoint().await.unwrap();
    assert_eq!(empty.size, 0);
    append(&store, 37).await;
    assert_eq!(store.audit_size().await.unwrap(), 0, "not sequenced yet");
    assert_eq!(store.audit_sequence_all().await.unwrap(), 37);
    let cp1 = store.audit_checkpoint().await.unwrap();
    assert_eq!(cp1.size, 37);
    assert_eq!(store.audit_checkpoint().await.unwrap(), cp1, "one checkpoint per size");
    append(&store, 20).await;
    store.audit_sequence_all().await.unwrap();
    let cp2 = store.audit_checkpoint().await.unwrap();
    assert_eq!(cp2.size, 57);
    let key = store.audit_keys().unwrap().public();
    cp2.verify(&key).unwrap();

    let proof = store.audit_consistency(37, 57).await.unwrap();
    yici_crypto::auditlog::verify_checkpoints_consistent(&cp1, &cp2, &proof, &key).unwrap();

    let e = store.audit_inclusion(12, 57).await.unwrap();
    let hashes: Vec<merkle::Hash> = e
        .proof
        .iter()
        .map(|h| hex::decode(h).unwrap().try_into().unwrap())
        .collect();
    let leaf = merkle::leaf_hash(12, &e.content_bytes().unwrap());
    assert!(merkle::verify_inclusion(
        12,
        57,
        &leaf,
        &hashes,
        &cp2.root_hash().unwrap()
    ));

    let export = store.audit_export(5, 40).await.unwrap();
    assert_eq!(verify_export(&export, &key), Ok(36));
    let mut tampered = export.clone();
    tampered.entries[3].content = tampered.entries[4].content.clone();
    assert!(verify_export(&tampered, &key).is_err());

    assert!(store.audit_export(40, 5).await.is_err(), "out of order");
    assert!(store.audit_export(50, 60).await.is_err(), "beyond the checkpoint");
    assert!(store.audit_inclusion(57, 57).await.is_err(), "unknown entry");
    assert!(store.audit_consistency(57, 30).await.is_err());
    let report = store.audit_verify(&key).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!((report.entries, report.checkpoints), (57, 3));
    let other = yici_crypto::sm2::KeyPair::generate().public();
    let report = store.audit_verify(&other).await.unwrap();
    assert!(
        !report.ok() && report.problems[0].contains("not by the platform key"),
        "{report:?}"
    );
}
both_backends!(tree, tree_checkpoints_and_proofs);

async fn search_by_subject_department_system_action_and_time(store: Store) {
    append(&store, 30).await;
    store.audit_sequence_all().await.unwrap();
    let all = Page::new(Some(200), None);
    let by_person = AuditFilter {
        subject: Some("11010519491231002X".into()),
        ..Default::default()
    };
    let found = store.audit_search(&by_person, all).await.unwrap();
    assert_eq!(found.len(), 15);
    assert!(
        found
            .iter()
            .all(|e| !format!("{:?}", e.content).contains("11010519491231002X")),
        "subjects stay digests"
    );
    assert!(found.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let dept = AuditFilter {
        department_id: Some(1),
        system_id: Some(10),
        ..Default::default()
    };
    assert_eq!(store.audit_search(&dept, all).await.unwrap().len(), 5);
    let range = AuditFilter {
        from: Some(1_700_000_000_000_010),
        to: Some(1_700_000_000_000_020),
        ..Default::default()
    };
    assert_eq!(store.audit_search(&range, all).await.unwrap().len(), 10);
    let action = AuditFilter {
        action: Some("department.create".into()),
        ..Default::default()
    };
    assert!(store.audit_search(&action, all).await.unwrap().is_empty());
    let paged = store
        .audit_search(&AuditFilter::default(), Page::new(Some(7), Some(28)))
        .await
        .unwrap();
    assert_eq!(paged.len(), 2);
    let first = &found[0];
    assert!(
        store
            .audit_entry_concerns(first.id, "11010519491231002X")
            .await
            .unwrap()
    );
    assert!(
        !store
            .audit_entry_concerns(first.id, "91350100M000100Y43")
            .await
            .unwrap()
    );
}
both_backends!(search, search_by_subject_department_system_action_and_time);

async fn group_commit_is_durable_before_returning(store: Store) {
    let writer = AuditWriter::start(store.clone(), 2);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let w = writer.clone();
        tasks.push(tokio::spawn(async move { w.append(event(i)).await }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        let id = t.await.unwrap().unwrap();
        assert!(
            store.audit_entry(id).await.unwrap().is_some(),
            "returned id {id} is stored"
        );
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200);
    assert_eq!(store.audit_sequence_all().await.unwrap(), 200);
}
both_backends!(group_commit, group_commit_is_durable_before_returning);

/// The writer sequences what it wrote (on SQLite in its own lane, a step at a time between
/// groups of entries still arriving): every entry gets exactly one leaf, the tree matches the
/// store's own sequencing, and the log verifies.
async fn the_writer_sequences_while_entries_arrive(store: Store) {
    let writer = AuditWriter::start(store.clone(), 1);
    let mut tasks = Vec::new();
    for i in 0..1_200 {
        let w = writer.clone();
        tasks.push(tokio::spawn(async move { w.append(event(i)).await }));
        if i == 300 {
            let w = writer.clone();
            tasks.push(tokio::spawn(async move { w.sequence().await.map(|n| -(n as i64)) }));
        }
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    writer.sequence().await.unwrap();
    assert_eq!(store.audit_pending_count().await.unwrap(), 0);
    assert_eq!(store.audit_size().await.unwrap(), 1_200);
    // The store's own sequencing continues the same tree.
    append(&store, 7).await;
    assert_eq!(store.audit_sequence_all().await.unwrap(), 7);
    assert_eq!(writer.sequence().await.unwrap(), 0, "nothing left");
    store.audit_checkpoint().await.unwrap();
    let key = store.audit_keys().unwrap().public();
    let report = store.audit_verify(&key).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.entries, 1_207);
}
both_backends!(writer_sequences, the_writer_sequences_while_entries_arrive);

/// Tamper with the stored log in each way and check that verification names the entry.
async fn tampering_is_detected_and_named(store: Store) {
    append(&store, 40).await;
    store.audit_sequence_all().await.unwrap();
    store.audit_checkpoint().await.unwrap();
    let key = store.audit_keys().unwrap().public();
    assert!(store.audit_verify(&key).await.unwrap().ok());
    let pool = store.pool();
    let entry_of = |seq: i64| entry_at(pool, seq);

    // Changed content.
    let id = entry_of(17).await;
    sqlx::query("UPDATE audit_entries SET content = REPLACE(content, 'req-17', 'req-71') WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    let report = store.audit_verify(&key).await.unwrap();
    assert_eq!(report.first_bad, Some(17), "{report:?}");
    sqlx::query("UPDATE audit_entries SET content = REPLACE(content, 'req-71', 'req-17') WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    assert!(store.audit_verify(&key).await.unwrap().ok());

    // Reordered: two leaves swap their entries.
    let (a, b) = (entry_of(5).await, entry_of(6).await);
    let swap = async {
        sqlx::query("DELETE FROM audit_leaves WHERE seq = 5 OR seq = 6")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO audit_leaves (seq, entry_id) VALUES (5, $1), (6, $2)")
            .bind(b)
            .bind(a)
            .execute(pool)
            .await
            .unwrap();
    };
    swap.await;
    let report = store.audit_verify(&key).await.unwrap();
    assert_eq!(report.first_bad, Some(5), "{report:?}");
    sqlx::query("DELETE FROM audit_leaves WHERE seq = 5 OR seq = 6")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO audit_leaves (seq, entry_id) VALUES (5, $1), (6, $2)")
        .bind(a)
        .bind(b)
        .execute(pool)
        .await
        .unwrap();
    assert!(store.audit_verify(&key).await.unwrap().ok());

    // Removed: an entry's leaf row disappears.
    let id = entry_of(30).await;
    sqlx::query("DELETE FROM audit_leaves WHERE seq = 30")
        .execute(pool)
        .await
        .unwrap();
    let report = store.audit_verify(&key).await.unwrap();
    assert_eq!(report.first_bad, Some(30), "{report:?}");
    sqlx::query("INSERT INTO audit_leaves (seq, entry_id) VALUES (30, $1)")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    assert!(store.audit_verify(&key).await.unwrap().ok());

    // Inserted: a row slipped into the entries table outside the log. A plain insert is queued
    // for the sequencer by the table's trigger (and so joins the log where anyone sees it); a
    // forger who also removes it from the queue is named.
    sqlx::query("INSERT INTO audit_entries (id, time, action, object_type, outcome, request_id, entry_key, content) VALUES ((SELECT MAX(id) + 1 FROM audit_entries), 1, 'x', 'x', 'success', 'forged', 'forged', '{}')")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(store.audit_pending_count().await.unwrap(), 1, "the trigger queued it");
    sqlx::query(
        "DELETE FROM audit_pending WHERE entry_id IN (SELECT id FROM audit_entries WHERE entry_key = 'forged')",
    )
    .execute(pool)
    .await
    .unwrap();
    let report = store.audit_verify(&key).await.unwrap();
    assert!(
        !report.ok() && report.problems.iter().any(|p| p.contains("inserted outside the log")),
        "{report:?}"
    );
}
both_backends!(tampering, tampering_is_detected_and_named);

/// The columns searched without the content and the subject index are covered by the check:
/// each must say what the signed content says.
async fn indexed_columns_and_the_subject_index_are_verified(store: Store) {
    append(&store, 12).await;
    store.audit_sequence_all().await.unwrap();
    store.audit_checkpoint().await.unwrap();
    let key = store.audit_keys().unwrap().public();
    assert!(store.audit_verify(&key).await.unwrap().ok());
    let pool = store.pool();
    let entry_of = |seq: i64| entry_at(pool, seq);
    let run = |sql: &'static str, id: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
        }
    };
    let id = entry_of(4).await;
    for (tamper, undo, column) in [
        (
            "UPDATE audit_entries SET action = 'session.sign_in' WHERE id = $1",
            "UPDATE audit_entries SET action = 'applicant.read' WHERE id = $1",
            "action",
        ),
        (
            "UPDATE audit_entries SET department_id = 99 WHERE id = $1",
            "UPDATE audit_entries SET department_id = 2 WHERE id = $1",
            "department_id",
        ),
    ] {
        run(tamper, id).await;
        let report = store.audit_verify(&key).await.unwrap();
        assert_eq!(report.first_bad, Some(4), "{report:?}");
        assert!(report.problems.iter().any(|p| p.contains(column)), "{report:?}");
        run(undo, id).await;
        assert!(store.audit_verify(&key).await.unwrap().ok(), "{column} restored");
    }
    // The citizen's "who used my data" reads the subject index: emptying it is found.
    let before = store
        .audit_search(
            &AuditFilter {
                subject: Some("11010519491231002X".into()),
                ..Default::default()
            },
            Page::all(),
        )
        .await
        .unwrap()
        .len();
    assert_eq!(before, 6);
    run("DELETE FROM audit_subjects WHERE entry_id = $1", id).await;
    let report = store.audit_verify(&key).await.unwrap();
    assert_eq!(report.first_bad, Some(4), "{report:?}");
    assert!(
        report.problems.iter().any(|p| p.contains("subject index")),
        "{report:?}"
    );
}
both_backends!(indexed_columns, indexed_columns_and_the_subject_index_are_verified);

/// Entries waiting for their leaf index are reported, checked, and cannot be deleted unseen.
async fn pending_entries_are_reported_and_their_deletion_found(store: Store) {
    append(&store, 5).await;
    store.audit_sequence_all().await.unwrap();
    store.audit_checkpoint().await.unwrap();
    append(&store, 4).await;
    let key = store.audit_keys().unwrap().public();
    let report = store.audit_verify(&key).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!((report.entries, report.pending), (5, 4));
    let pool = store.pool();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT entry_id FROM audit_pending ORDER BY entry_id")
        .fetch_all(pool)
        .await
        .unwrap();
    // A pending entry in the middle, then the newest, deleted with its queue and index rows.
    for id in [ids[1], ids[3]] {
        for sql in [
            "DELETE FROM audit_pending WHERE entry_id = $1",
            "DELETE FROM audit_subjects WHERE entry_id = $1",
            "DELETE FROM audit_entries WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(pool).await.unwrap();
        }
        let report = store.audit_verify(&key).await.unwrap();
        assert!(
            report.problems.iter().any(|p| p.contains("missing (deleted)")),
            "deleting row {id}: {report:?}"
        );
    }
    // A pending entry's column changed is found before it is sequenced.
    sqlx::query("UPDATE audit_entries SET action = 'x' WHERE id = $1")
        .bind(ids[0])
        .execute(pool)
        .await
        .unwrap();
    let report = store.audit_verify(&key).await.unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("pending entry") && p.contains("action")),
        "{report:?}"
    );
}
both_backends!(pending_entries, pending_entries_are_reported_and_their_deletion_found);

/// A rolled-back change leaves no hole in the entry ids, so verification stays clean.
async fn rolled_back_entries_leave_no_gap(store: Store) {
    append(&store, 3).await;
    {
        let mut tx = store.begin().await.unwrap();
        store.audit_in(&mut tx, &event(7)).await.unwrap();
        tx.rollback().await.unwrap();
    }
    append(&store, 3).await;
    store.audit_sequence_all().await.unwrap();
    store.audit_checkpoint().await.unwrap();
    let key = store.audit_keys().unwrap().public();
    let report = store.audit_verify(&key).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.entries, 6);
}
both_backends!(rollbacks, rolled_back_entries_leave_no_gap);

#[tokio::test]
async fn refusals_and_failures_keep_their_outcome() {
    let t = yici_store::testkit::sqlite().await;
    let e = event(1).outcome(Outcome::Refused, "no grant");
    let id = t.store.audit_append(&e).await.unwrap();
    let stored = t.store.audit_entry(id).await.unwrap().unwrap();
    assert_eq!(stored.content.outcome, Outcome::Refused);
    assert_eq!(stored.content.detail.as_deref(), Some("no grant"));
    assert!(t.store.audit_storage_bytes().await.unwrap() > 0);
}

/// A writer whose writes fail reports it as unavailable (a server error), never as invalid input
/// from the caller, and the entry is not stored.
#[tokio::test]
async fn a_failed_group_commit_is_unavailable_not_invalid() {
    let t = yici_store::testkit::sqlite().await;
    let writer = AuditWriter::start(t.store.clone(), 1);
    writer.append(event(1)).await.unwrap();
    // The trigger that queues every entry for the sequencer now fails.
    sqlx::raw_sql("DROP TABLE audit_pending")
        .execute(t.store.pool())
        .await
        .unwrap();
    let err = writer.append(event(2)).await.unwrap_err();
    assert!(matches!(err, yici_store::StoreError::Unavailable(_)), "{err:?}");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_entries")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(stored, 1, "the failed group left nothing behind");
}

/// Many entries written at once (more than one statement holds) commit together, each queued for
/// the sequencer with its subjects indexed by the trigger.
async fn large_groups_are_queued_with_their_subjects(store: Store) {
    let events: Vec<AuditEvent> = (0..450).map(event).collect();
    let ids = store.audit_append_batch(&events).await.unwrap();
    assert_eq!(ids.len(), 450);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids in order");
    assert_eq!(store.audit_pending_count().await.unwrap(), 450);
    let found = store
        .audit_search(
            &AuditFilter {
                subject: Some("11010519491231002X".into()),
                ..Default::default()
            },
            Page::all(),
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 225, "every other entry is about this person");
    assert_eq!(store.audit_sequence_all().await.unwrap(), 450);
    assert_eq!(store.audit_pending_count().await.unwrap(), 0);
}
both_backends!(large_groups, large_groups_are_queued_with_their_subjects);
