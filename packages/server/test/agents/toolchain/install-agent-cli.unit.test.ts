import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pinnedCli } from '../../../src/agents/toolchain/cli-versions.ts'
import { installAgentCli } from '../../../src/agents/toolchain/install-agent-cli.ts'
import { cliInstallDir, installedCliBinary } from '../../../src/agents/toolchain/toolchain-paths.ts'

/**
 * The install use case with an `npm` of the test's own (a shell script taking npm's arguments), so
 * what is checked is ours: where it lands, once, never half, and how a failure reads. The real npm
 * and registry install the real CLIs in .ci/run (squad agents install all).
 */
describe('installing an agent CLI into the toolchain folder', () => {
  let scratch: string
  const cli = pinnedCli('codex')
  if (!cli) throw new Error('codex is pinned')

  /** A fake npm: records its arguments and makes `.bin/<binary>` under --prefix (or fails). */
  const fakeNpm = (behaviour: 'install' | 'fail' | 'no-binary') => {
    const path = join(scratch, `npm-${behaviour}`)
    writeFileSync(
      path,
      [
        '#!/bin/sh',
        `echo "$@" >> ${join(scratch, 'npm-calls.txt')}`,
        'prefix=$3',
        behaviour === 'fail'
          ? 'echo "npm error code E404" >&2; echo "npm error 404 Not Found - GET https://registry.npmjs.org/x" >&2; exit 1'
          : behaviour === 'no-binary'
            ? 'mkdir -p "$prefix/node_modules"; echo added 1 package'
            : `mkdir -p "$prefix/node_modules/.bin"; printf '#!/bin/sh\\necho 0.169.0\\n' > "$prefix/node_modules/.bin/${cli.binary}"; chmod +x "$prefix/node_modules/.bin/${cli.binary}"; echo added 3 packages in 2s`,
      ].join('\n'),
      { mode: 0o755 },
    )
    return path
  }
  const calls = () => readFileSync(join(scratch, 'npm-calls.txt'), 'utf8').trim().split('\n')

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'squad-toolchain-'))
  })
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('installs the pinned version once, readable by the sandbox user, and leaves it alone after', async () => {
    const root = join(scratch, 'once')
    const progress: string[] = []
    const first = await installAgentCli({
      root,
      cli,
      npm: fakeNpm('install'),
      onProgress: (l) => progress.push(l),
    })
    expect(first).toMatchObject({ alreadyInstalled: false, dir: join(root, 'agents', 'codex', '0.169.0') })
    expect(installedCliBinary(root, cli)).toBe(first.binary)
    expect(statSync(first.dir).mode & 0o777).toBe(0o755)
    expect(progress).toEqual(['npm install @openai/codex@0.169.0', 'added 3 packages in 2s'])
    expect(calls().at(-1)).toMatch(
      /^install --prefix \S+\/agents\/codex\/\.0\.169\.0-installing-\S+ .*@openai\/codex@0\.169\.0$/,
    )
    const again = await installAgentCli({ root, cli, npm: fakeNpm('fail') })
    expect(again).toMatchObject({ alreadyInstalled: true, binary: first.binary })
  })

  it('redoes a folder a killed install left without its marker', async () => {
    const root = join(scratch, 'partial')
    mkdirSync(join(cliInstallDir(root, cli), 'node_modules', '.bin'), { recursive: true })
    writeFileSync(join(cliInstallDir(root, cli), 'node_modules', '.bin', cli.binary), 'half')
    expect(installedCliBinary(root, cli)).toBeNull()
    const done = await installAgentCli({ root, cli, npm: fakeNpm('install') })
    expect(done.alreadyInstalled).toBe(false)
    expect(readFileSync(done.binary, 'utf8')).toContain('echo 0.169.0')
  })

  it('fails with npm’s last words when the registry cannot give it, leaving nothing behind', async () => {
    const root = join(scratch, 'fails')
    await expect(installAgentCli({ root, cli, npm: fakeNpm('fail') })).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
      message:
        'could not install Codex CLI (@openai/codex@0.169.0) from the npm registry: npm exited with code 1: ' +
        'npm error 404 Not Found - GET https://registry.npmjs.org/x',
    })
    expect(existsSync(cliInstallDir(root, cli))).toBe(false)
    await expect(installAgentCli({ root, cli, npm: fakeNpm('no-binary') })).rejects.toThrow(
      /@openai\/codex@0\.169\.0 installed, but its executable codex is missing/,
    )
    await expect(installAgentCli({ root, cli, npm: join(scratch, 'no-such-npm') })).rejects.toThrow(
      /npm exited with code 127: spawn \S+no-such-npm ENOENT/,
    )
  })
})
