import type { CreateReviewResult, Review, StreamEvent } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { TaskReviews } from '../src/features/reviews/TaskReviews.tsx'
import { mergeReviews } from '../src/shared/api/reviews.ts'
import { useSquadStream } from '../src/shared/hooks/useSquadStream.ts'
import { fakeApi, HttpError } from './helpers/fake-api.ts'
import { FakeEventSource } from './helpers/fake-event-source.ts'
import { later, squadId, task } from './helpers/fixtures.ts'

const taskId = task(3, 'in_review', 0).id
const uuid = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`

const review = (n: number, round: number, over: Partial<Review> = {}): Review => ({
  id: uuid(5000 + n),
  squad_id: squadId,
  task_id: taskId,
  execution_id: uuid(6000 + n),
  author_kind: 'agent',
  author_id: uuid(7000),
  author_name: 'rita',
  verdict: 'changes_requested',
  body: `Review ${n}`,
  comments: [],
  round,
  follow_up_execution_id: null,
  pull_request_url: null,
  created_at: later(round),
  ...over,
})

let eventId = 500
const submitted = (r: Review): StreamEvent => ({
  id: eventId++,
  type: 'review.submitted',
  scope: 'task',
  squad_id: squadId,
  task_id: r.task_id,
  execution_id: null,
  created_at: r.created_at,
  payload: r,
})

function Page({ reviewable, files }: { reviewable: boolean; files?: string[] }) {
  useSquadStream(squadId)
  return <TaskReviews taskId={taskId} reviewable={reviewable} files={files} />
}

function renderReviews(reviewable = true, files?: string[]) {
  const client = createQueryClient()
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <Page reviewable={reviewable} files={files} />
      </MemoryRouter>
    </QueryClientProvider>,
  )
  return client
}

/** The API answering a person's review with the review it stored (and a follow-up run if given). */
function reviewRoutes(followUp: string | null = null) {
  return fakeApi([
    { method: 'GET', path: /\/reviews$/, handler: () => ({ items: [], next_cursor: null }) },
    {
      method: 'POST',
      path: /\/tasks\/[^/]+\/reviews$/,
      handler: ({ body }): CreateReviewResult => {
        const sent = body as Pick<Review, 'verdict' | 'body' | 'comments'>
        return {
          review: review(1, 1, {
            ...sent,
            author_kind: 'user',
            author_name: 'Ada',
            execution_id: null,
            follow_up_execution_id: followUp,
          }),
          follow_up_execution_id: followUp,
        }
      },
    },
  ])
}

/** Adds a file comment row with the button and types into it (its index among the rows). */
function addComment(index: number, values: { file?: string; line?: string; comment?: string }) {
  fireEvent.click(screen.getByRole('button', { name: 'Add a file comment' }))
  const row = screen.getByRole('group', { name: `File comment ${index + 1}` })
  const type = (label: string, value: string | undefined) => {
    if (value !== undefined) fireEvent.change(within(row).getByLabelText(label), { target: { value } })
  }
  type('File', values.file)
  type('Line', values.line)
  type('Comment', values.comment)
  return row
}

const bodies = () =>
  screen
    .queryAllByRole('listitem')
    .filter((li) => li.hasAttribute('data-review-id'))
    .map((li) => li.querySelector('.review-body')?.textContent)

describe('mergeReviews', () => {
  it('keeps one entry per id (the incoming copy wins), oldest round first', () => {
    const first = review(1, 1)
    const second = review(2, 2, { verdict: 'approved' })
    const merged = mergeReviews([second], [first, { ...second, body: 'edited' }, first])
    expect(merged.map((r) => [r.round, r.body])).toEqual([
      [1, 'Review 1'],
      [2, 'edited'],
    ])
  })
})

describe('the reviews panel', () => {
  beforeEach(() => {
    FakeEventSource.reset()
    vi.stubGlobal('EventSource', FakeEventSource)
  })
  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
  })

  it('loads the reviews, then adds review.submitted events once each, in round order', async () => {
    const first = review(1, 1, {
      comments: [{ path: 'src/pay.ts', line: 12, body: 'Round the total' }],
      follow_up_execution_id: uuid(6100),
    })
    const calls = fakeApi([
      {
        method: 'GET',
        path: /\/tasks\/[^/]+\/reviews$/,
        handler: () => ({ items: [first], next_cursor: null }),
      },
    ])
    renderReviews()
    await screen.findByText('Review 1')
    expect(calls[0]?.path).toBe(`/api/v1/tasks/${taskId}/reviews`)
    expect(screen.getByText('src/pay.ts:12')).toBeTruthy()
    expect(screen.getByText('Round the total')).toBeTruthy()
    expect(screen.getByTestId('follow-up-link').getAttribute('href')).toBe(`/executions/${uuid(6100)}`)

    const source = FakeEventSource.latest()
    expect(source.url).toBe(`/api/v1/sse/squads/${squadId}`)
    const third = review(3, 3, { author_kind: 'user', author_name: 'Ada', verdict: 'approved' })
    const second = review(2, 2)
    const elsewhere = review(4, 1, { task_id: uuid(9999), body: 'Another task' })
    act(() => {
      source.connected()
      // A replay repeats the loaded review; a later round can arrive before an earlier one.
      source.send(submitted(first))
      source.send(submitted(third))
      source.send(submitted(second))
      source.send(submitted(elsewhere))
      source.send(submitted(second))
    })
    await waitFor(() => expect(bodies()).toEqual(['Review 1', 'Review 2', 'Review 3']))
    expect(screen.queryByText('Another task')).toBeNull()
    expect(screen.getByRole('heading', { name: 'Reviews (3)' })).toBeTruthy()
    const ada = screen.getByText('Ada').closest('li') as HTMLElement
    expect(within(ada).getByText('person')).toBeTruthy()
    expect(within(ada).getByText('Approved')).toBeTruthy()
  })

  it('names the reader\'s own review "You", and says when its revision run changed nothing', async () => {
    const me = uuid(7100)
    const mine = review(1, 1, {
      author_kind: 'user',
      author_id: me,
      author_name: 'local',
      execution_id: null,
      follow_up_execution_id: uuid(6300),
    })
    fakeApi([
      {
        method: 'GET',
        path: /\/tasks\/[^/]+\/reviews$/,
        handler: () => ({ items: [mine], next_cursor: null }),
      },
      {
        method: 'GET',
        path: /\/me$/,
        handler: () => ({ id: me, name: 'local', is_admin: true, created_at: later(0) }),
      },
      {
        method: 'GET',
        path: /\/tasks\/[^/]+\/executions$/,
        handler: () => ({
          items: [{ id: uuid(6300), task_id: taskId, squad_id: squadId, attempt: 2, status: 'no_changes' }],
          next_cursor: null,
        }),
      },
    ])
    renderReviews()
    const item = (await screen.findByText('Review 1')).closest('li') as HTMLElement
    await within(item).findByText('You')
    expect(within(item).queryByText('local')).toBeNull()
    expect(within(item).queryByText('person')).toBeNull()
    expect((await within(item).findByTestId('follow-up-outcome')).textContent).toBe(
      'made no changes: the pull request is as it was',
    )
  })

  it('posts "Request changes" with the text and points at the queued revision run', async () => {
    const followUp = uuid(6200)
    const calls = fakeApi([
      { method: 'GET', path: /\/reviews$/, handler: () => ({ items: [], next_cursor: null }) },
      {
        method: 'POST',
        path: /\/tasks\/[^/]+\/reviews$/,
        handler: ({ body }): CreateReviewResult => ({
          review: review(1, 1, {
            author_kind: 'user',
            author_name: 'Ada',
            execution_id: null,
            body: (body as { body: string }).body,
            follow_up_execution_id: followUp,
          }),
          follow_up_execution_id: followUp,
        }),
      },
    ])
    renderReviews()
    await screen.findByText('No reviews yet.')
    const request = screen.getByRole('button', { name: 'Request changes' }) as HTMLButtonElement
    // Without a word of explanation the server would refuse it: the button says so first.
    expect(request.disabled).toBe(true)
    fireEvent.change(screen.getByLabelText('Your review'), { target: { value: '  Handle refunds too ' } })
    expect(request.disabled).toBe(false)
    fireEvent.click(request)

    const link = await screen.findByTestId('queued-run-link')
    expect(link.getAttribute('href')).toBe(`/executions/${followUp}`)
    const post = calls.find((c) => c.method === 'POST')
    expect(post?.path).toBe(`/api/v1/tasks/${taskId}/reviews`)
    expect(post?.body).toEqual({ verdict: 'changes_requested', body: 'Handle refunds too', comments: [] })
    // The answer's review joins the list at once, and the form is ready for the next one.
    expect(bodies()).toEqual(['Handle refunds too'])
    expect((screen.getByLabelText('Your review') as HTMLTextAreaElement).value).toBe('')
  })

  it("shows the server's message when it refuses the review", async () => {
    fakeApi([
      { method: 'GET', path: /\/reviews$/, handler: () => ({ items: [], next_cursor: null }) },
      {
        method: 'POST',
        path: /\/reviews$/,
        handler: () => {
          throw new HttpError(409, 'conflict', 'Task #3 has a run queued or running: wait for it to finish')
        },
      },
    ])
    renderReviews()
    await screen.findByText('No reviews yet.')
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Task #3 has a run queued or running: wait for it to finish')
    expect(screen.queryByTestId('queued-run-link')).toBeNull()
    expect(bodies()).toEqual([])
  })

  it('sends the filled file comments (a line is optional), skips empty and removed rows, then clears them', async () => {
    const calls = reviewRoutes()
    renderReviews(true, ['src/pay.ts', 'docs/refunds.md'])
    await screen.findByText('No reviews yet.')
    fireEvent.change(screen.getByLabelText('Your review'), { target: { value: 'Nearly there' } })
    const first = addComment(0, { file: ' src/pay.ts ', line: ' 12 ', comment: 'Round the total ' })
    // The file input offers the pull request's changed files.
    const file = within(first).getByLabelText('File')
    const options = document.getElementById(file.getAttribute('list') ?? '')?.querySelectorAll('option')
    expect([...(options ?? [])].map((o) => o.value)).toEqual(['src/pay.ts', 'docs/refunds.md'])
    addComment(1, { file: 'src/old.ts', comment: 'Dropped before sending' })
    addComment(2, { file: 'docs/refunds.md', comment: 'Mention partial refunds' })
    addComment(3, {})
    fireEvent.click(screen.getByRole('button', { name: 'Remove file comment 2' }))
    expect(screen.getAllByRole('group', { name: /^File comment/ })).toHaveLength(3)
    fireEvent.click(screen.getByRole('button', { name: 'Comment' }))

    await screen.findByText('Review submitted.')
    const posts = calls.filter((c) => c.method === 'POST')
    expect(posts).toHaveLength(1)
    expect(posts[0]?.body).toEqual({
      verdict: 'commented',
      body: 'Nearly there',
      comments: [
        { path: 'src/pay.ts', line: 12, body: 'Round the total' },
        { path: 'docs/refunds.md', line: null, body: 'Mention partial refunds' },
      ],
    })
    expect(screen.queryAllByRole('group', { name: /^File comment/ })).toHaveLength(0)
    // The list shows the remarks as path:line and the text.
    const remarks = screen.getByRole('list', { name: 'File comments' })
    expect(within(remarks).getByText('src/pay.ts:12')).toBeTruthy()
    expect(within(remarks).getByText('docs/refunds.md')).toBeTruthy()
    expect(remarks.textContent).toContain('Mention partial refunds')
  })

  it('marks a faulty file comment on its row and sends nothing until it is corrected', async () => {
    const calls = reviewRoutes()
    renderReviews()
    await screen.findByText('No reviews yet.')
    // Without the pull request's files the path is plain text.
    const good = addComment(0, { file: 'src/pay.ts', line: '3', comment: 'Fine' })
    expect(within(good).getByLabelText('File').hasAttribute('list')).toBe(false)
    const bad = addComment(1, { file: 'src/pay.ts', line: '2.5', comment: 'Which line?' })
    const long = addComment(2, { file: `src/${'a'.repeat(500)}.ts`, comment: 'Long path' })
    fireEvent.click(screen.getByRole('button', { name: 'Request changes' }))

    expect(within(bad).getByRole('alert').textContent).toBe('A line number (1 or more), or leave it empty')
    expect(within(bad).getByLabelText('Line').getAttribute('aria-invalid')).toBe('true')
    expect(within(long).getByRole('alert').textContent).toBe('At most 500 characters')
    expect(within(good).queryByRole('alert')).toBeNull()
    fireEvent.change(within(bad).getByLabelText('Line'), { target: { value: '0' } })
    fireEvent.click(screen.getByRole('button', { name: 'Remove file comment 3' }))
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }))
    expect(within(bad).getByRole('alert')).toBeTruthy()
    await act(async () => {})
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)

    fireEvent.change(within(bad).getByLabelText('Line'), { target: { value: '7' } })
    expect(within(bad).queryByRole('alert')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }))
    await screen.findByText('Approved.')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      verdict: 'approved',
      body: '',
      comments: [
        { path: 'src/pay.ts', line: 3, body: 'Fine' },
        { path: 'src/pay.ts', line: 7, body: 'Which line?' },
      ],
    })
  })

  it('requests changes with file comments alone', async () => {
    const followUp = uuid(6300)
    const calls = reviewRoutes(followUp)
    renderReviews()
    await screen.findByText('No reviews yet.')
    const request = screen.getByRole('button', { name: 'Request changes' }) as HTMLButtonElement
    const comment = screen.getByRole('button', { name: 'Comment' }) as HTMLButtonElement
    fireEvent.click(screen.getByRole('button', { name: 'Add a file comment' }))
    // The new row has the cursor; an empty row is no remark yet.
    expect(document.activeElement).toBe(screen.getByLabelText('File'))
    expect([request.disabled, comment.disabled]).toEqual([true, true])
    fireEvent.change(screen.getByLabelText('Comment'), { target: { value: 'Handle refunds' } })
    fireEvent.change(screen.getByLabelText('File'), { target: { value: 'src/pay.ts' } })
    expect([request.disabled, comment.disabled]).toEqual([false, false])
    fireEvent.click(request)

    const link = await screen.findByTestId('queued-run-link')
    expect(link.getAttribute('href')).toBe(`/executions/${followUp}`)
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      verdict: 'changes_requested',
      body: '',
      comments: [{ path: 'src/pay.ts', line: null, body: 'Handle refunds' }],
    })
    expect(screen.queryByLabelText('File')).toBeNull()
    expect(request.disabled).toBe(true)
  })

  it('shows no form, and no panel at all, for a task without a pull request or reviews', async () => {
    fakeApi([{ method: 'GET', path: /\/reviews$/, handler: () => ({ items: [], next_cursor: null }) }])
    renderReviews(false)
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Reviews' })).toBeNull())
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull()
  })
})
