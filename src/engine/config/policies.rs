//! The settings each stage of the pipeline reads: when a batch is sent,
//! how much the queue and its stored copy hold, and what is tracked without
//! code.

/// Limits that decide when queued events are sent.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchPolicy {
    /// Send when this many events are queued. Default 100.
    pub max_events: usize,
    /// Send when a batch body would pass this many bytes. Default 32 KiB.
    pub max_bytes: usize,
    /// Largest body a batch grows to while the page lives and events keep
    /// waiting (never less than `max_bytes`). Default `max_bytes`: no
    /// growth.
    pub max_request_bytes: usize,
    /// Send this many milliseconds after the first event was queued. Default 1000.
    pub flush_interval_ms: f64,
    /// Events whose JSON is larger than this are refused. Default 32 KiB.
    pub max_event_bytes: usize,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy {
            max_events: 100,
            max_bytes: 32 * 1024,
            max_request_bytes: 32 * 1024,
            flush_interval_ms: 1000.0,
            max_event_bytes: 32 * 1024 - 512,
        }
    }
}

/// How much the queue holds while the collector cannot take it (memory
/// never holds more, whatever the visitor does).
#[derive(Clone, Debug, PartialEq)]
pub struct QueuePolicy {
    /// Most events queued. Default 50,000.
    pub max_events: usize,
    /// Most bytes of queued records. Default 8 MiB.
    pub max_bytes: usize,
    /// When full, new events are refused (`drop-newest`) instead of the
    /// oldest going (`drop-oldest`, the default).
    pub drop_newest: bool,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        QueuePolicy { max_events: 50_000, max_bytes: 8 << 20, drop_newest: false }
    }
}

/// The queue's copy in storage, which the next page of the site sends.
#[derive(Clone, Debug, PartialEq)]
pub struct StorePolicy {
    /// Keep one at all (when analytics storage is allowed). Default true.
    pub persist: bool,
    /// Most events kept (the newest). Default 5,000.
    pub max_events: usize,
    /// Most characters of records kept. Default (and most) 2 MiB: under
    /// half of the 5 MiB browsers give a site's localStorage, and room for
    /// a 2,000-event burst cut off by a navigation.
    pub max_bytes: usize,
    /// Events older than this are not sent any more. Default 7 days.
    pub max_age_ms: f64,
}

impl Default for StorePolicy {
    fn default() -> Self {
        StorePolicy { persist: true, max_events: 5000, max_bytes: 2 << 20, max_age_ms: 7.0 * 86_400_000.0 }
    }
}

/// What Kizuna tracks on its own (`autotrack.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct AutoPolicy {
    /// Page views: 0 on load and history changes, 1 on load only, 2 none.
    pub pageviews: u8,
    /// A `hashchange` (or a history change of the fragment only) is a page view.
    pub hash_changes: bool,
    /// Sessions on every event's context.
    pub sessions: bool,
    /// Inactivity that ends a session, ms.
    pub session_ms: f64,
    /// Link, button and `data-kz-track` clicks.
    pub clicks: bool,
    /// Scroll depth milestones.
    pub scroll: bool,
    /// `Page Engagement` when the page is hidden or left.
    pub engagement: bool,
    /// While engaged, a `Page Engagement` this often (ms; 0: never).
    pub heartbeat_ms: f64,
    /// Form started, submitted, abandoned.
    pub forms: bool,
}

impl AutoPolicy {
    /// The listeners the edge installs, as bits: 1 history, 2 hash, 4
    /// clicks, 8 scroll, 16 activity, 32 forms, 64 the load's page view.
    pub fn listeners(&self) -> u32 {
        u32::from(self.pageviews != 2) << 6
            | u32::from(self.pageviews == 0)
            | u32::from(self.pageviews == 0 && self.hash_changes) << 1
            | u32::from(self.clicks) << 2
            | u32::from(self.scroll || self.engagement) << 3
            | u32::from(self.engagement) << 4
            | u32::from(self.forms) << 5
    }
}
