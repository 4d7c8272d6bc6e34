import type { Squad, Task } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { MemoryRouter, Route, Routes, useLocation } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { BoardPage } from '../src/features/board/BoardPage.tsx'
import { SquadLayout } from '../src/features/squads/SquadLayout.tsx'
import { ToastProvider } from '../src/shared/ui/Toast.tsx'
import type { Route as ApiRoute } from './helpers/fake-api.ts'
import { deferred, fakeApi, HttpError } from './helpers/fake-api.ts'
import { FakeEventSource } from './helpers/fake-event-source.ts'
import { fakeBoardLayout } from './helpers/fake-layout.ts'
import { agent, boardOf, later, localRepository, squadId, task, taskEvent } from './helpers/fixtures.ts'

const squad: Squad = {
  id: squadId,
  user_id: squadId,
  org_id: null,
  name: 'Payments',
  description: '',
  status: 'active',
  config: {},
  created_at: later(0),
  updated_at: later(0),
}
const empty = { items: [], next_cursor: null }

/** Where the app is, for the tests to read: path and search. */
function Location() {
  const location = useLocation()
  return <output data-testid="location">{`${location.pathname}${location.search}`}</output>
}
const location = () => screen.getByTestId('location').textContent

function renderBoard(
  patch: (body: unknown) => unknown,
  options: { path?: string; board?: ReturnType<typeof boardOf>; routes?: ApiRoute[] } = {},
) {
  const calls = fakeApi([
    ...(options.routes ?? []),
    { method: 'GET', path: /\/squads\/[^/]+$/, handler: () => squad },
    {
      method: 'GET',
      path: /\/board$/,
      handler: () => options.board ?? boardOf({ backlog: [1, 2], todo: [3] }),
    },
    { method: 'GET', path: /\/(agents|repositories)$/, handler: () => empty },
    { method: 'GET', path: /\/tasks\/[^/]+\/executions$/, handler: () => empty },
    { method: 'PATCH', path: /\/tasks\//, handler: ({ body }) => patch(body) },
  ])
  render(
    <QueryClientProvider client={createQueryClient()}>
      <ToastProvider>
        <MemoryRouter initialEntries={[options.path ?? `/squads/${squadId}`]}>
          <Routes>
            <Route path="squads/:squadId" element={<SquadLayout />}>
              <Route index element={<BoardPage />} />
              <Route path="board" element={<BoardPage />} />
              <Route path="tasks/:taskId" element={<BoardPage />} />
            </Route>
          </Routes>
          <Location />
        </MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>,
  )
  return calls
}

const column = (name: string) => within(screen.getByRole('region', { name }))
const numbersIn = (name: string) =>
  column(name)
    .queryAllByRole('button', { name: /^Move task #/ })
    .map((b) => b.getAttribute('aria-label')?.replace('Move task ', ''))

/** Keyboard drag: space picks the card up, one arrow to the right, space drops it. */
async function dragRight(number: number) {
  await dragBy(number, 'ArrowRight')
}

async function dragBy(number: number, ...keys: string[]) {
  const handle = screen.getByRole('button', { name: `Move task #${number}` })
  handle.focus()
  await act(async () => {
    fireEvent.keyDown(handle, { code: 'Space', key: ' ' })
    await new Promise((r) => setTimeout(r, 20))
  })
  for (const key of keys)
    await act(async () => {
      fireEvent.keyDown(document.activeElement ?? handle, { code: key, key })
      await new Promise((r) => setTimeout(r, 20))
    })
  await act(async () => {
    fireEvent.keyDown(document.activeElement ?? handle, { code: 'Space', key: ' ' })
    await new Promise((r) => setTimeout(r, 20))
  })
}

describe('board', () => {
  let restoreLayout: () => void
  beforeEach(() => {
    FakeEventSource.reset()
    vi.stubGlobal('EventSource', FakeEventSource)
    restoreLayout = fakeBoardLayout()
  })
  afterEach(() => {
    cleanup()
    restoreLayout()
    vi.unstubAllGlobals()
  })

  it('shows every column with its tasks in order, and subscribes to the squad stream', async () => {
    renderBoard(() => undefined)
    await screen.findByText('Task 1')
    for (const name of ['Backlog', 'To do', 'In progress', 'In review', 'Done', 'Failed', 'Cancelled'])
      expect(screen.getByRole('region', { name })).toBeTruthy()
    expect(numbersIn('Backlog')).toEqual(['#1', '#2'])
    expect(numbersIn('To do')).toEqual(['#3'])
    expect(FakeEventSource.latest().url).toBe(`/api/v1/sse/squads/${squadId}`)
  })

  it('applies moves made by anyone as they arrive, without a refresh', async () => {
    renderBoard(() => undefined)
    await screen.findByText('Task 1')
    const source = FakeEventSource.latest()
    act(() => {
      source.connected()
      source.send(
        taskEvent('task.moved', task(1, 'todo', 0, { updated_at: later(5) }), {
          status: 'backlog',
          position: 0,
        }),
      )
      source.send(taskEvent('task.created', task(4, 'backlog', 1, { updated_at: later(6) })))
    })
    await waitFor(() => expect(numbersIn('To do')).toEqual(['#1', '#3']))
    expect(numbersIn('Backlog')).toEqual(['#2', '#4'])
    expect(screen.getByText('Live')).toBeTruthy()
  })

  it('moves a card with the keyboard at once, and sends the move to the server', async () => {
    const reply = deferred<Task>()
    const calls = renderBoard(() => reply.promise)
    await screen.findByText('Task 1')
    await dragRight(1)
    // Optimistic: already in "To do" while the server has not answered.
    await waitFor(() => expect(numbersIn('To do')).toContain('#1'))
    expect(numbersIn('Backlog')).toEqual(['#2'])
    const patch = calls.find((c) => c.method === 'PATCH')
    expect(patch?.path).toBe(`/api/v1/tasks/${task(1, 'backlog', 0).id}`)
    expect(patch?.body).toMatchObject({ status: 'todo' })
    await act(async () => reply.resolve(task(1, 'todo', 0, { updated_at: later(7) })))
    await waitFor(() => expect(numbersIn('To do')).toEqual(['#1', '#3']))
  })

  it('puts the card back and says why when the server refuses the move', async () => {
    const reply = deferred<Task>()
    const calls = renderBoard(() => reply.promise)
    await screen.findByText('Task 1')
    await dragRight(1)
    await waitFor(() => expect(numbersIn('To do')).toContain('#1'))
    expect(calls.some((c) => c.method === 'PATCH')).toBe(true)
    await act(async () => reply.reject(new HttpError(409, 'conflict', 'Task #1 has a running execution')))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Could not move #1')
    expect(alert.textContent).toContain('Task #1 has a running execution')
    await waitFor(() => expect(numbersIn('Backlog')).toEqual(['#1', '#2']))
    expect(numbersIn('To do')).toEqual(['#3'])
  })

  it('filters by search without losing the other cards', async () => {
    renderBoard(() => undefined)
    await screen.findByText('Task 1')
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search tasks' }), { target: { value: '#2' } })
    expect(numbersIn('Backlog')).toEqual(['#2'])
    expect(column('Backlog').getByText('1/2')).toBeTruthy()
  })
  it('refuses to drop a task without a repository into "In progress", saying why, and moves nothing', async () => {
    const calls = renderBoard(() => undefined)
    await screen.findByText('Task 3')
    await dragRight(3)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('#3 has no repository, so no agent can work on it')
    expect(numbersIn('To do')).toEqual(['#3'])
    expect(numbersIn('In progress')).toEqual([])
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([])
  })

  it('starts a task that can run when it is dropped into "In progress"', async () => {
    const repo = localRepository(1, 'hello')
    const ready = task(3, 'todo', 0, { repository_id: repo.id, assignee_id: agent(1).id })
    const calls = renderBoard(() => undefined, {
      board: {
        columns: boardOf({ backlog: [1] }).columns.map((c) =>
          c.status === 'todo' ? { ...c, tasks: [ready] } : c,
        ),
      },
      routes: [
        {
          method: 'POST',
          path: /\/tasks\/[^/]+\/executions$/,
          handler: () => ({ id: squadId, task_id: ready.id, attempt: 1, status: 'queued' }),
        },
      ],
    })
    await screen.findByText('Task 3')
    await dragRight(3)
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
    expect(calls.find((c) => c.method === 'POST')?.path).toBe(`/api/v1/tasks/${ready.id}/executions`)
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false)
    expect(numbersIn('In progress')).toEqual(['#3'])
  })

  it('gives an open task its own URL and keeps the filters in the URL', async () => {
    renderBoard(() => undefined, { path: `/squads/${squadId}/board?q=Task` })
    await screen.findByText('Task 1')
    expect((screen.getByRole('searchbox', { name: 'Search tasks' }) as HTMLInputElement).value).toBe('Task')
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search tasks' }), { target: { value: '#2' } })
    expect(location()).toBe(`/squads/${squadId}/board?q=%232`)
    expect(numbersIn('Backlog')).toEqual(['#2'])

    fireEvent.click(screen.getByRole('button', { name: 'Task 2' }))
    expect(location()).toBe(`/squads/${squadId}/tasks/${task(2, 'backlog', 1).id}?q=%232`)
    await screen.findByRole('dialog', { name: 'Task #2' })
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(location()).toBe(`/squads/${squadId}?q=%232`)
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('links a card to its pull request, whose state speaks for a finished run that changed nothing', async () => {
    const repo = localRepository(1, 'hello')
    const done = task(4, 'done', 0, { repository_id: repo.id })
    const pr = {
      id: squadId,
      repository_id: repo.id,
      squad_id: squadId,
      task_id: done.id,
      execution_id: null,
      number: 1,
      title: 'Task 4',
      body: '',
      head: 'task-4',
      base: 'main',
      state: 'merged',
      labels: [],
      reviewers: [],
      url: `http://127.0.0.1/api/v1/repositories/${repo.id}/pulls/1`,
      merge_commit: null,
      merged_at: later(3),
      created_at: later(1),
      updated_at: later(3),
    }
    renderBoard(() => undefined, {
      board: { columns: boardOf({}).columns.map((c) => (c.status === 'done' ? { ...c, tasks: [done] } : c)) },
      routes: [
        { method: 'GET', path: /\/repositories$/, handler: () => ({ items: [repo], next_cursor: null }) },
        { method: 'GET', path: /\/pulls$/, handler: () => ({ items: [pr], next_cursor: null }) },
      ],
    })
    await screen.findByText('Task 4')
    const source = FakeEventSource.latest()
    act(() => {
      source.connected()
      source.send({
        id: 900,
        type: 'execution.updated',
        scope: 'execution',
        squad_id: squadId,
        task_id: done.id,
        execution_id: squadId,
        created_at: later(2),
        payload: {
          id: squadId,
          task_id: done.id,
          squad_id: squadId,
          agent_id: null,
          attempt: 2,
          status: 'no_changes',
          run_reason: 'revision',
          updated_at: later(2),
        },
      } as never)
    })
    const link = await column('Done').findByRole('link', { name: 'PR #1 merged' })
    expect(link.getAttribute('href')).toBe(`/repositories/${repo.id}/pulls/1`)
    expect(column('Done').queryByText('no changes')).toBeNull()
  })
})
