// A respondent walks through the whole 2024 questionnaire in headless Chromium, with and
// without JavaScript: a skipped question stays hidden, a constraint error appears, the draft
// survives closing the browser, the link resumes in a fresh context, submit, confirmation.
// axe-core checks every page for WCAG 2.1 A/AA violations. Screenshots go to
// target/test-artefacts/e2e/ for a person to look at. Contexts bypass the CSP so axe-core can be
// injected; the CSP itself is checked by the Rust tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shots = join(root, 'target', 'test-artefacts', 'e2e');
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(join(root, 'e2e', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const binary = process.env.MAMORI_BIN ?? join(root, 'target', 'debug', 'mamori');

let server;
let links = [];
let browser;

/** Starts `mamori serve --demo` on a free port and reads the personal link it prints. */
function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--demo', '--bind', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`mamori serve did not start: ${out}`)), 20000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/personal link: (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ child, link: match[1] });
      }
    });
    child.stderr.on('data', (chunk) => { out += chunk; });
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run ${binary}: ${e.message}; build it with cargo build -p mamori-cli or set MAMORI_BIN`)); });
    child.on('exit', (code) => reject(new Error(`mamori serve exited with ${code}: ${out}`)));
  });
}

before(async () => {
  // Two servers: each demo has its own participants, so the two walks never share a link.
  server = [await startServer(), await startServer()];
  links = server.map((s) => s.link);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  for (const s of server ?? []) s.child.kill();
});

const WCAG = { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] };

/** axe-core on the page as shown. A page without JavaScript cannot run axe itself, so its HTML
 *  is checked in a JavaScript-enabled page with the same base URL (the stylesheet loads too). */
async function axe(page, where, javaScriptEnabled = true) {
  let target = page;
  let probe;
  if (!javaScriptEnabled) {
    const origin = new URL(page.url()).origin;
    const html = (await page.content()).replace('<head>', `<head><base href="${origin}/">`);
    probe = await browser.newPage();
    await probe.setContent(html, { waitUntil: 'load' });
    target = probe;
  }
  await target.addScriptTag({ content: axeSource });
  const result = await target.evaluate((options) => window.axe.run(document, options), WCAG);
  await probe?.close();
  const problems = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(problems, [], `axe-core on ${where}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function next(page) {
  await page.locator('button[name="_go"][value="next"]').click();
  await page.waitForLoadState('load');
}

async function walk(javaScriptEnabled, link, label) {
  let context = await browser.newContext({ javaScriptEnabled, locale: 'ja-JP', bypassCSP: true });
  let page = await context.newPage();
  await page.goto(link);
  await axe(page, `${label} page 1`, javaScriptEnabled);
  await shot(page, `${label}-01-start`);
  assert.equal(await page.locator('#f-license_other').count(), 0, 'license_other is hidden until "other" is chosen');
  await page.fill('#f-org_name', 'ブラウザ医療機器株式会社');
  await page.check('input[name="license_type"][value="mah1"]');
  await next(page);
  // The supply origin applies to licence holders: asked now, with an error next to it.
  assert.match(await page.locator('#err-supply_origin').innerText(), /回答必須/);
  assert.equal(await page.locator('.error-summary').count(), 1);
  await axe(page, `${label} page 1 with errors`, javaScriptEnabled);
  await shot(page, `${label}-02-error`);
  await page.check('input[name="supply_origin"][value="import"]');
  await next(page);
  assert.match(page.url(), /\/p\/2/);
  await page.fill('#f-products_total', '10');
  await page.fill('#f-products_done', '12');
  await next(page);
  assert.match(await page.locator('#err-products_done').innerText(), /対象品目数以下/);
  await axe(page, `${label} page 2 with a constraint error`, javaScriptEnabled);
  await shot(page, `${label}-03-constraint`);
  await page.fill('#f-products_done', '4');
  await next(page);
  assert.match(page.url(), /\/p\/3/);
  // Close the browser context; the draft lives on the server.
  await context.close();
  context = await browser.newContext({ javaScriptEnabled, locale: 'ja-JP', bypassCSP: true });
  page = await context.newPage();
  await page.goto(link.replace(/$/, '/p/2'));
  assert.equal(await page.inputValue('#f-products_done'), '4', 'the draft survived closing the browser');
  await page.goto(link.replace(/$/, '/p/3'));
  const choose = async (name, value) => page.check(`input[name="${name}"][value="${value}"]`);
  for (const q of ['proc_docs', 'info_eval', 'competence', 'process_check']) await choose(q, 'done');
  await axe(page, `${label} page 3`, javaScriptEnabled);
  await next(page);
  await choose('sbom_current', 'prep'); await choose('sbom_legacy', 'na');
  await axe(page, `${label} page 4`, javaScriptEnabled);
  await next(page);
  for (const q of ['pm_process', 'vuln_intake', 'defect_report']) await choose(q, 'done');
  await choose('wide_vuln_info', 'yes'); await choose('incident_info', 'no');
  await axe(page, `${label} page 5`, javaScriptEnabled);
  await next(page);
  for (const q of ['policy', 'policy_disclosure', 'psirt', 'advisory']) await choose(q, 'prep');
  await choose('user_inquiry', 'no');
  await axe(page, `${label} page 6`, javaScriptEnabled);
  await next(page);
  await choose('network_diagram', 'blocked'); await choose('maint_contract', 'no');
  await axe(page, `${label} page 7`, javaScriptEnabled);
  await next(page);
  await page.check('input[name="challenges"][value="experts"]');
  await page.check('input[name="challenges"][value="hospital"]');
  await page.fill('#f-challenges_text', '医療機関との情報共有の窓口がない');
  await axe(page, `${label} page 8`, javaScriptEnabled);
  await shot(page, `${label}-04-last-page`);
  await next(page);
  assert.match(page.url(), /\/review/);
  assert.match(await page.locator('main').innerText(), /専門家の確保、医療機関との連携・情報共有/);
  await axe(page, `${label} review`, javaScriptEnabled);
  await shot(page, `${label}-05-review`);
  await page.locator('form[action*="/submit"] button').click();
  await page.waitForLoadState('load');
  assert.match(page.url(), /\/done/);
  assert.match(await page.locator('h1').innerText(), /ご回答ありがとうございました/);
  await axe(page, `${label} confirmation`, javaScriptEnabled);
  await shot(page, `${label}-06-done`);
  await context.close();
}

test('a respondent answers the whole 2024 questionnaire with JavaScript', async () => {
  await walk(true, links[0], 'js');
});

test('the same without JavaScript', async () => {
  await walk(false, links[1], 'nojs');
});

test('the English pages pass axe-core too', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${links[0]}/p/1?lang=en`);
  assert.match(await page.locator('main').innerText(), /Company name/);
  await axe(page, 'English page 1');
  await context.close();
});
