//! Output that must come out sorted by path, held in bounded memory.
//!
//! Files are fixed in whatever order the parallel walk finds them, but what
//! nixfix prints is sorted by path. Each file's rendered output is pushed
//! here; when what is held passes a budget, it is sorted and written to an
//! unnamed temporary file as one sorted run (as `sort(1)` does), and the
//! runs are merged at the end. Memory stays the same whether a tree holds a
//! thousand configs or a hundred thousand. Where no temporary file can be
//! made (or off Unix, where paths are not plain bytes), everything is held
//! in memory instead.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::PathBuf;

/// One file's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub path: PathBuf,
    /// For standard output.
    pub out: Vec<u8>,
    /// For standard error.
    pub err: Vec<u8>,
}

impl Record {
    /// What holding it costs, roughly (the allocations' headers included).
    fn weight(&self) -> usize {
        self.path.as_os_str().len() + self.out.len() + self.err.len() + 96
    }
}

/// By path (component by component, as `Path` orders), then by content so
/// that even equal paths come out in one order.
impl Ord for Record {
    fn cmp(&self, other: &Self) -> Ordering {
        self.path
            .cmp(&other.path)
            .then_with(|| self.out.cmp(&other.out))
            .then_with(|| self.err.cmp(&other.err))
    }
}

impl PartialOrd for Record {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Runs merged at once; more are first merged into one (bounds the read
/// buffers held during the final merge).
const FAN_IN: usize = 32;
const READ_BUFFER: usize = 8 * 1024;

/// Makes the (unnamed) temporary file of a run.
type MakeFile = fn() -> std::io::Result<std::fs::File>;

pub struct Sorted {
    budget: usize,
    make: MakeFile,
    held: Vec<Record>,
    weight: usize,
    runs: Vec<std::fs::File>,
    /// Set once spilling failed: hold everything from then on.
    in_memory: bool,
}

impl Sorted {
    /// Hold at most about `budget` bytes before spilling to disk.
    pub fn new(budget: usize) -> Sorted {
        Sorted::with_files(budget, tempfile::tempfile)
    }

    /// [`Sorted::new`], with runs written to the files `make` gives.
    pub fn with_files(budget: usize, make: MakeFile) -> Sorted {
        Sorted {
            budget,
            make,
            held: Vec::new(),
            weight: 0,
            runs: Vec::new(),
            in_memory: !cfg!(unix),
        }
    }

    pub fn push(&mut self, r: Record) {
        self.weight += r.weight();
        self.held.push(r);
        if self.weight > self.budget && !self.in_memory && self.spill().is_err() {
            // No temporary file (TMPDIR missing, a full disk): everything
            // stays in memory from now on. A failed spill has lost nothing:
            // the records it was writing are still held.
            self.in_memory = true;
        }
    }

    /// How many sorted runs went to disk (for tests).
    #[cfg(test)]
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Whether spilling failed and everything is held in memory.
    #[cfg(test)]
    pub fn in_memory(&self) -> bool {
        self.in_memory
    }

    /// Write what is held as one sorted run. The records are dropped only
    /// once the run is written: on an error they are all still held.
    fn spill(&mut self) -> std::io::Result<()> {
        self.held.sort_unstable();
        let file = write_run(self.make, self.held.iter().map(Ok))?;
        self.held.clear();
        self.weight = 0;
        self.runs.push(file);
        if self.runs.len() >= FAN_IN {
            // Merged into one run; the runs merged are given up only
            // once it is written (a failure keeps them as they are).
            let clones = self.runs.iter().map(std::fs::File::try_clone);
            let merged = write_run(self.make, merge(clones.collect::<Result<_, _>>()?)?)?;
            self.runs = vec![merged];
        }
        Ok(())
    }

    /// Every record, in order.
    pub fn drain(mut self, mut each: impl FnMut(Record)) -> std::io::Result<()> {
        self.held.sort_unstable();
        if self.runs.is_empty() {
            self.held.into_iter().for_each(each);
            return Ok(());
        }
        let held = std::mem::take(&mut self.held);
        let mut from_disk = merge(std::mem::take(&mut self.runs))?.peekable();
        let mut in_memory = held.into_iter().peekable();
        loop {
            let disk_first = match (from_disk.peek(), in_memory.peek()) {
                (None, None) => return Ok(()),
                (Some(Err(_)), _) => true,
                (Some(Ok(d)), Some(m)) => d <= m,
                (Some(_), None) => true,
                (None, Some(_)) => false,
            };
            if disk_first {
                match from_disk.next() {
                    Some(Ok(r)) => each(r),
                    Some(Err(e)) => return Err(e),
                    None => {}
                }
            } else if let Some(r) = in_memory.next() {
                each(r);
            }
        }
    }
}

/// Write records (already sorted) to a new unnamed temporary file, and
/// rewind it for reading.
fn write_run<R: std::borrow::Borrow<Record>>(
    make: MakeFile,
    records: impl Iterator<Item = std::io::Result<R>>,
) -> std::io::Result<std::fs::File> {
    let mut w = BufWriter::with_capacity(64 * 1024, make()?);
    for r in records {
        let r = r?;
        let r = r.borrow();
        for part in [path_bytes(&r.path), &r.out[..], &r.err[..]] {
            w.write_all(&(part.len() as u64).to_le_bytes())?;
            w.write_all(part)?;
        }
    }
    let mut file = w.into_inner().map_err(|e| e.into_error())?;
    file.rewind()?;
    Ok(file)
}

/// The records of sorted runs, merged into one sorted sequence. Each run
/// is read from its start (a merge that failed half way may have moved it).
fn merge(
    runs: Vec<std::fs::File>,
) -> std::io::Result<impl Iterator<Item = std::io::Result<Record>>> {
    let mut readers = Vec::with_capacity(runs.len());
    for mut f in runs {
        f.rewind()?;
        readers.push(BufReader::with_capacity(READ_BUFFER, f));
    }
    let mut heap = BinaryHeap::new();
    for (i, r) in readers.iter_mut().enumerate() {
        if let Some(rec) = read_record(r)? {
            heap.push(std::cmp::Reverse((rec, i)));
        }
    }
    Ok(std::iter::from_fn(move || {
        let std::cmp::Reverse((rec, i)) = heap.pop()?;
        match read_record(&mut readers[i]) {
            Ok(Some(next)) => heap.push(std::cmp::Reverse((next, i))),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(rec))
    }))
}

fn read_record(r: &mut impl Read) -> std::io::Result<Option<Record>> {
    let mut parts: [Vec<u8>; 3] = Default::default();
    for (n, part) in parts.iter_mut().enumerate() {
        let mut len = [0u8; 8];
        if n == 0 {
            // A clean end of the run comes before a record, never inside one.
            let got = read_full(r, &mut len)?;
            if got == 0 {
                return Ok(None);
            }
            if got < len.len() {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        } else {
            r.read_exact(&mut len)?;
        }
        let len = u64::from_le_bytes(len) as usize;
        part.resize(len, 0);
        r.read_exact(part)?;
    }
    let [path, out, err] = parts;
    Ok(Some(Record {
        path: bytes_path(path),
        out,
        err,
    }))
}

/// Read until `buf` is full or the input ends; how much was read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(unix)]
fn path_bytes(p: &std::path::Path) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes()
}

#[cfg(unix)]
fn bytes_path(b: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(b))
}

// Never spilled off Unix (see `Sorted::new`): these are not reached there.
#[cfg(not(unix))]
fn path_bytes(p: &std::path::Path) -> &[u8] {
    p.to_str().unwrap_or_default().as_bytes()
}

#[cfg(not(unix))]
fn bytes_path(b: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&b).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rec(path: &str, out: &str) -> Record {
        Record {
            path: PathBuf::from(path),
            out: out.as_bytes().to_vec(),
            err: format!("e:{out}").into_bytes(),
        }
    }

    fn drained(s: Sorted) -> Vec<Record> {
        let mut v = Vec::new();
        s.drain(|r| v.push(r)).unwrap();
        v
    }

    #[test]
    fn paths_sort_by_component_not_by_string() {
        // As a string "a-b/x" < "a/x" ('-' < '/'); by components "a" < "a-b".
        let mut s = Sorted::new(usize::MAX);
        s.push(rec("a-b/x", "2"));
        s.push(rec("a/x", "1"));
        let got: Vec<String> = drained(s)
            .into_iter()
            .map(|r| r.path.display().to_string())
            .collect();
        assert_eq!(got, ["a/x", "a-b/x"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_tiny_budget_spills_and_merges_back_in_order() {
        let mut s = Sorted::new(1);
        let mut want = Vec::new();
        // More runs than FAN_IN, so runs are merged while spilling too.
        for i in (0..200).rev() {
            let r = rec(&format!("svc-{i:03}/nixpacks.toml"), &"x".repeat(i));
            want.push(r.clone());
            s.push(r);
        }
        assert!(s.runs() >= 1 && s.runs() < FAN_IN, "{} runs", s.runs());
        want.sort();
        assert_eq!(drained(s), want);
    }

    /// A temporary file that cannot be made, or that fills up after a
    /// few records, loses no record: they are held in memory instead.
    #[cfg(unix)]
    #[test]
    fn a_failed_spill_keeps_every_record() {
        fn no_file() -> std::io::Result<std::fs::File> {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no TMPDIR",
            ))
        }
        fn full_disk() -> std::io::Result<std::fs::File> {
            // Writes past the first few bytes fail (ENOSPC).
            std::fs::OpenOptions::new()
                .write(true)
                .read(true)
                .open("/dev/full")
        }
        for make in [no_file as MakeFile, full_disk] {
            let mut s = Sorted::with_files(1, make);
            let mut want = Vec::new();
            for i in (0..300).rev() {
                let r = rec(&format!("svc-{i:03}/nixpacks.toml"), &"x".repeat(100));
                want.push(r.clone());
                s.push(r);
            }
            assert!(s.in_memory());
            want.sort();
            assert_eq!(drained(s), want);
        }
        // Spilled runs that a later merge fails on are kept and read whole.
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        fn fails_on_the_merge() -> std::io::Result<std::fs::File> {
            let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n < FAN_IN {
                tempfile::tempfile()
            } else {
                no_file()
            }
        }
        let mut s = Sorted::with_files(1, fails_on_the_merge);
        let mut want = Vec::new();
        for i in 0..(FAN_IN + 10) {
            let r = rec(&format!("m-{i:03}"), "y");
            want.push(r.clone());
            s.push(r);
        }
        assert!(s.in_memory() && s.runs() == FAN_IN, "{} runs", s.runs());
        want.sort();
        assert_eq!(drained(s), want);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_and_empty_parts_survive_a_spill() {
        use std::os::unix::ffi::OsStringExt;
        let odd = PathBuf::from(std::ffi::OsString::from_vec(
            b"a\xff/nixpacks.toml".to_vec(),
        ));
        let mut s = Sorted::new(1);
        let r = Record {
            path: odd.clone(),
            out: Vec::new(),
            err: Vec::new(),
        };
        s.push(r.clone());
        assert_eq!(s.runs(), 1);
        assert_eq!(drained(s), vec![r]);
    }

    proptest! {
        #[test]
        fn any_budget_gives_the_sorted_records(
            items in proptest::collection::vec(("[a-c/]{1,6}", "[xy]{0,4}"), 0..60),
            budget in 0usize..2000,
        ) {
            let mut s = Sorted::new(budget);
            let mut want = Vec::new();
            for (p, o) in &items {
                let r = rec(p, o);
                want.push(r.clone());
                s.push(r);
            }
            want.sort();
            prop_assert_eq!(drained(s), want);
        }
    }
}
