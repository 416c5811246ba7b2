import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const SHOTS = path.resolve(__dirname, '..', 'test-results');

export async function launchBrowser(): Promise<Browser> {
  // Chromium keeps crash reports under $XDG_CONFIG_HOME and GTK a dconf cache under $XDG_CACHE_HOME
  // (~/.config, ~/.cache): give them a temp dir that goes away with the browser.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-chromium-'));
  const removeHome = () => fs.rmSync(home, { recursive: true, force: true });
  const browser = await chromium
    .launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      env: {
        ...process.env,
        XDG_CONFIG_HOME: path.join(home, 'config'),
        XDG_CACHE_HOME: path.join(home, 'cache'),
      },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    })
    .catch((err: unknown) => {
      removeHome();
      throw err;
    });
  browser.on('disconnected', removeHome);
  return browser;
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
