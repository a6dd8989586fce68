// A self-signed certificate imported into moto's ACM, for HTTPS listeners.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Creates a self-signed certificate with openssl and imports it into ACM; returns its ARN. */
export async function importSelfSignedCertificate(opts: {
  endpoint: string
  workDir: string
  domain: string
  region?: string
}): Promise<string> {
  const key = join(opts.workDir, `${opts.domain}.key`)
  const cert = join(opts.workDir, `${opts.domain}.crt`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '30',
      '-subj',
      `/CN=${opts.domain}`,
    ],
    { stdio: 'ignore' },
  )
  const region = opts.region ?? 'us-east-1'
  // ACM speaks the JSON protocol; blobs travel base64-encoded. moto routes
  // by the credential scope and does not check the signature.
  const response = await fetch(opts.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'CertificateManager.ImportCertificate',
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/acm/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({
      Certificate: readFileSync(cert).toString('base64'),
      PrivateKey: readFileSync(key).toString('base64'),
    }),
  })
  const body = (await response.json()) as { CertificateArn?: string }
  if (!response.ok || !body.CertificateArn) {
    throw new Error(
      `ACM ImportCertificate failed: HTTP ${response.status} ${JSON.stringify(body)}`,
    )
  }
  return body.CertificateArn
}
