// The lifetime of one engine: every listener, observer, timer, lock and
// hook it sets up ends when it stops (a failed start, a retried init(), a
// trap), so nothing of a stopped engine keeps running in the page.
//
// Listeners take one AbortSignal; what has no signal (an observer, an
// interval, a CMP's listener id) registers how to end it. Functions of the
// page that Kizuna wraps (history.pushState, dataLayer.push) are wrapped
// once for the page, whatever number of engines come and go: each engine
// subscribes to the one wrapper and unsubscribes when it stops.

/** A lifetime: `on()` listens until `stop()`; `end(fn)` runs at `stop()`. */
export function lifetime() {
  let controller = null;
  try {
    controller = new AbortController();
  } catch (_) { /* a browser without it: listeners are removed one by one */ }
  const ends = [];
  const life = {
    over: false,
    /** `target.addEventListener(type, fn, options)` for this lifetime. */
    on(target, type, fn, options) {
      const o = typeof options === 'object' && options ? { ...options } : { capture: !!options };
      if (controller) o.signal = controller.signal;
      else ends.push(() => target.removeEventListener(type, fn, o));
      target.addEventListener(type, fn, o);
    },
    /** Runs `fn` when the lifetime ends. */
    end(fn) {
      if (life.over) fn();
      else ends.push(fn);
    },
    /** Ends every listener and hook (once; a second call does nothing). */
    stop() {
      if (life.over) return;
      life.over = true;
      if (controller) controller.abort();
      for (const fn of ends.splice(0)) {
        try { fn(); } catch (_) { /* ending one hook must not keep the others */ }
      }
    },
  };
  return life;
}

const HOOKS = typeof WeakMap === 'function' ? new WeakMap() : null;

/**
 * Calls `after(args)` after every call of `owner[method]` for as long as
 * `life` lasts. The method is wrapped once per owner and method, however
 * many lifetimes subscribe; the wrapper calls the original first and
 * returns what it returned.
 */
export function hook(owner, method, life, after) {
  if (!HOOKS) return;
  let byMethod = HOOKS.get(owner);
  if (!byMethod) HOOKS.set(owner, (byMethod = {}));
  let subscribers = byMethod[method];
  if (!subscribers) {
    subscribers = byMethod[method] = new Set();
    const original = owner[method];
    const wrapped = function () {
      const result = original.apply(this, arguments);
      for (const s of [...subscribers]) {
        try { s(arguments); } catch (_) { /* a subscriber's failure is not the page's */ }
      }
      return result;
    };
    owner[method] = wrapped;
  }
  subscribers.add(after);
  life.end(() => subscribers.delete(after));
}
