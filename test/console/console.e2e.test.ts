/// <reference lib="dom" />
/**
 * The operators' console in a real browser (Debian's Chromium driven by playwright-core), started as the
 * real binary against the suite's Temporal dev server, the emulator and a worker: a paused run appears
 * with its steps, fixing the cause and pressing Resolve (from the keyboard) completes it, a running sync's
 * progress updates without a reload, lists and schedules work. Each page is saved as a screenshot at
 * laptop size (1366×768) under test-output/console/ for a reviewer to look at.
 */
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { scheduleIdForList } from '../../src/cli/naming';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { runCliProcess } from '../cli/cliProcess';
import { emptyCounts, type SyncReport } from '../../src/shared';
import { startConsoleProcess, type ConsoleProcess } from './consoleProcess';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-output/console');
const TEMPORAL_UI_URL = 'http://localhost:8233';

let h: SyncHarness;
let konsole: ConsoleProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (or set CHROMIUM_PATH)`);
  fs.mkdirSync(SHOTS, { recursive: true });
  // Small batches that Klaviyo (the emulator) takes a moment to import: a run is slow enough to watch.
  h = await createSyncHarness({ speed: 50, batchMaxProfiles: 100, jobDelayMs: 400 });
  konsole = await startConsoleProcess({ ...h.env, TEMPORAL_UI_URL });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  console.log(`Console screenshots: ${SHOTS}`);
});

afterAll(async () => {
  await browser?.close();
  await konsole?.stop();
  await h?.close();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Reloads until `ready` holds (visibility is eventually consistent). */
async function reloadUntil(url: string, ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await page.goto(url);
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${url} never showed what was expected; body: ${await page.locator('main').innerText()}`);
    await page.waitForTimeout(500);
    await page.reload();
  }
}

/** What every page must be: one h1, a main landmark, named controls, nothing wider than a laptop screen. */
async function expectReadableAndAccessible(): Promise<void> {
  expect(await page.locator('h1').count()).toBe(1);
  expect(await page.locator('main#main').count()).toBe(1);
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('button, a[href], input:not([type=hidden]), progress')]
      .filter((el) => {
        const label = el.getAttribute('aria-label') ?? (el as HTMLElement).innerText ?? '';
        const labelled = el.id && document.querySelector(`label[for="${el.id}"]`);
        return !label.trim() && !labelled;
      })
      .map((el) => el.outerHTML),
  );
  expect(unnamed).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
  // Nothing secret on any page: the key the workers use, the Temporal address, where the store is.
  const body = await page.content();
  expect(body).not.toContain(h.apiKey);
  expect(body).not.toContain(h.address);
  expect(body).not.toContain(h.env.AUDIENCE_STATE_URL);
}

describe('the console', () => {
  it('shows a paused run with its steps; fixing the cause and pressing Resolve completes the run', async () => {
    const list = `Console VIP ${randomUUID().slice(0, 6)}`;
    const audience = writeCsvAudience(h.dir, 'paused.csv', makeCustomers(250, { prefix: 'paused', invalidEvery: 25 }).rows);
    await h.emulator.admin.revokeKey(h.apiKey);
    const handle = await h.start({ listName: list, audience: { type: 'csv', path: audience } }, `console-paused-${randomUUID().slice(0, 8)}`);
    await h.waitForStatus(handle, (s) => s.state === 'needs_action');

    const card = page.locator('article.action-card', { hasText: list });
    await reloadUntil(`${konsole.url}/needs-action`, async () => (await card.count()) === 1);
    await expect(card.getByRole('heading', { name: 'Klaviyo rejected the API key' }).count()).resolves.toBe(1);
    const steps = await card.locator('ol.steps > li').allInnerTexts();
    expect(steps).toHaveLength(4);
    expect(steps[0]).toContain('Settings > API keys');
    expect(await card.innerText()).toMatch(/waiting for \d/);
    expect(await page.locator('nav a[aria-current="page"]').innerText()).toContain('Needs action');
    await expectReadableAndAccessible();
    await shot('1-needs-action');

    // The run's own page shows the same action; every other page says that a workflow needs attention.
    await page.goto(`${konsole.url}/runs/${encodeURIComponent(handle.workflowId)}`);
    expect(await page.locator('.action-card ol.steps > li').count()).toBe(4);
    await shot('1b-run-paused');
    await page.goto(`${konsole.url}/runs`);
    expect(await page.getByRole('status').filter({ hasText: 'needs attention' }).innerText()).toMatch(/A workflow needs attention\. See what to do/);
    expect(await page.locator('tr', { hasText: list }).locator('.badge').innerText()).toBe('Needs action');
    await shot('1c-runs-with-a-paused-run');
    await page.goto(`${konsole.url}/needs-action`);

    // The operator fixes the cause (a new key where the workers read it), then resolves from the keyboard.
    await h.rotateKey();
    const resolve = card.getByRole('button', { name: 'Resolve' });
    let focused = false;
    for (let i = 0; i < 40 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await resolve.evaluate((el) => el === document.activeElement);
    }
    expect(focused).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/runs/${encodeURIComponent(handle.workflowId)}`);
    await expect(page.getByRole('status').filter({ hasText: 'Resolve sent' }).count()).resolves.toBe(1);
    await shot('2-run-after-resolve');

    // The page follows the run to its end by itself.
    await page.locator('.status-line .badge', { hasText: 'Completed' }).waitFor({ timeout: 60_000 });
    const report = await resultOf(handle);
    expect(report.actionsResolved).toBe(1);
    await page.reload();
    expect(await page.locator('dl.counts').innerText()).toContain(String(report.counts.profilesImported));
    await expect(page.getByRole('heading', { name: /Rejected rows \(10\)/ }).count()).resolves.toBe(1);
    expect(await page.locator('section[aria-labelledby="rejects-heading"] tbody tr').count()).toBe(10);
    const temporalUi = await page.getByRole('link', { name: /Temporal UI/ }).getAttribute('href');
    expect(temporalUi).toBe(`${TEMPORAL_UI_URL}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}/${(await handle.describe()).runId}/history`);
    const csv = await page.request.get(`${konsole.url}/runs/${encodeURIComponent(handle.workflowId)}/rejects.csv`);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).split('\n')[0]).toBe('row,email,reason,field,message');
    await expectReadableAndAccessible();
    await shot('3-run-completed');
  });

  it("updates a running sync's progress without a reload", async () => {
    const list = `Console Progress ${randomUUID().slice(0, 6)}`;
    // 120 batches: with 16 in flight, long enough to watch (3,000 rows were done before the page loaded).
    const audience = writeCsvAudience(h.dir, 'progress.csv', makeCustomers(12_000, { prefix: 'progress' }).rows);
    const handle = await h.start({ listName: list, audience: { type: 'csv', path: audience } }, `console-progress-${randomUUID().slice(0, 8)}`);
    await h.waitForStatus(handle, (s) => s.step === 'upserting' && s.counts.profilesImported > 0);

    let navigations = 0;
    await page.goto(`${konsole.url}/runs/${encodeURIComponent(handle.workflowId)}`);
    page.on('framenavigated', () => navigations++);
    // Each phase has its block; Klaviyo's import jobs run until the last batch is done.
    const importing = '.progress-block[data-phase="importing"]';
    const progressText = page.locator(`${importing} .progress-text`);
    const first = await progressText.innerText();
    expect(first).toMatch(/^[\d,]+ \/ [\d,]+ \(\d+%\)$/);
    expect(await page.locator('.progress-block[data-phase="planning"] .rate').innerText()).toBe('Done');
    expect(await page.locator(`${importing} .rate`).innerText()).toMatch(/Rate .* · ETA /);
    await page.waitForFunction(([sel, before]) => document.querySelector(sel!)?.textContent !== before, [`${importing} .progress-text`, first], {
      timeout: 30_000,
    });
    const later = await progressText.innerText();
    expect(Number(later.split(' ')[0]!.replace(/,/g, ''))).toBeGreaterThan(Number(first.split(' ')[0]!.replace(/,/g, '')));
    expect(navigations).toBe(0);
    await shot('4-run-in-progress');

    await page.goto(`${konsole.url}/runs`);
    const row = page.locator('tr', { hasText: list });
    if ((await row.count()) > 0 && (await row.locator('progress').count()) > 0) await shot('5-runs-in-progress');
    await resultOf(handle);
    await reloadUntil(`${konsole.url}/runs`, async () => (await page.locator('table', { hasText: 'Finished' }).locator('tr', { hasText: list }).count()) === 1);
    await expectReadableAndAccessible();
    await shot('6-runs');
  });

  it("shows a completed refresh's rows sent, unchanged and removed from the run's report in the sync-state store", async () => {
    const list = `Console Refresh ${randomUUID().slice(0, 6)}`;
    const first = await h.start(
      { listName: list, audience: { type: 'csv', path: writeCsvAudience(h.dir, 'refresh-1.csv', makeCustomers(200, { prefix: 'refresh' }).rows) } },
      `console-refresh-1-${randomUUID().slice(0, 8)}`,
    );
    await resultOf(first);
    // The same people 50..199, 50 new, 50 gone: the refresh sends 50, leaves 150 alone and removes 50.
    const refresh = await h.start(
      { listName: list, audience: { type: 'csv', path: writeCsvAudience(h.dir, 'refresh-2.csv', makeCustomers(200, { prefix: 'refresh', offset: 50 }).rows) } },
      `console-refresh-2-${randomUUID().slice(0, 8)}`,
    );
    await resultOf(refresh);
    const stored = (await h.store.latestRun(refresh.workflowId))!.report!;
    expect(stored.counts).toMatchObject({ unchanged: 150, profilesImported: 50, removed: 50 });

    const row = page.locator('table', { hasText: 'Unchanged' }).locator('tbody tr', { hasText: refresh.workflowId });
    await reloadUntil(`${konsole.url}/runs`, async () => (await row.count()) === 1);
    const cells = await row.locator('td').allInnerTexts();
    // Finished, Sent, Unchanged, Removed, Rejected, API calls, Duration.
    expect(cells.slice(1, 4)).toEqual(['50', '150', '50']);
    expect(Number(cells[5]!.replace(/,/g, ''))).toBe(Object.values(stored.counts.apiCalls).reduce((a, b) => a + b, 0));
    await expectReadableAndAccessible();
    await shot('6b-runs-refresh-unchanged');

    await page.goto(`${konsole.url}/runs/${encodeURIComponent(refresh.workflowId)}`);
    const counts = page.locator('dl.counts');
    expect(await counts.locator('div', { hasText: 'Unchanged' }).locator('dd').innerText()).toBe('150');
    expect(await counts.locator('div', { hasText: 'Members now' }).locator('dd').innerText()).toBe('200');
    await expectReadableAndAccessible();
    await shot('6c-run-refresh');
  });

  it('lists a run Temporal no longer keeps from the sync-state store, with its report and reject rows', async () => {
    // A run past the namespace's retention: Temporal has forgotten it, the workers' store has not.
    const workflowId = `console-retired-${randomUUID().slice(0, 8)}`;
    const runKey = `${workflowId}/0197a2c4-retired-run`;
    const startedAt = new Date(Date.now() - 40 * 86_400_000);
    const counts = { ...emptyCounts(), rowsTotal: 5003, rowsRead: 5003, rowsValid: 5001, rowsRejected: 2, unchanged: 4321, toSend: 680 };
    Object.assign(counts, { profilesSent: 680, profilesImported: 680, added: 600, updated: 80, removed: 7, listSize: 5001, apiCalls: { 'POST /api/profile-bulk-import-jobs': 1, 'GET /api/lists': 1 } });
    const report: SyncReport = {
      listId: 'RetiredList1',
      listName: 'Console Retired',
      listCreated: false,
      dryRun: false,
      counts,
      runKey,
      startedAt: startedAt.toISOString(),
      durationMs: 95_000,
      actionsResolved: 0,
      listMembers: 5001,
    };
    await h.store.saveRun({ runKey, workflowId, account: 'acct', listId: 'RetiredList1', listName: 'Console Retired', dryRun: false, startedAt: startedAt.toISOString(), finishedAt: new Date(startedAt.getTime() + 95_000).toISOString(), report });
    await h.store.putRejects(runKey, [
      { row: 17, email: 'broken@', reason: 'invalid_email', field: 'email', message: 'Not an e-mail address' },
      { row: 940, email: 'x@example.com', reason: 'invalid_phone', field: 'phone_number', message: 'Not a phone number' },
    ]);

    await page.goto(`${konsole.url}/runs`);
    const row = page.locator('table', { hasText: 'Unchanged' }).locator('tbody tr', { hasText: workflowId });
    expect(await row.count()).toBe(1);
    expect(await row.locator('th').innerText()).toContain('past Temporal’s retention');
    const cells = await row.locator('td').allInnerTexts();
    expect(cells.slice(1, 4)).toEqual(['680', '4,321', '7']);
    expect(cells[4]).toMatch(/^2 CSV/);
    expect(cells[6]).toBe('1 min 35 s');
    await shot('6d-runs-with-a-run-only-in-the-store');

    await page.goto(`${konsole.url}/runs/${encodeURIComponent(workflowId)}`);
    expect(await page.locator('h1').innerText()).toBe('Sync of “Console Retired”');
    expect(await page.locator('.status-line .badge').innerText()).toBe('Completed');
    expect(await page.locator('dl.counts div', { hasText: 'Unchanged' }).locator('dd').innerText()).toBe('4,321');
    expect(await page.locator('dl.meta-list').innerText()).toContain('Temporal no longer keeps this run');
    expect(await page.getByRole('link', { name: /Temporal UI/ }).count()).toBe(0);
    expect(await page.locator('section[aria-labelledby="rejects-heading"] tbody tr').allInnerTexts()).toEqual([
      expect.stringContaining('17'),
      expect.stringContaining('940'),
    ]);
    const csv = await page.request.get(`${konsole.url}/runs/${encodeURIComponent(workflowId)}/rejects.csv`);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).trim().split('\n')).toEqual([
      'row,email,reason,field,message',
      '17,broken@,invalid_email,email,Not an e-mail address',
      '940,x@example.com,invalid_phone,phone_number,Not a phone number',
    ]);
    await expectReadableAndAccessible();
    await shot('6e-run-only-in-the-store');

    // The Lists page counts the list's members from the store's member rows (not the old report's 5,001).
    await h.store.touchList('acct', 'RetiredList1', 'Console Retired');
    await h.store.recordSent('acct', 'RetiredList1', runKey, [1n, 2n, 3n].map((k) => ({ email: `kept${k}@example.com`, emailKey: k, rowHash: k, attrHash: k })));
    await page.goto(`${konsole.url}/lists`);
    const listRow = page.locator('tbody tr', { hasText: 'Console Retired' });
    expect(await listRow.locator('td.num').innerText()).toMatch(/^3\n/);
    expect(await listRow.locator('td').first().innerText()).toMatch(/Completed.*Sync of “Console Retired”\s+started 40 days ago/s);
    await expectReadableAndAccessible();
    await shot('8b-lists-with-stored-members');
  });

  it("serves Temporal's view and says so in one sentence when the sync-state store cannot be opened", async () => {
    // The harder case: a host that takes the connection and never answers (a refused one fails at once).
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const storeHost = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const stateUrl = `postgres://console:n0t-a-real-password@${storeHost}/audience_state`;
    const blind = await startConsoleProcess({ ...h.env, AUDIENCE_STATE_URL: stateUrl });
    try {
      await page.goto(`${blind.url}/runs`);
      const notice = await page.locator('main .notice').innerText();
      expect(notice).toMatch(/^The sync-state store is unavailable, so this page shows only what Temporal keeps .*\.$/);
      expect(await page.locator('table', { hasText: 'Unchanged' }).locator('tbody tr').count()).toBeGreaterThan(0);
      const body = await page.content();
      for (const secret of ['n0t-a-real-password', 'postgres://', storeHost]) expect(body).not.toContain(secret);
      await expectReadableAndAccessible();
      await shot('6f-runs-store-unavailable');
      // Lists still come from Temporal's recent runs, counted by their last reports.
      await page.goto(`${blind.url}/lists`);
      expect(await page.locator('main .notice').count()).toBe(1);
      expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
      await expectReadableAndAccessible();
      await shot('8c-lists-store-unavailable');
      expect(blind.stderr()).toContain('the sync-state store cannot be opened');
      expect(blind.stderr()).not.toContain('n0t-a-real-password');
    } finally {
      await blind.stop();
      silent.close();
    }
  });

  it('says in one sentence why a run failed', async () => {
    const list = `Console Missing ${randomUUID().slice(0, 6)}`;
    const handle = await h.start({ listName: list, audience: { type: 'csv', path: `${h.dir}/missing.csv` } }, `console-failed-${randomUUID().slice(0, 8)}`);
    await expect(resultOf(handle)).rejects.toThrow();
    const row = page.locator('table', { hasText: 'Why' }).locator('tr', { hasText: list });
    await reloadUntil(`${konsole.url}/runs`, async () => (await row.count()) === 1);
    const why = await row.locator('td.error-text').innerText();
    expect(why).toContain('missing.csv');
    expect(why).not.toContain('\n');
    expect(why).toMatch(/^[A-Z].*\.$/);
    await page.goto(`${konsole.url}/runs/${encodeURIComponent(handle.workflowId)}`);
    expect(await page.locator('.status-line .badge').innerText()).toBe('Failed');
    expect(await page.locator('p.error-text').innerText()).toContain(why);
    await expectReadableAndAccessible();
    await shot('9-run-failed');
  });

  it('lists the synced lists and pauses, unpauses and triggers a schedule', async () => {
    const list = `Console Scheduled ${randomUUID().slice(0, 6)}`;
    const audience = writeCsvAudience(h.dir, 'scheduled.csv', makeCustomers(120, { prefix: 'scheduled' }).rows);
    const created = await runCliProcess(['schedule', 'create', '--list', list, '--audience', audience, '--every', '1d'], h.env);
    expect(created.code, created.stderr).toBe(0);
    const scheduleId = scheduleIdForList(list);
    const row = () => page.locator('tr', { hasText: scheduleId });

    await page.goto(`${konsole.url}/schedules`);
    expect(await row().locator('.badge').innerText()).toBe('Active');
    await expectReadableAndAccessible();
    await shot('7-schedules');
    await row().getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Paused schedule ${scheduleId}` }).count()).resolves.toBe(1);
    expect(await row().locator('.badge').innerText()).toBe('Paused');
    await row().getByRole('button', { name: 'Unpause' }).click();
    expect(await row().locator('.badge').innerText()).toBe('Active');
    await row().getByRole('button', { name: 'Trigger now' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Triggered schedule ${scheduleId}` }).count()).resolves.toBe(1);

    // The triggered run completes; the list then shows its last run, member count and next run.
    const deadline = Date.now() + 60_000;
    const listRow = page.locator('tbody tr', { hasText: list });
    await reloadUntil(`${konsole.url}/lists`, async () => (await listRow.locator('.badge', { hasText: 'Completed' }).count()) === 1, 60_000);
    expect(Date.now()).toBeLessThan(deadline);
    expect(await listRow.locator('td.num').innerText()).toContain('120');
    expect(await listRow.innerText()).toMatch(/every 1 ?d|1d|day/i);
    await expectReadableAndAccessible();
    await shot('8-lists');
    await runCliProcess(['schedule', 'delete', '--list', list], h.env);
  });

  it('refuses a state change without the page’s CSRF token and answers a fragment request', async () => {
    const forged = await page.request.post(`${konsole.url}/schedules/x/pause`, { form: { _csrf: 'guess' } });
    expect(forged.status()).toBe(403);
    const fragment = await page.request.get(`${konsole.url}/runs?fragment=1`);
    expect(fragment.status()).toBe(200);
    expect(await fragment.text()).not.toContain('<html');
  });
});
