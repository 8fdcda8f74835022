import { BadRequestException, ValidationError } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldProblems {
  @ApiProperty({ description: 'The request field (query parameter, body property path).' })
  field!: string;

  @ApiProperty({ type: [String], description: 'What is wrong with it.' })
  problems!: string[];
}

/**
 * Every error response has this shape: no stack traces, no echoed values, a request id to quote.
 * Documented for every error status of every operation (openapi-error-responses.ts).
 */
export class ApiErrorBody {
  @ApiProperty({ description: 'The HTTP status again.', example: 400 })
  statusCode!: number;

  @ApiProperty({ description: "The status's reason phrase.", example: 'Bad Request' })
  error!: string;

  @ApiProperty({ description: 'What went wrong, for a person (secrets redacted; 5xx: no details).' })
  message!: string;

  @ApiPropertyOptional({ description: 'The request field at fault (query parameter, body property path).' })
  field?: string;

  @ApiPropertyOptional({ type: [FieldProblems], description: 'Every field at fault, for body validation errors.' })
  fields?: FieldProblems[];

  @ApiPropertyOptional({ description: 'The request id (also the X-Request-Id header): quote it to find the logs.' })
  requestId?: string;
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblems[] {
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
