import type { StreamEvent } from '@agent-squad/contract'
import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { BlockedConnections } from '../src/features/work/BlockedConnections.tsx'
import { emptyWork, reduceWork } from '../src/features/work/work-model.ts'

const uuid = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`
const blocked = (id: number, host: string, port: number, reason: string): StreamEvent => ({
  id,
  type: 'sandbox.connection_blocked',
  scope: 'execution',
  squad_id: uuid(1),
  task_id: uuid(2),
  execution_id: uuid(3),
  created_at: '2026-01-01T00:00:00.000Z',
  payload: { host, port, reason },
})

afterEach(cleanup)

describe('blocked connections on the Work page', () => {
  it('lists each refused destination once, with why, and says where to allow one', () => {
    const loopback = '127.0.0.1 is not a public address'
    const work = reduceWork(emptyWork, [
      blocked(1, '127.0.0.1', 5432, loopback),
      blocked(2, 'evil.example', 443, "evil.example:443 is not in the squad's network allowlist"),
      blocked(3, '127.0.0.1', 5432, loopback),
    ])
    expect(work.blocked).toHaveLength(2)
    render(<BlockedConnections blocked={work.blocked} />)
    const notice = screen.getByTestId('blocked-connections')
    expect(notice.textContent).toContain('Blocked 2 connections')
    expect(notice.textContent).toContain('network allowlist in Settings')
    expect(screen.getByText(`127.0.0.1:5432 — ${loopback}`)).toBeTruthy()
    expect(screen.getByText(/evil\.example:443/)).toBeTruthy()
  })

  it('shows nothing when nothing was refused', () => {
    render(<BlockedConnections blocked={emptyWork.blocked} />)
    expect(screen.queryByTestId('blocked-connections')).toBeNull()
  })
})
