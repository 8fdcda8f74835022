import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential read from the environment. Its value is reachable only through `reveal()`: JSON,
 * string conversion, template literals and `util.inspect` (pino, console) all print `[redacted]`.
 */
export class Secret {
  readonly #value: string;

  constructor(
    value: string,
    /** Where it came from, e.g. `env:CRM_CLIENT_SECRET`; safe to log. */
    readonly reference: string,
  ) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${this.reference})`;
  }
}
