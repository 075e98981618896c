// What may not survive when a variant's template is rendered (by slots.js
// before first paint, or by the personalization edge): held to the golden
// cases of tests/fixtures/sanitize.json. Inline styles and <style> stay
// (a variant is the site's own markup); what could run code goes.

const UNSAFE_ELEMENTS = ['script', 'object', 'embed', 'base', 'meta', 'frameset', 'frame'];

/** Elements removed with their content. */
export function isUnsafeElement(tag) {
  return UNSAFE_ELEMENTS.includes(String(tag).toLowerCase());
}

/**
 * Event handlers, `srcdoc`, URLs with an executable scheme, `data:` URLs
 * other than an image's picture, and `blob:` documents in frames.
 */
export function isUnsafeAttribute(name, value, tag = '') {
  const n = String(name).toLowerCase();
  if (n.length > 2 && n.startsWith('on')) return true;
  if (n === 'srcdoc') return true;
  // Browsers ignore whitespace and control characters inside a scheme.
  const squeezed = String(value).replace(/[\u0000-\u0020]/g, '').toLowerCase().slice(0, 16);
  const t = String(tag).toLowerCase();
  if (squeezed.startsWith('data:')) return !((t === 'img' || t === 'source') && squeezed.startsWith('data:image/'));
  if (squeezed.startsWith('blob:')) return t === 'iframe';
  return squeezed.startsWith('javascript:') || squeezed.startsWith('vbscript:');
}

/** Removes from a fragment every element and attribute that could run code. */
export function sanitize(fragment) {
  for (const el of Array.from(fragment.querySelectorAll('*'))) {
    if (isUnsafeElement(el.tagName)) {
      el.remove();
      continue;
    }
    for (const name of el.getAttributeNames()) {
      if (isUnsafeAttribute(name, el.getAttribute(name), el.tagName)) el.removeAttribute(name);
    }
  }
}
