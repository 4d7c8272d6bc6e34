import { type Agent, taskPriorities } from '@agent-squad/contract'
import { type BoardFilter, isFiltering, noFilter } from './filter-tasks.ts'

type FiltersProps = {
  filter: BoardFilter
  onChange: (f: BoardFilter) => void
  labels: string[]
  agents: Agent[]
}

export function BoardFilters({ filter, onChange, labels, agents }: FiltersProps) {
  const set = <K extends keyof BoardFilter>(key: K, value: BoardFilter[K]) =>
    onChange({ ...filter, [key]: value })
  return (
    // biome-ignore lint/a11y/useSemanticElements: <search> is too new for every browser the app supports.
    <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
      <input
        type="search"
        className="filter-search"
        placeholder="Search tasks or #number"
        aria-label="Search tasks"
        value={filter.q}
        onChange={(e) => set('q', e.target.value)}
      />
      <select
        aria-label="Filter by label"
        value={filter.label}
        onChange={(e) => set('label', e.target.value)}
      >
        <option value="">All labels</option>
        {labels.map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
      <select
        aria-label="Filter by assignee"
        value={filter.assignee}
        onChange={(e) => set('assignee', e.target.value)}
      >
        <option value="">Anyone</option>
        <option value="none">Unassigned</option>
        {agents.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </select>
      <select
        aria-label="Filter by priority"
        value={filter.priority}
        onChange={(e) => set('priority', e.target.value as BoardFilter['priority'])}
      >
        <option value="">Any priority</option>
        {taskPriorities.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
      {isFiltering(filter) ? (
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => onChange(noFilter)}>
          Clear filters
        </button>
      ) : null}
    </form>
  )
}
