// Prints an HS256 token for local tries of the API, signed with
// JWT_SECRET from the environment.
// Usage: JWT_SECRET=... node scripts/issue-token.js [subject] [lifetime seconds]
import { signJwt } from '../src/jwt.js'

const secret = process.env.JWT_SECRET
if (!secret) {
  console.error('JWT_SECRET is not set; export the secret the service uses.')
  process.exit(1)
}
const subject = process.argv[2] || 'local-user'
const lifetime = Number(process.argv[3] || 3600)
if (!Number.isInteger(lifetime) || lifetime <= 0) {
  console.error(
    `The lifetime must be a positive number of seconds; got "${process.argv[3]}".`,
  )
  process.exit(1)
}
console.log(signJwt({ sub: subject }, secret, { expiresInSeconds: lifetime }))
