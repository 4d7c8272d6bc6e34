// The one list of what the fake GitHub serves. scripts/extract-github-openapi.ts reads it to cut
// GitHub's published OpenAPI description down to these operations; the fake's router refuses to start
// when a handler names an operation missing from the extract (run the script again after adding one).

/** REST operations, by GitHub's operationId. */
export const SERVED_OPERATIONS = [
  'apps/create-installation-access-token',
  'apps/get-authenticated',
  'apps/get-repo-installation',
  'apps/revoke-installation-access-token',
  'checks/create',
  'checks/get',
  'checks/list-for-ref',
  'checks/update',
  'issues/add-labels',
  'issues/create-comment',
  'issues/create-label',
  'issues/get',
  'issues/list-comments',
  'issues/list-events',
  'issues/list-for-repo',
  'issues/list-labels-on-issue',
  'issues/remove-label',
  'pulls/create',
  'pulls/create-review',
  'pulls/get',
  'pulls/list',
  'pulls/list-commits',
  'pulls/list-files',
  'pulls/list-requested-reviewers',
  'pulls/list-review-comments',
  'pulls/list-reviews',
  'pulls/merge',
  'pulls/request-reviewers',
  'pulls/update',
  'rate-limit/get',
  'repos/create-commit-status',
  'repos/get',
  'repos/get-branch',
  'repos/get-collaborator-permission-level',
  'repos/get-content',
  'users/get-authenticated',
] as const

export type OperationId = (typeof SERVED_OPERATIONS)[number]

/** Webhook payloads the builders produce, by the key of GitHub's webhooks description. */
export const SERVED_WEBHOOKS = [
  'installation-created',
  'issue-comment-created',
  'issues-labeled',
  'ping',
  'pull-request-closed',
  'pull-request-opened',
  'pull-request-review-comment-created',
  'pull-request-review-submitted',
  'pull-request-synchronize',
] as const

export type WebhookKey = (typeof SERVED_WEBHOOKS)[number]
