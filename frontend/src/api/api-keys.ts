/** API keys (`/api/v1/api-keys`, admins only): list, create (the secret is in that answer only), revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Role } from './current-role';
import { getJson, sendJson } from './http-client';

export interface ApiKey {
  id: string;
  keyId: string;
  name: string;
  roles: Role[];
  status: 'active' | 'revoked' | 'expired';
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
}

export interface CreatedApiKey {
  key: string;
  apiKey: ApiKey;
}

const KEYS = ['api-keys'] as const;

export function useApiKeys(enabled: boolean) {
  return useQuery({
    queryKey: KEYS,
    queryFn: async () => (await getJson<{ items: ApiKey[] }>('/api/v1/api-keys')).items,
    enabled,
  });
}

export function useApiKeyActions() {
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: KEYS });
  return {
    create: useMutation({
      mutationFn: (input: { name: string; roles: Role[]; expiresAt?: string }) =>
        sendJson<CreatedApiKey>('POST', '/api/v1/api-keys', input),
      onSuccess: done,
    }),
    revoke: useMutation({
      mutationFn: (id: string) => sendJson<ApiKey>('DELETE', `/api/v1/api-keys/${id}`),
      onSuccess: done,
    }),
  };
}
