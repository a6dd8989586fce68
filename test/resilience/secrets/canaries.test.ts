// The canary search itself: it must find each planted value in every form
// the suite claims to search, so that a clean result means something.
import { describe, expect, it } from '@jest/globals'
import { CANARIES, findCanaries } from './canaries.js'

describe('canary search', () => {
  const value = CANARIES.databasePassword

  it.each([
    ['plain text', `password=${value};`],
    ['URL-encoded', `url=https://u:${encodeURIComponent(value)}@h/`],
    ['base64 alone', Buffer.from(value).toString('base64')],
    ['base64 at offset 1', Buffer.from(`x${value}yz`).toString('base64')],
    ['base64 at offset 2', Buffer.from(`xy${value}z`).toString('base64')],
    ['base64url', Buffer.from(`{"p":"${value}"}`).toString('base64url')],
    ['Markdown-escaped', value.replace(/([#!-])/g, '\\$1')],
  ])('finds %s', (_form, text) => {
    const hits = findCanaries({ text }, { databasePassword: value })
    expect(hits.length).toBeGreaterThan(0)
  })

  it('skips mask commands', () => {
    const hits = findCanaries(
      { stdout: `::add-mask::${value}\nclean line` },
      { databasePassword: value },
    )
    expect(hits).toEqual([])
  })
})
