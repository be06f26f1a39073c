/**
 * Group commit for small writes that many concurrent callers make: a call that arrives while a
 * commit is in flight waits for the next one, which carries every call that arrived meanwhile.
 * At low load each call is committed alone and at once — no timer adds latency; under load one
 * transaction serves many callers, which costs far less per call than a transaction each.
 * Each caller's promise settles with its own commit and gets its own result.
 */
/**
 * A commit's result for one item that failed on its own while the rest of its batch was stored
 * (a batch spanning several transactions): that caller's promise rejects with `error`.
 */
export class ItemFailure {
  constructor(readonly error: unknown) {}
}

export class GroupCommit<T, R = void> {
  private waiting: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private inFlight = false;

  /**
   * @param commit stores a batch and returns one result (or ItemFailure) per item, in order
   * @param maxWeight bound on one batch (by `weight`, default one per item); a single heavier item still goes alone
   */
  constructor(
    private readonly commit: (items: T[]) => Promise<Array<R | ItemFailure>>,
    private readonly options: { maxWeight?: number; weight?: (item: T) => number } = {},
  ) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.inFlight || this.waiting.length === 0) return;
    this.inFlight = true;
    const batch = this.takeBatch();
    void this.commit(batch.map((entry) => entry.item))
      .then(
        (results) =>
          batch.forEach((entry, i) => {
            const result = results[i]!;
            if (result instanceof ItemFailure) entry.reject(result.error);
            else entry.resolve(result);
          }),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        this.inFlight = false;
        this.kick();
      });
  }

  private takeBatch(): typeof this.waiting {
    const { maxWeight = Infinity, weight = () => 1 } = this.options;
    let taken = 0;
    let total = 0;
    while (taken < this.waiting.length && (taken === 0 || total + weight(this.waiting[taken]!.item) <= maxWeight)) {
      total += weight(this.waiting[taken]!.item);
      taken++;
    }
    return this.waiting.splice(0, taken);
  }
}
