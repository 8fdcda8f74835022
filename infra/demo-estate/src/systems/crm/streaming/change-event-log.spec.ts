import type { ChangeEventBody } from './change-event-builder';
import { ChangeEventLog } from './change-event-log';

const body = { schema: 's', payload: {} } as unknown as ChangeEventBody;

describe('ChangeEventLog', () => {
  it('numbers events by one across objects and keeps only the latest `capacity`', () => {
    const log = new ChangeEventLog(3);
    for (const entity of ['Account', 'Contact', 'Account', 'Opportunity', 'Account']) log.append(entity, body);
    expect(log.lastReplayId).toBe(5);
    expect(log.size).toBe(3);
    expect(log.firstReplayId).toBe(3);
    expect(log.after(0).map((e) => [e.replayId, e.entityName])).toEqual([
      [3, 'Account'],
      [4, 'Opportunity'],
      [5, 'Account'],
    ]);
    expect(JSON.parse(log.after(4)[0].json)).toEqual({ schema: 's', payload: {}, event: { replayId: 5 } });
  });

  it('resumes only where no later event was dropped and never from the future', () => {
    const log = new ChangeEventLog(3);
    for (let i = 0; i < 5; i++) log.append('Account', body);
    expect([1, 2, 3, 5, 6].map((id) => log.canResumeAfter(id))).toEqual([false, true, true, true, false]);
    expect(log.canResumeAfter(2.5)).toBe(false);
  });

  it('expires retained events up to a replayId, or all of them', () => {
    const log = new ChangeEventLog(10);
    for (let i = 0; i < 4; i++) log.append('Contact', body);
    expect(log.expire(2)).toBe(2);
    expect(log.firstReplayId).toBe(3);
    expect(log.canResumeAfter(1)).toBe(false);
    expect(log.expire()).toBe(2);
    expect([log.size, log.firstReplayId, log.lastReplayId]).toEqual([0, null, 4]);
    expect(log.canResumeAfter(4)).toBe(true);
    log.append('Contact', body);
    expect(log.after(4).map((e) => e.replayId)).toEqual([5]);
  });
});
