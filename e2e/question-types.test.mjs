// The question types beyond the 2024 questionnaire, in headless Chromium: a `range` question
// with few points is a row of choices labelled at its ends, a long one a number field with
// its bounds, a decimal one in quarter steps; on the next page a `table-list` group is a Likert
// matrix (a row per question, a column per choice), `minimal` a drop-down (its choices from prefectures.csv, a `select_one_from_file`,
// filtered by the region chosen before it: live with JavaScript, after a save without), `horizontal` a row, and a `rank` question a drop-down per place
// (without JavaScript a choice put in two places is refused, named, by the server). Answered with and without JavaScript; an answer
// off the scale is refused with the scale named (without JavaScript, by the server); axe-core
// on every page. On the last page a `file` question takes a PDF: a program renamed .pdf and a
// kind not allowed are refused, named, by the server, and the chosen file's name is the answer.
// Screenshots to target/test-artefacts/e2e/types-*.png. The server is
// `mamori serve --demo --demo-form e2e/forms/question-types.md`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, launchChromium, assertAccessible, screenshot } from './common.mjs';

const shots = join(root, 'target', 'test-artefacts', 'e2e');
mkdirSync(shots, { recursive: true });
const binary = process.env.MAMORI_BIN ?? join(root, 'target', 'debug', 'mamori');

let server;
let links = [];
let browser;

before(async () => {
  const linksFile = join(mkdtempSync(join(tmpdir(), 'mamori-types-')), 'links.txt');
  server = spawn(binary, ['serve', '--demo', '--demo-form', join(root, 'e2e', 'forms', 'question-types.md'),
    '--demo-participants', '2', '--demo-links', linksFile, '--bind', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`mamori serve did not start: ${out}`)), 20000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      if (/personal link: http/.test(out)) { clearTimeout(timer); resolve(); }
    });
    server.stderr.on('data', (chunk) => { out += chunk; });
    server.on('exit', (code) => reject(new Error(`mamori serve exited with ${code}: ${out}`)));
  });
  links = readFileSync(linksFile, 'utf8').trim().split('\n');
  assert.equal(links.length, 2);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** axe-core on the page, then a screenshot. */
async function look(page, name, javaScriptEnabled) {
  await assertAccessible(browser, page, name, javaScriptEnabled);
  await screenshot(page, join(shots, `types-${name}.png`));
}

async function walk(link, js) {
  const tag = js ? 'js' : 'nojs';
  const context = await browser.newContext({ javaScriptEnabled: js, locale: 'ja-JP', bypassCSP: true });
  const page = await context.newPage();
  await page.goto(link);
  // Five points of trust as radio buttons, their ends labelled; the budget a number field.
  const trust = page.getByRole('group', { name: /取引先の医療機関からの信頼度/ });
  assert.equal(await trust.getByRole('radio').count(), 5);
  await trust.getByRole('radio', { name: /十分に信頼されている/ }).waitFor();
  const budget = page.getByLabel('セキュリティ対策の年間予算（万円）');
  assert.equal(await budget.getAttribute('type'), 'number');
  assert.equal(await budget.getAttribute('step'), '10');
  assert.equal(await page.getByRole('group', { name: /SBOMを作成済みの製品の割合/ }).getByRole('radio').count(), 5);
  await look(page, `${tag}-01-scales`, js);
  await trust.getByRole('radio', { name: /^4/ }).check();
  await page.getByRole('group', { name: /SBOMを作成済みの製品の割合/ }).getByRole('radio', { name: '0.75' }).check();
  if (!js) {
    // Off the scale: the server refuses it and names the scale; the chosen points stay.
    await budget.fill('255');
    await page.getByRole('button', { name: '次へ' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('.field-error').first().innerText(), /0から1000までの、10刻みの値を選んでください。/);
    assert.equal(await page.getByRole('group', { name: /取引先の医療機関からの信頼度/ }).getByRole('radio', { name: /^4/ }).isChecked(), true);
    await look(page, `${tag}-02-off-the-scale`, js);
  }
  await page.getByLabel('セキュリティ対策の年間予算（万円）').fill('250');
  await page.getByRole('button', { name: '次へ' }).click();
  await page.waitForLoadState('load');
  // The Likert matrix: a table whose cells are named by their row and column.
  const matrix = page.getByRole('table', { name: '次の取り組みにどの程度同意しますか' });
  assert.equal(await matrix.getByRole('row').count(), 4, 'a head row and three questions');
  assert.equal(await matrix.getByRole('radio').count(), 9);
  await matrix.getByRole('radio', { name: 'SBOMは医療機関の役に立つ そう思う' }).check();
  await matrix.getByRole('radio', { name: 'PSIRTは必要だ そう思う' }).check();
  await matrix.getByRole('radio', { name: '内部監査は役に立つ どちらでもない' }).check();
  const pref = page.getByLabel('本社の所在地');
  assert.equal(await pref.evaluate((e) => e.tagName), 'SELECT');
  // The choices of the CSV file beside the form, in its order, after the empty one; its
  // choice_filter (area=${area}) offers none until the region is chosen…
  assert.deepEqual(await pref.locator('option').allTextContents(), ['—', '北海道', '東京都', '愛知県', '大阪府', '福岡県', '沖縄県']);
  const offered = () => pref.locator('option:not([disabled])').allTextContents();
  assert.deepEqual(await offered(), ['—']);
  // … and the western ones once 西日本 is: live with JavaScript, after a save without.
  await page.getByRole('group', { name: '本社の地域' }).getByRole('radio', { name: '西日本' }).check();
  if (js) {
    await page.waitForFunction(() => !document.querySelector('#f-pref option[value=osaka]').disabled);
  } else {
    await page.getByRole('button', { name: '一時保存' }).click();
    await page.waitForLoadState('load');
  }
  assert.deepEqual(await offered(), ['—', '愛知県', '大阪府', '福岡県', '沖縄県']);
  await pref.selectOption('osaka');
  await page.getByRole('group', { name: '上場していますか' }).getByRole('radio', { name: 'いいえ' }).check();
  // A ranking: a drop-down per place, each named by its place.
  const priorities = page.getByRole('group', { name: /来年度に優先する取り組み/ });
  assert.equal(await priorities.getByRole('combobox').count(), 3);
  if (!js) {
    // The same choice in two places: the server refuses it, naming it, and keeps the rest.
    await priorities.getByLabel('1位').selectOption('psirt');
    await priorities.getByLabel('2位').selectOption('psirt');
    await priorities.getByLabel('3位').selectOption('training');
    await page.getByRole('button', { name: '次へ' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('.field-error').first().innerText(), /「PSIRTの設置」に順位が2回つけられています/);
    assert.equal(await page.getByLabel('本社の所在地').inputValue(), 'osaka');
    await look(page, `${tag}-02c-rank-twice`, js);
  }
  await page.getByRole('group', { name: /来年度に優先する取り組み/ }).getByLabel('1位').selectOption('psirt');
  await page.getByRole('group', { name: /来年度に優先する取り組み/ }).getByLabel('2位').selectOption('sbom');
  await page.getByRole('group', { name: /来年度に優先する取り組み/ }).getByLabel('3位').selectOption('training');
  await look(page, `${tag}-02b-layouts`, js);
  await page.getByRole('button', { name: '次へ' }).click();
  await page.waitForLoadState('load');
  // A document: the field says what it takes; what is not a PDF (or a kind not allowed) is
  // refused by the server with the reason, whatever its name says.
  const policy = page.getByLabel('セキュリティ方針の文書');
  assert.equal(await policy.getAttribute('type'), 'file');
  assert.match(await page.locator('#limits-policy_doc').innerText(), /PDF、Word \(\.docx\).*10 MB まで/);
  await policy.setInputFiles({ name: 'policy.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90 a program') });
  await page.getByRole('button', { name: '回答を確認する' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('.field-error').first().innerText(), /拡張子 \.pdf の形式ではありません/);
  await look(page, `${tag}-04-document-refused`, js);
  await page.getByLabel('セキュリティ方針の文書').setInputFiles({ name: 'setup.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
  await page.getByRole('button', { name: '回答を確認する' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('.field-error').first().innerText(), /この形式のファイルは受け付けていません/);
  await page.getByLabel('セキュリティ方針の文書').setInputFiles({
    name: 'セキュリティ方針.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n%%EOF\n'),
  });
  await page.getByRole('button', { name: '一時保存' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('.current-file').innerText(), /保存済みのファイル：セキュリティ方針\.pdf/);
  await look(page, `${tag}-05-document-stored`, js);
  await page.getByRole('button', { name: '回答を確認する' }).click();
  await page.waitForLoadState('load');
  assert.match(page.url(), /\/review/);
  // Each answer under its own question (a <dt> and the <dd> after it).
  const answers = await page.locator('main dt').evaluateAll((dts) =>
    Object.fromEntries(dts.map((dt) => [dt.innerText.trim(), dt.nextElementSibling?.innerText.trim()])));
  assert.equal(answers['取引先の医療機関からの信頼度'], '4');
  assert.equal(answers['セキュリティ対策の年間予算（万円）'], '250');
  assert.equal(answers['SBOMを作成済みの製品の割合'], '0.75');
  assert.equal(answers['本社の所在地'], '大阪府');
  assert.equal(answers['内部監査は役に立つ'], 'どちらでもない');
  assert.equal(answers['上場していますか'], 'いいえ');
  assert.equal(answers['来年度に優先する取り組み'], '1. PSIRTの設置　2. SBOMの整備　3. 社員教育');
  assert.equal(answers['セキュリティ方針の文書'], 'セキュリティ方針.pdf');
  await look(page, `${tag}-03-review`, js);
  await page.getByRole('button', { name: '回答を送信する' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.locator('h1').innerText(), /ご回答ありがとうございました/);
  await context.close();
}

test('range, rank, layouts and a document answered with JavaScript', async () => {
  await walk(links[0], true);
});

test('range, rank, layouts and a document answered without JavaScript', async () => {
  await walk(links[1], false);
});
