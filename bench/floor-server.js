#!/usr/bin/env node
// The floor: a bare Node `http` server that does exactly the product's work for refresh,
// guarded request and login (the same SQL statements — the product's own texts, prepared as the
// product prepares them — same Redis commands, same crypto, same libraries: pg, ioredis,
// jsonwebtoken, argon2) with no Nest, no Prisma, no Fastify.
// Also serves the naive design many tutorials use (/naive/refresh) for comparison.
const argon2 = require('argon2');
const { createHmac, createSecretKey, randomBytes, randomUUID } = require('node:crypto');
const http = require('node:http');
const jwt = require('jsonwebtoken');
const Redis = require('ioredis').default;
const { Pool } = require('pg');

const env = process.env;
const pool = new Pool({ connectionString: env.DATABASE_URL, max: Number(env.DATABASE_POOL_SIZE ?? 10) });
const redis = new Redis(env.REDIS_URL, { keyPrefix: env.REDIS_KEY_PREFIX, enableOfflineQueue: true });
const jwtKey = createSecretKey(Buffer.from(env.JWT_ACCESS_SECRET));
const hashKey = env.REFRESH_TOKEN_SECRET;
const successorKey = createHmac('sha256', hashKey).update('refresh-token-successor/v1').digest();
const ACCESS_TTL = 900;
const IDLE_TTL = 604800;
const ABSOLUTE_TTL = 2592000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const hash = (token) => createHmac('sha256', hashKey).update(token).digest();
const sign = (sub, sid) => jwt.sign({ sid }, jwtKey, { subject: sub, jwtid: randomUUID(), expiresIn: ACCESS_TTL, algorithm: 'HS256' });

// The product's own statement texts, exported by its repositories, from the build (`npm run
// bench` builds first). Loading those modules loads Nest's decorators too; nothing of them runs.
const { CREATE_SESSION } = require('../dist/auth/sessions/session.repository');
const { ROTATE_REFRESH_TOKEN } = require('../dist/auth/tokens/refresh-token.repository');
const { FIND_CREDENTIALS, FIND_PUBLIC_USER } = require('../dist/users/users.repository');
// And the product's response headers: its security set, `Vary: Origin`, an X-Request-Id, and
// no-store where the product sends it (not on /auth/me), so that a client reads the same answer
// from both sides — on this 2-core machine the client's parsing shares the CPU with the servers.
// FLOOR_HEADERS=bare: only content type, length and cache-control (what the headers cost).
const { API_HEADERS } = require('../dist/common/http-headers');
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const BARE = env.FLOOR_HEADERS === 'bare';
const ME_HEADERS = BARE ? { 'cache-control': 'no-store' } : { ...API_HEADERS, vary: 'Origin' };
const OTHER_HEADERS = BARE ? ME_HEADERS : { ...ME_HEADERS, ...NO_STORE };
const responseHeaders = (route) => {
  const headers = route === 'GET /auth/me' ? ME_HEADERS : OTHER_HEADERS;
  return BARE ? headers : { ...headers, 'x-request-id': randomUUID() };
};

let dummyHash;

async function refresh(body) {
  const token = body?.refreshToken;
  if (typeof token !== 'string' || !TOKEN.test(token)) return [401, { message: 'invalid' }];
  const h = hash(token);
  if (await redis.get(`bl:${h.toString('hex')}`)) return [401, { message: 'invalid' }];
  const successor = createHmac('sha256', successorKey).update(token).digest('base64url');
  const { rows } = await pool.query({ ...ROTATE_REFRESH_TOKEN, values: [h, hash(successor), randomUUID(), IDLE_TTL, null] }); // null: no DPoP key
  if (!rows[0]) return [401, { message: 'invalid' }];
  const r = rows[0];
  await redis.set(`bl:${h.toString('hex')}`, `r|${r.sessionId}|${r.userId}|${r.rotatedAt.getTime()}`, 'PX', Math.max(1, r.retiredExpiresAt - Date.now()));
  return [200, { accessToken: sign(r.userId, r.sessionId), tokenType: 'Bearer', expiresIn: ACCESS_TTL, refreshToken: successor }];
}

async function me(authorization) {
  const m = /^Bearer (.+)$/.exec(authorization ?? '');
  let claims;
  try {
    claims = m && jwt.verify(m[1], jwtKey, { algorithms: ['HS256'] });
  } catch {
    claims = null;
  }
  if (!claims) return [401, { message: 'invalid' }];
  if (await redis.exists(`rs:${claims.sid}`)) return [401, { message: 'ended' }];
  const { rows } = await pool.query({ ...FIND_PUBLIC_USER, values: [claims.sub] });
  return rows[0] ? [200, rows[0]] : [401, { message: 'gone' }];
}

async function login(body) {
  const email = String(body?.email ?? '').trim().toLowerCase();
  const password = String(body?.password ?? '').normalize('NFKC');
  const { rows } = await pool.query({ ...FIND_CREDENTIALS, values: [email] });
  const ok = await argon2.verify(rows[0]?.passwordHash ?? dummyHash, password).catch(() => false);
  if (!ok || !rows[0]) return [401, { message: 'Invalid email or password' }];
  const token = randomBytes(32).toString('base64url');
  const s = await pool.query({ ...CREATE_SESSION, values: [rows[0].id, ABSOLUTE_TTL, null, null, randomUUID(), hash(token), IDLE_TTL, null, rows[0].passwordStamp] });
  if (!s.rows[0]) return [401, { message: 'Invalid email or password' }];
  return [200, { accessToken: sign(rows[0].id, s.rows[0].sessionId), tokenType: 'Bearer', expiresIn: ACCESS_TTL, refreshToken: token }];
}

/** The tutorial design: tokens hashed with argon2, found by verifying the user's rows one by one. */
async function naiveRefresh(body) {
  const [userId, token] = String(body?.refreshToken ?? '').split('.');
  const { rows } = await pool.query('SELECT id, hash FROM naive_tokens WHERE user_id = $1', [userId]);
  for (const row of rows) {
    if (await argon2.verify(row.hash, token)) {
      const next = randomBytes(32).toString('base64url');
      const nextHash = await argon2.hash(next, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
      await pool.query('UPDATE naive_tokens SET hash = $2 WHERE id = $1', [row.id, nextHash]);
      return [200, { accessToken: sign(userId, row.id), refreshToken: `${userId}.${next}` }];
    }
  }
  return [401, { message: 'invalid' }];
}

const routes = {
  'POST /auth/refresh': (req, body) => refresh(body),
  'GET /auth/me': (req) => me(req.headers.authorization),
  'POST /auth/login': (req, body) => login(body),
  'POST /naive/refresh': (req, body) => naiveRefresh(body),
  'GET /health': async () => [200, { status: 'ok' }],
};

/**
 * The floor on Node's `http` (default); FLOOR_HTTP=fastify: the same handlers as bare Fastify
 * routes (what Fastify alone costs); FLOOR_HTTP=nest: behind a Nest controller (what Nest adds).
 */
function createServer() {
  if (env.FLOOR_HTTP === 'fastify') {
    const app = require('fastify')({ logger: false });
    for (const [key, route] of Object.entries(routes)) {
      const [method, url] = key.split(' ');
      app.route({ method, url, handler: async (req, reply) => {
        const [status, payload] = await route(req.raw, req.body);
        return reply.code(status).headers(responseHeaders(key)).send(payload);
      } });
    }
    return { listen: (port, host) => app.listen({ port, host }), close: (cb) => app.close().then(cb) };
  }
  if (env.FLOOR_HTTP === 'nest') return nestServer();
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      let status;
      let payload;
      const key = `${req.method} ${req.url}`;
      try {
        const route = routes[key];
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
        [status, payload] = route ? await route(req, body) : [404, { message: 'not found' }];
      } catch (err) {
        [status, payload] = [500, { message: err.message }];
      }
      const text = JSON.stringify(payload);
      res.writeHead(status, { ...responseHeaders(key), 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
}
/** The same handlers behind one Nest controller on the Fastify adapter, no guard, pipe or filter: what Nest's router adds. */
function nestServer() {
  require('reflect-metadata');
  const { Controller, Get, Post, Req, Res, Module } = require('@nestjs/common');
  const { NestFactory } = require('@nestjs/core');
  const { FastifyAdapter } = require('@nestjs/platform-fastify');
  class FloorController {}
  const proto = FloorController.prototype;
  for (const [key, route] of Object.entries(routes)) {
    const [method, url] = key.split(' ');
    const name = `${method}${url}`;
    proto[name] = async function (req, res) {
      const [status, payload] = await route(req.raw, req.body);
      res.status(status).headers(responseHeaders(key));
      return payload;
    };
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    Req()(proto, name, 0);
    Res({ passthrough: true })(proto, name, 1);
    (method === 'GET' ? Get : Post)(url)(proto, name, descriptor);
  }
  Controller()(FloorController);
  class FloorModule {}
  Module({ controllers: [FloorController] })(FloorModule);
  let app;
  return {
    listen: async (port, host) => {
      app = await NestFactory.create(FloorModule, new FastifyAdapter(), { logger: false });
      await app.listen(port, host);
    },
    close: (cb) => app.close().then(cb),
  };
}

const server = createServer();

argon2.hash('dummy password for timing parity', { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }).then((h) => {
  dummyHash = h;
  server.listen(Number(env.PORT), '127.0.0.1');
});
process.on('SIGTERM', () => server.close(() => Promise.all([pool.end(), redis.quit()]).then(() => process.exit(0))));
