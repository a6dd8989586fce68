/** Formats a count with its noun, adding 's' unless the count is 1 ("1 file", "2 files"). */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
