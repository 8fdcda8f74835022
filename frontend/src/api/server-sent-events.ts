/**
 * Server-sent events over fetch: the browser's EventSource cannot send the credential header, so the
 * stream is read with fetch and parsed by eventsource-parser. Resolves when the server ends the stream.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { credentialStore } from './credential-store';
import { ApiError } from './http-client';

export async function readEventStream(
  path: string,
  onEvent: (event: EventSourceMessage) => void,
  signal: AbortSignal,
): Promise<{ retryMs: number | null }> {
  const credential = credentialStore.get();
  const res = await fetch(path, {
    headers: { accept: 'text/event-stream', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
    signal,
  });
  if (!res.ok || !res.body) {
    if (res.status === 401) credentialStore.rejected();
    throw new ApiError(res.status, path, `${path}: ${res.status} ${res.statusText}`);
  }
  let retryMs: number | null = null;
  const parser = createParser({ onEvent, onRetry: (ms) => (retryMs = ms) });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
  return { retryMs };
}
