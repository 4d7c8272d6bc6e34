import { StringDecoder } from 'node:string_decoder'

/**
 * Takes the usage-only chunk (`choices: []` with `usage`) out of a Chat Completions stream whose
 * client did not ask for it (the proxy asked on its behalf): events are passed on whole as soon as
 * their blank line arrives; only an unfinished event waits for the rest of it.
 */
export function createUsageStripper() {
  const decoder = new StringDecoder('utf8')
  let pending = ''
  const take = (final: boolean): Buffer => {
    const events = pending.split(/(?<=\r?\n\r?\n)/)
    pending = final ? '' : (events.pop() ?? '')
    if (final && events.length === 0) return Buffer.alloc(0)
    return Buffer.from(events.filter((event) => !isUsageOnly(event)).join(''))
  }
  return {
    push(chunk: Buffer): Buffer {
      pending += decoder.write(chunk)
      return take(false)
    },
    end(): Buffer {
      pending += decoder.end()
      return take(true)
    },
  }
}

function isUsageOnly(event: string): boolean {
  const data = event
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line[5] === ' ' ? 6 : 5))
    .join('\n')
  if (!data.includes('"usage"')) return false
  try {
    const parsed = JSON.parse(data) as { choices?: unknown; usage?: unknown }
    return Array.isArray(parsed.choices) && parsed.choices.length === 0 && !!parsed.usage
  } catch {
    return false
  }
}
