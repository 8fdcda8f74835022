import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  type ValidationArguments,
} from 'class-validator';
import { MAX_KEY_LENGTH } from '../connectors/canonical-model';

/**
 * Validation and OpenAPI docs of fields that several DTOs share, declared once so that the same field
 * cannot be checked one way in one request and another way in the next.
 */

/**
 * An optional whole number from 1 to `max` (a page size, a preview size, a number of points). Query
 * strings carry it as text, hence the conversion; `default` is what the endpoint uses when it is absent.
 */
export function LimitField(max: number, options: { default?: number; description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: Number,
      minimum: 1,
      maximum: max,
      ...(options.default === undefined ? {} : { default: options.default }),
      ...(options.description === undefined ? {} : { description: options.description }),
    }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(max),
  );
}

/**
 * The match keys of a targeted run, dry-run or snapshot: 1 to `max` distinct keys of 1 to
 * MAX_KEY_LENGTH characters. A repeated key is refused rather than dropped: in a hand-made list it
 * is usually a slip for another key, which the caller would otherwise never learn was left out.
 */
export function TargetKeys(max: number, description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: [String], description, minItems: 1, maxItems: max, uniqueItems: true }),
    IsOptional(),
    IsString({ each: true }),
    Length(1, MAX_KEY_LENGTH, { each: true }),
    ArrayMinSize(1),
    ArrayMaxSize(max),
    ArrayUnique({ message: repeatedEntryMessage }),
  );
}

/** Names the repeat by position, not value: error answers never echo what was sent. */
function repeatedEntryMessage({ property, value }: ValidationArguments): string {
  if (Array.isArray(value)) {
    const first = new Map<unknown, number>();
    for (const [index, entry] of (value as unknown[]).entries()) {
      const earlier = first.get(entry);
      if (earlier !== undefined)
        return `${property} must be unique: ${property}.${index} repeats ${property}.${earlier}`;
      first.set(entry, index);
    }
  }
  return `${property} must be unique`;
}
