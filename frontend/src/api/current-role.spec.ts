import { CredentialRejectedError, highestRole, resolveRole } from './current-role';

function answer(status: number, body: unknown) {
  const fetchMock = jest.fn(async (_input: RequestInfo | URL, _init?: RequestInit) =>
    Promise.resolve({ ok: status < 400, status, statusText: String(status), json: async () => body } as Response),
  );
  globalThis.fetch = fetchMock as typeof fetch;
  return fetchMock;
}

describe('resolveRole asks GET /api/v1/auth/me', () => {
  it('sends the credential as a bearer token, once, and takes the highest role held', async () => {
    const fetchMock = answer(200, { kind: 'api_key', name: 'ci', roles: ['viewer', 'steward'] });
    await expect(resolveRole('dwk_abc')).resolves.toBe('steward');
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [path, init] = fetchMock.mock.calls[0];
    expect(path).toBe('/api/v1/auth/me');
    expect((init?.headers as Record<string, string>).authorization).toBe('Bearer dwk_abc');
  });

  it('throws CredentialRejectedError on a 401', async () => {
    answer(401, { statusCode: 401, message: 'invalid API key' });
    await expect(resolveRole('dwk_bad')).rejects.toBeInstanceOf(CredentialRejectedError);
  });

  it('refuses a credential without a dashboard role', async () => {
    answer(200, { kind: 'oidc', name: 'ada', roles: [] });
    await expect(resolveRole('token')).rejects.toThrow(/no dashboard role/);
  });

  it('names the failure of any other answer', async () => {
    answer(500, { statusCode: 500, message: 'Postgres is down' });
    await expect(resolveRole('dwk_abc')).rejects.toThrow(/Postgres is down/);
  });

  it('ignores roles it does not know', () => {
    expect(highestRole(['superuser', 'engineer'])).toBe('engineer');
    expect(highestRole(['superuser'])).toBeUndefined();
  });
});
