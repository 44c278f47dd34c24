// The Tasks view: the tenant's File Load Tasks, newest first, filtered by status
// and entity type, paged with the API's cursors; refreshed every 2 s while the
// tab is visible, with live progress for running tasks.
import { api, ENTITY_TYPES, query, TASKS_PATH } from './api.js';
import { clear, dataTable, fmtNum, h, setTitle, STATUSES, statusBadge, statusLabel, tableWrap, timeEl, uid } from './dom.js';
import { startPolling } from './poll.js';
import { progressBlock, sample } from './progress.js';

const PAGE_SIZE = 25;

function select(label, name, value, options) {
  const id = uid(name);
  const sel = h(
    'select',
    { id, name },
    h('option', { value: '' }, 'All'),
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
  return [sel, h('div', { class: 'field inline' }, h('label', { for: id }, label), sel)];
}

const COLUMNS = [
  { label: 'Task', cls: 'id' }, { label: 'Status' }, { label: 'Entity type' }, { label: 'Created' },
  { label: 'Progress', cls: 'progress-cell' }, { label: 'Loaded', cls: 'num' },
  { label: 'Rejected', cls: 'num' }, { label: 'Source', cls: 'uri' },
];

function taskRow(task) {
  const p = task.progress || {};
  return {
    attrs: { 'data-task-id': task.task_id },
    cells: [
      h('a', { href: `#/tasks/${encodeURIComponent(task.task_id)}`, 'data-focus-key': task.task_id }, task.task_id),
      statusBadge(task.status),
      task.entity_type,
      timeEl(task.created_at),
      progressBlock(task, sample(task), `Progress of task ${task.task_id}`),
      fmtNum(p.rows_loaded),
      fmtNum(p.rows_rejected),
      task.uri,
    ],
  };
}

function tasksTable(items) {
  return dataTable({ cls: 'tasks', caption: 'File load tasks, newest first', columns: COLUMNS, rows: items.map(taskRow) });
}

export function tasksView(main, ctx, params) {
  setTitle('Tasks');
  const status = params.get('status') || '';
  const entityType = params.get('entity_type') || '';
  const [statusSel, statusField] = select('Status', 'status', status, STATUSES.map((s) => [s, statusLabel(s)]));
  const [typeSel, typeField] = select('Entity type', 'entity_type', entityType, ENTITY_TYPES.map((t) => [t, t]));
  const onFilter = () => {
    location.hash = `#/tasks${query({ status: statusSel.value, entity_type: typeSel.value })}`;
  };
  statusSel.addEventListener('change', onFilter);
  typeSel.addEventListener('change', onFilter);

  const errorBox = h('div', { class: 'alert', role: 'alert', hidden: true });
  const results = h('div', { class: 'results', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
  const prev = h('button', { type: 'button', disabled: true }, 'Newer');
  const next = h('button', { type: 'button', disabled: true }, 'Older');
  const pageInfo = h('span', { class: 'muted page-info' });
  const cursors = ['']; // the cursor of each page shown so far; the last is the current one
  let nextCursor = null;
  let lastJson = '';

  async function load() {
    const cursor = cursors[cursors.length - 1];
    const path = `${TASKS_PATH}${query({ status, entity_type: entityType, limit: PAGE_SIZE, cursor })}`;
    let body;
    try {
      ({ body } = await api(path));
    } catch (e) {
      errorBox.hidden = false;
      errorBox.textContent = `The tasks cannot be loaded: ${e.message}`;
      results.setAttribute('aria-busy', 'false');
      return;
    }
    errorBox.hidden = true;
    nextCursor = body.next_cursor;
    prev.disabled = cursors.length === 1;
    next.disabled = !nextCursor;
    pageInfo.textContent = `Page ${cursors.length}`;
    results.setAttribute('aria-busy', 'false');
    const json = JSON.stringify(body.items);
    const anyRunning = body.items.some((t) => t.status === 'running');
    if (json === lastJson && !anyRunning) return; // nothing new: keep the DOM (and focus) as is
    lastJson = json;
    render(body.items);
  }

  function render(items) {
    const focused = document.activeElement?.getAttribute('data-focus-key');
    if (items.length === 0) {
      clear(results).append(
        h('p', { class: 'empty' }, status || entityType ? 'No task matches these filters.' : 'No tasks yet.'),
      );
      return;
    }
    clear(results).append(tableWrap('Tasks', tasksTable(items)));
    if (focused) results.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
  }

  prev.addEventListener('click', () => {
    cursors.pop();
    lastJson = '';
    load();
  });
  next.addEventListener('click', () => {
    if (!nextCursor) return;
    cursors.push(nextCursor);
    lastJson = '';
    load();
  });

  const actions = ctx.canWrite ? h('a', { class: 'button primary', href: '#/new' }, 'New task') : null;
  clear(main).append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Tasks'), actions),
    h('form', { class: 'filters', 'aria-label': 'Filter tasks', onsubmit: (e) => e.preventDefault() }, statusField, typeField),
    errorBox,
    results,
    h('nav', { class: 'pager', 'aria-label': 'Task pages' }, prev, pageInfo, next),
  );
  load();
  return startPolling(load);
}
