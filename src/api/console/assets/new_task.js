// The New task view: a form for every field and option of
// POST /integrations/file-load-tasks (docs/api.md). The API validates; its
// field errors (error.details) are shown next to their fields. Credentials are
// never stored by the browser (autocomplete off) and are cleared after each
// submission, whatever its outcome.
import { api, ENTITY_TYPES, idempotencyKey, TASKS_PATH } from './api.js';
import { append, clear, h, setTitle, uid } from './dom.js';

// A labelled control with a hint and a slot for its field error. `field` is the
// API's name for it ("uri", "credentials.aws_access_key_id", "options.quote").
function field(label, control, { hint, field: name, inline = false } = {}) {
  const id = control.id || uid('f');
  control.id = id;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  const wrap = h('div', { class: inline ? 'field check' : 'field', 'data-field': name },
    inline ? [control, h('label', { for: id }, label)] : [h('label', { for: id }, label), control],
    hint && h('p', { class: 'hint', id: hintId }, hint),
    h('p', { class: 'field-error', id: errorId, hidden: true }));
  return wrap;
}

function input(name, props = {}) {
  return h('input', { name, type: 'text', autocomplete: 'off', spellcheck: 'false', ...props });
}

function selectOf(name, options, value) {
  return h('select', { name }, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

// The form's controls, by name.
function controls() {
  return {
    entity_type: selectOf('entity_type', ENTITY_TYPES.map((t) => [t, t]), 'learning'),
    method_iam: h('input', { type: 'radio', name: 'method', value: 's3_iam_user', checked: true }),
    method_presigned: h('input', { type: 'radio', name: 'method', value: 's3_presigned_url' }),
    uri: input('uri', { placeholder: 's3://bucket-name/file-name.csv' }),
    region: input('region', { placeholder: 'eu-west-1' }),
    key_id: input('aws_access_key_id'),
    secret: input('aws_secret_access_key', { type: 'password' }),
    token: input('aws_session_token', { type: 'password' }),
    on_error: selectOf('on_error', [['continue', 'continue: load good rows, report bad ones'], ['abort', 'abort: the first bad row fails the task']], 'continue'),
    max_rejected: input('max_rejected_rows', { inputmode: 'numeric', placeholder: 'no limit' }),
    dry_run: h('input', { type: 'checkbox', name: 'dry_run' }),
    ignore_unknown: h('input', { type: 'checkbox', name: 'ignore_unknown_columns' }),
    validate_access: h('input', { type: 'checkbox', name: 'validate_access', checked: true }),
    delimiter: selectOf('delimiter', [[',', ', (comma)'], [';', '; (semicolon)'], ['\t', 'tab'], ['|', '| (pipe)']], ','),
    quote: input('quote', { value: '"', maxlength: '4', class: 'short' }),
    encoding: selectOf('encoding', [['utf-8', 'UTF-8'], ['utf-16', 'UTF-16 (with BOM)'], ['latin1', 'Latin-1'], ['windows-1252', 'Windows-1252']], 'utf-8'),
  };
}

// max_rejected_rows as the API wants it: a number when it is one, else the text
// as typed (the API then names the field).
function maxRejected(text) {
  const t = text.trim();
  if (t === '') return null;
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

function body(c) {
  const presigned = c.method_presigned.checked;
  const b = { entity_type: c.entity_type.value, method: presigned ? 's3_presigned_url' : 's3_iam_user', uri: c.uri.value.trim() };
  if (!presigned) {
    if (c.region.value.trim()) b.region = c.region.value.trim();
    b.credentials = { aws_access_key_id: c.key_id.value.trim(), aws_secret_access_key: c.secret.value };
    if (c.token.value) b.credentials.aws_session_token = c.token.value;
  }
  b.options = {
    on_error: c.on_error.value,
    max_rejected_rows: maxRejected(c.max_rejected.value),
    dry_run: c.dry_run.checked,
    ignore_unknown_columns: c.ignore_unknown.checked,
    validate_access: c.validate_access.checked,
    delimiter: c.delimiter.value,
    quote: c.quote.value,
    encoding: c.encoding.value,
  };
  return b;
}

const URI_HINT = {
  s3_iam_user: 'An object, or a prefix ending in / to load every object under it.',
  s3_presigned_url: 'A presigned GET URL; it is a secret like a key and is never shown again.',
};

// The "What to load" and "Credentials" groups; the URI's label, hint and the
// credentials follow the method.
function sourceGroups(c) {
  const uriField = field('S3 URI', c.uri, { field: 'uri', hint: URI_HINT.s3_iam_user });
  const regionField = field('Region', c.region, { field: 'region', hint: "Leave empty for the server's default region." });
  const credentials = h('fieldset', { class: 'group', 'data-field': 'credentials' },
    h('legend', {}, 'Credentials'),
    h('p', { class: 'hint' }, 'Sealed by the server, erased when the task ends; never stored by this page.'),
    field('Access key id', c.key_id, { field: 'credentials.aws_access_key_id' }),
    field('Secret access key', c.secret, { field: 'credentials.aws_secret_access_key' }),
    field('Session token (temporary credentials only)', c.token, { field: 'credentials.aws_session_token' }),
    h('p', { class: 'field-error', id: 'credentials-error', hidden: true }));
  const onMethod = () => {
    const presigned = c.method_presigned.checked;
    uriField.querySelector('label').textContent = presigned ? 'Presigned URL' : 'S3 URI';
    uriField.querySelector('.hint').textContent = URI_HINT[presigned ? 's3_presigned_url' : 's3_iam_user'];
    c.uri.placeholder = presigned ? 'https://bucket-name.s3.eu-west-1.amazonaws.com/file-name.csv?X-Amz-…' : 's3://bucket-name/file-name.csv';
    credentials.hidden = presigned;
    regionField.hidden = presigned;
  };
  c.method_iam.addEventListener('change', onMethod);
  c.method_presigned.addEventListener('change', onMethod);
  const what = h('fieldset', { class: 'group' }, h('legend', {}, 'What to load'),
    field('Entity type', c.entity_type, { field: 'entity_type', hint: 'Every row of the file becomes an event of this type.' }),
    h('fieldset', { class: 'radios', 'data-field': 'method' }, h('legend', {}, 'Method'),
      field('S3 URI with an access key', c.method_iam, { inline: true }),
      field('Presigned URL, no credentials', c.method_presigned, { inline: true }),
      h('p', { class: 'field-error', id: 'method-error', hidden: true })),
    uriField,
    regionField);
  return [what, credentials];
}

function optionsGroup(c) {
  return h('fieldset', { class: 'group' }, h('legend', {}, 'Options'),
    field('On a bad row', c.on_error, { field: 'options.on_error' }),
    field('Most rejected rows allowed', c.max_rejected, { field: 'options.max_rejected_rows', hint: 'More fail the task and store nothing. Empty: no limit.' }),
    field('Dry run: validate everything, store no event', c.dry_run, { field: 'options.dry_run', inline: true }),
    field('Ignore unknown columns', c.ignore_unknown, { field: 'options.ignore_unknown_columns', inline: true }),
    field('Check access before accepting the task', c.validate_access, { field: 'options.validate_access', inline: true }),
    field('Delimiter', c.delimiter, { field: 'options.delimiter' }),
    field('Quote character', c.quote, { field: 'options.quote' }),
    field('Encoding', c.encoding, { field: 'options.encoding' }));
}

// Sends the form; on success opens the new task, otherwise shows the errors.
async function submitTask(ctx, c, form, summary, submit) {
  const payload = body(c);
  // Never kept by the page: cleared whatever the answer.
  c.key_id.value = '';
  c.secret.value = '';
  c.token.value = '';
  if (payload.method === 's3_presigned_url') c.uri.value = '';
  submit.disabled = true;
  clearErrors(form, summary);
  try {
    const { body: task } = await api(TASKS_PATH, { method: 'POST', body: payload, headers: { 'Idempotency-Key': idempotencyKey() } });
    ctx.notify(`Task ${task.task_id} created.`);
    location.hash = `#/tasks/${encodeURIComponent(task.task_id)}`;
  } catch (e) {
    showErrors(form, summary, e);
  } finally {
    submit.disabled = false;
  }
}

export function newTaskView(main, ctx) {
  setTitle('New task');
  const heading = h('h1', { tabindex: '-1' }, 'New task');
  if (!ctx.canWrite) {
    clear(main).append(heading, h('p', { class: 'alert' }, 'This API key is read-only: it cannot create tasks.'));
    return () => {};
  }
  const c = controls();
  const summary = h('div', { class: 'alert error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create task');
  const form = h('form', { class: 'task-form', novalidate: true, autocomplete: 'off' },
    summary, sourceGroups(c), optionsGroup(c), h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitTask(ctx, c, form, summary, submit);
  });
  clear(main).append(heading,
    h('p', { class: 'muted' }, 'Load a CSV file from S3. The server checks that the credentials can read it before it accepts the task.'),
    form);
  return () => {};
}

function clearErrors(form, summary) {
  summary.hidden = true;
  clear(summary);
  for (const el of form.querySelectorAll('.field-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((i) => i && !i.endsWith('-error'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

// Marks one field's error: its text under the field, the control invalid and
// described by it. Returns the control (null for a group such as credentials).
function markField(wrap, detail) {
  const slot = wrap.querySelector(':scope > .field-error');
  slot.hidden = false;
  slot.textContent = slot.textContent ? `${slot.textContent} ${detail.message}` : detail.message;
  slot.setAttribute('data-code', detail.code || '');
  const control = wrap.classList.contains('field') ? wrap.querySelector('input, select') : null;
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    control.setAttribute('aria-describedby', [...ids, slot.id].join(' '));
  }
  return control;
}

// Puts each field error next to its field, and lists them all in the summary at
// the top (each one a button to its field); errors of no known field are listed
// there only.
function showErrors(form, summary, e) {
  const items = [];
  for (const d of e.details) {
    if (!d || typeof d !== 'object') continue;
    const name = typeof d.field === 'string' ? d.field : '';
    const wrap = name ? form.querySelector(`[data-field="${CSS.escape(name)}"]`) : null;
    if (!wrap || !wrap.querySelector(':scope > .field-error')) {
      items.push(h('li', {}, name ? `${name}: ${d.message}` : String(d.message)));
      continue;
    }
    const control = markField(wrap, d) || wrap.querySelector('input, select');
    const label = control && control.labels && control.labels[0] ? control.labels[0].textContent : name;
    items.push(h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => control?.focus() }, `${label}: ${d.message}`)));
  }
  const count = e.details.length;
  append(summary, [
    h('p', {}, count ? `The task was not created: ${count === 1 ? 'one field needs' : `${count} fields need`} attention.` : `The task was not created: ${e.message}`),
    items.length > 0 && h('ul', {}, items),
  ]);
  summary.hidden = false;
  summary.focus();
}
