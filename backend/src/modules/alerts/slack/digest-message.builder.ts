import type { KnownBlock } from '@slack/types';
import { formatSeconds } from '../alert-evaluator';
import { BLOCK_KIT_LIMITS, escapeMrkdwn, truncate, type SlackMessage } from './slack-message.builder';

/** What one digest message says: the dashboard overview's figures for the days it covers. */
export interface DigestFigures {
  digestId: string;
  description: string;
  /** The whole UTC days covered, first and last (YYYY-MM-DD). */
  fromDay: string;
  toDay: string;
  /** The systems the figures are narrowed to; empty = all. */
  systems: readonly string[];
  open: {
    now: number;
    /** Active findings at the start of the first day and at the end of the last. */
    atStart: number;
    atEnd: number;
    bySeverity: readonly { severity: string; open: number }[];
  };
  flow: { opened: number; reopened: number; resolved: number };
  autoHeal: { resolved: number; healedByFixup: number; ratePercent: number | null };
  meanTimeToResolveSeconds: number | null;
  suppressed: number;
  sla: readonly {
    route: string;
    fromSystem: string;
    toSystem: string;
    events: number;
    breaches: number;
    adherencePercent: number | null;
    p95Seconds: number | null;
  }[];
  topRules: readonly { ruleId: string; severity: string; open: number; openedInRange: number }[];
  dashboardUrl: string;
  generatedAt: Date;
}

const count = (n: number): string => n.toLocaleString('en-US');

/** `▲ 12` / `▼ 3` / `no change`: how the open findings moved over the days covered. */
function movement(from: number, to: number): string {
  if (to === from) return 'no change';
  return `${to > from ? '▲' : '▼'} ${count(Math.abs(to - from))}`;
}

function period(figures: DigestFigures): string {
  return figures.fromDay === figures.toDay ? figures.fromDay : `${figures.fromDay} – ${figures.toDay}`;
}

function slaLine(route: DigestFigures['sla'][number]): string {
  const name = `${route.fromSystem} → ${route.toSystem} (${route.route})`;
  if (route.adherencePercent === null) return `• ${name}: no events`;
  const p95 = route.p95Seconds === null ? '' : `, p95 ${formatSeconds(route.p95Seconds)}`;
  return `• ${name}: ${route.adherencePercent.toFixed(1)}% in time, ${count(route.breaches)} breaches in ${count(route.events)} events${p95}`;
}

/**
 * A digest as Block Kit: a header naming the days, the open findings and their movement, the flow,
 * auto-heal and time to resolve as fields, SLA adherence per route and the rules with the most open
 * findings. It carries no buttons: there is nothing to acknowledge.
 */
export function buildDigestMessage(figures: DigestFigures): SlackMessage {
  const headline = `Drift digest · ${period(figures)}`;
  const scope = figures.systems.length > 0 ? ` · systems ${figures.systems.join(', ')}` : '';
  const severities = figures.open.bySeverity
    .filter((s) => s.open > 0)
    .map((s) => `${s.severity} ${count(s.open)}`)
    .join(' · ');
  const heal =
    figures.autoHeal.ratePercent === null
      ? 'no resolutions'
      : `${figures.autoHeal.ratePercent.toFixed(1)}% (${count(figures.autoHeal.healedByFixup)} of ${count(figures.autoHeal.resolved)} by fix-ups)`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headline, BLOCK_KIT_LIMITS.headerText) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${count(figures.open.now)} open findings now*${severities ? ` (${severities})` : ''}\n` +
            `${escapeMrkdwn(figures.description)}${escapeMrkdwn(scope)}`,
          BLOCK_KIT_LIMITS.sectionText,
        ),
      },
      fields: [
        {
          type: 'mrkdwn',
          text: `*Open over the period*\n${count(figures.open.atStart)} → ${count(figures.open.atEnd)} (${movement(figures.open.atStart, figures.open.atEnd)})`,
        },
        {
          type: 'mrkdwn',
          text: `*Opened / resolved*\n${count(figures.flow.opened + figures.flow.reopened)} / ${count(figures.flow.resolved)}${figures.flow.reopened > 0 ? ` (${count(figures.flow.reopened)} reopened)` : ''}`,
        },
        { type: 'mrkdwn', text: `*Auto-heal rate*\n${heal}` },
        {
          type: 'mrkdwn',
          text: `*Mean time to resolve*\n${figures.meanTimeToResolveSeconds === null ? '—' : formatSeconds(figures.meanTimeToResolveSeconds)}`,
        },
        { type: 'mrkdwn', text: `*Accepted exceptions*\n${count(figures.suppressed)} suppressed` },
      ],
    },
  ];
  if (figures.sla.length > 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*Propagation SLAs*\n${figures.sla.map((r) => escapeMrkdwn(slaLine(r))).join('\n')}`,
          BLOCK_KIT_LIMITS.sectionText,
        ),
      },
    });
  }
  if (figures.topRules.length > 0) {
    const lines = figures.topRules.map(
      (r) =>
        `• \`${escapeMrkdwn(r.ruleId)}\` · ${r.severity} · ${count(r.open)} open${r.openedInRange > 0 ? `, ${count(r.openedInRange)} new` : ''}`,
    );
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*Most open findings*\n${lines.join('\n')}`, BLOCK_KIT_LIMITS.sectionText),
      },
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `<${figures.dashboardUrl}|Open the overview> · digest \`${escapeMrkdwn(figures.digestId)}\` · ${figures.generatedAt.toISOString()}`,
      },
    ],
  });
  return {
    text: truncate(
      `${headline}: ${count(figures.open.now)} open findings, ${count(figures.flow.opened + figures.flow.reopened)} opened, ${count(figures.flow.resolved)} resolved, auto-heal ${heal}`,
      BLOCK_KIT_LIMITS.fallbackText,
    ),
    blocks,
  };
}
