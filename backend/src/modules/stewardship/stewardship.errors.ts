import { BadRequestException, ConflictException } from '@nestjs/common';

/** A decision the item cannot take: 400 naming the request field at fault. */
export class InvalidDecisionError extends BadRequestException {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super({ statusCode: 400, error: 'Bad Request', message: `${field}: ${message}`, field });
  }
}

/** The item is no longer open (someone decided or dismissed it first), or the records changed. */
export class ItemNotOpenError extends ConflictException {
  constructor(id: string, state: string) {
    super({ statusCode: 409, error: 'Conflict', message: `stewardship item ${id} is ${state}, not open` });
  }
}
