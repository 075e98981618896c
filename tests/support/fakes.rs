//! Fakes of the platform traits for host tests: a clock the test moves, a
//! seeded random source, a shared in-memory store and a console that records.

#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use kizuna::core::platform::{Clock, Cookies, Level, Log, MemoryCookies, MemoryStore, Store, StoreError};
use kizuna::core::tracker::Platform;

/// A clock that only moves when the test says so.
#[derive(Clone, Default)]
pub struct FakeClock(pub Rc<Cell<f64>>);

impl FakeClock {
    pub fn at(ms: f64) -> FakeClock {
        FakeClock(Rc::new(Cell::new(ms)))
    }
    pub fn advance(&self, ms: f64) {
        self.0.set(self.0.get() + ms);
    }
    pub fn now(&self) -> f64 {
        self.0.get()
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> f64 {
        self.0.get()
    }
}

pub use kizuna::core::platform::SeededRandom;

/// A store shared between the tracker and the test.
#[derive(Clone, Default)]
pub struct SharedStore(pub Rc<RefCell<MemoryStore>>, pub Rc<Cell<bool>>);

impl SharedStore {
    pub fn get(&self, key: &str) -> Option<String> {
        self.0.borrow().get(key)
    }
    pub fn keys(&self) -> Vec<String> {
        self.0.borrow().keys()
    }
    /// Makes every later write fail as a full localStorage would.
    pub fn fill_up(&self) {
        self.1.set(true);
    }
}

impl Store for SharedStore {
    fn get(&self, key: &str) -> Option<String> {
        self.0.borrow().get(key)
    }
    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        if self.1.get() {
            return Err(StoreError::Full);
        }
        self.0.borrow_mut().set(key, value)
    }
    fn remove(&mut self, key: &str) {
        self.0.borrow_mut().remove(key)
    }
}

/// Cookies shared between the tracker and the test.
#[derive(Clone, Default)]
pub struct SharedCookies(pub Rc<RefCell<MemoryCookies>>);

impl SharedCookies {
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.borrow().get(name)
    }
    pub fn names(&self) -> Vec<String> {
        self.0.borrow().jar.iter().map(|(n, _, _)| n.clone()).collect()
    }
}

impl Cookies for SharedCookies {
    fn get(&self, name: &str) -> Option<String> {
        self.0.borrow().get(name)
    }
    fn set(&mut self, name: &str, value: &str, max_age_days: u32) {
        self.0.borrow_mut().set(name, value, max_age_days)
    }
    fn remove(&mut self, name: &str) {
        self.0.borrow_mut().remove(name)
    }
}

/// A console that keeps every line.
#[derive(Clone, Default)]
pub struct Recorder(pub Rc<RefCell<Vec<(Level, String)>>>);

impl Recorder {
    pub fn lines(&self, level: Level) -> Vec<String> {
        self.0.borrow().iter().filter(|(l, _)| *l == level).map(|(_, m)| m.clone()).collect()
    }
    pub fn clear(&self) {
        self.0.borrow_mut().clear()
    }
}

impl Log for Recorder {
    fn log(&self, level: Level, message: &str) {
        self.0.borrow_mut().push((level, message.to_string()));
    }
}

/// Everything a test needs to watch a tracker.
pub struct World {
    pub clock: FakeClock,
    pub store: SharedStore,
    pub cookies: SharedCookies,
    pub log: Recorder,
}

impl World {
    pub fn new() -> World {
        World {
            clock: FakeClock::at(1_795_363_980_000.0),
            store: SharedStore::default(),
            cookies: SharedCookies::default(),
            log: Recorder::default(),
        }
    }

    pub fn platform(&self, seed: u64) -> Platform {
        Platform {
            clock: Box::new(self.clock.clone()),
            random: Box::new(SeededRandom(seed)),
            store: Box::new(self.store.clone()),
            cookies: Box::new(self.cookies.clone()),
            log: Box::new(self.log.clone()),
        }
    }
}
