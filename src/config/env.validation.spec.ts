import { EXAMPLE_SECRETS, validateEnv } from './env.validation';

const minimal = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/auth',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_ACCESS_SECRET: 'a'.repeat(40),
  REFRESH_TOKEN_SECRET: 'b'.repeat(40),
};

describe('validateEnv', () => {
  it('applies the contract defaults', () => {
    expect(validateEnv({ ...minimal })).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      ACCESS_TOKEN_TTL: 900,
      REFRESH_TOKEN_TTL: 604800,
      REFRESH_TOKEN_ABSOLUTE_TTL: 2592000,
      REFRESH_TOKEN_REUSE_GRACE: 10,
      REUSE_REVOKES: 'user',
      PASSWORD_RESET_TTL: 3600,
      REFRESH_TOKEN_CLEANUP_CRON: '0 3 * * *',
      COOKIE_SECURE: true,
    });
  });

  it('takes DATABASE_PREPARED_STATEMENTS as a boolean or empty (unset), and refuses anything else', () => {
    expect(validateEnv({ ...minimal, DATABASE_PREPARED_STATEMENTS: 'false' }).DATABASE_PREPARED_STATEMENTS).toBe(false);
    expect(validateEnv({ ...minimal, DATABASE_PREPARED_STATEMENTS: '' }).DATABASE_PREPARED_STATEMENTS).toBeUndefined();
    expect(() => validateEnv({ ...minimal, DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/"DATABASE_PREPARED_STATEMENTS" must be a boolean/);
  });

  it.each(['DATABASE_URL', 'REDIS_URL', 'JWT_ACCESS_SECRET', 'REFRESH_TOKEN_SECRET'])('refuses a missing %s, naming it', (name) => {
    const env: Record<string, string> = { ...minimal };
    delete env[name];
    expect(() => validateEnv(env)).toThrow(new RegExp(`"${name}" is required`));
  });

  it.each([
    ['ACCESS_TOKEN_TTL', '15m'],
    ['REFRESH_TOKEN_TTL', '-1'],
    ['REFRESH_TOKEN_ABSOLUTE_TTL', '1.5'],
    ['REFRESH_TOKEN_REUSE_GRACE', 'ten'],
    ['REUSE_REVOKES', 'everything'],
    ['REFRESH_TOKEN_CLEANUP_CRON', 'every night'],
    ['REFRESH_TOKEN_CLEANUP_CRON', '61 3 * * *'],
    ['ALLOWED_ORIGINS', 'https://ok.example,not an origin'],
    ['COOKIE_SECURE', 'maybe'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['PORT', '70000'],
    ['NODE_ENV', 'staging'],
  ])('refuses an invalid %s (%s), naming it', (name, value) => {
    expect(() => validateEnv({ ...minimal, [name]: value })).toThrow(new RegExp(`"${name}"`));
  });

  it('takes JWT_ISSUER and JWT_AUDIENCE as optional strings, empty meaning unset', () => {
    expect(validateEnv({ ...minimal })).not.toHaveProperty('JWT_ISSUER');
    expect(validateEnv({ ...minimal, JWT_ISSUER: '', JWT_AUDIENCE: '' })).not.toHaveProperty('JWT_AUDIENCE');
    expect(validateEnv({ ...minimal, JWT_ISSUER: 'https://auth.example', JWT_AUDIENCE: 'api' })).toMatchObject({ JWT_ISSUER: 'https://auth.example', JWT_AUDIENCE: 'api' });
    expect(() => validateEnv({ ...minimal, JWT_AUDIENCE: 'a'.repeat(257) })).toThrow(/"JWT_AUDIENCE"/);
  });

  it('accepts 0 for the grace window (turns it off)', () => {
    expect(validateEnv({ ...minimal, REFRESH_TOKEN_REUSE_GRACE: '0' }).REFRESH_TOKEN_REUSE_GRACE).toBe(0);
  });

  describe('in production', () => {
    const prod = { ...minimal, NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:1025' };

    it('accepts long, distinct secrets', () => {
      expect(() => validateEnv(prod)).not.toThrow();
    });

    it.each(['JWT_ACCESS_SECRET', 'REFRESH_TOKEN_SECRET'] as const)('refuses a %s shorter than 32 bytes or equal to the example', (name) => {
      expect(() => validateEnv({ ...prod, [name]: 'x'.repeat(31) })).toThrow(new RegExp(`"${name}" must be at least 32 bytes`));
      expect(() => validateEnv({ ...prod, [name]: EXAMPLE_SECRETS[name] })).toThrow(new RegExp(`"${name}" must not be the example value`));
    });

    it('refuses running without SMTP_URL', () => {
      expect(() => validateEnv({ ...prod, SMTP_URL: '' })).toThrow(/"SMTP_URL" is required in production/);
    });

    it('holds previous secrets to the same rules as current ones', () => {
      const mfa = { MFA_ENCRYPTION_KEY: 'm'.repeat(40) };
      expect(() => validateEnv({ ...prod, JWT_ACCESS_SECRET_PREVIOUS: 'c'.repeat(20) })).toThrow(/"JWT_ACCESS_SECRET_PREVIOUS" must be at least 32 bytes in production/);
      expect(() => validateEnv({ ...prod, ...mfa, REFRESH_TOKEN_SECRET_PREVIOUS: EXAMPLE_SECRETS.REFRESH_TOKEN_SECRET })).toThrow(
        /"REFRESH_TOKEN_SECRET_PREVIOUS" must not be the example value in production/,
      );
      expect(validateEnv({ ...prod, ...mfa, JWT_ACCESS_SECRET_PREVIOUS: 'c'.repeat(40), REFRESH_TOKEN_SECRET_PREVIOUS: 'd'.repeat(40) })).toMatchObject({
        JWT_ACCESS_SECRET_PREVIOUS: 'c'.repeat(40),
        REFRESH_TOKEN_SECRET_PREVIOUS: 'd'.repeat(40),
      });
    });
  });

  describe('previous secrets (rotation)', () => {
    it('are optional, and empty means unset', () => {
      const env = validateEnv({ ...minimal, JWT_ACCESS_SECRET_PREVIOUS: '', REFRESH_TOKEN_SECRET_PREVIOUS: '' });
      expect(env.JWT_ACCESS_SECRET_PREVIOUS).toBeUndefined();
      expect(env.REFRESH_TOKEN_SECRET_PREVIOUS).toBeUndefined();
    });

    it('must differ from the current secret', () => {
      expect(() => validateEnv({ ...minimal, JWT_ACCESS_SECRET_PREVIOUS: minimal.JWT_ACCESS_SECRET })).toThrow(
        /"JWT_ACCESS_SECRET_PREVIOUS" must differ from "JWT_ACCESS_SECRET"/,
      );
      expect(() => validateEnv({ ...minimal, MFA_ENCRYPTION_KEY: 'm'.repeat(40), REFRESH_TOKEN_SECRET_PREVIOUS: minimal.REFRESH_TOKEN_SECRET })).toThrow(
        /"REFRESH_TOKEN_SECRET_PREVIOUS" must differ from "REFRESH_TOKEN_SECRET"/,
      );
    });

    it('REFRESH_TOKEN_SECRET_PREVIOUS needs MFA_ENCRYPTION_KEY, which otherwise derives from the secret being replaced', () => {
      const previous = { REFRESH_TOKEN_SECRET_PREVIOUS: 'd'.repeat(40) };
      expect(() => validateEnv({ ...minimal, ...previous })).toThrow(/"MFA_ENCRYPTION_KEY" is required while "REFRESH_TOKEN_SECRET_PREVIOUS" is set/);
      expect(() => validateEnv({ ...minimal, ...previous, MFA_ENCRYPTION_KEY: '' })).toThrow(/"MFA_ENCRYPTION_KEY" is required while "REFRESH_TOKEN_SECRET_PREVIOUS" is set/);
      expect(validateEnv({ ...minimal, ...previous, MFA_ENCRYPTION_KEY: 'd'.repeat(40) }).MFA_ENCRYPTION_KEY).toBe('d'.repeat(40));
      expect(validateEnv({ ...minimal, JWT_ACCESS_SECRET_PREVIOUS: 'c'.repeat(40) }).MFA_ENCRYPTION_KEY).toBeUndefined();
    });
  });
});
