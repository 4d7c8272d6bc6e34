/**
 * A secret's value from stdin, so it never appears in argv or shell history. Piped input is read
 * whole (one trailing newline dropped: `echo "$KEY" | …` and files end with one); at a terminal the
 * value is typed or pasted without echo and ends at Enter.
 */
export async function readSecretValue(
  stdin: NodeJS.ReadStream = process.stdin,
  prompt: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  if (!stdin.isTTY) {
    const chunks: Buffer[] = []
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk))
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '')
  }
  prompt.write('Value (hidden; press Enter when done): ')
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = ''
      const onData = (text: string) => {
        for (const ch of text) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData)
            resolve(value)
            return
          }
          if (ch === '\u0003' || ch === '\u0004') {
            stdin.off('data', onData)
            reject(new Error('Cancelled: nothing was stored'))
            return
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
          else value += ch
        }
      }
      stdin.on('data', onData)
      stdin.resume()
    })
  } finally {
    stdin.setRawMode(false)
    stdin.pause()
    prompt.write('\n')
  }
}
