// The New task form shows the API's field errors next to their fields, and
// never keeps credentials.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiCall, assertAccessible, assertNoProblems, launch, openPage, signIn, stack } from '../lib.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// {field: error text} of the errors shown, and the controls marked invalid.
function shownErrors(page) {
  return page.evaluate(() => {
    const errors = {};
    for (const el of document.querySelectorAll('[data-field] > .field-error:not([hidden])')) {
      errors[el.parentElement.dataset.field] = el.textContent;
    }
    const invalid = [...document.querySelectorAll('[aria-invalid="true"]')].map((c) => ({
      name: c.name,
      describedByError: (c.getAttribute('aria-describedby') || '').split(' ')
        .some((id) => id.endsWith('-error') && document.getElementById(id)?.textContent),
    }));
    return { errors, invalid };
  });
}

async function taskCount() {
  const res = await apiCall('/integrations/file-load-tasks?limit=1000');
  return (await res.json()).items.length;
}

test("the API's field errors appear next to their fields; credentials are cleared after each submission", async () => {
  const before = await taskCount();
  const { context, page, problems } = await openPage(browser);
  await signIn(page, stack.key, '#/new');
  for (const label of ['Access key id', 'Secret access key', 'Session token (temporary credentials only)']) {
    assert.equal(await page.getByLabel(label).getAttribute('autocomplete'), 'off', label);
  }
  await page.getByLabel('S3 URI', { exact: true }).fill('not-an-s3-uri');
  await page.getByLabel('Quote character').fill('ab');
  await page.getByLabel('Most rejected rows allowed').fill('-3');
  await page.getByLabel('Region').fill('EU WEST');
  await page.getByRole('button', { name: 'Create task' }).click();
  await page.locator('.error-summary:not([hidden])').waitFor();
  const { errors, invalid } = await shownErrors(page);
  assert.deepEqual(Object.keys(errors).sort(), [
    'credentials.aws_access_key_id', 'credentials.aws_secret_access_key', 'options.max_rejected_rows',
    'options.quote', 'region', 'uri',
  ]);
  assert.match(errors['options.max_rejected_rows'], /integer >= 0/);
  assert.match(errors.region, /region must look like/);
  assert.deepEqual(invalid.map((c) => c.name).sort(), [
    'aws_access_key_id', 'aws_secret_access_key', 'max_rejected_rows', 'quote', 'region', 'uri',
  ]);
  assert.ok(invalid.every((c) => c.describedByError), JSON.stringify(invalid));
  assert.match(await page.locator('.error-summary').textContent(), /6 fields need attention/);
  // The summary lists each error; each entry takes the focus to its field.
  await page.locator('.error-summary button', { hasText: 'Quote character:' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.name), 'quote');
  assert.equal(await page.locator('.error-summary li').count(), 6);
  await assertAccessible(page, 'the form with field errors');

  // The access check: S3's own code, on the uri; the credentials are gone from the form.
  await page.getByLabel('S3 URI', { exact: true }).fill(`s3://${stack.bucket}/no-such-object.csv`);
  await page.getByLabel('Quote character').fill('"');
  await page.getByLabel('Most rejected rows allowed').fill('');
  await page.getByLabel('Region').fill('');
  await page.getByLabel('Access key id').fill(stack.s3KeyId);
  await page.getByLabel('Secret access key').fill(stack.s3Secret);
  await page.getByLabel('Session token (temporary credentials only)').fill('token-value');
  await page.getByRole('button', { name: 'Create task' }).click();
  await page.locator('[data-field="uri"] > .field-error[data-code="NoSuchKey"]').waitFor();
  assert.deepEqual(Object.keys((await shownErrors(page)).errors), ['uri']);
  for (const label of ['Access key id', 'Secret access key', 'Session token (temporary credentials only)']) {
    assert.equal(await page.getByLabel(label).inputValue(), '', `${label} kept after submit`);
  }
  assert.equal(await page.evaluate(() => Object.keys(sessionStorage).length + localStorage.length), 1);

  // A presigned URL: no credentials or region to give; the URL's own error.
  await page.getByLabel('Presigned URL, no credentials').check();
  assert.equal(await page.getByLabel('Access key id').isHidden(), true);
  assert.equal(await page.getByLabel('Region').isHidden(), true);
  // Neither an S3 host nor the server's endpoint (and never looked up: .invalid).
  await page.getByLabel('Presigned URL', { exact: true }).fill('https://files.invalid/bucket/key.csv?X-Amz-Signature=abc');
  await page.getByRole('button', { name: 'Create task' }).click();
  await page.locator('[data-field="uri"] > .field-error[data-code="invalid_presigned_url"]').waitFor();
  assert.equal(await page.getByLabel('Presigned URL', { exact: true }).inputValue(), '', 'a presigned URL is a secret: cleared too');

  assert.equal(await taskCount(), before, 'no task was created');
  assertNoProblems(problems);
  await context.close();
});
