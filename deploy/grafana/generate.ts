import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dashboardJson } from './dashboard.ts'

// `npm run dashboards`: writes the dashboard next to its source, for Grafana to import or provision.
const target = fileURLToPath(new URL('agent-squad.json', import.meta.url))
writeFileSync(target, dashboardJson())
console.log(`wrote ${target}`)
