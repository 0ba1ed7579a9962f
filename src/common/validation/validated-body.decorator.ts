import { createParamDecorator, ExecutionContext, PipeTransform, Type } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBody } from '../../docs/openapi-decorators';
import { StorableTextPipe } from '../storable-text.pipe';
import { BodyValidator } from './body-validator';
import { textFieldsOf } from './text-field';

/** Storable text, then the declared fields of the parameter's DTO; the compiled validators are shared. */
class ValidatedBodyPipe implements PipeTransform {
  private static readonly storableText = new StorableTextPipe();
  private static readonly validator = new BodyValidator();

  constructor(private readonly dto: Type) {}

  transform(body: unknown): Record<string, unknown> {
    const storable = ValidatedBodyPipe.storableText.transform(body, { type: 'body', metatype: this.dto });
    return ValidatedBodyPipe.validator.validate(storable, this.dto);
  }
}

const requestBody = createParamDecorator((_: unknown, ctx: ExecutionContext): unknown => ctx.switchToHttp().getRequest<FastifyRequest>().body);

/**
 * `@ValidatedBody() dto: LoginDto`: the JSON body, validated against the DTO's `@TextField`s
 * (unknown properties dropped, a 400 naming each bad field) and documented as the operation's
 * request body. The endpoint validates its own input whatever global pipes the host app sets.
 */
export const ValidatedBody = (): ParameterDecorator => (target, key, index) => {
  const paramTypes = Reflect.getMetadata('design:paramtypes', target, key!) as unknown[];
  const dto = paramTypes[index];
  // At start-up, not on the first request: the parameter's type must be a DTO class.
  if (typeof dto !== 'function' || !textFieldsOf(dto)) {
    throw new TypeError(`@ValidatedBody() on ${target.constructor.name}.${String(key)} needs a DTO class as the parameter type`);
  }
  ApiBody({ type: dto as Type })(target, key!, Object.getOwnPropertyDescriptor(target, key!)!);
  requestBody(undefined, new ValidatedBodyPipe(dto as Type))(target, key, index);
  // Nest hands a parameter's declared type to every pipe, a host app's global ValidationPipe
  // included: with `validateCustomDecorators` it would run class-validator on a DTO that has no
  // class-validator rules and strip every field. Declared as Object, the parameter is left to
  // the pipe above, which holds its DTO.
  Reflect.defineMetadata('design:paramtypes', paramTypes.map((type, i) => (i === index ? Object : type)), target, key!);
};
