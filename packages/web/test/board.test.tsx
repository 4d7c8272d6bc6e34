import type { Squad, Task } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { BoardPage } from '../src/features/board/BoardPage.tsx'
import { SquadLayout } from '../src/features/squads/SquadLayout.tsx'
import { ToastProvider } from '../src/shared/ui/Toast.tsx'
import { deferred, fakeApi, HttpError } from './helpers/fake-api.ts'
import { FakeEventSource } from './helpers/fake-event-source.ts'
import { fakeBoardLayout } from './helpers/fake-layout.ts'
import { boardOf, later, squadId, task, taskEvent } from './helpers/fixtures.ts'

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

function renderBoard(patch: (body: unknown) => unknown) {
  const calls = fakeApi([
    { method: 'GET', path: /\/squads\/[^/]+$/, handler: () => squad },
    { method: 'GET', path: /\/board$/, handler: () => boardOf({ backlog: [1, 2], todo: [3] }) },
    { method: 'GET', path: /\/(agents|repositories)$/, handler: () => empty },
    { method: 'PATCH', path: /\/tasks\//, handler: ({ body }) => patch(body) },
  ])
  render(
    <QueryClientProvider client={createQueryClient()}>
      <ToastProvider>
        <MemoryRouter initialEntries={[`/squads/${squadId}`]}>
          <Routes>
            <Route path="squads/:squadId" element={<SquadLayout />}>
              <Route index element={<BoardPage />} />
            </Route>
          </Routes>
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
  const handle = screen.getByRole('button', { name: `Move task #${number}` })
  handle.focus()
  await act(async () => {
    fireEvent.keyDown(handle, { code: 'Space', key: ' ' })
    await new Promise((r) => setTimeout(r, 20))
  })
  await act(async () => {
    fireEvent.keyDown(document.activeElement ?? handle, { code: 'ArrowRight', key: 'ArrowRight' })
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
})
