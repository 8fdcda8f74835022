// jsdom plus Node's Request, Response and Headers, which jsdom lacks and the typed API client
// (openapi-fetch) builds calls with. Only these: jsdom's own Blob, FormData and AbortSignal stay, as
// the DOM code under test needs them (jest-fixed-jsdom swaps those too, which breaks FormData(form)).
const JSDOMEnvironment = require('jest-environment-jsdom').default;

class JSDOMWithFetchEnvironment extends JSDOMEnvironment {
  constructor(...args) {
    super(...args);
    Object.assign(this.global, { Request, Response, Headers });
  }
}

module.exports = JSDOMWithFetchEnvironment;
