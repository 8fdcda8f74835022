/**
 * Gathers the corrective-sync jobs one worker is running for one target into batches, so that jobs
 * stay one per task (own retries, own dead letter) while the target sees one call per batch (a
 * Salesforce composite request carries up to 200 records).
 *
 * A full batch goes at once, however many are in flight. A partial one goes when the window has
 * passed and fewer than `maxPartialInFlight` batches are in flight; otherwise it keeps filling until
 * it is full or a batch returns. Idle, a lone task waits one window; busy, the jobs that come back
 * while batches are out join one big batch instead of many small ones (each batch costs a read, the
 * composite calls, a read-back and three Postgres statements whatever its size).
 */
export class ApplyBatcher<I, R> {
  private pending: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private windowPassed = false;
  private inFlight = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<Map<I, R>>,
    private readonly windowMs: number,
    private readonly max: number,
    private readonly maxPartialInFlight = 1,
  ) {}

  /** Batches sent and not yet answered. */
  get batchesInFlight(): number {
    return this.inFlight;
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.max) this.flush();
      else if (this.windowPassed) this.flushPartial();
      else this.startWindow();
    });
  }

  private startWindow(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.windowPassed = true;
      this.flushPartial();
    }, this.windowMs);
  }

  private flushPartial(): void {
    if (this.pending.length > 0 && this.inFlight < this.maxPartialInFlight) this.flush();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.windowPassed = false;
    const batch = this.pending.splice(0, this.max);
    if (batch.length === 0) return;
    if (this.pending.length > 0) this.startWindow();
    this.inFlight++;
    void this.run(batch.map((b) => b.item))
      .then(
        (results) => {
          for (const b of batch) {
            const result = results.get(b.item);
            if (result === undefined) b.reject(new Error('no result for a batched item'));
            else b.resolve(result);
          }
        },
        (error: unknown) => {
          for (const b of batch) b.reject(error);
        },
      )
      .finally(() => {
        this.inFlight--;
        if (this.pending.length >= this.max) this.flush();
        else if (this.windowPassed) this.flushPartial();
      });
  }
}
