/** API keys (`/api/v1/api-keys`, admins only): list, create (the secret is in that answer only), revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiSchemas } from './api-schemas';
import { api, answer } from './api-client';

export type ApiKey = ApiSchemas['ApiKeyView'];
export type CreatedApiKey = ApiSchemas['CreatedApiKey'];

const KEYS = ['api-keys'] as const;

export function useApiKeys(enabled: boolean) {
  return useQuery({
    queryKey: KEYS,
    queryFn: async () => (await answer(api.GET('/api/v1/api-keys'))).items,
    enabled,
  });
}

export function useApiKeyActions() {
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: KEYS });
  return {
    create: useMutation({
      mutationFn: (body: ApiSchemas['CreateApiKeyDto']) => answer(api.POST('/api/v1/api-keys', { body })),
      onSuccess: done,
    }),
    revoke: useMutation({
      mutationFn: (id: string) => answer(api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } } })),
      onSuccess: done,
    }),
  };
}
