// Type-checked by tests/e2e/packaging.test.mjs (tsc --noEmit --strict):
// the package's declarations describe every call a site makes.
import { init, type Kizuna, type KizunaConfig, type ConsentState, type FlushSummary, type KizunaGlobal, type Stats } from 'kizuna';

const config: KizunaConfig = {
  endpoint: '/collect',
  writeKey: 'demo',
  debug: false,
  batch: { maxEvents: 50, maxBytes: 61440, flushInterval: 1000, maxEventBytes: 32768 },
  consent: { mode: 'opt-in', pending: 'buffer', bufferLimit: 100, gpc: true, tcf: true, googleConsentMode: true },
  queue: { maxEvents: 50000, maxBytes: 8388608, whenFull: 'drop-oldest' },
  store: { persist: true, maxEvents: 5000, maxBytes: 2097152, maxAgeDays: 7 },
  autotrack: { pageviews: 'history', hashChanges: false, sessions: true, sessionMinutes: 30, clicks: true, scroll: true, engagement: true, heartbeatSeconds: 0, forms: true },
};

async function main(): Promise<void> {
  const kz: Kizuna = await init(config);
  const queued: boolean = kz.track('Product Viewed', { sku: 'A1', price: 19.9, when: new Date(), tags: ['a'] }, { category: 'marketing', messageId: 'm-1' });
  kz.page();
  kz.page('Home', { section: 'top' });
  kz.page({ section: 'top' });
  kz.identify('user-42', { plan: 'pro' });
  kz.identify({ plan: 'pro' });
  kz.reset();
  const summary: FlushSummary = await kz.flush();
  const state: ConsentState = kz.consent.set({ analytics: true, marketing: false }, { source: 'banner' });
  const off: () => void = kz.consent.onChange((s: ConsentState) => console.log(s.analytics));
  off();
  const { buffered, dropped } = kz.consent.pending();
  const id: string | null = kz.anonymousId();
  console.log(queued, summary.sent, state.marketing, buffered + dropped, id, kz.userId(), kz.queued(), kz.inert);
  const stats: Stats = kz.stats();
  console.log(stats.sent + stats.dropped + stats.expired + stats.rejected + stats.queued);

  const global = (window as unknown as { kizuna: KizunaGlobal }).kizuna;
  global('init', config);
  global('track', 'Signed Up', { plan: 'pro' });
  global('consent', { analytics: true });
  global('ready', (k) => k.page());
}

void main;

async function personalization(): Promise<void> {
  const kz = await init({
    endpoint: '/collect',
    slots: { hero: { holdout: 0.1, variants: { sale: { prior: 0.04, tags: ['shoes', 'sale'], rules: { segment: ['engaged', 'loyal'], minAffinity: { shoes: 0.3 }, device: 'mobile' } } } } },
    profile: { halfLifeDays: 14 },
  });
  const d = kz.decide('hero');
  if (d) console.log(d.variant, d.reason, d.propensity, d.holdout);
  console.log(kz.explain('hero'), kz.profile()?.segment);
  kz.onDecision((x) => console.log(x.slot))();
  kz.forget();
}

async function engagement(): Promise<void> {
  const kz = await init({
    endpoint: '/collect',
    recommendations: true,
    profile: { sensitive: ['health'] },
    consent: { gpp: true },
    insights: { epsilon: 2, everyDays: 7, topics: ['shoes', 'outerwear'] },
    privacy: { userAgent: 'browser', referrer: 'no-query', userId: 'hash', userIdSalt: 'site-secret' },
    journeys: {
      cart: { on: 'cart-abandoned', windowMinutes: 30, message: 'Your cart is waiting', link: '/cart', perSession: 1, perVisitor: 3, everyDays: 1, quietDays: 14 },
      nps: { on: 'order', survey: true, everyDays: 90 },
    },
    journeyCaps: { perSession: 2 },
  });
  const picks = kz.recommend([{ id: 'a', topics: ['shoes'], popularity: 3 }, { id: 'b', topics: 'kids', repeats: true }], { n: 1, slot: 'also' });
  for (const p of picks) console.log(p.id, p.position, p.reason, p.explanation);
  kz.recommendationViewed('also', 'a');
  kz.recommendationClicked('also', 'a');
}

void personalization;
void engagement;
