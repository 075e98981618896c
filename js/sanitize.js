// What may not survive when a variant's template is rendered before the
// wasm has loaded (slots.js): the same rules as the core's
// src/core/personalize/sanitize.rs, held to the same golden cases
// (tests/fixtures/sanitize.json) by tests on both sides.

const UNSAFE_ELEMENTS = ['script', 'object', 'embed', 'base', 'meta', 'frameset', 'frame'];

/** Elements removed with their content. */
export function isUnsafeElement(tag) {
  return UNSAFE_ELEMENTS.includes(String(tag).toLowerCase());
}

/** Event handlers, `srcdoc`, and URLs with an executable scheme. */
export function isUnsafeAttribute(name, value) {
  const n = String(name).toLowerCase();
  if (n.length > 2 && n.startsWith('on')) return true;
  if (n === 'srcdoc') return true;
  // Browsers ignore whitespace and control characters inside a scheme.
  const squeezed = String(value).replace(/[\u0000-\u0020]/g, '').toLowerCase().slice(0, 16);
  return squeezed.startsWith('javascript:') || squeezed.startsWith('vbscript:') || squeezed.startsWith('data:text/html');
}

/** Removes from a fragment every element and attribute that could run code. */
export function sanitize(fragment) {
  for (const el of Array.from(fragment.querySelectorAll('*'))) {
    if (isUnsafeElement(el.tagName)) {
      el.remove();
      continue;
    }
    for (const name of el.getAttributeNames()) {
      if (isUnsafeAttribute(name, el.getAttribute(name))) el.removeAttribute(name);
    }
  }
}
