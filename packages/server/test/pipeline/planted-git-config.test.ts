import type { ExecutionWithSteps, Repository } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { downloadLog, forgeSwitch, pipelineSkip, remoteBranchSha } from './git-fixture.ts'
import { createTask, git, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'

const step = (e: ExecutionWithSteps, name: string) => {
  const found = e.steps.find((s) => s.name === name)
  if (!found) throw new Error(`no step ${name}`)
  return found
}

/** What a task's workspace held when its pull request was opened (after commit and push). */
type Snapshot = { markers: string[]; config: string }

/**
 * Config an agent plants in the workspace's .git/config for the pipeline's own git commands (commit,
 * rebase, push, which run after the agent in its sandbox): programs that sign or filter, and URL
 * rewrites. None of it may run or redirect anything, and a real failure says what failed. Real git,
 * the real bubblewrap sandbox and the local forge over smart HTTP, with token auth on.
 */
describe.skipIf(pipelineSkip)('git config planted by the agent', () => {
  let server: TestServer
  let token: string
  const forges = forgeSwitch()
  const auth = () => ({ token })

  beforeAll(async () => {
    server = await startTestServer({
      auth: 'token',
      env: { SQUAD_WORKER: 'true' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
      forgeFor: forges.forgeFor,
    })
    if (!server.bootstrapToken) throw new Error('token auth gave no bootstrap token')
    token = server.bootstrapToken
  })
  afterAll(async () => {
    await server?.stop()
  })

  /**
   * Looks into the task's sandbox when the pipeline opens its pull request: the markers a planted
   * program leaves in `.git/` (never committed, gone with the sandbox right after) and the config.
   */
  const snapshotAtPullRequest = (repoId: string) => {
    const seen: Snapshot[] = []
    forges.override(repoId, (local) => ({
      ...local,
      async createPullRequest(draft) {
        const [info] = await server.sandboxes.list({ metadata: { execution_id: draft.executionId ?? '' } })
        if (info) {
          const sandbox = await server.sandboxes.connect(info.sandboxId)
          const names = (await sandbox.files.list('.git')).map((entry) => entry.name)
          seen.push({
            markers: names.filter((name) => name.endsWith('-ran')),
            config: await sandbox.files.read('.git/config'),
          })
        }
        return local.createPullRequest(draft)
      },
    }))
    return seen
  }

  const runTask = async (repo: Repository, squadId: string, agentId: string, script: string) => {
    const task = await createTask(
      server,
      squadId,
      { title: 'Change the files', repository_id: repo.id, assignee_id: agentId, script },
      auth(),
    )
    const started = await startTask(server, task.id, auth())
    const done = await waitForExecution(server, started.id, { ...auth(), timeoutMs: 60_000 })
    return { task, done, log: await downloadLog(server, done.id, token) }
  }

  /** `git <args>` in the forge's bare repository of the squad's `demo` repository, on the host. */
  const forgeGit = (squadId: string, args: string[]) =>
    git(server.deps.localForge.repoPath({ squadId, name: 'demo' }), args)
  /** A pushed commit's header (tree, parents, author, committer, and a signature if it has one). */
  const commitHeader = async (squadId: string, sha: string | null) =>
    (await forgeGit(squadId, ['cat-file', 'commit', sha ?? ''])).split('\n\n')[0]

  it('does not sign: a planted gpg.program never runs and the commit is made unsigned', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const snapshots = snapshotAtPullRequest(repo.id)
    // A "gpg" that leaves a marker and answers like gpg with a signature, so the commit would
    // succeed signed (and quietly) if it ran: for signing, and for checking a signature in git log.
    const script = [
      `cat > "$HOME/gpg.sh" <<'EOF'`,
      '#!/bin/sh',
      'touch /workspace/.git/gpg-ran',
      'cat >/dev/null',
      `printf '\\n[GNUPG:] SIG_CREATED D 1 8 00 1700000000 0000\\n' >&2`,
      `printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nplanted\\n-----END PGP SIGNATURE-----\\n'`,
      'EOF',
      'chmod +x "$HOME/gpg.sh"',
      'git config commit.gpgSign true',
      'git config tag.gpgSign true',
      'git config log.showSignature true',
      'git config gpg.program "$HOME/gpg.sh"',
      'git config gpg.openpgp.program "$HOME/gpg.sh"',
      'echo signed >> a.txt',
    ].join('\n')
    const { task, done, log } = await runTask(repo, squad.id, agent.id, script)
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')

    const pushed = await remoteBranchSha(repo, `task-${task.number}`, token)
    expect(pushed).toBe(done.commit_history[0]?.sha)
    expect(await commitHeader(squad.id, pushed)).not.toMatch(/^gpgsig/m)
    expect(await forgeGit(squad.id, ['show', `${pushed}:a.txt`])).toBe('a\nsigned')

    expect(snapshots).toHaveLength(1)
    expect(snapshots[0]?.markers).toEqual([])
    // The agent's keys are gone from the workspace's config, not merely outvoted.
    expect(snapshots[0]?.config).not.toMatch(/gpg/i)
    expect(snapshots[0]?.config).toContain('[remote "origin"]')
  }, 120_000)

  it('runs no planted filter: the committed blob is the file as the agent wrote it', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const snapshots = snapshotAtPullRequest(repo.id)
    const script = [
      `printf '*.txt filter=squash\\n*.md diff=conv merge=drv\\n' > .gitattributes`,
      // Each program leaves its own marker; the clean filter would also replace the content.
      `git config filter.squash.clean "sh -c 'touch /workspace/.git/clean-ran; cat >/dev/null; echo FILTERED'"`,
      `git config filter.squash.smudge "sh -c 'touch /workspace/.git/smudge-ran; cat'"`,
      'git config filter.squash.required true',
      `git config diff.conv.textconv "sh -c 'touch /workspace/.git/textconv-ran; cat \\"\\$0\\"'"`,
      `git config diff.external "sh -c 'touch /workspace/.git/external-diff-ran'"`,
      `git config merge.drv.driver "sh -c 'touch /workspace/.git/merge-driver-ran'"`,
      `git config core.fsmonitor "sh -c 'touch /workspace/.git/fsmonitor-ran'"`,
      `printf 'the real content\\n' > b.txt`,
      `printf 'notes\\n' > c.md`,
    ].join('\n')
    const { task, done, log } = await runTask(repo, squad.id, agent.id, script)
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')

    const pushed = await remoteBranchSha(repo, `task-${task.number}`, token)
    expect(await forgeGit(squad.id, ['show', `${pushed}:b.txt`])).toBe('the real content')
    expect(await forgeGit(squad.id, ['show', `${pushed}:c.md`])).toBe('notes')
    expect(snapshots).toHaveLength(1)
    expect(snapshots[0]?.markers).toEqual([])
    expect(snapshots[0]?.config).not.toMatch(/filter|textconv|external|driver|fsmonitor/)
  }, 120_000)

  it('follows no planted URL rewrite or proxy: the push reaches the forge', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const snapshots = snapshotAtPullRequest(repo.id)
    const script = [
      // Every URL the pipeline's git may use, redirected to nowhere: the forge's (http), the
      // transfer repository's (a folder in $HOME, where the pipeline moves objects through).
      'git config url.http://127.0.0.1:9/.insteadOf http://',
      'git config url.http://127.0.0.1:9/.pushInsteadOf http://',
      'git config url./nonexistent/.insteadOf "$HOME/"',
      'git config url./nonexistent/.pushInsteadOf "$HOME/"',
      'git config remote.origin.pushurl http://127.0.0.1:9/evil.git',
      'git config http.proxy http://127.0.0.1:9',
      'echo moved >> a.txt',
    ].join('\n')
    const { task, done, log } = await runTask(repo, squad.id, agent.id, script)
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
    expect(step(done, 'push').result).toMatchObject({ already_pushed: false })
    const pushed = await remoteBranchSha(repo, `task-${task.number}`, token)
    expect(pushed).toBe(done.commit_history[0]?.sha)
    expect(await forgeGit(squad.id, ['show', `${pushed}:a.txt`])).toBe('a\nmoved')
    expect(snapshots[0]?.config).not.toMatch(/insteadOf|pushurl|proxy/i)
  }, 120_000)

  for (const [how, plant] of [
    // A file of the agent's pulled in by include.path.
    ['include.path', ['git config include.path "$HOME/signing.gitconfig"']],
    // A copy of the repository made the workspace's common dir: git takes its config from there.
    [
      'a commondir',
      [
        'cp -a .git "$HOME/other.git"',
        'cat "$HOME/signing.gitconfig" >> "$HOME/other.git/config"',
        'echo "$HOME/other.git" > .git/commondir',
      ],
    ],
  ] as const)
    it(`reads no config the agent points at with ${how}`, async () => {
      const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
      // Signing with a program that does not exist: a commit made under this config fails.
      const script = [
        `printf '[commit]\\n\\tgpgSign = true\\n[gpg]\\n\\tprogram = /nonexistent/gpg\\n' > "$HOME/signing.gitconfig"`,
        ...plant,
        'echo more >> a.txt',
      ].join('\n')
      const { task, done, log } = await runTask(repo, squad.id, agent.id, script)
      expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
      const pushed = await remoteBranchSha(repo, `task-${task.number}`, token)
      expect(pushed).toBe(done.commit_history[0]?.sha)
      expect(await forgeGit(squad.id, ['show', `${pushed}:a.txt`])).toBe('a\nmore')
      expect(await commitHeader(squad.id, pushed)).not.toMatch(/^gpgsig/m)
    }, 120_000)

  it('says what really failed when the commit itself fails, with git’s own message', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    // The message file git commit writes is left unwritable: a failure in the workspace, not at
    // the forge, and nothing to do with the token.
    const script = ['echo y >> a.txt', ': > .git/COMMIT_EDITMSG', 'chmod 000 .git/COMMIT_EDITMSG'].join('\n')
    const { task, done, log } = await runTask(repo, squad.id, agent.id, script)
    expect(done.status, log).toBe('failed')
    expect(step(done, 'commit').status).toBe('failed')
    expect(done.error).toMatch(/^git commit failed: a file in the workspace could not be read or written/)
    expect(done.error).toContain("could not open '.git/COMMIT_EDITMSG': Permission denied")
    expect(done.error).not.toMatch(/token can read|authentication failed|grant it write/i)
    expect(await remoteBranchSha(repo, `task-${task.number}`, token)).toBeNull()
  }, 120_000)
})
