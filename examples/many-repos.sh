#!/bin/sh
# nixfix in one clone, for multi-gitter, git-xargs or turbolift: fix every
# Nixpacks / Railway config of the repository in the current directory and
# say what happened on the last line of stdout: `fixed`, `nothing to do`,
# `needs a hand fix` or `error`.
#
# One file that cannot be read or parsed does not stop the others from
# being fixed: a repository with fixes and an error says `fixed` (the error
# is in the log) and exits 0, so the tool commits what was fixed; one with
# an error and no fix exits 2, so the tool reports the repository as
# failed. nixfix's own exit code is 0 (fixed or nothing to do), 1 (a
# finding needs a hand fix) or 2 (an error); the JSON summary on its last
# line counts files `fixed` and `errors`, and `git status --porcelain`
# says whether anything changed.
set -u
report=$(nixfix --write --format json .)
status=$?
summary=$(printf '%s\n' "$report" | tail -n 1)
printf '%s\n' "$report" | grep '"status":"error"' >&2
echo "nixfix: $summary" >&2
if [ -n "$(git status --porcelain)" ]; then
    echo fixed
    exit 0
fi
case $status in
    0) echo "nothing to do" ;;
    1) echo "needs a hand fix" ;;
    *) echo error ;;
esac
exit "$status"
