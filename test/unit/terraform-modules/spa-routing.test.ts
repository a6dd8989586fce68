// Runs the static-site module's CloudFront Function (cloudfront-js-2.0 is
// ECMAScript, so Node runs the same code) on sample viewer requests.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const source = readFileSync(
  join(
    import.meta.dirname,
    '..',
    '..',
    '..',
    'terraform-modules',
    'static-site',
    'spa-routing.js',
  ),
  'utf8',
)

type Handler = (event: { request: { uri: string } }) => { uri: string }

function handlerFor(rootObject: string): Handler {
  // Terraform's templatefile() fills ${root_object}.
  const code = source.replace('${root_object}', rootObject)
  return new Function(`${code}\nreturn handler`)() as Handler
}

describe('spa-routing function', () => {
  const handler = handlerFor('index.html')
  const route = (uri: string) => handler({ request: { uri } }).uri

  it.each([
    ['/', '/index.html'],
    ['/orders', '/index.html'],
    ['/orders/42', '/index.html'],
    ['/orders/42/', '/index.html'],
  ])('serves the root object for %s', (uri, expected) => {
    expect(route(uri)).toBe(expected)
  })

  it.each([
    '/assets/app.3f2a.js',
    '/favicon.ico',
    '/index.html',
    '/docs/v1.2/guide.pdf',
  ])('leaves the file %s alone', (uri) => {
    expect(route(uri)).toBe(uri)
  })

  it('uses the configured root object', () => {
    expect(handlerFor('app.html')({ request: { uri: '/x' } }).uri).toBe(
      '/app.html',
    )
  })
})
