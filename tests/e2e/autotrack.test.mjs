// Autotrack over the demo SPA (www/spa.html), which never calls Kizuna by
// hand: page views on load and on history changes, sessions, clicks,
// scroll depth, engaged time and forms arrive with their documented
// fields; no typed value and no password or card field name appears in
// any request body; each switch turns its events off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setup, teardown, newPage, sleep, waitUntil, UUID_V4 } from './helpers.mjs';

// Segment's own validator (it wants the timestamp as a Date, as before serialization).
const looselyValidate = createRequire(import.meta.url)('@segment/loosely-validate-event');
const segmentValid = (e) => looselyValidate({ ...e, timestamp: new Date(e.timestamp) }, e.type);

let env;
before(async () => { env = await setup('autotrack'); });
after(async () => { await teardown(env); });

async function openSpa(cfg = {}) {
  const handle = await newPage(env.browser);
  const from = env.collector.records.length;
  await handle.page.goto(`${env.collector.url}/spa.html?cfg=${encodeURIComponent(JSON.stringify({ writeKey: `spa-${Math.random()}`, ...cfg }))}`);
  await handle.page.waitForFunction(() => window.kz, null, { timeout: 10_000 });
  const key = await handle.page.evaluate(() => new URLSearchParams(location.search).get('cfg'));
  const writeKey = JSON.parse(key).writeKey;
  const events = () => env.collector.records.filter((r, i) => i >= from && r.body.writeKey === writeKey).flatMap((r) => r.body.batch ?? []);
  const bodies = () => env.collector.records.filter((r, i) => i >= from && r.body.writeKey === writeKey).map((r) => JSON.stringify(r.body));
  const flush = () => handle.page.evaluate(() => window.kz.flush());
  return { ...handle, events, bodies, flush };
}

const named = (events, name) => events.filter((e) => e.event === name);

/**
 * Leaves the page as a visitor does: a click on a link to another
 * document. (Playwright's `page.goto` in Firefox now and then stops the
 * leaving page's `pagehide` listener partway, which no visitor's
 * navigation was seen to do: docs/reliability.md.)
 */
async function leave(s) {
  await s.page.evaluate(() => {
    const a = document.createElement('a');
    a.href = '/favicon.svg';
    a.id = 'kz-test-away';
    a.textContent = 'away';
    document.body.prepend(a);
  });
  await s.page.click('#kz-test-away');
}
const views = (events) => events.filter((e) => e.type === 'page');

test('page views: one on load, one per history change of the URL, the SPA referrer is the previous URL', async () => {
  const s = await openSpa();
  try {
    await sleep(300);
    await s.page.click('#to-article');
    await sleep(200);
    await s.page.evaluate(() => history.replaceState({}, '', location.href));
    await sleep(1100);
    await s.page.evaluate(() => history.pushState({}, '', '/spa/x'));
    await sleep(300);
    await s.page.evaluate(() => history.pushState({}, '', '/spa/article?ref=nav#top'));
    await sleep(300);
    await s.page.evaluate(() => { location.hash = 'section-2'; });
    await sleep(300);
    await s.flush();
    const v = views(s.events());
    const paths = v.map((e) => e.properties.path);
    // replaceState to the same URL and the fragment change make no view.
    assert.deepEqual(paths, ['/spa.html', '/spa/article', '/spa/x', '/spa/article']);
    assert.equal(v[0].properties.path, '/spa.html');
    assert.equal(v[1].properties.path, '/spa/article');
    assert.match(v[1].properties.referrer, /\/spa\.html\?cfg=/, 'the SPA referrer is the previous URL');
    assert.equal(v[1].context.page.title, 'Kizuna SPA: article', 'the title the router set');
    assert.match(v[2].properties.referrer, /\/spa\/article\?ref=nav#top$/);
    for (const e of s.events()) {
      segmentValid(e);
      assert.match(e.context.session.id, UUID_V4, 'a session on every event');
      assert.equal(e.context.session.index, 1);
    }
  } finally {
    await s.context.close();
  }
});

test('clicks: links with outbound and download flags, buttons, data-kz-track with its properties, rage clicks; nothing from no-capture or editable text', async () => {
  const s = await openSpa();
  try {
    await s.page.click('#cta');
    await s.page.click('#promo');
    await s.page.click('#outbound');
    await s.page.click('#download');
    await s.page.click('#private');
    await s.page.click('#notes');
    const box = await s.page.locator('#cta').boundingBox();
    for (let i = 0; i < 3; i++) await s.page.mouse.click(box.x + box.width / 2 + i, box.y + box.height / 2);
    await s.flush();
    const ev = s.events();
    ev.forEach(segmentValid);
    const buttons = named(ev, 'Button Clicked');
    const cta = buttons.find((e) => e.properties.id === 'cta');
    assert.deepEqual({ ...cta.properties, selector: undefined }, { tag: 'button', text: 'Get the offer', id: 'cta', classes: 'btn primary', selector: undefined });
    assert.equal(cta.properties.selector, 'button#cta');
    const promo = named(ev, 'Promo Clicked')[0];
    assert.deepEqual(promo.properties.campaign, 'winter');
    assert.deepEqual(promo.properties.slotName, 'hero');
    assert.equal(promo.properties.element.id, 'promo');
    const links = named(ev, 'Link Clicked');
    const out = links.find((e) => e.properties.id === 'outbound');
    assert.equal(out.properties.href, 'https://partner.example/deals', 'query and fragment removed');
    assert.equal(out.properties.outbound, true);
    assert.equal(out.properties.download, false);
    const pdf = links.find((e) => e.properties.id === 'download');
    assert.equal(pdf.properties.download, true);
    assert.equal(pdf.properties.outbound, false);
    assert.ok(!ev.some((e) => e.properties?.id === 'private'), 'nothing inside data-kz-no-capture');
    assert.ok(!JSON.stringify(ev).includes('editable notes'), 'no editable text');
    const rage = buttons.filter((e) => e.properties.rage === true);
    assert.ok(rage.length >= 1, `rage clicks flagged: ${JSON.stringify(buttons.map((b) => b.properties))}`);
  } finally {
    await s.context.close();
  }
});

test('scroll depth milestones once each, then Page Engagement with engaged time and depth when the page is hidden', async () => {
  const s = await openSpa();
  try {
    await s.page.click('#to-article');
    await sleep(200);
    for (let y = 0; y <= 20; y++) {
      await s.page.mouse.wheel(0, 400);
      await sleep(30);
    }
    // The bottom reached (a busy Firefox smooth-scrolls the wheel late),
    // and two frames after it: the depth is read once a frame.
    await s.page.waitForFunction(() => window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2, null, { timeout: 15_000 });
    await s.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await sleep(300);
    await s.page.evaluate(() => window.scrollTo(0, 0));
    await sleep(200);
    await leave(s);
    // What leaves with the page (beacons): wait for it, however busy the
    // machine. The view's engaged time may come in two parts (hidden, then
    // shown again and left: Firefox did so now and then, about 340 ms apart).
    const engagedMs = () => named(s.events(), 'Page Engagement').reduce((sum, e) => sum + e.properties.engagedMs, 0);
    await waitUntil(() => engagedMs() > 500 && named(s.events(), 'Scroll Depth').some((e) => e.properties.depth === 100),
      15_000, 'the last milestone and the engaged time');
    const ev = s.events();
    const depths = named(ev, 'Scroll Depth').map((e) => e.properties.depth);
    assert.deepEqual(depths.filter((d) => d !== undefined).slice(-5), [25, 50, 75, 90, 100], JSON.stringify(depths));
    const engagement = named(ev, 'Page Engagement');
    assert.ok(engagement.length >= 1, 'Page Engagement sent on leaving');
    // The view's depth, and the time engaged on it in all.
    const all = JSON.stringify(engagement.map((e) => e.properties));
    assert.ok(engagement.some((e) => e.properties.scrollDepth === 100), all);
    assert.ok(engagedMs() > 500 && engagedMs() < 20_000, all);
  } finally {
    await s.context.close();
  }
});

test('forms: started, submitted, abandoned; names and types only, never a value, no password or card field named', async () => {
  const s = await openSpa();
  try {
    await s.page.click('#to-signup');
    await sleep(200);
    await s.page.fill('input[name=email]', 'ada@example.com');
    await s.page.fill('input[name=password]', 'hunter2-Secret!');
    await s.page.fill('input[name=cardNumber]', '4242 4242 4242 4242');
    await s.page.fill('input[name=cvv2]', '987');
    await s.page.fill('textarea[name=bio]', 'my private bio text');
    await s.page.click('#submit');
    await sleep(200);
    await s.page.click('#to-signup');
    await sleep(200);
    await s.page.fill('input[name=newsletterEmail]', 'grace@example.com');
    await leave(s);
    // The abandonment leaves with the page (a beacon): wait for it, however
    // busy the machine; then a moment more, so a duplicate would show.
    await waitUntil(() => named(s.events(), 'Form Abandoned').length > 0, 15_000, 'Form Abandoned');
    await sleep(300);
    const ev = s.events();
    ev.forEach(segmentValid);
    const started = named(ev, 'Form Started');
    const submitted = named(ev, 'Form Submitted');
    const abandoned = named(ev, 'Form Abandoned');
    assert.equal(started.length, 2, JSON.stringify(started.map((e) => e.properties)));
    assert.equal(submitted.length, 1);
    assert.equal(abandoned.length, 1);
    const f = submitted[0].properties;
    assert.equal(f.formId, 'signup-form');
    assert.equal(f.formName, 'signup');
    assert.equal(f.action, '/spa/welcome');
    // The radio group of three is one field.
    assert.deepEqual(f.fields, [{ name: 'email', type: 'email' }, { name: 'plan', type: 'select-one' }, { name: 'bio', type: 'textarea' }, { name: 'contact', type: 'radio' }]);
    assert.equal(f.fieldCount, 8);
    assert.equal(f.unnamedFields, 4, 'password, card number, security code, hidden token');
    assert.equal(abandoned[0].properties.formId, 'newsletter');
    const all = s.bodies().join('\n');
    // The card number as typed or without its spaces: '4242' alone can be part of an id or a time.
    for (const secret of ['ada@example.com', 'hunter2', '4242 4242', '4242424242424242', '987"', 'my private bio', 'grace@example.com', 'secret-token-value', 'cardNumber', 'cvv2', 'csrfToken', '"password"']) {
      assert.ok(!all.includes(secret), `no request body holds ${secret}`);
    }
  } finally {
    await s.context.close();
  }
});

test('sessions: the same session across a reload and in a second tab', async () => {
  const s = await openSpa();
  try {
    await sleep(300);
    await s.flush();
    const first = s.events()[0].context.session;
    const other = await s.context.newPage();
    await other.goto(s.page.url());
    await other.waitForFunction(() => window.kz);
    await sleep(300);
    await other.evaluate(() => window.kz.flush());
    const all = s.events();
    const ids = new Set(all.map((e) => e.context.session.id));
    assert.deepEqual([...ids], [first.id], 'one session for the site');
    assert.equal(first.index, 1);
  } finally {
    await s.context.close();
  }
});

test('switches: autotrack false sends none of it; each feature off sends none of its events', async () => {
  const off = await openSpa({ autotrack: false });
  try {
    await off.page.click('#cta');
    await off.page.click('#to-article');
    await off.page.mouse.wheel(0, 5000);
    await sleep(300);
    await off.page.evaluate(() => window.kz.track('Manual', {}));
    await off.flush();
    const ev = off.events();
    assert.deepEqual(ev.map((e) => e.event || e.type), ['Manual']);
    assert.equal(ev[0].context.session, undefined, 'no session either');
  } finally {
    await off.context.close();
  }
  const some = await openSpa({ autotrack: { clicks: false, scroll: false, pageviews: 'load', forms: false } });
  try {
    await some.page.click('#cta');
    await some.page.click('#to-signup');
    await sleep(200);
    await some.page.fill('input[name=email]', 'x@example.com');
    await some.page.mouse.wheel(0, 5000);
    await sleep(300);
    await some.flush();
    const names = some.events().map((e) => e.event || e.type);
    assert.deepEqual(names.filter((n) => n !== 'Page Engagement'), ['page'], JSON.stringify(names));
  } finally {
    await some.context.close();
  }
});
