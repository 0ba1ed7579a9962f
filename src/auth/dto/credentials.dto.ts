import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '../../docs/openapi-decorators';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

export const normalizeEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** An email address that names an account: trimmed, lower-cased, a valid address. */
export const AccountEmail = () =>
  applyDecorators(
    ApiProperty({ example: 'ada@example.com', maxLength: 320 }),
    Transform(normalizeEmail),
    IsEmail({}, { message: 'email must be a valid email address' }),
    MaxLength(320),
  );

export class RegisterDto {
  @AccountEmail()
  email: string;

  // The policy itself (length in code points, common passwords, own email) is passwordProblem()'s
  // (auth/passwords/password-policy.ts); this only bounds the input.
  @ApiProperty({ description: '8-128 characters, not a common password, not the email', minLength: 8, maxLength: 128 })
  @IsString()
  @MaxLength(1024)
  password: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 320 })
  @Transform(normalizeEmail)
  @IsString()
  @MaxLength(320)
  email: string;

  // Bounded so nobody can make argon2 hash megabytes; no policy here, only at registration.
  @ApiProperty({ maxLength: 1024 })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}
