import { z } from 'zod'

/**
 * What `POST /api/v1/webhooks/github` answers a delivery it authenticated: `200` when it acted (or
 * had acted already: `duplicate`), `202` when the event is not one the server acts on. GitHub shows
 * this body in the App's or repository's "Recent Deliveries".
 */
export const WebhookReceipt = z.object({
  delivery: z.string(),
  event: z.string(),
  /** What the server did, for people: `revision queued for task #3`, `ignored: comment by a bot`. */
  outcome: z.string(),
  /** The delivery was handled before (GitHub redelivered it): nothing was done again. */
  duplicate: z.boolean(),
})
export type WebhookReceipt = z.infer<typeof WebhookReceipt>
