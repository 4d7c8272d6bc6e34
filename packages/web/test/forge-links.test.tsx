import type { Execution, Review } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { cleanup, render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { TaskRuns } from '../src/features/board/TaskRuns.tsx'
import { ReviewList } from '../src/features/reviews/ReviewList.tsx'
import { PullRequestLink, pullNumberOf } from '../src/shared/ui/PullRequestLink.tsx'
import { fakeApi } from './helpers/fake-api.ts'
import { later, squadId, task } from './helpers/fixtures.ts'

const uuid = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`
const repoId = uuid(77)

const execution = (n: number, pullRequestUrl: string | null): Execution => ({
  id: uuid(3000 + n),
  task_id: task(1, 'in_review', 0).id,
  squad_id: squadId,
  agent_id: uuid(9),
  attempt: n,
  status: 'succeeded',
  git_branch: 'task-1',
  base_commit: null,
  pull_request_url: pullRequestUrl,
  commit_history: [],
  sandbox_id: null,
  sandbox_seconds: 0,
  error: null,
  run_reason: n === 1 ? 'start' : 'retry',
  queue_position: null,
  queued_at: later(n),
  started_at: later(n),
  finished_at: later(n),
  created_at: later(n),
  updated_at: later(n),
})

const wrap = (node: React.ReactNode) =>
  render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter>{node}</MemoryRouter>
    </QueryClientProvider>,
  )

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe('pull request links', () => {
  it("open GitHub's page in a new tab, and the local forge's inside the app", () => {
    wrap(
      <>
        <PullRequestLink url="https://github.com/acme/webshop/pull/12">on GitHub</PullRequestLink>
        <PullRequestLink url={`http://127.0.0.1:8000/repositories/${repoId}/pulls/3`}>here</PullRequestLink>
      </>,
    )
    const external = screen.getByRole('link', { name: /on GitHub/ })
    expect(external.getAttribute('href')).toBe('https://github.com/acme/webshop/pull/12')
    expect(external.getAttribute('target')).toBe('_blank')
    expect(external.getAttribute('rel')).toBe('noreferrer')
    const local = screen.getByRole('link', { name: 'here' })
    expect(local.getAttribute('href')).toBe(`/repositories/${repoId}/pulls/3`)
    expect(local.getAttribute('target')).toBeNull()
    expect(pullNumberOf('https://ghe.example.com/a/b/pull/7')).toBe(7)
    expect(pullNumberOf('https://example.com/a/b')).toBeNull()
  })

  it("a task's runs link to their pull request, on GitHub in a new tab", async () => {
    fakeApi([
      {
        method: 'GET',
        path: /\/tasks\/[^/]+\/executions$/,
        handler: () => ({
          items: [execution(2, 'https://github.com/acme/webshop/pull/12'), execution(1, null)],
          next_cursor: null,
        }),
      },
    ])
    wrap(<TaskRuns task={task(1, 'in_review', 0, { assignee_id: uuid(9) })} />)
    const link = await screen.findByRole('link', { name: /PR #12/ })
    expect(link.getAttribute('href')).toBe('https://github.com/acme/webshop/pull/12')
    expect(link.getAttribute('target')).toBe('_blank')
    expect(screen.getAllByRole('link', { name: /PR #/ })).toHaveLength(1)
  })
})

describe('reviews from GitHub', () => {
  it("show the GitHub author's name and mark", () => {
    const review = {
      id: uuid(5001),
      squad_id: squadId,
      task_id: task(1, 'in_review', 0).id,
      execution_id: null,
      // The webhooks add authors from GitHub; the list must not mistake them for people here.
      author_kind: 'github' as Review['author_kind'],
      author_id: null,
      author_name: 'octocat',
      verdict: 'changes_requested',
      body: 'Please rename the helper.',
      comments: [{ path: 'src/app.ts', line: 3, body: 'here' }],
      round: 1,
      follow_up_execution_id: null,
      pull_request_url: 'https://github.com/acme/webshop/pull/12',
      created_at: later(5),
    } satisfies Review
    wrap(<ReviewList reviews={[review]} />)
    const author = screen.getByText('octocat')
    expect(author.querySelector('svg')).not.toBeNull()
    expect(screen.getByText('on GitHub')).toBeTruthy()
    expect(screen.queryByText('person')).toBeNull()
  })
})
