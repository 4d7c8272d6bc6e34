import type { WebhookReceipt } from '@agent-squad/contract'
import { verify } from '@octokit/webhooks-methods'
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { repositories, secrets } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'
import { repoRefOf } from '../repositories/repo-ref.ts'
import type { RepositoryRow } from '../repositories/repository-dto.ts'
import type { SecretBox } from '../secrets/secret-box.ts'
import { secretContext } from '../secrets/secret-dto.ts'
import { applyForgeEvent } from '../workflow/apply-forge-event.ts'
import { readGitHubDelivery, repositoryOf } from './github-payload.ts'

/** The squad secret a squad's own repository webhooks are signed with. */
export const GITHUB_WEBHOOK_SECRET_NAME = 'GITHUB_WEBHOOK_SECRET'

/**
 * The largest delivery read. GitHub caps payloads at 25 MB, but the events acted on (a pull
 * request, a review, a comment, an issue) weigh a few KB to a few hundred; what goes beyond this is
 * a push of thousands of commits, ignored anyway. Larger answers 413.
 */
export const WEBHOOK_MAX_BODY_BYTES = 5 * 1024 * 1024

export type GitHubWebhookHeaders = {
  /** `X-GitHub-Event` */
  event: string | undefined
  /** `X-GitHub-Delivery`: the same on a redelivery, so it is the dedup key. */
  delivery: string | undefined
  /** `X-Hub-Signature-256`: `sha256=` and the HMAC of the exact body bytes with the secret. */
  signature: string | undefined
}

const unauthorized = (why: string) =>
  new AppError('unauthorized', `Webhook delivery refused: ${why}`, { retryable: false })

/** The GitHub repositories of every squad recorded as `owner/name` (GitHub names ignore case). */
const repositoriesNamed = (db: Db, fullName: string) =>
  db
    .select()
    .from(repositories)
    .where(
      and(eq(repositories.kind, 'github'), sql`lower(${repositories.github}->>'repo') = lower(${fullName})`),
    )

/**
 * Which squads the signature proves the delivery is for: every squad with the repository when the
 * server-wide secret (a GitHub App's) signed it, else each squad whose `GITHUB_WEBHOOK_SECRET`
 * signed it. Every candidate is tried: two squads may share a repository, each with its own hook.
 */
async function verifiedSquads(options: {
  db: Db
  secretBox: SecretBox
  serverSecret: string | undefined
  squadIds: string[]
  text: string
  signature: string
}): Promise<Set<string> | 'all'> {
  const { db, text, signature } = options
  if (options.serverSecret && (await verify(options.serverSecret, text, signature))) return 'all'
  const verified = new Set<string>()
  for (const squadId of options.squadIds) {
    const [row] = await db
      .select({ ciphertext: secrets.ciphertext })
      .from(secrets)
      .where(and(eq(secrets.squadId, squadId), eq(secrets.name, GITHUB_WEBHOOK_SECRET_NAME)))
    if (!row) continue
    let secret: string
    try {
      secret = options.secretBox.decrypt(row.ciphertext, secretContext(squadId, GITHUB_WEBHOOK_SECRET_NAME))
    } catch {
      continue // stored under another key: it verifies nothing (the squad's page says to store it again)
    }
    if (secret && (await verify(secret, text, signature))) verified.add(squadId)
  }
  return verified
}

/**
 * One GitHub webhook delivery, authenticated by its signature rather than a user: verified against
 * the server's and the squads' webhook secrets (none verifies: 401, nothing written), read into the
 * forge port's event, and applied to the repositories of the squads it is for, once per delivery id.
 * `ping` answers 200; an event the workflow does not act on 202, without being recorded.
 */
export async function receiveGitHubWebhook(options: {
  db: Db
  secretBox: SecretBox
  serverSecret: string | undefined
  forgeFor: (repo: RepoRef) => Forge
  webBaseUrl: string
  headers: GitHubWebhookHeaders
  body: Uint8Array
}): Promise<{ status: 200 | 202; receipt: WebhookReceipt }> {
  const { db, headers } = options
  const signature = headers.signature?.trim() ?? ''
  if (!/^sha256=[0-9a-f]{64}$/.test(signature))
    throw unauthorized('X-Hub-Signature-256 is missing or is not sha256=<64 hex digits>')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(options.body)
  } catch {
    throw new AppError('bad_request', 'Webhook payload is not UTF-8 text')
  }
  if (!text) throw unauthorized('the body is empty')
  let payload: unknown
  let parsed = true
  try {
    payload = JSON.parse(text)
  } catch {
    parsed = false
  }
  // The repository is read before the signature is checked, only to know whose secrets to try.
  const fullName = parsed ? repositoryOf(payload) : null
  const candidates: RepositoryRow[] = fullName ? await repositoriesNamed(db, fullName) : []
  const verified = await verifiedSquads({
    db,
    secretBox: options.secretBox,
    serverSecret: options.serverSecret,
    squadIds: [...new Set(candidates.map((r) => r.squadId))],
    text,
    signature,
  })
  if (verified !== 'all' && verified.size === 0)
    throw unauthorized(
      'the signature matches no webhook secret (SQUAD_GITHUB_WEBHOOK_SECRET, or the squad secret GITHUB_WEBHOOK_SECRET of a squad with this repository)',
    )
  if (!parsed) throw new AppError('invalid_json', 'Webhook payload is not valid JSON')
  const event = headers.event?.trim()
  const delivery = headers.delivery?.trim()
  if (!event || !/^[a-z_]{1,100}$/.test(event))
    throw new AppError('bad_request', 'X-GitHub-Event is missing or malformed')
  if (!delivery || !/^[\w.-]{1,200}$/.test(delivery))
    throw new AppError('bad_request', 'X-GitHub-Delivery is missing or malformed')
  const receipt = (outcome: string, duplicate = false) => ({ delivery, event, outcome, duplicate })

  const read = readGitHubDelivery(event, delivery, payload)
  if (read.kind === 'ping') return { status: 200, receipt: receipt('pong') }
  if (read.kind === 'ignored') return { status: 202, receipt: receipt(`ignored: ${read.reason}`) }
  const targets = candidates.filter((r) => verified === 'all' || verified.has(r.squadId))
  if (!targets.length)
    return { status: 202, receipt: receipt(`ignored: no squad has the repository ${read.repository}`) }
  const applied = await applyForgeEvent({
    db,
    key: delivery,
    source: 'github-webhook',
    eventName: event,
    event: read.event,
    targets: targets.map((repository) => ({ repository, forge: options.forgeFor(repoRefOf(repository)) })),
    webBaseUrl: options.webBaseUrl,
  })
  return { status: 200, receipt: receipt(applied.outcome, applied.duplicate) }
}
