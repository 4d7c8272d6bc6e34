import { shellQuote } from './shell-quote.ts'

/**
 * The workspace's git configuration as the pipeline wants it, whatever the agent left in it.
 *
 * The agent owns the workspace, `.git` included, and git runs programs named in a repository's own
 * config: `commit.gpgSign` with `gpg.program` (or `gpg.ssh.program`, or `log.showSignature` when a
 * signed commit is read), `filter.<name>.clean|smudge|process` and `diff.<name>.textconv|command`
 * and `merge.<name>.driver` (named by a `.gitattributes` the agent writes), `core.fsmonitor`,
 * `core.sshCommand`, `core.gitProxy`, `core.editor`, `core.pager`, `core.askPass`, `diff.external`,
 * `credential.*`, `remote.<name>.uploadpack`; it follows `include.path` / `includeIf` to other files
 * and `.git/commondir` to another repository's config; and `url.<base>.insteadOf`,
 * `pushInsteadOf`, `http.<url>.proxy` or `core.worktree` point a command somewhere else.
 *
 * Overriding keys one by one (`-c`, GIT_CONFIG_COUNT) cannot close that: the filter, diff and merge
 * driver names are the attacker's choice, a URL-scoped `http.<url>.proxy` beats a plain
 * `-c http.proxy=`, and each new git release adds keys. So the pipeline does not filter the
 * agent's config at all: before each of its own git commands it writes the whole file itself, from
 * what the pipeline knows (the object format and the forge's URL), and removes `commondir`. Nothing
 * the agent wrote there survives, including keys nobody has listed yet. That is safe because no
 * agent process is alive while the pipeline's git runs (a sandbox command ends with every process
 * it started), and cheap because it is a few shell built-ins in the same sandbox command as git.
 *
 * What is not config is handled elsewhere: hooks (files in `.git/hooks`) by `core.hooksPath=/dev/null`
 * on every command, and credentials by running credentialed commands in a fresh transfer
 * repository, never in the workspace.
 */
export type WorkspaceConfigOpts = {
  /** The forge's clone URL (no credentials: those go in one command's environment). */
  originUrl: string
  objectFormat: 'sha1' | 'sha256'
}

/** A value in git's config syntax: double-quoted, with `\` and `"` escaped. */
function configValue(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error('a git config value cannot span lines')
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** The complete `.git/config` of a task's workspace: what `git clone` writes, and nothing else. */
export function workspaceGitConfig(options: WorkspaceConfigOpts): string {
  const sha256 = options.objectFormat === 'sha256'
  return [
    '[core]',
    `\trepositoryformatversion = ${sha256 ? 1 : 0}`,
    '\tfilemode = true',
    '\tbare = false',
    '\tlogallrefupdates = true',
    ...(sha256 ? ['[extensions]', '\tobjectformat = sha256'] : []),
    '[remote "origin"]',
    `\turl = ${configValue(options.originUrl)}`,
    '\tfetch = +refs/heads/*:refs/remotes/origin/*',
    '',
  ].join('\n')
}

/** Exit code of the shell prelude when it will not let git run; git itself never exits with it. */
export const WORKSPACE_CONFIG_REFUSED = 125

/**
 * A /bin/sh prelude that makes `<workdir>/.git/config` exactly `config` (see above), for the
 * pipeline's git commands to run after it in the same shell. No workspace repository yet (before a
 * clone) → nothing to do. A `.git` that is a symlink or a file (git would follow it to a repository
 * the agent made) → it refuses, saying why, with exit code 125. In the usual case it costs a test
 * and a write by the shell itself; only a config the agent made unwritable (or a symlink, or a
 * commondir) costs `chmod` and `rm`.
 */
export function restoreWorkspaceConfig(workdir: string, config: string): string {
  const g = shellQuote(`${workdir.replace(/\/+$/, '')}/.git`)
  const refuse = (why: string) =>
    `{ echo ${shellQuote(`error: ${why}`)} >&2; exit ${WORKSPACE_CONFIG_REFUSED}; }`
  return [
    `c=${shellQuote(config)}`,
    `if [ -L ${g} ] || { [ -e ${g} ] && [ ! -d ${g} ]; }; then ${refuse("the workspace's .git is not a directory (it was replaced by a link or a file); the pipeline runs no git in it")}; fi`,
    `if [ -d ${g} ]; then`,
    `  if [ -L ${g}/config ] || [ -e ${g}/commondir ] || ! { printf '%s' "$c" > ${g}/config; } 2>/dev/null; then`,
    `    { chmod u+rwx ${g} && rm -rf ${g}/config ${g}/commondir && printf '%s' "$c" > ${g}/config; } || ${refuse("the pipeline could not rewrite the workspace's .git/config")}`,
    '  fi',
    'fi',
  ].join('\n')
}
