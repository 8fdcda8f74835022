import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import request from 'supertest';
import { Roles } from '../../../backend/src/modules/auth/access.decorators';
import { startApiApp, type ApiTestApp } from './support/api-app';

class ContractPart {
  @ApiProperty() label!: string;
}

class ContractView {
  @ApiProperty() id!: string;
  @ApiProperty() count!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) at!: string | null;
  @ApiProperty({ type: ContractPart, nullable: true }) part!: ContractPart | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

const ANSWERS: Record<string, unknown> = {
  exact: { id: 'a', count: 1, at: null, part: null, details: { anything: [1, 'two'] } },
  'with-part': { id: 'b', count: 2, at: '2026-12-02T00:00:00.000Z', part: { label: 'x' }, details: {} },
  'extra-field': { id: 'c', count: 3, at: null, part: null, details: {}, secret: 'undeclared' },
  'wrong-type': { id: 'd', count: '4', at: null, part: null, details: {} },
  'missing-field': { id: 'e', at: null, part: null, details: {} },
  'extra-in-part': { id: 'f', count: 6, at: null, part: { label: 'y', colour: 'red' }, details: {} },
};

/** A test-only API route that documents one shape and answers several, to prove the contract check bites. */
@Controller('api/v1/contract-probe')
class ContractProbeController {
  @Get('undocumented')
  @Roles('viewer')
  undocumented(): { any: string } {
    return { any: 'shape' };
  }

  @Get(':case')
  @Roles('viewer')
  @ApiOkResponse({ type: ContractView })
  answer(@Param('case') which: string): unknown {
    return ANSWERS[which];
  }
}

describe('the response contract check of API specs (support/response-contract.ts)', () => {
  let t: ApiTestApp | undefined;

  afterAll(async () => {
    // Only if the test below failed before closing it.
    await t?.close().catch(() => undefined);
  });

  it('passes documented answers and reports undeclared fields, wrong types, missing fields and undocumented routes', async () => {
    t = await startApiApp({}, { controllers: [ContractProbeController] });
    const viewer = (await t.key(['viewer'])).key;
    for (const which of [...Object.keys(ANSWERS), 'undocumented']) {
      await request(t.server).get(`/api/v1/contract-probe/${which}`).set('X-API-Key', viewer).expect(200);
    }
    const app = t;
    t = undefined;
    const error = await app.close().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    const lines = (error?.message ?? '').split('\n').slice(1);
    expect(lines).toHaveLength(5);
    expect(lines.join('\n')).toContain('GET /api/v1/contract-probe/undocumented 200: no response schema documented');
    const [extra, wrongType, missing, extraInPart] = lines.filter((l) =>
      l.startsWith('GET /api/v1/contract-probe/{case}'),
    );
    expect(extra).toMatch(/must NOT have additional properties.*secret/);
    expect(wrongType).toMatch(/\/count must be number/);
    expect(missing).toMatch(/must have required property 'count'/);
    expect(extraInPart).toMatch(/\/part.*colour/);
  });
});
