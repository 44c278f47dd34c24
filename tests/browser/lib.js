// Shared by the browser specs: the stack run.sh started (from the environment),
// Debian's chromium through playwright-core, S3 fixtures, API calls, axe-core.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the specs through tests/browser/run.sh`);
  return v;
}

export const stack = {
  base: env('CONSOLE_BASE_URL'),
  key: env('CONSOLE_API_KEY'),
  readKey: env('CONSOLE_READ_KEY'),
  s3: env('CONSOLE_S3_ENDPOINT'),
  bucket: env('CONSOLE_S3_BUCKET'),
  s3KeyId: env('CONSOLE_S3_KEY_ID'),
  s3Secret: env('CONSOLE_S3_SECRET'),
  screenshots: process.env.CONSOLE_SCREENSHOT_DIR || '',
};

export const LEARNING_HEADER = 'employee_external_id,language,external_id,timestamp,course_id,source';

// Debian's chromium, never a downloaded browser.
export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// The browser logs every API answer >= 400 as a console error ("Failed to load
// resource"); the specs provoke some on purpose (a wrong key, field errors, the
// console's scope probe). Those, and only those, are kept apart: a failed load of
// anything else (an injected <img src=x>) or any other error counts.
function isApiAnswer(message) {
  const { pathname } = new URL(message.location().url || 'about:blank', stack.base);
  return message.text().startsWith('Failed to load resource: the server responded with a status of') &&
    (pathname.startsWith('/integrations/') || pathname.startsWith('/employees/'));
}

// A page in a fresh context, recording console errors, page errors (uncaught
// exceptions) and dialogs; every dialog is dismissed.
export async function openPage(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = { consoleErrors: [], pageErrors: [], dialogs: [], apiErrors: [] };
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (isApiAnswer(m)) problems.apiErrors.push(`${m.text()} ${m.location().url}`);
    else problems.consoleErrors.push(`${m.text()} ${m.location().url || ''}`);
  });
  page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
  page.on('dialog', (d) => { problems.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  return { context, page, problems };
}

export function assertNoProblems(problems) {
  assert.deepEqual(problems.pageErrors, [], 'uncaught exceptions in the page');
  assert.deepEqual(problems.consoleErrors, [], 'console errors in the page');
  assert.deepEqual(problems.dialogs, [], 'dialogs opened by the page');
}

export async function signIn(page, key = stack.key, hash = '#/tasks') {
  await page.goto(`${stack.base}/console/${hash}`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

// Puts an object into the test bucket (the S3 server takes unsigned requests).
export async function putObject(key, body) {
  const res = await fetch(`${stack.s3}/${stack.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`, {
    method: 'PUT', body, headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(res.status, 200, `PUT ${key}: ${res.status} ${await res.text()}`);
}

export async function apiCall(path, { method = 'GET', body, accept = 'application/json', key = stack.key } = {}) {
  const headers = { Authorization: `Bearer ${key}`, Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${stack.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

export async function createTask(objectKey, options = {}) {
  const res = await apiCall('/integrations/file-load-tasks', {
    method: 'POST',
    body: {
      entity_type: 'learning', method: 's3_iam_user', uri: `s3://${stack.bucket}/${objectKey}`,
      credentials: { aws_access_key_id: stack.s3KeyId, aws_secret_access_key: stack.s3Secret }, options,
    },
  });
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}

export async function getTask(id) {
  const res = await apiCall(`/integrations/file-load-tasks/${id}`);
  assert.equal(res.status, 200);
  return res.json();
}

// Waits (polling the API) until the task's status is terminal.
export async function waitFinished(id, timeoutMs = 120000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const task = await getTask(id);
    if (!['pending', 'running'].includes(task.status)) return task;
    if (Date.now() > end) throw new Error(`task ${id} still ${task.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A learning CSV of `rows` rows; each row index in `bad` is broken in one of
// four ways in turn: timestamp, language, external id, missing course.
export function learningCsv(rows, { bad = new Set(), prefix = 'e' } = {}) {
  const lines = [LEARNING_HEADER];
  let nth = 0;
  for (let i = 1; i <= rows; i += 1) {
    const f = [`${prefix}-${i % 1000}`, 'en', `${prefix}-learning-${i}`, '2021-01-01T00:00:00Z', `course-${i % 97}`, `source-${i % 13}`];
    if (bad.has(i)) {
      const kind = nth % 4;
      nth += 1;
      if (kind === 0) f[3] = `2021-13-${i % 28}`;
      else if (kind === 1) f[1] = 'english';
      else if (kind === 2) f[2] = `learning ${i}!`;
      else f[4] = '';
    }
    lines.push(f.join(','));
  }
  return `${lines.join('\n')}\n`;
}

// Runs axe-core in the page (its source evaluated through the DevTools protocol,
// which the page's CSP does not govern) and fails on serious or critical
// violations.
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export async function assertAccessible(page, what) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe-core: serious or critical violations on ${what}`);
  return result;
}
