import type { Need } from './auth.ts'
import type { OperationId } from './served-operations.ts'

// What each repository operation needs, from GitHub's "permissions required for GitHub Apps" and
// "for fine-grained personal access tokens" pages, and the collaborator role behind it.

const read = (permission: Need['permission']): Need => ({ permission, level: 'read', role: 'read' })
const write = (permission: Need['permission'], role: Need['role'] = 'write'): Need => ({
  permission,
  level: 'write',
  role,
})

export const NEEDS: Partial<Record<OperationId, Need>> = {
  'repos/get': read('metadata'),
  'repos/get-branch': read('metadata'),
  'repos/get-content': read('contents'),
  'repos/get-collaborator-permission-level': read('metadata'),
  'pulls/list': read('pull_requests'),
  'pulls/get': read('pull_requests'),
  'pulls/list-commits': read('pull_requests'),
  'pulls/list-files': read('pull_requests'),
  'pulls/list-reviews': read('pull_requests'),
  'pulls/list-review-comments': read('pull_requests'),
  'pulls/list-requested-reviewers': read('pull_requests'),
  'pulls/create': write('pull_requests', 'read'),
  'pulls/update': write('pull_requests', 'read'),
  'pulls/create-review': write('pull_requests', 'read'),
  'pulls/request-reviewers': write('pull_requests', 'triage'),
  'pulls/merge': write('contents'),
  'issues/get': read('issues'),
  'issues/list-for-repo': read('issues'),
  'issues/list-comments': read('issues'),
  'issues/list-events': read('issues'),
  'issues/list-labels-on-issue': read('issues'),
  'issues/create-comment': write('issues', 'read'),
  'issues/create-label': write('issues', 'triage'),
  'issues/add-labels': write('issues', 'triage'),
  'issues/remove-label': write('issues', 'triage'),
  'repos/create-commit-status': write('statuses'),
  'checks/get': read('checks'),
  'checks/list-for-ref': read('checks'),
  'checks/create': write('checks'),
  'checks/update': write('checks'),
}

/**
 * Pull requests are issues: GitHub lets `pull_requests` stand in for `issues` on a pull request's
 * labels and comments, so an app with only pull-request access can still label its PRs.
 */
export function alternativeNeed(need: Need): Need | null {
  return need.permission === 'issues' ? { ...need, permission: 'pull_requests' } : null
}
