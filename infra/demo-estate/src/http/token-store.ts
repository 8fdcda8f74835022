/** Bearer tokens an estate system has issued, with expiry; tests can expire them all at once. */
import { randomBytes } from 'node:crypto';

export class TokenStore {
  private readonly tokens = new Map<string, number>();

  constructor(private readonly ttlSeconds: number) {}

  issue(prefix = ''): { token: string; expiresIn: number } {
    const token = prefix + randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + this.ttlSeconds * 1000);
    return { token, expiresIn: this.ttlSeconds };
  }

  isValid(token: string | undefined): boolean {
    if (!token) return false;
    const expires = this.tokens.get(token);
    return expires !== undefined && expires > Date.now();
  }

  expireAll(): void {
    this.tokens.clear();
  }
}

export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1];
}
