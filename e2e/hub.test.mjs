// The device security hub in headless Chromium: a manufacturer registers a product and a
// release, uploads its SBOM and a VEX; a hospital signs in, imports its inventory (Japanese
// headers), reads its findings (the manufacturer's VEX among them), an advisory's page and a
// device's page, and records a state change — with JavaScript off, as the pages need none;
// the coordinator looks at the intake and confirms a vendor alias. axe-core checks every page for WCAG 2.1 A/AA violations;
// screenshots go to target/test-artefacts/e2e/hub-*.png. The database is prepared with the
// command line (`mamori hub org-add`, `mamori hub import` of the ICSMA corpus).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, assertAccessible, screenshot } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shots = join(root, 'target', 'test-artefacts', 'e2e');
mkdirSync(shots, { recursive: true });
const binary = process.env.MAMORI_BIN ?? join(root, 'target', 'debug', 'mamori');
const icsma = join(root, '..', 'shared', 'corpora', 'hub', 'csaf', 'icsma');
const osv = join(root, '..', 'shared', 'corpora', 'hub', 'osv', 'crates.io');

let server;
let origin;
let browser;
const password = 'browser-walk-passphrase-42';

function mamori(args, input) {
  const r = spawnSync(binary, args, { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `mamori ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-hub-e2e-'));
  const db = `sqlite://${join(dir, 'hub.db')}`;
  mamori(['hub', 'org-add', '--db', db, '--kind', 'coordinator', '--name-ja', 'ハブ事務局', '--admin', 'coord'], `${password}\n`);
  mamori(['hub', 'org-add', '--db', db, '--kind', 'hospital', '--name-ja', 'みなと総合病院', '--admin', 'minato'], `${password}\n`);
  mamori(['hub', 'org-add', '--db', db, '--kind', 'manufacturer', '--name-ja', 'Example Medical', '--name-en', 'Example Medical', '--admin', 'exmed'], `${password}\n`);
  assert.match(mamori(['hub', 'import', '--db', db, icsma, osv]), /took in \d+ document/);
  server = spawn(binary, ['serve', '--db', db, '--bind', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  origin = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`mamori serve did not start: ${out}`)), 20000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.stderr.on('data', (chunk) => { out += chunk; });
    server.on('exit', (code) => reject(new Error(`mamori serve exited with ${code}: ${out}`)));
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** axe-core on the page as shown (`common.mjs`: a page without JavaScript is checked as HTML
 *  in a probe page with the same base URL). */
async function axe(page, where, javaScriptEnabled) {
  await assertAccessible(browser, page, where, javaScriptEnabled);
}

async function look(page, name, javaScriptEnabled) {
  await axe(page, name, javaScriptEnabled);
  await screenshot(page, join(shots, `hub-${name}.png`));
}

async function signIn(context, login, js) {
  const page = await context.newPage();
  await page.goto(`${origin}/hub`);
  assert.match(page.url(), /\/hub\/login\?next=/, 'the hub asks for a sign-in first');
  await look(page, `${login}-01-sign-in`, js);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.locator('button[type="submit"]').click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, '/hub');
  return page;
}

const INVENTORY = '製造販売業者,製品名,型番,ソフトウェアバージョン,設置場所\n'
  + 'Hillrom,Welch Allyn Q-Stress Cardiac Stress Testing System,,6.2.0,生理検査室\n'
  + 'BD,Alaris 8000 PC Unit,,9.5,ICU\n'
  + 'Philips Healthcare,IntelliSpace Cardiovascular,,2.2.0,循環器内科\n'
  + 'Medtronic,MiniMed 640G,MMT-1711,,外来\n'
  + 'Example Medical,X,XM-100,2.1,病棟\n';

const SERIAL = '1b5e2c3a-0000-4000-8000-00000000a001';
const SBOM = JSON.stringify({
  bomFormat: 'CycloneDX', specVersion: '1.5', serialNumber: `urn:uuid:${SERIAL}`, version: 1,
  metadata: { component: { type: 'firmware', 'bom-ref': 'x', name: 'X', version: '2.1', supplier: { name: 'Example Medical' } } },
  components: [{ type: 'library', 'bom-ref': 'openssl', name: 'openssl', version: '0.8.3', purl: 'pkg:cargo/openssl@0.8.3' }],
});
const VEX = JSON.stringify({
  bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, metadata: { timestamp: '2026-11-02T00:00:00Z' },
  vulnerabilities: [{ id: 'CVE-2016-10931', analysis: { state: 'not_affected', justification: 'code_not_present' },
    affects: [{ ref: `urn:cdx:${SERIAL}/1#openssl` }] }],
});

test('a manufacturer registers X, its release 2.1, the SBOM and a VEX', async () => {
  const js = true;
  const context = await browser.newContext({ javaScriptEnabled: js, locale: 'ja-JP', bypassCSP: true });
  const page = await signIn(context, 'exmed', js);
  await look(page, 'exmed-02-home', js);
  await page.goto(`${origin}/hub/products`);
  await page.fill('#p-ja', 'X');
  await page.fill('#p-en', 'X');
  await page.fill('#p-models', 'XM-100');
  await page.fill('#p-gtin', '4901234567890');
  await page.locator('form[action="/hub/products"] button').click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('#errors').innerText(), /チェックデジット/);
  await look(page, 'exmed-03-gtin-refused', js);
  await page.fill('#p-ja', 'X');
  await page.fill('#p-en', 'X');
  await page.fill('#p-models', 'XM-100');
  await page.fill('#p-gtin', '4901234567894');
  await page.locator('form[action="/hub/products"] button').click();
  await page.waitForLoadState('load');
  assert.match(new URL(page.url()).pathname, /^\/hub\/products\/prd-/);
  for (const version of ['2.0', '2.1']) {
    await page.fill('#r-version', version);
    await page.locator('form[action$="/releases"] button').click();
    await page.waitForLoadState('load');
  }
  await look(page, 'exmed-04-product', js);
  await page.locator('a', { hasText: '2.1' }).first().click();
  await page.waitForLoadState('load');
  await page.setInputFiles('#sbom', { name: 'x-2.1.cdx.json', mimeType: 'application/json', buffer: Buffer.from(SBOM) });
  await page.locator('form[action$="/sbom"] button').click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('main').innerText(), /RUSTSEC-2016-0001/);
  await page.setInputFiles('#vex', { name: 'x.cdx-vex.json', mimeType: 'application/json', buffer: Buffer.from(VEX) });
  await page.locator('form[action$="/vex"] button').click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('main').innerText(), /x\.cdx-vex\.json/);
  await look(page, 'exmed-05-release-sbom-vex', js);
  await context.close();
});

test('a hospital imports its inventory and works through its findings without JavaScript', async () => {
  const js = false;
  const context = await browser.newContext({ javaScriptEnabled: js, locale: 'ja-JP' });
  const page = await signIn(context, 'minato', js);
  await look(page, 'minato-02-home-empty', js);
  await page.goto(`${origin}/hub/devices`);
  await look(page, 'minato-03-devices-empty', js);
  // A bad cell: nothing added, the row and column named.
  await page.setInputFiles('#inventory', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${INVENTORY}Philips,Vue PACS,,${'9'.repeat(600)},放射線科\n`) });
  await page.locator('form[action="/hub/devices/import"] button').click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('#errors').innerText(), /row 7/);
  await look(page, 'minato-04-import-refused', js);
  await page.setInputFiles('#inventory', { name: '台帳.csv', mimeType: 'text/csv', buffer: Buffer.from(INVENTORY) });
  await page.locator('form[action="/hub/devices/import"] button').click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, '/hub/findings');
  const findings = await page.locator('main').innerText();
  for (const advisory of ['ICSMA-21-343-01', 'ICSMA-17-017-01', 'ICSMA-22-263-01']) assert.match(findings, new RegExp(advisory));
  await look(page, 'minato-05-findings', js);
  await page.goto(`${origin}/hub/advisories/ICSMA-21-343-01`);
  assert.match(await page.locator('main').innerText(), /生理検査室/);
  await look(page, 'minato-06-advisory', js);
  // Example Medical's X 2.1: its SBOM's findings, CVE-2016-10931 not affected by the VEX.
  await page.goto(`${origin}/hub/devices`);
  await page.locator('a', { hasText: /^X$/ }).click();
  await page.waitForLoadState('load');
  const x = await page.locator('main').innerText();
  assert.match(x, /SBOM: openssl 0\.8\.3/);
  assert.match(x, /影響なし（製造販売業者の VEX：x\.cdx-vex\.json）/);
  await look(page, 'minato-06b-device-with-vex', js);
  await page.goto(`${origin}/hub/advisories/ICSMA-21-343-01`);
  await page.locator('main a[href^="/hub/devices/dev-"]').first().click();
  await page.waitForLoadState('load');
  await look(page, 'minato-07-device', js);
  const form = page.locator('form[action="/hub/findings/state"]').first();
  await form.locator('select').selectOption('mitigated');
  await form.locator('input[name="why"]').fill('VLANで隔離し、外部接続を遮断');
  await form.locator('button').click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('main').innerText(), /緩和策を実施（minato、.*VLANで隔離/);
  await look(page, 'minato-08-state-changed', js);
  await page.goto(`${origin}/hub/audit`);
  assert.match(await page.locator('main').innerText(), /hub finding state/);
  await look(page, 'minato-09-audit', js);
  await context.close();
});

test('the coordinator sees the intake and confirms a vendor alias', async () => {
  const js = true;
  const context = await browser.newContext({ javaScriptEnabled: js, locale: 'ja-JP', bypassCSP: true });
  const page = await signIn(context, 'coord', js);
  await look(page, 'coord-02-home', js);
  await page.goto(`${origin}/hub/intake`);
  assert.match(await page.locator('#taken-in').innerText(), /取り込んだ勧告 \d+ 件/);
  assert.match(await page.locator('caption').innerText(), /\d+ 件中 1〜100 件目/);
  await look(page, 'coord-03-intake', js);
  // The list is searched with a plain form (a GET) and paged.
  await page.fill('#f-q', 'icsma-21-343');
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('caption').innerText(), /1 件中 1〜1 件目/);
  assert.match(await page.locator('main table').innerText(), /ICSMA-21-343-01/);
  await look(page, 'coord-03b-intake-search', js);
  await page.goto(`${origin}/hub/aliases`);
  // The hospital's "Philips Healthcare" waits as a possible match of ICSMA's "Philips".
  assert.match(await page.locator('#waiting + p + table').innerText(), /Philips Healthcare\s+Philips\s/);
  await look(page, 'coord-04a-aliases-waiting', js);
  await page.fill('#why-1', 'フィリップスの医療部門（同社サイトで確認）');
  await page.getByRole('button', { name: '同じ会社として確認する' }).first().click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('main').innerText(), /フィリップスの医療部門/);
  await look(page, 'coord-04-alias-confirmed', js);
  await page.goto(`${origin}/hub/orgs`);
  await look(page, 'coord-05-orgs', js);
  await context.close();
});

test('the hub in English: the language link, a hospital\'s findings and device, a release page', async () => {
  const js = false;
  const context = await browser.newContext({ javaScriptEnabled: js, locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${origin}/hub/findings`);
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.match(await page.locator('h1').innerText(), /Sign in to the medical device security hub/);
  await look(page, 'en-01-sign-in', js);
  await page.fill('#login', 'minato');
  await page.fill('#password', password);
  await page.locator('button[type="submit"]').click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, '/hub/findings', 'back to the page asked for');
  const findings = await page.locator('main').innerText();
  assert.match(findings, /Confidence/);
  assert.match(findings, /Mitigated/, 'the state recorded in Japanese reads in English');
  assert.doesNotMatch(findings.replace(/生理検査室|循環器内科|外来|病棟/g, ''), /[\u3040-\u30ff\u4e00-\u9fff]/);
  await look(page, 'en-02-findings', js);
  await page.goto(`${origin}/hub/devices`);
  await page.locator('a', { hasText: /^X$/ }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('main').innerText(), /Not affected \(manufacturer's VEX: x\.cdx-vex\.json\)/);
  await look(page, 'en-03-device', js);
  // Back to Japanese with one link, on the same page.
  const here = new URL(page.url()).pathname;
  await page.getByRole('link', { name: '日本語' }).click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, here);
  assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
  await context.close();

  const maker = await browser.newContext({ javaScriptEnabled: true, locale: 'en-GB', bypassCSP: true });
  await maker.addCookies([{ name: 'mamori_lang', value: 'en', url: origin }]);
  const m = await signIn(maker, 'exmed', true);
  await m.goto(`${origin}/hub/products`);
  await m.locator('main a', { hasText: /^X$/ }).click();
  await m.waitForLoadState('load');
  await m.locator('a', { hasText: '2.1' }).first().click();
  await m.waitForLoadState('load');
  const release = await m.locator('main').innerText();
  assert.match(release, /Findings through the SBOM/);
  assert.match(release, /CycloneDX 1\.5 \(json\), components: 1/);
  await look(m, 'en-04-release', true);
  await maker.close();
});
