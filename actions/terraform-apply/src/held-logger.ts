/**
 * A logger that keeps a command's log lines back until the values to mask
 * are known. The target logger redacts each message when it is written, so a
 * secret registered before release() is masked in the held lines too.
 */
import type { Logger } from '../../../common/log.js'

type Level = 'info' | 'warning' | 'error' | 'debug'

type State = 'holding' | 'released' | 'withheld'

export class HeldLogger implements Logger {
  private state: State = 'holding'
  private held: Array<{ level: Level; message: string }> = []
  private withheldCount = 0

  constructor(private readonly target: Logger) {}

  info(message: string): void {
    this.write('info', message)
  }

  warning(message: string): void {
    this.write('warning', message)
  }

  error(message: string): void {
    this.write('error', message)
  }

  debug(message: string): void {
    this.write('debug', message)
  }

  /** Logs the title as a plain line, because held output cannot open a log group. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.info(title)
    return fn()
  }

  /** Writes the held messages in order; later messages go straight to the target. */
  release(): void {
    if (this.state !== 'holding') return
    this.state = 'released'
    for (const { level, message } of this.held.splice(0)) {
      this.target[level](message)
    }
  }

  /**
   * Drops the held info and debug lines and every later one, which carry the
   * command's output, for when the values to mask cannot be read. Warnings
   * and errors, which runCommand writes about timeouts, still reach the
   * target.
   */
  withhold(): void {
    if (this.state !== 'holding') return
    this.state = 'withheld'
    for (const { level, message } of this.held.splice(0)) {
      this.write(level, message)
    }
  }

  /** Number of info and debug lines dropped by withhold(). */
  get withheld(): number {
    return this.withheldCount
  }

  private write(level: Level, message: string): void {
    if (this.state === 'holding') {
      this.held.push({ level, message })
      return
    }
    if (this.state === 'withheld' && (level === 'info' || level === 'debug')) {
      this.withheldCount += 1
      return
    }
    this.target[level](message)
  }
}
