import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/**
 * Text Postgres cannot store as sent: NUL (a `text` value refuses 0x00), and UTF-16 halves
 * without their pair, which the driver silently turns into U+FFFD (two different passwords
 * would then hash alike). JSON allows both.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Runs before validation on every body (`@ValidatedBody()`), so no string a client sends
 * reaches SQL (or a hash) unless Postgres can store it: a 400 naming the field instead of a
 * database error. Route parameters have their own pipe (a session id: ParseUUIDPipe). Tokens
 * read from the transport (refresh, logout) are not handler parameters: they are checked for
 * their exact format before anything else.
 */
@Injectable()
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const field = firstUnstorable(value, metadata.data ?? metadata.type);
    if (field !== null) throw new BadRequestException(`${field} contains a character that cannot be stored (NUL or a lone surrogate)`);
    return value;
  }
}

/** The path of the first string (key or value) that cannot be stored, or null. */
export function firstUnstorable(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : null;
  if (value === null || typeof value !== 'object' || depth > 32) return null;
  for (const [key, inner] of Object.entries(value)) {
    const innerPath = Array.isArray(value) ? `${path}[${key}]` : key;
    if (UNSTORABLE.test(key)) return `${path} (a key)`;
    const found = firstUnstorable(inner, innerPath, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
