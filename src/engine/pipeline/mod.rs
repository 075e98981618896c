//! The path every event takes, one stage per file, each a function that can
//! be tested alone:
//!
//! 1. [`call`]: a site's call (`track`, `page`, `identify`) checked, its
//!    values cleaned, every problem put into words;
//! 2. [`event`]: the event, stamped with everything fixed at call time
//!    (ids, time, page, consent), in its compact queued form;
//! 3. [`gate`]: consent decides: queue it, hold it for a choice, or drop it
//!    (at call time), and whether it may still go (at batch time);
//! 4. [`queue`]: waiting events, bounded in memory, the overflow handed to
//!    the edge to keep; [`store`]: its copy in storage, for the next page;
//! 5. [`batch`]: which events go together, encoded into one body;
//! 6. [`transport`]: what the collector's answer means, when to try again,
//!    and what goes by beacon as the page goes away.

pub mod batch;
pub mod call;
pub mod event;
pub mod gate;
pub mod queue;
pub mod store;
pub mod transport;
