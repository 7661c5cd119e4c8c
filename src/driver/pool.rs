//! The worker pool: fixing files on several threads, with the reports handed
//! back in a stable order, and a memory budget for big files.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many bytes of big files may be being fixed at once, over all
/// threads. Fixing a file takes memory in proportion to its size (the
/// parsed TOML and the shell structure of its commands: up to about 170
/// bytes per byte of input, see benches/scale.py), so 16 threads each on a
/// file of several MiB could take tens of GiB; held to one
/// [`super::MAX_FILE_SIZE`] of input at a time, a run stays within a bounded
/// multiple of it however many threads it has.
pub struct MemoryBudget {
    used: Mutex<usize>,
    freed: std::sync::Condvar,
    limit: usize,
}

/// A share of a [`MemoryBudget`], given back when dropped.
pub struct Share<'a> {
    budget: &'a MemoryBudget,
    bytes: usize,
}

impl MemoryBudget {
    pub const fn new(limit: usize) -> MemoryBudget {
        MemoryBudget {
            used: Mutex::new(0),
            freed: std::sync::Condvar::new(),
            limit,
        }
    }

    /// Wait until `bytes` (at most the whole budget) fit, and take them.
    pub fn take(&self, bytes: usize) -> Share<'_> {
        let bytes = bytes.min(self.limit);
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used + bytes > self.limit {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
        Share {
            budget: self,
            bytes,
        }
    }
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

/// The budget every run shares.
pub static BIG_FILES: MemoryBudget = MemoryBudget::new(super::MAX_FILE_SIZE as usize);

/// Process `items` on `jobs` threads and hand each report to `sink` in the
/// order of `items`, as soon as it and all before it are done.
pub fn run_ordered<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    mut sink: impl FnMut(R),
) {
    let jobs = jobs.max(1).min(items.len().max(1));
    if jobs == 1 {
        for it in items {
            sink(work(it));
        }
        return;
    }
    // Work is handed out, and results sent back, in batches: one channel
    // message per item costs more than fixing a small config.
    const BATCH: usize = 32;
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Vec<R>)>();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let next = &next;
            let work = &work;
            s.spawn(move || {
                loop {
                    let start = next.fetch_add(BATCH, Ordering::Relaxed);
                    if start >= items.len() {
                        break;
                    }
                    let end = (start + BATCH).min(items.len());
                    let out: Vec<R> = items[start..end].iter().map(work).collect();
                    if tx.send((start, out)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (i, batch) in rx {
            pending.insert(i, batch);
            while let Some(batch) = pending.remove(&want) {
                want += batch.len();
                for r in batch {
                    sink(r);
                }
            }
        }
    });
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_output_whatever_the_threads() {
        let items: Vec<usize> = (0..500).collect();
        let mut got = Vec::new();
        run_ordered(&items, 4, |&i| i * 2, |r| got.push(r));
        assert_eq!(got, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_memory_budget_holds_back_what_does_not_fit() {
        let budget = MemoryBudget::new(10);
        let a = budget.take(6);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let _b = budget.take(6);
                tx.send(()).unwrap();
            });
            // The second share does not fit while the first is held.
            assert!(
                rx.recv_timeout(std::time::Duration::from_millis(200))
                    .is_err()
            );
            drop(a);
            rx.recv_timeout(std::time::Duration::from_secs(10))
                .expect("taken once the first share is given back");
        });
        // More than the whole budget is taken as the whole budget.
        drop(budget.take(1000));
    }
}
