import { settleWaitMs } from './tryton.connector';

describe('settleWaitMs (when a Tryton _timestamp can guard a write)', () => {
  const at = (seconds: number) => seconds * 1000;

  it('waits until the server clock is 2 s past a whole-second version (SQLite)', () => {
    expect(settleWaitMs(['1795960335'], at(1795960335))).toBe(2000);
    expect(settleWaitMs(['1795960335'], at(1795960336))).toBe(1000);
    expect(settleWaitMs(['1795960335'], at(1795960337))).toBe(0);
    expect(settleWaitMs(['1795960335'], at(1795960400))).toBe(0);
  });

  it('waits for the most recent of the versions guarding one write', () => {
    expect(settleWaitMs(['1795960300', '1795960336'], at(1795960337))).toBe(1000);
  });

  it('never waits for versions with sub-second precision (PostgreSQL): Tryton tells them apart', () => {
    expect(settleWaitMs(['1795960335.332020'], at(1795960335))).toBe(0);
  });
});
