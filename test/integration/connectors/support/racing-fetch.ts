/**
 * A fetch that runs `before` once, just before the first request matching `match` is sent: another
 * user's edit landing between a connector's read and its write, over the real HTTP of the system.
 */
export function racingFetch(
  match: (url: string, init?: RequestInit) => boolean,
  before: () => Promise<unknown>,
): typeof fetch {
  let raced = false;
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!raced && match(url, init)) {
      raced = true;
      await before();
    }
    return fetch(input, init);
  };
}
