/**
 * The web chat as a new user meets it, in a real Chromium against the real host process: sign in with the
 * start-up URL, send, see "<agent> is working…" within 200 ms of the 202, the reply under the agent's name, two
 * agents told apart, Markdown rendered and XSS attempts inert, history after a reload, one "Reconnected." notice
 * after a host restart, errors in words, the chat list; screenshots at desktop and phone widths.
 * The tests run in order on one host and one browser page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { seedWeb } from '../support/seed.js';
import { DESKTOP, HAVE_CHROMIUM, launchChromium, PHONE, screenshot } from './chromium.js';

let dataDir: string;
let host: HostProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];

const bubble = (cls: string, text: string) => page.locator(`.msg.${cls}`, { hasText: text });

async function type(text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

describe.skipIf(!HAVE_CHROMIUM)('the web chat in Chromium', () => {
  beforeAll(async () => {
    dataDir = tempDir();
    seedWeb(dataDir, {
      agents: [
        { id: 'assistant', name: 'Assistant', wiring: { engageMode: 'pattern', engagePattern: '.' } },
        { id: 'reviewer', name: 'Reviewer', wiring: { engageMode: 'pattern', engagePattern: 'review' } },
      ],
    });
    host = await startHostProcess({ dataDir });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    expect(await host?.stop()).toBe(0);
  });

  it('signs in with the one-time URL, lands on the page without the token, and the URL cannot be reused', async () => {
    await page.goto(host.signInUrl);
    expect(page.url()).toBe(host.url);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'nanoclaw_session', httpOnly: true, sameSite: 'Strict' });
    const other = await context.newPage();
    expect((await other.goto(host.signInUrl))?.status()).toBe(401);
    await other.close();
    await page.locator('#chats option', { hasText: 'Main' }).waitFor({ state: 'attached' });
  });

  it('shows "<agent> is working…" within 200 ms of the message being accepted, then the reply under its name', async () => {
    // When the 202 arrived and when the working line first had text, by the page's own clock.
    await page.evaluate(`
      const original = window.fetch.bind(window);
      window.fetch = async (...args) => {
        const res = await original(...args);
        if (String(args[0]).includes('/api/messages')) window.acceptedAt ??= performance.now();
        return res;
      };
      const line = document.getElementById('working');
      new MutationObserver(() => { if (line.textContent) window.workingAt ??= performance.now(); })
        .observe(line, { childList: true, characterData: true, subtree: true });
    `);
    await type('hello from a browser [[delay:1500]]');
    await page.locator('#working', { hasText: 'Assistant is working…' }).waitFor({ timeout: 20_000 });
    await screenshot(page, 'web-chat-working');
    const t = await page.evaluate<{ acceptedAt: number; workingAt: number }>(
      '({ acceptedAt: window.acceptedAt, workingAt: window.workingAt })',
    );
    expect(t.acceptedAt).toEqual(expect.any(Number));
    expect(t.workingAt - t.acceptedAt).toBeLessThanOrEqual(200);

    const reply = bubble('agent', 'Mock response to: hello from a browser');
    await reply.waitFor({ timeout: 20_000 });
    await expect.poll(() => reply.locator('.author').textContent()).toBe('Assistant');
    await expect.poll(() => page.locator('#working').textContent()).toBe('');
    expect(await bubble('me', 'hello from a browser').count()).toBe(1);
    expect(await page.locator('.me.pending').count()).toBe(0);
  });

  it('tells two agents in one chat apart by their display names', async () => {
    await type('please review this');
    await bubble('agent', 'Mock response to: please review this').first().waitFor({ timeout: 30_000 });
    await expect
      .poll(
        () =>
          page
            .locator('.msg.agent', { hasText: 'Mock response to: please review this' })
            .locator('.author')
            .allTextContents(),
        { timeout: 30_000 },
      )
      .toEqual(expect.arrayContaining(['Assistant', 'Reviewer']));
  });

  it('renders Markdown: emphasis, a list, a code block and a clickable link', async () => {
    await type(
      'Three things:\n\n- **bold** point\n- `inline code`\n- [the docs](https://example.com/docs)\n\n```\nnpm start\n```',
    );
    const reply = bubble('agent', 'Mock response to: Three things');
    await reply.waitFor({ timeout: 20_000 });
    expect(await reply.locator('li').allTextContents()).toEqual(['bold point', 'inline code', 'the docs']);
    expect(await reply.locator('pre code').textContent()).toBe('npm start');
    const link = reply.locator('a', { hasText: 'the docs' });
    expect(await link.getAttribute('href')).toBe('https://example.com/docs');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('shows the history after a reload, each message once', async () => {
    await page.reload();
    await bubble('agent', 'Mock response to: hello from a browser').waitFor({ timeout: 10_000 });
    expect(await bubble('me', 'hello from a browser').count()).toBe(1);
    expect(await bubble('agent', 'Mock response to: hello from a browser').count()).toBe(1);
    expect(await bubble('agent', 'Mock response to: Three things').count()).toBe(1);
    await screenshot(page, 'web-chat-desktop');
  });

  it('fits a 390 px wide phone screen', async () => {
    await page.setViewportSize(PHONE);
    await page.reload();
    await bubble('agent', 'Mock response to: Three things').waitFor({ timeout: 10_000 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'web-chat-phone');
    await page.setViewportSize(DESKTOP);
  });

  it('never runs HTML or javascript: links from a message, and renders the rest as Markdown', async () => {
    const attack =
      'Here is **bold**, `code` and [docs](https://example.com/docs) ' +
      '<img src=x onerror="window.pwned=1;alert(1)"> [click me](javascript:window.pwned=2) ' +
      '<script>window.pwned=3</script>\n\n```\nconst x = "<b>raw</b>";\n```';
    await type(attack);
    const reply = bubble('agent', 'Mock response to: Here is');
    await reply.waitFor({ timeout: 20_000 });
    expect(await reply.locator('strong').textContent()).toBe('bold');
    expect(await reply.locator('pre code').textContent()).toBe('const x = "<b>raw</b>";');
    const link = reply.locator('a', { hasText: 'docs' });
    expect(await link.getAttribute('href')).toBe('https://example.com/docs');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await page.locator('#log img, #log script, #log b').count()).toBe(0);
    expect(await page.locator('#log a[href^="javascript"]').count()).toBe(0);
    await reply.getByText('click me').click();
    expect(await reply.textContent()).toContain('<img src=x onerror=');
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it('after a host restart shows one "Reconnected." notice, not a line per retry, and chats on', async () => {
    const port = new URL(host.url).port;
    expect(await host.stop()).toBe(0);
    await page.locator('#status', { hasText: 'Connection lost' }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(4500);
    host = await startHostProcess({ dataDir, env: { NANOCLAW_PORT: port } });
    await page.locator('.note', { hasText: 'Reconnected.' }).waitFor({ timeout: 20_000 });
    await type('still there after the restart?');
    await bubble('agent', 'Mock response to: still there after the restart?').waitFor({ timeout: 30_000 });
    expect(await page.locator('.note', { hasText: 'Reconnected.' }).count()).toBe(1);
    expect(await page.locator('#log', { hasText: /connection lost/i }).count()).toBe(0);
    expect(await page.locator('#status').textContent()).toBe('');
    expect(await bubble('agent', 'Mock response to: hello from a browser').count()).toBe(1);
  });

  it('says in words, styled as an error, why a message reached no agent', async () => {
    await page.goto(`${host.url}?chat=empty-room`);
    await page.locator('#chats option:checked', { hasText: 'empty-room' }).waitFor({ state: 'attached' });
    await type('anyone here?');
    const why = page.locator('.note.error', { hasText: 'No agent is connected to this chat yet' });
    await why.waitFor({ timeout: 10_000 });
    expect(await page.locator('#log', { hasText: 'no_agent_wired' }).count()).toBe(0);
  });

  it('lists the chats the user may open and switches between them', async () => {
    await page.selectOption('#chats', 'main');
    await page.waitForURL(/\?chat=main$/);
    await bubble('agent', 'Mock response to: hello from a browser').waitFor({ timeout: 10_000 });
  });

  it('raised no script error on the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
