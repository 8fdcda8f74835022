/**
 * The demo Slack workspace as a web page: channels, messages rendered from their Block Kit (header,
 * section with fields, context, actions, divider) and buttons that click through to the app as Slack
 * does. Only what alert messages use is rendered; anything else shows as its fallback text.
 */
import { repliesByParent, type SlackChannel, type SlackClick, type SlackMessage } from './slack-workspace.store';

// Drawn with text symbols and colour: a headless browser often has no colour emoji font.
const dot = (color: string) => `<span class="emoji" style="color:${color}">●</span>`;
const EMOJI: Record<string, string> = {
  red_circle: dot('#e01e5a'),
  large_orange_circle: dot('#f2952f'),
  large_yellow_circle: dot('#ecb22e'),
  white_circle: dot('#bbbbbb'),
  rotating_light: dot('#e01e5a'),
  information_source: '<span class="emoji" style="color:#1264a3">ℹ</span>',
  white_check_mark: '<span class="emoji" style="color:#2eb67d">✔</span>',
  warning: '<span class="emoji" style="color:#ecb22e">⚠</span>',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Slack mrkdwn to HTML: links (`<url|label>`), *bold*, _italic_, ~strike~, `code`, :emoji:, newlines.
 * Links are taken out first (their angle brackets are markup, not text) and put back after escaping,
 * marked by private-use characters that message text does not hold.
 */
export function mrkdwnToHtml(text: string): string {
  const links: string[] = [];
  const withoutLinks = text.replace(/<(https?:\/\/[^|>\s]+)(?:\|([^>]*))?>/g, (_, url: string, label?: string) => {
    links.push(`<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(label ?? url)}</a>`);
    return `\u{E000}${links.length - 1}\u{E001}`;
  });
  return escapeHtml(withoutLinks)
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>')
    .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>')
    .replace(/(^|[\s(])~([^~\n]+)~/g, '$1<s>$2</s>')
    .replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole)
    .replace(/\n/g, '<br>')
    .replace(/\u{E000}(\d+)\u{E001}/gu, (_, i: string) => links[Number(i)] ?? '');
}

interface TextObject {
  type?: string;
  text?: string;
}

function textObject(t: unknown): string {
  const o = (t ?? {}) as TextObject;
  const text = typeof o.text === 'string' ? o.text : '';
  return o.type === 'mrkdwn' ? mrkdwnToHtml(text) : escapeHtml(text);
}

function renderBlock(block: unknown, message: SlackMessage): string {
  const b = (block ?? {}) as Record<string, unknown>;
  switch (b.type) {
    case 'header':
      return `<h3>${textObject(b.text)}</h3>`;
    case 'section': {
      const fields = Array.isArray(b.fields)
        ? `<div class="fields">${b.fields.map((f) => `<div>${textObject(f)}</div>`).join('')}</div>`
        : '';
      return `<div class="section">${b.text ? `<p>${textObject(b.text)}</p>` : ''}${fields}</div>`;
    }
    case 'context':
      return `<div class="context">${(Array.isArray(b.elements) ? b.elements : []).map(textObject).join(' ')}</div>`;
    case 'divider':
      return '<hr>';
    case 'actions': {
      const buttons = (Array.isArray(b.elements) ? b.elements : []).map((e) => {
        const el = e as { type?: string; text?: unknown; action_id?: string; value?: string; style?: string };
        if (el.type !== 'button') return '';
        const hidden = (name: string, value: string) =>
          `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
        return `<form method="post" action="/ui/actions">${hidden('channel', message.channel)}${hidden('ts', message.ts)}${hidden(
          'action_id',
          el.action_id ?? '',
        )}${hidden('value', el.value ?? '')}${hidden('block_id', typeof b.block_id === 'string' ? b.block_id : '')}<button class="${
          el.style === 'primary' ? 'primary' : el.style === 'danger' ? 'danger' : ''
        }">${textObject(el.text)}</button></form>`;
      });
      return `<div class="actions">${buttons.join('')}</div>`;
    }
    default:
      return '';
  }
}

function renderMessage(message: SlackMessage, replies: readonly SlackMessage[]): string {
  const when = new Date(message.postedAt).toISOString().replace('T', ' ').slice(0, 19);
  const body = message.blocks.length > 0 ? message.blocks.map((b) => renderBlock(b, message)).join('') : '';
  const thread =
    replies.length > 0
      ? `<details class="thread"><summary>${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</summary>${replies
          .map((r) => renderMessage(r, []))
          .join('')}</details>`
      : '';
  return `<article id="m${escapeHtml(message.ts)}"><header><b>Driftwatch</b> <span class="app">APP</span> <time>${when} UTC</time>${
    message.edits > 0 ? ' <span class="edited">(edited)</span>' : ''
  }</header>${body || `<p>${mrkdwnToHtml(message.text)}</p>`}${thread}</article>`;
}

export interface WorkspaceView {
  channels: readonly (SlackChannel & { messages: number })[];
  current: SlackChannel | undefined;
  history: readonly SlackMessage[];
  lastClick: SlackClick | undefined;
  interactivityConfigured: boolean;
}

export function renderWorkspacePage(view: WorkspaceView): string {
  const nav = view.channels
    .map(
      (c) =>
        `<a class="${c.id === view.current?.id ? 'current' : ''}" href="/?channel=${c.id}"># ${escapeHtml(c.name)} <small>${c.messages}</small></a>`,
    )
    .join('');
  const parents = view.history.filter((m) => !m.threadTs);
  const replies = repliesByParent(view.history);
  const messages =
    parents.length > 0
      ? parents.map((m) => renderMessage(m, replies.get(m.ts) ?? [])).join('')
      : '<p class="empty">No messages yet: Driftwatch posts here when an alert rule fires.</p>';
  const click = view.lastClick;
  const notice = click
    ? `<div class="notice ${click.status === 200 ? 'ok' : 'bad'}">Driftwatch answered <b>${click.status}</b> to ${escapeHtml(
        click.actionId,
      )}: ${escapeHtml(click.answer)}</div>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo Slack${
    view.current ? ` · #${escapeHtml(view.current.name)}` : ''
  }</title><meta http-equiv="refresh" content="15"><style>${STYLE}</style></head><body>
<nav><h2>Demo Slack</h2>${nav || '<p class="empty">No channels yet</p>'}
<p class="hint">The demo estate's stand-in for a Slack workspace: the bot's messages arrive through the Web API
(chat.postMessage, chat.update, thread replies) and buttons post signed interactivity requests to Driftwatch.${
    view.interactivityConfigured ? '' : ' Buttons are off: no interactivity URL was given.'
  }</p></nav>
<main>${view.current ? `<h1># ${escapeHtml(view.current.name)}</h1>` : '<h1>Pick a channel</h1>'}${notice}${
    view.current ? messages : ''
  }</main></body></html>`;
}

const STYLE = `body{margin:0;display:flex;font:14px/1.45 system-ui,sans-serif;color:#1d1c1d}
nav{width:240px;min-height:100vh;background:#3f0e40;color:#fff;padding:12px;box-sizing:border-box}
nav a{display:block;color:#cfc3cf;text-decoration:none;padding:4px 8px;border-radius:4px}
nav a.current{background:#1164a3;color:#fff}nav small{float:right;opacity:.7}
.hint{font-size:12px;opacity:.7;margin-top:24px}main{flex:1;padding:16px 24px;max-width:900px}
article{border-top:1px solid #eee;padding:10px 0}article header time,.edited,.context{color:#616061;font-size:12px}
.app{background:#eee;font-size:10px;padding:1px 3px;border-radius:2px}
h3{margin:6px 0}.fields{display:grid;grid-template-columns:1fr 1fr;gap:6px;margin:6px 0}
.actions form{display:inline}.actions button{margin:4px 6px 4px 0;padding:4px 12px;border:1px solid #ccc;
background:#fff;border-radius:4px;cursor:pointer}.actions button.primary{background:#007a5a;color:#fff;border-color:#007a5a}
.actions button.danger{background:#e01e5a;color:#fff;border-color:#e01e5a}
code{background:#f6f6f6;border:1px solid #ddd;border-radius:3px;padding:0 3px;color:#e01e5a}
.thread{margin-left:24px}.notice{padding:8px 12px;border-radius:4px;margin:8px 0}
.notice.ok{background:#e8f5e9}.notice.bad{background:#fde8e8}.empty{opacity:.7}`;
