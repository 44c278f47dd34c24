// Polling that runs only while the tab is visible: a view's refresh runs every
// INTERVAL_MS, stops while document.hidden, refreshes at once when the tab
// shows again, and never overlaps itself.
export const INTERVAL_MS = 2000;

export function startPolling(refresh) {
  let timer = null;
  let running = false;
  let stopped = false;

  const schedule = () => {
    clearTimeout(timer);
    timer = null;
    if (!stopped && !document.hidden) timer = setTimeout(tick, INTERVAL_MS);
  };
  async function tick() {
    if (running || stopped) return;
    running = true;
    try {
      await refresh();
    } catch (e) {
      // The view shows its own errors; polling goes on.
    } finally {
      running = false;
      schedule();
    }
  }
  const onVisibility = () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else tick();
  };
  document.addEventListener('visibilitychange', onVisibility);
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
