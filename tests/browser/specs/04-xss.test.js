// Values from files are text, never markup: a CSV whose fields hold HTML and
// script shows them literally on every view, and nothing runs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertNoProblems, createTask, launch, LEARNING_HEADER, openPage, putObject, signIn, waitFinished,
} from '../lib.js';

const IMG = '<img src=x onerror="window.__xss=1;alert(1)">';
const SCRIPT = '</script><script>window.__xss=2;alert(2)</script>';
const BAD_TS = '<img src=x onerror=window.__xss=3>';
const COLUMN = '<svg onload=window.__xss=4>';
const KEY = 'xss/<b onmouseover=window.__xss=5>x</b>.csv';

const q = (s) => `"${s.replaceAll('"', '""')}"`;

let browser;
before(async () => {
  browser = await launch();
  await putObject(KEY, [
    LEARNING_HEADER,
    `xss-emp,en,xss-1,2021-01-01T00:00:00Z,${q(IMG)},${q(SCRIPT)}`,
    `xss-emp,en,xss-2,${q(BAD_TS)},${q(SCRIPT)},${q(IMG)}`,
    '',
  ].join('\n'));
  await putObject('xss/column.csv', `${LEARNING_HEADER},${q(COLUMN)}\nxss-emp,en,xss-3,2021-01-01,c,s,v\n`);
});
after(async () => { await browser?.close(); });

// No element came from a value: the views build none of these.
async function assertInert(page) {
  const found = await page.evaluate(() => ({
    flag: window.__xss,
    injected: document.querySelectorAll('main img, main svg, main script, main b, main iframe').length,
  }));
  assert.deepEqual(found, { flag: undefined, injected: 0 });
}

test('HTML and script in a file are shown as text on the task list, the task page and the events, and nothing runs', async () => {
  const rejected = await waitFinished((await createTask(KEY)).task_id);
  assert.equal(rejected.status, 'completed_with_errors');
  const failed = await waitFinished((await createTask('xss/column.csv')).task_id);
  assert.equal(failed.status, 'failed');
  assert.ok(failed.error.message.includes(COLUMN), failed.error.message);

  const { context, page, problems } = await openPage(browser);
  await signIn(page);
  await page.locator(`tr[data-task-id="${rejected.task_id}"] td.uri`).waitFor();
  assert.equal(await page.locator(`tr[data-task-id="${rejected.task_id}"] td.uri`).textContent(), `s3://console-test/${KEY}`);
  await page.locator(`tr[data-task-id="${rejected.task_id}"] td.uri`).hover();
  await assertInert(page);

  // The rejected row: its message quotes the value; its raw record holds all three.
  await page.goto(page.url().replace(/#.*/, `#/tasks/${rejected.task_id}`));
  const row = page.locator('table.row-errors tbody tr').first();
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.ok(cells[3].includes(BAD_TS), cells[3]);
  assert.equal(cells[4], `xss-emp,en,xss-2,${q(BAD_TS)},${q(SCRIPT)},${q(IMG)}`);
  await assertInert(page);

  // The failed task's error names the column as text.
  await page.goto(page.url().replace(/#.*/, `#/tasks/${failed.task_id}`));
  await page.locator('.task-error .error-message').waitFor();
  assert.ok((await page.locator('.task-error .error-message').textContent()).includes(COLUMN));
  await assertInert(page);

  // The loaded event: content and source as text.
  await page.goto(page.url().replace(/#.*/, '#/events?employee=xss-emp'));
  const event = page.locator('table.events tbody tr').first();
  await event.waitFor();
  assert.equal(await event.locator('dl.content dd').textContent(), IMG);
  assert.equal(await event.locator('td').nth(5).textContent(), SCRIPT);
  await assertInert(page);
  assertNoProblems(problems);
  await context.close();
});
