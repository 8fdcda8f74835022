import { signSlackRequest, SlackSignatureError, verifySlackSignature } from './slack-signature';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
const now = 1_795_000_000;

function rejection(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SlackSignatureError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('verifySlackSignature', () => {
  it('accepts a request signed with the signing secret inside the window', () => {
    const timestamp = String(now - 10);
    const signature = signSlackRequest(secret, timestamp, body);
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifySlackSignature(secret, { timestamp, signature, rawBody: body }, now)).toBe(signature);
  });

  it('matches the example from Slack documentation', () => {
    // Slack's published example: secret, timestamp and body → this signature.
    const docBody =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest(secret, '1531420618', docBody)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('rejects a wrong secret', () => {
    const timestamp = String(now);
    const signature = signSlackRequest('another-secret', timestamp, body);
    expect(rejection(() => verifySlackSignature(secret, { timestamp, signature, rawBody: body }, now))).toBe(
      'mismatch',
    );
  });

  it('rejects a tampered body', () => {
    const timestamp = String(now);
    const signature = signSlackRequest(secret, timestamp, body);
    expect(rejection(() => verifySlackSignature(secret, { timestamp, signature, rawBody: `${body}x` }, now))).toBe(
      'mismatch',
    );
  });

  it('rejects a stale or future timestamp', () => {
    for (const timestamp of [String(now - 301), String(now + 301)]) {
      const signature = signSlackRequest(secret, timestamp, body);
      expect(rejection(() => verifySlackSignature(secret, { timestamp, signature, rawBody: body }, now))).toBe('stale');
    }
  });

  it('rejects missing headers and junk timestamps', () => {
    expect(
      rejection(() => verifySlackSignature(secret, { timestamp: undefined, signature: 'v0=1', rawBody: body }, now)),
    ).toBe('missing');
    expect(
      rejection(() => verifySlackSignature(secret, { timestamp: '1e9', signature: 'v0=1', rawBody: body }, now)),
    ).toBe('missing');
  });
});
