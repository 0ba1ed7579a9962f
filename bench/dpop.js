#!/usr/bin/env node
// What DPoP (RFC 9449) costs the server: refresh and a guarded request of bound sessions
// (one proof verified per request: ES256 signature, thumbprint, jti SET NX in Redis) against
// the same requests of unbound sessions, on the same server, alternating, in one run. Proofs
// are signed before each measurement so the load generator's ES256 signing (~0.15 ms each, on
// the same two cores) does not count against the server.
const autocannon = require('autocannon');
const { randomUUID, createHash } = require('node:crypto');
const { freshDatabase, dropDatabase, startApi, request, refreshLoad, round, BODY } = require('./lib');
const progress = require('./progress');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = 16;
const PORT = 3914;
const PASSWORD = 'bench password 0123';
const ENV = { REGISTER_MAX_PER_IP: '1000000' };

const deadlineIn = (s) => ((end) => () => Date.now() >= end)(Date.now() + s * 1000);

async function main() {
  const { generateKeyPair, exportJWK, SignJWT } = require('jose');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const base = `http://127.0.0.1:${PORT}`;
  const proof = (method, path, accessToken) =>
    new SignJWT({ htm: method, htu: `${base}${path}`, jti: randomUUID(), ...(accessToken ? { ath: sha256(accessToken) } : {}) })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
      .setIssuedAt()
      .sign(privateKey);
  /** `count` proofs for one request target, signed now (valid for DPOP_PROOF_MAX_AGE). */
  const proofPool = async (count, method, path, accessToken) => {
    const pool = [];
    for (let i = 0; i < count; i += 500) pool.push(...(await Promise.all(Array.from({ length: Math.min(500, count - i) }, () => proof(method, path, accessToken)))));
    return pool;
  };
  let signedLate = 0;
  const take = (pool) => pool.pop() ?? (signedLate++, null);

  const dbName = `auth_bench_dpop_${process.pid}`;
  const url = await freshDatabase(dbName);
  const api = await startApi({ databaseUrl: url, port: PORT, cpus: 0, env: ENV });
  try {
    const login = async (i, bound) => {
      const email = `dpop-${process.pid}-${i}-${bound}@bench.test`;
      if ((await request(PORT, 'POST', '/auth/register', { email, password: PASSWORD })).status !== 201) throw new Error('register failed');
      const headers = bound ? { ...BODY, dpop: await proof('POST', '/auth/login') } : BODY;
      const res = await request(PORT, 'POST', '/auth/login', { email, password: PASSWORD }, headers);
      if (res.status !== 200 || res.body.tokenType !== (bound ? 'DPoP' : 'Bearer')) throw new Error(`login: ${res.status}`);
      return { refreshToken: res.body.refreshToken, accessToken: res.body.accessToken };
    };
    progress.phase('dpop: seeding bound and unbound sessions', 6);
    const plain = [];
    const bound = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      plain.push(await login(i, false));
      bound.push(await login(i, true));
    }

    // Refresh: each side twice, alternating; the bound side takes a presigned proof per request.
    progress.phase('dpop: refresh, DPoP-bound vs unbound', 2 * Math.min(2, SECONDS) + 4 * SECONDS + 3);
    const refresh = { plain: [], dpop: [] };
    const warmUp = Math.min(2, SECONDS);
    await refreshLoad(PORT, plain, deadlineIn(warmUp));
    let pool = await proofPool(2000 * warmUp, 'POST', '/auth/refresh');
    await refreshLoad(PORT, bound, deadlineIn(warmUp), () => ({ dpop: take(pool) }));
    for (let i = 0; i < 2; i++) {
      refresh.plain.push(await refreshLoad(PORT, plain, deadlineIn(SECONDS)));
      pool = await proofPool(Math.ceil(refresh.plain[i].rps * SECONDS * 1.5), 'POST', '/auth/refresh');
      refresh.dpop.push(await refreshLoad(PORT, bound, deadlineIn(SECONDS), () => ({ dpop: take(pool) })));
    }

    // Guarded GET /auth/me: Bearer vs `DPoP <token>` + a proof with ath.
    progress.phase('dpop: guarded GET /auth/me, DPoP vs Bearer', 4 * SECONDS + 4);
    const guarded = { plain: [], dpop: [] };
    const cannon = async (headers, pool) => {
      const r = await autocannon({
        url: `${base}/auth/me`,
        connections: CONNECTIONS,
        duration: SECONDS,
        headers,
        ...(pool ? { requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, dpop: take(pool) } }) }] } : {}),
      });
      return { rps: round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors };
    };
    const bearer = { authorization: `Bearer ${plain[0].accessToken}` };
    const dpopAuth = { authorization: `DPoP ${bound[0].accessToken}` };
    for (let i = 0; i < 2; i++) {
      guarded.plain.push(await cannon(bearer));
      const mePool = await proofPool(Math.ceil(guarded.plain[i].rps * SECONDS * 1.5), 'GET', '/auth/me', bound[0].accessToken);
      guarded.dpop.push(await cannon(dpopAuth, mePool));
    }
    return { connections: CONNECTIONS, seconds: SECONDS, refresh: compare(refresh), guarded: compare(guarded), proofsSignedLate: signedLate };
  } finally {
    await api.stop();
    await dropDatabase(dbName);
  }
}

/** Means of the runs of each side and their ratios (DPoP / plain). */
function compare(runs) {
  const mean = (side, key) => round(runs[side].reduce((a, r) => a + r[key], 0) / runs[side].length);
  const side = (name) => ({ rps: mean(name, 'rps'), p50: mean(name, 'p50'), p99: mean(name, 'p99'), errors: runs[name].reduce((a, r) => a + (r.errors ?? 0) + (r.non2xx ?? 0), 0) });
  const plain = side('plain');
  const dpop = side('dpop');
  return { plain, dpop, throughputRatio: round(dpop.rps / plain.rps), p50Ratio: round(dpop.p50 / plain.p50), p99Ratio: round(dpop.p99 / plain.p99), runs };
}

const sha256 = (value) => createHash('sha256').update(value).digest('base64url');

const plannedSeconds = () => 6 + 2 * Math.min(2, SECONDS) + 4 * SECONDS + 3 + 4 * SECONDS + 4;

module.exports = { main, plannedSeconds };
if (require.main === module) require('./lib').runAlone(main);
