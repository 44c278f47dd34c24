// The Task view: one File Load Task's status, progress, options, timings,
// counts and error; its rejected rows in a paged table; the error report as a
// CSV download; cancel while it is pending or running (keys that may write).
import { api, fetchErrorCsv, query, taskPath } from './api.js';
import { append, clear, dataTable, dl, fmtBytes, fmtDuration, fmtNum, h, isActive, secondsBetween, setTitle, statusBadge, tableWrap, timeEl } from './dom.js';
import { startPolling } from './poll.js';
import { progressBlock, sample } from './progress.js';

const ERRORS_PAGE = 50;

const OPTION_LABELS = {
  on_error: 'On a bad row',
  max_rejected_rows: 'Most rejected rows',
  dry_run: 'Dry run',
  ignore_unknown_columns: 'Ignore unknown columns',
  validate_access: 'Check access',
  delimiter: 'Delimiter',
  quote: 'Quote',
  encoding: 'Encoding',
};

function optionValue(name, value) {
  if (value === null || value === undefined) return name === 'max_rejected_rows' ? 'no limit' : '–';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (name === 'delimiter' && value === '\t') return 'tab';
  return String(value);
}

function details(task) {
  const p = task.progress || {};
  const end = task.finished_at || (isActive(task.status) ? null : task.started_at);
  const duration = task.started_at ? fmtDuration(secondsBetween(task.started_at, end)) : '–';
  return h(
    'div',
    { class: 'cards' },
    h('section', { class: 'card', 'aria-labelledby': 'h-task' },
      h('h2', { id: 'h-task' }, 'Task'),
      dl([
        ['Entity type', task.entity_type],
        ['Method', task.method],
        ['Source', h('span', { class: 'uri' }, task.uri)],
        ['Region', task.region || h('span', { class: 'muted' }, 'server default')],
        ['Attempts', fmtNum(task.attempts)],
      ])),
    h('section', { class: 'card', 'aria-labelledby': 'h-times' },
      h('h2', { id: 'h-times' }, 'Timings'),
      dl([
        ['Created', timeEl(task.created_at)],
        ['Started', timeEl(task.started_at)],
        ['Finished', timeEl(task.finished_at)],
        ['Duration', duration],
        ['Cancel requested', timeEl(task.cancel_requested_at)],
      ])),
    h('section', { class: 'card', 'aria-labelledby': 'h-counts' },
      h('h2', { id: 'h-counts' }, 'Rows'),
      dl([
        ['Read', h('span', { 'data-count': 'rows_read' }, fmtNum(p.rows_read))],
        ['Loaded', h('span', { 'data-count': 'rows_loaded' }, fmtNum(p.rows_loaded))],
        ['Rejected', h('span', { 'data-count': 'rows_rejected' }, fmtNum(p.rows_rejected))],
        ['Superseded', h('span', { 'data-count': 'rows_superseded' }, fmtNum(p.rows_superseded))],
        ['Bytes', `${fmtBytes(p.bytes_read)} of ${fmtBytes(p.bytes_total)}`],
      ])),
    h('section', { class: 'card', 'aria-labelledby': 'h-options' },
      h('h2', { id: 'h-options' }, 'Options'),
      dl(Object.entries(task.options || {}).map(([k, v]) => [OPTION_LABELS[k] || k, h('code', { 'data-option': k }, optionValue(k, v))]))),
  );
}

function errorSection(task) {
  if (!task.error) return null;
  return h('section', { class: 'alert task-error', 'aria-labelledby': 'h-error' },
    h('h2', { id: 'h-error' }, 'Why it failed'),
    h('p', {}, h('code', { class: 'error-code' }, task.error.code)),
    h('p', { class: 'error-message' }, task.error.message));
}

function rowErrorsTable(items) {
  const withFile = items.some((e) => e.file);
  const columns = [{ label: 'Line', cls: 'num' }, withFile && { label: 'File', cls: 'uri' }, { label: 'Column' },
    { label: 'Code' }, { label: 'Message', cls: 'message' }, { label: 'Raw record', cls: 'raw-cell' }].filter(Boolean);
  const rows = items.map((e) => ({
    cells: [
      fmtNum(e.line),
      withFile && (e.file || ''),
      e.column === null ? h('span', { class: 'muted' }, 'whole row') : e.column,
      h('code', {}, e.code),
      e.message,
      h('pre', { class: 'raw' }, e.raw),
    ].filter((c) => c !== false),
  }));
  return dataTable({ cls: 'row-errors', caption: 'Rejected rows, in file order', columns, rows });
}

// The paged rejected rows of a finished task.
function rejectedRows(task, notify) {
  const body = h('div', { 'aria-busy': 'true' });
  const prev = h('button', { type: 'button', disabled: true }, 'Previous');
  const next = h('button', { type: 'button', disabled: true }, 'Next');
  const info = h('span', { class: 'muted page-info' });
  const cursors = [''];
  let nextCursor = null;
  async function load() {
    const cursor = cursors[cursors.length - 1];
    try {
      const { body: page } = await api(`${taskPath(task.task_id)}/errors${query({ limit: ERRORS_PAGE, cursor })}`);
      nextCursor = page.next_cursor;
      const first = (cursors.length - 1) * ERRORS_PAGE + 1;
      info.textContent = page.items.length
        ? `Rows ${fmtNum(first)}–${fmtNum(first + page.items.length - 1)} of ${fmtNum(task.progress.rows_rejected)}`
        : '';
      clear(body).append(page.items.length ? tableWrap('Rejected rows table', rowErrorsTable(page.items)) : h('p', { class: 'empty' }, 'No rejected rows.'));
      prev.disabled = cursors.length === 1;
      next.disabled = !nextCursor;
    } catch (e) {
      clear(body).append(h('p', { class: 'alert', role: 'alert' }, `The rejected rows cannot be loaded: ${e.message}`));
    }
    body.setAttribute('aria-busy', 'false');
  }
  prev.addEventListener('click', () => { cursors.pop(); load(); });
  next.addEventListener('click', () => { if (nextCursor) { cursors.push(nextCursor); load(); } });

  const download = h('button', { type: 'button', class: 'download-csv' }, 'Download error CSV');
  download.addEventListener('click', () => downloadCsv(task.task_id, download, notify));
  load();
  return h('section', { class: 'rejected', 'aria-labelledby': 'h-rejected' },
    h('div', { class: 'section-head' }, h('h2', { id: 'h-rejected' }, 'Rejected rows'), download),
    h('p', { class: 'muted' }, 'The CSV holds every rejected row with its error columns; fix it and load it again with the same options.'),
    body,
    h('nav', { class: 'pager', 'aria-label': 'Rejected row pages' }, prev, info, next));
}

// Fetches the report with the key (a plain link could not send it) and saves it
// through a Blob URL.
async function downloadCsv(taskId, button, notify) {
  button.disabled = true;
  try {
    const { blob, truncated } = await fetchErrorCsv(taskId);
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `${taskId}-errors.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    notify(truncated ? 'Downloaded the first 100,000 rejected rows (the report is cut there).' : 'Error CSV downloaded.');
  } catch (e) {
    notify(`The error CSV cannot be downloaded: ${e.message}`, true);
  } finally {
    button.disabled = false;
  }
}

export function taskView(main, ctx, taskId) {
  setTitle(`Task ${taskId}`);
  const heading = h('h1', { tabindex: '-1' }, 'Task ', h('span', { class: 'id' }, taskId));
  // Announced when the status changes (it is rewritten only then).
  const statusSlot = h('span', { class: 'status-slot', 'aria-live': 'polite' });
  const actions = h('div', { class: 'actions' });
  const progressSlot = h('div', { class: 'progress-slot' });
  const detailSlot = h('div');
  const errorBox = h('div', { class: 'alert', role: 'alert', hidden: true });
  let shownStatus = null;
  let stopPolling = () => {};

  // Rebuilt only when what it offers changes, so a focused button stays focused
  // across polls.
  let actionsKey = '';
  function renderActions(task) {
    const canCancel = ctx.canWrite && isActive(task.status);
    const key = `${canCancel}:${Boolean(task.cancel_requested_at)}`;
    if (key === actionsKey) return;
    actionsKey = key;
    const hadFocus = actions.contains(document.activeElement);
    clear(actions);
    if (canCancel) {
      const cancel = h('button', { type: 'button', class: 'danger' }, task.cancel_requested_at ? 'Cancelling…' : 'Cancel task');
      cancel.disabled = Boolean(task.cancel_requested_at);
      cancel.addEventListener('click', () => cancelTask(cancel));
      actions.append(cancel);
    }
    if (hadFocus) heading.focus();
  }

  async function cancelTask(button) {
    button.disabled = true;
    try {
      const { body } = await api(`${taskPath(taskId)}/cancel`, { method: 'POST' });
      ctx.notify(body.status === 'cancelled' ? 'Task cancelled.' : 'Cancel requested: the task stops within seconds.');
      show(body);
    } catch (e) {
      button.disabled = false;
      ctx.notify(`The task cannot be cancelled: ${e.message}`, true);
      load();
    }
  }

  function show(task) {
    if (task.status !== shownStatus) clear(statusSlot).append(statusBadge(task.status));
    renderActions(task);
    // Live progress while it runs; once finished, the Rows card says it all.
    const rate = sample(task);
    if (isActive(task.status)) clear(progressSlot).append(progressBlock(task, rate, `Progress of task ${task.task_id}`));
    else clear(progressSlot);
    // While it runs, the figures change at every poll; once it has finished,
    // the page is built one last time, with its rejected rows.
    if (isActive(task.status) || task.status !== shownStatus) {
      const focusInDetails = detailSlot.contains(document.activeElement);
      const withRows = !isActive(task.status) && task.progress.rows_rejected > 0;
      append(clear(detailSlot), [details(task), errorSection(task), withRows && rejectedRows(task, ctx.notify)]);
      if (focusInDetails) heading.focus();
    }
    shownStatus = task.status;
    if (!isActive(task.status)) stopPolling();
  }

  async function load() {
    try {
      const { body } = await api(taskPath(taskId));
      errorBox.hidden = true;
      show(body);
    } catch (e) {
      errorBox.hidden = false;
      errorBox.textContent = e.status === 404 ? 'There is no such task.' : `The task cannot be loaded: ${e.message}`;
      if (e.status === 404) stopPolling();
    }
  }

  clear(main).append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/tasks' }, '← All tasks')),
    h('div', { class: 'page-head' }, heading, statusSlot, actions),
    errorBox,
    progressSlot,
    detailSlot,
  );
  load();
  stopPolling = startPolling(load);
  return () => stopPolling();
}
