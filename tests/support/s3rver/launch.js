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
//   - optionally unsigned requests are refused (403 AccessDenied).
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

async function main() {
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory: dir,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  })
  // Koa composes `middleware` when the server starts listening, so a
  // middleware placed first here runs before S3rver's own.
  server.middleware.unshift(policy)
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
