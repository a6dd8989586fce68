/**
 * Stops what the rehearsal started, newest first: a registered stop runs
 * once, also when a signal arrives while an earlier stop is running.
 */
export class Teardown {
  private readonly stops: Array<{ name: string; stop: () => Promise<void> }> =
    []
  private running: Promise<void> | undefined

  constructor(private readonly log: (line: string) => void) {}

  /** Registers `stop` to run at teardown, before every stop registered earlier. */
  add(name: string, stop: () => Promise<void>): void {
    this.stops.push({ name, stop })
  }

  /** Runs every registered stop once, logging each one and its failure. */
  run(): Promise<void> {
    this.running ??= this.runAll()
    return this.running
  }

  private async runAll(): Promise<void> {
    while (this.stops.length > 0) {
      const { name, stop } = this.stops.pop()!
      const started = Date.now()
      this.log(`stopping ${name}`)
      try {
        await stop()
        this.log(`stopped ${name} (${Date.now() - started} ms)`)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        this.log(`failed to stop ${name}: ${message}`)
      }
    }
  }
}
