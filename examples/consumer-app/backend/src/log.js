// One JSON object per line on stdout, the format CloudWatch Logs and most
// log tools parse. Callers pass only fields that are safe to print: no
// header, token, password or connection string ever reaches a log line.

/** Creates a logger writing to `stream` (stdout by default). */
export function createLogger(stream = process.stdout) {
  const write = (level, message, fields = {}) => {
    const line = { time: new Date().toISOString(), level, message, ...fields }
    stream.write(`${JSON.stringify(line)}\n`)
  }
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  }
}

/** Returns an error's class and message, the only parts of it that are logged. */
export function errorFields(error) {
  if (error instanceof Error) {
    return { error: error.message, errorName: error.name, code: error.code }
  }
  return { error: String(error) }
}
