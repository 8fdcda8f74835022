/**
 * The OData v4 `$filter` subset connectors send to Dynamics 365 F&O: eq ne gt ge lt le, and / or /
 * not, parentheses, string ('it''s'), number, true/false/null, unquoted DateTimeOffset literals and
 * enum literals (`Microsoft.Dynamics.DataEntities.NoYes'Yes'`).
 */

export class ODataQueryError extends Error {}

export type ODataValue = string | number | boolean | null | { datetime: number };

export type ODataFilter =
  | { kind: 'and' | 'or'; left: ODataFilter; right: ODataFilter }
  | { kind: 'not'; inner: ODataFilter }
  | { kind: 'cmp'; field: string; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; value: ODataValue };

type Token = { type: 'ident' | 'string' | 'number' | 'datetime' | 'enum' | 'punct'; text: string };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})/;

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
      tokens.push({ type: 'datetime', text: dt[0] });
      i += dt[0].length;
      continue;
    }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j++;
          } else break;
        } else value += text[j];
      }
      if (j >= text.length) throw new ODataQueryError(`Syntax error: unterminated string literal at position ${i}`);
      tokens.push({ type: 'string', text: value });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?([mMdD])?/.exec(rest);
    if (num) {
      tokens.push({ type: 'number', text: num[0].replace(/[mMdD]$/, '') });
      i += num[0].length;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: 'punct', text: c });
      i++;
      continue;
    }
    const en = /^[A-Za-z_][\w.]*'([^']*)'/.exec(rest);
    if (en) {
      tokens.push({ type: 'enum', text: en[1] });
      i += en[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][\w/]*/.exec(rest);
    if (ident) {
      tokens.push({ type: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    throw new ODataQueryError(`Syntax error at position ${i} in '${text}'.`);
  }
  return tokens;
}

export function parseODataFilter(text: string): ODataFilter {
  const tokens = tokenize(text);
  let i = 0;
  const peekWord = (w: string) => tokens[i]?.type === 'ident' && tokens[i].text.toLowerCase() === w;
  const or = (): ODataFilter => {
    let left = and();
    while (peekWord('or')) {
      i++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): ODataFilter => {
    let left = unary();
    while (peekWord('and')) {
      i++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): ODataFilter => {
    if (peekWord('not')) {
      i++;
      return { kind: 'not', inner: unary() };
    }
    if (tokens[i]?.text === '(' && tokens[i].type === 'punct') {
      i++;
      const inner = or();
      if (tokens[i]?.text !== ')') throw new ODataQueryError("Syntax error: ')' expected.");
      i++;
      return inner;
    }
    const field = tokens[i];
    if (field?.type !== 'ident') throw new ODataQueryError(`Syntax error: a property name was expected in '${text}'.`);
    i++;
    const op = tokens[i];
    const ops = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
    if (op?.type !== 'ident' || !ops.includes(op.text.toLowerCase()))
      throw new ODataQueryError(`Syntax error: one of ${ops.join(', ')} expected after '${field.text}'.`);
    i++;
    return { kind: 'cmp', field: field.text, op: op.text.toLowerCase() as 'eq', value: value() };
  };
  const value = (): ODataValue => {
    const t = tokens[i++];
    if (!t) throw new ODataQueryError('Syntax error: a value was expected at the end of the filter.');
    switch (t.type) {
      case 'string':
      case 'enum':
        return t.text;
      case 'number':
        return Number(t.text);
      case 'datetime': {
        const ms = Date.parse(t.text);
        if (Number.isNaN(ms)) throw new ODataQueryError(`The DateTimeOffset literal '${t.text}' is not valid.`);
        return { datetime: ms };
      }
      case 'ident': {
        const w = t.text.toLowerCase();
        if (w === 'null') return null;
        if (w === 'true') return true;
        if (w === 'false') return false;
        throw new ODataQueryError(`Syntax error: unexpected '${t.text}' where a value was expected.`);
      }
      case 'punct':
        throw new ODataQueryError(`Syntax error: unexpected '${t.text}'.`);
    }
  };
  const result = or();
  if (i < tokens.length) throw new ODataQueryError(`Syntax error: unexpected '${tokens[i].text}' in '${text}'.`);
  return result;
}
