import type { OpenAPIObject, OperationObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';
import { ApiErrorBody } from './api-error';

/** The models the error responses refer to (SwaggerModule.createDocument's extraModels). */
export const ERROR_MODELS = [ApiErrorBody];

const ERROR_CONTENT = { 'application/json': { schema: { $ref: `#/components/schemas/${ApiErrorBody.name}` } } };

/**
 * Answers every API route can give whatever its controller declares (shared responses, by reference):
 * the throttler guard is global, a route refuses query parameters it does not read
 * (QueryFreeRoutesInterceptor) and the validation pipe bad ones, and the exception filter turns
 * anything unexpected into a 500. The body parser refuses bodies over the limit before any route runs.
 */
const SHARED: Record<string, { name: string; description: string; withBody?: true }> = {
  '400': {
    name: 'InvalidRequest',
    description: 'A parameter or the body is invalid (`field` and `fields` name what is at fault).',
  },
  '413': { name: 'BodyTooLarge', description: 'The request body is larger than the limit.', withBody: true },
  '429': {
    name: 'RateLimited',
    description:
      'Rate limit exceeded (per API key, or per client address without one); retry after `Retry-After` seconds.',
  },
  '500': {
    name: 'UnexpectedError',
    description: 'Unexpected error; the details are in the server log under the `requestId`.',
  },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * Gives every error response of the product API (`/api/v1/…`) the one error shape the app answers
 * with (ApiErrorBody), and declares the statuses every such route can answer that controllers do not
 * repeat one by one. Typed clients then know what an error carries; the API specs' contract check
 * validates error answers as it does successes.
 */
export function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  const components = (document.components ??= {});
  const shared = (components.responses ??= {});
  for (const { name, description } of Object.values(SHARED)) shared[name] = { description, content: ERROR_CONTENT };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const method of METHODS) {
      const operation: OperationObject | undefined = item[method];
      if (operation) describeErrors(operation);
    }
  }
  return document;
}

function describeErrors(operation: OperationObject): void {
  const responses = operation.responses as Record<string, ResponseObject | ReferenceObject>;
  for (const [status, response] of Object.entries(responses)) {
    if (/^[45]\d\d$/.test(status) && !('$ref' in response)) response.content ??= ERROR_CONTENT;
  }
  for (const [status, { name, withBody }] of Object.entries(SHARED)) {
    if (withBody && !operation.requestBody) continue;
    responses[status] ??= { $ref: `#/components/responses/${name}` };
  }
}
