/**
 * The SOQL subset connectors use: SELECT fields (incl. one-level relationship paths like
 * `Account.Name`) or COUNT() FROM object, WHERE with = != <> < <= > >= IN / NOT IN / LIKE joined by
 * AND / OR / NOT and parentheses, ORDER BY (ASC|DESC, NULLS FIRST|LAST), LIMIT, OFFSET.
 */

export class SoqlError extends Error {
  constructor(
    message: string,
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' = 'MALFORMED_QUERY',
  ) {
    super(message);
  }
}

export type SoqlValue = string | number | boolean | null | { datetime: number } | { date: string };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | { kind: 'cmp'; field: string; op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like'; value: SoqlValue }
  | { kind: 'in'; field: string; negated: boolean; values: SoqlValue[] };

export interface SoqlQuery {
  fields: string[];
  count: boolean;
  object: string;
  where: Condition | null;
  orderBy: { field: string; descending: boolean; nullsLast: boolean }[];
  limit: number | null;
  offset: number;
}

type Token = { type: 'ident' | 'string' | 'number' | 'datetime' | 'date' | 'op' | 'punct'; text: string; pos: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![T\d])/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const dt = DATETIME.exec(rest);
    if (dt) {
      tokens.push({ type: 'datetime', text: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const d = DATE.exec(rest);
    if (d) {
      tokens.push({ type: 'date', text: d[0], pos: i });
      i += d[0].length;
      continue;
    }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < text.length; j++) {
        const ch = text[j];
        if (ch === '\\') {
          const next = text[++j];
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        } else if (ch === "'") break;
        else value += ch;
      }
      if (j >= text.length) throw new SoqlError(`unterminated string literal at column ${i + 1}`);
      tokens.push({ type: 'string', text: value, pos: i });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(rest);
    if (num) {
      tokens.push({ type: 'number', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|=|<|>)/.exec(rest);
    if (op) {
      tokens.push({ type: 'op', text: op[0] === '<>' ? '!=' : op[0], pos: i });
      i += op[0].length;
      continue;
    }
    if ('(),'.includes(c)) {
      tokens.push({ type: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (ident) {
      tokens.push({ type: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    throw new SoqlError(`unexpected character '${c}' at column ${i + 1}`);
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t?.type === 'ident' && t.text.toUpperCase() === word) {
      this.i++;
      return true;
    }
    return false;
  }

  private expectKeyword(word: string): void {
    if (!this.keyword(word)) throw new SoqlError(`expected ${word} ${this.where()}`);
  }

  private where(): string {
    const t = this.peek();
    return t ? `at column ${t.pos + 1} ('${t.text}')` : 'at end of query';
  }

  private punct(p: string): boolean {
    const t = this.peek();
    if (t?.type === 'punct' && t.text === p) {
      this.i++;
      return true;
    }
    return false;
  }

  private ident(): string {
    const t = this.peek();
    if (t?.type !== 'ident') throw new SoqlError(`expected a field name ${this.where()}`);
    this.i++;
    return t.text;
  }

  parse(): SoqlQuery {
    this.expectKeyword('SELECT');
    const fields: string[] = [];
    let count = false;
    const first = this.peek();
    if (first?.type === 'ident' && first.text.toUpperCase() === 'COUNT' && this.tokens[this.i + 1]?.text === '(') {
      this.i += 2;
      if (!this.punct(')')) throw new SoqlError(`only COUNT() is supported ${this.where()}`);
      count = true;
    } else {
      do fields.push(this.ident());
      while (this.punct(','));
    }
    this.expectKeyword('FROM');
    const object = this.ident();
    let where: Condition | null = null;
    if (this.keyword('WHERE')) where = this.orExpr();
    const orderBy: SoqlQuery['orderBy'] = [];
    if (this.keyword('ORDER')) {
      this.expectKeyword('BY');
      do {
        const field = this.ident();
        let descending = false;
        if (this.keyword('DESC')) descending = true;
        else this.keyword('ASC');
        let nullsLast = descending;
        if (this.keyword('NULLS')) {
          if (this.keyword('LAST')) nullsLast = true;
          else {
            this.expectKeyword('FIRST');
            nullsLast = false;
          }
        }
        orderBy.push({ field, descending, nullsLast });
      } while (this.punct(','));
    }
    let limit: number | null = null;
    let offset = 0;
    if (this.keyword('LIMIT')) limit = this.integer();
    if (this.keyword('OFFSET')) {
      offset = this.integer();
      if (offset > 2000) throw new SoqlError('Maximum SOQL offset allowed is 2000', 'MALFORMED_QUERY');
    }
    if (this.peek()) throw new SoqlError(`unexpected token ${this.where()}`);
    return { fields, count, object, where, orderBy, limit, offset };
  }

  private integer(): number {
    const t = this.peek();
    if (t?.type !== 'number' || !/^\d+$/.test(t.text))
      throw new SoqlError(`expected a non-negative integer ${this.where()}`);
    this.i++;
    return Number(t.text);
  }

  private orExpr(): Condition {
    let left = this.andExpr();
    while (this.keyword('OR')) left = { kind: 'or', left, right: this.andExpr() };
    return left;
  }

  private andExpr(): Condition {
    let left = this.notExpr();
    while (this.keyword('AND')) left = { kind: 'and', left, right: this.notExpr() };
    return left;
  }

  private notExpr(): Condition {
    if (this.keyword('NOT')) return { kind: 'not', inner: this.notExpr() };
    if (this.punct('(')) {
      const inner = this.orExpr();
      if (!this.punct(')')) throw new SoqlError(`expected ) ${this.where()}`);
      return inner;
    }
    const field = this.ident();
    if (this.keyword('NOT')) {
      this.expectKeyword('IN');
      return { kind: 'in', field, negated: true, values: this.valueList() };
    }
    if (this.keyword('IN')) return { kind: 'in', field, negated: false, values: this.valueList() };
    if (this.keyword('LIKE')) return { kind: 'cmp', field, op: 'like', value: this.value() };
    const t = this.peek();
    if (t?.type !== 'op') throw new SoqlError(`expected a comparison operator ${this.where()}`);
    this.i++;
    return { kind: 'cmp', field, op: t.text as '=', value: this.value() };
  }

  private valueList(): SoqlValue[] {
    if (!this.punct('(')) throw new SoqlError(`expected ( ${this.where()}`);
    const values: SoqlValue[] = [];
    do values.push(this.value());
    while (this.punct(','));
    if (!this.punct(')')) throw new SoqlError(`expected ) ${this.where()}`);
    return values;
  }

  private value(): SoqlValue {
    const t = this.peek();
    if (!t) throw new SoqlError('expected a value at end of query');
    this.i++;
    switch (t.type) {
      case 'string':
        return t.text;
      case 'number':
        return Number(t.text);
      case 'datetime': {
        const normalised = t.text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
        const ms = Date.parse(normalised);
        if (Number.isNaN(ms)) throw new SoqlError(`invalid datetime literal '${t.text}'`);
        return { datetime: ms };
      }
      case 'date':
        return { date: t.text };
      case 'ident': {
        const word = t.text.toLowerCase();
        if (word === 'null') return null;
        if (word === 'true') return true;
        if (word === 'false') return false;
        throw new SoqlError(
          `unexpected identifier '${t.text}' where a value was expected (date literals like TODAY are not supported)`,
        );
      }
      case 'op':
      case 'punct':
        throw new SoqlError(`expected a value at column ${t.pos + 1}`);
    }
  }
}

export function parseSoql(text: string): SoqlQuery {
  return new Parser(tokenize(text)).parse();
}
