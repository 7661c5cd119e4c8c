#!/usr/bin/env python3
"""Restore the --write benchmark copy before each timed run (hyperfine --prepare).

Usage: restore.py PRISTINE COPY LIST

COPY was made once with `cp -al PRISTINE COPY` (hard links: no data copied).
`nixfix --write` replaces a config by writing a temporary file and renaming
it over the old name, which swaps the directory entry in COPY and leaves the
inode shared with PRISTINE untouched. So restoring COPY only means pointing
each config named in LIST (paths relative to both roots, one per line) back
at PRISTINE's inode: about 10k link+rename calls instead of re-copying a
250k-file tree. Configs that are still the pristine inode are skipped.
"""
import os
import sys


def restore(pristine, copy, rels):
    """Point each config in `rels` (relative paths) in COPY back at PRISTINE's
    inode. Returns how many were relinked."""
    relinked = 0
    for rel in rels:
        if not rel:
            continue
        src = os.path.join(pristine, rel)
        dst = os.path.join(copy, rel)
        s = os.stat(src)
        try:
            d = os.stat(dst)
            if (d.st_dev, d.st_ino) == (s.st_dev, s.st_ino):
                continue
        except FileNotFoundError:
            pass
        tmp = dst + ".bench-restore"
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        os.link(src, tmp)
        os.replace(tmp, dst)
        relinked += 1
    return relinked


def read_list(listing):
    """The non-empty lines of LIST (relative paths, one per line)."""
    with open(listing, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.rstrip("\n")]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pristine, copy, listing = sys.argv[1:]
    relinked = restore(pristine, copy, read_list(listing))
    if "-v" in os.environ.get("RESTORE_FLAGS", ""):
        print(f"relinked {relinked}", file=sys.stderr)


if __name__ == "__main__":
    main()
