import type { StreamEvent } from '@agent-squad/contract'
import { cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ExecutionWarnings } from '../src/features/work/ExecutionWarnings.tsx'
import { emptyWork, reduceWork } from '../src/features/work/work-model.ts'

const uuid = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`
const warning = (id: number, kind: 'submodules' | 'lfs', message: string): StreamEvent => ({
  id,
  type: 'execution.warning',
  scope: 'execution',
  squad_id: uuid(1),
  task_id: uuid(2),
  execution_id: uuid(3),
  created_at: '2026-01-01T00:00:00.000Z',
  payload: { kind, message },
})

afterEach(cleanup)

describe('the pipeline’s warnings on the Work page', () => {
  it('shows each warning once, named by what it is about', () => {
    const unreachable =
      'vendor/lib (https://git.example.com/lib.git) could not be fetched: it is an empty folder'
    const work = reduceWork(emptyWork, [
      warning(1, 'submodules', unreachable),
      warning(2, 'lfs', 'git-lfs is not installed: 3 files are LFS pointers'),
      warning(3, 'submodules', unreachable),
    ])
    expect(work.warnings).toHaveLength(2)
    render(<ExecutionWarnings warnings={work.warnings} />)
    const notice = screen.getByTestId('execution-warnings')
    expect(notice.textContent).toContain(`Submodules: ${unreachable}`)
    expect(notice.textContent).toContain('Git LFS: git-lfs is not installed')
  })

  it('shows nothing when the run had nothing to warn of', () => {
    render(<ExecutionWarnings warnings={emptyWork.warnings} />)
    expect(screen.queryByTestId('execution-warnings')).toBeNull()
  })
})
