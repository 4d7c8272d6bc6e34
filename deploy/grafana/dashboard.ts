import {
  type Dashboard,
  DashboardCursorSync,
  type Panel,
  type RowPanel,
  ThresholdsMode,
} from '@grafana/schema'
import { type PanelSpec, type Query, rows } from './panels.ts'

/**
 * The Agent Squad dashboard, typed against Grafana's own schema (@grafana/schema): `npm run
 * dashboards` writes it to agent-squad.json, and a unit test fails when the checked-in JSON differs.
 * Every expression is plain PromQL with fixed windows (no Grafana-only `$__rate_interval`), so the
 * Prometheus test can evaluate each one verbatim (packages/server/test/observability/).
 * docs/operations.md describes each panel.
 */

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax (the Prometheus picker)
const datasource = { type: 'prometheus', uid: '${datasource}' }

const targetsOf = (queries: Query[]) =>
  queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource,
    expr: q.expr,
    legendFormat: q.legend,
    range: true,
  }))

function panel(spec: PanelSpec, id: number, x: number, y: number): Panel {
  return {
    id,
    type: spec.stat ? 'stat' : 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource,
    gridPos: { x, y, w: 8, h: 8 },
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        thresholds: { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: 'green' }] },
      },
      overrides: [],
    },
    options: spec.stat
      ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' }
      : {
          legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
          tooltip: { mode: 'multi' },
        },
    targets: targetsOf(spec.queries),
  }
}

export function buildDashboard(): Dashboard {
  const panels: (Panel | RowPanel)[] = []
  let id = 1
  let y = 0
  for (const row of rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { x: 0, y, w: 24, h: 1 },
      panels: [],
    })
    y += 1
    row.panels.forEach((spec, i) => {
      panels.push(panel(spec, id++, i * 8, y))
    })
    y += 8
  }
  return {
    uid: 'agent-squad',
    title: 'Agent Squad',
    description:
      'Executions, queue, sandboxes, git, vendors and models, events and the server process (docs/operations.md).',
    tags: ['agent-squad'],
    editable: true,
    graphTooltip: DashboardCursorSync.Crosshair,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          hide: 0,
          refresh: 1,
          regex: '',
          skipUrlSync: false,
        },
      ],
    },
    annotations: { list: [] },
    links: [],
    panels,
  }
}

/** Every PromQL expression of the dashboard, with the title of its panel. */
export const dashboardExpressions = (): { panel: string; expr: string }[] =>
  rows.flatMap((row) => row.panels.flatMap((p) => p.queries.map((q) => ({ panel: p.title, expr: q.expr }))))

/** The JSON as checked in: two-space indentation and a final newline. */
export const dashboardJson = () => `${JSON.stringify(buildDashboard(), null, 2)}\n`
