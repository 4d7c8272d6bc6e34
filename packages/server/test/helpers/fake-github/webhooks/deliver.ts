import { randomUUID } from 'node:crypto'
import { sign } from '@octokit/webhooks-methods'

// A webhook delivery as GitHub's Hookshot makes it: a JSON POST with the event name, a delivery id,
// the hook's ids and the HMAC-SHA256 signature of the exact body bytes.

export type DeliverOpts = {
  url: string
  /** The X-GitHub-Event name, e.g. `pull_request`, `pull_request_review`, `issue_comment`. */
  event: string
  payload: unknown
  /** The webhook secret; the body is signed with it (X-Hub-Signature-256). */
  secret: string
  deliveryId?: string
  hookId?: number
}

export type Delivery = { status: number; body: string; deliveryId: string; headers: Record<string, string> }

export async function deliver(opts: DeliverOpts & { appId: number }): Promise<Delivery> {
  const body = JSON.stringify(opts.payload)
  const deliveryId = opts.deliveryId ?? randomUUID()
  const payload = opts.payload as { installation?: { id?: number }; repository?: { id?: number } }
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/fake',
    'x-github-event': opts.event,
    'x-github-delivery': deliveryId,
    'x-github-hook-id': String(opts.hookId ?? 1),
    'x-github-hook-installation-target-type': payload.installation ? 'integration' : 'repository',
    'x-github-hook-installation-target-id': String(
      payload.installation ? opts.appId : (payload.repository?.id ?? 0),
    ),
    'x-hub-signature-256': await sign(opts.secret, body),
  }
  const response = await fetch(opts.url, { method: 'POST', headers, body })
  return { status: response.status, body: await response.text(), deliveryId, headers }
}
