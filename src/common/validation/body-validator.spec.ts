import { BadRequestException } from '@nestjs/common';
import { BodyValidator, schemaOf } from './body-validator';
import { TextField, textFieldsOf } from './text-field';

class CodeDto {
  @TextField({ maxLength: 6, optional: true, pattern: { regex: /^\d{6}$/, message: 'code must be 6 digits' } })
  code?: string;
}

class SignInDto extends CodeDto {
  @TextField({ maxLength: 20, format: 'email', normalize: (v) => v.trim().toLowerCase() })
  email: string;

  @TextField({ minLength: 1, maxLength: 8 })
  password: string;
}

class NoFieldsDto {}

describe('BodyValidator', () => {
  const validator = new BodyValidator();
  const problem = (body: unknown, dto: unknown = SignInDto): string => {
    try {
      validator.validate(body, dto);
    } catch (err) {
      expect(err).toBeInstanceOf(BadRequestException);
      return (err as BadRequestException).message;
    }
    throw new Error('no 400');
  };

  it('returns the declared fields only, normalized, as a new object', () => {
    const body = { email: ' Ada@Example.COM ', password: 'pw', role: 'admin', code: '123456' };
    const valid = validator.validate(body, SignInDto);
    expect(valid).toEqual({ email: 'ada@example.com', password: 'pw', code: '123456' });
    expect(body.role).toBe('admin');
  });

  it('names each bad field once, with the first rule it breaks, base class fields first', () => {
    expect(problem({})).toBe('email is required; password is required');
    expect(problem({ email: 5, password: ['x'] })).toBe('email must be a string; password must be a string');
    expect(problem({ email: 'not an address', password: '' })).toBe('email must be a valid email address; password must not be empty');
    expect(problem({ email: 'a@b.co', password: '123456789' })).toBe('password must be at most 8 characters');
    expect(problem({ email: `${'a'.repeat(20)}@b.co`, password: 'x' })).toBe('email must be at most 20 characters');
    expect(problem({ email: 'a@b.co', password: 'x', code: '12345' })).toBe('code must be 6 digits');
    expect(problem({ code: 123456, email: 'a@b.co' })).toBe('code must be a string; password is required');
  });

  it('reads no body and JSON null as {}, and refuses any other non-object', () => {
    expect(problem(undefined)).toBe('email is required; password is required');
    expect(problem(null)).toBe('email is required; password is required');
    for (const body of [[], ['a'], 'text', 7, true]) expect(problem(body)).toBe('The request body must be a JSON object');
  });

  it('counts characters, not UTF-16 units, as the password policy does', () => {
    expect(validator.validate({ email: 'a@b.co', password: '😀'.repeat(8) }, SignInDto).password).toBe('😀'.repeat(8));
  });

  it('accepts optional fields left out, and a DTO without fields keeps nothing', () => {
    expect(validator.validate({ email: 'a@b.co', password: 'x' }, SignInDto)).toEqual({ email: 'a@b.co', password: 'x' });
    expect(validator.validate({ anything: 1 }, NoFieldsDto)).toEqual({});
  });

  it('tells DTO classes from other parameter types', () => {
    for (const type of [String, Object, Number, undefined]) expect(() => validator.validate({}, type)).toThrow(TypeError);
    expect(textFieldsOf(String)).toBeNull();
  });

  it('builds the JSON Schema the OpenAPI document also shows', () => {
    expect(schemaOf(textFieldsOf(SignInDto)!)).toEqual({
      type: 'object',
      properties: {
        code: { type: 'string', maxLength: 6, pattern: '^\\d{6}$' },
        email: { type: 'string', maxLength: 20, format: 'email' },
        password: { type: 'string', maxLength: 8, minLength: 1 },
      },
      required: ['email', 'password'],
    });
  });
});
