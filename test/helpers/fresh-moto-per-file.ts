// Every integration test file starts on an empty moto server. The worker's
// server is shared by the files it runs, and moto 5.2.1's /moto-api/data.json
// returns HTTP 500 once a multipart upload has happened on it, so a file
// that compares moto's state must not inherit another file's objects.
import { beforeAll } from '@jest/globals'
import { resetMoto } from './stack.js'

beforeAll(async () => {
  await resetMoto()
})
