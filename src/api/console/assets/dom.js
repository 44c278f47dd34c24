// DOM helpers and formatting. Every value that comes from the API reaches the
// page through h() (text nodes and setAttribute) or textContent, never as HTML:
// no asset uses an HTML sink (tests/api/console_test.cpp checks), and the page's
// Content-Security-Policy (require-trusted-types-for 'script') makes any
// assignment of a string to one throw.

// h('a', {href: '#/x', class: 'link', onclick: fn}, 'text', childNode, [more]).
// Props: `class`, `text`, `on<event>` (a function), the DOM properties `value`,
// `checked`, `selected`, `disabled`, `hidden`; anything else is an attribute
// (true -> present and empty; false, null, undefined -> left out).
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = String(value);
    else if (name.startsWith('on')) {
      // Handlers are functions, never code in an attribute.
      if (typeof value !== 'function') throw new TypeError(`h(): ${name} must be a function`);
      el.addEventListener(name.slice(2), value);
    } else if (['value', 'checked', 'selected', 'disabled', 'hidden'].includes(name)) {
      el[name] = value;
    } else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

// Appends strings as text nodes and nodes as they are; skips null/false.
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// Ids for label/for and aria-describedby pairs.
let nextId = 0;
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

// A labelled, keyboard-focusable scroll container for a wide table.
export function tableWrap(label, table) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}

// A data table. columns: [{label, cls}]; rows: [{attrs, cells: [content...]}].
// Each cell carries its column's label (data-label), which the phone layout
// shows beside the value when rows stack as cards; the explicit roles keep the
// table's semantics when CSS changes its display.
export function dataTable({ cls, caption, columns, rows }) {
  return h('table', { class: `data ${cls}`, role: 'table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' },
      columns.map((c) => h('th', { scope: 'col', role: 'columnheader', class: c.cls }, c.label)))),
    h('tbody', { role: 'rowgroup' }, rows.map((r) => h('tr', { role: 'row', ...r.attrs },
      r.cells.map((cell, i) => h('td', { role: 'cell', class: columns[i].cls, 'data-label': columns[i].label }, cell))))));
}

const numberFormat = new Intl.NumberFormat('en');
export function fmtNum(n) {
  return n === null || n === undefined ? '–' : numberFormat.format(n);
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function fmtDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// An RFC 3339 time as a <time> element: local, to the second; the UTC value in
// its datetime attribute and title.
export function timeEl(iso) {
  if (!iso) return h('span', { class: 'muted' }, '–');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, iso);
  const pad = (n) => String(n).padStart(2, '0');
  const local =
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return h('time', { datetime: iso, title: iso }, local);
}

// Seconds between two RFC 3339 times (the second defaults to now).
export function secondsBetween(from, to) {
  if (!from) return NaN;
  const end = to ? new Date(to).getTime() : Date.now();
  return (end - new Date(from).getTime()) / 1000;
}

const STATUS_LABELS = {
  pending: 'Pending',
  running: 'Running',
  completed: 'Completed',
  completed_with_errors: 'Completed with errors',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
export const STATUSES = Object.keys(STATUS_LABELS);
export function statusLabel(status) {
  return Object.hasOwn(STATUS_LABELS, status) ? STATUS_LABELS[status] : status;
}

// The status as a badge whose text says it (colour only repeats it).
export function statusBadge(status) {
  const known = Object.hasOwn(STATUS_LABELS, status);
  return h(
    'span',
    { class: `badge badge-${known ? status : 'unknown'}`, 'data-status': status },
    known ? STATUS_LABELS[status] : status,
  );
}

export function isActive(status) {
  return status === 'pending' || status === 'running';
}

// A short description list: [[term, value(s)], ...].
export function dl(rows, cls = 'facts') {
  const list = h('dl', { class: cls });
  for (const [term, value] of rows) {
    list.append(h('div', {}, h('dt', {}, term), h('dd', {}, value)));
  }
  return list;
}

export function setTitle(text) {
  document.title = `${text} · skillsync console`;
}
