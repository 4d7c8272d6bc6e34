import { WebhookReceipt } from '@agent-squad/contract'
import { receiveGitHubWebhook } from '../../webhooks/receive-github-webhook.ts'
import { defineRoute } from '../route.ts'

/** Where GitHub delivers (the App's or the repository's webhook URL), below /api/v1. */
export const GITHUB_WEBHOOK_PATH = '/webhooks/github'

export const webhookRoutes = [
  defineRoute({
    method: 'post',
    path: GITHUB_WEBHOOK_PATH,
    tag: 'webhooks',
    summary: 'Receive a GitHub webhook delivery',
    description:
      'Authenticated by its signature, not a token: `X-Hub-Signature-256` must be the HMAC of the exact body ' +
      'with `SQUAD_GITHUB_WEBHOOK_SECRET` or the squad secret `GITHUB_WEBHOOK_SECRET` of a squad with the ' +
      'repository (else 401, nothing written). Acts on pull requests closed or merged, reviews, comments ' +
      "mentioning the squad's handle and issues labeled with its label, once per `X-GitHub-Delivery`: a " +
      'redelivery answers 200 with `duplicate: true`. `ping` answers 200, other events 202 (ignored); a ' +
      "malformed payload 400; a body over 5 MiB 413. The body is GitHub's JSON payload.",
    access: 'public',
    response: WebhookReceipt,
    // The raw body is read by the handler: the signature covers its exact bytes.
    handler: async ({ deps, c }) => {
      const { status, receipt } = await receiveGitHubWebhook({
        db: deps.database.db,
        secretBox: deps.secretBox,
        serverSecret: deps.config.SQUAD_GITHUB_WEBHOOK_SECRET,
        forgeFor: deps.forgeFor,
        webBaseUrl: deps.localForge.baseUrl(),
        headers: {
          event: c.req.header('x-github-event'),
          delivery: c.req.header('x-github-delivery'),
          signature: c.req.header('x-hub-signature-256'),
        },
        body: new Uint8Array(await c.req.arrayBuffer()),
      })
      return c.json(receipt, status)
    },
  }),
]
