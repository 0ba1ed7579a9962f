import { ArgumentMetadata, createParamDecorator, ExecutionContext, PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBody } from '../../docs/openapi-decorators';
import { StorableTextPipe } from '../storable-text.pipe';
import { BodyValidator } from './body-validator';
import { textFieldsOf } from './text-field';

/** Storable text, then the DTO's declared fields (`@TextField`); one instance, so one compiled validator per DTO. */
class ValidatedBodyPipe implements PipeTransform {
  private readonly storableText = new StorableTextPipe();
  private readonly validator = new BodyValidator();

  transform(body: unknown, { metatype }: ArgumentMetadata): Record<string, unknown> {
    return this.validator.validate(this.storableText.transform(body, { type: 'body', metatype }), metatype);
  }
}

const validatedBodyPipe = new ValidatedBodyPipe();
const requestBody = createParamDecorator((_: unknown, ctx: ExecutionContext): unknown => ctx.switchToHttp().getRequest<FastifyRequest>().body);

/**
 * `@ValidatedBody() dto: LoginDto`: the JSON body, validated against the DTO's `@TextField`s
 * (unknown properties dropped, a 400 naming each bad field) and documented as the operation's
 * request body. The endpoint validates its own input whatever global pipes the host app sets:
 * a custom parameter, which Nest's `ValidationPipe` leaves alone unless told otherwise.
 */
export const ValidatedBody = (): ParameterDecorator => (target, key, index) => {
  const dto = (Reflect.getMetadata('design:paramtypes', target, key!) as unknown[])[index];
  // At start-up, not on the first request: the parameter's type must be a DTO class.
  if (!textFieldsOf(dto)) throw new TypeError(`@ValidatedBody() on ${target.constructor.name}.${String(key)} needs a DTO class as the parameter type`);
  ApiBody({ type: dto as new () => unknown })(target, key!, Object.getOwnPropertyDescriptor(target, key!)!);
  requestBody(undefined, validatedBodyPipe)(target, key, index);
};
