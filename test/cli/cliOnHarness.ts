/** The CLI as a subprocess against a sync harness (its server, task queue and emulator), with helpers its tests share. */
import type { SyncHarness } from '../support/syncHarness';
import { runCliProcess } from './cliProcess';

export function cliOn(h: SyncHarness) {
  const cli = (...args: string[]) => runCliProcess(args, h.env);

  /** Repeats a CLI call until its stdout matches (status, visibility and schedules catch up asynchronously). */
  async function cliUntil(args: string[], pattern: RegExp, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await cli(...args);
      if (r.code === 0 && pattern.test(r.stdout)) return r;
      if (Date.now() > deadline) throw new Error(`'${args.join(' ')}' never printed ${pattern}; last: ${JSON.stringify(r)}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  /** The emails on the emulator's list of that name, sorted. */
  async function members(listName: string): Promise<string[]> {
    const list = (await h.emulator.admin.lists()).find((l) => l.name === listName);
    if (!list) throw new Error(`no list named ${listName} in the emulator`);
    return h.emulator.admin.listMembers(list.id);
  }

  return { cli, cliUntil, members };
}
