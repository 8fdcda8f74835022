import { startEstate, type RunningEstate } from '@driftwatch/demo-estate';
import type { FaultKind } from '@driftwatch/demo-estate';

export type EstateSystem = 'crm' | 'erp' | 'wms' | 'support';

/** A small demo estate on free loopback ports, no drift: the connector tests' vendor systems. */
export function startSmallEstate(customers: number): Promise<RunningEstate> {
  return startEstate({ customers, seed: 11, scenario: 'none' });
}

function baseUrl(estate: RunningEstate, system: EstateSystem): string {
  return estate[system].baseUrl;
}

/** Queues faults for the system's next requests through its admin endpoint (over HTTP, as an operator would). */
export async function queueFaults(estate: RunningEstate, system: EstateSystem, next: FaultKind[]): Promise<void> {
  const response = await fetch(`${baseUrl(estate, system)}/__admin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ next, retryAfterSeconds: 1 }),
  });
  if (!response.ok) throw new Error(`faults: ${response.status} ${await response.text()}`);
}

export async function faultsInjected(estate: RunningEstate, system: EstateSystem): Promise<number> {
  const stats = (await (await fetch(`${baseUrl(estate, system)}/__admin/stats`)).json()) as {
    faultsInjected: Record<string, number>;
  };
  return Object.values(stats.faultsInjected).reduce((a, b) => a + b, 0);
}

/** Another user's edit, behind the connector's back. */
export async function mutate(
  estate: RunningEstate,
  system: EstateSystem,
  entity: string,
  key: string,
  fields: Record<string, unknown>,
): Promise<unknown> {
  const response = await fetch(`${baseUrl(estate, system)}/__admin/mutate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ entity, key, fields }),
  });
  if (!response.ok) throw new Error(`mutate ${entity}/${key}: ${response.status} ${await response.text()}`);
  return response.json();
}
