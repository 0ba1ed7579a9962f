// DTOs import this module before their classes are decorated: with the Reflect metadata API
// loaded first, the compiler's design:type records (which the OpenAPI document reads) are kept.
import 'reflect-metadata';
import { ApiProperty } from '../../docs/openapi-decorators';

/** What a request body's text field accepts: the validator and the OpenAPI document read the same. */
export interface TextFieldOptions {
  /** Every field has a cap: no unbounded string reaches a hash, SQL or a log line. */
  maxLength: number;
  minLength?: number;
  /** A pattern the whole value must match, and the message when it does not. */
  pattern?: { regex: RegExp; message: string };
  /** `email`: an address as validator.js's `isEmail` accepts it. */
  format?: 'email';
  optional?: boolean;
  /** Applied before the checks (an email is trimmed and lower-cased). */
  normalize?: (value: string) => string;
  description?: string;
  example?: string;
}

const declaredFields = new WeakMap<object, Map<string, TextFieldOptions>>();

/**
 * A string field of a request body DTO. One declaration feeds both the body validator
 * (`body-validator.ts`, a JSON Schema compiled by Ajv) and the OpenAPI document, so the two
 * cannot drift. Properties without it are dropped from the body before the handler sees it.
 */
export function TextField(options: TextFieldOptions): PropertyDecorator {
  const decorateDocs = ApiProperty({
    type: String,
    required: !options.optional,
    maxLength: options.maxLength,
    minLength: options.minLength,
    pattern: options.pattern?.regex.source,
    format: options.format,
    description: options.description,
    example: options.example,
  });
  return (prototype, key) => {
    const own = declaredFields.get(prototype) ?? new Map<string, TextFieldOptions>();
    declaredFields.set(prototype, own.set(String(key), options));
    decorateDocs(prototype, key);
  };
}

/**
 * The declared fields of a DTO class, a base class's first (a DTO may extend another), or null
 * for a type that is no DTO (a primitive, `Object`, no type information).
 */
export function textFieldsOf(type: unknown): ReadonlyMap<string, TextFieldOptions> | null {
  if (typeof type !== 'function' || NOT_DTOS.has(type)) return null;
  const chain: object[] = [];
  for (let proto = type.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    chain.unshift(proto);
  }
  const fields = new Map<string, TextFieldOptions>();
  for (const proto of chain) for (const [key, options] of declaredFields.get(proto) ?? []) fields.set(key, options);
  return fields;
}

const NOT_DTOS = new Set<unknown>([Object, String, Number, Boolean, Array, Buffer]);
