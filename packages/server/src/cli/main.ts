import { CommanderError } from 'commander'
import { buildProgram } from './program.ts'

// Cache compiled code (and stripped TypeScript) between runs in the OS temp folder: the server's
// modules then load noticeably faster on every start after the first. Node checks each entry against
// the source, so a stale cache is never used; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const { enableCompileCache } = await import('node:module')
enableCompileCache?.()

try {
  await buildProgram().parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode)
  const { ConfigError } = await import('../config.ts')
  if (error instanceof ConfigError) {
    process.stderr.write(`✗ ${error.message}\nSee docs/configuration.md for every variable.\n`)
    process.exit(2)
  }
  process.stderr.write(`✗ ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
