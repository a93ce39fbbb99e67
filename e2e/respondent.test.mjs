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
import { launchChromium, assertAccessible, screenshot } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shots = join(root, 'target', 'test-artefacts', 'e2e');
mkdirSync(shots, { recursive: true });
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
      const admin = out.match(/(http:\/\/\S+)\/admin +login: (\S+) +password: (\S+)/);
      if (match && admin) {
        clearTimeout(timer);
        resolve({ child, link: match[1], origin: admin[1], login: admin[2], password: admin[3] });
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
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const s of server ?? []) s.child.kill();
});


/** axe-core on the page as shown (`common.mjs`: a page without JavaScript is checked as HTML
 *  in a probe page with the same base URL). */
async function axe(page, where, javaScriptEnabled = true) {
  await assertAccessible(browser, page, where, javaScriptEnabled);
}

async function shot(page, name) {
  await screenshot(page, join(shots, `${name}.png`));
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
  // The demo company answered the previous wave: its own answers, read-only, beside each question.
  const previous = page.locator('#q-org_name .previous');
  assert.match(await previous.innerText(), /^前回の回答\s+デモ/);
  assert.equal(await page.locator('#q-org_name .previous input').count(), 0, 'the previous answer is text, not a field');
  assert.ok(await page.locator('#q-license_other').isHidden(), 'license_other is hidden until "other" is chosen');
  assert.ok(await page.locator('#q-supply_origin').isHidden(), 'supply_origin waits for a licence class');
  await page.fill('#f-org_name', 'ブラウザ医療機器株式会社');
  if (javaScriptEnabled) {
    // Live skip logic: choosing "other" shows its question at once, choosing again hides it.
    await page.check('input[name="license_type"][value="other"]');
    await page.locator('#q-license_other').waitFor({ state: 'visible' });
    await page.check('input[name="license_type"][value="mah1"]');
    await page.locator('#q-license_other').waitFor({ state: 'hidden' });
    await page.locator('#q-supply_origin').waitFor({ state: 'visible' });
    await shot(page, `${label}-01b-live-skip-logic`);
  } else {
    await page.check('input[name="license_type"][value="mah1"]');
  }
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
  // The demo campaign has released feedback: the respondent's standing and gap plan.
  await page.locator('a[href*="/feedback"]').click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('main').innerText(), /総合スコア/);
  assert.match(await page.locator('main').innerText(), /優先して取り組むこと/);
  // Its score change since the previous wave, beside its peers'.
  assert.match(await page.locator('#change').innerText(), /前回の調査からの変化/);
  assert.match(await page.locator('main').innerText(), /前回 \d+ → 今回 \d+/);
  assert.match(await page.locator('main').innerText(), /両方の調査に回答した/);
  await axe(page, `${label} feedback`, javaScriptEnabled);
  await shot(page, `${label}-07-feedback`);
  await page.goto(link.replace(/$/, '/print'));
  assert.match(await page.locator('main').innerText(), /ブラウザ医療機器株式会社/);
  await axe(page, `${label} print view`, javaScriptEnabled);
  await shot(page, `${label}-08-print`);
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

test('the survey office signs in, monitors, reviews, opens registration and reads the results', async () => {
  const s = server[0];
  const context = await browser.newContext({ locale: 'ja-JP', bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${s.origin}/admin`);
  assert.match(page.url(), /\/admin\/login/);
  await axe(page, 'admin sign-in');
  await page.fill('#login', s.login);
  await page.fill('#password', s.password);
  await page.locator('button[type="submit"]').click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('h1').innerText(), /調査の一覧/);
  await axe(page, 'admin home');
  await shot(page, 'admin-01-home');
  await page.locator('table.list a', { hasText: '令和6年度' }).click();
  await page.waitForLoadState('load');
  const overview = await page.locator('main').innerText();
  assert.match(overview, /回答状況/);
  assert.match(overview, /提出済/);
  await axe(page, 'admin campaign');
  await shot(page, 'admin-02-campaign');
  // The demo campaign succeeds a previous wave: who answered both, and the comparison.
  assert.match(overview, /前回からの継続回答/);
  const overviewUrl = page.url();
  await page.locator('a[href$="/trend"]').first().click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('h1').innerText(), /前回調査との比較/);
  assert.ok(await page.locator('svg circle').count() > 0, 'dumbbell charts');
  await axe(page, 'admin comparison with the previous wave');
  await shot(page, 'admin-02b-trend');
  await page.goto(overviewUrl);
  // Open-link registration: make the link, then register as a company would.
  await page.locator('form[action$="/registration"] button').click();
  await page.waitForLoadState('load');
  const join = (await page.locator('code.url').first().innerText()).trim();
  assert.match(join, /\/join\/[0-9a-f]{32}$/);
  const visitor = await browser.newContext({ locale: 'ja-JP', bypassCSP: true });
  const form = await visitor.newPage();
  await form.goto(join);
  await axe(form, 'registration');
  await form.fill('#f-company', '登録テスト株式会社');
  await form.check('input[name="license"][value="mah2"]');
  await form.fill('#f-email', 'broken-address');
  await form.locator('button[type="submit"]').click();
  await form.waitForLoadState('load');
  assert.match(await form.locator('#err-email').innerText(), /メールアドレスの形式/);
  await axe(form, 'registration with an error');
  await shot(form, 'admin-03-registration-error');
  await form.fill('#f-email', 'entry@example.jp');
  await form.locator('button[type="submit"]').click();
  await form.waitForLoadState('load');
  assert.match(await form.locator('h1').innerText(), /登録を受け付けました/);
  await visitor.close();
  // Review a submitted response.
  await page.reload();
  await page.locator('#participants ~ table a[href*="/responses/"]').first().click();
  await page.waitForLoadState('load');
  await axe(page, 'admin review');
  await page.check('input[name="status"][value="valid"]');
  await page.locator('form.review button').click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('dl.meta').innerText(), /有効/);
  await shot(page, 'admin-04-review');
  // The results report on the valid responses, and the settings page.
  const campaignUrl = page.url().replace(/\/responses\/.*/, '');
  await page.goto(`${campaignUrl}/results`);
  assert.match(await page.locator('h1').first().innerText(), /サイバーセキュリティ/);
  assert.ok(await page.locator('svg').count() > 5, 'charts in the results page');
  await shot(page, 'admin-05-results');
  await page.goto(`${campaignUrl}/settings`);
  await axe(page, 'admin settings');
  await page.goto(`${s.origin}/admin/audit`);
  assert.match(await page.locator('main').innerText(), /response\.review/);
  await axe(page, 'admin audit log');
  await shot(page, 'admin-06-audit');
  await page.goto(`${s.origin}/admin/users`);
  await axe(page, 'admin users');
  await context.close();
});
