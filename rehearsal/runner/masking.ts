// Masking of secret values in logged lines, step summaries and job outputs.

/**
 * Values shorter than this are not masked: masking "1" or "yes" would hide
 * ordinary text. The kit's own maskSecret uses the same limit.
 */
export const MIN_MASK_LENGTH = 4
const MASK = '***'

/** The values hidden from logs: each value, each of its lines, and their JSON-escaped forms. */
export class Masker {
  private readonly values = new Set<string>()
  private sorted: string[] = []

  add(value: string): void {
    const lines = value.split(/\r?\n/).map((line) => line.trim())
    const forms = [value, ...lines, value, ...lines].map((form, index) =>
      index <= lines.length ? form : JSON.stringify(form).slice(1, -1),
    )
    let added = false
    for (const form of forms) {
      if (form.length >= MIN_MASK_LENGTH && !this.values.has(form)) {
        this.values.add(form)
        added = true
      }
    }
    if (added)
      this.sorted = [...this.values].sort((a, b) => b.length - a.length)
  }

  /** Replaces every masked value in text by '***', longest first. */
  redact(text: string): string {
    let result = text
    for (const value of this.sorted) {
      if (result.includes(value)) result = result.split(value).join(MASK)
    }
    return result
  }

  /** Returns whether text contains any masked value. */
  matches(text: string): boolean {
    return this.sorted.some((value) => text.includes(value))
  }
}
