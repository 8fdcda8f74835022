/** A coloured word for a status or severity; the word itself carries the meaning (not only the colour). */
const TONES: Record<string, 'good' | 'bad' | 'warn' | 'muted' | 'info'> = {
  complete: 'good',
  resolved: 'good',
  sent: 'good',
  ok: 'good',
  healthy: 'good',
  ran: 'good',
  running: 'info',
  queued: 'muted',
  new: 'warn',
  open: 'warn',
  reopened: 'bad',
  suppressed: 'muted',
  partial: 'warn',
  held: 'warn',
  skipped: 'muted',
  failed: 'bad',
  critical: 'bad',
  high: 'bad',
  medium: 'warn',
  low: 'info',
  info: 'muted',
  firing: 'bad',
  done: 'good',
  decided: 'good',
  approved: 'info',
  applying: 'info',
  verifying: 'info',
  proposed: 'warn',
  needs_review: 'warn',
  conflict: 'bad',
  dead_lettered: 'bad',
  dismissed: 'muted',
};

export function StatusBadge({ value }: { value: string }) {
  return <span className={`badge badge-${TONES[value] ?? 'muted'}`}>{value}</span>;
}
