// Journeys and surveys at the edge (the engage build only): shows the
// message or NPS survey the engine says is due (src/engine/personalize/
// journeys.rs has the rules and caps), reports exit intent, closing and
// answers, and adds the "why am I seeing this?" affordance to every
// journey and to any slot that opts in with `data-kz-why`.
//
// Built from DOM nodes (never HTML strings); styled by one constructed
// stylesheet whose selectors are all inside :where() (no specificity: any
// rule of the site's wins), so nothing needs 'unsafe-inline' under a strict
// CSP. Class names: kz-journey, kz-survey, kz-why, kz-close…

import { lit } from './capture.js';

const CSS = `
:where(.kz-journey){position:fixed;z-index:2147483000;right:16px;bottom:16px;max-width:360px;background:#fff;color:#111;
border:1px solid #ccc;border-radius:8px;padding:12px 40px 12px 16px;box-shadow:0 4px 16px rgba(0,0,0,.15);font:14px/1.4 system-ui,sans-serif}
:where(.kz-close){position:absolute;top:6px;right:6px;border:0;background:none;font-size:20px;line-height:1;cursor:pointer;padding:4px 8px}
:where(.kz-why){border:0;background:none;color:#555;text-decoration:underline;cursor:pointer;padding:0;font-size:12px}
:where(.kz-why-text){font-size:12px;color:#555;margin:6px 0 0}
:where(.kz-survey fieldset){border:0;margin:0;padding:0}
:where(.kz-scores){display:flex;gap:2px;margin:8px 0 2px}
:where(.kz-scores label){flex:1;text-align:center;border:1px solid #bbb;border-radius:4px;padding:4px 0;cursor:pointer}
:where(.kz-scores input){position:absolute;opacity:0;width:1px;height:1px}
:where(.kz-scores input:checked+span){font-weight:700;text-decoration:underline}
:where(.kz-scores label:focus-within){outline:2px solid #1a73e8}
:where(.kz-ends){display:flex;justify-content:space-between;font-size:11px;color:#555}
:where(.kz-survey textarea){width:100%;box-sizing:border-box;margin:6px 0}
:where(.kz-slot-why){margin:2px 0 8px}`;

let styled = false;
function style() {
  if (styled) return;
  styled = true;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch (_) { /* no constructed stylesheets: unstyled, the site's CSS still applies */ }
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

let ids = 0;

// Kizuna's own controls are left out of autotrack (their answers are the
// Journey/Survey events): no Button Clicked for Send or Close, no Form
// Started/Submitted for the survey in the site's form figures. A link a
// message carries is the site's navigation and is still a link click.
const OWN = 'data-kz-no-capture';

// What a visitor reads under "Why am I seeing this?": plain words, from
// what the engine decided (the statistics stay in kz.explain()).
const BECAUSE = {
  'cart-abandoned': 'Because something is still waiting in your cart.',
  'dormant-return': 'Because you are back after a while.',
  'first-purchase': 'Because you just made your first purchase.',
  order: 'Because you just placed an order.',
  'nth-session': 'Because you have visited a few times.',
  'exit-intent': 'Because you looked like you were about to leave.',
};

/** A slot's decision in plain words. */
export function plainWhy(d) {
  if (!d) return '';
  if (d.topic) return 'Because you looked at ' + d.topic + '.';
  if (!d.variant) return 'Every visitor sees this here.';
  return d.reason === 'thompson' ? 'Suggested while we learn what visitors like.' : 'Suggested for visitors like you.';
}

/** The "why am I seeing this?" button and its sentence, with a link to forget the profile. */
function why(explanation, forget) {
  const id = 'kz-why-' + (++ids);
  const text = el('p', { class: 'kz-why-text', id, hidden: '', [OWN]: '' }, explanation + ' ');
  const button = el('button', { type: 'button', class: 'kz-why', 'aria-expanded': 'false', 'aria-controls': id, [OWN]: '', text: 'Why am I seeing this?' });
  const forgetLink = el('button', { type: 'button', class: 'kz-why kz-forget', text: 'Forget my profile' });
  forgetLink.addEventListener('click', forget);
  text.append(forgetLink);
  button.addEventListener('click', () => {
    const open = text.hidden;
    text.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  });
  return [button, text];
}

/** The journeys part of the personalization edge. */
export function journeys({ cross, life }) {
  let box = null;
  let exitSent = false;
  let api = null;
  const forget = () => { if (api) api.forget(); if (box) close(false); };

  function close(report) {
    if (!box) return;
    if (report) cross([['u', lit(box.kzJourney)]]);
    box.remove();
    box = null;
  }

  function show(j) {
    close(false);
    style();
    const closeButton = el('button', { type: 'button', class: 'kz-close', 'aria-label': 'Close', [OWN]: '', text: '×' });
    closeButton.addEventListener('click', () => close(true));
    const [whyButton, whyText] = why(BECAUSE[j.trigger] || 'Because of how you use this site.', forget);
    if (j.survey) {
      const q = 'kz-q-' + (++ids);
      const scores = el('div', { class: 'kz-scores' });
      for (let s = 0; s <= 10; s++) {
        scores.append(el('label', {}, el('input', { type: 'radio', name: q, value: String(s), 'aria-label': String(s) }), el('span', { text: String(s) })));
      }
      const comment = el('textarea', { rows: '2', maxlength: '1000', 'aria-label': 'Anything you would like to add? (optional)', placeholder: 'Anything you would like to add? (optional)' });
      const submit = el('button', { type: 'submit', class: 'kz-submit', disabled: '', text: 'Send' });
      const form = el('form', { class: 'kz-survey-form', [OWN]: '' },
        el('fieldset', {}, el('legend', { id: q, text: j.message }), scores,
          el('div', { class: 'kz-ends', 'aria-hidden': 'true' }, el('span', { text: 'Not likely' }), el('span', { text: 'Very likely' }))),
        comment, submit);
      form.addEventListener('change', () => { submit.disabled = !form.querySelector('input:checked'); });
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const checked = form.querySelector('input:checked');
        if (!checked) return;
        cross([['U', lit(j.journey), Number(checked.value), lit(comment.value)]]);
        box.replaceChildren(el('p', { role: 'status', text: 'Thank you!' }));
        const done = box;
        setTimeout(() => { if (box === done) close(false); }, 2500);
      });
      box = el('div', { class: 'kz-journey kz-survey', role: 'dialog', 'aria-labelledby': q }, form, whyButton, whyText, closeButton);
    } else {
      const text = el('p', { class: 'kz-journey-text' }, j.message);
      if (j.link) text.append(' ', el('a', { href: j.link, class: 'kz-journey-link', text: '→' }));
      box = el('div', { class: 'kz-journey', role: 'region', 'aria-label': 'Message', 'aria-live': 'polite' }, text, whyButton, whyText, closeButton);
    }
    box.kzJourney = j.journey;
    box.setAttribute('data-kz-journey', j.journey);
    box.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(true); });
    document.body.append(box);
  }

  // Exit intent: the pointer leaves through the top edge (towards the tabs), once a document.
  life.on(document, 'mouseout', (e) => {
    if (!exitSent && !e.relatedTarget && e.clientY <= 0) {
      exitSent = true;
      cross([['x']]);
    }
  });

  // Slots that opt in get the affordance right after them (not inside:
  // rendering a variant replaces a slot's content, and a click in it
  // would count as a click on the slot).
  function slotWhys() {
    for (const slot of document.querySelectorAll('[data-kz-slot][data-kz-why]')) {
      const next = slot.nextElementSibling;
      if (next && next.classList.contains('kz-slot-why')) continue;
      const name = slot.getAttribute('data-kz-slot');
      style();
      const [button, text] = why('', forget);
      button.addEventListener('click', () => { text.firstChild.textContent = (api ? plainWhy(api.decide(name)) : '') + ' '; });
      slot.after(el('div', { class: 'kz-slot-why', 'data-kz-why-for': name }, button, text));
    }
  }

  return {
    page() {
      // A message stays on an SPA's next route (the engine shows at most one a document).
      setTimeout(slotWhys, 0);
      return [];
    },
    answer(k, f) {
      if (k !== 'J') return undefined;
      const j = JSON.parse(f[1]);
      // Shown after the crossing: a message is page content, not part of the answer.
      setTimeout(() => show(j), 0);
      return undefined;
    },
    bind(a) { api = a; },
    api: {},
  };
}
