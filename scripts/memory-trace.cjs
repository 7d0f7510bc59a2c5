/**
 * Where a worker's memory goes, per thread: `npm run bench -- --memory-trace <file>` preloads this into
 * the worker (`node --require`), and Node runs preloads in every thread the worker starts too (the
 * workflow thread, each plan thread). Every 250 ms each thread appends one JSON line: its V8 heap
 * (committed, used, by space), external and ArrayBuffer memory, milliseconds spent in garbage collection
 * so far, and on the main thread the process's resident memory (anonymous and file-backed) and its peak so far (VmHWM).
 * Plain JavaScript: it is loaded into the compiled worker as it is.
 */
const fs = require('node:fs');
const v8 = require('node:v8');
const { isMainThread, threadId } = require('node:worker_threads');
const { PerformanceObserver, constants } = require('node:perf_hooks');

const MiB = 1 << 20;

/** Starts sampling this thread into `file`. */
exports.start = function start(file) {
  const thread = isMainThread ? 'main' : `thread ${threadId}`;
  const gcMs = { minor: 0, major: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) gcMs.minor += entry.duration;
      else gcMs.major += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const sample = () => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ''), Math.round(s.space_size / MiB)]));
    const line = {
      t: Date.now(),
      thread,
      rss: Math.round(m.rss / MiB),
      heapTotal: Math.round(m.heapTotal / MiB),
      heapUsed: Math.round(m.heapUsed / MiB),
      external: Math.round(m.external / MiB),
      arrayBuffers: Math.round(m.arrayBuffers / MiB),
      spaces,
      gcMs: { minor: Math.round(gcMs.minor), major: Math.round(gcMs.major) },
    };
    if (isMainThread) {
      const status = fs.readFileSync('/proc/self/status', 'utf8');
      for (const field of ['RssAnon', 'RssFile', 'VmHWM']) line[field] = Math.round(Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0) / 1024);
    }
    fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  sample();
  setInterval(sample, 250).unref();
};
