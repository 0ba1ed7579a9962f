import type { PreparedStatement } from '../prisma/prisma.service';

// Per-request user lookups (login, the guarded /auth/me), shared with the benchmark's floor.

export const FIND_PUBLIC_USER: PreparedStatement = {
  name: 'find_public_user',
  text: 'SELECT id, email FROM users WHERE id = $1::uuid',
};

export const FIND_CREDENTIALS: PreparedStatement = {
  name: 'find_credentials',
  text: 'SELECT id, password_hash AS "passwordHash" FROM users WHERE email = $1',
};
