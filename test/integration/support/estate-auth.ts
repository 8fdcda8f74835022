/** How the connectors sign in to the demo estate's CRM (Salesforce) and ERP (Dynamics): OAuth client credentials. */
import type { RunningEstate } from '@driftwatch/demo-estate';
import type { ConnectorConfig } from '../../../backend/src/connectors/config/connectors-config';
import { Secret } from '../../../backend/src/connectors/config/secret';

export const crmAuth = (estate: RunningEstate): ConnectorConfig['auth'] => ({
  type: 'oauth2-client-credentials',
  tokenUrl: estate.crm.tokenUrl,
  clientId: estate.crm.clientId,
  clientSecret: new Secret(estate.crm.clientSecret, 'test'),
});

export const erpAuth = (estate: RunningEstate): ConnectorConfig['auth'] => ({
  type: 'oauth2-client-credentials',
  tokenUrl: estate.erp.tokenUrl,
  clientId: estate.erp.clientId,
  clientSecret: new Secret(estate.erp.clientSecret, 'test'),
  scope: estate.erp.scope,
});
