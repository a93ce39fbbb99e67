// Enketo's expression evaluator as an oracle for Mamori's: openrosa-xpath-evaluator (the code
// Enketo Express runs) loaded into Debian's Chromium, whose native XPath it extends — the same
// pair a respondent's browser runs in Enketo. Each case of
// crates/form/tests/data/enketo-expressions.json is evaluated against a form instance holding
// its answers, and the result is compared with the case's `enketo` value (the Rust test
// `expressions_as_enketo_evaluates_them` compares Mamori's with the same value).
//
//   node e2e/xpath-oracle.mjs           compare, print the cases that differ
//   node e2e/xpath-oracle.mjs --write   write Enketo's values into the file
//
// A case is { "expr", "answers": {name: value}, "current", ["instances": {list: [{column:
// value}]}], "enketo", ["mamori", "why"] }: `${name}` is the question `name` (an element of the
// instance), `.` the value being checked, `instances` the choice lists `instance('list')` reads. The
// evaluation runs in Asia/Tokyo, where Mamori's surveys run.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, launchChromium } from './common.mjs';

export const casesPath = join(root, 'crates', 'form', 'tests', 'data', 'enketo-expressions.json');
const packageDir = join(root, 'e2e', 'node_modules', 'openrosa-xpath-evaluator');

/** The evaluator's CommonJS sources as one script for a page: `window.orxe` is its factory. */
function bundle() {
  const files = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.js')) files[relative(packageDir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(join(packageDir, 'src'));
  const modules = Object.entries(files)
    .map(([path, source]) => `${JSON.stringify(path)}: function (module, exports, require) {\n${source}\n}`)
    .join(',\n');
  return `(() => {
  const modules = {${modules}};
  const cache = {};
  const load = (path) => {
    if (cache[path]) return cache[path].exports;
    if (!modules[path]) throw new Error('no module ' + path);
    const module = { exports: {} };
    cache[path] = module;
    const dir = path.split('/').slice(0, -1);
    modules[path](module, module.exports, (spec) => {
      if (!spec.startsWith('.')) throw new Error('not bundled: ' + spec);
      const parts = [...dir];
      for (const p of spec.split('/')) {
        if (p === '..') parts.pop();
        else if (p !== '.') parts.push(p);
      }
      const file = parts.join('/');
      return load(modules[file + '.js'] ? file + '.js' : file);
    });
    return module.exports;
  };
  window.orxe = load('src/openrosa-xpath.js');
})();`;
}

/** Each case's value as Enketo gives it: XPath string() of the result, or `error: …`. */
export async function enketoValues(cases) {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-US' });
    const page = await context.newPage();
    await page.setContent('<!doctype html><title>oracle</title>');
    await page.addScriptTag({ content: bundle() });
    return await page.evaluate((cases) => {
      const evaluator = window.orxe();
      return cases.map(({ expr, answers, current, instances }) => {
        // With choice lists, the document is Enketo's model: the answers in the first instance,
        // each list a secondary instance `<instance id="list"><root><item>…`, and
        // `instance('list')` rewritten to `/model/instance[@id="list"]` as Enketo's form model
        // does before evaluating.
        const model = instances !== undefined;
        const doc = new DOMParser().parseFromString(model ? '<model><instance><data/></instance></model>' : '<data/>', 'text/xml');
        const data = model ? doc.documentElement.firstChild.firstChild : doc.documentElement;
        const names = new Set([...Object.keys(answers), ...[...expr.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1])]);
        for (const name of names) {
          const node = doc.createElement(name);
          node.textContent = answers[name] ?? '';
          data.appendChild(node);
        }
        const self = doc.createElement('self');
        self.textContent = current ?? '';
        data.appendChild(self);
        for (const [id, items] of Object.entries(instances ?? {})) {
          const instance = doc.createElement('instance');
          instance.setAttribute('id', id);
          const rootNode = doc.createElement('root');
          for (const item of items) {
            const itemNode = doc.createElement('item');
            for (const [column, value] of Object.entries(item)) {
              const node = doc.createElement(column);
              node.textContent = value;
              itemNode.appendChild(node);
            }
            rootNode.appendChild(itemNode);
          }
          instance.appendChild(rootNode);
          doc.documentElement.appendChild(instance);
        }
        const xpath = expr
          .replace(/\$\{([^}]+)\}/g, model ? '/model/instance[1]/data/$1' : '/data/$1')
          .replace(/instance\('([^']+)'\)/g, '/model/instance[@id="$1"]');
        try {
          return evaluator.evaluate(xpath, self, null, XPathResult.STRING_TYPE, null).stringValue;
        } catch (e) {
          return 'error: ' + String(e.message ?? e).split('\n')[0];
        }
      });
    }, cases);
  } finally {
    await browser.close();
  }
}

export function readCases() {
  return JSON.parse(readFileSync(casesPath, 'utf8'));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = readCases();
  const values = await enketoValues(file.cases);
  let differ = 0;
  file.cases.forEach((c, i) => {
    if (c.enketo !== values[i]) {
      differ += 1;
      console.log(`${c.expr} ${JSON.stringify(c.answers)} current ${JSON.stringify(c.current ?? '')}: file ${JSON.stringify(c.enketo)}, Enketo ${JSON.stringify(values[i])}`);
      c.enketo = values[i];
    }
  });
  if (process.argv.includes('--write')) {
    writeFileSync(casesPath, JSON.stringify(file, null, 1) + '\n');
    console.log(`${file.cases.length} cases written (${differ} changed)`);
  } else {
    console.log(`${file.cases.length} cases, ${differ} differ from Enketo`);
    process.exitCode = differ ? 1 : 0;
  }
}
