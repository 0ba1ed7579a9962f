import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * What every JSON answer carries (OWASP REST Security cheat sheet): HTTPS only for a year, no
 * sniffing, no framing, no referrer, no cross-origin no-cors reads, and a CSP that allows
 * nothing (a JSON body is never a document that loads anything).
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The docs (Swagger UI) are HTML pages: helmet's whole document set, with a CSP that lets the UI
 * load its own scripts and styles but forbids framing, plugins and `<base>`.
 */
const DOCUMENT_HEADERS: Readonly<Record<string, string>> = {
  ...API_HEADERS,
  'x-frame-options': 'SAMEORIGIN',
  'content-security-policy': [
    "default-src 'self'",
    "base-uri 'none'",
    "font-src 'self' https: data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "img-src 'self' data:",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self' https: 'unsafe-inline'",
    'upgrade-insecure-requests',
  ].join(';'),
  'cross-origin-opener-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** What a browser script on an allowed origin may send and read. */
const CORS_ALLOWED_HEADERS = 'Content-Type, Authorization, DPoP, X-Token-Transport, X-Request-Id';
const CORS_EXPOSED_HEADERS = 'X-Request-Id, Retry-After, DPoP-Nonce, WWW-Authenticate';
const CORS_METHODS = 'GET, POST, DELETE';
const CORS_PREFLIGHT_MAX_AGE_SECONDS = '600';

export interface ResponseHeaderOptions {
  /** Origins whose scripts may call the API with credentials (ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /** Path prefix of the HTML docs, which get the document headers. */
  docsPath: string;
}

/**
 * One `onRequest` hook for what every response carries: its X-Request-Id, the security headers
 * and CORS for the allowed origins (with credentials; no CORS headers for any other origin).
 *
 * Why not `app.useSecurityHeaders()` + `app.enableCors()`: on Fastify those write each header
 * onto the raw response, which sends Node down its slow per-header path when the reply is
 * written, and @fastify/cors copies its options object on every request. Switching either off
 * gained the guarded request 0.04–0.06 of the floor's throughput; with this hook (and the one
 * global pipe) it went from 0.79× to 0.82× in an interleaved A/B (BENCHMARKS.md, "Where the
 * time goes").
 */
export function registerResponseHeaders(fastify: FastifyInstance, options: ResponseHeaderOptions): void {
  const allowedOrigins = new Set(options.allowedOrigins);
  const docsPrefix = `/${options.docsPath}`;
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.headers(request.url.startsWith(docsPrefix) ? DOCUMENT_HEADERS : API_HEADERS);
    reply.header('x-request-id', request.id);
    // The answer depends on Origin: shared caches must key on it.
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || !allowedOrigins.has(origin)) return done();
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      // A preflight: answered here, before any route, guard or body parser.
      reply.header('access-control-allow-methods', CORS_METHODS);
      reply.header('access-control-allow-headers', CORS_ALLOWED_HEADERS);
      reply.header('access-control-max-age', CORS_PREFLIGHT_MAX_AGE_SECONDS);
      reply.code(204).header('content-length', '0').send();
      return;
    }
    reply.header('access-control-expose-headers', CORS_EXPOSED_HEADERS);
    done();
  });
  // Preflights reach the hook only for a route that exists: every path has OPTIONS. One from an
  // origin that is not allowed gets a 204 with no CORS headers, which the browser refuses.
  fastify.options('*', (_request, reply) => {
    reply.code(204).header('content-length', '0').send();
  });
}
