import { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'
import type { Config } from '../config.ts'

const levelNames: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}
const skip = new Set(['level', 'time', 'msg', 'pid', 'hostname'])

/** A dependency-free human format for terminals: `12:00:00 INFO message key=value`. */
function prettyStream(out: NodeJS.WritableStream) {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        const entry = JSON.parse(chunk.toString()) as Record<string, unknown>
        const time = new Date(Number(entry.time)).toISOString().slice(11, 19)
        const extra = Object.entries(entry)
          .filter(([k]) => !skip.has(k))
          // A value with a space or a quote in it is quoted, so that each key=value reads on its own.
          .map(([k, v]) => `${k}=${typeof v === 'string' && !/[\s"]/.test(v) ? v : JSON.stringify(v)}`)
          .join(' ')
        out.write(
          `${time} ${levelNames[Number(entry.level)] ?? entry.level} ${entry.msg ?? ''}${extra ? ` ${extra}` : ''}\n`,
        )
      } catch {
        out.write(chunk)
      }
      done()
    },
  })
}

export function createLogger(config: Pick<Config, 'SQUAD_LOG_LEVEL' | 'SQUAD_LOG_FORMAT'>): Logger {
  const options = { level: config.SQUAD_LOG_LEVEL, base: undefined }
  return config.SQUAD_LOG_FORMAT === 'json' ? pino(options) : pino(options, prettyStream(process.stderr))
}
