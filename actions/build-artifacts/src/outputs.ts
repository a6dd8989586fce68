/** Step outputs of build-artifacts, as declared in action.yml. */
export const OUTPUTS = [
  'image-uri',
  'image-digest',
  'image-size-bytes',
  'scan-status',
  'scan-findings-json',
  'frontend-file-count',
  'frontend-size-bytes',
  'frontend-sha256',
  'uploaded-count',
  'unchanged-count',
  'deleted-count',
  'previous-index-json',
  'restored-index-json',
  'invalidation-id',
  'artifacts-json',
  'record-json',
] as const

export type OutputName = (typeof OUTPUTS)[number]
