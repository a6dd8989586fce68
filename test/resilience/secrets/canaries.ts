// Planted secret values and the search for them. Every run of the secrets
// tests passes these values where a real pipeline passes its secrets. The
// search then covers everything the run left behind, in plain, base64 and
// URL-encoded forms, also base64 inside longer base64 text.

/** Planted values by name; each is long and unique enough to never occur by chance. */
export const CANARIES = {
  awsAccessKeyId: 'AKIACANARY7Q2W3E4R5T',
  awsSecretAccessKey: 'canary/Secret+Access7f3a9c1d5e2b8a4f6c0e9d7b3a1c5e',
  awsSessionToken: 'canarySessionTokenQWxsIGhhaWwgdGhlIGNhbmFyeQ0a8',
  databasePassword: 'canary-db-pass-Vq8#Lm2!Rt6',
  jwtSecret: 'canary-jwt-secret-3kP9xW2mZ7qT5vB8',
  registryPassword: 'canary-registry-pass-H4sJ9dK2',
  terraformSensitive: 'canary-tf-sensitive-N7cR2pQ5',
  taskEnvironmentSecret: 'canary-task-env-api-key-Z3yU8wE1',
  githubToken: 'ghs_CanaryToken0a1b2c3d4e5f6a7b8c9d0e1f2',
} as const

export type CanaryName = keyof typeof CANARIES

/** Forms a value may take in text: plain, base64, base64url and URL-encoded. */
export function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const forms = new Set<string>([
    value,
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
  ])
  // Inside longer base64 text the value's encoding depends on its offset
  // modulo 3, so each of the three alignments is searched for, without the
  // edge characters that mix in neighbouring bytes.
  for (let offset = 0; offset < 3; offset += 1) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes])
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = padded.toString(encoding).replace(/=+$/, '')
      const start = offset === 0 ? 0 : 4
      forms.add(text.slice(start, text.length - 4))
    }
  }
  return [...forms].filter((form) => form.length >= 12)
}

/** Where a canary was found: the searched source, the canary and the form. */
export interface CanaryHit {
  source: string
  canary: string
  form: string
}

// The runner consumes ::add-mask:: lines and never prints them, and
// Markdown escapes such as \_ would hide a value from a plain search.
function searchable(text: string): string {
  const lines = text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  return `${lines}\n${lines.replace(/\\(.)/g, '$1')}`
}

/** Searches each source text for every planted value in every form. */
export function findCanaries(
  sources: Record<string, string>,
  canaries: Partial<Record<string, string>> = CANARIES,
): CanaryHit[] {
  const hits: CanaryHit[] = []
  for (const [source, raw] of Object.entries(sources)) {
    const text = searchable(raw)
    for (const [canary, value] of Object.entries(canaries)) {
      if (value === undefined) continue
      for (const form of encodedForms(value)) {
        if (text.includes(form)) hits.push({ source, canary, form })
      }
    }
  }
  return hits
}
