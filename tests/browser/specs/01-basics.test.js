// The console's files and headers, signing in and out, and the Events view.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertAccessible, assertNoProblems, createTask, launch, LEARNING_HEADER, openPage, putObject,
  signIn, stack, waitFinished,
} from '../lib.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the console files are served without a key, with strict security headers', async () => {
  for (const [path, type] of [['/console/', 'text/html'], ['/console/app.js', 'text/javascript'],
    ['/console/style.css', 'text/css'], ['/console/icon.svg', 'image/svg+xml']]) {
    const res = await fetch(`${stack.base}${path}`);
    assert.equal(res.status, 200, path);
    assert.ok(res.headers.get('content-type').startsWith(type), `${path}: ${res.headers.get('content-type')}`);
    const csp = res.headers.get('content-security-policy');
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'",
      "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "require-trusted-types-for 'script'"]) {
      assert.ok(csp.includes(directive), `${path}: CSP lacks ${directive}: ${csp}`);
    }
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
  }
  const redirect = await fetch(`${stack.base}/console`, { redirect: 'manual' });
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.get('location'), '/console/');
  const missing = await fetch(`${stack.base}/console/nope.js`);
  assert.equal(missing.status, 404);
  assert.ok(missing.headers.get('content-security-policy'));
  const post = await fetch(`${stack.base}/console/`, { method: 'POST' });
  assert.equal(post.status, 405);
  // The data stays behind the key.
  assert.equal((await fetch(`${stack.base}/integrations/file-load-tasks`)).status, 401);
});

test('signing in keeps the key in sessionStorage only; a wrong key is refused; sign out forgets it', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${stack.base}/console/`);
  await assertAccessible(page, 'the sign-in page');
  const keyInput = page.getByLabel('API key');
  assert.equal(await keyInput.getAttribute('autocomplete'), 'off');
  assert.equal(await keyInput.getAttribute('type'), 'password');
  await keyInput.fill('sk_not_a_key_of_this_server');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('This API key was not accepted.').waitFor();
  assert.equal(await keyInput.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  await keyInput.fill(stack.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
  const stored = await page.evaluate(() => ({
    session: Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)),
    local: localStorage.length,
    cookies: document.cookie,
  }));
  assert.deepEqual(stored, { session: [stack.key], local: 0, cookies: '' });
  assert.equal(await page.getByText('Key: read and write').count(), 1);

  // A reload keeps the session (same tab); sign out forgets the key.
  await page.reload();
  await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).isHidden(), true);
  assertNoProblems(problems);
  await context.close();
});

test('the Events view looks up an employee and pages through the events', async () => {
  const lines = [LEARNING_HEADER];
  for (let i = 1; i <= 120; i += 1) {
    lines.push(`emp-events,en,ev-${String(i).padStart(3, '0')},2021-01-01T00:00:${String(i % 60).padStart(2, '0')}Z,course-${i},src-${i}`);
  }
  await putObject('events.csv', `${lines.join('\n')}\n`);
  const task = await waitFinished((await createTask('events.csv')).task_id);
  assert.equal(task.status, 'completed');

  const { context, page, problems } = await openPage(browser);
  await signIn(page, stack.key, '#/events');
  await page.getByLabel('Employee external id').fill('emp-events');
  await page.getByRole('button', { name: 'Show events' }).click();
  const rows = page.locator('table.events tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 50);
  assert.equal(page.url().endsWith('#/events?employee=emp-events'), true);
  await assertAccessible(page, 'the Events view');
  const seen = new Set();
  for (let pageNo = 1; ; pageNo += 1) {
    for (const id of await page.locator('table.events tbody tr td:first-child').allTextContents()) seen.add(id);
    const next = page.getByRole('button', { name: 'Next' });
    if (await next.isDisabled()) break;
    await next.click();
    await page.getByText(`Page ${pageNo + 1}`).waitFor();
  }
  assert.equal(seen.size, 120);
  // Each event links to the task that wrote it.
  assert.equal(await page.locator(`table.events a[href="#/tasks/${task.task_id}"]`).count(), 20);

  // An invalid id is the API's field error, shown next to the field.
  await page.getByLabel('Employee external id').fill('not valid!');
  await page.getByRole('button', { name: 'Show events' }).click();
  const error = page.locator('.lookup .field-error');
  await error.waitFor();
  assert.match(await error.textContent(), /employee_external_id must be/);
  assertNoProblems(problems);
  await context.close();
});

test('the console is usable with the keyboard alone', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${stack.base}/console/`);
  // The key field has the focus; Enter signs in.
  await page.keyboard.type(stack.key);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
  await page.locator('table.tasks a').first().waitFor();
  // Tab reaches the first task's link; Enter opens it, and its heading gets the focus.
  let reached = false;
  for (let i = 0; i < 12 && !reached; i += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.matches('table.tasks a') ?? false);
  }
  assert.ok(reached, 'Tab never reached a task link');
  const id = await page.evaluate(() => document.activeElement.textContent);
  // Focus rings are visible (an outline on :focus-visible).
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `Task ${id}` }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
  assertNoProblems(problems);
  await context.close();
});

test('the task list stops polling while the tab is hidden and refreshes when it shows again', async () => {
  const { context, page, problems } = await openPage(browser);
  await signIn(page);
  await page.locator('table.tasks').waitFor();
  let polls = 0;
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/integrations/file-load-tasks') polls += 1; });
  // Polls go on while the tab is visible...
  await page.waitForRequest((r) => new URL(r.url()).pathname === '/integrations/file-load-tasks');
  // ...and stop once it is hidden: none in three intervals.
  const setHidden = (hidden) => page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
  await setHidden(true);
  await page.waitForTimeout(2500); // a poll already on its way when the tab hid
  polls = 0;
  await page.waitForTimeout(6500);
  assert.equal(polls, 0, 'the list polled while the tab was hidden');
  // Shown again: it refreshes at once.
  const refreshed = page.waitForRequest((r) => new URL(r.url()).pathname === '/integrations/file-load-tasks');
  await setHidden(false);
  await refreshed;
  assertNoProblems(problems);
  await context.close();
});
