import type { Secret } from '../config/secret';

/** Supplies request headers for a system's credentials; `invalidate` after a 401 forces a fresh token. */
export interface AuthProvider {
  headers(fetchImpl: typeof fetch, signal?: AbortSignal): Promise<Record<string, string>>;
  invalidate(): void;
}

export class NoAuth implements AuthProvider {
  headers(): Promise<Record<string, string>> {
    return Promise.resolve({});
  }
  invalidate(): void {}
}

/** A fixed header: API keys, static bearer tokens, HTTP Basic. */
export class StaticHeaderAuth implements AuthProvider {
  constructor(
    private readonly header: string,
    private readonly value: () => string,
  ) {}
  static bearer(token: Secret): StaticHeaderAuth {
    return new StaticHeaderAuth('authorization', () => `Bearer ${token.reveal()}`);
  }
  static basic(user: string, password: Secret): StaticHeaderAuth {
    return new StaticHeaderAuth(
      'authorization',
      () => `Basic ${Buffer.from(`${user}:${password.reveal()}`).toString('base64')}`,
    );
  }
  headers(): Promise<Record<string, string>> {
    return Promise.resolve({ [this.header]: this.value() });
  }
  invalidate(): void {}
}

export interface ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: Secret;
  scope?: string;
  /** Refresh this long before the token's stated expiry. */
  refreshSkewMs?: number;
  timeoutMs?: number;
}

/** OAuth2 client credentials grant (Salesforce, Dynamics/Azure AD): one token, shared, refreshed on expiry or 401. */
export class OAuth2ClientCredentials implements AuthProvider {
  private token: { value: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;
  /** Set by the token endpoint's answer (Salesforce returns the instance URL there). */
  instanceUrl: string | undefined;

  constructor(private readonly options: ClientCredentialsOptions) {}

  async headers(fetchImpl: typeof fetch, signal?: AbortSignal): Promise<Record<string, string>> {
    const token = await this.accessToken(fetchImpl, signal);
    return { authorization: `Bearer ${token}` };
  }

  invalidate(): void {
    this.token = undefined;
  }

  /** The current token (fetched, or refreshed, when needed); also for non-HTTP transports (CometD). */
  accessToken(fetchImpl: typeof fetch, signal?: AbortSignal): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return Promise.resolve(this.token.value);
    // One refresh in flight at a time, however many requests need a token.
    this.pending ??= this.fetchToken(fetchImpl, signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchToken(fetchImpl: typeof fetch, signal?: AbortSignal): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret.reveal(),
    });
    if (this.options.scope) form.set('scope', this.options.scope);
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
    const response = await fetchImpl(this.options.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    if (!response.ok) throw new TokenRequestError(response.status, text.slice(0, 200));
    const body = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown; instance_url?: unknown };
    if (typeof body.access_token !== 'string') throw new TokenRequestError(response.status, 'no access_token');
    const expiresInS = Number(body.expires_in ?? 3600) || 3600;
    if (typeof body.instance_url === 'string') this.instanceUrl = body.instance_url;
    this.token = {
      value: body.access_token,
      expiresAt: Date.now() + expiresInS * 1000 - (this.options.refreshSkewMs ?? 30_000),
    };
    return body.access_token;
  }
}

export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    // The detail is the server's error text; the secret itself is never part of it.
    super(`token request answered ${status}: ${detail}`);
    this.name = 'TokenRequestError';
  }
}
