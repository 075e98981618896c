// Type declarations of the `kizuna` package.

/** A JSON-compatible value as Kizuna sends it. Dates become ISO strings. */
export type JsonValue = string | number | boolean | null | Date | JsonValue[] | { [key: string]: JsonValue | undefined };

/** Properties of an event or traits of a user: a plain object. */
export type Properties = { [key: string]: JsonValue | undefined };

/** Limits that decide when queued events are sent. */
export interface BatchConfig {
  /** Send when this many events are queued. Default `50`. Range 1–1000. */
  maxEvents?: number;
  /**
   * Send when a batch body would pass this many bytes; also the size of each
   * chunk sent with `sendBeacon` when the page is hidden. Default `61440`
   * (60 KiB, under the browser's 64 KiB keepalive quota). Range 1024–500000.
   */
  maxBytes?: number;
  /** Send this many milliseconds after the first event was queued. Default `1000`. Range 0–60000. */
  flushInterval?: number;
  /** Events whose JSON is larger are refused with a console error. Default `32768` (Segment's limit). */
  maxEventBytes?: number;
}

/** What `init` accepts. Unknown keys are ignored with a console warning. */
export interface KizunaConfig {
  /** Where batches are POSTed: an absolute http(s) URL, or a path on the page's origin such as `/collect`. Required. */
  endpoint: string;
  /** Sent in each batch body as `writeKey`. Default: none. */
  writeKey?: string;
  /** Log every event and batch to the console with the `[kizuna]` prefix. Default `false` (only errors and warnings are printed). */
  debug?: boolean;
  /** Batching limits. */
  batch?: BatchConfig;
}

/** Per-call options. */
export interface CallOptions {
  /** Your own id for the event (default: a UUID v4 made at call time). Collectors deduplicate on it. */
  messageId?: string;
}

/** What `flush()` resolves with. */
export interface FlushSummary {
  /** Events the collector accepted while the flush ran. */
  sent: number;
  /** Events in requests that failed (retryable failures stay queued). */
  failed: number;
  /** Events still queued when the flush resolved. */
  pending: number;
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
  /** Forgets the user id and traits and starts a new anonymous id. */
  reset(): void;
  /** Sends everything queued now; resolves once the collector answered every request (or one failed). */
  flush(): Promise<FlushSummary>;
  /** The visitor's anonymous id (UUID v4, kept across pages). */
  anonymousId(): string | null;
  /** The user id set by `identify`, or null. */
  userId(): string | null;
  /** Events waiting to be sent. */
  queued(): number;
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
