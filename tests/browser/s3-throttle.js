#!/usr/bin/env node
// A slow network in front of the S3 server: forwards every request as it is
// (method, path, headers — Host included, so SigV4 signatures still verify) and
// sends response bodies back at THROTTLE_BYTES_PER_SEC. Loopback moves a test
// file in a fraction of a second; real S3 does not, and the console's progress
// bar is tested on a download that lasts several polls.
//
// Environment: UPSTREAM_PORT (the S3 server on 127.0.0.1), THROTTLE_BYTES_PER_SEC.
// When ready it prints one JSON line {"port": N} on stdout and runs until killed.
import http from 'node:http';

const upstreamPort = Number(process.env.UPSTREAM_PORT);
const rate = Number(process.env.THROTTLE_BYTES_PER_SEC || 4 * 1024 * 1024);
const TICK_MS = 50;

// Writes `chunk` to `out` at the rate, resolving when it is written.
async function paced(out, chunk, state) {
  for (let off = 0; off < chunk.length;) {
    const now = Date.now();
    state.allowance = Math.min(rate / 4, state.allowance + ((now - state.last) * rate) / 1000);
    state.last = now;
    if (state.allowance < 1) {
      await new Promise((r) => setTimeout(r, TICK_MS));
      continue;
    }
    const n = Math.min(chunk.length - off, Math.floor(state.allowance));
    state.allowance -= n;
    if (!out.write(chunk.subarray(off, off + n))) await new Promise((r) => out.once('drain', r));
    off += n;
  }
}

const server = http.createServer((req, res) => {
  const up = http.request(
    { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
    async (upRes) => {
      res.writeHead(upRes.statusCode, upRes.rawHeaders);
      const state = { allowance: 0, last: Date.now() };
      try {
        for await (const chunk of upRes) await paced(res, chunk, state);
        res.end();
      } catch (e) {
        res.destroy();
      }
    },
  );
  up.on('error', () => res.destroy());
  res.on('close', () => up.destroy());
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
