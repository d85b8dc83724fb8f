/**
 * The web chat in a real browser (Debian's /usr/bin/chromium through playwright-core; skipped without it): the
 * start-up line's sign-in URL signs the browser in, and the page chats with the cookie alone.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb } from '../support/seed.js';

const CHROMIUM = '/usr/bin/chromium';
let host: HostProcess;
let browser: Browser;

describe.skipIf(!fs.existsSync(CHROMIUM))('the web chat in Chromium', () => {
  beforeAll(async () => {
    const dataDir = tempDir();
    seedWeb(dataDir);
    host = await startHostProcess({ dataDir });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    expect(await host?.stop()).toBe(0);
  });

  it('opens the sign-in URL, lands on the page without the token, and chats as the local owner', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(host.signInUrl);
    expect(page.url()).toBe(host.url);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'nanoclaw_session', httpOnly: true, sameSite: 'Strict' });
    await page.fill('#text', 'hello from a browser');
    await page.press('#text', 'Enter');
    await page
      .locator('.agent', { hasText: 'Mock response to: hello from a browser' })
      .waitFor({ timeout: 20_000 });
    const again = await context.newPage();
    const reused = await again.goto(host.signInUrl);
    expect(reused?.status()).toBe(401);
  }, 60_000);
});
