// Webhooks end to end, checked by a receiver built from libraries skillsync
// does not use: the CloudEvents SDK (npm `cloudevents`) validates each body
// as a CloudEvent 1.0, and Node's crypto verifies the Ed25519 signatures
// with the public key the API returned. The stack is real: the S3 test
// server, the release binary (started, killed with SIGKILL and restarted
// here), and an HTTP receiver in this process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CloudEvent } from 'cloudevents';

const root = process.env.SKILLSYNC_ROOT;
const bin = process.env.SKILLSYNC_BINARY;
const tmp = mkdtempSync(join(tmpdir(), 'skillsync-webhooks-'));
const key = `sk_webhook_test_${Date.now()}`;
const s3KeyId = 'AKIAWEBHOOKTEST00001';
const s3Secret = 'webhook-test-secret-0123456789abcdef';
const bucket = 'webhooks';
const children = [];
let s3Port = 0;
let server = null; // { proc, base }

// --- the receiver -----------------------------------------------------------
const received = []; // { headers, body, at }
const scripted = []; // responses to give before the default 204: { status, headers }
let receiverPort = 0;
let receiver = null;

function startReceiver(port) {
  return new Promise((resolve) => {
    receiver = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        const next = scripted.shift() || { status: 204, headers: {} };
        res.writeHead(next.status, next.headers);
        res.end();
      });
    });
    receiver.listen(port, '127.0.0.1', () => {
      receiverPort = receiver.address().port;
      resolve();
    });
  });
}

function stopReceiver() {
  return new Promise((resolve) => {
    receiver.closeAllConnections();
    receiver.close(() => resolve());
  });
}

// --- helpers ----------------------------------------------------------------
async function waitFor(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startProcess(cmd, args, env, pattern) {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  const onData = (d) => { out += d.toString(); };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  return waitFor(`${cmd} to start`, () => {
    const m = out.match(pattern);
    return m ? { proc, match: m[1], log: () => out } : null;
  });
}

async function startServer() {
  const started = await startProcess(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(tmp, 'data'),
    '--s3-endpoint', `http://127.0.0.1:${s3Port}`, '--workers', '1',
    '--webhook-allow-host', `127.0.0.1:${receiverPort}`],
  { SKILLSYNC_BOOTSTRAP_API_KEY: key }, /listening on http:\/\/(127\.0\.0\.1:\d+)/);
  server = { proc: started.proc, base: `http://${started.match}`, log: started.log };
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = { Authorization: `Bearer ${key}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${server.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function publicKey(hex) {
  // SubjectPublicKeyInfo of an Ed25519 key: a fixed prefix, then the 32 raw bytes.
  return createPublicKey({ key: Buffer.from(`302a300506032b6570032100${hex}`, 'hex'), format: 'der', type: 'spki' });
}

// Parses a delivery as a CloudEvent and checks its headers; returns the
// event and which of `keys` (hex) verify it, by signature position.
function check(delivery, keys) {
  const h = delivery.headers;
  assert.equal(h['content-type'], 'application/json');
  assert.match(h['user-agent'], /^skillsync-webhooks\//);
  const event = new CloudEvent(JSON.parse(delivery.body)); // validates CloudEvents 1.0
  assert.equal(event.specversion, '1.0');
  assert.equal(event.id, h['x-event-id']);
  assert.equal(h['x-tenant'], 'default');
  assert.equal(event.datacontenttype, 'application/json');
  const message = Buffer.from(`${h['x-signature-timestamp']}:${h['x-tenant']}:${h['x-event-id']}:${delivery.body}`);
  const signatures = h['x-signature-v1'].split(',');
  const verified = signatures.map((sig) => keys.findIndex((k) => verify(null, message, publicKey(k), Buffer.from(sig, 'hex'))));
  return { event, verified };
}

const deliveriesOf = (eventId) => received.filter((d) => d.headers['x-event-id'] === eventId);

async function putCsv(name, text) {
  const res = await fetch(`http://127.0.0.1:${s3Port}/${bucket}/${name}`, { method: 'PUT', body: text });
  assert.equal(res.status, 200);
}

async function runTask(name) {
  await putCsv(name, 'employee_external_id,language,external_id,timestamp,course_id,source\n' +
    'emp-1,en,ev-1,2024-01-01T00:00:00Z,c-1,lms\n');
  const created = await api('/integrations/file-load-tasks', {
    method: 'POST',
    body: { entity_type: 'learning', method: 's3_iam_user', uri: `s3://${bucket}/${name}`,
      credentials: { aws_access_key_id: s3KeyId, aws_secret_access_key: s3Secret } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const id = created.json.task_id;
  await waitFor(`task ${id} to end`, async () => {
    const t = await api(`/integrations/file-load-tasks/${id}`);
    return ['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(t.json.status);
  });
  return id;
}

const taskEvent = (taskId) => received.find((d) => {
  try { return JSON.parse(d.body).data.task_id === taskId; } catch { return false; }
});

let hook = null; // the registered endpoint

before(async () => {
  const s3 = await startProcess('node', ['--openssl-legacy-provider', join(root, 'tests/support/s3rver/launch.js')],
    { S3RVER_PORT: '0', S3RVER_DIR: join(tmp, 's3'), S3RVER_ACCESS_KEY_ID: s3KeyId, S3RVER_SECRET_KEY: s3Secret,
      S3RVER_BUCKETS: bucket }, /"port": *(\d+)/);
  s3Port = Number(s3.match);
  await startReceiver(0);
  await startServer();
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  if (receiver) receiver.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('registration returns the Ed25519 key and sends a verifiable healthcheck', async () => {
  const res = await api('/integrations/webhooks', {
    method: 'POST',
    body: { url: `http://127.0.0.1:${receiverPort}/hook`, description: 'receiver',
      event_types: ['file_load_task.completed.v1', 'file_load_task.completed_with_errors.v1',
        'file_load_task.failed.v1', 'healthcheck.v1'] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  hook = res.json;
  assert.match(hook.public_key, /^[0-9a-f]{64}$/);
  const d = await waitFor('the healthcheck', () => received.find((r) => JSON.parse(r.body).type === 'com.skillsync.healthcheck.v1'));
  const { event, verified } = check(d, [hook.public_key]);
  assert.deepEqual(verified, [0]);
  assert.equal(event.data.endpoint_id, hook.id);
  const list = await api('/integrations/webhooks');
  assert.deepEqual(list.json.items.map((w) => w.id), [hook.id]);
});

test('file_load_task.completed.v1 arrives within 5 s of the task completing, signed', async () => {
  const taskId = await runTask('done.csv');
  const completedAt = Date.now();
  const d = await waitFor('the completed event', () => taskEvent(taskId), 5000);
  assert.ok(d.at - completedAt <= 5000);
  const { event, verified } = check(d, [hook.public_key]);
  assert.deepEqual(verified, [0]);
  assert.equal(event.type, 'com.skillsync.file_load_task.completed.v1');
  assert.equal(event.source, `${server.base}/integrations/file-load-tasks/${taskId}`);
  assert.deepEqual(event.data, { tenant: 'default', task_id: taskId, entity_type: 'learning',
    status: 'completed', rows_loaded: 1, rows_rejected: 0 });
  assert.doesNotMatch(d.body, /webhook-test-secret|AKIAWEBHOOK/);
});

test('503 with Retry-After: 1 twice: the same event id arrives a third time', async () => {
  scripted.push({ status: 503, headers: { 'Retry-After': '1' } }, { status: 503, headers: { 'Retry-After': '1' } });
  const sent = await api(`/integrations/webhooks/${hook.id}/test`, { method: 'POST' });
  assert.equal(sent.status, 202);
  const id = sent.json.event_id;
  await waitFor('three attempts', () => deliveriesOf(id).length >= 3);
  for (const d of deliveriesOf(id)) assert.deepEqual(check(d, [hook.public_key]).verified, [0]);
  const attempts = await waitFor('the attempts recorded', async () => {
    const page = await api(`/integrations/webhooks/${hook.id}/deliveries`);
    const mine = page.json.items.filter((a) => a.event_id === id);
    return mine.length === 3 ? mine : null;
  });
  assert.deepEqual(attempts.map((a) => [a.attempt, a.status_code]), [[3, 204], [2, 503], [1, 503]]);
  assert.ok(attempts[1].next_retry_at !== null);
});

test('after a key rotation both keys sign, and either verifies', async () => {
  const old = hook.public_key;
  const rotated = await api(`/integrations/webhooks/${hook.id}/rotate-key`, { method: 'POST' });
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.json.public_key, old);
  assert.deepEqual(rotated.json.public_keys, [rotated.json.public_key, old]);
  const sent = await api(`/integrations/webhooks/${hook.id}/test`, { method: 'POST' });
  const d = await waitFor('the event', () => deliveriesOf(sent.json.event_id)[0]);
  const { verified } = check(d, [rotated.json.public_key, old]);
  assert.deepEqual(verified, [0, 1]);
  hook = rotated.json;
});

test('SSRF: loopback, metadata, private and plain-http URLs are refused at registration', async () => {
  const receivedBefore = received.length;
  for (const url of ['https://127.0.0.1:1/hook', 'https://169.254.169.254/latest/meta-data/',
    'https://10.1.2.3/hook', 'https://[::1]/hook', 'http://example.com/hook',
    `http://127.0.0.1:${receiverPort + 1}/hook`]) {
    const res = await api('/integrations/webhooks', { method: 'POST', body: { url, event_types: ['healthcheck.v1'] } });
    assert.equal(res.status, 422, url);
    assert.equal(res.json.error.details[0].field, 'url', url);
  }
  const patched = await api(`/integrations/webhooks/${hook.id}`, { method: 'PATCH', body: { url: 'https://192.168.0.1/x' } });
  assert.equal(patched.status, 422);
  const list = await api('/integrations/webhooks');
  assert.equal(list.json.items.length, 1);
  assert.equal(received.length, receivedBefore);
});

test('kill -9 after the task ends, before delivery: the event arrives after a restart', async () => {
  await stopReceiver();
  const taskId = await runTask('crash.csv');
  // The event was written with the task's end; wait until an attempt failed
  // (the receiver is down), so none is in flight, then kill the server.
  const attempt = await waitFor('a failed attempt', async () => {
    const page = await api(`/integrations/webhooks/${hook.id}/deliveries`);
    return page.json.items.find((a) => a.error === 'connect_failed' && !deliveriesOf(a.event_id).length);
  });
  server.proc.kill('SIGKILL');
  await new Promise((r) => server.proc.once('exit', r));
  await startReceiver(receiverPort);
  await startServer();
  const d = await waitFor('the event after the restart', () => taskEvent(taskId), 30000);
  assert.equal(d.headers['x-event-id'], attempt.event_id);
  const { event, verified } = check(d, hook.public_keys);
  assert.equal(event.type, 'com.skillsync.file_load_task.completed.v1');
  assert.equal(verified[0], 0);
});
