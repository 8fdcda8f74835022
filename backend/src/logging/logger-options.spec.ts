import { httpSerializers } from './logger-options';

describe('request log lines', () => {
  it('keep the id, method, path, caller and client of a request, and only the status of its answer', () => {
    const req = httpSerializers.req({
      id: 'r-1',
      method: 'POST',
      url: '/api/v1/connectors/wms/events',
      remoteAddress: '127.0.0.1',
      headers: {
        'user-agent': 'node',
        'x-api-key': 'dwk_0123456789ab_secret',
        'x-wms-signature': 'sha256=abc',
        cookie: 'session=1',
      },
    });
    expect(req).toEqual({
      id: 'r-1',
      method: 'POST',
      url: '/api/v1/connectors/wms/events',
      remoteAddress: '127.0.0.1',
      userAgent: 'node',
    });
    expect(JSON.stringify(req)).not.toMatch(/secret|sha256|session/);
    expect(httpSerializers.res({ statusCode: 202 })).toEqual({ statusCode: 202 });
  });
});
