// The console's entry point: sign in with an API key, find what the key may do,
// and show the view the location's hash names:
//   #/tasks[?status=&entity_type=]   #/tasks/{task_id}   #/new   #/events[?employee=]
import { api, clearKey, getKey, probeWrite, setKey, setUnauthorizedHandler, TASKS_PATH } from './api.js';
import { clear, h, setTitle, uid } from './dom.js';
import { eventsView } from './events.js';
import { newTaskView } from './new_task.js';
import { taskView } from './task.js';
import { tasksView } from './tasks.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const session = document.getElementById('session');
const scopeBadge = document.getElementById('scope');
const toast = document.getElementById('toast');

const ctx = { canWrite: false, signedIn: false, notify };
let cleanup = () => {};

// Short messages for everyone: the toast region is aria-live.
let toastTimer = null;
function notify(message, isError = false) {
  toast.textContent = message;
  toast.classList.toggle('error', isError);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.textContent = ''; }, 6000);
}

function route() {
  const hash = location.hash || '#/tasks';
  const [path, search = ''] = hash.slice(1).split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'tasks' && parts.length === 2) {
    let id = parts[1];
    try {
      id = decodeURIComponent(id);
    } catch (e) {
      // Not percent-encoding: the id as written (the API answers 404).
    }
    return (m) => taskView(m, ctx, id);
  }
  if (parts[0] === 'new') return (m) => newTaskView(m, ctx);
  if (parts[0] === 'events') return (m) => eventsView(m, ctx, params);
  return (m) => tasksView(m, ctx, params);
}

function highlightNav() {
  const section = (location.hash.split('/')[1] || 'tasks').split('?')[0];
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function show() {
  cleanup();
  cleanup = () => {};
  if (!getKey()) return signIn();
  highlightNav();
  cleanup = route()(main) || (() => {});
  // Keyboard and screen reader users land on the new view's heading.
  main.querySelector('h1')?.focus({ preventScroll: true });
}

function setSignedIn(signedIn) {
  ctx.signedIn = signedIn;
  nav.hidden = !signedIn;
  session.hidden = !signedIn;
  for (const el of document.querySelectorAll('[data-write]')) el.hidden = !ctx.canWrite;
  scopeBadge.textContent = ctx.canWrite ? 'read and write' : 'read only';
}

function signIn(reason) {
  setSignedIn(false);
  setTitle('Sign in');
  const id = uid('key');
  const errorId = `${id}-error`;
  const input = h('input', { id, name: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': `${id}-hint` });
  const error = h('p', { class: 'field-error', id: errorId, hidden: !reason }, reason || '');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'sign-in card' },
    h('h1', { tabindex: '-1' }, 'Sign in'),
    h('div', { class: 'field' },
      h('label', { for: id }, 'API key'),
      input,
      h('p', { class: 'hint', id: `${id}-hint` }, 'Paste a key made with ', h('code', {}, 'skillsync keys create'), '. It is kept in this tab only and forgotten when you sign out or close the tab.'),
      error),
    button);
  if (reason) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${id}-hint ${errorId}`);
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    button.disabled = true;
    setKey(key);
    try {
      await api(`${TASKS_PATH}?limit=1`);
      ctx.canWrite = await probeWrite();
      input.value = '';
      setSignedIn(true);
      if (!location.hash.startsWith('#/')) location.hash = '#/tasks';
      show();
    } catch (err) {
      clearKey();
      button.disabled = false;
      error.hidden = false;
      error.textContent = err.status === 401 ? 'This API key was not accepted.' : err.status === 403 ? 'This API key may not read (it lacks the read scope).' : `Cannot sign in: ${err.message}`;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `${id}-hint ${errorId}`);
      input.focus();
    }
  });
  clear(main).append(form);
  input.focus();
}

function signOut(reason) {
  cleanup();
  cleanup = () => {};
  clearKey();
  ctx.canWrite = false;
  signIn(reason);
}

// A key refused while signed in (revoked meanwhile): back to the sign-in form.
setUnauthorizedHandler(() => {
  if (ctx.signedIn) signOut('The API key is no longer accepted (revoked or unknown): sign in again.');
});
// The skip link moves focus without touching the hash (which names the view).
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
document.getElementById('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#/') || location.hash === '') show();
});

async function start() {
  if (!getKey()) return signIn();
  try {
    ctx.canWrite = await probeWrite();
  } catch (e) {
    ctx.canWrite = false;
  }
  if (!getKey()) return undefined; // the probe found the key revoked
  setSignedIn(true);
  return show();
}
start();
