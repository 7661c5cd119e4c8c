//! Finding the configs: the walk of a directory (as ripgrep walks it), and
//! the candidates of a list of paths.

use super::{Candidate, io_message};
use crate::nixpacks::Kind;
use crate::report::FileReport;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Do not honour .gitignore and other ignore files.
    pub no_ignore: bool,
    /// Also walk hidden files and directories.
    pub hidden: bool,
    pub jobs: usize,
}

/// Directories never walked into.
const SKIP_DIRS: &[&str] = &[".git", "node_modules", "target"];

/// The walk of `root` as ripgrep does it: ignore files honoured unless
/// `no_ignore`, hidden entries skipped unless `hidden`, links not followed,
/// `.git`, `node_modules` and `target` never entered. `descend` can prune
/// more directories.
fn builder(
    root: &Path,
    opts: &WalkOptions,
    descend: impl Fn(&ignore::DirEntry) -> bool + Send + Sync + 'static,
) -> ignore::WalkBuilder {
    let mut b = ignore::WalkBuilder::new(root);
    b.hidden(!opts.hidden)
        .ignore(!opts.no_ignore)
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .require_git(false)
        .follow_links(false)
        .threads(opts.jobs)
        .filter_entry(move |e| {
            let dir = e.file_type().is_some_and(|t| t.is_dir());
            !(e.depth() > 0
                && dir
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| SKIP_DIRS.contains(&n)))
                && (!dir || descend(e))
        });
    b
}

/// A parallel walk of `root` (see [`builder`]).
fn walker(root: &Path, opts: &WalkOptions) -> ignore::WalkParallel {
    builder(root, opts, |_| true).build_parallel()
}

/// Whether the walk of `root` reaches `target` (a real path) as a config it
/// processes (not left out by `skip`). Walks only the directories on the way
/// to it, with the same ignore rules.
pub fn walked(
    root: &Path,
    opts: &WalkOptions,
    skip: &dyn Fn(&Candidate) -> bool,
    target: &Path,
) -> bool {
    let named = target
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(Kind::from_file_name)
        .is_some();
    let Ok(real_root) = std::fs::canonicalize(root) else {
        return false;
    };
    let Ok(rel) = target.strip_prefix(&real_root) else {
        return false;
    };
    if !named {
        return false;
    }
    let (want, base) = (rel.to_path_buf(), root.to_path_buf());
    let on_the_way = move |e: &ignore::DirEntry| {
        e.path()
            .strip_prefix(&base)
            .is_ok_and(|r| want.starts_with(r))
    };
    builder(root, opts, on_the_way)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.depth() > 0 && e.file_type().is_some_and(|t| t.is_file()))
        .any(|e| {
            e.path().strip_prefix(root).is_ok_and(|r| r == rel)
                && !skip(&Candidate {
                    path: e.path().to_path_buf(),
                    explicit: false,
                    root: Some(root.to_path_buf()),
                    link: false,
                })
        })
}

/// Of `extra` (links found by the walk of `root`, configs named by its
/// Railway files), the ones to fix after the walk: each real file once, and
/// none the walk itself fixed. Sorted by path.
pub fn extras(
    root: &Path,
    opts: &WalkOptions,
    skip: &dyn Fn(&Candidate) -> bool,
    mut extra: Vec<Candidate>,
) -> Vec<Candidate> {
    extra.sort_by(|a, b| a.path.cmp(&b.path));
    let mut taken = HashSet::new();
    extra.retain(|c| {
        let real = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        taken.insert(real.clone()) && !walked(root, opts, skip, &real)
    });
    extra
}

/// Find the configs under `paths`. Missing paths become error reports.
pub fn discover(paths: &[PathBuf], opts: &WalkOptions) -> (Vec<Candidate>, Vec<FileReport>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let mut saw_link = false;
    for p in paths {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                errors.push(FileReport::error(p, None, io_message(&e)));
                continue;
            }
        };
        if !meta.is_dir() {
            found.push(Candidate {
                path: p.clone(),
                explicit: true,
                root: None,
                link: false,
            });
            continue;
        }
        // The same walk as the streaming one, keeping the candidates.
        let walked = walk_process(p, opts, &|_| false, &|c: &Candidate| Some(c.clone()));
        if !walked.links.is_empty() {
            saw_link = true;
        }
        let mut v = walked.kept;
        v.extend(walked.links);
        v.sort_by(|a, b| a.path.cmp(&b.path));
        found.extend(v);
        errors.extend(walked.errors);
    }
    // The same file named twice, reached through two roots (`. svc`) or
    // through a symlink is fixed once.
    // One root walked without symlinks yields every file once, and needs no
    // realpath per file.
    if paths.len() > 1 || saw_link || found.iter().any(|c| c.explicit) {
        let mut seen = HashSet::new();
        found.retain(|c| {
            seen.insert(std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone()))
        });
    }
    (found, errors)
}

/// What [`walk_process`] leaves behind.
#[derive(Debug)]
pub struct Streamed<T> {
    /// What `work` returned to keep (unsorted).
    pub kept: Vec<T>,
    /// Symbolic links to configs, left for a second pass (they may name a
    /// file the walk also reaches).
    pub links: Vec<Candidate>,
    pub errors: Vec<FileReport>,
}

/// Walk one directory and handle each config on the walker's own threads as
/// soon as it is found, so reading and fixing overlap the walk (one root
/// holds each regular file once). `work` returns what to keep of a file (the
/// output it has to print, say), `skip` filters candidates.
pub fn walk_process<T: Send>(
    root: &Path,
    opts: &WalkOptions,
    skip: &(dyn Fn(&Candidate) -> bool + Sync),
    work: &(dyn Fn(&Candidate) -> Option<T> + Sync),
) -> Streamed<T> {
    let out = Mutex::new(Streamed {
        kept: Vec::new(),
        links: Vec::new(),
        errors: Vec::new(),
    });
    walker(root, opts).run(|| {
        let out = &out;
        let root = root.to_path_buf();
        Box::new(move |entry| {
            let e = match entry {
                Ok(e) => e,
                Err(err) => {
                    out.lock()
                        .expect("not poisoned")
                        .errors
                        .push(FileReport::error(&root, None, err.to_string()));
                    return ignore::WalkState::Continue;
                }
            };
            let file_like = e.file_type().is_some_and(|t| t.is_file() || t.is_symlink());
            let named = e
                .file_name()
                .to_str()
                .and_then(Kind::from_file_name)
                .is_some();
            if !(file_like && named && e.depth() > 0) {
                return ignore::WalkState::Continue;
            }
            let c = Candidate {
                link: e.path_is_symlink(),
                path: e.into_path(),
                explicit: false,
                root: Some(root.clone()),
            };
            if skip(&c) {
                return ignore::WalkState::Continue;
            }
            if c.link {
                out.lock().expect("not poisoned").links.push(c);
                return ignore::WalkState::Continue;
            }
            if let Some(k) = work(&c) {
                out.lock().expect("not poisoned").kept.push(k);
            }
            ignore::WalkState::Continue
        })
    });
    out.into_inner().expect("not poisoned")
}

/// Of `extra` (links and configs named by Railway files), the ones that are
/// not a file already in `seen`.
pub fn not_seen(extra: Vec<Candidate>, seen: &[PathBuf]) -> Vec<Candidate> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut taken: HashSet<PathBuf> = HashSet::new();
    extra
        .into_iter()
        .filter(|c| {
            let real = canon(&c.path);
            // Only files with the same name can be the same file.
            let name = real.file_name();
            let dup = seen
                .iter()
                .filter(|s| s.file_name() == name)
                .any(|s| canon(s) == real);
            !dup && taken.insert(real)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discover_skips_ignored_and_vendored() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        for p in [
            "a/nixpacks.toml",
            "b/railway.json",
            "node_modules/x/nixpacks.toml",
            "ig/nixpacks.toml",
            "c/other.toml",
        ] {
            let f = root.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, "").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "ig/\n").unwrap();
        let (found, errors) = discover(
            &[root.to_path_buf()],
            &WalkOptions {
                jobs: 2,
                ..Default::default()
            },
        );
        assert!(errors.is_empty());
        let names: Vec<String> = found
            .iter()
            .map(|c| {
                c.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, vec!["a/nixpacks.toml", "b/railway.json"]);
    }
}
