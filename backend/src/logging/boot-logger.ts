import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Level } from 'pino';
import { REDACTED_PATHS } from './logger-options';

type NestMethod = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

const LEVEL_OF: Record<NestMethod, Level> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

/**
 * Nest's logger for what runs before the application exists (schema migrations at start-up): pino's
 * JSON lines, as the application's own logger writes them, instead of Nest's coloured console text in
 * the middle of a JSON log that a collector parses line by line. The application replaces it once it
 * is created (`app.useLogger`).
 */
export function bootLogger(level: string, destination?: DestinationStream): LoggerService {
  const log = pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
  const method =
    (name: NestMethod) =>
    (message: unknown, ...params: unknown[]): void => {
      // Nest passes the context last; error() passes a stack before it.
      const context = typeof params.at(-1) === 'string' ? (params.pop() as string) : undefined;
      const stack = name === 'error' && typeof params[0] === 'string' ? params[0] : undefined;
      const text =
        message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
      log[LEVEL_OF[name]]({ ...(context ? { context } : {}), ...(stack ? { stack } : {}) }, text);
    };
  return {
    log: method('log'),
    error: method('error'),
    warn: method('warn'),
    debug: method('debug'),
    verbose: method('verbose'),
    fatal: method('fatal'),
  };
}
