/** Quotes one argument for /bin/sh: wraps it in single quotes, escaping embedded ones. */
export const shellQuote = (arg: string) =>
  /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`

/** Builds a shell command from an argument vector, so no value is ever interpreted by the shell. */
export const shellCommand = (argv: string[]) => argv.map(shellQuote).join(' ')
