// Shared by the browser tests: Debian's Chromium, and axe-core for WCAG 2.1 A/AA on a page
// (a page without JavaScript is checked as HTML in a probe page that may run the script).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const axeSource = readFileSync(join(root, 'e2e', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const WCAG = { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] };

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Fails with every WCAG 2.1 A/AA violation axe-core finds on `page`. */
export async function assertAccessible(browser, page, where, javaScriptEnabled) {
  let target = page;
  let probeContext;
  if (!javaScriptEnabled) {
    const origin = new URL(page.url()).origin;
    const html = (await page.content()).replace('<head>', `<head><base href="${origin}/">`);
    probeContext = await browser.newContext({ bypassCSP: true });
    target = await probeContext.newPage();
    await target.setContent(html, { waitUntil: 'load' });
  }
  await target.addScriptTag({ content: axeSource });
  const result = await target.evaluate((options) => window.axe.run(document, options), WCAG);
  await probeContext?.close();
  const problems = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(problems, [], `axe-core on ${where}`);
}

/** The tallest screenshot taken, in CSS pixels: Chromium can refuse to capture a page of tens
 *  of thousands of pixels ("Unable to capture screenshot" — it did so once in CI, on a list of
 *  ~90,000 pixels), so a longer page is captured from its top to this height. */
const SHOT_HEIGHT = 16000;

/** A full-page screenshot of `page`, cut at `SHOT_HEIGHT`. */
export async function screenshot(page, path) {
  const { width, height } = await page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  }));
  if (height <= SHOT_HEIGHT) {
    await page.screenshot({ path, fullPage: true });
  } else {
    await page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width, height: SHOT_HEIGHT } });
  }
}
