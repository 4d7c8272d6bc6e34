import { randomBytes } from 'node:crypto'
import { access, chmod, constants, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Who pushes, as far as the push rules care. A person's token (or the squad's own forge token) may
 * push any branch but may not rewrite or delete the default branch; an execution's token may push
 * only the branch its execution records (`task-{n}`, or the parent's branch for a chained subtask),
 * never the default branch, which takes an execution's work only through a merge.
 */
export type Pusher = { kind: 'person' } | { kind: 'execution'; branch: string | null }

/**
 * The rules, enforced by a pre-receive hook: receive-pack has parsed the push by then (pkt-lines,
 * compressed bodies, atomic pushes), reports each refusal on its ref (`! [remote rejected]`), and
 * shows the hook's reason to the person on their terminal (`remote: refused: …`). The hook reads
 * the pusher from the environment that git-http.ts gives `git http-backend`, which passes it down to
 * receive-pack and its hooks; nothing in the request can set it. A push without it is refused.
 */
const PRE_RECEIVE = `#!/bin/sh
# Agent Squad's push rules for every repository on the local forge (forge/local/push-policy.ts
# writes this file at start-up; edits are lost). Pushes over HTTP run it through core.hooksPath.
# SQUAD_PUSHER: person | execution; SQUAD_PUSH_BRANCH: the one branch an execution may push;
# SQUAD_DEFAULT_BRANCH: the repository's default branch.
input=$(cat)
status=0
refuse() { printf 'refused: %s\\n' "$1" >&2; status=1; }
default="\${SQUAD_DEFAULT_BRANCH:-}"
while read -r old new ref; do
  [ -n "$ref" ] || continue
  branch="\${ref#refs/heads/}"
  case "\${SQUAD_PUSHER:-}" in
    person) ;;
    execution)
      if [ -n "$default" ] && [ "$ref" = "refs/heads/$default" ]; then
        refuse "an execution's token never pushes to the default branch $default: it changes only by merging a pull request"
        continue
      fi
      if [ -z "\${SQUAD_PUSH_BRANCH:-}" ]; then
        refuse "this execution has no branch to push; its token may not push $ref"
        continue
      fi
      if [ "$ref" != "refs/heads/$SQUAD_PUSH_BRANCH" ]; then
        refuse "an execution's token may push only its own branch $SQUAD_PUSH_BRANCH, not $branch"
        continue
      fi ;;
    *) refuse "$ref: this push does not say who is pushing"; continue ;;
  esac
  if [ -n "$default" ] && [ "$ref" = "refs/heads/$default" ]; then
    # An empty repository's first push creates the default branch; after that it only moves forward.
    case "$old" in *[!0]*) ;; *) continue ;; esac
    case "$new" in
      *[!0]*) git merge-base --is-ancestor "$old" "$new" 2>/dev/null ||
        refuse "the default branch $default takes no force push: push commits on top of it, or merge a pull request" ;;
      *) refuse "the default branch $default cannot be deleted" ;;
    esac
  fi
done <<EOF
$input
EOF
[ "$status" = 0 ] || exit 1
own="\${GIT_DIR:-.}/hooks/pre-receive"
if [ -x "$own" ]; then printf '%s\\n' "$input" | "$own"; exit $?; fi
exit 0
`

/** Hooks of the repository itself that still run after the forge's hooks folder replaced its own. */
const CHAINED = ['update', 'post-receive', 'post-update', 'reference-transaction'] as const

const chained = (name: string) => `#!/bin/sh
# Written by Agent Squad (forge/local/push-policy.ts): runs the repository's own ${name} hook.
own="\${GIT_DIR:-.}/hooks/${name}"
if [ -x "$own" ]; then exec "$own" "$@"; fi
exit 0
`

/** The forge's hooks folder, beside the squads' folders (never served: git-http.ts serves UUID paths only). */
export const pushHooksDir = (forgeRoot: string) => join(forgeRoot, '.hooks')

async function writeExecutable(path: string, text: string) {
  const temporary = `${path}.${randomBytes(6).toString('hex')}`
  try {
    await writeFile(temporary, text, { mode: 0o755 })
    await chmod(temporary, 0o755)
    await rename(temporary, path)
  } finally {
    await rm(temporary, { force: true })
  }
}

const installed = new Map<string, Promise<void>>()

/**
 * Writes the hooks folder once per process (again if it has gone missing): a push is only served
 * once the file that enforces the rules is in place, so a missing hook can never mean "no rules".
 */
export async function ensurePushHooks(forgeRoot: string): Promise<string> {
  const dir = pushHooksDir(forgeRoot)
  const present = await access(join(dir, 'pre-receive'), constants.X_OK).then(
    () => true,
    () => false,
  )
  if (!present) installed.delete(dir)
  let pending = installed.get(dir)
  if (!pending) {
    pending = (async () => {
      await mkdir(dir, { recursive: true })
      await writeExecutable(join(dir, 'pre-receive'), PRE_RECEIVE)
      for (const name of CHAINED) await writeExecutable(join(dir, name), chained(name))
    })()
    installed.set(dir, pending)
    pending.catch(() => installed.delete(dir))
  }
  await pending
  return dir
}

/**
 * The environment of one push's `git http-backend`: the forge's hooks folder as core.hooksPath
 * (configuration through the environment, so it reaches receive-pack and wins over the repository's
 * own config) and the pusher the pre-receive hook checks.
 */
export function pushPolicyEnv(options: {
  hooksDir: string
  pusher: Pusher
  defaultBranch: string
}): Record<string, string> {
  const { hooksDir, pusher, defaultBranch } = options
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'core.hooksPath',
    GIT_CONFIG_VALUE_0: hooksDir,
    SQUAD_PUSHER: pusher.kind,
    SQUAD_PUSH_BRANCH: pusher.kind === 'execution' ? (pusher.branch ?? '') : '',
    SQUAD_DEFAULT_BRANCH: defaultBranch,
  }
}
