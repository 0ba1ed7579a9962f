import { BadRequestException } from '@nestjs/common';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import isEmail from 'validator/lib/isEmail';
import { TextFieldOptions, textFieldsOf } from './text-field';

type Fields = ReadonlyMap<string, TextFieldOptions>;

interface CompiledDto {
  fields: Fields;
  check: ValidateFunction;
}

/**
 * Validates request bodies against their DTO's declared fields (`@TextField`), compiled once per
 * DTO into an Ajv function (the validator Fastify itself uses). It replaces class-validator and
 * class-transformer: those took 3.2 MiB of heap per process for six rules (BENCHMARKS.md).
 * Answers a 400 naming each bad field once; unknown properties are dropped, not refused.
 */
export class BodyValidator {
  // No meta-schema: the schemas are built by schemaOf() from typed declarations, so checking
  // each against JSON Schema's own at run time bought only its compiled validator, 0.35 MB of
  // heap for the life of the process. Strict mode still refuses an unknown keyword; the
  // operations e2e suite checks every DTO's schema against the meta-schema.
  private readonly ajv = new Ajv({ allErrors: true, removeAdditional: 'all', strict: true, meta: false, validateSchema: false }).addFormat('email', {
    type: 'string',
    validate: (value: string) => isEmail(value),
  });
  private readonly compiled = new WeakMap<object, CompiledDto | null>();

  /** A new object with the DTO's declared fields only, normalized; or a 400. */
  validate(body: unknown, dto: unknown): Record<string, unknown> {
    const compiled = this.compiledFor(dto);
    if (!compiled) throw new TypeError('validate() needs a DTO class');
    const { fields, check } = compiled;
    // No body, as JSON `null` or none at all, reads as `{}`: the answer then names what is missing.
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw new BadRequestException('The request body must be a JSON object');
    }
    const input: Record<string, unknown> = { ...(body as Record<string, unknown> | null | undefined) };
    for (const [key, options] of fields) {
      if (options.normalize && typeof input[key] === 'string') input[key] = options.normalize(input[key]);
    }
    if (!check(input)) throw new BadRequestException(messages(check.errors ?? [], fields));
    return input;
  }

  /** Compiled on a DTO's first body, then kept: null for a type that is no DTO. */
  private compiledFor(type: unknown): CompiledDto | null {
    if (typeof type !== 'function') return null;
    let compiled = this.compiled.get(type);
    if (compiled === undefined) {
      const fields = textFieldsOf(type);
      compiled = fields && { fields, check: this.ajv.compile(schemaOf(fields)) };
      this.compiled.set(type, compiled);
    }
    return compiled;
  }
}

/** The JSON Schema of a DTO's fields. */
export function schemaOf(fields: Fields): object {
  const properties: Record<string, object> = {};
  for (const [key, { maxLength, minLength, pattern, format }] of fields) {
    properties[key] = { type: 'string', maxLength, ...(minLength !== undefined && { minLength }), ...(pattern && { pattern: pattern.regex.source }), ...(format && { format }) };
  }
  const required = [...fields].filter(([, options]) => !options.optional).map(([key]) => key);
  return { type: 'object', properties, required };
}

/** One message per bad field, in declaration order: the first rule it breaks. */
function messages(errors: ErrorObject[], fields: Fields): string {
  const byField = new Map<string, string>();
  for (const error of errors) {
    const field = error.keyword === 'required' ? String(error.params.missingProperty) : error.instancePath.slice(1);
    if (!byField.has(field)) byField.set(field, messageOf(error, field, fields.get(field)));
  }
  const ordered = [...fields.keys()].filter((key) => byField.has(key)).map((key) => byField.get(key)!);
  return ordered.join('; ') || 'Invalid input';
}

function messageOf(error: ErrorObject, field: string, options: TextFieldOptions | undefined): string {
  switch (error.keyword) {
    case 'required':
      return `${field} is required`;
    case 'type':
      return `${field} must be a string`;
    case 'maxLength':
      return `${field} must be at most ${String(error.params.limit)} characters`;
    case 'minLength':
      return error.params.limit === 1 ? `${field} must not be empty` : `${field} must be at least ${String(error.params.limit)} characters`;
    case 'pattern':
      return options?.pattern?.message ?? `${field} has the wrong format`;
    case 'format':
      return `${field} must be a valid email address`;
    default:
      return `${field} is invalid`;
  }
}
