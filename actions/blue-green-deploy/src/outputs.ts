/** Step outputs of blue-green-deploy, as declared in action.yml. */
export const OUTPUTS = [
  'live-colour-before',
  'live-colour-after',
  'task-definition-arn',
  'image-digest',
  'deployment-json',
  'traffic-history-json',
  'rolled-back',
  'record-json',
] as const

export type OutputName = (typeof OUTPUTS)[number]
