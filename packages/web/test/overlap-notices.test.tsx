import type { StreamEvent } from '@agent-squad/contract'
import { cleanup, render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, describe, expect, it } from 'vitest'
import { OverlapNotices } from '../src/features/work/OverlapNotices.tsx'
import { emptyWork, reduceWork } from '../src/features/work/work-model.ts'
import { RunReasonBadge } from '../src/shared/ui/Badge.tsx'

const uuid = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`
const overlap = (other: number, number: number, files: string[]): StreamEvent => ({
  id: other,
  type: 'execution.overlap',
  scope: 'task',
  squad_id: uuid(1),
  task_id: uuid(2),
  execution_id: uuid(3),
  created_at: '2026-01-01T00:00:00.000Z',
  payload: {
    repository_id: uuid(4),
    execution_id: uuid(3),
    task_id: uuid(2),
    other_execution_id: uuid(100 + other),
    other_task_id: uuid(200 + other),
    other_task_number: number,
    files,
  },
})

afterEach(cleanup)

describe('the overlap warning', () => {
  it('names the other task by number, links its run and lists the shared files', () => {
    const files = ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts', 'f.ts', 'g.ts']
    const work = reduceWork(emptyWork, [
      overlap(1, 7, ['a.ts']),
      overlap(1, 7, files),
      overlap(2, 9, ['x.ts']),
    ])
    render(
      <MemoryRouter>
        <OverlapNotices overlaps={work.overlaps} />
      </MemoryRouter>,
    )
    const [first, second] = screen.getAllByRole('alert')
    if (!first || !second) throw new Error('expected two warnings, one per other run')
    expect(screen.getAllByRole('alert')).toHaveLength(2)
    const link = within(first).getByRole('link', { name: '#7' })
    expect(link.getAttribute('href')).toBe(`/executions/${uuid(101)}`)
    expect(first.textContent).toContain('7 files')
    expect(within(first).getByText('e.ts')).toBeTruthy()
    expect(within(first).queryByText('f.ts')).toBeNull()
    expect(within(first).getByText('and 2 more')).toBeTruthy()
    expect(within(second).getByRole('link', { name: '#9' })).toBeTruthy()
    expect(second.textContent).toContain('a file')
    expect(within(second).getByText('x.ts')).toBeTruthy()
  })
})

describe('run reasons', () => {
  it('reads plan, review and revision as words, with the team workflow ones as badges', () => {
    render(
      <>
        <RunReasonBadge reason="plan" />
        <RunReasonBadge reason="revision" />
        <RunReasonBadge reason="start" />
      </>,
    )
    expect(screen.getByText('planning').className).toContain('badge')
    expect(screen.getByText('revision').className).toContain('badge-warning')
    expect(screen.getByText('first run').className).not.toContain('badge')
  })
})
