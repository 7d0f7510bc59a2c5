/** Reading a run's report back from the store: its reject rows in row order, page by page. */
import type { RowReject } from '../audience/rowModel';
import type { SyncStateStore } from './types';

const PAGE = 5000;

export async function* storedRejects(store: SyncStateStore, runKey: string): AsyncGenerator<RowReject> {
  let after = -1;
  for (;;) {
    const page = await store.rejectPage(runKey, after, PAGE);
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.row;
  }
}
