/**
 * Step outputs of terraform-apply, as declared in action.yml. Each root
 * module output is also set under its own name, except these names.
 */
export const OUTPUTS = [
  'has-changes',
  'plan-hash',
  'add-count',
  'change-count',
  'replace-count',
  'destroy-count',
  'applied',
  'outputs-json',
  'terraform-version',
  'record-json',
] as const

export type OutputName = (typeof OUTPUTS)[number]
