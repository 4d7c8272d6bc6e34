#!/usr/bin/env node
// The `squad` command: runs the TypeScript sources directly (Node's type stripping). The oldest Node
// that can is said once, in the root package.json's `engines.node`. This file itself stays plain
// JavaScript that any Node since 18 runs, so that an older `node` (the machine's own, first on PATH in
// a new terminal) re-runs it with the project's Node in .squad/toolchain (scripts/ensure-node.sh puts
// one there) instead of failing on the first `.ts` import.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const self = fileURLToPath(import.meta.url)
const root = join(dirname(self), '..', '..', '..')
const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node
const minimum = Number(/\d+/.exec(wanted)[0])
const major = Number(process.versions.node.split('.')[0])

if (major < minimum) {
  const toolchain = join(root, '.squad', 'toolchain', 'node_modules', '.bin', 'node')
  // The guard stops a loop should the toolchain's Node be too old as well.
  if (!existsSync(toolchain) || process.env.SQUAD_NODE_REEXEC === toolchain) {
    const setup = relative(process.cwd(), join(root, 'scripts')) || '.'
    process.stderr.write(
      `✗ squad needs Node ${wanted} (this is ${process.version} at ${process.execPath}).\n` +
        `  Run \`bash ${join(setup, 'start.sh')}\` once: it installs Node ${minimum} into .squad/toolchain, which\n` +
        `  squad then uses by itself. Or put a newer Node first on PATH: \`source ${join(setup, 'ensure-node.sh')}\`.\n`,
    )
    process.exit(1)
  }
  const child = spawn(toolchain, [...process.execArgv, self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SQUAD_NODE_REEXEC: toolchain },
  })
  // A signal sent to this process only (kill -TERM <pid>) reaches the real server too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
    process.on(signal, () => {
      child.kill(signal)
    })
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    } else process.exit(code ?? 1)
  })
} else {
  await import('../src/cli/main.ts')
}
