/**
 * The API's request and answer shapes as its OpenAPI document (backend/openapi.json) describes them,
 * generated into openapi.gen.ts by `npm run openapi:update`; the API specs check real answers against
 * the same document, so a type here is what the API sends.
 */
import type { components } from './openapi.gen';

export type ApiSchemas = components['schemas'];
