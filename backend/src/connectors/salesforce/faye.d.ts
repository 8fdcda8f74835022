// faye's Bayeux client ships no types: what the Salesforce change stream (and the demo estate's
// Change Data Capture spec, whose tsconfig includes this file) use of it.
declare module 'faye' {
  export interface BayeuxMessage {
    channel: string;
    clientId?: string;
    subscription?: string;
    successful?: boolean;
    error?: string;
    advice?: { reconnect?: 'retry' | 'handshake' | 'none'; interval?: number; timeout?: number };
    ext?: Record<string, unknown>;
    data?: unknown;
    id?: string;
  }
  export type Message = BayeuxMessage;
  export interface Extension {
    incoming?(message: BayeuxMessage, callback: (message: BayeuxMessage) => void): void;
    outgoing?(message: BayeuxMessage, callback: (message: BayeuxMessage) => void): void;
  }
  /** Settles when the server acknowledges the subscription; rejects with faye's error (`code::message` as a string). */
  export interface Subscription extends PromiseLike<void> {
    withChannel(callback: (channel: string, data: unknown) => void): this;
    cancel(): void;
  }
  export class Client {
    constructor(endpoint: string, options?: { timeout?: number; retry?: number; interval?: number });
    setHeader(name: string, value: string): void;
    addExtension(extension: Extension): void;
    disable(feature: string): void;
    handshake(callback?: () => void): void;
    subscribe(channel: string, onMessage?: (data: unknown) => void): Subscription;
    /** Settles once the server acknowledges; undefined when the client was not connected. */
    disconnect(): PromiseLike<void> | undefined;
    on(event: 'transport:down' | 'transport:up', listener: () => void): void;
  }
}
