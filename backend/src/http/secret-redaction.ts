import type { ConfigService } from '../config/config.service';
import { SECRET_ENV_KEYS } from '../config/env.schema';

const REDACTED = '[redacted]';

// Credentials that have a recognisable shape: our API keys, JWTs, and passwords inside URLs.
const SHAPED_SECRETS: RegExp[] = [
  /dwk_[A-Za-z0-9]+_[A-Za-z0-9_-]+/g,
  /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
  /(?<=\/\/[^:/@\s]+:)[^@/\s]+(?=@)/g,
];

// Object keys whose values are never stored or returned (audit before/after, error details).
const SECRET_FIELD = /pass(word)?|secret|token|credential|authorization|api[-_]?key|^key$|cookie/i;

/** Removes known secrets from text and objects before they leave the process (responses, logs, audit). */
export class SecretRedactor {
  private readonly literals: string[];

  constructor(literals: string[] = []) {
    // Very short values would redact ordinary words; they are weak secrets anyway.
    this.literals = [...new Set(literals.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  }

  static fromConfig(config: ConfigService): SecretRedactor {
    const literals: string[] = [];
    for (const key of SECRET_ENV_KEYS) {
      const value = config.get(key);
      if (!value) continue;
      if (typeof value === 'object') {
        // Webhook URLs: the path is the credential.
        for (const hook of Object.values(value)) literals.push(hook, new URL(hook).pathname);
        continue;
      }
      try {
        const url = new URL(value);
        if (url.password) literals.push(url.password, decodeURIComponent(url.password));
        continue;
      } catch {
        literals.push(value);
      }
    }
    return new SecretRedactor(literals);
  }

  text(value: string): string {
    let out = value;
    for (const literal of this.literals) out = out.split(literal).join(REDACTED);
    for (const pattern of SHAPED_SECRETS) out = out.replace(pattern, REDACTED);
    return out;
  }

  value(input: unknown, depth = 0): unknown {
    if (typeof input === 'string') return this.text(input);
    if (input === null || typeof input !== 'object' || depth > 8) return input;
    if (input instanceof Date) return input;
    if (Array.isArray(input)) return input.map((item) => this.value(item, depth + 1));
    return Object.fromEntries(
      Object.entries(input as Record<string, unknown>).map(([key, item]) => [
        key,
        SECRET_FIELD.test(key) ? REDACTED : this.value(item, depth + 1),
      ]),
    );
  }
}
