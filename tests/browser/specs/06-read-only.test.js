// A read-only key sees everything but the controls that write.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiCall, assertAccessible, assertNoProblems, createTask, launch, learningCsv, openPage, putObject,
  signIn, stack, waitFinished,
} from '../lib.js';

let browser;
before(async () => {
  browser = await launch();
  await putObject('read-only/big.csv', learningCsv(400000, { prefix: 'ro' }));
});
after(async () => { await browser?.close(); });

test('a read-only key sees tasks and events but no button that writes', async () => {
  const { task_id: id } = await createTask('read-only/big.csv');
  const { context, page, problems } = await openPage(browser);
  await signIn(page, stack.readKey);
  await page.getByText('Key: read only').waitFor();
  await page.locator(`tr[data-task-id="${id}"]`).waitFor();
  assert.equal(await page.getByRole('link', { name: 'New task' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'New task' }).count(), 0);
  await assertAccessible(page, 'the task list of a read-only key');

  // The task runs, and its page offers no cancel.
  await page.locator(`a[data-focus-key="${id}"]`).click();
  await page.locator('.status-slot .badge[data-status="running"]').waitFor();
  await page.locator('.progress-slot progress').waitFor();
  assert.equal(await page.getByRole('button', { name: /Cancel/ }).count(), 0);
  assert.equal(await page.locator('.actions button').count(), 0);

  // The form is not offered either.
  await page.goto(page.url().replace(/#.*/, '#/new'));
  await page.getByText('This API key is read-only: it cannot create tasks.').waitFor();
  assert.equal(await page.locator('form.task-form').count(), 0);

  // What the hidden button would have done is refused by the API anyway.
  const res = await apiCall(`/integrations/file-load-tasks/${id}/cancel`, { method: 'POST', key: stack.readKey });
  assert.equal(res.status, 403);
  assert.equal((await apiCall(`/integrations/file-load-tasks/${id}/cancel`, { method: 'POST' })).status, 202);
  assert.equal((await waitFinished(id)).status, 'cancelled');
  assertNoProblems(problems);
  await context.close();
});

test('the views fit a phone-width screen', async () => {
  const { context, page, problems } = await openPage(browser, { width: 390, height: 844 });
  await signIn(page, stack.key);
  await page.locator('table.tasks').waitFor();
  // Nothing but the tables' own scroll regions is wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await page.goto(page.url().replace(/#.*/, '#/new'));
  await page.locator('form.task-form').waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await assertAccessible(page, 'the form at phone width');
  assertNoProblems(problems);
  await context.close();
});
