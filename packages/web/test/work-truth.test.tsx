import type { Execution, ExecutionStep } from '@agent-squad/contract'
import { QueryClientProvider } from '@tanstack/react-query'
import { cleanup, render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createQueryClient } from '../src/app/query-client.ts'
import { ActivityTimeline } from '../src/features/work/ActivityTimeline.tsx'
import { terminalText } from '../src/features/work/log-sink.ts'
import { WorkHeader } from '../src/features/work/WorkHeader.tsx'
import { later, squadId, task } from './helpers/fixtures.ts'

// What the Agent Work page says about a run must be what happened (issue 13).

const uuid = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`

const step = (
  name: string,
  status: ExecutionStep['status'],
  started = status !== 'pending',
): ExecutionStep => ({
  id: uuid(name.length),
  execution_id: uuid(1),
  name,
  status,
  attempt: 1,
  started_at: started ? later(1) : null,
  finished_at: started && status !== 'running' ? later(2) : null,
  duration_ms: started && status !== 'running' ? 1000 : null,
  result: null,
  error: status === 'failed' ? 'sandbox provider unavailable' : null,
})

const execution = (status: Execution['status']): Execution => ({
  id: uuid(1),
  task_id: task(1, 'in_progress', 0).id,
  squad_id: squadId,
  agent_id: null,
  attempt: 1,
  status,
  git_branch: 'task-1',
  base_commit: null,
  pull_request_url: null,
  commit_history: [],
  sandbox_id: null,
  sandbox_seconds: 0,
  error: null,
  run_reason: 'start',
  queue_position: null,
  queued_at: later(0),
  started_at: later(1),
  finished_at: status === 'running' ? null : later(3),
  created_at: later(0),
  updated_at: later(3),
})

function header(status: Execution['status'], overrides: Partial<Execution> = {}) {
  render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter>
        <WorkHeader
          execution={{ ...execution(status), ...overrides }}
          task={task(1, 'in_progress', 0)}
          agent={undefined}
          sandbox={null}
          stream="live"
          pullRequest={null}
        />
      </MemoryRouter>
    </QueryClientProvider>,
  )
}

describe('the Agent Work page tells what happened', () => {
  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
  })

  it('draws git progress only under a step that ran', () => {
    render(
      <ActivityTimeline
        steps={[step('provision', 'failed'), step('clone', 'pending')]}
        git={{
          clone: { operation: 'clone', phase: 'progress', percent: 30, message: 'updating repository cache' },
        }}
      />,
    )
    expect(screen.queryAllByRole('progressbar')).toEqual([])
    expect(screen.queryByText(/updating repository cache/)).toBeNull()
  })

  it('keeps the progress of a step that did run', () => {
    render(
      <ActivityTimeline
        steps={[step('provision', 'succeeded'), step('clone', 'running')]}
        git={{ clone: { operation: 'clone', phase: 'progress', percent: 30, message: 'receiving objects' } }}
      />,
    )
    expect(screen.getByRole('progressbar', { name: 'clone progress' })).toBeTruthy()
  })

  it('does not say "Sandbox: not yet" about a run that has finished', () => {
    header('failed')
    expect(screen.queryByText(/Sandbox/)).toBeNull()
  })

  it('shows how long the run’s sandboxes ran, once one has ended', () => {
    header('succeeded', { sandbox_seconds: 83 })
    expect(screen.getByTestId('sandbox-seconds').textContent).toBe('1 m 23 s')
  })

  it('says "Sandbox: not yet" while a run waits for one', () => {
    header('running')
    expect(screen.getByText('Sandbox: not yet')).toBeTruthy()
  })

  it('shows stderr (where git reports progress) like stdout, not in warning yellow', () => {
    expect(terminalText({ stream: 'stderr', step: 'clone', text: 'Receiving objects: 50%\n' })).toBe(
      'Receiving objects: 50%\n',
    )
  })
})
