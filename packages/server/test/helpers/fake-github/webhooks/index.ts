import type { Core } from '../core.ts'
import { type DeliverOpts, type Delivery, deliver } from './deliver.ts'
import { createPayloadBuilders, type PayloadBuilders } from './payloads.ts'
import type { WebhookSchemas } from './schemas.ts'

export type { DeliverOpts, Delivery } from './deliver.ts'
export type { PayloadBuilders } from './payloads.ts'
export type { WebhookPayload } from './schemas.ts'

export type Webhooks = {
  /** Builders: each performs the action in the fake's state and returns GitHub's payload for it. */
  payload: PayloadBuilders
  /** POSTs a payload to `url` with Hookshot's headers and a real signature. */
  deliver(opts: DeliverOpts): Promise<Delivery>
}

export function createWebhooks(core: Core, schemas: WebhookSchemas): Webhooks {
  return {
    payload: createPayloadBuilders(core, schemas),
    deliver: (opts) => deliver({ ...opts, appId: core.state.app.id }),
  }
}
