import { checkCustomSql } from '../src';

describe('custom_sql validation', () => {
  const ok = "SELECT customer_number AS match_key FROM {{customer.erp}} WHERE status = 'blocked'";

  it('accepts a plain SELECT that returns match_key and names its placeholders', () => {
    const check = checkCustomSql(ok);
    expect(check.problems).toEqual([]);
    expect(check.placeholders).toEqual([{ text: '{{customer.erp}}', entity: 'customer', system: 'erp' }]);
    expect(checkCustomSql('select match_key from {{ events }}').placeholders[0]).toMatchObject({ entity: 'events' });
  });

  it('allows dangerous words inside string literals only', () => {
    expect(checkCustomSql("SELECT 'DROP TABLE x' AS match_key FROM {{order.crm}}").problems).toEqual([]);
  });

  it.each([
    ['not a SELECT', 'WITH 1 AS x SELECT x AS match_key', /start with SELECT/],
    ['a second statement', `${ok}; DROP TABLE current_customer`, /";"/],
    ['INSERT', 'SELECT 1 AS match_key FROM t INSERT INTO t VALUES (1)', /INSERT/],
    ['ALTER', 'SELECT match_key FROM t WHERE 1 = 1 ALTER TABLE t DELETE WHERE 1', /ALTER/],
    ['DROP', 'SELECT match_key FROM t UNION ALL DROP TABLE t', /DROP/],
    ['TRUNCATE', 'SELECT match_key FROM t TRUNCATE', /TRUNCATE/],
    ['system tables', 'SELECT name AS match_key FROM system.tables', /system tables/],
    ['quoted system tables', 'SELECT name AS match_key FROM `system`.`users`', /system tables/],
    ['a table function', "SELECT * AS match_key FROM url('http://x', CSV, 'a String')", /url\(\)/],
    ['remote()', "SELECT match_key FROM remote('10.0.0.1', default.t)", /remote\(\)/],
    ['SETTINGS', 'SELECT match_key FROM t SETTINGS max_threads = 100', /SETTINGS/],
    ['INTO OUTFILE', "SELECT match_key FROM t INTO OUTFILE '/tmp/x'", /INTO/],
    ['a comment hiding text', 'SELECT match_key FROM t -- ; DROP', /comments/],
    ['no match_key', 'SELECT customer_number FROM {{customer.erp}}', /match_key/],
    ['an unknown placeholder', 'SELECT match_key FROM {{galaxy.erp}}', /unknown placeholder/],
    ['a broken placeholder', 'SELECT match_key FROM {{customer.erp', /malformed/],
    ['an unterminated string', "SELECT match_key FROM t WHERE a = 'x", /unterminated/],
  ])('rejects %s', (_name, text, problem) => {
    const { problems } = checkCustomSql(text);
    expect(problems.join('\n')).toMatch(problem);
  });
});
