/**
 * Logs `<what>: still running (N s)` every `everyMs` until `work` settles,
 * followed by what `detail` returns (such as the running step).
 */
export async function withProgress<T>(
  what: string,
  work: Promise<T>,
  log: (line: string) => void,
  everyMs = 15_000,
  detail: () => string = () => '',
): Promise<T> {
  const started = Date.now()
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000)
    const extra = detail()
    log(`${what}: still running (${seconds} s)${extra ? `, ${extra}` : ''}`)
  }, everyMs)
  try {
    return await work
  } finally {
    clearInterval(timer)
  }
}

/** Formats milliseconds as `12.3 s` or `2 min 05 s`. */
export function formatMs(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const seconds = Math.round(ms / 1000)
  const minutes = Math.floor(seconds / 60)
  return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`
}
