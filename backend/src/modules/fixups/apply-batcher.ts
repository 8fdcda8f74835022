/**
 * Gathers the corrective-sync jobs one worker is running for one target into batches, so that jobs
 * stay one per task (own retries, own dead letter) while the target sees one call per batch (a
 * Salesforce composite request carries up to 200 records).
 */
export class ApplyBatcher<I, R> {
  private pending: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: (items: I[]) => Promise<Map<I, R>>,
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.max) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.run(batch.map((b) => b.item)).then(
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
    );
  }
}
