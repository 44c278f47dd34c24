// A load seen through the console: created with the form, its progress bar
// moving, its end as completed_with_errors, its rejected rows paged, and its
// error CSV downloaded byte for byte as the API serves it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  apiCall, assertAccessible, assertNoProblems, getTask, launch, learningCsv, openPage, putObject,
  signIn, stack,
} from '../lib.js';

// Big enough that a load lasts several 2-second polls; every 4,000th row is bad.
const ROWS = 400000;
const BAD = new Set(Array.from({ length: ROWS / 4000 }, (_, i) => (i + 1) * 4000 - 1));

let browser;
before(async () => {
  browser = await launch();
  await putObject('big.csv', learningCsv(ROWS, { bad: BAD, prefix: 'load' }));
});
after(async () => { await browser?.close(); });

// What the task page shows of the progress now.
function progressNow(page) {
  return page.evaluate(() => {
    const bar = document.querySelector('.progress-slot progress');
    const badge = document.querySelector('.status-slot .badge');
    return {
      status: badge ? badge.dataset.status : null,
      value: bar && bar.hasAttribute('value') ? bar.value : null,
      max: bar ? bar.max : null,
      text: document.querySelector('.progress-slot')?.textContent || '',
    };
  });
}

test('a task created with the form shows its progress, ends completed_with_errors, and its rejected rows and CSV match the API', async () => {
  const { context, page, problems } = await openPage(browser);
  await signIn(page, stack.key, '#/new');
  await page.getByRole('heading', { name: 'New task', level: 1 }).waitFor();
  await assertAccessible(page, 'the New task form');
  await page.getByLabel('Entity type').selectOption('learning');
  await page.getByLabel('S3 URI', { exact: true }).fill(`s3://${stack.bucket}/big.csv`);
  await page.getByLabel('Access key id').fill(stack.s3KeyId);
  await page.getByLabel('Secret access key').fill(stack.s3Secret);
  await page.getByLabel('Most rejected rows allowed').fill('1000');
  await page.getByRole('button', { name: 'Create task' }).click();

  // The form leads to the new task's page.
  await page.waitForURL(/#\/tasks\/flt_/);
  const taskId = decodeURIComponent(page.url().split('#/tasks/')[1]);
  const created = await getTask(taskId);
  assert.equal(created.options.max_rejected_rows, 1000);
  assert.equal(created.uri, `s3://${stack.bucket}/big.csv`);

  // Watch the bar until the task ends: it must show at least two different
  // values between empty and full while the task runs.
  const values = new Set();
  const texts = [];
  let now;
  for (const end = Date.now() + 180000; Date.now() < end;) {
    now = await progressNow(page);
    if (now.status === 'running' && now.value !== null && now.value > 0 && now.value < now.max) {
      values.add(now.value);
      texts.push(now.text);
    }
    if (now.status && !['pending', 'running'].includes(now.status)) break;
    await page.waitForTimeout(100);
  }
  assert.equal(now.status, 'completed_with_errors');
  assert.ok(values.size >= 2, `the bar showed ${values.size} value(s) between empty and full: ${[...values]}`);
  assert.ok(texts.some((t) => /\d rows/.test(t) && / of /.test(t)), texts.join(' | '));
  assert.ok(texts.some((t) => /\/s/.test(t) && /left/.test(t)), `no rate and time left in: ${texts.join(' | ')}`);

  // The counts are the API's.
  const task = await getTask(taskId);
  assert.equal(task.progress.rows_rejected, BAD.size);
  assert.equal(task.progress.rows_loaded, ROWS - BAD.size);
  const count = (name) => page.locator(`[data-count="${name}"]`).textContent();
  assert.equal(await count('rows_rejected'), BAD.size.toLocaleString('en'));
  assert.equal(await count('rows_loaded'), (ROWS - BAD.size).toLocaleString('en'));
  assert.equal(await page.locator('[data-option="max_rejected_rows"]').textContent(), '1000');

  // The rejected rows, page by page, are the API's, field for field.
  const apiRows = [];
  for (let cursor = ''; ;) {
    const res = await apiCall(`/integrations/file-load-tasks/${taskId}/errors?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const body = await res.json();
    apiRows.push(...body.items);
    if (!body.next_cursor) break;
    cursor = body.next_cursor;
  }
  assert.equal(apiRows.length, BAD.size);
  const shown = [];
  for (let pageNo = 1; ; pageNo += 1) {
    await page.locator('table.row-errors tbody tr').first().waitFor();
    for (const row of await page.locator('table.row-errors tbody tr').all()) {
      shown.push((await row.locator('td').allTextContents()));
    }
    if (pageNo === 1) {
      await assertAccessible(page, 'the task page');
      if (stack.screenshots) await page.screenshot({ path: join(stack.screenshots, 'console-task.png') });
    }
    const next = page.getByRole('button', { name: 'Next' });
    if (await next.isDisabled()) break;
    const firstBefore = await page.locator('table.row-errors tbody tr td').first().textContent();
    await next.click();
    await page.waitForFunction((before) => document.querySelector('table.row-errors tbody tr td')?.textContent !== before, firstBefore);
  }
  assert.deepEqual(shown, apiRows.map((e) => [e.line.toLocaleString('en'), e.column, e.code, e.message, e.raw]));

  // The download is the API's CSV, byte for byte.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download error CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${taskId}-errors.csv`);
  const saved = await readFile(await download.path());
  const res = await apiCall(`/integrations/file-load-tasks/${taskId}/errors`, { accept: 'text/csv' });
  const expected = Buffer.from(await res.arrayBuffer());
  assert.ok(expected.length > 0);
  assert.ok(saved.equals(expected), `the download (${saved.length} bytes) differs from the API's CSV (${expected.length} bytes)`);
  assert.equal(saved.toString('utf8').split('\r\n')[0], `${'employee_external_id,language,external_id,timestamp,course_id,source'},error_line,error_column,error_code,error_message`);

  assertNoProblems(problems);
  await context.close();
});
