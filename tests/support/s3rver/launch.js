#!/usr/bin/env node
// Starts @20minutes/s3rver for skillsync's integration tests.
//
// S3rver has no CLI we can drive, accepts any unsigned request and ignores
// session tokens, so this launcher configures it the way the tests need:
//   - only the access key given here is known, so signatures are really
//     checked with our secret (wrong secret -> 403 SignatureDoesNotMatch,
//     unknown key id -> 403 InvalidAccessKeyId);
//   - optionally a session token is required for that key, and it must be one
//     of the signed headers (missing or wrong -> 400 InvalidToken, as S3 does);
//   - optionally unsigned requests are refused (403 AccessDenied);
//   - GET and HEAD honour If-Match as S3 does (S3rver ignores it): an
//     object whose ETag is none of the listed ones (and not `*`) answers
//     412 PreconditionFailed instead of its bytes.
//
// Usage: node --openssl-legacy-provider launch.js
// Environment:
//   S3RVER_PORT           port to listen on, 0 (default) = any free port
//   S3RVER_DIR            data directory (required)
//   S3RVER_ACCESS_KEY_ID  access key id (required)
//   S3RVER_SECRET_KEY     secret access key (required)
//   S3RVER_SESSION_TOKEN  if set, every signed request must carry this token
//   S3RVER_REQUIRE_AUTH   "1": refuse unsigned requests
//   S3RVER_BUCKETS        comma-separated bucket names to create at start
// When ready it prints one JSON line {"port": N} on stdout and runs until
// killed.
'use strict'

const S3rver = require('@20minutes/s3rver')
const AWSAccount = require('@20minutes/s3rver/lib/models/account')
const S3Error = require('@20minutes/s3rver/lib/models/error')

function required(name) {
  const value = process.env[name]
  if (!value) {
    process.stderr.write(`launch.js: environment variable ${name} is required\n`)
    process.exit(2)
  }
  return value
}

const dir = required('S3RVER_DIR')
const accessKeyId = required('S3RVER_ACCESS_KEY_ID')
const secretKey = required('S3RVER_SECRET_KEY')
const sessionToken = process.env.S3RVER_SESSION_TOKEN || ''
const requireAuth = process.env.S3RVER_REQUIRE_AUTH === '1'
const port = Number(process.env.S3RVER_PORT || '0')
const buckets = (process.env.S3RVER_BUCKETS || '')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0)

// Only our key pair exists: drop S3rver's built-in S3RVER/S3RVER key.
AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER')
new AWSAccount(123456789012, 'skillsync-test').createKeyPair(accessKeyId, secretKey)

// Runs before S3rver's routes (and so before its signature check). Errors
// thrown here are rendered as S3 XML errors by S3rver's context.onerror.
async function policy(ctx, next) {
  const auth = ctx.get('authorization')
  const signedByQuery = 'X-Amz-Algorithm' in ctx.query || 'Signature' in ctx.query
  if (!auth && !signedByQuery) {
    if (requireAuth && ctx.method !== 'OPTIONS') {
      throw new S3Error('AccessDenied', 'Access Denied')
    }
    return next()
  }
  if (sessionToken) {
    let token
    let signedHeaders = []
    if (auth) {
      token = ctx.get('x-amz-security-token')
      const m = /SignedHeaders=([^,\s]*)/.exec(auth)
      signedHeaders = m ? m[1].split(';') : []
    } else {
      token = ctx.query['X-Amz-Security-Token']
      signedHeaders = ['x-amz-security-token'] // query parameters are always signed
    }
    if (token !== sessionToken || !signedHeaders.includes('x-amz-security-token')) {
      throw new S3Error('InvalidToken', 'The provided token is malformed or otherwise invalid.')
    }
  }
  return next()
}

// An entity tag without its weak prefix and quotes: `W/"abc"` -> `abc`.
function bareTag(tag) {
  return tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')
}

// Runs around S3rver's routes: once S3rver has found the object (its answer
// carries the ETag), a GET or HEAD whose If-Match names another version is
// answered 412 instead, and the object's stream is closed unread.
async function ifMatch(ctx, next) {
  await next()
  const wanted = ctx.get('if-match')
  if (!wanted || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return
  if (ctx.status !== 200 && ctx.status !== 206) return
  const etag = ctx.response.get('etag')
  if (!etag) return
  const tags = wanted.split(',').map(bareTag)
  if (tags.includes('*') || tags.includes(bareTag(etag))) return
  if (ctx.body && typeof ctx.body.destroy === 'function') ctx.body.destroy()
  throw new S3Error(
    'PreconditionFailed',
    'At least one of the pre-conditions you specified did not hold',
    { Condition: 'If-Match' }
  )
}

async function main() {
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: dir,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  })
  // Koa composes `middleware` when the server starts listening, so the
  // middleware placed first here run before (and around) S3rver's own.
  server.middleware.unshift(policy, ifMatch)
  const address = await server.run()
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`)
  const stop = () => server.close().finally(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((err) => {
  process.stderr.write(`launch.js: ${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
})
