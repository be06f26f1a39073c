/**
 * Loaded with `--import` into the processes the Redis outage bench measures (web, worker): answers
 * the parent's `memory` message over the IPC channel with the heap after a full garbage
 * collection. Heap right after a collection is what a leak moves; the heap between collections
 * swings by tens of MiB with the allocation rate and would hide a slow leak. The bench starts the
 * process with --expose-gc; without it the heap is read as it is.
 */
process.on('message', (message: unknown) => {
  if (message !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  process.send?.({ heapUsed: usage.heapUsed, external: usage.external });
});
// The channel must not keep a process alive that would otherwise exit (a worker after its stop).
process.channel?.unref();

export {};
