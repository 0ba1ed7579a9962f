import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

export const normalizeEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export class RegisterDto {
  @Transform(normalizeEmail)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;

  // The policy itself (length in code points, common passwords, own email) is PasswordPolicy's.
  @IsString()
  @MaxLength(1024)
  password: string;
}

export class LoginDto {
  @Transform(normalizeEmail)
  @IsString()
  @MaxLength(320)
  email: string;

  // Bounded so nobody can make argon2 hash megabytes; no policy here, only at registration.
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

export class ForgotPasswordDto {
  @Transform(normalizeEmail)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;
}

export class ResetPasswordDto {
  @IsString()
  @MaxLength(256)
  token: string;

  @IsString()
  @MaxLength(1024)
  password: string;
}

export class ChangePasswordDto {
  @IsString()
  @MaxLength(1024)
  currentPassword: string;

  @IsString()
  @MaxLength(1024)
  newPassword: string;
}
