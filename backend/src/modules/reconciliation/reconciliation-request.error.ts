/** A run, dry-run or backtest request that cannot be carried out as asked (answered 400). */
export class InvalidReconciliationRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReconciliationRequestError';
  }
}
