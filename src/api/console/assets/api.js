// The console's only door to the server: the API key (sessionStorage only,
// sent as a bearer header) and JSON requests to the API on this origin.

const KEY_ITEM = 'skillsync.console.key';

export const ENTITY_TYPES = [
  'learning',
  'working_history',
  'education_history',
  'project',
  'feedback',
  'goal',
  'ticket',
  'certificate',
  'skill_notes',
  'skill_profile_feedback',
  'resume_document',
];

export const TASKS_PATH = '/integrations/file-load-tasks';

// An error answer of the API: {"error": {"code", "message", "details"}}, or a
// network failure (status 0).
export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
  }
}

let onUnauthorized = () => {};
// Called once with a handler for a 401 (the key was revoked or is wrong).
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function getKey() {
  return sessionStorage.getItem(KEY_ITEM);
}
export function setKey(key) {
  sessionStorage.setItem(KEY_ITEM, key);
}
export function clearKey() {
  sessionStorage.removeItem(KEY_ITEM);
}

// "?a=1&b=2" of the members that are set ('' and null left out).
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function taskPath(id) {
  return `${TASKS_PATH}/${encodeURIComponent(id)}`;
}

async function send(path, { method = 'GET', body, accept = 'application/json', headers = {} }) {
  const key = getKey();
  const all = { Accept: accept, ...headers };
  if (key) all.Authorization = `Bearer ${key}`;
  const init = { method, headers: all, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    all['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    return await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network_error', 'The server cannot be reached.');
  }
}

async function failure(res) {
  let err = {};
  try {
    err = (await res.json()).error || {};
  } catch (e) {
    // Not JSON (a proxy's page): keep the status alone.
  }
  const message = typeof err.message === 'string' ? err.message : `HTTP ${res.status}`;
  return new ApiError(res.status, err.code || `http_${res.status}`, message, err.details);
}

// A JSON request. Resolves to {status, body, headers}; rejects with ApiError.
// A 401 also calls the unauthorized handler.
export async function api(path, options = {}) {
  const res = await send(path, options);
  if (res.status === 401) {
    const e = await failure(res);
    onUnauthorized(e);
    throw e;
  }
  if (!res.ok) throw await failure(res);
  const body = res.status === 204 ? null : await res.json();
  return { status: res.status, body, headers: res.headers };
}

// The error report of a task as CSV bytes: {blob, truncated}.
export async function fetchErrorCsv(taskId) {
  const res = await send(`${taskPath(taskId)}/errors`, { accept: 'text/csv' });
  if (res.status === 401) onUnauthorized(await failure(res));
  if (!res.ok) throw await failure(res);
  return { blob: await res.blob(), truncated: res.headers.get('X-Truncated') === 'true' };
}

// Whether the key may write, found without changing anything: cancelling a task
// that cannot exist needs the `write` scope, so a read-only key gets 403 and a
// key that may write gets 404 (no such task).
export async function probeWrite() {
  const res = await send(`${TASKS_PATH}/console-scope-probe/cancel`, { method: 'POST' });
  return res.status !== 403 && res.status !== 401;
}

// An Idempotency-Key for one submission of the new-task form (no randomUUID:
// that needs a secure context).
export function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
