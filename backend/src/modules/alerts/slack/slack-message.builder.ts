import type { ActionsBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { AlertStatus } from '../alert-state.entity';
import { maskPersonalData } from './personal-data-mask';

export type AlertSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export interface AlertExample {
  key: string;
  /** The system whose value is wrong or whose record is missing (the finding's actual system). */
  system: string;
  field: string;
  /** The finding's kind; presence, orphan and duplicate findings read as where the records are, not as values. */
  kind?: string;
  /** The system of record. */
  owner?: string;
  expected?: string;
  actual?: string;
}

/** What one Slack message says about one alert (a rule and routing key) at one moment. */
export interface AlertMessageInput {
  alertId: string;
  title: string;
  ruleId: string;
  severity: AlertSeverity;
  domain: string;
  state: AlertStatus;
  counts: { new: number; open: number; resolved: number; affectedPercent?: number };
  examples: AlertExample[];
  /** Shown instead of the finding counts (SLA and connector alerts). */
  facts?: { label: string; value: string }[];
  dashboardUrl: string;
  updatedAt: Date;
  acknowledgedBy?: string;
  snoozedUntil?: Date;
}

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Block Kit limits the builder keeps to (Slack rejects or truncates past them). */
export const BLOCK_KIT_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  buttonText: 75,
  actionValue: 2000,
  fallbackText: 4000,
} as const;

const MAX_EXAMPLES = 5;
const SEVERITY_EMOJI: Record<AlertSeverity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':white_circle:',
  info: ':information_source:',
};

export const ALERT_ACTIONS = {
  acknowledge: 'alert.acknowledge',
  approveFixes: 'alert.approve_fixes',
  snooze1h: 'alert.snooze_1h',
  snooze24h: 'alert.snooze_24h',
} as const;

export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
// Slack mrkdwn treats these three as control characters.
export const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A value as an example shows it: masked, and an empty one said so (an empty code span shows as two backticks). */
function shown(value: string, field: string): string {
  return value === '' ? '_empty_' : `\`${maskPersonalData(value, field)}\``;
}

function exampleLine(example: AlertExample): string {
  const { system, field, owner } = example;
  // A contact's match key is its email address.
  const key = maskPersonalData(example.key);
  if (example.kind === 'missing')
    return escapeMrkdwn(`• ${key} · missing in ${system}${owner ? ` (in ${owner})` : ''}`);
  if (example.kind === 'unexpected')
    return escapeMrkdwn(`• ${key} · in ${system}${owner ? ` without a record in ${owner}` : ' only'}`);
  // Their key names both records; the field is what they share.
  if (example.kind === 'duplicate') return escapeMrkdwn(`• ${key} · two ${system} records, same ${field}`);
  if (example.kind === 'duplicate_candidate')
    return escapeMrkdwn(`• ${key} · two ${system} records, near-identical ${field}`);
  // A fix-up that failed for good: its field is the reconciliation rule, its actual value the error.
  if (example.kind === 'dead_letter')
    return escapeMrkdwn(`• ${key} · \`${field}\`${example.actual ? `: ${truncate(example.actual, 150)}` : ''}`);
  if (example.kind === 'orphan') {
    const reference = example.actual ?? '';
    return escapeMrkdwn(
      `• ${key} · ${system}.${field} ${reference === '' ? 'is empty' : `${shown(reference, field)} finds no parent record`}`,
    );
  }
  const expected = example.expected === undefined ? '' : ` expected ${shown(example.expected, field)}`;
  const actual = example.actual === undefined ? '' : ` got ${shown(example.actual, field)}`;
  return escapeMrkdwn(`• ${key} · ${field ? `${system}.${field}` : system}:${expected}${actual}`);
}

export function buildAlertMessage(input: AlertMessageInput): SlackMessage {
  const resolved = input.state === 'resolved';
  const icon = resolved ? ':white_check_mark:' : SEVERITY_EMOJI[input.severity];
  const headline = `${resolved ? 'Resolved: ' : ''}${input.title}`;
  // The header block carries the headline; the summary says what it is about and how it stands.
  const summary =
    `${icon} ${resolved ? '*Resolved* · ' : ''}Rule \`${escapeMrkdwn(input.ruleId)}\` · ${input.severity} · ${escapeMrkdwn(input.domain)}` +
    (input.acknowledgedBy ? `\nAcknowledged by ${escapeMrkdwn(input.acknowledgedBy)}` : '') +
    (input.snoozedUntil ? `\nSnoozed until ${input.snoozedUntil.toISOString()}` : '');
  const facts = input.facts?.slice(0, BLOCK_KIT_LIMITS.fields);
  const fields: SectionBlock['fields'] = facts
    ? facts.map((f) => ({
        type: 'mrkdwn' as const,
        text: truncate(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, BLOCK_KIT_LIMITS.fieldText),
      }))
    : [
        { type: 'mrkdwn', text: `*New*\n${input.counts.new}` },
        { type: 'mrkdwn', text: `*Open*\n${input.counts.open}` },
        { type: 'mrkdwn', text: `*Resolved*\n${input.counts.resolved}` },
      ];
  if (!facts && input.counts.affectedPercent !== undefined) {
    fields.push({ type: 'mrkdwn', text: `*Records affected*\n${input.counts.affectedPercent.toFixed(2)}%` });
  }
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headline, BLOCK_KIT_LIMITS.headerText) } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(summary, BLOCK_KIT_LIMITS.sectionText) }, fields },
  ];
  const examples = input.examples.slice(0, MAX_EXAMPLES);
  if (examples.length > 0 && !resolved) {
    const more = input.counts.open - examples.length;
    const text = `*Examples*\n${examples.map(exampleLine).join('\n')}${more > 0 ? `\n…and ${more} more` : ''}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, BLOCK_KIT_LIMITS.sectionText) } });
  }
  if (!resolved) blocks.push(actionsBlock(input));
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `<${input.dashboardUrl}|Open in Driftwatch> · updated ${input.updatedAt.toISOString()}`,
      },
    ],
  });
  return {
    text: truncate(
      facts
        ? `${headline}: ${facts.map((f) => `${f.label} ${f.value}`).join(', ')}`
        : `${headline}: ${input.counts.open} open, ${input.counts.new} new`,
      BLOCK_KIT_LIMITS.fallbackText,
    ),
    blocks,
  };
}

function actionsBlock(input: AlertMessageInput): ActionsBlock {
  const button = (text: string, actionId: string, style?: 'primary' | 'danger') => ({
    type: 'button' as const,
    text: { type: 'plain_text' as const, text },
    action_id: actionId,
    value: input.alertId,
    ...(style ? { style } : {}),
  });
  return {
    type: 'actions',
    block_id: `alert:${input.alertId}`.slice(0, 255),
    elements: [
      button('Acknowledge', ALERT_ACTIONS.acknowledge, 'primary'),
      button('Approve fixes', ALERT_ACTIONS.approveFixes),
      button('Snooze 1h', ALERT_ACTIONS.snooze1h),
      button('Snooze 24h', ALERT_ACTIONS.snooze24h),
    ],
  };
}
