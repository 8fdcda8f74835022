import type { RunningEstate } from '@driftwatch/demo-estate';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ConnectorsFile {
  /** For DRIFTWATCH_CONNECTORS_FILE. */
  path: string;
  /** The secret the file references as `${env:CRM_CLIENT_SECRET}`. */
  env: { CRM_CLIENT_SECRET: string };
  remove(): void;
}

/** A connectors file with the estate's CRM as connector `crm` (Salesforce, OAuth2 client credentials). */
export function crmConnectorsFile(estate: RunningEstate, prefix = 'dw-connectors-'): ConnectorsFile {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'connectors.yaml');
  writeFileSync(
    path,
    [
      'connectors:',
      '  - id: crm',
      '    kind: salesforce',
      `    baseUrl: ${estate.crm.baseUrl}`,
      '    auth:',
      '      type: oauth2-client-credentials',
      `      tokenUrl: ${estate.crm.tokenUrl}`,
      `      clientId: ${estate.crm.clientId}`,
      '      clientSecret: ${env:CRM_CLIENT_SECRET}',
      '',
    ].join('\n'),
  );
  return {
    path,
    env: { CRM_CLIENT_SECRET: estate.crm.clientSecret },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
