import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import type { ApiErrorBody } from './api-error';
import { currentRequestId, type ContextRequest } from './request-context';
import type { SecretRedactor } from './secret-redaction';

/**
 * Turns every error into a JSON `ApiErrorBody`. Client errors keep their message (redacted); anything
 * else becomes a 500 without details, logged with the request id so it can be found.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  constructor(private readonly redactor: SecretRedactor) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const body = this.toBody(exception, currentRequestId(req as ContextRequest));
    if (body.statusCode >= 500) {
      const detail = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      this.logger.error(`${req.method} ${req.path} failed [${body.requestId ?? '-'}]: ${this.redactor.text(detail)}`);
    }
    if (res.headersSent) {
      // A streamed answer (CSV export) failed part way: cut the connection so that the client sees a
      // broken transfer rather than waiting for the rest forever, or taking a truncated file as whole.
      res.destroy();
      return;
    }
    res.status(body.statusCode).json(body);
  }

  toBody(exception: unknown, requestId: string | undefined): ApiErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const fromObject = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
      const rawMessage = typeof response === 'string' ? response : fromObject.message;
      const message = Array.isArray(rawMessage)
        ? rawMessage.join('; ')
        : typeof rawMessage === 'string'
          ? rawMessage
          : exception.message;
      const body: ApiErrorBody = {
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Error',
        message: status >= 500 ? 'Internal server error' : this.redactor.text(message),
        requestId,
      };
      if (status < 500 && typeof fromObject.field === 'string') body.field = this.redactor.text(fromObject.field);
      if (status < 500 && Array.isArray(fromObject.fields)) {
        body.fields = this.redactor.value(fromObject.fields) as ApiErrorBody['fields'];
      }
      return body;
    }
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId,
    };
  }
}
