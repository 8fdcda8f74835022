import { formatDateTime, formatShortDateTime } from './formatting';

describe('formatShortDateTime', () => {
  const now = new Date('2026-11-30T12:00:00Z');

  it('gives day and time this year, and the year instead of the time before it', () => {
    const thisYear = formatShortDateTime('2026-11-02T09:30:00Z', now);
    const before = formatShortDateTime('2025-11-02T09:30:00Z', now);
    expect(thisYear).not.toMatch(/2026/);
    expect(thisYear).toMatch(/\d{2}:\d{2}|\d{1,2}:\d{2}/);
    expect(before).toMatch(/2025/);
    expect(before).not.toMatch(/:\d{2}/);
    // Shorter than the full form the title shows.
    expect(thisYear.length).toBeLessThan(formatDateTime('2026-11-02T09:30:00Z').length);
  });

  it('shows a dash for no time and an unreadable one as it came', () => {
    expect(formatShortDateTime(null, now)).toBe('—');
    expect(formatShortDateTime('not a time', now)).toBe('not a time');
  });
});
