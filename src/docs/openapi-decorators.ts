import type * as Swagger from '@nestjs/swagger';

/**
 * The @nestjs/swagger decorators the controllers and DTOs use, without loading @nestjs/swagger.
 *
 * Why: its decorators sit on every DTO, so importing them loads the whole document generator
 * (12 MiB RSS, 4 MiB of V8 heap per instance; BENCHMARKS.md) even in production, where the docs
 * are off. Here each decorator is recorded where it is declared and applied for real, in
 * declaration order, by `loadOpenApiDecorators()` just before the docs are built. Once
 * swagger is loaded, a decorator declared later applies at once. Same decorators, same
 * arguments: the document does not change (the operations e2e suite reads it).
 */
type Factories = Pick<
  typeof Swagger,
  'ApiBearerAuth' | 'ApiBody' | 'ApiCookieAuth' | 'ApiExcludeController' | 'ApiHeader' | 'ApiProperty' | 'ApiPropertyOptional' | 'ApiResponse' | 'ApiTags'
>;

interface Declared {
  factory: keyof Factories;
  args: unknown[];
  target: object;
  key?: string | symbol;
  descriptor?: PropertyDescriptor;
}

let swagger: typeof Swagger | undefined;
const declared: Declared[] = [];

function apply({ factory, args, target, key, descriptor }: Declared, from: typeof Swagger): void {
  const decorate = (from[factory] as (...a: unknown[]) => (t: object, k?: string | symbol, d?: PropertyDescriptor) => unknown)(...args);
  decorate(target, key, descriptor);
}

function deferred<K extends keyof Factories>(factory: K): Factories[K] {
  const make = (...args: unknown[]) =>
    (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
      const declaration = { factory, args, target, key, descriptor };
      if (swagger) apply(declaration, swagger);
      else declared.push(declaration);
    };
  return make as unknown as Factories[K];
}

export const ApiBearerAuth = deferred('ApiBearerAuth');
export const ApiBody = deferred('ApiBody');
export const ApiCookieAuth = deferred('ApiCookieAuth');
export const ApiExcludeController = deferred('ApiExcludeController');
export const ApiHeader = deferred('ApiHeader');
export const ApiProperty = deferred('ApiProperty');
export const ApiPropertyOptional = deferred('ApiPropertyOptional');
export const ApiResponse = deferred('ApiResponse');
export const ApiTags = deferred('ApiTags');

/** Loads @nestjs/swagger and applies every decorator declared so far (once per process). */
export function loadOpenApiDecorators(): typeof Swagger {
  if (!swagger) {
    const loaded = require('@nestjs/swagger') as typeof Swagger;
    for (const declaration of declared.splice(0)) apply(declaration, loaded);
    swagger = loaded;
  }
  return swagger;
}
