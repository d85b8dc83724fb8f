/**
 * The browser tier's Chromium: Debian's /usr/bin/chromium through playwright-core, headless with flags for a
 * machine without network. scripts/test.mjs installs it when missing (as root) or reports the tier as skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO } from '../support/host-process.js';

const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * Saves a screenshot into .test-results/screenshots/, and into docs/images/ (what docs/quickstart.md shows)
 * when NANOCLAW_UPDATE_SCREENSHOTS=1, so an ordinary run leaves the committed pictures alone.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dirs = [path.join(REPO, '.test-results', 'screenshots')];
  if (process.env.NANOCLAW_UPDATE_SCREENSHOTS === '1') dirs.push(path.join(REPO, 'docs', 'images'));
  const png = await page.screenshot({ type: 'png' });
  for (const dir of dirs) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.png`), png);
  }
  return path.join(dirs[0]!, `${name}.png`);
}
