/**
 * The demo Slack workspace's channels and messages, in memory: what Driftwatch's alerts posted, their
 * in-place updates and thread replies, and the button clicks people made on them.
 */

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  /** The parent's ts for a thread reply. */
  threadTs?: string;
  /** How many times chat.update rewrote it. */
  edits: number;
  postedAt: number;
  editedAt?: number;
}

export interface SlackChannel {
  id: string;
  name: string;
}

export interface SlackClick {
  at: number;
  channel: string;
  ts: string;
  actionId: string;
  user: string;
  status: number;
  answer: string;
}

/** A channel's thread replies by their parent's ts, in the order they were posted. */
export function repliesByParent(history: readonly SlackMessage[]): Map<string, SlackMessage[]> {
  const replies = new Map<string, SlackMessage[]>();
  for (const m of history) if (m.threadTs) replies.set(m.threadTs, [...(replies.get(m.threadTs) ?? []), m]);
  return replies;
}

export class SlackWorkspaceStore {
  private readonly channels = new Map<string, SlackChannel>();
  private readonly byName = new Map<string, SlackChannel>();
  private readonly messages = new Map<string, SlackMessage[]>();
  private lastTs = 0;
  readonly clicks: SlackClick[] = [];

  /** A channel by id or `#name`/`name`; the bot is in every channel, so a new name is joined on first use. */
  channel(idOrName: string, create: boolean): SlackChannel | undefined {
    const found = this.channels.get(idOrName) ?? this.byName.get(idOrName.replace(/^#/, ''));
    if (found || !create) return found;
    const name = idOrName.replace(/^#/, '');
    if (!/^[a-z0-9][a-z0-9._-]{0,79}$/.test(name)) return undefined;
    const channel = { id: `C0DEMO${String(this.channels.size + 1).padStart(4, '0')}`, name };
    this.channels.set(channel.id, channel);
    this.byName.set(name, channel);
    this.messages.set(channel.id, []);
    return channel;
  }

  listChannels(): (SlackChannel & { messages: number })[] {
    return [...this.channels.values()].map((c) => ({ ...c, messages: this.messages.get(c.id)?.length ?? 0 }));
  }

  /** Messages of a channel in the order they were posted (thread replies included, with threadTs). */
  history(channelId: string): readonly SlackMessage[] {
    return this.messages.get(channelId) ?? [];
  }

  find(channelId: string, ts: string): SlackMessage | undefined {
    return this.messages.get(channelId)?.find((m) => m.ts === ts);
  }

  post(channelId: string, text: string, blocks: unknown[], threadTs?: string, now = Date.now()): SlackMessage {
    const message: SlackMessage = {
      channel: channelId,
      ts: this.nextTs(now),
      text,
      blocks,
      ...(threadTs ? { threadTs } : {}),
      edits: 0,
      postedAt: now,
    };
    this.messages.get(channelId)?.push(message);
    return message;
  }

  update(message: SlackMessage, text: string, blocks: unknown[], now = Date.now()): SlackMessage {
    message.text = text;
    message.blocks = blocks;
    message.edits += 1;
    message.editedAt = now;
    return message;
  }

  /** As a person deleting a message: it is gone, its thread replies stay (as in Slack). */
  delete(channelId: string, ts: string): boolean {
    const messages = this.messages.get(channelId);
    const index = messages?.findIndex((m) => m.ts === ts) ?? -1;
    if (!messages || index < 0) return false;
    messages.splice(index, 1);
    return true;
  }

  /** Slack's message ids: seconds.microseconds, unique and increasing within the workspace. */
  private nextTs(now: number): string {
    this.lastTs = Math.max(this.lastTs + 1, now * 1000);
    const micros = this.lastTs;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
}
