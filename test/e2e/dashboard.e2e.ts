import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { apiContractViolations, openPage } from './support/api-answers';
import { launchBrowser } from './support/browser';
import { screenshot, SignedInTabs } from './support/dashboard-page';
import { startDemoEnvironment, type DemoEnvironment } from './support/demo-environment';

/**
 * Every dashboard page in Debian's chromium against the built backend, which reads a drifting demo
 * estate through its connectors: full snapshots of every system and two reconciliation runs give the
 * pages real findings, runs and charts. Screenshots land in test/e2e/screenshots/.
 */
describe('dashboard pages on real data', () => {
  let demo: DemoEnvironment;
  let browser: Browser;
  let tabs: SignedInTabs;

  beforeAll(async () => {
    demo = await startDemoEnvironment({ customers: 400 });
    await demo.snapshotAll();
    await demo.reconcile();
    await demo.reconcile();
    browser = await launchBrowser();
    tabs = new SignedInTabs(browser, demo.backend.url);
  }, 300_000);

  afterAll(async () => {
    const violations = await apiContractViolations();
    await browser?.close();
    await demo?.stop();
    // Every API answer the dashboard received on these pages held to the OpenAPI document.
    expect(violations).toEqual([]);
  });

  it('refuses a wrong key and signs in with a real one', async () => {
    const page = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    await page.goto(`${demo.backend.url}/exceptions`);
    await page.getByLabel('API key or OIDC token').fill('dwk_000000000000_not-a-real-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The API did not accept this key or token').waitFor();
    await page.getByLabel('API key or OIDC token').fill(demo.keys.viewer);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Signed-in role').getByText('viewer').waitFor();
  });

  it('overview: headline figures and charts from the real aggregates', async () => {
    const page = await tabs.open(demo.keys.viewer, '/');
    await page.getByText('Open findings', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Drift rate per 1,000 records' }).waitFor();
    // recharts draws bars as SVG paths once the data is there.
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await page.getByRole('heading', { name: 'Top rules' }).waitFor();
    const overview = await demo.api<{ openTotal: number }>('GET', '/api/v1/dashboard/overview');
    const openText = await page
      .locator('.stat')
      .filter({ hasText: 'Open findings' })
      .locator('.stat-value')
      .innerText();
    expect(Number(openText.replace(/\D/g, ''))).toBe(overview.openTotal);
    await page.getByLabel('Time range').selectOption('7');
    await page.waitForURL((url) => url.searchParams.get('days') === '7');
    await screenshot(page, 'overview');
  });

  it('exceptions: filters in the URL, sorting, and a finding with values side by side', async () => {
    const api = await demo.api<{ items: { id: string; ruleId: string; matchKey: string; field: string }[] }>(
      'GET',
      // Active: what the queue lists by default.
      '/api/v1/findings?kind=mismatch&status=active&limit=1',
    );
    const [mismatch] = api.items;
    if (!mismatch) throw new Error('the demo estate produced no mismatch finding');
    const page = await tabs.open(demo.keys.engineer, '/exceptions');
    await page.getByRole('table').waitFor();
    await page.getByLabel('Rule').fill(mismatch.ruleId);
    await page.getByLabel('Rule').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('ruleId') === mismatch.ruleId);
    // The default sort is by status change; another column starts descending.
    await page.getByRole('button', { name: /Last seen/ }).click();
    await page.waitForURL((url) => url.searchParams.get('sort') === '-lastSeenAt');
    await page
      .getByRole('columnheader', { name: /Last seen/ })
      .and(page.locator('[aria-sort="descending"]'))
      .waitFor();
    const rules = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.querySelector('td div.mono')?.textContent));
    expect(rules.length).toBeGreaterThan(0);
    expect(new Set(rules)).toEqual(new Set([mismatch.ruleId]));
    // Both values of a finding are in view at 1280 px, not behind the table's horizontal scroll.
    const actual = await page.getByRole('columnheader', { name: 'Actual value' }).boundingBox();
    expect(actual && actual.x + actual.width).toBeLessThanOrEqual(1280);

    // The view survives a reload: it lives in the URL.
    await page.reload();
    await page.getByRole('table').waitFor();
    expect(await page.getByLabel('Rule').inputValue()).toBe(mismatch.ruleId);

    await page.goto(`${demo.backend.url}/exceptions?ruleId=${mismatch.ruleId}&finding=${mismatch.id}`);
    const panel = page.getByRole('complementary', { name: 'Finding' });
    await panel.getByText('owner', { exact: true }).waitFor();
    await panel.getByText('differs').first().waitFor();
    await panel.getByRole('heading', { name: 'Fix-up task' }).waitFor();
    await screenshot(page, 'exceptions');
  });

  it('exceptions: ticked findings assigned to me, the assignee filter, and that view exported as CSV', async () => {
    const page = await tabs.open(demo.keys.engineer, '/exceptions?kind=mismatch&sort=matchKey');
    await page.getByRole('table').waitFor();
    const boxes = page.getByRole('checkbox', { name: /^Select finding / });
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByRole('button', { name: 'Assign to me (2)' }).click();
    await page.getByRole('region', { name: 'Bulk actions' }).waitFor({ state: 'detached' });
    // `me` is the engineer key's name.
    await page.getByRole('cell', { name: 'e2e-engineer', exact: true }).first().waitFor();

    // Every status: a run may have resolved one of them meanwhile.
    await page.goto(`${demo.backend.url}/exceptions?assignee=me&status=any`);
    await page.getByRole('table').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(2);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('driftwatch-findings.csv');
    const lines = (await readFile(await download.path(), 'utf8')).trim().split('\r\n');
    expect(lines[0]).toContain(',assignee,assigned_at,');
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((line) => line.includes(',e2e-engineer,'))).toBe(true);
    await screenshot(page, 'exceptions-assigned');
  });

  it('customer 360: search, then every system side by side with the owner marked and a timeline', async () => {
    const page = await tabs.open(demo.keys.viewer, '/customers');
    await page.getByLabel('Customer number, name or email').fill('C00001');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'C000010' }).click();
    await page.getByRole('heading', { name: 'Customer C000010' }).waitFor();
    await page.getByText('Customer record in every system').waitFor();
    expect(await page.locator('.owner-mark').count()).toBeGreaterThan(0);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    expect(new URL(page.url()).searchParams.get('customer')).toBe('C000010');
    await screenshot(page, 'customer-360');
  });

  it('fix-ups & stewardship: task states with their trail, and the survivorship picker of a duplicate', async () => {
    const page = await tabs.open(demo.keys.steward, '/fix-ups');
    await page.getByRole('table').waitFor();
    await page.locator('tbody tr').first().getByRole('button').first().click();
    await page
      .getByRole('complementary', { name: 'Fix-up task' })
      .getByRole('heading', { name: 'Transitions' })
      .waitFor();
    await screenshot(page, 'fix-ups');

    const duplicates = await demo.api<{ items: { id: string }[] }>(
      'GET',
      '/api/v1/stewardship/items?kind=duplicate&state=open&limit=1',
    );
    const [duplicate] = duplicates.items;
    if (!duplicate) throw new Error('the demo estate produced no duplicate to steward');
    await page.goto(`${demo.backend.url}/fix-ups?view=stewardship&kind=duplicate&item=${duplicate.id}`);
    const form = page.getByRole('form', { name: 'Merge duplicates' });
    await form.getByRole('radio', { name: 'survivor' }).first().waitFor();
    await form.getByRole('button', { name: /^Merge into/ }).waitFor();
    await screenshot(page, 'stewardship');

    // A viewer sees the same records without the buttons it cannot use.
    const viewer = await tabs.open(demo.keys.viewer, `/fix-ups?view=stewardship&kind=duplicate&item=${duplicate.id}`);
    await viewer.getByText('Records side by side').waitFor();
    expect(await viewer.getByRole('button', { name: /^Merge into/ }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Dismiss' }).count()).toBe(0);
  });

  it('rules: hit counts over runs, dry-run and backtest charts', async () => {
    const page = await tabs.open(demo.keys.engineer, '/rules?rule=customer.duplicates');
    await page.getByRole('heading', { name: 'Hit counts over the last 2 full runs' }).waitFor();
    await page.getByRole('button', { name: 'Dry-run now' }).click();
    await page.getByText(/findings \(v\d+\); nothing was saved/).waitFor();
    await page.getByRole('button', { name: 'Run backtest' }).click();
    await page.getByText(/points in time; nothing was saved/).waitFor();
    expect(await page.locator('.recharts-line').count()).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'rules');
  });

  it('connectors & snapshots: health, freshness, throughput and a live progress bar', async () => {
    const page = await tabs.open(demo.keys.engineer, '/connectors');
    await page.getByRole('heading', { name: /crm salesforce/ }).waitFor();
    await page.getByText('fresh').first().waitFor();
    await page.getByRole('combobox', { name: 'Connector' }).selectOption('erp');
    await page.getByRole('combobox', { name: 'Entity' }).selectOption('order');
    await page.getByRole('button', { name: 'Start snapshot' }).click();
    await page.getByRole('progressbar', { name: 'erp order snapshot' }).waitFor({ timeout: 20_000 });
    await screenshot(page, 'connectors');
  });

  it('alerts: alerts now, history, and a silence created then expired (not offered to a viewer)', async () => {
    const page = await tabs.open(demo.keys.engineer, '/alerts');
    await page.getByRole('heading', { name: 'Alert history' }).waitFor();
    await page.getByLabel('Rule id').fill('customer.duplicates');
    await page.getByLabel('Reason').fill('merging duplicates this week');
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page.getByText('merging duplicates this week').waitFor();
    await screenshot(page, 'alerts');
    await page.getByRole('button', { name: 'Expire silence of customer.duplicates' }).click();
    await page.getByText('No active silences.').waitFor();

    const viewer = await tabs.open(demo.keys.viewer, '/alerts');
    await viewer.getByRole('heading', { name: 'Alert history' }).waitFor();
    expect(await viewer.getByRole('button', { name: 'Create silence' }).count()).toBe(0);
  });

  it("alerts in Slack: the runs' alerts are in the estate's workspace, and Acknowledge there shows on the alerts page", async () => {
    const slackUrl = demo.estate.slack!.baseUrl;
    const slack = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    // Alerts are evaluated by a job after each run: the first message may take a moment to arrive.
    await demo.until('an alert message in the Slack workspace', 60_000, async () => {
      await slack.goto(`${slackUrl}/?channel=%23credit-ops`);
      return (await slack.getByRole('button', { name: 'Acknowledge' }).count()) > 0 ? true : undefined;
    });
    const title = (await slack.locator('article h3').first().textContent()) ?? '';
    expect(title).not.toBe('');
    await slack.getByRole('button', { name: 'Acknowledge' }).first().click();
    await slack
      .getByText(/Driftwatch answered 200 to alert.acknowledge: Acknowledged by slack:U0DEMO0001 \(ops.lead\)/)
      .waitFor();
    // Driftwatch redrew the message in place.
    await slack.locator('article').filter({ hasText: title }).getByText('(edited)').first().waitFor();
    await screenshot(slack, 'alerts-slack-workspace');

    const page = await tabs.open(demo.keys.viewer, '/alerts');
    const row = page.getByRole('row').filter({ hasText: title });
    await row.getByText('slack:U0DEMO0001 (ops.lead)').waitFor();
    // And links to the message in the workspace.
    const link = await row.getByRole('link', { name: 'open message' }).getAttribute('href');
    expect(link).toMatch(new RegExp(`^${slackUrl}/\\?channel=C0DEMO\\d+#m\\d+\\.\\d{6}$`));
  });

  it("digests: an engineer sends the weekly digest from the alerts page and it is in the workspace's #ops-leads", async () => {
    const page = await tabs.open(demo.keys.engineer, '/alerts');
    const digests = page.getByRole('table', { name: 'Digests' });
    await digests.getByText('ops-leads-weekly').waitFor();
    await digests.getByRole('button', { name: 'Send ops-leads-weekly now' }).click();
    await digests
      .getByRole('status')
      .getByText(/^Sent to #ops-leads \(\d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}\)\.$/)
      .waitFor();
    await screenshot(page, 'alerts-digests');

    const overview = await demo.api<{ openTotal: number }>('GET', '/api/v1/dashboard/overview');
    const slack = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    await slack.goto(`${demo.estate.slack!.baseUrl}/?channel=%23ops-leads`);
    const digest = slack.locator('article').filter({ hasText: 'Drift digest · ' }).last();
    await digest.getByText(`${overview.openTotal.toLocaleString('en-US')} open findings now`).waitFor();
    await digest.getByText('Propagation SLAs').waitFor();
    await screenshot(slack, 'alerts-digest-slack');
  });

  it('audit log: the mutations of this run, for stewards only', async () => {
    const page = await tabs.open(demo.keys.admin, '/audit?action=alert.silence.create');
    await page.getByRole('table').waitFor();
    await page.getByText('alert.silence.create').first().waitFor();
    await screenshot(page, 'audit');
  });

  it('API keys: an admin creates a viewer key, the key signs in, revoking it locks it out', async () => {
    const page = await tabs.open(demo.keys.admin, '/api-keys');
    await page.getByLabel('Name').fill('ops-leads e2e');
    await page.getByLabel('Key role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByLabel('New API key').inputValue();
    expect(secret).toMatch(/^dwk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const me = await fetch(`${demo.backend.url}/api/v1/auth/me`, { headers: { 'x-api-key': secret } });
    expect(await me.json()).toMatchObject({ kind: 'api_key', name: 'ops-leads e2e', roles: ['viewer'] });
    await page.getByRole('button', { name: 'Done' }).click();
    await screenshot(page, 'api-keys');

    await page.getByRole('button', { name: 'Revoke ops-leads e2e' }).click();
    await page.getByRole('button', { name: 'Revoke ops-leads e2e for good' }).click();
    await page.getByRole('button', { name: 'Revoke ops-leads e2e' }).waitFor({ state: 'detached' });
    const after = await fetch(`${demo.backend.url}/api/v1/auth/me`, { headers: { 'x-api-key': secret } });
    expect(after.status).toBe(401);

    const steward = await tabs.open(demo.keys.steward, '/api-keys');
    await steward.getByText('API keys are managed by admins.').waitFor();
  });

  it('core flow: drift injected in the CRM becomes a finding, is approved in the UI, fixed in the CRM and resolves', async () => {
    // A customer in both the CRM and the ERP that the legal-identity rule finds nothing wrong with.
    const seen = await demo.api<{ items: { matchKey: string }[] }>(
      'GET',
      '/api/v1/findings?ruleId=customer.legal-identity-match&limit=500',
    );
    const taken = new Set(seen.items.map((f) => f.matchKey));
    let target: { customerNumber: string; crmKey: string } | undefined;
    for (let n = 30; n < 60 && !target; n += 1) {
      const customerNumber = `C${String(n).padStart(6, '0')}`;
      if (taken.has(customerNumber)) continue;
      const c = await demo.api<{ customer: { records: { system: string; entityKey: string }[] } }>(
        'GET',
        `/api/v1/customers/${customerNumber}`,
      );
      const crm = c.customer.records.find((r) => r.system === 'crm');
      if (crm && c.customer.records.some((r) => r.system === 'erp')) target = { customerNumber, crmKey: crm.entityKey };
    }
    if (!target) throw new Error('no customer in both the CRM and the ERP among C000030..C000059');

    // Someone renames the account in the CRM behind the integration's back.
    const res = await fetch(`${demo.estate.crm.baseUrl}/__admin/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entity: 'Account', key: target.crmKey, fields: { Name: 'Zebra Quantum Holdings' } }),
    });
    expect(res.status).toBe(200);
    await demo.snapshotAll(['crm:customer']);
    await demo.reconcile();

    const finding = await demo.until('the legal-name finding and its proposed fix-up task', 60_000, async () => {
      const found = await demo.api<{ items: { id: string; status: string; expectedValue: string }[] }>(
        'GET',
        `/api/v1/findings?ruleId=customer.legal-identity-match&matchKey=${target.customerNumber}&actualSystem=crm`,
      );
      const f = found.items[0] as { id: string; status: string; expectedValue: string } | undefined;
      if (!f) return undefined;
      const tasks = await demo.api<{ items: { state: string }[] }>('GET', `/api/v1/fixups?findingId=${f.id}`);
      return tasks.items.some((t) => t.state === 'proposed') ? f : undefined;
    });

    // A steward approves the fix from the exceptions queue.
    const page = await tabs.open(
      demo.keys.steward,
      `/exceptions?ruleId=customer.legal-identity-match&matchKey=${target.customerNumber}&finding=${finding.id}`,
    );
    const panel = page.getByRole('complementary', { name: 'Finding' });
    await panel.getByText('Zebra Quantum Holdings').first().waitFor();
    await panel.getByText('proposed', { exact: true }).first().waitFor();
    await screenshot(page, 'core-flow-finding');
    await panel.getByRole('button', { name: 'Approve' }).click();
    // Approved tasks leave the approvable states at once: the button goes.
    await panel.getByRole('button', { name: 'Approve' }).waitFor({ state: 'detached' });

    // The corrective sync writes the ERP's name into the CRM.
    await demo.until('the fix-up task done', 60_000, async () => {
      const tasks = await demo.api<{ items: { state: string }[] }>('GET', `/api/v1/fixups?findingId=${finding.id}`);
      return tasks.items.some((t) => t.state === 'done') ? true : undefined;
    });
    const record = (await (
      await fetch(`${demo.estate.crm.baseUrl}/__admin/record?entity=Account&key=${target.crmKey}`)
    ).json()) as { Name: string };
    expect(record.Name).toBe(finding.expectedValue);

    // The next snapshot and run no longer see the drift: the finding resolves, and the UI says so.
    await demo.snapshotAll(['crm:customer']);
    await demo.reconcile();
    await page.reload();
    await panel.getByText('resolved').first().waitFor();
    await panel.getByText('done').first().waitFor();
    await screenshot(page, 'core-flow-resolved');
  }, 240_000);

  it('works on a laptop screen: the exceptions queue and its panel at 1024 px', async () => {
    const page = await tabs.open(demo.keys.viewer, '/exceptions', 1024);
    await page.getByRole('table').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'exceptions-laptop');
  });

  // Last: the merge writes to CRM records, which the tests above must not see.
  it('stewardship: a merge decided in the UI shows the fix-up tasks it planned, approved from there and written; reviews say why tasks wait', async () => {
    // A CRM duplicate whose two records spell the name differently: the survivor takes the loser's.
    const open = await demo.api<{ items: { id: string }[] }>(
      'GET',
      '/api/v1/stewardship/items?kind=duplicate&state=open&system=crm&limit=20',
    );
    let picked: { id: string; survivor: string; loser: string } | undefined;
    for (const { id } of open.items) {
      const d = await demo.api<{
        item: { candidates: { entityKey: string }[] };
        records: { entityKey: string; fields: Record<string, string> }[];
      }>('GET', `/api/v1/stewardship/items/${id}`);
      const [a, b] = d.item.candidates.map((c) => d.records.find((r) => r.entityKey === c.entityKey));
      if (a && b && a.fields.legal_name !== b.fields.legal_name) {
        picked = { id, survivor: a.entityKey, loser: b.entityKey };
        break;
      }
    }
    if (!picked) throw new Error('the demo estate produced no CRM duplicate with two spellings of the name');
    const { survivor, loser } = picked;
    const item = { id: picked.id };

    const page = await tabs.open(demo.keys.steward, `/fix-ups?view=stewardship&item=${item.id}`);
    const form = page.getByRole('form', { name: 'Merge duplicates' });
    await form.getByRole('button', { name: `Merge into ${survivor}` }).waitFor();
    // The survivor keeps the loser's name when the two differ (a survivor write besides the retire task).
    await form.getByRole('radio', { name: new RegExp(`^Keep legal_name from ${loser}:`) }).check();
    await form.getByRole('button', { name: `Merge into ${survivor}` }).click();

    const plan = page.getByRole('region', { name: 'Merge decision' });
    await page.getByText(/^Merge recorded: \d+ fix-up tasks? planned\.$/).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Merge decision');
    const planned = plan.getByRole('list', { name: 'Planned fix-up tasks' }).locator(':scope > li');
    await planned.first().waitFor();
    const retire = planned.filter({ hasText: 'Retire the duplicate' }).filter({ hasText: loser });
    await retire.getByText('proposed', { exact: true }).waitFor();
    await retire.getByText(/^status: .+ → inactive$/).waitFor();
    const decided = await demo.api<{ item: { decision: { fixupTaskIds: string[] } } }>(
      'GET',
      `/api/v1/stewardship/items/${item.id}`,
    );
    const taskIds = decided.item.decision.fixupTaskIds;
    expect(await planned.count()).toBe(taskIds.length);
    expect(await retire.getByRole('link', { name: /Open task/ }).getAttribute('href')).toMatch(
      new RegExp(`^/fix-ups\\?task=(${taskIds.join('|')})$`),
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await screenshot(page, 'stewardship-merge-plan');

    // A viewer sees the decision and its tasks, and no button to act on them.
    const viewer = await tabs.open(demo.keys.viewer, `/fix-ups?view=stewardship&item=${item.id}`);
    await viewer.getByRole('list', { name: 'Planned fix-up tasks' }).locator(':scope > li').first().waitFor();
    expect(await viewer.getByRole('button', { name: /Approve|Dismiss|Retry/ }).count()).toBe(0);

    // Sales renames the survivor after the decision; then the steward approves both tasks from the plan.
    const renamed = await fetch(`${demo.estate.crm.baseUrl}/__admin/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entity: 'Account', key: survivor, fields: { Name: 'Renamed By Sales Ltd' } }),
    });
    expect(renamed.status).toBe(200);
    await plan
      .getByRole('group', { name: 'Approve every planned task' })
      .getByRole('button', { name: 'Approve (2)' })
      .click();
    // The loser is retired; the survivor's write meets the new name: a conflict, not an overwrite.
    await retire.getByText('done', { exact: true }).waitFor({ timeout: 60_000 });
    const survivorTask = planned.filter({ hasText: 'Survivor takes the chosen values' });
    await survivorTask.getByText('conflict', { exact: true }).waitFor({ timeout: 60_000 });
    const loserNow = (await (
      await fetch(`${demo.estate.crm.baseUrl}/__admin/record?entity=Account&key=${loser}`)
    ).json()) as { Account_Status__c: string };
    expect(loserNow.Account_Status__c).toBe('Inactive');
    await screenshot(page, 'stewardship-merge-done');

    // Fix-ups to review: the conflict with the value the CRM holds now; the reason filter lives in the URL.
    await page.goto(`${demo.backend.url}/fix-ups?view=reviews`);
    await page.getByLabel('Reason').selectOption('conflict');
    await page.waitForURL((url) => url.searchParams.get('reason') === 'conflict');
    const row = page.locator('tbody > tr').filter({ hasText: survivor });
    await row.getByText('Changed in crm since the finding; not overwritten.').waitFor();
    await row.getByRole('button', { name: 'Show current values' }).click();
    await row.getByRole('cell', { name: 'Renamed By Sales Ltd', exact: true }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await screenshot(page, 'stewardship-reviews');
    // The steward dismisses it with a reason: it leaves the list, and the CRM keeps the new name.
    await row.getByRole('button', { name: 'Dismiss' }).click();
    await row.getByRole('textbox', { name: /^Reason for dismissing/ }).fill('sales renamed it on purpose');
    await row.getByRole('button', { name: 'Dismiss' }).click();
    await row.waitFor({ state: 'detached' });
    const survivorNow = (await (
      await fetch(`${demo.estate.crm.baseUrl}/__admin/record?entity=Account&key=${survivor}`)
    ).json()) as { Name: string };
    expect(survivorNow.Name).toBe('Renamed By Sales Ltd');
  }, 120_000);
});
