// The expression table's `enketo` values are what Enketo's evaluator gives today: run in
// Chromium again, every case must agree with the file (the Rust test holds Mamori to the same
// file). A new openrosa-xpath-evaluator or Chromium that changes a value fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enketoValues, readCases } from './xpath-oracle.mjs';

test('the expression table holds the values Enketo gives', async () => {
  const { cases } = readCases();
  assert.ok(cases.length >= 200, 'the table lost its cases');
  const values = await enketoValues(cases);
  const differ = cases
    .map((c, i) => ({ c, got: values[i] }))
    .filter(({ c, got }) => c.enketo !== got)
    .map(({ c, got }) => `${c.expr} ${JSON.stringify(c.answers)}: file ${JSON.stringify(c.enketo)}, Enketo ${JSON.stringify(got)}`);
  assert.deepEqual(differ, []);
});
