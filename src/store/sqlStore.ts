/** SyncStateStore over either SQL engine: the queries are written once. */
import type { RowReject, RejectReason } from '../audience/rowModel';
import type { SyncReport } from '../shared';
import { BatchColumns, type EncodedBatch } from './batchRows';
import { bigOrNull, textOrNull, toBigInt, toNumber, type SqlEngine, type SqlRow, type SqlTx, type SqlValue } from './engine';
import type {
  Departure,
  ListState,
  MemberCursor,
  MemberHashes,
  MemberRow,
  MemberSource,
  ReadMember,
  RunRecord,
  SentMembers,
  StoredSnapshotRow,
  SnapshotRowRef,
  SnapshotSeal,
  StoredList,
  SyncStateStore,
} from './types';

/** Rows per statement for bulk writes: small enough to keep a SQLite write lock short. */
const CHUNK = 2000;
/** E-mail keys per `IN (…)` lookup. */
const KEYS_PER_QUERY = 500;
/**
 * A list's pending members (what recordSent appended) past which recordSent folds them into members: a fold
 * writes members in key order, so the pages it touches are written once per fold, not once per batch.
 */
export const FOLD_AT = 100_000;

/**
 * The last pending row of each e-mail of a list (ids up to a bound) that has a taken row among its pending ones,
 * in key order (the grouping's, sorted once): what a fold upserts. SQLite gives a group's bare columns from the
 * row holding its max(); the dedupe matters on PostgreSQL, where one upsert may not touch a row twice (a batch
 * resent after a retry).
 */
const LAST_PENDING = {
  sqlite: `SELECT account, list_id, email_key, email, row_hash, attr_hash, run_id, MAX(id) AS last_id FROM members_pending
    WHERE account = ? AND list_id = ? AND id <= ? GROUP BY email_key, email HAVING COUNT(row_hash) > 0 ORDER BY email_key, email`,
  postgres: `SELECT * FROM (SELECT DISTINCT ON (email_key, email) account, list_id, email_key, email, row_hash, attr_hash, run_id,
      COUNT(row_hash) OVER (PARTITION BY email_key, email) AS taken FROM members_pending
    WHERE account = ? AND list_id = ? AND id <= ? ORDER BY email_key, email, id DESC) last WHERE taken > 0`,
};

export class SqlSyncStateStore implements SyncStateStore {
  /** Run ids by run key (an id never changes once made). */
  private readonly runIds = new Map<string, SqlValue>();

  constructor(
    private readonly db: SqlEngine,
    private readonly foldAt = FOLD_AT,
  ) {}

  /**
   * On PostgreSQL, a transaction-long lock per list: shared by recordSent's appends, held alone by a fold. Ids
   * of rows not yet committed may lie below a committed row's: a fold that read past them would delete them unapplied.
   */
  private async listLock(tx: SqlTx, account: string, listId: string, mode: 'shared' | 'alone'): Promise<void> {
    if (this.db.engine !== 'postgres') return;
    const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
    await tx.all(`SELECT ${lock}(hashtext(?::text), hashtext(?::text))`, [account, listId]);
  }

  /**
   * Every reader of a list's members calls this first: the rows recordSent appended since the last fold join
   * members (a probe of an index when there are none).
   */
  private async settle(account: string, listId: string): Promise<void> {
    const pending = await this.db.all('SELECT 1 AS pending FROM members_pending WHERE account = ? AND list_id = ? LIMIT 1', [account, listId]);
    if (pending.length > 0) await this.db.transaction((tx) => this.fold(tx, account, listId));
  }

  /**
   * Applies a list's pending rows to members, in key order, as if each recordSent had written them: the last
   * taken row of an e-mail wins (its profile id forgotten); a refused row clears the hashes of a member that
   * exists, whether stored before or taken earlier in the pending rows. Refused rows go first: a later taken
   * row then overwrites what they cleared. A SQLite transaction holds the write lock; on PostgreSQL a fold
   * holds its list's lock alone (listLock), so no recordSent of the list is in flight: each of the fold's
   * statements sees the same pending rows, and it deletes only rows it applied.
   */
  private async fold(tx: SqlTx, account: string, listId: string): Promise<void> {
    await this.listLock(tx, account, listId, 'alone');
    const [{ last }] = (await tx.all('SELECT MAX(id) AS last FROM members_pending WHERE account = ? AND list_id = ?', [account, listId])) as [SqlRow];
    if (last === null || last === undefined) return;
    const list = [account, listId];
    await tx.run(
      `UPDATE members SET row_hash = NULL, attr_hash = NULL WHERE account = ? AND list_id = ? AND (email_key, email) IN
         (SELECT email_key, email FROM members_pending WHERE account = ? AND list_id = ? AND id <= ? AND row_hash IS NULL)`,
      [...list, ...list, last],
    );
    // WHERE true: SQLite would read the ON of ON CONFLICT as a join's (its documented upsert ambiguity).
    await tx.run(
      `INSERT INTO members (account, list_id, email_key, email, row_hash, attr_hash, run_id)
       SELECT account, list_id, email_key, email, row_hash, attr_hash, run_id FROM (${LAST_PENDING[this.db.engine]}) p WHERE true
       ON CONFLICT (account, list_id, email_key, email) DO UPDATE SET row_hash = excluded.row_hash, attr_hash = excluded.attr_hash,
         run_id = excluded.run_id, profile_id = NULL`,
      [...list, last],
    );
    await tx.run('DELETE FROM members_pending WHERE account = ? AND list_id = ? AND id <= ?', [...list, last]);
  }

  /**
   * Scratch rows and members name their run by a small id, not the run key (70 characters in every row and
   * index entry). A writer makes the id on first use; a reader of a run without one gets 0, which no row has.
   * Resolved before a transaction: the SQLite engine runs one statement at a time, a transaction's included.
   */
  private async runId(runKey: string, make = false): Promise<SqlValue> {
    const known = this.runIds.get(runKey);
    if (known !== undefined) return known;
    if (make) await this.db.run('INSERT INTO run_ids (run_key) VALUES (?) ON CONFLICT (run_key) DO NOTHING', [runKey]);
    const [row] = await this.db.all('SELECT id FROM run_ids WHERE run_key = ?', [runKey]);
    if (!row) return 0;
    this.runIds.set(runKey, row.id!);
    return row.id!;
  }

  get engine() {
    return this.db.engine;
  }

  get location() {
    return this.db.location;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  async listState(account: string, listId: string): Promise<ListState | undefined> {
    const [list] = await this.db.all('SELECT verified_at FROM lists WHERE account = ? AND list_id = ?', [account, listId]);
    if (!list) return undefined;
    return { verifiedAt: list.verified_at === null ? null : toNumber(list.verified_at), members: await this.countMembers(account, listId) };
  }

  async touchList(account: string, listId: string, listName: string | null, verifiedAt?: number): Promise<void> {
    await this.db.run(
      `INSERT INTO lists (account, list_id, list_name, verified_at, synced_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account, list_id) DO UPDATE SET list_name = COALESCE(excluded.list_name, lists.list_name),
         verified_at = COALESCE(excluded.verified_at, lists.verified_at), synced_at = excluded.synced_at`,
      [account, listId, listName, verifiedAt ?? null, Date.now()],
    );
  }

  async memberPage(account: string, listId: string, source: MemberSource, after: MemberCursor | undefined, limit: number): Promise<MemberRow[]> {
    await this.settle(account, listId);
    const from = after ?? { emailKey: -(2n ** 63n), email: '' };
    // The key seeks to `email_key >= ?`; the row-value comparison, not `key > ? OR (key = ? AND email > ?)`,
    // then skips the page's last e-mails (the OR form scans the list from its start on every page: quadratic,
    // 90 s for 1M members).
    const rows =
      source.kind === 'stored'
        ? await this.db.all(
            `SELECT email, email_key, profile_id, row_hash, attr_hash FROM members
             WHERE account = ? AND list_id = ? AND email_key >= ? AND (email_key, email) > (?, ?)
             ORDER BY email_key, email LIMIT ?`,
            [account, listId, from.emailKey, from.emailKey, from.email, limit],
          )
        : await this.db.all(
            `SELECT r.email, r.email_key, r.profile_id, m.row_hash, m.attr_hash FROM run_members r
             LEFT JOIN members m ON m.account = ? AND m.list_id = ? AND m.email_key = r.email_key AND m.email = r.email
             WHERE r.run_id = ? AND r.email IS NOT NULL AND (r.email_key, r.email) > (?, ?)
             ORDER BY r.email_key, r.email LIMIT ?`,
            [account, listId, await this.runId(source.runKey), from.emailKey, from.email, limit],
          );
    return rows.map(toMember);
  }

  async memberHashPage(account: string, listId: string, after: bigint | undefined, limit: number): Promise<MemberHashes[]> {
    await this.settle(account, listId);
    // In the members' key order, the order they are stored in (on PostgreSQL: from the key's index alone, which
    // holds the hashes; a lookup in the table per member cost a 1M-member refresh ~3 s of CPU).
    const select = 'SELECT email_key, row_hash, attr_hash FROM members WHERE account = ? AND list_id = ?';
    const page =
      after === undefined
        ? await this.db.all(`${select} ORDER BY email_key LIMIT ?`, [account, listId, limit])
        : await this.db.all(`${select} AND email_key > ? ORDER BY email_key LIMIT ?`, [account, listId, after, limit]);
    if (page.length === limit) {
      // The limit may cut between two e-mails sharing the last key (rare): that key's members come whole.
      const lastKey = page[page.length - 1]!.email_key!;
      while (page.length > 0 && page[page.length - 1]!.email_key === lastKey) page.pop();
      page.push(...(await this.db.all(`${select} AND email_key = ?`, [account, listId, lastKey])));
    }
    return page.map((r) => ({ emailKey: toBigInt(r.email_key), rowHash: bigOrNull(r.row_hash), attrHash: bigOrNull(r.attr_hash) }));
  }

  async membersByKeys(account: string, listId: string, emailKeys: bigint[]): Promise<MemberRow[]> {
    await this.settle(account, listId);
    const members: MemberRow[] = [];
    const sorted = [...emailKeys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < sorted.length; i += KEYS_PER_QUERY) {
      const keys = sorted.slice(i, i + KEYS_PER_QUERY);
      const rows = await this.db.all(
        `SELECT email, email_key, profile_id, row_hash, attr_hash FROM members
         WHERE account = ? AND list_id = ? AND email_key IN (${keys.map(() => '?').join(', ')}) ORDER BY email_key, email`,
        [account, listId, ...keys],
      );
      for (const r of rows) members.push(toMember(r));
    }
    return members;
  }

  async countMembers(account: string, listId: string): Promise<number> {
    await this.settle(account, listId);
    const [row] = await this.db.all('SELECT COUNT(*) AS n FROM members WHERE account = ? AND list_id = ?', [account, listId]);
    return toNumber(row!.n);
  }

  async recordSent(account: string, listId: string, runKey: string, rows: SentMembers): Promise<void> {
    // Appended as sent (refused rows without hashes), folded into members later in key order (fold): writing a
    // batch's members in place touched thousands of pages a batch, each written to the WAL again at every commit.
    const runId = await this.runId(runKey, true);
    const span = await this.db.transaction(async (tx) => {
      await this.listLock(tx, account, listId, 'shared');
      for (let i = 0; i < rows.length; i += CHUNK) {
        await tx.insert(
          {
            table: 'members_pending',
            columns: [['account', 'text'], ['list_id', 'text'], ['email', 'text'], ['email_key', 'bigint'], ['row_hash', 'bigint'], ['attr_hash', 'bigint'], ['run_id', 'bigint']],
          },
          Array.from({ length: Math.min(CHUNK, rows.length - i) }, (_, j) => {
            const r = rows.at(i + j)!;
            return [account, listId, r.email, r.emailKey, r.rowHash, r.attrHash, runId];
          }),
        );
      }
      // The span of the list's pending ids: their number, or more when other lists' rows lie between (two seeks).
      const [row] = await tx.all('SELECT MAX(id) - MIN(id) + 1 AS span FROM members_pending WHERE account = ? AND list_id = ?', [account, listId]);
      return row!.span === null ? 0 : toNumber(row!.span);
    });
    // In a transaction of its own: on PostgreSQL a fold waits for the list's appends in flight to commit.
    if (span >= this.foldAt) await this.db.transaction((tx) => this.fold(tx, account, listId));
  }

  async setProfileIds(account: string, listId: string, pairs: { email: string; emailKey: bigint; profileId: string }[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.fold(tx, account, listId);
      for (const p of pairs) {
        await tx.run('UPDATE members SET profile_id = ? WHERE account = ? AND list_id = ? AND email_key = ? AND email = ?', [
          p.profileId,
          account,
          listId,
          p.emailKey,
          p.email,
        ]);
      }
    });
  }

  async forgetMembers(account: string, listId: string, members: { email: string; emailKey: bigint }[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      // A pending row of a forgotten e-mail must not bring it back at the next fold.
      await this.fold(tx, account, listId);
      for (const m of members) await tx.run('DELETE FROM members WHERE account = ? AND list_id = ? AND email_key = ? AND email = ?', [account, listId, m.emailKey, m.email]);
    });
  }

  async putReadMembers(runKey: string, members: ReadMember[]): Promise<void> {
    const runId = await this.runId(runKey, true);
    await this.db.insert(
      {
        table: 'run_members',
        columns: [['run_id', 'bigint'], ['profile_id', 'text'], ['email', 'text'], ['email_key', 'bigint']],
        onConflict: 'ON CONFLICT (run_id, profile_id) DO NOTHING',
      },
      members.map((m) => [runId, m.profileId, m.email, m.emailKey]),
    );
  }

  async readDrift(account: string, listId: string, runKey: string): Promise<{ listed: number; strangers: number; missing: number }> {
    await this.settle(account, listId);
    const runId = await this.runId(runKey);
    const [row] = await this.db.all(
      `SELECT
         (SELECT COUNT(*) FROM run_members r WHERE r.run_id = ?) AS listed,
         (SELECT COUNT(*) FROM run_members r WHERE r.run_id = ? AND NOT EXISTS
            (SELECT 1 FROM members m WHERE m.account = ? AND m.list_id = ? AND m.email_key = r.email_key AND m.email = r.email)) AS strangers,
         (SELECT COUNT(*) FROM members m WHERE m.account = ? AND m.list_id = ? AND NOT EXISTS
            (SELECT 1 FROM run_members r WHERE r.run_id = ? AND r.email_key = m.email_key AND r.email = m.email)) AS missing`,
      [runId, runId, account, listId, account, listId, runId],
    );
    return { listed: toNumber(row!.listed), strangers: toNumber(row!.strangers), missing: toNumber(row!.missing) };
  }

  async applyReadMembers(account: string, listId: string, runKey: string): Promise<void> {
    const runId = await this.runId(runKey);
    await this.db.transaction(async (tx) => {
      await this.fold(tx, account, listId);
      await tx.run(
        `DELETE FROM members WHERE account = ? AND list_id = ? AND NOT EXISTS
           (SELECT 1 FROM run_members r WHERE r.run_id = ? AND r.email_key = members.email_key AND r.email = members.email)`,
        [account, listId, runId],
      );
      await tx.run(
        `INSERT INTO members (account, list_id, email, email_key, profile_id)
         SELECT ?, ?, r.email, r.email_key, r.profile_id FROM run_members r WHERE r.run_id = ? AND r.email IS NOT NULL
         ORDER BY r.email_key, r.email
         ON CONFLICT (account, list_id, email_key, email) DO UPDATE SET profile_id = excluded.profile_id`,
        [account, listId, runId],
      );
    });
  }

  async readMembersWithoutEmail(runKey: string): Promise<string[]> {
    const rows = await this.db.all('SELECT profile_id FROM run_members WHERE run_id = ? AND email IS NULL ORDER BY profile_id', [await this.runId(runKey)]);
    return rows.map((r) => String(r.profile_id));
  }

  async saveRun(run: RunRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO runs (run_key, workflow_id, account, list_id, list_name, dry_run, started_at, finished_at, report)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_key) DO UPDATE SET account = excluded.account, list_id = COALESCE(excluded.list_id, runs.list_id),
         list_name = COALESCE(excluded.list_name, runs.list_name), finished_at = COALESCE(excluded.finished_at, runs.finished_at),
         report = COALESCE(excluded.report, runs.report)`,
      [
        run.runKey,
        run.workflowId,
        run.account,
        run.listId,
        run.listName,
        run.dryRun ? 1 : 0,
        run.startedAt,
        run.finishedAt ?? null,
        run.report ? JSON.stringify(run.report) : null,
      ],
    );
  }

  async getRun(runKey: string): Promise<RunRecord | undefined> {
    const [row] = await this.db.all('SELECT * FROM runs WHERE run_key = ?', [runKey]);
    return row && toRun(row);
  }

  async latestRun(workflowId: string): Promise<RunRecord | undefined> {
    const [row] = await this.db.all('SELECT * FROM runs WHERE workflow_id = ? ORDER BY started_at DESC LIMIT 1', [workflowId]);
    return row && toRun(row);
  }

  async recentRuns(limit: number): Promise<RunRecord[]> {
    return (await this.db.all('SELECT * FROM runs ORDER BY started_at DESC LIMIT ?', [limit])).map(toRun);
  }

  async storedLists(): Promise<StoredList[]> {
    for (const list of await this.db.all('SELECT DISTINCT account, list_id FROM members_pending')) await this.settle(String(list.account), String(list.list_id));
    // Few lists, few runs each: a subquery per list finds its latest run (runs has no index by list).
    const rows = await this.db.all(
      `SELECT l.account AS l_account, l.list_id AS l_list_id, l.list_name AS l_list_name, l.synced_at AS l_synced_at,
         (SELECT COUNT(*) FROM members m WHERE m.account = l.account AND m.list_id = l.list_id) AS l_members, r.*
       FROM lists l LEFT JOIN runs r ON r.run_key =
         (SELECT run_key FROM runs WHERE account = l.account AND list_id = l.list_id AND dry_run = 0 ORDER BY started_at DESC LIMIT 1)
       ORDER BY COALESCE(l.list_name, l.list_id), l.list_id`,
    );
    return rows.map((row) => ({
      account: String(row.l_account),
      listId: String(row.l_list_id),
      listName: textOrNull(row.l_list_name),
      syncedAt: new Date(toNumber(row.l_synced_at)).toISOString(),
      members: toNumber(row.l_members),
      ...(row.run_key !== null && { lastRun: toRun(row) }),
    }));
  }

  async putRejects(runKey: string, rejects: RowReject[]): Promise<void> {
    for (let i = 0; i < rejects.length; i += CHUNK) {
      await this.db.insert(
        {
          table: 'run_rejects',
          columns: [['run_key', 'text'], ['source_row', 'bigint'], ['email', 'text'], ['reason', 'text'], ['field', 'text'], ['message', 'text']],
          onConflict:
            'ON CONFLICT (run_key, source_row) DO UPDATE SET email = excluded.email, reason = excluded.reason, field = excluded.field, message = excluded.message',
        },
        dedupe(rejects.slice(i, i + CHUNK), (r) => r.row).map((r) => [runKey, r.row, r.email ?? null, r.reason, r.field ?? null, r.message]),
      );
    }
  }

  async rejectPage(runKey: string, afterRow: number, limit: number): Promise<RowReject[]> {
    const rows = await this.db.all(
      'SELECT source_row, email, reason, field, message FROM run_rejects WHERE run_key = ? AND source_row > ? ORDER BY source_row LIMIT ?',
      [runKey, afterRow, limit],
    );
    return rows.map((r) => {
      const reject: RowReject = { row: toNumber(r.source_row), reason: String(r.reason) as RejectReason, message: String(r.message) };
      if (r.email !== null) reject.email = String(r.email);
      if (r.field !== null) reject.field = String(r.field);
      return reject;
    });
  }

  async countRejects(runKey: string): Promise<number> {
    const [row] = await this.db.all('SELECT COUNT(*) AS n FROM run_rejects WHERE run_key = ?', [runKey]);
    return toNumber(row!.n);
  }

  async putSnapshotBatch(runKey: string, batch: number, encoded: EncodedBatch): Promise<void> {
    await this.db.run(
      `INSERT INTO run_batches (run_id, batch, profiles, body) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id, batch) DO UPDATE SET profiles = excluded.profiles, body = excluded.body`,
      [await this.runId(runKey, true), batch, encoded.rows, encoded.bytes],
    );
  }

  async supersedeSnapshotRows(runKey: string, rows: SnapshotRowRef[]): Promise<void> {
    const runId = await this.runId(runKey, true);
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.db.insert(
        {
          table: 'run_superseded',
          columns: [['run_id', 'bigint'], ['batch', 'bigint'], ['email_key', 'bigint']],
          onConflict: 'ON CONFLICT (run_id, batch, email_key) DO NOTHING',
        },
        dedupe(rows.slice(i, i + CHUNK), (r) => `${r.batch}/${r.emailKey}`).map((r) => [runId, r.batch, r.emailKey]),
      );
    }
  }

  async snapshotBatch(runKey: string, batch: number, opts: { withSuperseded?: boolean } = {}): Promise<StoredSnapshotRow[] | undefined> {
    return (await this.snapshotBatchColumns(runKey, batch, opts))?.rows(batch);
  }

  async snapshotBatchColumns(runKey: string, batch: number, opts: { withSuperseded?: boolean } = {}): Promise<BatchColumns | undefined> {
    const runId = await this.runId(runKey);
    const [row] = await this.db.all('SELECT body FROM run_batches WHERE run_id = ? AND batch = ?', [runId, batch]);
    if (!row) return undefined;
    const superseded = opts.withSuperseded
      ? []
      : await this.db.all('SELECT email_key FROM run_superseded WHERE run_id = ? AND batch = ?', [runId, batch]);
    return BatchColumns.decode(row.body as Buffer, superseded.length > 0 ? new Set(superseded.map((r) => toBigInt(r.email_key))) : undefined);
  }

  async clearSnapshot(runKey: string): Promise<void> {
    await this.deleteScratch(await this.runId(runKey), SNAPSHOT_TABLES);
  }

  async sealSnapshot(runKey: string, seal: SnapshotSeal): Promise<void> {
    await this.db.run(
      `INSERT INTO run_seals (run_key, sealed, waits, done) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_key) DO UPDATE SET sealed = excluded.sealed, waits = excluded.waits, done = excluded.done
       WHERE excluded.sealed > run_seals.sealed OR excluded.done > run_seals.done`,
      [runKey, seal.sealed, JSON.stringify(seal.waits), seal.done ? 1 : 0],
    );
  }

  async snapshotSeal(runKey: string): Promise<SnapshotSeal> {
    const [row] = await this.db.all('SELECT sealed, waits, done FROM run_seals WHERE run_key = ?', [runKey]);
    if (!row) return { sealed: 0, waits: [] };
    return { sealed: toNumber(row.sealed), waits: JSON.parse(String(row.waits)) as [number, number][], ...(toNumber(row.done) === 1 && { done: true }) };
  }

  async putDepartures(runKey: string, rows: Departure[]): Promise<void> {
    const runId = await this.runId(runKey, true);
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.db.insert(
        {
          table: 'run_departures',
          columns: [['run_id', 'bigint'], ['seq', 'bigint'], ['email', 'text'], ['profile_id', 'text']],
          onConflict: 'ON CONFLICT (run_id, seq) DO UPDATE SET email = excluded.email, profile_id = excluded.profile_id',
        },
        rows.slice(i, i + CHUNK).map((d) => [runId, d.seq, d.email, d.profileId]),
      );
    }
  }

  async departurePage(runKey: string, afterSeq: number, limit: number): Promise<Departure[]> {
    const rows = await this.db.all('SELECT seq, email, profile_id FROM run_departures WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?', [
      await this.runId(runKey),
      afterSeq,
      limit,
    ]);
    return rows.map((r) => ({ seq: toNumber(r.seq), email: textOrNull(r.email), profileId: textOrNull(r.profile_id) }));
  }

  async clearScratch(runKey: string): Promise<void> {
    await this.deleteScratch(await this.runId(runKey), [...SNAPSHOT_TABLES, ...OTHER_SCRATCH_TABLES]);
    await this.db.run('DELETE FROM run_seals WHERE run_key = ?', [runKey]);
  }

  /**
   * A first sync's scratch is large: deleted a slice at a time, so no statement holds the store (or, with
   * SQLite, the worker's event loop) for long. Slices go in storage order: by physical row (PostgreSQL), by
   * primary key (SQLite, where rows were written in its order). By e-mail they cost six times the CPU: every
   * delete a random seek in the table and its other indexes.
   */
  private async deleteScratch(runId: SqlValue, tables: readonly ScratchTable[]): Promise<void> {
    for (const { table, key, slice } of tables) {
      const sql =
        this.db.engine === 'postgres'
          ? `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE run_id = ? LIMIT ${slice})`
          : `DELETE FROM ${table} WHERE run_id = ? AND (${key}) IN (SELECT ${key} FROM ${table} WHERE run_id = ? ORDER BY ${key} LIMIT ${slice})`;
      const params = this.db.engine === 'postgres' ? [runId] : [runId, runId];
      while ((await this.db.run(sql, params)) > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async pruneScratch(before: string): Promise<void> {
    const stale = await this.db.all('SELECT run_key FROM runs WHERE started_at < ? AND finished_at IS NULL', [before]);
    for (const run of stale) await this.clearScratch(String(run.run_key));
  }
}

/** A run scratch table keyed by run_id, the rest of its primary key, and the rows deleted per statement. */
interface ScratchTable {
  table: string;
  key: string;
  slice: number;
}

/** The snapshot: a batch row holds up to ~5 MB (its pages freed one by one as it goes). */
const SNAPSHOT_TABLES: ScratchTable[] = [
  { table: 'run_batches', key: 'batch', slice: 4 },
  { table: 'run_superseded', key: 'batch, email_key', slice: CHUNK },
];
/** The departures and a membership read. */
const OTHER_SCRATCH_TABLES: ScratchTable[] = [
  { table: 'run_departures', key: 'seq', slice: CHUNK },
  { table: 'run_members', key: 'profile_id', slice: CHUNK },
];

function toMember(r: SqlRow): MemberRow {
  return {
    email: String(r.email),
    emailKey: toBigInt(r.email_key),
    profileId: textOrNull(r.profile_id),
    rowHash: bigOrNull(r.row_hash),
    attrHash: bigOrNull(r.attr_hash),
  };
}

function toRun(row: SqlRow): RunRecord {
  return {
    runKey: String(row.run_key),
    workflowId: String(row.workflow_id),
    account: String(row.account),
    listId: textOrNull(row.list_id),
    listName: textOrNull(row.list_name),
    dryRun: toNumber(row.dry_run) === 1,
    startedAt: String(row.started_at),
    finishedAt: textOrNull(row.finished_at),
    report: row.report === null ? null : (JSON.parse(String(row.report)) as SyncReport),
  };
}

/** The last item of each key, in first-seen order. */
function dedupe<T>(items: T[], key: (item: T) => SqlValue): T[] {
  const last = new Map<SqlValue, T>();
  for (const item of items) {
    const k = key(item);
    last.delete(k);
    last.set(k, item);
  }
  return [...last.values()];
}
