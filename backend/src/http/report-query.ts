import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiQuery } from '@nestjs/swagger';
import { InvalidQueryParameterError, parseFilter, safeParameterName, type FilterSpec } from './list-query';

/**
 * Query parameters of report endpoints (dashboard aggregates, trends, SLA): allow-listed names, the
 * same value rules as list filters, a `from`/`to` range with defaults and a maximum span, and 400s
 * that name the bad parameter. `list` parameters accept a comma-separated set (`system=erp,crm`).
 */
export type ReportParamSpec =
  | FilterSpec
  | { type: 'list'; item: Extract<FilterSpec, { type: 'string' | 'enum' }>; maxItems?: number; description?: string };

type ParamValue<S extends ReportParamSpec> = S extends { type: 'list' }
  ? string[]
  : S extends { type: 'datetime' }
    ? Date
    : S extends { type: 'int' }
      ? number
      : string;

export interface ReportQuerySpec<P extends Record<string, ReportParamSpec>> {
  params: P;
  /** Adds `from` and `to` (ISO 8601); `to` defaults to now, `from` to `to` minus this many days. */
  range?: { defaultDays: number; maxDays: number };
}

export type ReportQuery<P extends Record<string, ReportParamSpec>> = { [K in keyof P]?: ParamValue<P[K]> } & {
  from: Date;
  to: Date;
};

const DAY_MS = 86_400_000;

export class ReportQueryDefinition<P extends Record<string, ReportParamSpec>> {
  constructor(readonly spec: ReportQuerySpec<P>) {}

  /** Parses `req.query`; throws InvalidQueryParameterError naming the first bad parameter. */
  parse(query: unknown, now: Date = new Date()): ReportQuery<P> {
    const raw = (query ?? {}) as Record<string, unknown>;
    const allowed = [...Object.keys(this.spec.params), ...(this.spec.range ? ['from', 'to'] : [])];
    for (const name of Object.keys(raw)) {
      if (!allowed.includes(name)) {
        throw new InvalidQueryParameterError(
          safeParameterName(name),
          `is not supported; allowed: ${allowed.join(', ') || '(none)'}`,
        );
      }
    }
    const single = (name: string): string | undefined => {
      const value = raw[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string') throw new InvalidQueryParameterError(name, 'must be given once, as plain text');
      return value;
    };
    const out: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(this.spec.params)) {
      const value = single(name);
      if (value === undefined) continue;
      if (spec.type === 'list') {
        const items = value.split(',');
        const max = spec.maxItems ?? 20;
        if (items.length > max) throw new InvalidQueryParameterError(name, `must list at most ${max} values`);
        out[name] = [...new Set(items.map((item) => parseFilter(name, spec.item, item) as string))];
      } else {
        out[name] = parseFilter(name, spec, value);
      }
    }
    if (this.spec.range) {
      const datetime: FilterSpec = { type: 'datetime' };
      const toText = single('to');
      const fromText = single('from');
      const to = toText === undefined ? now : (parseFilter('to', datetime, toText) as Date);
      const from =
        fromText === undefined
          ? new Date(to.getTime() - this.spec.range.defaultDays * DAY_MS)
          : (parseFilter('from', datetime, fromText) as Date);
      if (from.getTime() >= to.getTime()) throw new InvalidQueryParameterError('from', 'must be before to');
      if (to.getTime() - from.getTime() > this.spec.range.maxDays * DAY_MS) {
        throw new InvalidQueryParameterError('from', `must be at most ${this.spec.range.maxDays} days before to`);
      }
      out.from = from;
      out.to = to;
    }
    return out as ReportQuery<P>;
  }

  apiQueries(): MethodDecorator {
    const params = Object.entries(this.spec.params).map(([name, spec]) =>
      ApiQuery({
        name,
        required: false,
        description:
          spec.type === 'list'
            ? `${spec.description ?? ''} Comma-separated${spec.item.type === 'enum' ? `: ${spec.item.values.join(', ')}` : ''}.`.trim()
            : spec.description,
        ...(spec.type === 'enum'
          ? { enum: [...spec.values] }
          : spec.type === 'int'
            ? { type: Number }
            : spec.type === 'datetime'
              ? { type: String, format: 'date-time' }
              : { type: String }),
      }),
    );
    const range = this.spec.range
      ? [
          ApiQuery({
            name: 'from',
            required: false,
            type: String,
            format: 'date-time',
            description: `Start of the range (ISO 8601 with time zone); default ${this.spec.range.defaultDays} days before \`to\`; at most ${this.spec.range.maxDays} days.`,
          }),
          ApiQuery({
            name: 'to',
            required: false,
            type: String,
            format: 'date-time',
            description: 'End of the range (ISO 8601 with time zone); default now.',
          }),
        ]
      : [];
    return applyDecorators(
      ...params,
      ...range,
      ApiBadRequestResponse({ description: 'A parameter is unknown or invalid; `field` names it.' }),
    );
  }
}

export const defineReportQuery = <P extends Record<string, ReportParamSpec>>(
  spec: ReportQuerySpec<P>,
): ReportQueryDefinition<P> => new ReportQueryDefinition(spec);
