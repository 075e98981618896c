// Type declarations of the `kizuna` package.

/** A JSON-compatible value as Kizuna sends it. Dates become ISO strings. */
export type JsonValue = string | number | boolean | null | Date | JsonValue[] | { [key: string]: JsonValue | undefined };

/** Properties of an event or traits of a user: a plain object. */
export type Properties = { [key: string]: JsonValue | undefined };

/** One journey (`journeys.<name>`). */
export interface JourneyConfig {
  /** What starts it. */
  on: 'cart-abandoned' | 'dormant-return' | 'first-purchase' | 'order' | 'nth-session' | 'exit-intent';
  /** The text shown (required unless `survey`; for a survey, its question). */
  message?: string;
  /** A link in the message: a path or an http(s) URL. */
  link?: string;
  /** Show the NPS survey (0–10, optional comment) instead of a message. Default `false`. */
  survey?: boolean;
  /** cart-abandoned: minutes without an order after the add. Default `30`. */
  windowMinutes?: number;
  /** dormant-return: days away. Default `30`. */
  dormantDays?: number;
  /** nth-session: from this session on. Default `3`. */
  sessions?: number;
  /** Times a session. Default `1`. */
  perSession?: number;
  /** Times ever. Default `3`. */
  perVisitor?: number;
  /** Days between two showings. Default `1`. */
  everyDays?: number;
  /** Days without it after the visitor closed (or answered) it. Default `14`. */
  quietDays?: number;
}

/** An item `recommend` may rank. */
export interface RecommendItem {
  id: string;
  /** Its topics: a comma-separated string or a list. */
  topics?: string | string[];
  /** The site's popularity prior (sales, views…): higher ranks first when nothing else is known. */
  popularity?: number;
  /** Bought again and again: still recommended after a purchase. */
  repeats?: boolean;
}

/** A recommended item. */
export interface Recommendation {
  id: string;
  /** 1 for the first. */
  position: number;
  /** `topic`, `popular`, `viewed-together` (the learned `model`: others viewed it near this visitor's latest items), or `no-consent`. */
  reason: 'topic' | 'popular' | 'viewed-together' | 'no-consent';
  /** Why, in a sentence. */
  explanation: string;
}

/** How much the queue holds while the collector cannot take it. */
export interface QueueConfig {
  /** Most events queued (memory included, whatever the visitor does). Default `50000`. Range 100–1000000. */
  maxEvents?: number;
  /** Most bytes of queued events. Default `8388608` (8 MiB). Range 65536–67108864. */
  maxBytes?: number;
  /** When full: the oldest go (`'drop-oldest'`, the default) or new events are refused (`'drop-newest'`). Both are counted in `stats().dropped`. */
  whenFull?: 'drop-oldest' | 'drop-newest';
}

/** What Kizuna tracks without code (README: "On-site behaviour, without code"). */
export interface AutotrackConfig {
  /** Page views on load and history changes (`'history'`, default), on load only, or none. */
  pageviews?: 'history' | 'load' | false;
  /** A fragment-only change is a page view too. Default `false`. */
  hashChanges?: boolean;
  /** `context.session` `{ id, index }` on every event. Default `true`. */
  sessions?: boolean;
  /** Inactivity that ends a session, minutes (1–1440). Default `30`. */
  sessionMinutes?: number;
  /** `Link Clicked`, `Button Clicked`, `data-kz-track` events. Default `true`. */
  clicks?: boolean;
  /** `Scroll Depth` milestones. Default `true`. */
  scroll?: boolean;
  /** `Page Engagement` when the page is hidden or left. Default `true`. */
  engagement?: boolean;
  /** Heartbeat `Page Engagement` while engaged, seconds (0–3600). Default `0` (none). */
  heartbeatSeconds?: number;
  /** `Form Started`/`Submitted`/`Abandoned` (names and types only). Default `true`. */
  forms?: boolean;
}

/** The queue's copy in localStorage, which the next page of the site (or another tab) sends. Written only while analytics storage is allowed. */
export interface StoreConfig {
  /** Keep one. Default `true`. */
  persist?: boolean;
  /** Most events kept (the newest). Default `5000`. Range 0–100000. */
  maxEvents?: number;
  /** Most characters kept. Default (and most) `2097152` (2 MiB). */
  maxBytes?: number;
  /** Stored events older than this are not sent (counted in `stats().expired`). Default `7`. Range 1–365. */
  maxAgeDays?: number;
}

/** What happened to the events so far on this page. */
export interface Stats {
  /** Waiting to be sent. */
  queued: number;
  /** Taken by the collector (requests answered 2xx, beacons the browser accepted). */
  sent: number;
  /** Dropped from a full queue. */
  dropped: number;
  /** Taken over from storage but older than `store.maxAgeDays`. */
  expired: number;
  /** Refused by the collector for good (4xx other than 408 and 429; a single event answered 413). */
  rejected: number;
  /** Found damaged in storage (a stored queue another page, an extension or a full disk left broken) and dropped, never sent. */
  damaged: number;
  /** Waiting for the visitor's consent choice (opt-in before a choice): sent once it is granted. */
  waitingForConsent: number;
}

/** Limits that decide when queued events are sent. */
export interface BatchConfig {
  /** Send when this many events are queued. Default `100`. Range 1–1000. */
  maxEvents?: number;
  /**
   * Send when a batch body would pass this many bytes. Default `32768`
   * (32 KiB: the most a keepalive request may carry in Firefox; a larger
   * batch goes as a plain request). Range 1024–500000.
   */
  maxBytes?: number;
  /** Send this many milliseconds after the first event was queued. Default `1000`. Range 0–60000. */
  flushInterval?: number;
  /** Events whose JSON is larger are refused with a console error. Default `32256` (`batch.maxBytes` less 512). Range 256 to `batch.maxBytes` less 512. */
  maxEventBytes?: number;
  /**
   * Opt-in: the largest body a batch grows to while the page is open and
   * events keep waiting: each full batch delivered doubles the next, from
   * `maxBytes` up to this (sent without keepalive: one in flight as the
   * page goes may arrive twice, same messageId). Default `32768`
   * (`maxBytes`: no growth). Range 1024–500000; 262144 is a good value.
   */
  maxRequestBytes?: number;
}

/** A consent category. `necessary` is always granted. */
export type ConsentCategory = 'necessary' | 'analytics' | 'personalization' | 'marketing';

/** The state of one category. */
export type ConsentChoice = 'granted' | 'denied' | 'unknown';

/** Every category's state. */
export interface ConsentState {
  necessary: 'granted';
  analytics: ConsentChoice;
  personalization: ConsentChoice;
  marketing: ConsentChoice;
}

/** Consent rules. */
export interface ConsentConfig {
  /** `'opt-in'`: nothing is sent or stored for a category until granted. `'opt-out'`: granted until denied. Default `'opt-in'`. */
  mode?: 'opt-in' | 'opt-out';
  /** Events of an undecided category wait in memory (`'buffer'`) or are dropped (`'drop'`). Default `'buffer'`. */
  pending?: 'buffer' | 'drop';
  /** Most events kept waiting for a choice; the oldest go first. Default `100`. */
  bufferLimit?: number;
  /** Honour Global Privacy Control (`navigator.globalPrivacyControl`): marketing denied unless granted through `consent.set`. Default `true`. */
  gpc?: boolean;
  /** Listen to an IAB TCF v2.2 CMP (`__tcfapi('addEventListener')`). Default `true`. */
  tcf?: boolean;
  /** Listen to an IAB GPP CMP (`__gpp`): US National and state sections, and TCF EU inside GPP. Default `true`. */
  gpp?: boolean;
  /** Read Google Consent Mode v2 commands in `dataLayer`. Default `true`. */
  googleConsentMode?: boolean;
}

/** A lifecycle segment. */
export type Segment = 'new' | 'returning' | 'engaged' | 'loyal' | 'dormant';

/** Who may see a variant; every rule given must hold. */
export interface VariantRules {
  /** One of these lifecycle segments. */
  segment?: Segment | Segment[];
  /** At least this share (0–1) of the visitor's interest in each topic, e.g. `{ shoes: 0.3 }`. */
  minAffinity?: Record<string, number>;
  /** The page path starts with this. */
  pathPrefix?: string;
  /** The page's `utm_source` is this. */
  utmSource?: string;
  /** The page's `utm_campaign` is this. */
  utmCampaign?: string;
  /** New (first session) or returning. */
  visitor?: 'new' | 'returning';
  /** Device class, from the screen width (< 768 mobile, < 1024 tablet). */
  device?: 'mobile' | 'tablet' | 'desktop' | Array<'mobile' | 'tablet' | 'desktop'>;
}

/** Settings of one variant of a slot. */
export interface VariantConfig {
  /** The click rate the site measured for it (0–1). Default `0.05`. */
  prior?: number;
  /** Who may see it. Default: everyone. */
  rules?: VariantRules;
  /** Its topics, for slots the app renders itself (in the page, `data-kz-tags` says it). */
  tags?: string | string[];
}

/** Settings of one slot (`data-kz-slot`). */
export interface SlotConfig {
  /** Share of visitors (0–1) who always see the default, to measure lift. Default `0`. */
  holdout?: number;
  /**
   * Exploration floor (0–1): this share of choices is uniform over the eligible variants, so no logged
   * propensity is below explore ÷ variants and off-policy estimates stay usable. Default `0.1`.
   */
  explore?: number;
  /** Settings by variant id (`data-kz-variant`). */
  variants?: Record<string, VariantConfig>;
}

/** A slot's decision. */
export interface SlotDecision {
  slot: string;
  /** The variant shown; null for the default content. */
  variant: string | null;
  /**
   * Why: no consent, in the holdout, no variant's rules allow one, the only eligible one, the visitor's
   * earlier assignment kept, chosen now by Thompson sampling, or `late` (decided after the pre-paint script
   * had already shown the default: the default stays for this page view, the decision is kept for the next).
   */
  reason: 'no-consent' | 'holdout' | 'no-eligible-variant' | 'only-eligible' | 'sticky' | 'thompson' | 'late';
  /** The probability of this outcome under the policy (1 when certain). */
  propensity: number;
  /** Whether the visitor is in the slot's holdout. */
  holdout: boolean;
  /** Why, in a sentence for the developer (the statistics behind it). */
  explanation: string;
  /** The visitor's interest the variant is about, when there is one: what "Why am I seeing this?" tells the visitor ("Because you looked at outerwear"). */
  topic?: string;
}

/** What `kz.profile()` shows. */
export interface VisitorProfile {
  firstSeen: number;
  lastSeen: number;
  sessions: number;
  pageViews: number;
  events: number;
  orders: number;
  revenue: number;
  lastOrder: number | null;
  segment: Segment;
  /** Engagement score, 0–100. */
  score: number;
  /** Share of interest per topic (0–1), strongest first. */
  affinities: Record<string, number>;
  /** The variant kept per slot (null: the default). */
  assignments: Record<string, string | null>;
}

/** What `init` accepts. Unknown keys are ignored with a console warning. */
export interface KizunaConfig {
  /** Where batches are POSTed: an absolute http(s) URL, or a path on the page's origin such as `/collect`. Required. */
  endpoint: string;
  /** Sent in each batch body as `writeKey`. Default: none. */
  writeKey?: string;
  /**
   * The wire format: Segment's batch, or Snowplow's tracker protocol (`'snowplow'`) POSTed to
   * `{endpoint}/com.snowplowanalytics.snowplow/tp2` (give the collector's base URL as `endpoint`). Default `'segment'`.
   */
  format?: 'segment' | 'snowplow';
  /** Log every event and batch to the console with the `[kizuna]` prefix. Default `false` (only errors and warnings are printed). */
  debug?: boolean;
  /** Batching limits. */
  batch?: BatchConfig;
  /** The queue's bounds. */
  queue?: QueueConfig;
  /** The queue's stored copy. */
  store?: StoreConfig;
  /** What is tracked without code; `false` switches all of it off. */
  autotrack?: AutotrackConfig | false;
  /** Consent rules. */
  consent?: ConsentConfig;
  /** Slot settings by slot name. */
  slots?: Record<string, SlotConfig>;
  /** Profile settings. */
  profile?: {
    /** Days for a topic's weight to halve. Default `14`. */ halfLifeDays?: number;
    /** Topics the profile never learns nor uses (health, religion…). Default none. */ sensitive?: string | string[];
  };
  /** Data minimization: what leaves the page about the device and the person. */
  privacy?: {
    /** `'full'` (default), `'browser'` (e.g. `Chrome/120`: no OS, no device), `'none'` (empty). */
    userAgent?: 'full' | 'browser' | 'none';
    /** `'full'` (default), `'no-query'` (without its query and fragment), `'origin'`, `'none'`. */
    referrer?: 'full' | 'no-query' | 'origin' | 'none';
    /** `'send'` (default), `'hash'` (SHA-256 of `userIdSalt` + the id, hex), `'drop'` (never kept nor sent). */
    userId?: 'send' | 'hash' | 'drop';
    /** Prepended to the user id before hashing: the site's secret. */
    userIdSalt?: string;
  };
  /** Load the engage build (recommendations) for `kz.recommend` even without a `data-kz-recs` row. Default `false`. */
  recommendations?: boolean;
  /**
   * The model a collector learned from every visitor (its `GET /v1/model`, an `http(s)` URL or a path):
   * recommendations rank with the items others viewed near this visitor's latest ones, slot variants without a
   * `prior` start from their measured click rates, and the model's remote config (`slots`, `journeys`,
   * `journeyCaps`, `insights`) fills in what this config leaves unset. Fetched once a page, with personalization
   * consent, where personalization runs. Default: none.
   */
  model?: string;
  /** Journey triggers: a message or an NPS survey when a rule over the on-device profile holds (the engage build). */
  journeys?: Record<string, JourneyConfig>;
  /**
   * Audience reports with local differential privacy (the engage build): at most once every `everyDays`
   * (default 7) an `Audience Report` with the visitor's segment and top topic, each randomized on the device
   * (k-ary randomized response, ε/2 each; `epsilon` default 2). Needs analytics (it is sent) and
   * personalization (it reads the profile) consent.
   */
  insights?: { epsilon?: number; everyDays?: number; topics?: string | string[] };
  /** Over all journeys. */
  journeyCaps?: { /** Journeys shown a session, all together. Default `2`. */ perSession?: number };
}

/** Per-call options. */
export interface CallOptions {
  /** Your own id for the event (default: a UUID v4 made at call time). Collectors deduplicate on it. */
  messageId?: string;
  /** The consent the event needs. Default `'analytics'`. */
  category?: ConsentCategory;
}

/** `kz.consent`. */
export interface ConsentApi {
  /** Every category's state now. */
  get(): ConsentState;
  /** The visitor's choice (any subset of categories); returns the new state. `source` names the banner (default `'api'`). */
  set(choices: Partial<Record<'analytics' | 'personalization' | 'marketing', boolean>>, options?: { source?: string }): ConsentState;
  /** Calls `callback(state)` after every change; returns the function that unsubscribes it. */
  onChange(callback: (state: ConsentState) => void): () => void;
  /** Events waiting for a choice, and events dropped from a full buffer. */
  pending(): { buffered: number; dropped: number };
}

/** What `flush()` resolves with. */
export interface FlushSummary {
  /** Events the collector accepted while the flush ran. */
  sent: number;
  /** Events in requests that failed (retryable failures stay queued). */
  failed: number;
  /** Events still queued when the flush resolved. */
  pending: number;
  /** Events waiting for the visitor's consent choice: none is sent before it. */
  waitingForConsent: number;
}

/** A running Kizuna instance. No method ever throws. */
export interface Kizuna {
  /** Records a custom event. Returns whether it was queued (bad input is reported on the console). */
  track(event: string, properties?: Properties, options?: CallOptions): boolean;
  /** Records a page view; its properties start from the page's url, path, referrer, title and search. */
  page(name?: string, properties?: Properties, options?: CallOptions): boolean;
  page(properties: Properties, options?: CallOptions): boolean;
  /** Sets the user id (kept across pages) and merges traits; later events carry the user id. */
  identify(userId: string | number, traits?: Properties, options?: CallOptions): boolean;
  identify(traits: Properties, options?: CallOptions): boolean;
  /**
   * Associates the visitor with a group (an account, a company, an organization) and merges its traits:
   * Segment's `group` (`{ type: 'group', groupId, traits }`). The group is kept across pages like the user
   * (analytics storage); the same group id merges traits, a new one starts fresh traits, `group(traits)`
   * merges into the kept group. `groupId` is a non-empty string of at most 255 characters, or a whole
   * number. Returns whether it was queued (bad input is reported on the console).
   */
  group(groupId: string | number, traits?: Properties, options?: CallOptions): boolean;
  group(traits: Properties, options?: CallOptions): boolean;
  /**
   * Says that the user id `userId` and `previousId` (by default the current user id, else the anonymous id)
   * are the same person: Segment's `alias` (`{ type: 'alias', userId, previousId }`). It does not change the
   * user id later events carry: call `identify` for that. Both ids are non-empty strings of at most 255
   * characters (or whole numbers), hashed or dropped as `privacy.userId` says. Returns whether it was queued.
   */
  alias(userId: string | number, previousId?: string | number | null, options?: CallOptions): boolean;
  alias(userId: string | number, options: CallOptions): boolean;
  /** Forgets the user id and traits, the group and its traits, and starts a new anonymous id. */
  reset(): void;
  /** Sends everything queued now; resolves once the collector answered every request (or one failed). */
  flush(): Promise<FlushSummary>;
  /** The visitor's anonymous id (UUID v4, kept across pages). */
  anonymousId(): string | null;
  /** The user id set by `identify`, or null. */
  userId(): string | null;
  /** Events waiting to be sent. */
  queued(): number;
  /** Counts of sent, dropped, expired and refused events. */
  stats(): Stats;
  /** The visitor's consent. */
  readonly consent: ConsentApi;
  /** The decision for a slot: the page's, or (for a slot the app renders itself, described in `slots`) one made now. */
  decide(slot: string): SlotDecision | null;
  /** Why the slot shows what it shows, in a sentence. */
  explain(slot: string): string;
  /** What is stored about the visitor on this device, or null (no personalization consent, or nothing yet). */
  profile(): VisitorProfile | null;
  /**
   * Ranks the site's items for this visitor on the device (the engage build: set `recommendations: true`
   * or have a `data-kz-recs` row); without personalization consent, the first `n` as given.
   */
  recommend(items: RecommendItem[], options?: { n?: number; slot?: string }): Recommendation[];
  /** An app-rendered recommended item was seen (sends `Recommendation Viewed` once per page view). */
  recommendationViewed(slot: string, id: string): void;
  /** An app-rendered recommended item was clicked (sends `Recommendation Clicked`). */
  recommendationClicked(slot: string, id: string): void;
  /** Deletes the profile, the ids and the group (the consent record stays); the visitor starts anew. */
  forget(): void;
  /** Calls `callback(decision)` for every slot decided; returns the function that unsubscribes. */
  onDecision(callback: (decision: SlotDecision) => void): () => void;
  /** True for the no-op instance `init` returns outside a browser. */
  readonly inert: boolean;
}

/**
 * Starts Kizuna on this page. Rejects with an Error naming the bad field when
 * the config is invalid. Outside a browser (server-side rendering) it resolves
 * to an inert instance whose methods do nothing.
 */
export function init(config: KizunaConfig): Promise<Kizuna>;

declare const _default: { init: typeof init };
export default _default;

/**
 * The script-tag global (`window.kizuna` unless renamed): before the SDK
 * loads, a queue; after, the same API as an instance, plus calls by name:
 * `kizuna('init', config)`, `kizuna('track', name, properties)`,
 * `kizuna('page')`, `kizuna('identify', id, traits)`, `kizuna('group', id, traits)`,
 * `kizuna('alias', userId, previousId)`, `kizuna('reset')`,
 * `kizuna('flush')`, `kizuna('consent', choices, options)`,
 * `kizuna('ready', (kz) => …)`.
 */
export interface KizunaGlobal extends Partial<Kizuna> {
  (method: 'init', config: KizunaConfig): void;
  (method: 'track', event: string, properties?: Properties, options?: CallOptions): void;
  (method: 'page', name?: string | Properties, properties?: Properties, options?: CallOptions): void;
  (method: 'identify', userId?: string | number | Properties, traits?: Properties, options?: CallOptions): void;
  (method: 'group', groupId?: string | number | Properties, traits?: Properties, options?: CallOptions): void;
  (method: 'alias', userId: string | number, previousId?: string | number | null | CallOptions, options?: CallOptions): void;
  (method: 'consent', choices: Partial<Record<'analytics' | 'personalization' | 'marketing', boolean>>, options?: { source?: string }): void;
  (method: 'reset' | 'flush'): void;
  (method: 'ready', callback: (kz: Kizuna) => void): void;
}
