import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page, Response } from 'playwright-core';
import { OpenApiAnswers, type OpenApiDocument } from '../../integration/api/support/openapi-answers';
import { ROOT } from './backend-process';

/**
 * Every JSON answer of the product API the dashboard receives in a browser, checked against the
 * committed OpenAPI document (which openapi.spec keeps equal to the code's): the built backend, as users
 * run it, holds to the contract the dashboard's types are generated from.
 */
const answers = new OpenApiAnswers(
  JSON.parse(readFileSync(join(ROOT, 'backend/openapi.json'), 'utf8')) as OpenApiDocument,
);
const pending = new Set<Promise<void>>();

/** A new tab whose API answers are checked. */
export async function openPage(browser: Browser, options?: BrowserContextOptions): Promise<Page> {
  const page = await browser.newPage(options);
  page.on('response', (response) => {
    const check = checkAnswer(response).finally(() => pending.delete(check));
    pending.add(check);
  });
  return page;
}

/** The contract breaks seen so far, once every answer received is checked. */
export async function apiContractViolations(): Promise<string[]> {
  await Promise.all(pending);
  return [...new Set(answers.violations)];
}

async function checkAnswer(response: Response): Promise<void> {
  const url = new URL(response.url());
  if (!url.pathname.startsWith('/api/v1/')) return;
  // Server-sent events and CSV downloads: the API specs check those in-process.
  if (!(response.headers()['content-type'] ?? '').startsWith('application/json')) return;
  const method = response.request().method();
  const template = answers.templateOf(url.pathname);
  if (template === undefined) {
    answers.violations.push(`${method} ${url.pathname} ${response.status()}: no route of the document`);
    return;
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return; // the tab navigated on and dropped the body: nothing to check
  }
  answers.check(method, template, response.status(), body);
}
