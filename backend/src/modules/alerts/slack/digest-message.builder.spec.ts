import { blockKitProblems } from './block-kit-validator';
import { buildDigestMessage, type DigestFigures } from './digest-message.builder';

const figures: DigestFigures = {
  digestId: 'ops-leads-daily',
  description: "Yesterday's drift <across> every system",
  fromDay: '2026-12-01',
  toDay: '2026-12-01',
  systems: [],
  open: {
    now: 1234,
    atStart: 1300,
    atEnd: 1250,
    bySeverity: [
      { severity: 'critical', open: 4 },
      { severity: 'high', open: 230 },
      { severity: 'medium', open: 1000 },
      { severity: 'low', open: 0 },
    ],
  },
  flow: { opened: 80, reopened: 5, resolved: 135 },
  autoHeal: { resolved: 135, healedByFixup: 108, ratePercent: 80 },
  meanTimeToResolveSeconds: 5400,
  suppressed: 12,
  sla: [
    {
      route: 'erp_to_crm_order_status',
      fromSystem: 'erp',
      toSystem: 'crm',
      events: 743,
      breaches: 11,
      adherencePercent: 98.52,
      p95Seconds: 227,
    },
    {
      route: 'wms_to_crm_shipment_milestone',
      fromSystem: 'wms',
      toSystem: 'crm',
      events: 0,
      breaches: 0,
      adherencePercent: null,
      p95Seconds: null,
    },
  ],
  topRules: [
    { ruleId: 'credit.hold-visibility', severity: 'critical', open: 4, openedInRange: 1 },
    { ruleId: 'order.status-match', severity: 'medium', open: 300, openedInRange: 0 },
  ],
  dashboardUrl: 'http://127.0.0.1:3000/?days=7',
  generatedAt: new Date('2026-12-02T07:00:00Z'),
};

const textOf = (message: ReturnType<typeof buildDigestMessage>) => JSON.stringify(message.blocks);

describe('buildDigestMessage', () => {
  it('is valid Block Kit: header with the day, figures, SLA routes, top rules and the overview link', () => {
    const message = buildDigestMessage(figures);
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(message.text).toBe(
      'Drift digest · 2026-12-01: 1,234 open findings, 85 opened, 135 resolved, auto-heal 80.0% (108 of 135 by fix-ups)',
    );
    const text = textOf(message);
    expect(text).toContain('*1,234 open findings now* (critical 4 · high 230 · medium 1,000)');
    expect(text).toContain('1,300 → 1,250 (▼ 50)');
    expect(text).toContain('85 / 135 (5 reopened)');
    expect(text).toContain('*Mean time to resolve*\\n90 min');
    expect(text).toContain(
      '• erp → crm (erp_to_crm_order_status): 98.5% in time, 11 breaches in 743 events, p95 4 min',
    );
    expect(text).toContain('• wms → crm (wms_to_crm_shipment_milestone): no events');
    expect(text).toContain('• `credit.hold-visibility` · critical · 4 open, 1 new');
    expect(text).toContain('• `order.status-match` · medium · 300 open');
    expect(text).toContain('<http://127.0.0.1:3000/?days=7|Open the overview>');
    // Slack's control characters in configured text are escaped.
    expect(text).toContain('drift &lt;across&gt; every system');
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('names a range of days, the systems, a rise, and says when nothing resolved or moved', () => {
    const message = buildDigestMessage({
      ...figures,
      fromDay: '2026-11-25',
      toDay: '2026-12-01',
      systems: ['erp', 'crm'],
      open: { ...figures.open, atStart: 10, atEnd: 10 },
      flow: { opened: 0, reopened: 0, resolved: 0 },
      autoHeal: { resolved: 0, healedByFixup: 0, ratePercent: null },
      meanTimeToResolveSeconds: null,
      sla: [],
      topRules: [],
    });
    expect(blockKitProblems(message)).toEqual([]);
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    const text = textOf(message);
    expect(text).toContain('Drift digest · 2026-11-25 – 2026-12-01');
    expect(text).toContain(' · systems erp, crm');
    expect(text).toContain('10 → 10 (no change)');
    expect(text).toContain('*Auto-heal rate*\\nno resolutions');
    expect(text).toContain('*Mean time to resolve*\\n—');
    expect(buildDigestMessage({ ...figures, open: { ...figures.open, atStart: 3, atEnd: 1003 } }).blocks[1]).toEqual(
      expect.objectContaining({
        fields: expect.arrayContaining([expect.objectContaining({ text: expect.stringContaining('(▲ 1,000)') })]),
      }),
    );
  });
});
