import type { EmitterWebhookEvent, EmitterWebhookEventName } from '@octokit/webhooks'
import type { Violation } from '../openapi-operations.ts'
import { isObject, readExtract, type SchemaRegistry, toJsonSchema } from '../schema-registry.ts'
import type { WebhookKey } from '../served-operations.ts'

// Webhook payloads checked against GitHub's webhooks description (the committed extract of
// @octokit/openapi-webhooks). A payload that does not match is a violation and is not handed out.

const PREFIX = 'https://fake-github.test/webhooks'

export type WebhookPayload<E extends EmitterWebhookEventName> = EmitterWebhookEvent<E>['payload']

export class WebhookSchemas {
  private readonly registry: SchemaRegistry
  private readonly events = new Map<string, string>()

  constructor(registry: SchemaRegistry) {
    this.registry = registry
    const document = readExtract('webhooks.extract.json')
    registry.addComponents(document, PREFIX)
    const webhooks = isObject(document.webhooks) ? document.webhooks : {}
    for (const [key, entry] of Object.entries(webhooks))
      if (isObject(entry) && typeof entry.event === 'string') this.events.set(key, entry.event)
  }

  /** The X-GitHub-Event name of a webhook key (e.g. pull-request-review-submitted → pull_request_review). */
  eventOf(key: WebhookKey): string {
    const event = this.events.get(key)
    if (!event)
      throw new Error(`webhook ${key} is not in the extract: run node scripts/extract-github-openapi.ts`)
    return event
  }

  /**
   * Checks `payload` against the schema of `key` and returns it typed as @octokit/webhooks types it.
   * The cast is what the check just proved; a mismatch throws (and is recorded), so no test ever
   * receives a payload GitHub would not send.
   */
  validated<E extends EmitterWebhookEventName>(
    key: WebhookKey,
    payload: Record<string, unknown>,
    violations: Violation[],
  ): WebhookPayload<E> {
    const schema = toJsonSchema({ $ref: `#/components/schemas/webhook-${key}` }, PREFIX)
    const problems = this.registry.validate(`webhook ${key}`, schema, payload)
    if (problems.length > 0) {
      violations.push({ operationId: `webhook ${key}`, phase: 'webhook', problems })
      throw new Error(
        `The ${key} payload does not match GitHub's webhooks description:\n  ${problems.join('\n  ')}`,
      )
    }
    return payload as unknown as WebhookPayload<E>
  }
}
