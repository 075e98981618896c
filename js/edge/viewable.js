// Viewable impressions, for slots and recommended items alike: an element
// counts as seen once at least half of it has been in view for a second,
// once until the next reset (a page view).

const VIEWABLE_RATIO = 0.5;
const VIEWABLE_MS = 1000;

/** Calls `seen(element)` for each observed element that becomes viewable. */
export function viewability(seen) {
  const timers = new Map();
  let done = new WeakSet();
  let observer = null;
  try {
    observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const el = e.target;
        if (done.has(el)) continue;
        if (e.isIntersecting && e.intersectionRatio >= VIEWABLE_RATIO) {
          if (!timers.has(el)) timers.set(el, setTimeout(() => { timers.delete(el); done.add(el); seen(el); }, VIEWABLE_MS));
        } else if (timers.has(el)) {
          clearTimeout(timers.get(el));
          timers.delete(el);
        }
      }
    }, { threshold: VIEWABLE_RATIO });
  } catch (_) { /* no IntersectionObserver: no impressions */ }
  return {
    observe(el) { if (observer) observer.observe(el); },
    /** Forgets what was seen and stops watching (a new page view). */
    reset() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      done = new WeakSet();
      if (observer) observer.disconnect();
    },
  };
}
