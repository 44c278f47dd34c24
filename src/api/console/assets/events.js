// The Events view: look up one employee and page through their skill events
// (GET /employees/{id}/skill_events, by timestamp then external_id).
import { api, query } from './api.js';
import { clear, dataTable, h, setTitle, tableWrap, timeEl, uid } from './dom.js';

const PAGE_SIZE = 50;

function contentList(content) {
  const entries = Object.entries(content || {});
  if (entries.length === 0) return h('span', { class: 'muted' }, '–');
  return h('dl', { class: 'content' }, entries.map(([k, v]) =>
    h('div', {}, h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v)))));
}

const COLUMNS = [
  { label: 'External id', cls: 'id' }, { label: 'Type' }, { label: 'Timestamp' }, { label: 'Language' },
  { label: 'Content' }, { label: 'Source' }, { label: 'Task', cls: 'id' }, { label: 'Updated' },
];

function eventsTable(items) {
  const none = (text) => h('span', { class: 'muted' }, text);
  const rows = items.map((e) => ({
    cells: [
      e.external_id,
      e.event_type,
      timeEl(e.timestamp),
      e.language,
      contentList(e.content),
      e.source ?? none('–'),
      e.task_id ? h('a', { href: `#/tasks/${encodeURIComponent(e.task_id)}` }, e.task_id) : none('API'),
      timeEl(e.updated_at),
    ],
  }));
  return dataTable({ cls: 'events', caption: 'Skill events, by timestamp', columns: COLUMNS, rows });
}

export function eventsView(main, ctx, params) {
  setTitle('Events');
  const employee = params.get('employee') || '';
  const id = uid('employee');
  const errorId = `${id}-error`;
  const input = h('input', { id, name: 'employee', type: 'text', value: employee, autocomplete: 'off', spellcheck: 'false', required: true });
  const fieldError = h('p', { class: 'field-error', id: errorId, hidden: true });
  const results = h('div', { class: 'results' });
  const prev = h('button', { type: 'button', disabled: true }, 'Previous');
  const next = h('button', { type: 'button', disabled: true }, 'Next');
  const info = h('span', { class: 'muted page-info' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Event pages', hidden: true }, prev, info, next);
  const cursors = [''];
  let nextCursor = null;

  async function load() {
    fieldError.hidden = true;
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
    results.setAttribute('aria-busy', 'true');
    try {
      const path = `/employees/${encodeURIComponent(employee)}/skill_events${query({ limit: PAGE_SIZE, cursor: cursors[cursors.length - 1] })}`;
      const { body } = await api(path);
      nextCursor = body.next_cursor;
      prev.disabled = cursors.length === 1;
      next.disabled = !nextCursor;
      info.textContent = `Page ${cursors.length}`;
      pager.hidden = cursors.length === 1 && !nextCursor;
      clear(results).append(body.items.length
        ? tableWrap(`Skill events of ${employee}`, eventsTable(body.items))
        : h('p', { class: 'empty' }, 'This employee has no skill events.'));
    } catch (e) {
      const detail = e.details.find((d) => d && d.field === 'employee_external_id');
      if (detail) {
        fieldError.textContent = detail.message;
        fieldError.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', errorId);
        clear(results);
      } else {
        clear(results).append(h('p', { class: 'alert', role: 'alert' }, `The events cannot be loaded: ${e.message}`));
      }
    }
    results.setAttribute('aria-busy', 'false');
  }
  prev.addEventListener('click', () => { cursors.pop(); load(); });
  next.addEventListener('click', () => { if (nextCursor) { cursors.push(nextCursor); load(); } });

  const form = h('form', { class: 'lookup', role: 'search' },
    h('div', { class: 'field' }, h('label', { for: id }, 'Employee external id'), input, fieldError),
    h('button', { type: 'submit', class: 'primary' }, 'Show events'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = input.value.trim();
    if (value === employee) {
      cursors.length = 1;
      load();
    } else location.hash = `#/events${query({ employee: value })}`;
  });

  clear(main).append(h('h1', { tabindex: '-1' }, 'Events'), form, results, pager);
  if (employee) load();
  return () => {};
}
