import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT, startBackend, type RunningBackend } from './support/backend-process';
import { apiContractViolations, openPage } from './support/api-answers';
import { launchBrowser, SCREENSHOT_DIR } from './support/browser';
import { isolatedPostgres, uniqueName } from '../integration/support/test-services';

describe('dashboard shell in a real browser against the real backend', () => {
  let backend: RunningBackend;
  let browser: Browser;
  let postgres: Awaited<ReturnType<typeof isolatedPostgres>>;

  beforeAll(async () => {
    postgres = await isolatedPostgres();
    backend = await startBackend({
      DATABASE_URL: postgres.url,
      CLICKHOUSE_DATABASE: uniqueName('dw_e2e'),
      DASHBOARD_DIR: join(ROOT, 'frontend/dist'),
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    const violations = await apiContractViolations();
    await browser?.close();
    await backend?.stop();
    await postgres?.drop();
    // Every API answer the dashboard received on these pages held to the OpenAPI document.
    expect(violations).toEqual([]);
  });

  it('shows navigation and the backend health, and routes client-side', async () => {
    const page = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    await page.goto(`${backend.url}/`);
    await page.getByText('All systems answering').waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Exceptions' }).click();
    await page.getByRole('heading', { name: 'Exceptions' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/exceptions');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'app-shell.png') });
    await page.close();
  });

  it('serves deep links through the dashboard fallback', async () => {
    const page = await openPage(browser);
    const res = await page.goto(`${backend.url}/customers`);
    expect(res?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Customer 360' }).waitFor();
    await page.close();
  });
});
