import { validateCronExpression } from 'cron';
import type { ObjectSchema } from 'joi';
import { forgetModules } from '../common/module-cache';

/**
 * The example secrets shipped in `.env.example`. Production refuses them
 * (test/unit/project-files.spec.ts keeps this list and the file in step).
 */
export const EXAMPLE_SECRETS = {
  JWT_ACCESS_SECRET: 'dev-only-access-secret-change-me-0123456789',
  REFRESH_TOKEN_SECRET: 'dev-only-refresh-secret-change-me-0123456789',
} as const;

const MFA_KEY_WHILE_ROTATING =
  '"MFA_ENCRYPTION_KEY" is required while "REFRESH_TOKEN_SECRET_PREVIOUS" is set: if it was empty, set it to the previous REFRESH_TOKEN_SECRET, which second factors are encrypted under (README, "Rotating secrets")';

/** Joi and what it loads: needed while the environment is validated, at start-up. */
const JOI_PACKAGES = /[\\/]node_modules[\\/](joi|@hapi[\\/][^\\/]+|@standard-schema[\\/]spec)[\\/]/;

/**
 * Every variable of the contract, with its default. Unknown variables are ignored. Built on
 * demand, and Joi required here rather than imported: `validateEnv` lets go of both.
 */
export function environmentSchema(): ObjectSchema<Environment> {
  const Joi = require('joi') as typeof import('joi');
  const seconds = () => Joi.number().integer().min(1);
  const origin = Joi.string().uri({ scheme: ['http', 'https'] });
  const previousSecret = (current: string) =>
    Joi.string().min(16).empty('').optional().invalid(Joi.ref(current)).messages({ 'any.invalid': `{{#label}} must differ from "${current}"` });
  return Joi.object<Environment>({
    NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
    PORT: Joi.number().port().default(3000),
    DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }).required(),
    DATABASE_POOL_SIZE: Joi.number().integer().min(1).max(200).default(10),
    // Named (per-connection) prepared statements on the hot paths. Off for a transaction pooler
    // that does not track them (PgBouncer < 1.21, or max_prepared_statements = 0); unset, it
    // follows Prisma's convention: `?pgbouncer=true` on DATABASE_URL turns it off.
    DATABASE_PREPARED_STATEMENTS: Joi.boolean().empty('').optional(),
    REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }).required(),
    REDIS_KEY_PREFIX: Joi.string().max(64).default('auth:'),
    REDIS_MODE: Joi.string().valid('standalone', 'sentinel', 'cluster').default('standalone'),
    REDIS_NODES: Joi.string()
      .pattern(/^\s*[^\s:,]+:\d+\s*(,\s*[^\s:,]+:\d+\s*)*$/)
      .messages({ 'string.pattern.base': '{{#label}} must be a comma-separated list of host:port' })
      .when('REDIS_MODE', { is: 'standalone', then: Joi.optional().allow(''), otherwise: Joi.required() }),
    REDIS_SENTINEL_MASTER: Joi.string().default('mymaster'),
    JWT_ACCESS_SECRET: Joi.string().min(16).required(),
    JWT_ISSUER: Joi.string().max(256).empty('').optional(),
    JWT_AUDIENCE: Joi.string().max(256).empty('').optional(),
    REFRESH_TOKEN_SECRET: Joi.string().min(16).required(),
    // Secret rotation: the secret before the current one, still accepted (access tokens it
    // signed, refresh, reset and verification tokens hashed under it) but never used to issue.
    JWT_ACCESS_SECRET_PREVIOUS: previousSecret('JWT_ACCESS_SECRET'),
    REFRESH_TOKEN_SECRET_PREVIOUS: previousSecret('REFRESH_TOKEN_SECRET'),
    ACCESS_TOKEN_TTL: seconds().default(900),
    REFRESH_TOKEN_TTL: seconds().default(604800),
    REFRESH_TOKEN_ABSOLUTE_TTL: seconds().default(2592000),
    REFRESH_TOKEN_REUSE_GRACE: Joi.number().integer().min(0).max(300).default(10),
    REUSE_REVOKES: Joi.string().valid('user', 'session').default('user'),
    PASSWORD_RESET_TTL: seconds().default(3600),
    REFRESH_TOKEN_CLEANUP_CRON: Joi.string()
      .default('0 3 * * *')
      .custom((value: string, helpers) =>
        validateCronExpression(value).valid ? value : helpers.error('any.invalid'),
      )
      .messages({ 'any.invalid': '{{#label}} is not a valid cron expression' }),
    REFRESH_TOKEN_CLEANUP_BATCH_SIZE: Joi.number().integer().min(1).max(100000).default(1000),
    REFRESH_TOKEN_CLEANUP_PAUSE_MS: Joi.number().integer().min(0).max(60000).default(25),
    ALLOWED_ORIGINS: Joi.string()
      .allow('')
      .default('')
      .custom((value: string, helpers) =>
        splitList(value).every((o) => !origin.validate(o).error) ? value : helpers.error('any.invalid'),
      )
      .messages({ 'any.invalid': '{{#label}} must be a comma-separated list of http(s) origins' }),
    COOKIE_SECURE: Joi.boolean().default(true),
    TRUST_PROXY: Joi.alternatives(Joi.boolean(), Joi.number().integer().min(0), Joi.string()).default(false),
    // The origin clients call (https://api.example.com) when a proxy rewrites Host or scheme in a
    // way TRUST_PROXY cannot recover; DPoP proofs name this URL in `htu`.
    PUBLIC_ORIGIN: origin.allow('').optional(),
    // DPoP (RFC 9449): how far a proof's `iat` may be from now, both ways (it is also how long a
    // proof's `jti` is remembered, and how long a server nonce stays valid).
    DPOP_PROOF_MAX_AGE: Joi.number().integer().min(5).max(600).default(60),
    DPOP_NONCE_REQUIRED: Joi.boolean().default(false),
    // Body-transport (mobile) logins must bind the session to a key.
    DPOP_REQUIRED_FOR_BODY_LOGIN: Joi.boolean().default(false),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: Joi.number().integer().min(1).default(10),
    LOGIN_MAX_FAILURES_PER_IP: Joi.number().integer().min(1).default(100),
    LOGIN_FAILURE_WINDOW: seconds().default(900),
    LOGIN_SLOWDOWN_MS: Joi.number().integer().min(0).max(30000).default(1000),
    FORGOT_MAX_PER_EMAIL: Joi.number().integer().min(1).default(3),
    FORGOT_MAX_PER_IP: Joi.number().integer().min(1).default(20),
    FORGOT_WINDOW: seconds().default(3600),
    REGISTER_MAX_PER_IP: Joi.number().integer().min(1).default(20),
    REGISTER_WINDOW: seconds().default(3600),
    // Email verification: link lifetime; REQUIRE_VERIFIED_EMAIL refuses logins of unverified
    // addresses (403) and makes registration answer 202 whether or not the email is taken.
    EMAIL_VERIFICATION_TTL: seconds().default(86400),
    REQUIRE_VERIFIED_EMAIL: Joi.boolean().default(false),
    VERIFY_RESEND_MAX_PER_EMAIL: Joi.number().integer().min(1).default(3),
    VERIFY_RESEND_MAX_PER_IP: Joi.number().integer().min(1).default(20),
    VERIFY_RESEND_WINDOW: seconds().default(3600),
    // TOTP second factor: the issuer authenticator apps show; the key TOTP secrets are encrypted
    // under (derived from REFRESH_TOKEN_SECRET when unset); the login ticket's lifetime; failed
    // codes per account per window (429 beyond).
    MFA_ISSUER: Joi.string().max(64).default('nest-refresh-auth'),
    // Required while REFRESH_TOKEN_SECRET rotates: second factors made under the derived key
    // must keep it after the previous secret is gone (README, "Rotating secrets").
    MFA_ENCRYPTION_KEY: Joi.string()
      .min(32)
      .allow('')
      .optional()
      .when('REFRESH_TOKEN_SECRET_PREVIOUS', { is: Joi.exist(), then: Joi.string().required().invalid('') })
      .messages({
        'any.required': MFA_KEY_WHILE_ROTATING,
        'any.invalid': MFA_KEY_WHILE_ROTATING,
      }),
    MFA_TICKET_TTL: Joi.number().integer().min(30).max(3600).default(300),
    MFA_MAX_FAILURES_PER_ACCOUNT: Joi.number().integer().min(1).default(10),
    MFA_FAILURE_WINDOW: seconds().default(900),
    SMTP_URL: Joi.string().uri({ scheme: ['smtp', 'smtps'] }).allow('').optional(),
    MAIL_FROM: Joi.string().default('Auth <no-reply@localhost>'),
    APP_URL: Joi.string().uri({ scheme: ['http', 'https'] }).default('http://localhost:3000'),
    LOG_LEVEL: Joi.string().valid('error', 'warn', 'log', 'debug', 'verbose').default('log'),
    // OpenAPI at /docs: on by default outside production.
    DOCS_ENABLED: Joi.boolean().when('NODE_ENV', { is: 'production', then: Joi.boolean().default(false), otherwise: Joi.boolean().default(true) }),
    METRICS_ENABLED: Joi.boolean().default(true),
    // When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`.
    METRICS_TOKEN: Joi.string().min(16).allow('').optional(),
    // How long SIGTERM waits for in-flight requests before closing the remaining connections.
    SHUTDOWN_GRACE_MS: Joi.number().integer().min(0).max(120000).default(10000),
  }).unknown(true);
}

export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Every variable after validation, typed: what the config files build their settings from. */
export interface Environment {
  NODE_ENV: 'development' | 'production' | 'test';
  PORT: number;
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
  DATABASE_PREPARED_STATEMENTS?: boolean;
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  REDIS_MODE: 'standalone' | 'sentinel' | 'cluster';
  REDIS_NODES?: string;
  REDIS_SENTINEL_MASTER: string;
  JWT_ACCESS_SECRET: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  REFRESH_TOKEN_SECRET: string;
  JWT_ACCESS_SECRET_PREVIOUS?: string;
  REFRESH_TOKEN_SECRET_PREVIOUS?: string;
  ACCESS_TOKEN_TTL: number;
  REFRESH_TOKEN_TTL: number;
  REFRESH_TOKEN_ABSOLUTE_TTL: number;
  REFRESH_TOKEN_REUSE_GRACE: number;
  REUSE_REVOKES: 'user' | 'session';
  PASSWORD_RESET_TTL: number;
  REFRESH_TOKEN_CLEANUP_CRON: string;
  REFRESH_TOKEN_CLEANUP_BATCH_SIZE: number;
  REFRESH_TOKEN_CLEANUP_PAUSE_MS: number;
  ALLOWED_ORIGINS: string;
  COOKIE_SECURE: boolean;
  TRUST_PROXY: boolean | number | string;
  PUBLIC_ORIGIN?: string;
  DPOP_PROOF_MAX_AGE: number;
  DPOP_NONCE_REQUIRED: boolean;
  DPOP_REQUIRED_FOR_BODY_LOGIN: boolean;
  LOGIN_MAX_FAILURES_PER_ACCOUNT: number;
  LOGIN_MAX_FAILURES_PER_IP: number;
  LOGIN_FAILURE_WINDOW: number;
  LOGIN_SLOWDOWN_MS: number;
  FORGOT_MAX_PER_EMAIL: number;
  FORGOT_MAX_PER_IP: number;
  FORGOT_WINDOW: number;
  REGISTER_MAX_PER_IP: number;
  REGISTER_WINDOW: number;
  EMAIL_VERIFICATION_TTL: number;
  REQUIRE_VERIFIED_EMAIL: boolean;
  VERIFY_RESEND_MAX_PER_EMAIL: number;
  VERIFY_RESEND_MAX_PER_IP: number;
  VERIFY_RESEND_WINDOW: number;
  MFA_ISSUER: string;
  MFA_ENCRYPTION_KEY?: string;
  MFA_TICKET_TTL: number;
  MFA_MAX_FAILURES_PER_ACCOUNT: number;
  MFA_FAILURE_WINDOW: number;
  SMTP_URL?: string;
  MAIL_FROM: string;
  APP_URL: string;
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  DOCS_ENABLED: boolean;
  METRICS_ENABLED: boolean;
  METRICS_TOKEN?: string;
  SHUTDOWN_GRACE_MS: number;
}

/**
 * Validates the environment at start-up. Throws one error naming every bad variable,
 * which stops the process before anything listens.
 */
export function validateEnv(raw: Record<string, unknown>): Environment {
  const { error, value } = environmentSchema().validate(raw, { abortEarly: false, convert: true });
  // Joi, the schema and the regular expressions it compiled: 2.9 MiB of heap, read only now.
  forgetModules(JOI_PACKAGES);
  const problems = error ? error.details.map((d) => d.message) : [];
  if (!error && value.NODE_ENV === 'production') problems.push(...productionProblems(value));
  if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return value;
}

function productionProblems(env: Record<string, any>): string[] {
  const problems: string[] = [];
  for (const name of ['JWT_ACCESS_SECRET', 'REFRESH_TOKEN_SECRET', 'JWT_ACCESS_SECRET_PREVIOUS', 'REFRESH_TOKEN_SECRET_PREVIOUS'] as const) {
    if (env[name] === undefined) continue;
    const secret = String(env[name]);
    if (Buffer.byteLength(secret) < 32) problems.push(`"${name}" must be at least 32 bytes in production`);
    if ((Object.values(EXAMPLE_SECRETS) as string[]).includes(secret)) problems.push(`"${name}" must not be the example value in production`);
  }
  if (env.JWT_ACCESS_SECRET === env.REFRESH_TOKEN_SECRET)
    problems.push('"REFRESH_TOKEN_SECRET" must differ from "JWT_ACCESS_SECRET" in production');
  if (!env.SMTP_URL) problems.push('"SMTP_URL" is required in production');
  return problems;
}

let accepted: Environment | undefined;

/** ConfigModule's `validate` hook: checks the environment once and keeps the typed result. */
export function acceptEnvironment(raw: Record<string, unknown>): Environment {
  accepted = validateEnv(raw);
  return accepted;
}

/** The validated environment the config files read (validating process.env if start-up has not). */
export function environment(): Environment {
  return (accepted ??= validateEnv(process.env));
}
