import type { Browser } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { screenshot, signedInPage } from './support/dashboard-page';
import { startDemoEnvironment, type DemoEnvironment } from './support/demo-environment';

/**
 * Every dashboard page in Debian's chromium against the built backend, which reads a drifting demo
 * estate through its connectors: full snapshots of every system and two reconciliation runs give the
 * pages real findings, runs and charts. Screenshots land in test/e2e/screenshots/.
 */
describe('dashboard pages on real data', () => {
  let demo: DemoEnvironment;
  let browser: Browser;

  beforeAll(async () => {
    demo = await startDemoEnvironment({ customers: 400 });
    await demo.snapshotAll();
    await demo.reconcile();
    await demo.reconcile();
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('refuses a wrong key and signs in with a real one', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${demo.backend.url}/exceptions`);
    await page.getByLabel('API key or OIDC token').fill('dwk_000000000000_not-a-real-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The API did not accept this key or token').waitFor();
    await page.getByLabel('API key or OIDC token').fill(demo.keys.viewer);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Signed-in role').getByText('viewer').waitFor();
    await page.close();
  });

  it('exceptions: filters in the URL, sorting, and a finding with values side by side', async () => {
    const api = await demo.api<{ items: { id: string; ruleId: string; matchKey: string; field: string }[] }>(
      'GET',
      '/api/v1/findings?kind=mismatch&limit=1',
    );
    const [mismatch] = api.items;
    if (!mismatch) throw new Error('the demo estate produced no mismatch finding');
    const page = await signedInPage(browser, demo.backend.url, demo.keys.engineer, '/exceptions');
    await page.getByRole('table').waitFor();
    await page.getByLabel('Rule').fill(mismatch.ruleId);
    await page.getByLabel('Rule').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('ruleId') === mismatch.ruleId);
    await page.getByRole('button', { name: /Last seen/ }).click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'lastSeenAt');
    const rules = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.querySelector('td.mono')?.textContent));
    expect(rules.length).toBeGreaterThan(0);
    expect(new Set(rules)).toEqual(new Set([mismatch.ruleId]));

    // The view survives a reload: it lives in the URL.
    await page.reload();
    await page.getByRole('table').waitFor();
    expect(await page.getByLabel('Rule').inputValue()).toBe(mismatch.ruleId);

    await page.goto(`${demo.backend.url}/exceptions?ruleId=${mismatch.ruleId}&finding=${mismatch.id}`);
    const panel = page.getByRole('complementary', { name: 'Finding' });
    await panel.getByText('owner', { exact: true }).waitFor();
    await panel.getByText('differs').first().waitFor();
    await screenshot(page, 'exceptions');
    await page.close();
  });
});
