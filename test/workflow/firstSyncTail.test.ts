/**
 * A first sync sends its batches while it plans; the batches the plan seals last go out as soon as the plan
 * is done, beside the early ones still waiting on their jobs (not after all of those have finished), and
 * status says `upserting` meanwhile. The early batches' jobs take 8 s, the plan well under that.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers } from '../support/audienceFiles';
import { uploadEvents } from '../support/history';

/** Rows with a bad e-mail between the two halves of the customers: the plan reads them for a second or so. */
const BAD_ROWS = 200_000;

describe('a first sync whose plan ends while its early batches are in flight', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await createSyncHarness({ batchMaxProfiles: 100, jobDelayMs: 8000 });
  });
  afterAll(async () => h?.close());

  it('sends the batches sealed last at once, beside the early ones still in flight', async () => {
    // 250 customers, then the bad rows, then 250 more: batches 0 and 1 are sealed at the start, 2-4 at the end.
    const { rows, valid } = makeCustomers(500, { prefix: 'tail' });
    const header = Object.keys(rows[0]!);
    const bad = Array.from({ length: BAD_ROWS }, (_, i) => `not-an-email-${i}${','.repeat(header.length - 1)}`).join('\n');
    const file = path.join(h.dir, 'tail.csv');
    fs.writeFileSync(file, `${stringify(rows.slice(0, 250), { header: true, columns: header })}${bad}\n${stringify(rows.slice(250), { columns: header })}`);

    const handle = await h.start({ listName: 'Tail', audience: { type: 'csv', path: file } });
    const sending = await h.waitForStatus(handle, (s) => s.step === 'upserting');
    // The plan is done and the early batches' jobs are still running.
    expect(sending.counts.rowsRead).toBe(500 + BAD_ROWS);
    expect(sending.counts.batchesDone).toBe(0);
    const report = await resultOf(handle);
    expect(report.counts).toMatchObject({ batchesTotal: 5, batchesDone: 5, added: 500, rowsRejected: BAD_ROWS });
    expect((await h.emulator.admin.listMembers(report.listId!)).emails).toEqual([...valid].sort());

    // From the history: every batch was scheduled before the first batch's upload completed.
    const uploads = await uploadEvents(handle);
    const firstCompletion = Math.min(...uploads.map((u) => u.completed ?? Infinity));
    expect(uploads.map((u) => u.batch).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const u of uploads) expect(u.scheduled, `batch ${u.batch} scheduled before any upload completed`).toBeLessThan(firstCompletion);
  });
});
