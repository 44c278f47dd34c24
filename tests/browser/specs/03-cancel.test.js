// The task list while a task runs (live progress, filters), and cancelling that
// task from its page.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  assertAccessible, assertNoProblems, createTask, getTask, launch, LEARNING_HEADER, learningCsv,
  openPage, putObject, signIn, stack, waitFinished,
} from '../lib.js';

let browser;
before(async () => {
  browser = await launch();
  await putObject('cancel/big.csv', learningCsv(400000, { prefix: 'cancel' }));
  await putObject('cancel/good.csv', learningCsv(2000, { prefix: 'good' }));
  await putObject('cancel/no-timestamp.csv', 'employee_external_id,language,external_id,course_id\ne-1,en,x-1,c-1\n');
});
after(async () => { await browser?.close(); });

test('the task list shows running tasks live, filters them, and a running task can be cancelled', async () => {
  // Finished tasks of other kinds around the running one.
  const good = await createTask('cancel/good.csv');
  const broken = await createTask('cancel/no-timestamp.csv');
  assert.equal((await waitFinished(good.task_id)).status, 'completed');
  assert.equal((await waitFinished(broken.task_id)).status, 'failed');
  const { task_id: id } = await createTask('cancel/big.csv');

  const { context, page, problems } = await openPage(browser);
  await signIn(page);
  const row = page.locator(`tr[data-task-id="${id}"]`);
  await row.waitFor();
  // The list follows the task without a reload: it turns running, its bar fills.
  await row.locator('.badge[data-status="running"]').waitFor();
  await page.waitForFunction((taskId) => {
    const bar = document.querySelector(`tr[data-task-id="${taskId}"] progress`);
    return bar && bar.hasAttribute('value') && bar.value > 0;
  }, id);
  assert.equal(await row.getByRole('progressbar', { name: `Progress of task ${id}` }).count(), 1);
  // A rate and time left (or the publish) once two polls have seen it run.
  await row.locator('.progress-eta').waitFor();
  await assertAccessible(page, 'the task list');
  if (stack.screenshots) await page.screenshot({ path: join(stack.screenshots, 'console-tasks.png') });

  // Filters: the failed task alone; then nothing of another entity type.
  await page.getByLabel('Status').selectOption('failed');
  await page.waitForURL(/#\/tasks\?status=failed$/);
  await page.locator('table.tasks tbody tr').first().waitFor();
  const failedIds = await page.locator('table.tasks tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.taskId));
  assert.ok(failedIds.includes(broken.task_id));
  assert.ok(!failedIds.includes(id) && !failedIds.includes(good.task_id));
  await page.getByLabel('Entity type').selectOption('goal');
  await page.getByText('No task matches these filters.').waitFor();
  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Entity type').selectOption('');

  // Cancel from the task's page.
  await page.locator(`a[data-focus-key="${id}"]`).click();
  await page.getByRole('heading', { name: `Task ${id}` }).waitFor();
  const cancel = page.getByRole('button', { name: 'Cancel task' });
  await cancel.click();
  await page.locator('.status-slot .badge[data-status="cancelled"]').waitFor({ timeout: 60000 });
  const task = await getTask(id);
  assert.equal(task.status, 'cancelled');
  assert.ok(task.cancel_requested_at);
  assert.ok(task.progress.bytes_read < task.progress.bytes_total, 'the task was cancelled while it was reading');
  assert.equal(await page.getByRole('button', { name: 'Cancel task' }).count(), 0);
  assertNoProblems(problems);
  await context.close();
});

test('the task list pages with the API cursors, newest first', async () => {
  // 30 more tasks: the list shows 25 a page.
  const ids = [];
  await putObject('cancel/tiny.csv', `${LEARNING_HEADER}\ne-1,en,tiny-1,2021-01-01,c-1,s\n`);
  for (let i = 0; i < 30; i += 1) ids.push((await createTask('cancel/tiny.csv', { validate_access: false })).task_id);
  const { context, page, problems } = await openPage(browser);
  await signIn(page);
  const shownIds = async () => page.locator('table.tasks tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.taskId));
  await page.locator('table.tasks tbody tr').first().waitFor();
  const first = await shownIds();
  assert.equal(first.length, 25);
  assert.deepEqual(first, ids.slice(-25).reverse());
  await page.getByRole('button', { name: 'Older' }).click();
  await page.getByText('Page 2').waitFor();
  const second = await shownIds();
  assert.deepEqual(second.slice(0, 5), ids.slice(0, 5).reverse());
  await page.getByRole('button', { name: 'Newer' }).click();
  await page.getByText('Page 1').waitFor();
  assert.deepEqual((await shownIds()).slice(0, 1), ids.slice(-1));
  assertNoProblems(problems);
  await context.close();
});
