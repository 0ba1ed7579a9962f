import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXAMPLE_SECRETS, environmentSchema, validateEnv } from '../../src/config/env.validation';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

const CONTRACT_VARIABLES = [
  'DATABASE_URL', 'REDIS_URL', 'PORT', 'NODE_ENV', 'JWT_ACCESS_SECRET', 'REFRESH_TOKEN_SECRET', 'ACCESS_TOKEN_TTL',
  'REFRESH_TOKEN_TTL', 'REFRESH_TOKEN_ABSOLUTE_TTL', 'REFRESH_TOKEN_REUSE_GRACE', 'REUSE_REVOKES', 'PASSWORD_RESET_TTL',
  'REFRESH_TOKEN_CLEANUP_CRON', 'ALLOWED_ORIGINS', 'COOKIE_SECURE', 'SMTP_URL', 'MAIL_FROM', 'APP_URL',
];

describe('.env.example', () => {
  const example = Object.fromEntries(
    read('.env.example')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

  it('documents every variable of the contract and of the validation schema', () => {
    const validated = Object.keys(environmentSchema().describe().keys ?? {});
    for (const name of new Set([...CONTRACT_VARIABLES, ...validated])) expect([name, name in example]).toEqual([name, true]);
  });

  it('holds the example secrets that production refuses', () => {
    expect(example.JWT_ACCESS_SECRET).toBe(EXAMPLE_SECRETS.JWT_ACCESS_SECRET);
    expect(example.REFRESH_TOKEN_SECRET).toBe(EXAMPLE_SECRETS.REFRESH_TOKEN_SECRET);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true });

  it('runs Postgres 15 and Redis 7 with healthchecks on the standard ports', () => {
    expect(compose.services.postgres.image).toMatch(/^postgres:15/);
    expect(compose.services.redis.image).toMatch(/^redis:7/);
    expect(compose.services.postgres.ports).toContain('5432:5432');
    expect(compose.services.redis.ports).toContain('6379:6379');
    for (const name of ['postgres', 'redis']) {
      expect(compose.services[name].healthcheck.test).toEqual(expect.arrayContaining([expect.any(String)]));
    }
    expect(compose.services.postgres.healthcheck.test.join(' ')).toMatch(/pg_isready/);
    expect(compose.services.redis.healthcheck.test.join(' ')).toMatch(/redis-cli.*ping/);
  });

  it("keeps Redis's data across restarts (AOF on a volume): after a purge the blacklist is the only memory of rotated tokens", () => {
    expect(compose.services.redis.command.join(' ')).toMatch(/--appendonly yes/);
    expect(compose.services.redis.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/:\/data$/)]));
  });
});

describe('docker-compose.yml: the API', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true });

  it('migrates once before the API starts, and the API config passes start-up validation', () => {
    const { migrate, api } = compose.services;
    expect(migrate.command).toEqual(['node', 'scripts/migrate.js']);
    expect(migrate.depends_on.postgres.condition).toBe('service_healthy');
    expect(api.depends_on.migrate.condition).toBe('service_completed_successfully');
    expect(api.depends_on.redis.condition).toBe('service_healthy');
    expect(api.healthcheck.test.join(' ')).toContain('/health');
    expect(api.ports).toContain('3000:3000');
    expect(() => validateEnv(api.environment)).not.toThrow();
    expect(validateEnv(api.environment).DATABASE_URL).toContain('@postgres:5432/');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';

  it('builds in one stage and runs production dependencies only, as a non-root user', () => {
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/npm ci/);
    expect(stages[0]).toMatch(/npm prune --omit=dev/);
    expect(runtime).not.toMatch(/npm (ci|install)/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^ENV NODE_ENV=production/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/health\/live/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/main.js"\]$/m);
  });

  it('copies only files that exist in the repository', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect([source, existsSync(join(root, source))]).toEqual([source, true]);
  });
});
