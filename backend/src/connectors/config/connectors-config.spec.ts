import { inspect } from 'node:util';
import { ConnectorConfigError } from '../connector.errors';
import { parseConnectorsConfig } from './connectors-config';
import { Secret } from './secret';

const yaml = `
connectors:
  - id: crm
    kind: salesforce
    baseUrl: http://\${env:CRM_HOST}/
    auth:
      type: oauth2-client-credentials
      tokenUrl: http://127.0.0.1:4010/services/oauth2/token
      clientId: driftwatch
      clientSecret: \${env:CRM_CLIENT_SECRET}
    mapping:
      credit_profile:
        fields:
          paymentTerms: { valueMap: { "Net 30": NET30 } }
  - id: warehouse
    kind: sql
    settings:
      url: \${env:DW_DATABASE_URL}
      query: select 1
`;

describe('connectors config', () => {
  const env = {
    CRM_HOST: '127.0.0.1:4010',
    CRM_CLIENT_SECRET: 's3cr3t-value',
    DW_DATABASE_URL: 'postgres://u:pw@h/db',
  };

  it('resolves env references: whole values become secrets, embedded ones plain text', () => {
    const [crm, warehouse] = parseConnectorsConfig(yaml, env);
    expect(crm.baseUrl).toBe('http://127.0.0.1:4010/');
    expect(crm.auth.type).toBe('oauth2-client-credentials');
    if (crm.auth.type !== 'oauth2-client-credentials') throw new Error('auth');
    expect(crm.auth.clientSecret).toBeInstanceOf(Secret);
    expect(crm.auth.clientSecret.reveal()).toBe('s3cr3t-value');
    expect(crm.pageSize).toBe(200);
    expect((warehouse.settings.url as Secret).reveal()).toBe('postgres://u:pw@h/db');
  });

  it('never prints a secret: JSON, string conversion, template literals, util.inspect', () => {
    const configs = parseConnectorsConfig(yaml, env);
    const printed = [
      JSON.stringify(configs),
      String(configs[1].settings.url),
      `${configs[1].settings.url as string}`,
      inspect(configs, { depth: 10 }),
    ];
    for (const text of printed) {
      expect(text).not.toContain('s3cr3t-value');
      expect(text).not.toContain('pw@h');
    }
    expect(JSON.stringify(configs)).toContain('[redacted]');
    expect(inspect(configs, { depth: 10 })).toContain('Secret(env:CRM_CLIENT_SECRET)');
  });

  it('names the missing environment variable', () => {
    expect(() => parseConnectorsConfig(yaml, { CRM_HOST: 'x' })).toThrow(/CRM_CLIENT_SECRET is not set/);
  });

  it('refuses secrets written inline', () => {
    const inline = yaml.replace('${env:CRM_CLIENT_SECRET}', 'plain-secret');
    expect(() => parseConnectorsConfig(inline, env)).toThrow(ConnectorConfigError);
    expect(() => parseConnectorsConfig(inline, env)).toThrow(/clientSecret: must be a reference/);
  });

  it('refuses duplicate ids and unknown kinds', () => {
    expect(() => parseConnectorsConfig('connectors: [{id: a, kind: sql}, {id: a, kind: sql}]', {})).toThrow(
      /appears twice/,
    );
    expect(() => parseConnectorsConfig('connectors: [{id: a, kind: sap}]', {})).toThrow(/kind/);
  });
});

describe('createConnector', () => {
  it('builds each configured kind, and a connector never prints its secret', async () => {
    const { createConnector } = await import('../connector-factory');
    const [crm] = parseConnectorsConfig(yaml, {
      CRM_HOST: '127.0.0.1:4010',
      CRM_CLIENT_SECRET: 's3cr3t-value',
      DW_DATABASE_URL: 'postgres://u:pw@127.0.0.1:1/db',
    });
    const connector = createConnector(crm);
    expect(connector.kind).toBe('salesforce');
    expect(connector.capabilities.entities).toContain('customer');
    expect(JSON.stringify((connector as unknown as { config: unknown }).config)).not.toContain('s3cr3t-value');
    expect(inspect(connector, { depth: 20 })).not.toContain('s3cr3t-value');
  });
});
