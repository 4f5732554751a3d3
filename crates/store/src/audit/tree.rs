//! Sequencing entries into the Merkle tree, signing checkpoints, proofs, export, and
//! verification of the stored log.

use crate::{Result, Store, StoreError, get_i64, get_str, now_micros};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::HashMap;
use yici_crypto::auditlog::{Checkpoint, Export, ProvedEntry};
use yici_crypto::merkle::{self, Frontier, Hash};
use yici_crypto::sm2::PublicKeyInfo;

/// Entries sequenced per write transaction: small enough that the transaction holds the
/// database's write lock for a few milliseconds (SQLite has one writer at a time, and the
/// audit writer waits for it), large enough to spread its fixed cost.
pub(crate) const SEQUENCE_STEP: i64 = 500;

/// What one sequencing step writes, whichever connection writes it.
pub(crate) struct SequencePlan {
    /// (leaf index, entry id)
    pub leaves: Vec<(i64, i64)>,
    /// The new perfect-subtree hashes, leaves included: (level, index, hash).
    pub nodes: Vec<(u32, u64, Hash)>,
    /// The tree's size afterwards.
    pub size: u64,
}

impl SequencePlan {
    /// Append `pending` (entry id, content), in order, to the tree of `size` leaves whose
    /// frontier nodes ([`Frontier::needed_at`]) are given.
    pub(crate) fn new(size: u64, frontier_nodes: &HashMap<(u32, u64), Hash>, pending: &[(i64, String)]) -> Self {
        let mut frontier = Frontier::at(size, frontier_nodes);
        let mut leaves = Vec::with_capacity(pending.len());
        let mut nodes = Vec::with_capacity(pending.len() * 2);
        for (entry_id, content) in pending {
            let seq = frontier.size();
            nodes.extend(frontier.push(merkle::leaf_hash(seq, content.as_bytes())));
            leaves.push((seq as i64, *entry_id));
        }
        SequencePlan {
            leaves,
            nodes,
            size: frontier.size(),
        }
    }
}

/// The pending entries to sequence next, oldest first, with their content.
pub(crate) const PENDING_SQL: &str = "SELECT p.entry_id, e.content FROM audit_pending p JOIN audit_entries e ON e.id = p.entry_id ORDER BY p.entry_id LIMIT $1";
/// The oldest and the newest pending entry's id (NULL when none is pending).
pub(crate) const OLDEST_PENDING_SQL: &str = "SELECT MIN(entry_id) FROM audit_pending";
pub(crate) const NEWEST_PENDING_SQL: &str = "SELECT MAX(entry_id) FROM audit_pending";
/// Take sequenced entries (those with a leaf from index `$1` on) off the queue.
pub(crate) const UNQUEUE_SQL: &str =
    "DELETE FROM audit_pending WHERE entry_id IN (SELECT entry_id FROM audit_leaves WHERE seq >= $1)";

/// The most entries one export may hold.
pub const MAX_EXPORT: u64 = 100_000;

fn hash_of(row: &AnyRow, col: &str) -> Result<Hash> {
    let bytes: Vec<u8> = row.try_get(col)?;
    <Hash>::try_from(bytes.as_slice())
        .map_err(|_| StoreError::Invalid(format!("stored hash in {col} has {} bytes", bytes.len())))
}

/// Fetch the given `(level, index)` nodes.
async fn fetch_nodes(conn: &mut AnyConnection, keys: &[(u32, u64)]) -> Result<HashMap<(u32, u64), Hash>> {
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(200) {
        let mut sql = String::from("SELECT level, idx, hash FROM audit_nodes WHERE ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str(&format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2));
        }
        // Only numbered placeholders are interpolated; the values are bound. Not kept prepared:
        // the number of nodes varies, and a connection would keep one statement per count.
        let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(false);
        for (level, idx) in chunk {
            q = q.bind(*level as i64).bind(*idx as i64);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let key = (get_i64(&row, "level")? as u32, get_i64(&row, "idx")? as u64);
            out.insert(key, hash_of(&row, "hash")?);
        }
    }
    if let Some(missing) = keys.iter().find(|k| !out.contains_key(k)) {
        return Err(StoreError::Invalid(format!("audit tree node {missing:?} is missing")));
    }
    Ok(out)
}

/// Multi-row insert of `rows` (each `width` bound values) in chunks.
async fn insert_rows<T, F>(
    conn: &mut AnyConnection,
    dialect: crate::Dialect,
    head: &str,
    width: usize,
    rows: &[T],
    bind: F,
) -> Result<()>
where
    F: for<'q> Fn(
        sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
        &T,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
{
    for chunk in rows.chunks(300) {
        let mut sql = String::from(head);
        for (i, _) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { " (" } else { ", (" });
            for j in 0..width {
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&dialect.placeholder(i * width + j + 1));
            }
            sql.push(')');
        }
        // Not kept prepared: one statement per row count would pile up in each connection.
        let mut q = sqlx::query(AssertSqlSafe(sql)).persistent(false);
        for r in chunk {
            q = bind(q, r);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

fn checkpoint(row: &AnyRow) -> Result<Checkpoint> {
    let root = hash_of(row, "root")?;
    let sig: Vec<u8> = row.try_get("signature")?;
    Ok(Checkpoint {
        size: get_i64(row, "size")? as u64,
        root: hex::encode(root),
        time: get_i64(row, "time")?,
        key_id: get_str(row, "key_id")?,
        signature: B64.encode(sig),
    })
}

/// The columns of `audit_entries` that are read without the content (searches, the citizen's
/// list): each must say what the signed content says.
macro_rules! indexed_columns {
    () => {
        "e.time AS c_time, e.action AS c_action, e.object_type AS c_object_type, e.user_id AS c_user_id, \
         e.system_id AS c_system_id, e.department_id AS c_department_id, e.applicant_id AS c_applicant_id, \
         e.outcome AS c_outcome, e.request_id AS c_request_id"
    };
}

/// What differs between an entry's content and its indexed columns and subject-index rows.
fn index_problems(
    r: &sqlx::any::AnyRow,
    content: &str,
    indexed_subjects: Option<&std::collections::BTreeSet<String>>,
) -> Result<Vec<String>> {
    let Ok(c) = yici_core::audit::EntryContent::parse(content.as_bytes()) else {
        return Ok(vec!["its content is not readable".to_string()]);
    };
    let mut problems = Vec::new();
    let mut differs = |column: &str, same: bool| {
        if !same {
            problems.push(format!("its {column} column differs from its signed content"));
        }
    };
    differs("time", r.try_get::<i64, _>("c_time")? == c.time);
    differs("action", r.try_get::<String, _>("c_action")? == c.action);
    differs("object_type", r.try_get::<String, _>("c_object_type")? == c.object_type);
    differs("user_id", r.try_get::<Option<i64>, _>("c_user_id")? == c.actor.user_id);
    differs(
        "system_id",
        r.try_get::<Option<i64>, _>("c_system_id")? == c.actor.system_id,
    );
    differs(
        "department_id",
        r.try_get::<Option<i64>, _>("c_department_id")? == c.actor.department_id,
    );
    differs(
        "applicant_id",
        r.try_get::<Option<i64>, _>("c_applicant_id")? == c.actor.applicant_id,
    );
    differs("outcome", r.try_get::<String, _>("c_outcome")? == c.outcome.code());
    differs("request_id", r.try_get::<String, _>("c_request_id")? == c.request_id);
    let signed: std::collections::BTreeSet<String> = c.subjects.iter().cloned().collect();
    let empty = std::collections::BTreeSet::new();
    let indexed = indexed_subjects.unwrap_or(&empty);
    if &signed != indexed {
        problems.push(format!(
            "its subject index has {} rows where its content names {} subjects",
            indexed.len(),
            signed.len()
        ));
    }
    Ok(problems)
}

/// The outcome of [`Store::audit_verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries: u64,
    pub checkpoints: usize,
    /// Entries written but not yet given a leaf index (checked all the same).
    pub pending: u64,
    /// The index (or, for unlogged rows, the entry id) of the first bad entry.
    pub first_bad: Option<u64>,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Store {
    /// The number of sequenced entries.
    pub async fn audit_size(&self) -> Result<u64> {
        let row = sqlx::query("SELECT size FROM audit_head WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "size")? as u64)
    }

    /// Entries not yet sequenced.
    pub async fn audit_pending_count(&self) -> Result<u64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_pending")
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")? as u64)
    }

    /// Give up to `limit` pending entries their leaf index and extend the tree; returns how many.
    /// Runs under the lock on `audit_head`, so concurrent sequencers take turns.
    pub async fn audit_sequence(&self, limit: i64) -> Result<u64> {
        // Look before taking the lock, so an idle log costs no write transaction.
        if sqlx::query("SELECT entry_id FROM audit_pending LIMIT 1")
            .fetch_optional(self.pool())
            .await?
            .is_none()
        {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE audit_head SET size = size WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let size = get_i64(
            &sqlx::query("SELECT size FROM audit_head WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?,
            "size",
        )? as u64;
        let pending = sqlx::query(PENDING_SQL).bind(limit).fetch_all(&mut *tx).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let frontier_nodes = fetch_nodes(&mut tx, &Frontier::needed_at(size)).await?;
        let pending = pending
            .iter()
            .map(|row| Ok((get_i64(row, "entry_id")?, get_str(row, "content")?)))
            .collect::<Result<Vec<_>>>()?;
        let SequencePlan {
            leaves,
            nodes,
            size: new_size,
        } = SequencePlan::new(size, &frontier_nodes, &pending);
        insert_rows(
            &mut tx,
            self.dialect(),
            "INSERT INTO audit_leaves (seq, entry_id) VALUES",
            2,
            &leaves,
            |q, (s, e)| q.bind(*s).bind(*e),
        )
        .await?;
        insert_rows(
            &mut tx,
            self.dialect(),
            "INSERT INTO audit_nodes (level, idx, hash) VALUES",
            3,
            &nodes,
            |q, (l, i, h)| q.bind(*l as i64).bind(*i as i64).bind(h.to_vec()),
        )
        .await?;
        sqlx::query(UNQUEUE_SQL).bind(size as i64).execute(&mut *tx).await?;
        sqlx::query("UPDATE audit_head SET size = $1 WHERE id = 1")
            .bind(new_size as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(leaves.len() as u64)
    }

    /// Sequence every entry pending now (oldest first, a step at a time); returns how many
    /// entries were sequenced meanwhile. Entries arriving meanwhile may be sequenced too, but are
    /// not waited for, so a steady stream of new entries cannot keep the caller waiting.
    pub async fn audit_sequence_all(&self) -> Result<u64> {
        let bound = |sql: &'static str| async move {
            let row = sqlx::query(sql).fetch_one(self.pool()).await?;
            Ok::<_, StoreError>(row.try_get::<Option<i64>, _>(0)?)
        };
        let Some(through) = bound(NEWEST_PENDING_SQL).await? else {
            return Ok(0);
        };
        let mut total = 0;
        loop {
            total += self.audit_sequence(SEQUENCE_STEP).await?;
            let oldest = bound(OLDEST_PENDING_SQL).await?;
            if oldest.is_none_or(|o| o > through) {
                return Ok(total);
            }
        }
    }

    /// Sign the current tree head (once per size: asking again returns the stored one).
    pub async fn audit_checkpoint(&self) -> Result<Checkpoint> {
        let keys = self.audit_keys()?;
        let mut conn = self.pool().acquire().await?;
        let size = get_i64(
            &sqlx::query("SELECT size FROM audit_head WHERE id = 1")
                .fetch_one(&mut *conn)
                .await?,
            "size",
        )? as u64;
        if let Some(cp) = self.audit_checkpoint_at(size).await? {
            return Ok(cp);
        }
        let wanted = merkle::needed(|n| {
            merkle::root(n, size);
        });
        let nodes = fetch_nodes(&mut conn, &wanted).await?;
        let root = merkle::root(&nodes, size);
        let cp = Checkpoint::sign(keys.signing(), size, &root, now_micros());
        let sig = B64.decode(&cp.signature).expect("we just encoded it");
        sqlx::query(
            "INSERT INTO audit_checkpoints (size, time, root, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (size) DO NOTHING",
        )
        .bind(size as i64)
        .bind(cp.time)
        .bind(root.to_vec())
        .bind(&cp.key_id)
        .bind(sig)
        .execute(&mut *conn)
        .await?;
        drop(conn);
        self.audit_checkpoint_at(size)
            .await?
            .ok_or(StoreError::NotFound("checkpoint"))
    }

    pub async fn audit_checkpoint_at(&self, size: u64) -> Result<Option<Checkpoint>> {
        let row = sqlx::query("SELECT size, time, root, key_id, signature FROM audit_checkpoints WHERE size = $1")
            .bind(size as i64)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(checkpoint).transpose()
    }

    pub async fn audit_latest_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let row =
            sqlx::query("SELECT size, time, root, key_id, signature FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
                .fetch_optional(self.pool())
                .await?;
        row.as_ref().map(checkpoint).transpose()
    }

    pub async fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        let rows = sqlx::query("SELECT size, time, root, key_id, signature FROM audit_checkpoints ORDER BY size")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(checkpoint).collect()
    }

    /// The entry at leaf `index` with its inclusion proof in the tree of `size` leaves.
    pub async fn audit_inclusion(&self, index: u64, size: u64) -> Result<ProvedEntry> {
        if index >= size {
            return Err(StoreError::Invalid(format!(
                "entry {index} is not in a tree of {size} entries"
            )));
        }
        Ok(self.audit_proved_range(index, index, size).await?.remove(0))
    }

    /// Entries `from..=to` with inclusion proofs in the tree of `size` leaves.
    async fn audit_proved_range(&self, from: u64, to: u64, size: u64) -> Result<Vec<ProvedEntry>> {
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(
            "SELECT l.seq, e.content FROM audit_leaves l JOIN audit_entries e ON e.id = l.entry_id WHERE l.seq >= $1 AND l.seq <= $2 ORDER BY l.seq",
        )
        .bind(from as i64)
        .bind(to as i64)
        .fetch_all(&mut *conn)
        .await?;
        if rows.len() as u64 != to - from + 1 {
            return Err(StoreError::NotFound("audit entry"));
        }
        let wanted = merkle::needed(|n| {
            for i in from..=to {
                merkle::inclusion_proof(n, i, size);
            }
        });
        let nodes = fetch_nodes(&mut conn, &wanted).await?;
        rows.iter()
            .map(|r| {
                let index = get_i64(r, "seq")? as u64;
                Ok(ProvedEntry {
                    index,
                    content: B64.encode(get_str(r, "content")?),
                    proof: merkle::inclusion_proof(&nodes, index, size)
                        .iter()
                        .map(hex::encode)
                        .collect(),
                })
            })
            .collect()
    }

    /// The consistency proof between the trees of `from` and `to` entries (hex hashes).
    pub async fn audit_consistency(&self, from: u64, to: u64) -> Result<Vec<String>> {
        let size = self.audit_size().await?;
        if from > to || to > size {
            return Err(StoreError::Invalid(format!(
                "sizes must satisfy from ≤ to ≤ {size}; got {from} and {to}"
            )));
        }
        let mut conn = self.pool().acquire().await?;
        let wanted = merkle::needed(|n| {
            merkle::consistency_proof(n, from, to);
        });
        let nodes = fetch_nodes(&mut conn, &wanted).await?;
        Ok(merkle::consistency_proof(&nodes, from, to)
            .iter()
            .map(hex::encode)
            .collect())
    }

    /// Entries `from..=to` with proofs against the latest checkpoint that covers them.
    pub async fn audit_export(&self, from: u64, to: u64) -> Result<Export> {
        if from > to {
            return Err(StoreError::Invalid(format!("the range {from}..{to} is out of order")));
        }
        if to - from + 1 > MAX_EXPORT {
            return Err(StoreError::Invalid(format!("at most {MAX_EXPORT} entries per export")));
        }
        let cp = self
            .audit_latest_checkpoint()
            .await?
            .ok_or(StoreError::NotFound("checkpoint"))?;
        if to >= cp.size {
            return Err(StoreError::Invalid(format!(
                "entry {to} is not covered by the latest checkpoint (size {}); make a checkpoint first",
                cp.size
            )));
        }
        let entries = self.audit_proved_range(from, to, cp.size).await?;
        Ok(Export::new(cp, entries))
    }

    /// Recompute the whole tree from storage and check every checkpoint and its signature.
    pub async fn audit_verify(&self, key: &PublicKeyInfo) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let checkpoints = self.audit_checkpoints().await?;
        report.checkpoints = checkpoints.len();
        let mut next_cp = checkpoints.iter().peekable();
        let mut last_good = 0u64;
        let mut frontier = Frontier::default();
        let bad = |report: &mut VerifyReport, index: u64, text: String| {
            report.first_bad = Some(report.first_bad.map_or(index, |b| b.min(index)));
            report.problems.push(text);
        };
        for cp in &checkpoints {
            if let Err(e) = cp.verify(key) {
                bad(&mut report, cp.size, format!("checkpoint of size {}: {e}", cp.size));
            }
        }
        // Checkpoints of the empty tree come before any entry.
        while let Some(cp) = next_cp.next_if(|cp| cp.size == 0) {
            if cp.root_hash().ok() != Some(merkle::empty_root()) {
                bad(
                    &mut report,
                    0,
                    "the checkpoint of the empty log has a wrong root".to_string(),
                );
            }
        }
        let mut expected = 0u64;
        loop {
            let rows = sqlx::query(concat!(
                "SELECT l.seq, l.entry_id, e.content, n.hash, ",
                indexed_columns!(),
                " FROM audit_leaves l
                 LEFT JOIN audit_entries e ON e.id = l.entry_id
                 LEFT JOIN audit_nodes n ON n.level = 0 AND n.idx = l.seq
                 WHERE l.seq >= $1 ORDER BY l.seq LIMIT 5000"
            ))
            .bind(expected as i64)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                break;
            }
            let first_seq = get_i64(&rows[0], "seq")?;
            let last_seq = get_i64(&rows[rows.len() - 1], "seq")?;
            let subjects = self
                .audit_subject_rows(
                    "SELECT s.entry_id, s.subject_digest FROM audit_subjects s
                     JOIN audit_leaves l ON l.entry_id = s.entry_id WHERE l.seq >= $1 AND l.seq <= $2",
                    first_seq,
                    last_seq,
                )
                .await?;
            for r in &rows {
                let seq = get_i64(r, "seq")? as u64;
                if seq != expected {
                    bad(
                        &mut report,
                        expected,
                        format!("entry {expected} is missing from the log (next index found: {seq})"),
                    );
                    expected = seq;
                }
                let content: Option<String> = r.try_get("content")?;
                let stored: Option<Vec<u8>> = r.try_get("hash")?;
                if let Some(c) = &content {
                    let entry_id = get_i64(r, "entry_id")?;
                    for problem in index_problems(r, c, subjects.get(&entry_id))? {
                        bad(&mut report, seq, format!("entry {seq}: {problem}"));
                    }
                }
                let leaf = match content {
                    Some(c) => merkle::leaf_hash(seq, c.as_bytes()),
                    None => {
                        bad(&mut report, seq, format!("entry {seq} was removed (its row is gone)"));
                        [0u8; 32]
                    }
                };
                if stored.as_deref() != Some(&leaf[..]) {
                    bad(
                        &mut report,
                        seq,
                        format!("entry {seq} was changed, inserted or moved: its content does not match its leaf"),
                    );
                }
                frontier.push(leaf);
                expected += 1;
                while let Some(cp) = next_cp.next_if(|cp| cp.size == frontier.size()) {
                    if cp.root_hash().ok() != Some(frontier.root()) {
                        // Name the range; an entry already found bad inside it stays the first.
                        let start = match report.first_bad {
                            Some(b) if b >= last_good && b < cp.size => b,
                            _ => last_good,
                        };
                        bad(
                            &mut report,
                            start,
                            format!(
                                "the tree of {} entries does not match its signed checkpoint: an entry in {}..{} was altered",
                                cp.size, last_good, cp.size
                            ),
                        );
                    } else {
                        last_good = cp.size;
                    }
                }
            }
        }
        report.entries = expected;
        let head = self.audit_size().await?;
        if head != expected {
            bad(
                &mut report,
                expected.min(head),
                format!("the log head says {head} entries, {expected} were found"),
            );
        }
        // Checkpoints left unmatched: beyond the entries found, entries were cut from the end;
        // within them, a missing leaf (named above) shifted the tree they cover.
        for cp in next_cp {
            let text = if cp.size > expected {
                format!(
                    "a checkpoint covers {} entries but only {expected} are in the log: entries were removed from its end",
                    cp.size
                )
            } else {
                format!(
                    "the checkpoint of {} entries cannot be matched: entries are missing from the log before it",
                    cp.size
                )
            };
            bad(&mut report, expected.min(cp.size), text);
        }
        self.audit_verify_pending(&mut report).await?;
        self.audit_verify_ids(&mut report).await?;
        let stray = sqlx::query(
            "SELECT MIN(e.id) AS first, COUNT(*) AS n FROM audit_entries e
             WHERE NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.entry_id = e.id)
               AND NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.entry_id = e.id)",
        )
        .fetch_one(self.pool())
        .await?;
        let n = get_i64(&stray, "n")?;
        if n > 0 {
            let first: Option<i64> = stray.try_get("first")?;
            bad(
                &mut report,
                expected,
                format!(
                    "{n} entries (from row {}) were inserted outside the log",
                    first.unwrap_or_default()
                ),
            );
        }
        Ok(report)
    }

    /// The subject index rows of the entries a query selects (by two bounds), by entry id.
    async fn audit_subject_rows(
        &self,
        sql: &'static str,
        from: i64,
        to: i64,
    ) -> Result<std::collections::HashMap<i64, std::collections::BTreeSet<String>>> {
        let rows = sqlx::query(sql).bind(from).bind(to).fetch_all(self.pool()).await?;
        let mut by_entry: std::collections::HashMap<i64, std::collections::BTreeSet<String>> = Default::default();
        for r in &rows {
            by_entry
                .entry(get_i64(r, "entry_id")?)
                .or_default()
                .insert(crate::get_str(r, "subject_digest")?);
        }
        Ok(by_entry)
    }

    /// Entries not yet sequenced: counted, and their indexed columns and subject rows checked
    /// against their content as for sequenced ones.
    async fn audit_verify_pending(&self, report: &mut VerifyReport) -> Result<()> {
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(concat!(
                "SELECT e.id AS entry_id, e.content, ",
                indexed_columns!(),
                " FROM audit_pending p JOIN audit_entries e ON e.id = p.entry_id
                 WHERE p.entry_id > $1 ORDER BY p.entry_id LIMIT 5000"
            ))
            .bind(after)
            .fetch_all(self.pool())
            .await?;
            let Some(last) = rows.last() else { break };
            let last_id = get_i64(last, "entry_id")?;
            let subjects = self
                .audit_subject_rows(
                    "SELECT s.entry_id, s.subject_digest FROM audit_subjects s
                     JOIN audit_pending p ON p.entry_id = s.entry_id WHERE p.entry_id > $1 AND p.entry_id <= $2",
                    after,
                    last_id,
                )
                .await?;
            for r in &rows {
                let id = get_i64(r, "entry_id")?;
                let content = crate::get_str(r, "content")?;
                for problem in index_problems(r, &content, subjects.get(&id))? {
                    report.first_bad.get_or_insert(report.entries);
                    report.problems.push(format!("pending entry (row {id}): {problem}"));
                }
            }
            report.pending += rows.len() as u64;
            after = last_id;
        }
        let orphans = sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_subjects s WHERE NOT EXISTS (SELECT 1 FROM audit_entries e WHERE e.id = s.entry_id)",
        )
        .fetch_one(self.pool())
        .await?;
        let n = get_i64(&orphans, "n")?;
        if n > 0 {
            report.first_bad.get_or_insert(report.entries);
            report
                .problems
                .push(format!("{n} rows of the subject index name entries that do not exist"));
        }
        Ok(())
    }

    /// Entry ids are gap-free (see migration 12): a missing id, or a highest id below the
    /// highest ever given, is an entry deleted, sequenced or not.
    async fn audit_verify_ids(&self, report: &mut VerifyReport) -> Result<()> {
        let mark = sqlx::query(self.dialect().audit_id_watermark())
            .fetch_one(self.pool())
            .await?;
        let (last, gap_free_after) = (get_i64(&mark, "last")?, get_i64(&mark, "gap_free_after")?);
        let gaps = sqlx::query(
            "SELECT e.id FROM audit_entries e WHERE e.id > $1 AND e.id < $2
               AND NOT EXISTS (SELECT 1 FROM audit_entries f WHERE f.id = e.id + 1)
             ORDER BY e.id LIMIT 10",
        )
        .bind(gap_free_after)
        .bind(last)
        .fetch_all(self.pool())
        .await?;
        let first = sqlx::query("SELECT MIN(id) AS first, MAX(id) AS last FROM audit_entries WHERE id > $1")
            .bind(gap_free_after)
            .fetch_one(self.pool())
            .await?;
        let lowest: Option<i64> = first.try_get("first")?;
        let highest: Option<i64> = first.try_get("last")?;
        let mut missing = Vec::new();
        if let Some(low) = lowest
            && low > gap_free_after + 1
        {
            missing.push(format!("{}..{}", gap_free_after + 1, low - 1));
        }
        for g in &gaps {
            missing.push(format!("after row {}", get_i64(g, "id")?));
        }
        match highest {
            Some(h) if h > last => {
                report.first_bad.get_or_insert(report.entries);
                report.problems.push(format!(
                    "entry rows up to id {h} were inserted beyond the highest id given ({last})"
                ));
            }
            _ if highest.unwrap_or(gap_free_after) < last => {
                missing.push(format!("{}..{last}", highest.unwrap_or(gap_free_after) + 1));
            }
            _ => {}
        }
        if !missing.is_empty() {
            report.first_bad.get_or_insert(report.entries);
            report
                .problems
                .push(format!("entry rows are missing (deleted): ids {}", missing.join(", ")));
        }
        Ok(())
    }
}
