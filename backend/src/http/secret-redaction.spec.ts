import { ConfigService } from '../config/config.service';
import { SecretRedactor } from './secret-redaction';

describe('SecretRedactor', () => {
  const redactor = SecretRedactor.fromConfig(
    new ConfigService({ DATABASE_URL: 'postgres://app:S3cr%23t-pw@db:5432/x', CLICKHOUSE_PASSWORD: 'ch-pass-123' }),
  );

  it('removes configured passwords, URL passwords, API keys and JWTs from text', () => {
    const text = redactor.text(
      'connect postgres://app:S3cr#t-pw@db failed; ch-pass-123; key dwk_0123456789ab_abcDEF-_x; token eyJhbGci.eyJzdWIi.sig; redis://u:pw1@r',
    );
    expect(text).not.toMatch(/S3cr#t-pw|ch-pass-123|dwk_0123456789ab_abcDEF|eyJhbGci\.eyJzdWIi|pw1@/);
    expect(text).toContain('[redacted]');
  });

  it('redacts secret-looking fields at any depth and leaves the rest', () => {
    expect(
      redactor.value({
        name: 'grafana',
        password: 'x',
        nested: [{ apiKey: 'y', clientSecret: 'z', note: 'ok' }],
        token: 't',
      }),
    ).toEqual({
      name: 'grafana',
      password: '[redacted]',
      nested: [{ apiKey: '[redacted]', clientSecret: '[redacted]', note: 'ok' }],
      token: '[redacted]',
    });
  });
});
