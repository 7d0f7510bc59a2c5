/** Runs tasks with at most `limit` in flight, launching no new task once `stop()` says so. */
export async function runWithConcurrency<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
  stop: () => boolean,
): Promise<void> {
  const running = new Set<Promise<void>>();
  for (const item of items) {
    while (running.size >= limit) await Promise.race(running);
    if (stop()) break;
    const p: Promise<void> = task(item).finally(() => running.delete(p));
    running.add(p);
  }
  await Promise.all(running);
}
