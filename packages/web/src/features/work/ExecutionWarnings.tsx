import type { ExecutionWarning } from '@agent-squad/contract'

const titles: Record<ExecutionWarning['kind'], string> = {
  submodules: 'Submodules',
  lfs: 'Git LFS',
  agent: 'Agent CLI',
}

/**
 * What the pipeline could not prepare but ran without: a submodule it could not reach arrives as an
 * empty folder, LFS files stay pointer text; an agent CLI that is not the tested version, refused a tool
 * or had to retry its model stream. Shown so a failing build or test has its reason beside it.
 */
export function ExecutionWarnings({ warnings }: { warnings: readonly ExecutionWarning[] }) {
  if (warnings.length === 0) return null
  return (
    <div className="notice notice-warning" role="status" data-testid="execution-warnings">
      <ul className="overlap-files">
        {warnings.map((w) => (
          <li key={`${w.kind}:${w.message}`}>
            <strong>{titles[w.kind]}:</strong> {w.message}
          </li>
        ))}
      </ul>
    </div>
  )
}
