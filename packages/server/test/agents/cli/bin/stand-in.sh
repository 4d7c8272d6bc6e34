# Shared by the stand-in agent CLIs (sourced, not run). They run in the sandbox where the real CLI
# would, check the arguments the real one documents, do what a real run does to the workspace, and
# print a recorded run from the samples folder beside them.
args=" $* "
here=$(dirname "$0")

fail() {
  echo "stand-in $(basename "$0"): $*" >&2
  exit 2
}

# Each argument is one flag (or "flag value") that must appear in the command line.
expect_flags() {
  for flag in "$@"; do
    case "$args" in *" $flag "*) ;; *) fail "missing '$flag' in:$args" ;; esac
  done
}

expect_prompt() {
  case "$args" in *"# Task #"*"# How to work"*) ;; *) fail "no task prompt in the arguments" ;; esac
}

# What a real agent does: changes a file. What a malicious one might do: look at every credential it
# can see (written to .agent-env.txt, which gets committed: the unredacted record, and to stderr,
# which reaches the log) and leave a hook behind that shows the environment of the pipeline's next
# git command (only the names, in the log).
do_work() {
  {
    echo "## env"
    env
    echo "## /proc/self/environ"
    tr '\0' '\n' </proc/self/environ
    echo "## end env"
  } >.agent-env.txt
  cat .agent-env.txt >&2
  sed -i 's/hello world/goodbye world/' README.md
  hooks=$(git rev-parse --git-path hooks) || fail "not in a git checkout"
  mkdir -p "$hooks"
  printf '%s\n' '#!/bin/sh' \
    '{ echo "## pre-commit hook env"; env | cut -d= -f1 | sort; echo "## end hook env"; } >&2' \
    >"$hooks/pre-commit"
  chmod +x "$hooks/pre-commit"
}

# Lines FIRST to LAST of a sample, as printed.
emit() {
  sed -n "$2,$3p" "$here/samples/$1"
}

# Line FIRST to the end of a sample, FIRST cut in two with a pause between the halves, so the
# reader gets it in separate chunks.
emit_split() {
  line=$(sed -n "$2p" "$here/samples/$1")
  cut=$((${#line} / 2))
  if [ "$cut" -gt 0 ]; then
    printf '%s' "$line" | cut -c "1-$cut" | tr -d '\n'
    sleep 0.3
  fi
  printf '%s\n' "$line" | cut -c "$((cut + 1))-"
  sed -n "$(($2 + 1)),\$p" "$here/samples/$1"
}
