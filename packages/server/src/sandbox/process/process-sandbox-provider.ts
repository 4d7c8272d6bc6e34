import { mkdir } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import {
  DEFAULT_PATH,
  type FolderSandboxesOpts,
  type SandboxDriver,
  stderrLogger,
} from '../folder/folder-sandbox-types.ts'
import { FolderSandboxes } from '../folder/folder-sandboxes.ts'
import { prepareWorkspace, releaseWorkspace } from '../folder/workspace.ts'
import { hostFiles } from './host-files.ts'

export type ProcessSandboxProviderOpts = Omit<FolderSandboxesOpts, 'driver'> & {
  /** PATH the commands get. */
  path?: string
}

/**
 * NO ISOLATION. Commands are plain child processes of the server, as the server's user, in a folder
 * under `root`: they can read and write anything the server can (its data, its secrets on disk) and
 * reach any network. What it still does: a minimal environment (never the server's), the deadline,
 * the output cap and killing the whole process group. Only for machines where bubblewrap cannot run,
 * and only when chosen explicitly (SQUAD_SANDBOX=process); every create() logs a warning.
 */
export class ProcessSandboxProvider extends FolderSandboxes {
  constructor(opts: ProcessSandboxProviderOpts) {
    super({ ...opts, driver: processDriver(opts) })
  }
}

function processDriver(opts: ProcessSandboxProviderOpts): SandboxDriver {
  const logger = opts.logger ?? stderrLogger
  return {
    name: 'process',
    identity: { kind: 'server' },
    ensureAvailable: async () => {},
    async prepare({ sandboxId, paths, opts: createOpts }) {
      logger.warn(
        { sandboxId, network: createOpts.network?.mode ?? 'internet' },
        'SQUAD_SANDBOX=process: this sandbox has NO ISOLATION; its commands run as the server user and ' +
          'can read the server data and reach the network. Use the local (bubblewrap) provider.',
      )
      await mkdir(paths.tmp, { mode: 0o700 })
      await mkdir(paths.home, { mode: 0o700 })
      return prepareWorkspace({
        ...(createOpts.workspaceTemplate ? { template: createOpts.workspaceTemplate } : {}),
        workspace: paths.workspace,
        layers: paths.layers,
        overlay: false,
      })
    },
    workdir: (paths) => paths.workspace,
    baseEnv: (paths) => ({
      PATH: opts.path ?? DEFAULT_PATH,
      HOME: paths.home,
      TMPDIR: paths.tmp,
      LANG: 'C.UTF-8',
      TERM: 'dumb',
    }),
    launch: async ({ paths, argv, cwd, env }) => ({
      file: argv[0] as string,
      args: argv.slice(1),
      env,
      cwd: cwd ? (isAbsolute(cwd) ? cwd : resolve(paths.workspace, cwd)) : paths.workspace,
    }),
    files: ({ paths }) => hostFiles(paths.workspace, [paths.workspace, paths.tmp]),
    release: (paths) => releaseWorkspace(paths.dir),
  }
}
