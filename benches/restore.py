#!/usr/bin/env python3
"""Restore the --write benchmark copy before each timed run (hyperfine --prepare).

Usage: restore.py PRISTINE COPY LIST

COPY was made once with `cp -al PRISTINE COPY` (hard links: no data copied
for the 250k files nixfix only reads). The configs named in LIST (paths
relative to both roots, one per line) must be files of their own: `nixfix
--write` refuses a config with more than one hard link (the fix would reach
one name only). So restoring COPY means giving each config its own copy of
PRISTINE's bytes: a config that is still a link to PRISTINE's inode (the
first restore), or whose bytes differ (fixed by the last run), is replaced
by a fresh copy (written beside it, renamed over it); the others are
skipped. About 3,600 small copies on the reference workload.
"""
import os
import sys


def restore(pristine, copy, rels):
    """Give each config in `rels` (relative paths) in COPY PRISTINE's bytes
    in a file of its own. Returns how many were replaced."""
    replaced = 0
    for rel in rels:
        if not rel:
            continue
        src = os.path.join(pristine, rel)
        dst = os.path.join(copy, rel)
        s = os.stat(src)
        with open(src, "rb") as f:
            want = f.read()
        try:
            d = os.stat(dst)
            if (d.st_dev, d.st_ino) != (s.st_dev, s.st_ino) and d.st_nlink == 1:
                with open(dst, "rb") as f:
                    if f.read() == want:
                        continue
        except FileNotFoundError:
            pass
        tmp = dst + ".bench-restore"
        with open(tmp, "wb") as f:
            f.write(want)
        os.chmod(tmp, s.st_mode & 0o7777)
        os.replace(tmp, dst)
        replaced += 1
    return replaced


def read_list(listing):
    """The non-empty lines of LIST (relative paths, one per line)."""
    with open(listing, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.rstrip("\n")]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pristine, copy, listing = sys.argv[1:]
    replaced = restore(pristine, copy, read_list(listing))
    if "-v" in os.environ.get("RESTORE_FLAGS", ""):
        print(f"replaced {replaced}", file=sys.stderr)


if __name__ == "__main__":
    main()
