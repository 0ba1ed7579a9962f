import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How long the rest of a refused request may keep arriving before the connection is cut. */
export const LINGER_MS = 5000;

/**
 * For error answers decided before the body was read (413 from Content-Length, a parser
 * error): they must reach the client. Fastify marks them `Connection: close`, and Node then
 * destroys the socket while the client is still sending: the unread bytes make the kernel send
 * a reset, and clients that write the whole body before reading (Node's fetch) see EPIPE
 * instead of the answer. So, like nginx's lingering close: keep reading and discarding the
 * rest of the body (Node drains an unread request once the answer is sent), within a time
 * bound. Called by the exception filter, so successful answers pay nothing.
 */
export function lingerOnUnreadBody(request: FastifyRequest, reply: FastifyReply): void {
  const req = request.raw;
  if (req.complete || !hasBody(req)) return;
  reply.removeHeader('connection');
  reply.raw.once('finish', () => lingerOn(req.socket, req));
}

function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/** Cuts the connection if the rest of `req` has not arrived within LINGER_MS. */
function lingerOn(socket: Duplex, req?: IncomingMessage): void {
  if (req?.complete) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req?.once('end', clear);
  socket.once('close', clear);
}

/**
 * For answers written straight to the socket (requests Node's parser refused, e.g. 431): the
 * answer is sent and the write side closed, and whatever the client still sends is read and
 * dropped until it closes its side or LINGER_MS pass.
 */
export function endWithLinger(socket: Duplex, answer: string): void {
  socket.end(answer);
  socket.removeAllListeners('data'); // the HTTP parser has failed; nothing reads these bytes now
  socket.on('data', () => undefined);
  socket.once('end', () => socket.destroy());
  lingerOn(socket);
}
