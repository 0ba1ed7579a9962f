import type { Duplex } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { errorBody } from './http-exception.filter';
import { endWithLinger } from './lingering-close';

const RESPONSES: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'Request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request took too long to arrive'],
};
const MALFORMED: [number, string, string] = [400, 'Bad Request', 'Malformed HTTP request'];
const answered = new WeakSet<Duplex>();

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser rejects before any route sees
 * them (oversized headers, malformed request lines) get the same JSON error shape as
 * everything else, with a status that names the problem.
 */
export function answerClientErrorAsJson(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (answered.has(socket)) return; // more bytes after the answer: the linger reads them
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  const [status, error, message] = RESPONSES[err.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ statusCode: status, error, message });
  endWithLinger(
    socket,
    `HTTP/1.1 ${status} ${error}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Fastify's `frameworkErrors`: requests its router refuses before any route runs (a path
 * parameter that is not valid percent-encoded UTF-8, one over the length limit). Fastify's own
 * answer has an extra `code` field and quotes the path, which may carry a token.
 */
export function answerFrameworkErrorAsJson(error: { statusCode?: number }, _request: unknown, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.code(status).header('Cache-Control', 'no-store').send(errorBody(status, 'Malformed request URL'));
}
