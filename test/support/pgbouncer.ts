import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { freePort } from './redis-server';
import { sleep } from './test-app';

/**
 * A real PgBouncer (Debian's package) in transaction pooling mode in front of the shared
 * Postgres, owned by one test. Its server pool is smaller than the app's client pool, so
 * consecutive transactions of one client connection land on different backends.
 */
export class TestPgBouncer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(options: { poolSize?: number; upstreamPort?: number } = {}): Promise<TestPgBouncer> {
    const port = await freePort();
    const dir = mkdtempSync(`${tmpdir()}/pgbouncer-`);
    writeFileSync(`${dir}/users.txt`, '"postgres" ""\n');
    writeFileSync(
      `${dir}/pgbouncer.ini`,
      [
        '[databases]',
        `* = host=127.0.0.1 port=${options.upstreamPort ?? 5432}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${dir}/users.txt`,
        'pool_mode = transaction',
        `default_pool_size = ${options.poolSize ?? 4}`,
        'max_client_conn = 500',
        'ignore_startup_parameters = extra_float_digits,options',
        `logfile = ${dir}/pgbouncer.log`,
        `pidfile = ${dir}/pgbouncer.pid`,
      ].join('\n'),
    );
    // PgBouncer refuses to run as root; it drops to user postgres, who must own its folder.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const { uid, gid } = postgresIds();
      chownSync(dir, uid, gid);
    }
    const child = spawn('pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), `${dir}/pgbouncer.ini`], { stdio: 'ignore' });
    const bouncer = new TestPgBouncer(port, dir, child);
    for (let i = 0; ; i++) {
      const client = new Client({ connectionString: bouncer.url('postgres') });
      const ok = await client.connect().then(() => client.query('SELECT 1').then(() => true), () => false);
      await client.end().catch(() => undefined);
      if (ok) break;
      if (i > 100 || child.exitCode !== null) throw new Error('pgbouncer did not start');
      await sleep(100);
    }
    return bouncer;
  }

  /** A URL to `database` through the pooler. */
  url(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function postgresIds(): { uid: number; gid: number } {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}
