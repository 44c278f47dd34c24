// Live progress of a task: a <progress> bar of bytes read, the rows seen, and a
// rate and time left measured from the samples this page has polled (the API
// reports counts, not speeds).
import { fmtBytes, fmtDuration, fmtNum, h, isActive } from './dom.js';

const WINDOW_MS = 15000; // rate over the last 15 s of samples
const samples = new Map(); // task_id -> [{t, bytes, rows}]

// Records what a poll saw of a task; returns {bytesPerSec, rowsPerSec} or null
// while fewer than two samples a second or more apart are known.
export function sample(task) {
  const p = task.progress || {};
  const now = performance.now();
  let list = samples.get(task.task_id);
  if (!list) {
    list = [];
    samples.set(task.task_id, list);
  }
  const last = list[list.length - 1];
  if (!last || last.bytes !== p.bytes_read || last.rows !== p.rows_read || now - last.t > 1000) {
    list.push({ t: now, bytes: p.bytes_read || 0, rows: p.rows_read || 0 });
  }
  while (list.length > 2 && now - list[0].t > WINDOW_MS) list.shift();
  if (!isActive(task.status)) samples.delete(task.task_id);
  const first = list[0];
  const latest = list[list.length - 1];
  const dt = (latest.t - first.t) / 1000;
  if (list.length < 2 || dt < 1) return null;
  return { bytesPerSec: (latest.bytes - first.bytes) / dt, rowsPerSec: (latest.rows - first.rows) / dt };
}

// The progress of a task as a small block: bar + figures. `label` names the
// bar for assistive technology ("Progress of task flt_...").
export function progressBlock(task, rate, label) {
  const p = task.progress || {};
  const total = p.bytes_total || 0;
  const read = p.bytes_read || 0;
  const block = h('div', { class: 'progress', 'data-task-progress': task.task_id });
  if (task.status === 'pending') {
    block.append(h('span', { class: 'muted' }, 'Waiting for a worker'));
    return block;
  }
  if (isActive(task.status)) {
    const bar = h('progress', { 'aria-label': label, max: total > 0 ? total : 1 });
    if (total > 0) bar.value = read;
    else bar.removeAttribute('value'); // size not known yet: indeterminate
    block.append(bar);
  }
  if (task.status === 'running' && total === 0 && !p.rows_read) {
    block.append(h('span', { class: 'muted' }, 'Starting: opening the file'));
    return block;
  }
  const active = isActive(task.status);
  const pct = active && total > 0 ? ` (${Math.floor((read * 100) / total)}%)` : '';
  const bytes = !active && read === total ? fmtBytes(total) : `${fmtBytes(read)} of ${fmtBytes(total)}${pct}`;
  block.append(
    h('span', { class: 'progress-bytes' }, bytes),
    h('span', { class: 'progress-rows' }, `${fmtNum(p.rows_read)} rows`),
  );
  if (task.status === 'running' && total > 0 && read >= total) {
    // Every byte is read: the staged rows are being made visible at once.
    block.append(h('span', { class: 'progress-eta' }, 'Publishing the rows'));
  } else if (task.status === 'running' && rate) {
    const left = rate.bytesPerSec > 0 ? (total - read) / rate.bytesPerSec : NaN;
    block.append(
      h('span', { class: 'progress-rate' }, `${fmtBytes(Math.round(rate.bytesPerSec))}/s · ${fmtNum(Math.round(rate.rowsPerSec))} rows/s`),
      h('span', { class: 'progress-eta' }, `${fmtDuration(left)} left`),
    );
  }
  return block;
}
