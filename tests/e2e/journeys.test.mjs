// Journeys and surveys end to end, in Chromium against the local collector,
// on the demo shop (journeys.cart: a nudge a minute after an add to cart
// with no order; journeys.nps: a survey after an order). The page's clock
// is moved forward with an offset kept in sessionStorage (Date.now is what
// the edge hands the engine as the time), so no test waits a minute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, teardown, newPage, waitForReady, waitForEvents } from './helpers.mjs';

let env;
before(async () => { env = await setup('journeys'); });
after(async () => { await teardown(env); });

async function shop() {
  const h = await newPage(env.browser);
  await h.context.addInitScript(() => {
    window.kizunaDemoRecs = true;
    const real = Date.now;
    Date.now = () => real() + Number(sessionStorage.getItem('kzTestOffset') || 0);
  });
  return h;
}

const later = (page, ms) => page.evaluate((d) => sessionStorage.setItem('kzTestOffset', String(Number(sessionStorage.getItem('kzTestOffset') || 0) + d)), ms);
const nudge = (page) => page.evaluate(() => {
  const b = document.querySelector('.kz-journey');
  return b && { journey: b.getAttribute('data-kz-journey'), text: b.querySelector('.kz-journey-text, legend')?.textContent };
});
const open = async (page, path = '/?mode=opt-out') => {
  await page.goto(`${env.collector.url}${path}`);
  await waitForReady(page);
  await page.waitForTimeout(150);
};

test('cart abandoned: the nudge shows once after the window, explains itself, respects its cap and its quiet period', async () => {
  const { context, page, pageErrors } = await shop();
  try {
    await open(page);
    const id = await page.evaluate(() => window.kz.anonymousId());
    await page.click('.product[data-sku=B2] button[data-action=add]');
    await open(page);
    assert.equal(await nudge(page), null, 'not right after the add');
    await later(page, 70_000);
    await open(page);
    assert.deepEqual(await nudge(page), { journey: 'cart', text: 'Still thinking it over? Your cart is waiting. →' });
    const [shown] = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Journey Shown');
    assert.deepEqual(shown.properties, { journey: 'cart', trigger: 'cart-abandoned' });
    // Why am I seeing this?
    await page.click('.kz-journey .kz-why:not(.kz-forget)');
    const why = await page.textContent('.kz-journey .kz-why-text');
    // Plain words for the shopper; the rules stay in kz.explain() for the developer.
    assert.match(why, /^Because something is still waiting in your cart\. /);
    assert.doesNotMatch(why, /cart-abandoned|per session|probability/);
    assert.match(await page.evaluate(() => window.kz.explain('cart')), /^shown because you added something to your cart and did not order it \(cart-abandoned\)/);

    // Per session once: the next pages of this session do not show it again.
    await open(page);
    assert.equal(await nudge(page), null, 'once a session');
    // A later session (a day on, past everyDays): shown again; closed with Escape.
    await later(page, 86_400_000 + 60_000);
    await open(page);
    assert.equal((await nudge(page))?.journey, 'cart');
    await page.focus('.kz-journey .kz-close');
    await page.keyboard.press('Escape');
    assert.equal(await nudge(page), null, 'Escape closes it');
    await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Journey Dismissed');
    // Quiet for 14 days after a dismissal, even in new sessions.
    await later(page, 3 * 86_400_000);
    await open(page);
    assert.equal(await nudge(page), null, 'quiet after the dismissal');
    // An order closes the cart for good.
    await later(page, 15 * 86_400_000);
    await page.click('#order');
    await page.waitForTimeout(200);
    await open(page);
    assert.notEqual((await nudge(page))?.journey, 'cart', 'ordered: no cart nudge');
    const shownCount = (await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Journey Shown')).length;
    assert.equal(shownCount, 2);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('the NPS survey after an order: keyboard only, a score and a comment; Survey Responded; not asked again for 90 days', async () => {
  const { context, page, pageErrors } = await shop();
  try {
    await open(page);
    const id = await page.evaluate(() => window.kz.anonymousId());
    await page.click('#order');
    await page.waitForSelector('.kz-survey');
    const a11y = await page.evaluate(() => {
      const s = document.querySelector('.kz-survey');
      const legend = s.querySelector('legend');
      return { role: s.getAttribute('role'), labelled: s.getAttribute('aria-labelledby') === legend.id, question: legend.textContent,
        radios: s.querySelectorAll('input[type=radio]').length, submitDisabled: s.querySelector('.kz-submit').disabled };
    });
    assert.deepEqual(a11y, { role: 'dialog', labelled: true, question: 'How likely are you to recommend us to a friend or colleague?', radios: 11, submitDisabled: true });
    await page.focus('.kz-survey input[value="0"]');
    await page.keyboard.press('Space');
    for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.querySelector('.kz-survey input:checked').value), '9');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Quick delivery');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const [answer] = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Survey Responded');
    assert.deepEqual(answer.properties, { survey: 'nps', trigger: 'order', score: 9, comment: 'Quick delivery' });
    // Another order a week later: not asked again.
    await later(page, 7 * 86_400_000);
    await open(page);
    await page.click('#order');
    await page.waitForTimeout(400);
    assert.equal(await page.$('.kz-survey'), null);
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('the survey dismissed: Survey Dismissed, and quiet for its period; a slot opting in explains itself', async () => {
  const { context, page, pageErrors } = await shop();
  try {
    await open(page);
    const id = await page.evaluate(() => window.kz.anonymousId());
    await page.click('#order');
    await page.waitForSelector('.kz-survey');
    await page.click('.kz-survey .kz-close');
    const [dismissed] = await waitForEvents(env.collector, (e) => e.anonymousId === id && e.event === 'Survey Dismissed');
    assert.deepEqual(dismissed.properties, { survey: 'nps', trigger: 'order' });
    await later(page, 2 * 86_400_000);
    await open(page);
    await page.click('#order');
    await page.waitForTimeout(400);
    assert.equal(await page.$('.kz-survey'), null, 'quiet after the dismissal');
    // The hero opted in (data-kz-why): its explanation, and a way to forget the profile.
    await page.click('[data-kz-why-for=hero] .kz-why:not(.kz-forget)');
    const text = (await page.textContent('[data-kz-why-for=hero] .kz-why-text')).replace(/Forget my profile$/, '').trim();
    const decision = await page.evaluate(() => window.kz.decide('hero'));
    assert.equal(text, decision.topic ? `Because you looked at ${decision.topic}.` : !decision.variant ? 'Every visitor sees this here.' : decision.reason === 'thompson' ? 'Suggested while we learn what visitors like.' : 'Suggested for visitors like you.');
    assert.doesNotMatch(text, /Thompson|probability|prior click rate/, 'no statistics for the shopper');
    await page.click('[data-kz-why-for=hero] .kz-forget');
    assert.equal(await page.evaluate(() => localStorage.getItem('kizuna:profile')), null, 'forgotten');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
