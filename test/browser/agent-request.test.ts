/**
 * An agent's create_agent request as the owner of the embedded default meets it, in a real Chromium against the
 * real `nanoclaw start` process: the agent asks in the main web chat, the card appears in the owner's own web DM
 * (not in the chat that asked), a click on Approve writes the new agent's manifest, and the new agent answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { DESKTOP, HAVE_CHROMIUM, launchChromium, screenshot } from './chromium.js';

const CONFIG = `apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata: { name: assistant }
spec: { displayName: Assistant, provider: mock }
---
apiVersion: nanoclaw.dev/v1alpha1
kind: MessagingGroup
metadata: { name: web-main }
spec:
  channel: web
  platformId: main
  displayName: Main
  agents: [{ agentGroup: assistant, engage: { mode: pattern, pattern: "." } }]
---
apiVersion: nanoclaw.dev/v1alpha1
kind: UserRole
metadata: { name: local-owner }
spec: { user: "web:local", role: owner }
`;

let configDir: string;
let host: HostProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const bubble = (cls: string, text: string) => page.locator(`.msg.${cls}`, { hasText: text });

describe.skipIf(!HAVE_CHROMIUM)('an agent’s request in the web chat', () => {
  beforeAll(async () => {
    const home = tempDir('nc-browser-request-');
    configDir = path.join(home, 'nanoclaw.d');
    fs.mkdirSync(configDir);
    fs.writeFileSync(path.join(configDir, 'agents.yaml'), CONFIG);
    host = await startHostProcess({
      dataDir: path.join(home, 'data'),
      verb: 'start',
      env: { NANOCLAW_CONFIG_DIR: configDir },
    });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(host.signInUrl);
    await page.locator('#chats option', { hasText: 'Main' }).waitFor({ state: 'attached' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    expect(await host?.stop()).toBe(0);
  });

  it('lands in the owner’s DM as a card; Approve writes the agent, which then answers', async () => {
    await page.selectOption('#chats', 'main');
    await page.fill(
      '#text',
      '[[tool:create_agent {"name":"research","instructions":"Cite sources."}]] asking',
    );
    await page.press('#text', 'Enter');
    await bubble('agent', 'Mock response to: asking').waitFor({ timeout: 20_000 });
    expect(await bubble('agent', 'asks to create a new agent group').count()).toBe(0);

    const dm = page.locator('#chats option', { hasText: 'Direct:' });
    await dm.waitFor({ state: 'attached', timeout: 20_000 });
    await page.selectOption('#chats', await dm.getAttribute('value'));
    const card = bubble('host', 'asks to create a new agent group "research"');
    await card.waitFor({ timeout: 20_000 });
    await expect.poll(() => card.textContent()).toContain('Cite sources.');
    await screenshot(page, 'web-chat-agent-request-card');
    await card.locator('button', { hasText: 'Approve' }).click();
    await bubble('host', 'Approved: create_agent "research"').waitFor({ timeout: 20_000 });
    expect(fs.readFileSync(path.join(configDir, 'research.yaml'), 'utf8')).toContain(
      'instructions: Cite sources.',
    );

    await page.selectOption('#chats', 'main');
    await page.fill('#text', '[[tool:send_message {"to":"research","text":"otters?"}]] asking research');
    await page.press('#text', 'Enter');
    await bubble('agent', 'Mock response to: Mock response to: otters?').waitFor({ timeout: 30_000 });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
