import { applyDecorators } from '@nestjs/common';
import { IsISO8601, Matches } from 'class-validator';

/**
 * ISO 8601 text with a date, and with a time zone (Z or ±hh:mm) whenever it has a time: a bare local
 * time would be read in the server's zone, whatever the client meant. A date alone is a UTC day.
 */
export const ZONED_ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Body fields: ZONED_ISO_8601, and a real calendar date (strict ISO 8601). */
export function IsZonedDateTime(): PropertyDecorator {
  return applyDecorators(
    IsISO8601({ strict: true }),
    Matches(ZONED_ISO_8601, {
      message: '$property must be an ISO 8601 date, or a date-time with a time zone (Z or ±hh:mm)',
    }),
  );
}
