import { TextField } from '../../common/validation/text-field';

export const normalizeEmail = (value: string): string => value.trim().toLowerCase();

/** An email address that names an account: trimmed, lower-cased, a valid address. */
export const AccountEmail = () => TextField({ maxLength: 320, format: 'email', normalize: normalizeEmail, example: 'ada@example.com' });

export class RegisterDto {
  @AccountEmail()
  email: string;

  // The policy itself (length in code points, common passwords, own email) is passwordProblem()'s
  // (auth/passwords/password-policy.ts); this only bounds the input.
  @TextField({ maxLength: 1024, description: '8-128 characters, not a common password, not the email' })
  password: string;
}

export class LoginDto {
  // No format rule: an address accepted under an older rule must still sign in.
  @TextField({ maxLength: 320, normalize: normalizeEmail, example: 'ada@example.com' })
  email: string;

  // Bounded so nobody can make argon2 hash megabytes; no policy here, only at registration.
  @TextField({ minLength: 1, maxLength: 1024 })
  password: string;
}
