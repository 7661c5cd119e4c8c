#!/usr/bin/env python3
"""Re-shape a generated workload into narrow directories, by hard links.

Usage: narrow.py SRC DST [WIDTH]

gen_monorepo.py puts every service in one of 50 group directories, so a
100k-config workload has 2,000 entries per directory. The parallel walker
(the ignore crate's, in rg and in nixfix) queues a directory's entries
while it works through them, so its memory grows with directory width,
whatever the number of configs. DST holds the same files (hard links, no
data copied) as SRC, with each group's services split into sub-directories
of at most WIDTH (default 40): the number of configs is the same, the
directories are narrow. Measuring RSS on both separates growth with the
number of configs (nixfix's own state) from growth with directory width
(the walker's queue).
"""
import os
import sys


def link_tree(src, dst):
    os.makedirs(dst, exist_ok=True)
    for name in os.listdir(src):
        s, d = os.path.join(src, name), os.path.join(dst, name)
        if os.path.isdir(s) and not os.path.islink(s):
            link_tree(s, d)
        else:
            os.link(s, d)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    width = int(sys.argv[3]) if len(sys.argv) == 4 else 40
    os.makedirs(dst)
    for name in os.listdir(src):
        if name != "services":
            s = os.path.join(src, name)
            if os.path.isdir(s):
                link_tree(s, os.path.join(dst, name))
            else:
                os.link(s, os.path.join(dst, name))
    services = os.path.join(src, "services")
    for group in sorted(os.listdir(services)):
        for i, svc in enumerate(sorted(os.listdir(os.path.join(services, group)))):
            sub = f"sub-{i // width:04d}"
            link_tree(os.path.join(services, group, svc), os.path.join(dst, "services", group, sub, svc))


if __name__ == "__main__":
    main()
