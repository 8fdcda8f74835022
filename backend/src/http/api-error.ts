import { BadRequestException, ValidationError } from '@nestjs/common';

/** Every error response has this shape: no stack traces, no echoed values, a request id to quote. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** The request field at fault (query parameter, body property path), when there is one. */
  field?: string;
  /** All fields at fault for body validation errors. */
  fields?: { field: string; problems: string[] }[];
  requestId?: string;
}

function flatten(errors: ValidationError[], prefix = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** ValidationPipe's exceptionFactory: a 400 that names each bad body/query field. */
export function validationException(errors: ValidationError[]): BadRequestException {
  const fields = flatten(errors);
  const first = fields[0];
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: first ? `${first.field}: ${first.problems.join('; ')}` : 'invalid request',
    field: first?.field,
    fields,
  });
}
