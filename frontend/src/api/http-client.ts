/** The dashboard's only way to the backend: JSON over fetch with errors that say what failed. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok && !(res.status === 503 && path.startsWith('/health'))) {
    const message =
      typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : res.statusText;
    throw new ApiError(res.status, path, `${path}: ${res.status} ${message}`);
  }
  return body as T;
}
