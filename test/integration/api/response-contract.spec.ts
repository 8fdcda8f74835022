import { Controller, Get, HttpException, NotFoundException, Param, Res, Sse, type MessageEvent } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiProperty } from '@nestjs/swagger';
import type { Response } from 'express';
import { from, type Observable } from 'rxjs';
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

  @Get('gone')
  @Roles('viewer')
  @ApiNotFoundResponse({ description: 'Documented, answered by the exception filter.' })
  gone(): never {
    throw new NotFoundException('nothing here');
  }

  @Get('teapot')
  @Roles('viewer')
  teapot(): never {
    throw new HttpException('a status the document does not list', 418);
  }

  @Get('odd-error')
  @Roles('viewer')
  @ApiConflictResponse({ description: 'Documented, answered in another shape.' })
  oddError(@Res() res: Response): void {
    res.status(409).json({ oops: true });
  }

  @Sse('events')
  @Roles('viewer')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ type: ContractPart, description: 'Each event.' })
  events(): Observable<MessageEvent> {
    return from([{ data: { label: 'fine' } }, { data: { label: 7 } }]);
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

  it('passes documented answers and reports undeclared fields, wrong types, missing fields, undocumented routes and statuses, foreign error shapes and bad events', async () => {
    t = await startApiApp({}, { controllers: [ContractProbeController] });
    const viewer = (await t.key(['viewer'])).key;
    for (const which of [...Object.keys(ANSWERS), 'undocumented', 'events']) {
      await request(t.server).get(`/api/v1/contract-probe/${which}`).set('X-API-Key', viewer).expect(200);
    }
    for (const [which, status] of [
      ['gone', 404],
      // A status every route shares (components.responses, by reference): a query the route does not read.
      ['exact?unread=1', 400],
      ['teapot', 418],
      ['odd-error', 409],
    ] as const) {
      await request(t.server).get(`/api/v1/contract-probe/${which}`).set('X-API-Key', viewer).expect(status);
    }
    const app = t;
    t = undefined;
    const error = await app.close().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    const lines = (error?.message ?? '').split('\n').slice(1);
    expect(lines).toHaveLength(8);
    const text = lines.join('\n');
    expect(text).toContain('GET /api/v1/contract-probe/undocumented 200: no application/json schema documented');
    // Errors: the filter's answer to a documented status passes; an unlisted status and a foreign shape do not.
    expect(text).not.toContain('/gone');
    expect(text).not.toContain(' 400');
    expect(text).toContain('GET /api/v1/contract-probe/teapot 418: no application/json schema documented');
    expect(text).toMatch(/GET \/api\/v1\/contract-probe\/odd-error 409: .*additional properties.*oops/);
    // Server-sent events: each event's data against the text/event-stream schema; only the bad one fails.
    expect(lines.filter((l) => l.includes('/events'))).toEqual([
      expect.stringMatching(/GET \/api\/v1\/contract-probe\/events 200: \/label must be string/),
    ]);
    const [extra, wrongType, missing, extraInPart] = lines.filter((l) =>
      l.startsWith('GET /api/v1/contract-probe/{case}'),
    );
    expect(extra).toMatch(/must NOT have additional properties.*secret/);
    expect(wrongType).toMatch(/\/count must be number/);
    expect(missing).toMatch(/must have required property 'count'/);
    expect(extraInPart).toMatch(/\/part.*colour/);
  });

  it("holds the app's own progress stream to its documented event (RunningProgress) and its errors to ApiErrorBody", async () => {
    t = await startApiApp();
    const viewer = (await t.key(['viewer'])).key;
    // Nothing runs: one event with `active: 0`, then the stream ends.
    const stream = await request(t.server).get('/api/v1/snapshots/progress').set('X-API-Key', viewer).expect(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.text).toMatch(/^data: \{.*"active":0/m);
    await request(t.server)
      .get('/api/v1/snapshots/00000000-0000-4000-8000-000000000000/progress')
      .set('X-API-Key', viewer)
      .expect(404);
    await request(t.server).get('/api/v1/snapshots/progress?connectorId=UPPER').set('X-API-Key', viewer).expect(400);
    const app = t;
    t = undefined;
    await app.close();
  });
});
