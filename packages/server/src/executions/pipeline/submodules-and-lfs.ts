import type { ExecutionWarning } from '@agent-squad/contract'
import { remoteEndpoint } from '../../git/remote-url.ts'
import { type NetworkPolicy, remoteDestination } from '../../sandbox/network-policy.ts'
import { sandboxCredentials } from './bundle-transfer.ts'
import type { ExecutionContext } from './execution-context.ts'
import { GitFailureError, gitOutput, sandboxGit } from './sandbox-git.ts'

/** Tells the person, in the log and as an `execution.warning` event, what the run goes on without. */
async function warn(ctx: ExecutionContext, warning: ExecutionWarning) {
  ctx.log.write('system', `Warning: ${warning.message}\n`)
  await ctx.store
    .warning(warning)
    .catch((error) =>
      ctx.deps.logger.warn({ err: error, execution: ctx.execution.id }, 'recording a warning failed'),
    )
}

const reasonOf = (error: unknown) =>
  error instanceof GitFailureError
    ? error.failure.reason
    : error instanceof Error
      ? error.message
      : String(error)

/** The submodules `.gitmodules` names at HEAD: name, path and URL (a relative URL resolved against the forge's). */
async function submodulesOf(ctx: ExecutionContext, originUrl: string) {
  const listed = await sandboxGit(
    ctx,
    ['config', '--file', '.gitmodules', '--get-regexp', '^submodule\\..*\\.(url|path)$'],
    { quiet: true, allowFailure: true },
  )
  const byName = new Map<string, { path?: string; url?: string }>()
  for (const line of listed.stdout.split('\n').filter(Boolean)) {
    const space = line.indexOf(' ')
    const key = line.slice(0, space)
    const value = line.slice(space + 1).trim()
    const m = /^submodule\.(.+)\.(url|path)$/.exec(key)
    if (!m?.[1]) continue
    const entry = byName.get(m[1]) ?? {}
    entry[m[2] as 'url' | 'path'] = value
    byName.set(m[1], entry)
  }
  return [...byName].flatMap(([name, { path, url: raw }]) => {
    if (!path || !raw) return []
    const relative = raw.startsWith('./') || raw.startsWith('../')
    const url =
      relative && remoteEndpoint(originUrl)?.transport !== 'ssh'
        ? new URL(raw, `${originUrl.replace(/\/+$/, '')}/`).toString()
        : raw
    return [{ name, path, url, relative }]
  })
}

/**
 * What a submodule elsewhere may reach: the forge, and what the squad's network policy allows (in
 * `internet` mode public addresses only; with the network off, nothing more).
 */
function submoduleNetwork(policy: NetworkPolicy, forge: string): NetworkPolicy {
  if (policy.mode === 'off') return { mode: 'allowlist', allow: [forge] }
  return { ...policy, allow: [...(policy.allow ?? []), forge] }
}

/**
 * Initialises the repository's submodules in the workspace, at the commits HEAD records, one at a
 * time so that one out of reach does not stop the others. The repository's credential goes, for
 * that one command, to a submodule on the forge's own host (scoped to the forge's URL, so no other
 * host is ever sent it); a submodule elsewhere is cloned without it, as far as the squad's network
 * policy lets it. What cannot be initialised stays an empty folder, and the run says so.
 */
async function initSubmodules(ctx: ExecutionContext): Promise<string | null> {
  const originUrl = ctx.forge.cloneUrl(ctx.repo)
  const submodules = await submodulesOf(ctx, originUrl)
  if (submodules.length === 0) return null
  const forge = remoteDestination(originUrl)
  const http = remoteEndpoint(originUrl)
  const scope =
    http?.transport === 'http' || http?.transport === 'https' ? `${new URL(originUrl).origin}/` : undefined
  const credentials = await sandboxCredentials(ctx)
  const failed: string[] = []
  const elsewhere: string[] = []
  for (const submodule of submodules) {
    const onForge = submodule.relative || remoteDestination(submodule.url) === forge
    if (!onForge) elsewhere.push(submodule.url)
    try {
      await sandboxGit(
        ctx,
        [
          '-c',
          'protocol.file.allow=never',
          'submodule',
          'update',
          '--init',
          '--recursive',
          '--',
          submodule.path,
        ],
        {
          remote: {
            credentials,
            operation: 'clone',
            once: true,
            ...(scope ? { credentialScope: scope } : {}),
            ...(forge && !onForge ? { network: submoduleNetwork(ctx.network, forge) } : {}),
          },
        },
      )
    } catch (error) {
      if (ctx.signal.aborted) throw error
      failed.push(`${submodule.path} (${submodule.url}: ${reasonOf(error)})`)
    }
  }
  if (failed.length === 0) return 'initialised'
  await warn(ctx, {
    kind: 'submodules',
    message:
      `${failed.length} of ${submodules.length} submodules could not be initialised and stay empty folders: ${failed.join(', ')}. ` +
      `A submodule on the repository's own host is fetched with its credential${elsewhere.length ? "; one elsewhere must be public and allowed by the squad's network policy" : ''}.`,
  })
  return failed.length === submodules.length ? 'failed' : 'partly'
}

/**
 * Fetches the content of the files the repository keeps in Git LFS, when git-lfs is installed
 * where the agent runs; otherwise, or when the fetch fails, they stay pointer text and the run
 * says so.
 */
async function pullLfs(ctx: ExecutionContext): Promise<string | null> {
  const files = (await gitOutput(ctx, ['-c', 'core.quotePath=false', 'ls-files', '--', ':(attr:filter=lfs)']))
    .split('\n')
    .filter(Boolean)
  if (files.length === 0) return null
  const shown = `${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''}`
  const installed = await sandboxGit(ctx, ['lfs', 'version'], { quiet: true, allowFailure: true })
  if (installed.exitCode !== 0) {
    await warn(ctx, {
      kind: 'lfs',
      message: `${files.length} file${files.length === 1 ? ' is' : 's are'} kept in Git LFS (${shown}) and ${files.length === 1 ? 'stays' : 'stay'} pointer text: git-lfs is not installed where the agent runs.`,
    })
    return 'missing'
  }
  const credentials = await sandboxCredentials(ctx)
  // The filter is given to this command only: the workspace's config is rewritten before each one.
  const filter = ['-c', 'filter.lfs.process=git-lfs filter-process', '-c', 'filter.lfs.required=true']
  try {
    await sandboxGit(ctx, [...filter, 'lfs', 'pull'], {
      remote: { credentials, operation: 'clone', once: true },
    })
    return 'pulled'
  } catch (error) {
    if (ctx.signal.aborted) throw error
    await warn(ctx, {
      kind: 'lfs',
      message: `the content of ${files.length} Git LFS file${files.length === 1 ? '' : 's'} (${shown}) could not be fetched (${reasonOf(error)}): they stay pointer text.`,
    })
    return 'failed'
  }
}

/** Completes a workspace at its branch's start: submodules, then LFS content (see above). */
export async function fetchSubmodulesAndLfs(ctx: ExecutionContext): Promise<Record<string, string>> {
  const submodules = await initSubmodules(ctx)
  const lfs = await pullLfs(ctx)
  return { ...(submodules ? { submodules } : {}), ...(lfs ? { lfs } : {}) }
}
