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

void personalization;
