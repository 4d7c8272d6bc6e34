import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { buildDashboard, dashboardExpressions, dashboardJson } from '../../../../deploy/grafana/dashboard.ts'

const checkedIn = fileURLToPath(new URL('../../../../deploy/grafana/agent-squad.json', import.meta.url))

describe('the Grafana dashboard', () => {
  it('is checked in exactly as its typed source generates it (run `npm run dashboards` after a change)', () => {
    expect(readFileSync(checkedIn, 'utf8')).toBe(dashboardJson())
  })

  it('gives every panel its own id and place, and queries only plain PromQL Prometheus can evaluate as is', () => {
    const panels = buildDashboard().panels ?? []
    const ids = panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    const places = panels.map((p) => `${p.gridPos?.x},${p.gridPos?.y}`)
    expect(new Set(places).size).toBe(places.length)
    const expressions = dashboardExpressions()
    expect(expressions.length).toBeGreaterThan(20)
    // Grafana-only variables ($__rate_interval, $squad) would make the Prometheus test skip them.
    for (const { panel, expr } of expressions) expect(expr, panel).not.toContain('$')
    // Never an execution's or a task's id as a label: the dashboard groups by bounded labels only.
    for (const { panel, expr } of expressions) expect(expr, panel).not.toMatch(/\b(task|execution)(_id)?\b/)
  })
})
