// On-device personalization end to end: the script-tag page with slots
// (www/slots.html: snippet, www/slots-config.js, the pre-paint script
// dist/kizuna/slots.js, the async loader dist/kizuna/kizuna.js) and the demo
// shop (www/index.html, the npm way), in Chromium, with the local collector.
//
// What the visitor SEES is checked with a recorder installed at document
// start (context.addInitScript): a MutationObserver on the document and a
// requestAnimationFrame loop take a snapshot of every slot on each mutation
// and before each frame is painted (visibility, the data-kz-* attributes,
// the text of its non-template children, anything executable in it).
// Snapshots on mutations are taken in a microtask queued from the observer
// callback, i.e. after every observer of that delivery (the pre-paint
// script's included) has run: nothing can be painted in between, so a
// snapshot never shows a state the browser could not have painted.
//
//  1 no default flash for a kept (sticky) variant
//  2 undecided slots are hidden at most 300 ms; a late Kizuna does not flip
//  3 holdout
//  4 exposure events (Slot Viewed / Slot Clicked)
//  5 sanitizing (wasm render and pre-paint render)
//  6 consent (opt-in, grant, withdrawal)
//  7 forget()
//  8 the demo shop learns outerwear
//  9 slots parsed after Kizuna started (streamed/slow HTML)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, teardown, newPage, waitForReady, waitForEvents, waitAndSettle, waitUntil, collected, sleep, UUID_V4, ROOT, skipIn,
} from './helpers.mjs';

let env;
before(async () => { env = await setup('personalize'); });
after(async () => { await teardown(env); });

// ---------------------------------------------------------------------------
// Local helpers
// ---------------------------------------------------------------------------

/** Each slot of slots.html: its default's text and its variants' texts. */
const SLOTS = {
  hero: { defaultText: 'Welcome to the shop', variants: { shoes: 'Trail shoes, new season', outerwear: 'Rain jackets for the autumn' } },
  evil: { defaultText: 'Default evil slot', variants: { payload: 'Payload variantlink' } }, // the text, then #jslink's
  below: { defaultText: 'Below the fold (default)', variants: { only: 'Below the fold variant' } },
};
const SLOT_NAMES = Object.keys(SLOTS);
const HERO_VARIANTS = Object.keys(SLOTS.hero.variants);
const REASONS = ['no-consent', 'holdout', 'no-eligible-variant', 'only-eligible', 'sticky', 'thompson', 'late'];

/**
 * The recorder (runs at document start of every page of the context).
 * `window.__kzRec[slot]`: `{ appearedAt, firstFrame, states, prerenderedSeen,
 * pendingSeen, scriptSeen }`; each state is `{ at, wall, where, visibility,
 * shown, pending, late, prerendered, text, defaultIn, unsafe }` (a new one only
 * when something but the times changed). `at` is performance.now(), `wall`
 * Date.now().
 */
function recorder(slotDefaults) {
  if (location.pathname !== '/slots.html') return;
  const rec = {};
  window.__kzRec = rec;
  const squeeze = (s) => s.replace(/\s+/g, ' ').trim();
  const textOf = (slot) => squeeze(Array.from(slot.childNodes).filter((n) => n.nodeName !== 'TEMPLATE').map((n) => n.textContent).join(' '));
  const unsafeIn = (slot) => {
    const found = [];
    for (const el of slot.querySelectorAll('*')) {
      if (el.closest('template') || el.tagName === 'TEMPLATE') continue;
      if (el.tagName === 'SCRIPT') found.push('script');
      for (const name of el.getAttributeNames()) {
        if (/^on./i.test(name)) found.push(`${el.tagName.toLowerCase()}[${name}]`);
        if (/^\s*javascript:/i.test(el.getAttribute(name))) found.push(`${el.tagName.toLowerCase()}[${name}=javascript:]`);
      }
    }
    return found;
  };
  const snap = (where) => {
    for (const slot of document.querySelectorAll('[data-kz-slot]')) {
      const name = slot.getAttribute('data-kz-slot');
      const r = (rec[name] ??= { appearedAt: performance.now(), firstFrame: null, states: [], prerenderedSeen: null, pendingSeen: false, scriptSeen: false });
      const text = textOf(slot);
      const defaultText = slotDefaults[name];
      const s = {
        where,
        visibility: getComputedStyle(slot).visibility,
        shown: slot.getAttribute('data-kz-shown'),
        pending: slot.hasAttribute('data-kz-pending'),
        late: slot.hasAttribute('data-kz-late'),
        prerendered: slot.getAttribute('data-kz-prerendered'),
        text,
        // The default's own element, connected and inside the slot.
        defaultIn: Array.from(slot.children).some((c) => c.tagName !== 'TEMPLATE' && squeeze(c.textContent) === defaultText),
        unsafe: unsafeIn(slot),
      };
      if (s.prerendered !== null && r.prerenderedSeen === null) r.prerenderedSeen = s.prerendered;
      if (s.pending) r.pendingSeen = true;
      if (s.unsafe.includes('script')) r.scriptSeen = true;
      const key = JSON.stringify({ ...s, where: where.startsWith('raf') ? 'raf' : where });
      // The first frame that could paint the slot.
      if (where.startsWith('raf') && r.firstFrame === null) r.firstFrame = { ...s, at: performance.now(), wall: Date.now() };
      if (r.lastKey !== key) {
        r.lastKey = key;
        r.states.push({ ...s, at: performance.now(), wall: Date.now() });
      }
    }
  };
  new MutationObserver(() => {
    // The slot exists from the first mutation that shows it.
    for (const slot of document.querySelectorAll('[data-kz-slot]')) {
      const name = slot.getAttribute('data-kz-slot');
      rec[name] ??= { appearedAt: performance.now(), firstFrame: null, states: [], prerenderedSeen: null, pendingSeen: false, scriptSeen: false };
    }
    queueMicrotask(() => snap('mutation'));
  }).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  let frame = 0;
  const onFrame = () => {
    snap(`raf${frame}`);
    frame += 1;
    if (frame < 240) requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);
}
const SLOT_DEFAULTS = Object.fromEntries(SLOT_NAMES.map((n) => [n, SLOTS[n].defaultText]));

/** A fresh context (recording, unless `record: false`). */
async function fresh({ record = true } = {}) {
  const handle = await newPage(env.browser);
  if (record) await handle.context.addInitScript(recorder, SLOT_DEFAULTS);
  return handle;
}

/** Opens /slots.html`query` and waits until the live API replaced the snippet stub. */
async function openSlots(page, query = '') {
  await page.goto(`${env.collector.url}/slots.html${query}`);
  await page.waitForFunction(() => typeof window.kizuna === 'function' && typeof window.kizuna.decide === 'function', null, { timeout: 10_000 });
}

/** What each slot element shows now. */
async function slotState(page, name) {
  return page.evaluate((n) => {
    const slot = document.querySelector(`[data-kz-slot="${n}"]`);
    const squeeze = (s) => s.replace(/\s+/g, ' ').trim();
    return {
      shown: slot.getAttribute('data-kz-shown'),
      pending: slot.hasAttribute('data-kz-pending'),
      late: slot.hasAttribute('data-kz-late'),
      prerendered: slot.getAttribute('data-kz-prerendered'),
      visibility: getComputedStyle(slot).visibility,
      text: squeeze(Array.from(slot.childNodes).filter((c) => c.nodeName !== 'TEMPLATE').map((c) => c.textContent).join(' ')),
    };
  }, name);
}

const decide = (page, slot) => page.evaluate((s) => window.kizuna.decide(s), slot);
const recording = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__kzRec)));
const localStore = (page) => page.evaluate(() => Object.fromEntries(Object.keys(localStorage).sort().map((k) => [k, localStorage.getItem(k)])));

/**
 * localStorage once `ok(store)` holds (Kizuna may write a changed profile up
 * to a second later, in one write for a burst of changes).
 */
async function storedWhen(page, ok, what, timeoutMs = 2500) {
  let last;
  try {
    return await waitUntil(async () => {
      last = await localStore(page);
      return ok(last) ? last : null;
    }, timeoutMs, what);
  } catch (e) {
    throw new Error(`${e.message}; localStorage: ${JSON.stringify(last)}`);
  }
}
const profileIn = (store) => (store['kizuna:profile'] ? JSON.parse(store['kizuna:profile']) : null);

/** Reloads /slots.html`query` until decide(slot).reason is 'sticky' (at most `max` loads). */
async function loadUntilSticky(page, slot, query = '', max = 10) {
  for (let i = 1; i <= max; i++) {
    await openSlots(page, query);
    const d = await decide(page, slot);
    if (d.reason === 'sticky') return { loads: i, decision: d };
  }
  throw new Error(`'${slot}' was not sticky after ${max} page views`);
}

/** A decision as its exposure event carries it. */
const exposed = (d) => ({ slot: d.slot, variant: d.variant ?? 'default', holdout: d.holdout, reason: d.reason, propensity: d.propensity });

/** Collector events named `name` of visitor `id` (optionally for one slot). */
const exposures = (id, name, slot) => collected(env.collector)
  .map(({ event }) => event)
  .filter((e) => e.anonymousId === id && e.event === name && (slot === undefined || e.properties?.slot === slot));

function assertDecisionShape(d, slot) {
  // topic: only when the variant is about one of the visitor's interests.
  assert.deepEqual(Object.keys(d).filter((k) => k !== 'topic').sort(), ['explanation', 'holdout', 'propensity', 'reason', 'slot', 'variant']);
  if ('topic' in d) assert.ok(typeof d.topic === 'string' && d.topic && d.variant, `a topic names the shown variant's interest: ${JSON.stringify(d)}`);
  assert.equal(d.slot, slot);
  assert.ok(REASONS.includes(d.reason), `known reason: ${d.reason}`);
  assert.equal(typeof d.propensity, 'number');
  assert.ok(d.propensity > 0 && d.propensity <= 1, `propensity in (0, 1]: ${d.propensity}`);
  assert.equal(typeof d.holdout, 'boolean');
  assert.equal(typeof d.explanation, 'string');
  assert.ok(d.explanation.length > 10, `an explanation a person can read: ${d.explanation}`);
}

/** Every state recorded for a slot in which its default was visible. */
const defaultVisibleStates = (r) => r.states.filter((s) => s.visibility !== 'hidden' && s.defaultIn && s.text.includes(SLOTS.hero.defaultText));

/** Every state recorded in which `text` was in the slot while it was visible. */
const visibleWith = (r, text) => r.states.filter((s) => s.visibility !== 'hidden' && s.text.includes(text));

/** The DOM of a rendered slot, for the sanitizing checks. */
async function evilDom(page) {
  return page.evaluate(() => {
    const slot = document.querySelector('[data-kz-slot=evil]');
    const live = Array.from(slot.querySelectorAll('*')).filter((el) => !el.closest('template'));
    const link = slot.querySelector(':scope > p #jslink');
    return {
      scripts: live.filter((el) => el.tagName === 'SCRIPT').length,
      handlers: live.flatMap((el) => el.getAttributeNames().filter((n) => /^on/i.test(n)).map((n) => `${el.tagName}[${n}]`)),
      jsUrls: live.flatMap((el) => el.getAttributeNames().filter((n) => /^\s*javascript:/i.test(el.getAttribute(n))).map((n) => `${el.tagName}[${n}]`)),
      link: link ? { href: link.getAttribute('href'), text: link.textContent } : null,
      img: slot.querySelector(':scope > p img') ? slot.querySelector(':scope > p img').getAttribute('src') : null,
      pwned: typeof window.pwned === 'undefined' ? 'undefined' : String(window.pwned),
    };
  });
}

async function assertEvilSanitized(page, what) {
  const st = await slotState(page, 'evil');
  assert.equal(st.shown, 'payload', `${what}: the evil slot shows payload`);
  assert.ok(st.text.includes('Payload variant'), `${what}: 'Payload variant' is shown (${st.text})`);
  assert.ok(!st.text.includes('Default evil slot'), `${what}: the default is not shown`);
  await sleep(1000);
  let dom = await evilDom(page);
  assert.equal(dom.pwned, 'undefined', `${what}: nothing ran (window.pwned = ${dom.pwned})`);
  assert.equal(dom.scripts, 0, `${what}: no <script> in the rendered slot`);
  assert.deepEqual(dom.handlers, [], `${what}: no event handler attribute (onerror) in the rendered slot`);
  assert.deepEqual(dom.jsUrls, [], `${what}: no javascript: URL in the rendered slot`);
  assert.ok(dom.link, `${what}: #jslink is rendered`);
  assert.equal(dom.link.text, 'link');
  assert.ok(dom.link.href === null || !/^\s*javascript:/i.test(dom.link.href), `${what}: #jslink has no javascript: href (${dom.link.href})`);
  assert.equal(dom.img, '/nope.png', `${what}: the harmless rest of the variant stays (the img's src)`);
  await page.click('[data-kz-slot=evil] #jslink');
  await sleep(300);
  dom = await evilDom(page);
  assert.equal(dom.pwned, 'undefined', `${what}: clicking #jslink ran nothing`);
  assert.equal(new URL(page.url()).pathname, '/slots.html', `${what}: the click did not navigate`);
}

// ---------------------------------------------------------------------------
// 1. No default flash for a kept variant
// ---------------------------------------------------------------------------

test('1: a kept (sticky) variant is pre-rendered before the first paint: the default is never painted visible', async () => {
  const { context, page, pageErrors } = await fresh({ record: false });
  try {
    const { loads, decision: kept } = await loadUntilSticky(page, 'hero');
    assert.ok(loads >= 2 && loads <= 8, `sticky after ${loads} page views (5 units of topic evidence)`);
    assert.ok(HERO_VARIANTS.includes(kept.variant), `a variant is kept: ${kept.variant}`);
    const stored = profileIn(await storedWhen(page, (st) => profileIn(st)?.slots.some((a) => a[0] === 'hero' && a[1] === kept.variant),
      'the kept hero assignment in the stored profile'));
    const hero = stored.slots.find((s) => s[0] === 'hero');
    assert.equal(hero[1], kept.variant, 'the kept assignment is stored');
    assert.equal(hero.length, 4, '[slot, variant, config hash, propensity]');

    await context.addInitScript(recorder, SLOT_DEFAULTS);
    await openSlots(page);
    await sleep(400);
    const r = (await recording(page)).hero;
    assert.ok(r, 'the recorder saw the hero');
    assert.deepEqual(defaultVisibleStates(r), [], 'the default was never visible');
    assert.equal(r.prerenderedSeen, kept.variant, 'the pre-paint script rendered the kept variant (data-kz-prerendered)');
    assert.equal(r.pendingSeen, false, 'a kept slot is not held');
    assert.ok(r.firstFrame, 'the recorder saw the first frame');
    assert.equal(r.firstFrame.visibility, 'visible', 'visible at the first frame');
    assert.ok([r.firstFrame.prerendered, r.firstFrame.shown].includes(kept.variant),
      `the kept variant at the first frame: ${JSON.stringify(r.firstFrame)}`);
    assert.equal(r.firstFrame.text, SLOTS.hero.variants[kept.variant], 'its text at the first frame');
    assert.equal(r.firstFrame.defaultIn, false, 'the default element is out of the slot at the first frame');
    for (const s of r.states) {
      assert.ok(!s.text.includes(SLOTS.hero.defaultText), `never the default text, even hidden: ${JSON.stringify(s)}`);
      const other = HERO_VARIANTS.filter((v) => v !== kept.variant).map((v) => SLOTS.hero.variants[v]);
      assert.ok(!other.some((t) => s.text.includes(t)), `never another variant: ${JSON.stringify(s)}`);
    }
    const end = await slotState(page, 'hero');
    assert.equal(end.shown, kept.variant, 'the final shown variant is the kept one');
    assert.equal(end.text, SLOTS.hero.variants[kept.variant]);
    assert.equal(end.visibility, 'visible');
    assert.equal(end.prerendered, null, 'Kizuna adopted the pre-rendered variant');
    const d = await decide(page, 'hero');
    assertDecisionShape(d, 'hero');
    assert.equal(d.reason, 'sticky');
    assert.equal(d.variant, kept.variant);
    assert.equal(d.propensity, kept.propensity, 'the propensity it was chosen with is kept');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// 2. Undecided slots: hidden at most 300 ms, no flip by a late Kizuna
// ---------------------------------------------------------------------------

test('2: on a first visit the undecided hero is hidden until decided, never showing the default, for < 350 ms', async () => {
  const { context, page, pageErrors } = await fresh();
  try {
    await openSlots(page);
    await sleep(400);
    const r = (await recording(page)).hero;
    const d = await decide(page, 'hero');
    assertDecisionShape(d, 'hero');
    assert.ok(['thompson', 'only-eligible'].includes(d.reason), `decided now: ${d.reason}`);
    assert.ok(HERO_VARIANTS.includes(d.variant));
    assert.equal(r.pendingSeen, true, 'the pre-paint script held the slot (data-kz-pending)');
    assert.equal(r.states[0].visibility, 'hidden', `hidden from its first state: ${JSON.stringify(r.states[0])}`);
    assert.equal(r.states[0].pending, true);
    assert.equal(r.firstFrame?.visibility, 'hidden', 'hidden at the first frame');
    const firstShown = r.states.findIndex((s) => s.shown !== null);
    assert.ok(firstShown > 0, 'data-kz-shown appeared');
    for (const s of r.states.slice(0, firstShown)) {
      assert.equal(s.visibility, 'hidden', `hidden until decided: ${JSON.stringify(s)}`);
    }
    assert.deepEqual(defaultVisibleStates(r), [], 'the default was never visible');
    const visible = r.states.find((s) => s.visibility !== 'hidden');
    assert.equal(visible.shown, d.variant, 'it became visible with the decided variant');
    assert.equal(visible.pending, false);
    assert.equal(visible.late, false, 'not late');
    assert.equal(visible.text, SLOTS.hero.variants[d.variant]);
    const hiddenFor = visible.at - r.appearedAt;
    assert.ok(hiddenFor < 350, `hidden for ${hiddenFor.toFixed(0)} ms (< 350)`);
    const end = await slotState(page, 'hero');
    assert.deepEqual({ shown: end.shown, pending: end.pending, late: end.late, visibility: end.visibility },
      { shown: d.variant, pending: false, late: false, visibility: 'visible' });
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('2: with the wasm 800 ms late, the held slot shows its default after 300 ms (data-kz-late) and Kizuna does not flip it', async () => {
  const { context, page, pageErrors } = await fresh();
  try {
    let wasmAsked = 0;
    await page.route('**/kizuna.wasm', async (route) => {
      wasmAsked += 1;
      await sleep(800);
      await route.continue();
    });
    await page.goto(`${env.collector.url}/slots.html`);
    await sleep(450);
    // Kizuna has not started yet: the pre-paint script alone.
    assert.equal(await page.evaluate(() => typeof window.kizuna.decide), 'undefined', 'still the snippet stub');
    let r = (await recording(page)).hero;
    assert.equal(r.states[0].visibility, 'hidden', 'held first');
    const visible = r.states.find((s) => s.visibility !== 'hidden');
    assert.ok(visible, 'visible again before Kizuna came');
    const heldFor = visible.at - r.appearedAt;
    assert.ok(heldFor >= 280 && heldFor < 350, `held ${heldFor.toFixed(0)} ms (at most 300 ms)`);
    assert.equal(visible.late, true, 'data-kz-late');
    assert.equal(visible.pending, false);
    assert.equal(visible.shown, null, 'not decided');
    assert.equal(visible.text, SLOTS.hero.defaultText, 'the default is shown');
    assert.equal(visible.defaultIn, true);

    await page.waitForFunction(() => typeof window.kizuna.decide === 'function', null, { timeout: 10_000 });
    await sleep(300);
    assert.equal(wasmAsked, 1);
    for (const name of SLOT_NAMES) {
      const d = await decide(page, name);
      assertDecisionShape(d, name);
      assert.equal(d.reason, 'late', `${name}: reason late`);
      assert.equal(d.variant, null, `${name}: the default stays`);
      assert.equal(d.propensity, 1);
      assert.equal(d.holdout, false);
      const st = await slotState(page, name);
      assert.deepEqual({ shown: st.shown, late: st.late, pending: st.pending, visibility: st.visibility, text: st.text },
        { shown: 'default', late: true, pending: false, visibility: 'visible', text: SLOTS[name].defaultText }, `${name}: not flipped`);
    }
    r = (await recording(page)).hero;
    for (const v of HERO_VARIANTS) assert.deepEqual(visibleWith(r, SLOTS.hero.variants[v]), [], `never flipped to ${v}`);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// 3. Holdout
// ---------------------------------------------------------------------------

test('3: holdout: the default with holdout true, reason holdout, propensity 1; its Slot Viewed says so; kept without a hold', async () => {
  const { context, page, pageErrors } = await fresh();
  try {
    await openSlots(page, '?holdout');
    const id = await page.evaluate(() => window.kizuna.anonymousId());
    const d = await decide(page, 'hero');
    assertDecisionShape(d, 'hero');
    assert.deepEqual({ variant: d.variant, holdout: d.holdout, reason: d.reason, propensity: d.propensity },
      { variant: null, holdout: true, reason: 'holdout', propensity: 1 });
    assert.match(d.explanation, /holdout/);
    assert.match(await page.evaluate(() => window.kizuna.explain('hero')), /holdout/);
    const st = await slotState(page, 'hero');
    assert.deepEqual({ shown: st.shown, text: st.text, visibility: st.visibility }, { shown: 'default', text: SLOTS.hero.defaultText, visibility: 'visible' });
    const profile = await page.evaluate(() => window.kizuna.profile());
    assert.equal(profile.assignments.hero, null, 'the kept assignment is the default');
    // The other slots are not in a holdout.
    assert.equal((await decide(page, 'evil')).holdout, false);

    const [viewed] = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Slot Viewed' && e.properties.slot === 'hero', 5000);
    assert.deepEqual(viewed.properties, { slot: 'hero', variant: 'default', holdout: true, reason: 'holdout', propensity: 1 });
    const shownAt = (await recording(page)).hero.states.find((s) => s.shown !== null).wall;
    assert.ok(Date.parse(viewed.timestamp) - shownAt >= 990, `viewed ${Date.parse(viewed.timestamp) - shownAt} ms after it was shown`);
    await sleep(1200);
    assert.equal(exposures(id, 'Slot Viewed', 'hero').length, 1, 'one Slot Viewed for the page view');

    // The next page: the kept default is shown at once (no hold, no flash of anything else).
    await openSlots(page, '?holdout');
    await sleep(350);
    const r = (await recording(page)).hero;
    assert.equal(r.pendingSeen, false, 'a kept default is not held');
    for (const s of r.states) {
      assert.equal(s.visibility, 'visible', `visible throughout: ${JSON.stringify(s)}`);
      assert.equal(s.text, SLOTS.hero.defaultText, `the default throughout: ${JSON.stringify(s)}`);
    }
    const again = await decide(page, 'hero');
    assert.deepEqual({ variant: again.variant, holdout: again.holdout, reason: again.reason, propensity: again.propensity },
      { variant: null, holdout: true, reason: 'holdout', propensity: 1 });
    // Asked again on the page view: the same decision, each a copy of its own.
    const [first, second, third] = await page.evaluate(() => {
      const a = window.kizuna.decide('hero');
      const b = window.kizuna.decide('hero');
      a.variant = 'changed by the app';
      return [a, b, window.kizuna.decide('hero')];
    });
    assert.equal(first.variant, 'changed by the app');
    assert.deepEqual([second, third], [again, again], 'the same decision, unchanged by what the app did to its copy');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// 4. Exposure events
// ---------------------------------------------------------------------------

/**
 * Scrolls the window so that the middle of `selector`'s element is in the
 * middle of the viewport, as `scrollIntoView({ block: 'center' })` does;
 * returns the page's Date.now() then.
 * Not scrollIntoView itself: Firefox keeps the element as its scroll target
 * and scrolls back to it at the next layout, undoing the test's
 * `scrollTo(0, 0)` (the slot below the fold stayed in view 1.3 s after a
 * "glance" of 400 ms).
 */
function centerInView(selector) {
  const r = document.querySelector(selector).getBoundingClientRect();
  window.scrollTo(0, window.scrollY + r.top + r.height / 2 - window.innerHeight / 2);
  return Date.now(); // when it was scrolled to
}

test('4: Slot Viewed once per page view after 1 s in view (below the fold only once scrolled to for 1 s); Slot Clicked', async () => {
  const { context, page, pageErrors } = await fresh();
  try {
    await openSlots(page);
    const id = await page.evaluate(() => window.kizuna.anonymousId());
    const hero = await decide(page, 'hero');
    assertDecisionShape(hero, 'hero');

    const [viewed] = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Slot Viewed' && e.properties.slot === 'hero', 5000);
    assert.deepEqual(viewed.properties, exposed(hero), 'the decision fields');
    assert.equal(viewed.type, 'track');
    assert.ok(viewed.properties.propensity > 0 && viewed.properties.propensity <= 1);
    const rec = await recording(page);
    const heroVisibleAt = rec.hero.states.find((s) => s.visibility !== 'hidden' && s.shown !== null).wall;
    const after = Date.parse(viewed.timestamp) - heroVisibleAt;
    assert.ok(after >= 990, `Slot Viewed ${after} ms after the hero showed (>= 1 s)`);
    const evilViewed = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Slot Viewed' && e.properties.slot === 'evil', 3000);
    assert.deepEqual(evilViewed[0].properties, exposed(await decide(page, 'evil')));

    // Below the fold: nothing while out of view, nothing for a glance of 400 ms.
    await sleep(1000);
    assert.equal(exposures(id, 'Slot Viewed', 'hero').length, 1, 'exactly one for the hero');
    assert.equal(exposures(id, 'Slot Viewed', 'below').length, 0, 'none for the slot below the fold');
    await page.evaluate(centerInView, '[data-kz-slot=below]');
    await sleep(400);
    await page.evaluate(() => window.scrollTo(0, 0));
    await sleep(1300);
    await page.evaluate(() => window.kizuna.flush());
    assert.equal(exposures(id, 'Slot Viewed', 'below').length, 0, 'none for 400 ms in view');

    const scrolledAt = await page.evaluate(centerInView, '[data-kz-slot=below]');
    const below = await decide(page, 'below');
    const belowViewed = await waitAndSettle(env.collector, (e) => e.anonymousId === id && e.event === 'Slot Viewed' && e.properties.slot === 'below', 5000, 1, 600);
    assert.equal(belowViewed.length, 1, 'exactly one once it stayed in view');
    assert.deepEqual(belowViewed[0].properties, exposed(below));
    assert.ok(Date.parse(belowViewed[0].timestamp) - scrolledAt >= 990, `${Date.parse(belowViewed[0].timestamp) - scrolledAt} ms after scrolling to it`);

    // A click inside the hero.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.click('[data-kz-slot=hero] > h2');
    const clicked = await waitAndSettle(env.collector, (e) => e.anonymousId === id && e.event === 'Slot Clicked', 5000, 1, 500);
    assert.equal(clicked.length, 1, 'one Slot Clicked');
    assert.deepEqual(clicked[0].properties, exposed(hero), 'with the decision fields');
    assert.equal(exposures(id, 'Slot Viewed', 'hero').length, 1, 'still one Slot Viewed for the hero');

    // A second page view: one more Slot Viewed each for the slots in view.
    await page.evaluate(() => window.kizuna('page'));
    const hero2 = await decide(page, 'hero');
    const heroViews = await waitAndSettle(env.collector, (e) => e.anonymousId === id && e.event === 'Slot Viewed' && e.properties.slot === 'hero', 5000, 2, 800);
    assert.equal(heroViews.length, 2, 'the second page view allows one more');
    assert.deepEqual(heroViews[1].properties, exposed(hero2));
    assert.equal(exposures(id, 'Slot Viewed', 'evil').length, 2);
    assert.equal(exposures(id, 'Slot Viewed', 'below').length, 1, 'below stays out of view');
    const all = collected(env.collector).map(({ event }) => event).filter((e) => e.anonymousId === id && e.event?.startsWith('Slot '));
    for (const e of all) {
      assert.deepEqual(Object.keys(e.properties).sort(), ['holdout', 'propensity', 'reason', 'slot', 'variant']);
      assert.ok(REASONS.includes(e.properties.reason));
    }
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// 5. Sanitizing
// ---------------------------------------------------------------------------

test('5: the evil variant renders without its script, handler or javascript: URL (wasm render, then pre-paint render)', async () => {
  const { context, page, pageErrors } = await fresh();
  try {
    await openSlots(page);
    const first = await decide(page, 'evil');
    assert.equal(first.variant, 'payload');
    assert.equal(first.reason, 'only-eligible');
    assert.equal((await recording(page)).evil.prerenderedSeen, null, 'first visit: rendered by the wasm');
    await assertEvilSanitized(page, 'first visit');
    assert.equal((await recording(page)).evil.scriptSeen, false, 'no <script> was ever inserted');

    const { decision } = await loadUntilSticky(page, 'evil');
    assert.equal(decision.variant, 'payload');
    await openSlots(page);
    const r = (await recording(page)).evil;
    assert.equal(r.prerenderedSeen, 'payload', 'kept: rendered by the pre-paint script');
    assert.equal(r.scriptSeen, false, 'no <script> was ever inserted');
    for (const s of r.states) assert.deepEqual(s.unsafe, [], `nothing executable at any time: ${JSON.stringify(s)}`);
    await assertEvilSanitized(page, 'kept variant');

    // The pre-paint render alone (the wasm held back 800 ms).
    await page.route('**/kizuna.wasm', async (route) => { await sleep(800); await route.continue(); });
    await page.goto(`${env.collector.url}/slots.html`);
    await sleep(150);
    assert.equal(await page.evaluate(() => typeof window.kizuna.decide), 'undefined', 'Kizuna has not started');
    const pre = await page.evaluate(() => {
      const slot = document.querySelector('[data-kz-slot=evil]');
      return { prerendered: slot.getAttribute('data-kz-prerendered'), html: slot.innerHTML.replace(/<template[\s\S]*<\/template>/, '') };
    });
    assert.equal(pre.prerendered, 'payload');
    assert.ok(pre.html.includes('Payload variant'));
    assert.doesNotMatch(pre.html, /<script/i, 'slots.js dropped the script');
    assert.doesNotMatch(pre.html, /onerror/i, 'slots.js dropped the handler');
    assert.doesNotMatch(pre.html, /javascript:/i, 'slots.js dropped the javascript: URL');
    await sleep(900);
    assert.equal(await page.evaluate(() => typeof window.pwned), 'undefined');
    await page.waitForFunction(() => typeof window.kizuna.decide === 'function', null, { timeout: 10_000 });
    await assertEvilSanitized(page, 'pre-paint render, then Kizuna');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// 6. Consent
// ---------------------------------------------------------------------------

/** /slots.html?mode=opt-in, no choice, then personalization and analytics granted. */
async function optInThenGrant() {
  const handle = await fresh();
  const { page } = handle;
  const fetched = [];
  page.on('request', (r) => { if (/personalize\.(js|wasm)$/.test(new URL(r.url()).pathname)) fetched.push(new URL(r.url()).pathname); });
  await openSlots(page, '?mode=opt-in');
  await sleep(400);
  const fetchedBefore = [...fetched];
  const before = {};
  for (const name of SLOT_NAMES) before[name] = { d: await decide(page, name), st: await slotState(page, name) };
  const storedBefore = await localStore(page);
  const profileBefore = await page.evaluate(() => window.kizuna.profile());
  const rec = await recording(page);
  const state = await page.evaluate(() => window.kizuna.consent.set({ personalization: true, analytics: true }));
  // The grant loads the personalization module, which then decides.
  await page.waitForFunction((n) => window.kizuna.decide(n).reason !== 'no-consent', SLOT_NAMES[0], { timeout: 10_000 });
  const granted = {};
  for (const name of SLOT_NAMES) granted[name] = { d: await decide(page, name), st: await slotState(page, name) };
  return { ...handle, before, storedBefore, profileBefore, rec, state, granted, fetchedBefore, fetched };
}

test('6: opt-in with no choice shows every default (no-consent) and stores nothing; a grant decides, renders and stores a profile', async () => {
  const h = await optInThenGrant();
  try {
    for (const name of SLOT_NAMES) {
      const { d, st } = h.before[name];
      assertDecisionShape(d, name);
      assert.deepEqual({ variant: d.variant, reason: d.reason, holdout: d.holdout, propensity: d.propensity },
        { variant: null, reason: 'no-consent', holdout: false, propensity: 1 }, `${name} without a choice`);
      assert.deepEqual({ shown: st.shown, text: st.text, visibility: st.visibility, pending: st.pending },
        { shown: 'default', text: SLOTS[name].defaultText, visibility: 'visible', pending: false }, `${name} shows its default`);
      assert.equal(h.rec[name].pendingSeen, false, `${name}: the pre-paint script does nothing without consent (no hold)`);
    }
    assert.deepEqual(h.storedBefore, {}, 'nothing stored (no kizuna:profile)');
    assert.equal(h.profileBefore, null, 'profile() is null');
    assert.deepEqual(h.fetchedBefore, [], 'without consent the personalization module is not even fetched');
    assert.deepEqual([...h.fetched].sort(), ['/dist/kizuna/personalize.js', '/dist/kizuna/personalize.wasm'], 'the grant fetched it, once');

    assert.equal(h.state.personalization, 'granted');
    for (const name of SLOT_NAMES) {
      const { d, st } = h.granted[name];
      assertDecisionShape(d, name);
      assert.ok(['thompson', 'only-eligible'].includes(d.reason), `${name} decided: ${d.reason}`);
      assert.ok(Object.keys(SLOTS[name].variants).includes(d.variant), `${name}: ${d.variant}`);
      assert.deepEqual({ shown: st.shown, text: st.text, visibility: st.visibility },
        { shown: d.variant, text: SLOTS[name].variants[d.variant], visibility: 'visible' }, `${name} renders its variant`);
    }
    const stored = await storedWhen(h.page, (st) => st['kizuna:profile'], 'a stored profile');
    const profile = JSON.parse(stored['kizuna:profile']);
    assert.equal(profile.v, 1);
    assert.deepEqual(profile.slots.map((s) => [s[0], s[1]]).sort(), SLOT_NAMES.map((n) => [n, h.granted[n].d.variant]).sort());
    const api = await h.page.evaluate(() => window.kizuna.profile());
    assert.ok(api, 'profile() is not null');
    assert.deepEqual(api.assignments, Object.fromEntries(SLOT_NAMES.map((n) => [n, h.granted[n].d.variant])));
    assert.deepEqual(h.pageErrors, []);
  } finally {
    await h.context.close();
  }
});

test('6: withdrawing personalization deletes the profile; every slot says default, decide() says no-consent', async () => {
  const h = await optInThenGrant();
  try {
    assert.equal(h.granted.hero.st.shown, h.granted.hero.d.variant, 'a variant showed before the withdrawal');
    const state = await h.page.evaluate(() => window.kizuna.consent.set({ personalization: false }));
    assert.equal(state.personalization, 'denied');
    for (const name of SLOT_NAMES) {
      const d = await decide(h.page, name);
      assert.deepEqual({ variant: d.variant, reason: d.reason, propensity: d.propensity }, { variant: null, reason: 'no-consent', propensity: 1 }, name);
      const st = await slotState(h.page, name);
      assert.equal(st.shown, 'default', `${name}: data-kz-shown=default`);
      assert.equal(st.visibility, 'visible');
    }
    assert.equal((await localStore(h.page))['kizuna:profile'], undefined, 'kizuna:profile is deleted at once');
    assert.equal(await h.page.evaluate(() => window.kizuna.profile()), null, 'profile() is null');
    // No pending write brings it back.
    await sleep(1300);
    assert.equal((await localStore(h.page))['kizuna:profile'], undefined, 'kizuna:profile stays deleted');
    assert.equal(await h.page.evaluate(() => window.kizuna.profile()), null, 'profile() stays null');
    // And on the next page nothing is pre-rendered or held.
    await openSlots(h.page, '?mode=opt-in');
    await sleep(350);
    const rec = await recording(h.page);
    for (const name of SLOT_NAMES) {
      assert.equal(rec[name].pendingSeen, false, `${name}: not held`);
      assert.equal(rec[name].prerenderedSeen, null, `${name}: not pre-rendered`);
      const st = await slotState(h.page, name);
      assert.deepEqual({ shown: st.shown, text: st.text }, { shown: 'default', text: SLOTS[name].defaultText });
    }
    assert.deepEqual(h.pageErrors, []);
  } finally {
    await h.context.close();
  }
});

test('6: withdrawing personalization puts every slot\'s default content back', async () => {
  const h = await optInThenGrant();
  try {
    await h.page.evaluate(() => window.kizuna.consent.set({ personalization: false }));
    for (const name of SLOT_NAMES) {
      const st = await slotState(h.page, name);
      assert.deepEqual({ shown: st.shown, text: st.text }, { shown: 'default', text: SLOTS[name].defaultText }, `${name}: the default is back`);
    }
    assert.equal(await h.page.evaluate(() => document.getElementById('hero-default')?.isConnected === true
      && document.querySelector('[data-kz-slot=hero]').contains(document.getElementById('hero-default'))), true, '#hero-default is back in the hero');
  } finally {
    await h.context.close();
  }
});

// ---------------------------------------------------------------------------
// 7. forget()
// ---------------------------------------------------------------------------

test('7: forget() deletes the profile and the ids: a new anonymous id, nothing of the old visitor left in storage', async () => {
  const { context, page, pageErrors } = await fresh();
  try {
    for (let i = 0; i < 3; i++) await openSlots(page);
    await page.click('[data-kz-slot=hero] > h2');
    await page.evaluate(() => window.kizuna.identify('user-9', { plan: 'pro' }));
    const before = await storedWhen(page, (st) => profileIn(st)?.pageViews === 3 && profileIn(st).topics.length > 0, 'the profile of 3 page views');
    const oldId = before['kizuna:anonymousId'];
    assert.match(oldId, UUID_V4);
    assert.equal(before['kizuna:userId'], 'user-9');
    assert.ok(before['kizuna:traits']);
    const oldProfile = JSON.parse(before['kizuna:profile']);
    assert.equal(oldProfile.pageViews, 3);

    const forgotAt = Date.now();
    const r = await page.evaluate(() => {
      window.kizuna.forget();
      const dump = Object.fromEntries(Object.keys(localStorage).sort().map((k) => [k, localStorage.getItem(k)]));
      return { id: window.kizuna.anonymousId(), userId: window.kizuna.userId(), profile: window.kizuna.profile(), local: dump };
    });
    assert.match(r.id, UUID_V4, 'a new anonymous id');
    assert.notEqual(r.id, oldId);
    assert.equal(r.userId, null, 'the user id is gone');
    // Nothing of the old visitor: its ids, traits and profile are deleted.
    // The visitor starts anew at once: with consent (opt-out mode), the new
    // id and a new profile (made for the slots decided again) may be stored;
    // nothing else. Checked at once and after a second (no pending write of
    // the old profile comes back).
    const checkStorage = (local, when) => {
      for (const [key, value] of Object.entries(local)) {
        assert.ok(!value.includes(oldId), `${when}: ${key} does not hold the old id`);
        assert.ok(!value.includes('user-9'), `${when}: ${key} does not hold the old user id`);
        // A stored queue may hold the new visitor's events (checked above:
        // nothing of the old one).
        assert.ok(['kizuna:consent', 'kizuna:anonymousId', 'kizuna:profile'].includes(key) || key.startsWith('kizuna:q.'), `${when}: unexpected key ${key}`);
      }
      assert.equal(local['kizuna:userId'], undefined, `${when}: no user id`);
      assert.equal(local['kizuna:traits'], undefined, `${when}: no traits`);
      if (local['kizuna:anonymousId'] !== undefined) assert.equal(local['kizuna:anonymousId'], r.id, `${when}: only the new id`);
      if (local['kizuna:profile'] !== undefined) {
        const p = JSON.parse(local['kizuna:profile']);
        assert.equal(p.vid, r.id, `${when}: a stored profile is the new visitor's`);
        assert.deepEqual([p.pageViews, p.topics], [0, []], `${when}: and knows no page view, no topic`);
        assert.ok(p.firstSeen >= forgotAt - 5, `${when}: and starts after forget()`);
      }
    };
    checkStorage(r.local, 'at once');
    if (r.profile) {
      assert.deepEqual(r.profile.affinities, {}, 'profile() knows no topic');
      assert.equal(r.profile.pageViews, 0);
    }
    await sleep(1300);
    checkStorage(await localStore(page), 'a second later');
    // The next events are the new visitor's.
    await page.evaluate(() => { window.kizuna.track('After Forget'); return window.kizuna.flush(); });
    const [e] = await waitForEvents(env.collector, (ev) => ev.event === 'After Forget' && ev.anonymousId === r.id, 5000);
    assert.equal(e.userId ?? null, null);
    assert.equal(collected(env.collector).filter(({ event }) => event.event === 'After Forget' && event.anonymousId === oldId).length, 0);
    // A reload keeps the new visitor.
    await openSlots(page);
    assert.equal(await page.evaluate(() => window.kizuna.anonymousId()), r.id);
    assert.equal((await page.evaluate(() => window.kizuna.profile())).pageViews, 1);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// 8. The demo shop
// ---------------------------------------------------------------------------

test('8: the demo shop: after outerwear pages and jacket views, hero and recommended show outerwear, explained in #decisions', async () => {
  const { context, page, pageErrors } = await newPage(env.browser);
  try {
    let hero;
    let recommended;
    let loads = 0;
    for (loads = 1; loads <= 6; loads++) {
      await page.goto(`${env.collector.url}/?topic=outerwear&mode=opt-out`);
      await waitForReady(page);
      hero = await page.evaluate(() => window.kz.decide('hero'));
      recommended = await page.evaluate(() => window.kz.decide('recommended'));
      if (loads >= 3 && ['sticky', 'holdout'].includes(hero.reason) && recommended.reason === 'sticky') break;
      await page.click('.product[data-sku=B2] button[data-action=view]');
    }
    assert.ok(loads <= 6, `sticky after ${loads} pages`);
    const shown = (slot) => page.evaluate((s) => {
      const el = document.querySelector(`[data-kz-slot="${s}"]`);
      return { shown: el.getAttribute('data-kz-shown'), text: Array.from(el.childNodes).filter((c) => c.nodeName !== 'TEMPLATE').map((c) => c.textContent).join(' ').replace(/\s+/g, ' ').trim() };
    }, slot);
    if (hero.holdout) {
      // The visitor hashed into the hero's 10% holdout.
      assert.deepEqual({ variant: hero.variant, reason: hero.reason, propensity: hero.propensity }, { variant: null, reason: 'holdout', propensity: 1 });
      assert.equal((await shown('hero')).shown, 'default');
    } else {
      assert.deepEqual({ variant: hero.variant, reason: hero.reason }, { variant: 'outerwear', reason: 'sticky' });
      assert.deepEqual(await shown('hero'), { shown: 'outerwear', text: 'Rain jackets, ready for autumn Stay dry on every trail. See jackets →' });
    }
    assert.deepEqual({ variant: recommended.variant, reason: recommended.reason }, { variant: 'outerwear-first', reason: 'sticky' });
    assert.deepEqual(await shown('recommended'), { shown: 'outerwear-first', text: 'For you: Rain jacket · Trail shoes · Wool hat' });

    const profile = await page.evaluate(() => window.kz.profile());
    const [top, ...rest] = Object.entries(profile.affinities).sort((a, b) => b[1] - a[1]);
    assert.equal(top[0], 'outerwear', `outerwear is the strongest interest: ${JSON.stringify(profile.affinities)}`);
    for (const [, a] of rest) assert.ok(a < top[1]);
    assert.equal(profile.pageViews, loads);

    // The panel lists each slot's decision with its explanation.
    await sleep(1100);
    const items = await page.$$eval('#decisions li', (lis) => lis.map((li) => li.textContent));
    for (const slot of ['hero', 'recommended', 'cta']) {
      const d = await page.evaluate((s) => window.kz.decide(s), slot);
      const li = items.find((t) => t.startsWith(`${slot}: `));
      assert.ok(li, `#decisions lists ${slot}: ${JSON.stringify(items)}`);
      assert.ok(li.startsWith(`${slot}: ${d.variant ?? 'default'} (${d.reason}, p=${d.propensity.toFixed(2)}`), li);
      assert.ok(li.endsWith(` — ${d.explanation}`), `with the explanation: ${li}`);
    }
    assert.match(items.find((t) => t.startsWith('recommended: ')), /kept from an earlier page/);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// 9. Slots parsed after Kizuna started (slow or streamed HTML)
// ---------------------------------------------------------------------------

/**
 * Serves slots.html with a parser-blocking script inserted after `marker`,
 * answered once `release()` resolves: the rest of the HTML comes late, as
 * over a slow network.
 */
async function stallParserAfter(page, marker, release) {
  await page.route('**/slots.html*', async (route) => {
    const res = await route.fetch();
    const body = (await res.text()).replace(marker, `${marker}<script src="/stall.js"></script>`);
    await route.fulfill({ response: res, body });
  });
  await page.route('**/stall.js', async (route) => {
    await release();
    await route.fulfill({ body: '', contentType: 'text/javascript' });
  });
}

test('9: a kept variant whose templates arrive after the default is not painted over the default first', async () => {
  const { context, page } = await fresh({ record: false });
  try {
    const { decision: kept } = await loadUntilSticky(page, 'hero');
    await context.addInitScript(recorder, SLOT_DEFAULTS);
    await stallParserAfter(page, '<h2 id="hero-default">Welcome to the shop</h2>', () => sleep(400));
    await openSlots(page);
    await sleep(800);
    const r = (await recording(page)).hero;
    assert.deepEqual(defaultVisibleStates(r).map((s) => `${s.where}@${Math.round(s.at)}`), [], 'the default was never visible');
    const d = await decide(page, 'hero');
    assert.deepEqual({ variant: d.variant, reason: d.reason }, { variant: kept.variant, reason: 'sticky' });
    const st = await slotState(page, 'hero');
    assert.deepEqual({ shown: st.shown, prerendered: st.prerendered, text: st.text },
      { shown: kept.variant, prerendered: null, text: SLOTS.hero.variants[kept.variant] });
  } finally {
    await context.close();
  }
});

/**
 * Streams slots.html (asked for as /slots.html`query`) from the collector's
 * own origin: the HTML up to and including `marker` at once, the rest once
 * `release()` resolves, as a slow network delivers it; no script blocks
 * the parser. Returns a function that puts the collector back.
 */
function streamSlotsAfter(query, marker, release) {
  const html = fs.readFileSync(path.join(ROOT, 'www/slots.html'), 'utf8');
  const cut = html.indexOf(marker) + marker.length;
  assert.ok(cut >= marker.length, `slots.html holds ${marker}`);
  const { server } = env.collector;
  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (req.url !== `/slots.html${query}`) {
      for (const handler of handlers) handler.call(server, req, res);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    // Past the size browsers buffer before they start parsing.
    res.write(`${html.slice(0, cut)}${' '.repeat(2048)}`);
    Promise.resolve(release()).finally(() => res.end(html.slice(cut)));
  });
  return () => {
    server.removeAllListeners('request');
    for (const handler of handlers) server.on('request', handler);
  };
}

const kizunaStarted = (page) => page.waitForFunction(() => typeof window.kizuna?.decide === 'function', null, { timeout: 10_000, polling: 10 });

// The body's content comes once Kizuna (async) has started: the parser held
// by a script that answers late, or by the HTML itself coming late.
for (const [how, options] of [
  ['a parser-blocking script answers late', {
    skip: skipIn('firefox', 'Firefox runs no async script while the parser waits for a parser-blocking script (kizuna.js, loaded, ran only once stall.js came), so Kizuna cannot start before these slots are parsed; the streamed case below covers Firefox'),
  }],
  ['the HTML is streamed', {}],
]) {
  test(`9: slots parsed after Kizuna started are still decided, rendered and measured (${how})`, options, async () => {
    const { context, page } = await fresh();
    let restore = () => {};
    try {
      if (how.startsWith('the HTML')) {
        restore = streamSlotsAfter('?stream=1', '<body data-kz-topic="shoes">', () => kizunaStarted(page));
        await openSlots(page, '?stream=1');
      } else {
        await stallParserAfter(page, '<body data-kz-topic="shoes">', () => kizunaStarted(page));
        await openSlots(page);
      }
      await slotsParsedAfterStart(page);
    } finally {
      restore();
      await context.close();
    }
  });
}

/** The hero, parsed after Kizuna started: decided, shown as decided (not late), its exposure sent. */
async function slotsParsedAfterStart(page) {
  const id = await page.evaluate(() => window.kizuna.anonymousId());
  await sleep(600);
  const d = await decide(page, 'hero');
  const st = await slotState(page, 'hero');
  assert.equal(st.late, false, 'not released as late');
  assert.equal(st.shown, d.variant ?? 'default', `the hero shows the decision: ${JSON.stringify({ st, d })}`);
  const viewed = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Slot Viewed' && e.properties.slot === 'hero', 3000);
  assert.deepEqual(viewed[0].properties, exposed(d));
}
