import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openPage } from './api-answers';
import { SCREENSHOT_DIR } from './browser';

/** Opens the dashboard at `path` and signs in with `key` through the sign-in form, as a person would. */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  key: string,
  path = '/',
  width = 1280,
): Promise<Page> {
  const page = await openPage(browser, { viewport: { width, height: 900 } });
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel('API key or OIDC token').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 15_000 });
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * One signed-in tab per key, reused across tests: a new chromium page costs seconds on a loaded
 * machine, and the credential lives in the tab's sessionStorage, so navigating keeps the sign-in.
 */
export class SignedInTabs {
  private readonly tabs = new Map<string, Page>();

  constructor(
    private readonly browser: Browser,
    private readonly baseUrl: string,
  ) {}

  async open(key: string, path: string, width = 1280): Promise<Page> {
    let page = this.tabs.get(key);
    if (!page) {
      page = await signedInPage(this.browser, this.baseUrl, key, path, width);
      this.tabs.set(key, page);
      return page;
    }
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${this.baseUrl}${path}`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 15_000 });
    return page;
  }
}
