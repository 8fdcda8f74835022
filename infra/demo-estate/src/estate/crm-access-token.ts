/**
 * An access token of the estate's Salesforce org, as an integration user gets one (OAuth client
 * credentials): what tests and benchmarks that call its REST or Streaming API sign in with.
 */
export async function crmAccessToken(crm: {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}): Promise<string> {
  const response = await fetch(crm.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: crm.clientId,
      client_secret: crm.clientSecret,
    }),
  });
  if (!response.ok) throw new Error(`CRM token request failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
