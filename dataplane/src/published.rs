//! A value published RCU-style by one control thread and adopted by
//! workers between bursts: the model slot today, the names table next.
//!
//! - The publisher (off the hot path) keeps the current `Arc<T>` and every
//!   retired one, stores a raw pointer to the current value and then bumps a
//!   generation counter.
//! - A worker's [`Reader::poll`] costs one atomic load when nothing changed.
//!   When the generation moved, the worker takes a reference on the current
//!   value (a refcount increment: no allocation, no lock), installs it, drops
//!   its previous one and acknowledges the generation.
//! - A retired value is released only by the publisher side
//!   ([`Published::reclaim`]), once every reader has acknowledged a
//!   generation at least as new as the one that replaced it. Until then the
//!   publisher holds a reference, so a worker's drop is never the last one:
//!   workers never free.
//!
//! Why the pointer a worker loads is always alive: the worker reads the
//! generation `g`, then the pointer `p`. If `p` was replaced at generation
//! `r`, then `r > g`, and the worker's acknowledgement is at most `g` until it
//! has taken its own reference, so the publisher still holds `p`.
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One reader's acknowledged generation, on its own cache line.
#[repr(align(64))]
#[derive(Default)]
struct Ack(AtomicU64);

struct Owned<T> {
    current: Option<Arc<T>>,
    /// (generation that replaced it, the value)
    retired: Vec<(u64, Arc<T>)>,
}

/// The slot. Share it as `Arc<Published<T>>`.
pub struct Published<T> {
    ptr: AtomicPtr<T>,
    generation: AtomicU64,
    acks: Box<[Ack]>,
    /// Publisher-side only: workers never touch it.
    owned: Mutex<Owned<T>>,
}

impl<T: Send + Sync> Published<T> {
    /// A slot holding `initial` (generation 1), or nothing (generation 0),
    /// for `readers` readers.
    pub fn new(initial: Option<T>, readers: usize) -> Self {
        let current = initial.map(Arc::new);
        let ptr = current.as_ref().map(|a| Arc::as_ptr(a) as *mut T).unwrap_or(std::ptr::null_mut());
        let generation = if current.is_some() { 1 } else { 0 };
        Published {
            ptr: AtomicPtr::new(ptr),
            generation: AtomicU64::new(generation),
            acks: (0..readers).map(|_| Ack(AtomicU64::new(generation))).collect(),
            owned: Mutex::new(Owned { current, retired: Vec::new() }),
        }
    }

    /// Make `value` current; returns its generation. Readers adopt it at
    /// their next poll.
    pub fn publish(&self, value: T) -> u64 {
        let arc = Arc::new(value);
        let mut o = self.owned.lock().unwrap_or_else(|e| e.into_inner());
        let g = self.generation.load(Ordering::Relaxed) + 1;
        self.ptr.store(Arc::as_ptr(&arc) as *mut T, Ordering::Release);
        self.generation.store(g, Ordering::Release);
        if let Some(old) = o.current.replace(arc) {
            o.retired.push((g, old));
        }
        Self::reclaim_locked(&self.acks, &mut o);
        g
    }

    /// The current value and its generation (publisher side).
    pub fn current(&self) -> (Option<Arc<T>>, u64) {
        let o = self.owned.lock().unwrap_or_else(|e| e.into_inner());
        (o.current.clone(), self.generation.load(Ordering::Acquire))
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Release retired values every reader has moved past; returns how
    /// many are still held.
    pub fn reclaim(&self) -> usize {
        let mut o = self.owned.lock().unwrap_or_else(|e| e.into_inner());
        Self::reclaim_locked(&self.acks, &mut o);
        o.retired.len()
    }

    fn reclaim_locked(acks: &[Ack], o: &mut Owned<T>) {
        let oldest = acks.iter().map(|a| a.0.load(Ordering::Acquire)).min().unwrap_or(u64::MAX);
        o.retired.retain(|(replaced_at, _)| *replaced_at > oldest);
    }

    /// The reader with index `i` (one per worker; `i < readers`).
    pub fn reader(self: &Arc<Self>, i: usize) -> Reader<T> {
        assert!(i < self.acks.len(), "reader {i} of {}", self.acks.len());
        let seen = self.acks[i].0.load(Ordering::Relaxed);
        let held = if seen == 0 { None } else { self.current().0 };
        Reader { slot: self.clone(), index: i, seen, held }
    }
}

/// A worker's handle on a [`Published`] slot.
pub struct Reader<T: Send + Sync> {
    slot: Arc<Published<T>>,
    index: usize,
    seen: u64,
    held: Option<Arc<T>>,
}

impl<T: Send + Sync> Reader<T> {
    /// The value this reader holds now.
    pub fn get(&self) -> Option<&T> {
        self.held.as_deref()
    }

    pub fn generation(&self) -> u64 {
        self.seen
    }

    /// If a newer value was published, hand it to `install` (which must
    /// drop whatever it held of the old one before returning), then
    /// acknowledge it. Returns the new generation, or None (one atomic load)
    /// when nothing changed. No allocation, no lock, no free.
    #[inline]
    pub fn poll(&mut self, install: impl FnOnce(&T)) -> Option<u64> {
        let g = self.slot.generation.load(Ordering::Acquire);
        if g == self.seen {
            return None;
        }
        let p = self.slot.ptr.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: `p` came from `Arc::as_ptr` of a value the publisher still
        // holds: it was current when loaded, and a value replaced at
        // generation r is released only when every reader acknowledged
        // r or later, while this reader's acknowledgement is below r until
        // the store at the end of this function (see the module docs).
        let arc = unsafe {
            Arc::increment_strong_count(p);
            Arc::from_raw(p)
        };
        install(&arc);
        // The old value's count drops here; the publisher's reference keeps
        // it alive, so this is never the last one.
        self.held = Some(arc);
        self.seen = g;
        self.slot.acks[self.index].0.store(g, Ordering::Release);
        Some(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// Counts drops and records which thread dropped.
    struct Probe {
        n: u64,
        dropped_on_reader: Arc<AtomicBool>,
    }
    thread_local!(static IS_READER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    impl Drop for Probe {
        fn drop(&mut self) {
            if IS_READER.with(|c| c.get()) {
                self.dropped_on_reader.store(true, Ordering::SeqCst);
            }
        }
    }

    #[test]
    fn readers_adopt_new_values_and_never_free_old_ones() {
        let flag = Arc::new(AtomicBool::new(false));
        let slot = Arc::new(Published::new(Some(Probe { n: 0, dropped_on_reader: flag.clone() }), 2));
        let stop = Arc::new(AtomicBool::new(false));
        let mut handles = Vec::new();
        for i in 0..2 {
            let mut r = slot.reader(i);
            let stop = stop.clone();
            handles.push(std::thread::spawn(move || {
                IS_READER.with(|c| c.set(true));
                let mut last = r.get().map(|p| p.n).unwrap_or(0);
                let mut mine: Option<u64> = None;
                let mut adopted = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    if r.poll(|p| mine = Some(p.n)).is_some() {
                        let n = mine.unwrap_or(0);
                        assert!(n >= last, "values only move forward");
                        last = n;
                        adopted += 1;
                    }
                }
                // Hand the reader back so its last value is dropped here, off the reader thread.
                (r, last, adopted)
            }));
        }
        for n in 1..=2000u64 {
            slot.publish(Probe { n, dropped_on_reader: flag.clone() });
            if n % 100 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        stop.store(true, Ordering::Relaxed);
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        for (r, last, adopted) in &results {
            assert_eq!(*last, 2000, "every reader reached the last value");
            assert!(*adopted >= 1);
            assert_eq!(r.generation(), 2001);
        }
        assert_eq!(slot.reclaim(), 0, "all retired values released once every reader moved on");
        assert!(!flag.load(Ordering::SeqCst), "no value was freed on a reader thread");
        drop(results);
    }

    #[test]
    fn an_empty_slot_is_filled_later() {
        let slot: Arc<Published<u32>> = Arc::new(Published::new(None, 1));
        let mut r = slot.reader(0);
        assert!(r.get().is_none());
        assert_eq!(r.poll(|_| {}), None);
        assert_eq!(slot.publish(7), 1);
        let mut got = 0;
        assert_eq!(r.poll(|v| got = *v), Some(1));
        assert_eq!(got, 7);
        assert_eq!(r.get(), Some(&7));
        slot.publish(8);
        assert_eq!(slot.reclaim(), 1, "the reader still holds 7");
        r.poll(|_| {});
        assert_eq!(slot.reclaim(), 0);
    }
}
