// The pre-paint script of the script-tag setup (dist/kizuna/slots.js),
// loaded synchronously in <head> after the snippet:
//
//   <script src="/kizuna/slots.js"></script>
//
// While the page parses, it renders each slot the visitor already has a
// kept (sticky) assignment for, before the slot is first painted, and hides
// each undecided slot for at most 300 ms, until the SDK decides it. It only
// reads what Kizuna stored; it decides nothing, sends nothing, writes no
// storage, and does nothing at all without personalization consent.
import { sanitize } from './sanitize.js';

const HOLD_MS = 300;

(function prepaint() {
  const script = document.currentScript;
  const name = (script && script.dataset.global) || 'kizuna';
  // The loader loads the personalization module on pages with this script.
  window.__kizunaSlots = true;
  const read = (key) => {
    try {
      return JSON.parse(localStorage.getItem(key));
    } catch (_) {
      return null;
    }
  };
  const consent = read('kizuna:consent');
  const chosen = consent && consent.v === 1 && consent.categories ? consent.categories.personalization : 'unknown';
  // Opt-out mode is said by the page's kizuna('init', …), which runs after
  // this script (or by data-consent-mode on its tag): it is looked up when
  // the first slot is met, by then parsed, not now.
  let allowed = null;
  const personalizing = () => {
    if (allowed === null) {
      const queue = (window[name] && window[name].q) || [];
      const init = queue.find((call) => call[4] && call[4][0] === 'init');
      const mode = (script && script.dataset.consentMode) || (init && init[4][1] && init[4][1].consent && init[4][1].consent.mode);
      allowed = chosen === 'granted' || (chosen === 'unknown' && mode === 'opt-out');
    }
    return allowed;
  };
  if (chosen === 'denied') return;

  const profile = read('kizuna:profile');
  const assigned = new Map();
  if (profile && profile.v === 1 && Array.isArray(profile.slots)) {
    // [slot, variant, configHash, propensity] (a fifth item, written before 0.2, is always false)
    for (const s of profile.slots) if (Array.isArray(s)) assigned.set(s[0], s[1]);
  }
  const done = new WeakSet();

  function reveal(slot) {
    slot.removeAttribute('data-kz-pending');
    slot.style.removeProperty('visibility');
  }

  function render(slot, template, variant) {
    const fragment = template.content.cloneNode(true);
    sanitize(fragment);
    const defaults = [];
    for (const n of Array.from(slot.childNodes)) {
      if (n.nodeName !== 'TEMPLATE') {
        defaults.push(n);
        slot.removeChild(n);
      }
    }
    slot.__kzDefault = defaults;
    slot.appendChild(fragment);
    slot.setAttribute('data-kz-prerendered', variant);
    if (slot.hasAttribute('data-kz-pending')) reveal(slot);
  }

  const held = new WeakSet();

  // Hides a slot until it is rendered. An undecided slot waits for Kizuna
  // 300 ms at most (`timed`); a slot whose kept variant's template is not
  // parsed yet waits for it, as long as the document is being parsed.
  function hold(slot, timed) {
    if (held.has(slot)) return;
    held.add(slot);
    slot.setAttribute('data-kz-pending', '');
    slot.style.visibility = 'hidden';
    if (timed) release(slot);
  }

  function release(slot) {
    setTimeout(() => {
      if (!slot.hasAttribute('data-kz-pending')) return;
      done.add(slot); // too late now: the default shows, and stays this page view
      reveal(slot);
      slot.setAttribute('data-kz-late', '');
    }, HOLD_MS);
  }

  function visit(slot) {
    if (done.has(slot) || !personalizing()) return;
    const slotName = slot.getAttribute('data-kz-slot');
    if (!assigned.has(slotName)) {
      done.add(slot);
      hold(slot, true);
      return;
    }
    const variant = assigned.get(slotName);
    if (variant === null) {
      done.add(slot); // kept default (holdout): shown as it is
      return;
    }
    const template = Array.from(slot.children).find((c) => c.tagName === 'TEMPLATE' && c.getAttribute('data-kz-variant') === variant);
    // A template is complete once something after it has been parsed (its
    // content may still be arriving while the parser is inside it).
    const complete = template && (template.nextSibling || slot.nextSibling || document.readyState !== 'loading');
    if (!complete) {
      // Not parsed yet: hold the slot (the default must not be painted
      // first); the next mutation tries again.
      hold(slot, false);
      return;
    }
    done.add(slot);
    render(slot, template, variant);
  }

  const scan = () => document.querySelectorAll('[data-kz-slot]').forEach(visit);
  const observer = new MutationObserver(scan);
  observer.observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener('DOMContentLoaded', () => {
    scan();
    observer.disconnect();
    if (!personalizing()) return;
    // A kept variant whose template never came: from now on held like an
    // undecided slot, until Kizuna decides it (300 ms at most).
    document.querySelectorAll('[data-kz-slot]').forEach((slot) => {
      if (!done.has(slot)) {
        done.add(slot);
        if (held.has(slot)) release(slot);
        else hold(slot, true);
      }
    });
  });
})();
