import type { Board, Squad } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { cleanup, render, screen } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { BoardPage } from '../src/features/board/BoardPage.tsx'
import { familyOf, summarizeSubtasks } from '../src/features/board/subtasks.ts'
import { SquadLayout } from '../src/features/squads/SquadLayout.tsx'
import { ToastProvider } from '../src/shared/ui/Toast.tsx'
import { fakeApi } from './helpers/fake-api.ts'
import { FakeEventSource } from './helpers/fake-event-source.ts'
import { fakeBoardLayout } from './helpers/fake-layout.ts'
import { later, squadId, task } from './helpers/fixtures.ts'

const parent = task(12, 'in_progress', 0, { title: 'Checkout v2' })
const sub = (n: number, status: Parameters<typeof task>[1], position: number) =>
  task(n, status, position, { parent_task_id: parent.id, title: `Part ${n}` })
const orphan = task(20, 'todo', 1, {
  parent_task_id: '00000000-0000-7000-8000-00000000ffff',
  title: 'Orphan',
})

const board: Board = {
  columns: [
    { status: 'backlog', tasks: [] },
    { status: 'todo', tasks: [sub(13, 'todo', 0), orphan] },
    { status: 'in_progress', tasks: [parent] },
    { status: 'in_review', tasks: [sub(14, 'in_review', 0)] },
    { status: 'done', tasks: [] },
    { status: 'failed', tasks: [] },
    { status: 'cancelled', tasks: [] },
  ],
}

describe('subtasks on the board', () => {
  it('summarises how far the subtasks have got, naming only those under way', () => {
    expect(summarizeSubtasks([{ status: 'todo' }])).toBe('1 subtask')
    expect(
      summarizeSubtasks([
        { status: 'in_review' },
        { status: 'done' },
        { status: 'backlog' },
        { status: 'in_review' },
      ]),
    ).toBe('4 subtasks · 2 in review · 1 done')
  })

  it("links each subtask to its parent's number, and each parent to its subtasks", () => {
    const family = familyOf(board)
    expect(family.parentOf.get(sub(13, 'todo', 0).id)).toBe('#12')
    expect(family.parentOf.get(orphan.id)).toBe('a task')
    expect(family.parentOf.has(parent.id)).toBe(false)
    expect(family.subtasksOf.get(parent.id)).toBe('2 subtasks · 1 in review')
    expect(family.subtasksOf.has(sub(13, 'todo', 0).id)).toBe(false)
  })

  it('says which tasks a card still waits for: those of its blockers not yet done', () => {
    const first = task(30, 'in_review', 0)
    const merged = task(31, 'done', 0)
    const waiting = task(32, 'todo', 0, { blocked_by: [first.id, merged.id] })
    const free = task(33, 'todo', 1, { blocked_by: [merged.id] })
    const family = familyOf({
      columns: [
        { status: 'todo', tasks: [waiting, free] },
        { status: 'in_review', tasks: [first] },
        { status: 'done', tasks: [merged] },
      ],
    })
    expect(family.waitsFor.get(waiting.id)).toBe('#30')
    expect(family.waitsFor.has(free.id)).toBe(false)
    expect(family.waitsFor.has(first.id)).toBe(false)
  })

  describe('cards', () => {
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

    it('show "↳ #12" on a subtask and the progress of its subtasks on the parent', async () => {
      const squad: Squad = {
        id: squadId,
        user_id: squadId,
        org_id: null,
        name: 'Payments',
        description: '',
        status: 'active',
        config: { workflow: { mode: 'team' } },
        created_at: later(0),
        updated_at: later(0),
      }
      fakeApi([
        { method: 'GET', path: /\/squads\/[^/]+$/, handler: () => squad },
        { method: 'GET', path: /\/board$/, handler: () => board },
        {
          method: 'GET',
          path: /\/(agents|repositories)$/,
          handler: () => ({ items: [], next_cursor: null }),
        },
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
      await screen.findByText('Checkout v2')
      const card = (n: number) => document.querySelector(`li[data-task-number="${n}"]`) as HTMLElement
      expect(card(13).querySelector('[data-testid="subtask-of"]')?.textContent).toBe('↳ #12')
      expect(card(14).querySelector('[data-testid="subtask-of"]')?.textContent).toBe('↳ #12')
      expect(card(20).querySelector('[data-testid="subtask-of"]')?.textContent).toBe('↳ a task')
      expect(card(12).querySelector('[data-testid="subtask-of"]')).toBeNull()
      expect(card(12).querySelector('[data-testid="subtasks"]')?.textContent).toBe('2 subtasks · 1 in review')
      expect(card(13).querySelector('[data-testid="subtasks"]')).toBeNull()
    })

    it('opens the task a pull request links back to (/squads/:id/tasks/:taskId) over the board', async () => {
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
      fakeApi([
        { method: 'GET', path: /\/squads\/[^/]+$/, handler: () => squad },
        { method: 'GET', path: /\/board$/, handler: () => board },
        {
          method: 'GET',
          path: /\/(agents|repositories|executions)$/,
          handler: () => ({ items: [], next_cursor: null }),
        },
      ])
      render(
        <QueryClientProvider client={createQueryClient()}>
          <ToastProvider>
            <MemoryRouter initialEntries={[`/squads/${squadId}/tasks/${parent.id}`]}>
              <Routes>
                <Route path="squads/:squadId" element={<SquadLayout />}>
                  <Route index element={<BoardPage />} />
                  <Route path="tasks/:taskId" element={<BoardPage />} />
                </Route>
              </Routes>
            </MemoryRouter>
          </ToastProvider>
        </QueryClientProvider>,
      )
      const dialog = await screen.findByRole('dialog')
      expect((dialog.querySelector('input') as HTMLInputElement | null)?.value).toBe('Checkout v2')
    })
  })
})
