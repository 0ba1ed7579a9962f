import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { postgresIds } from './pgbouncer';
import { freePort } from './redis-server';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/**
 * A Postgres server of one test's own (own data directory and port, Debian's initdb/pg_ctl),
 * so it can crash and restart under traffic without touching the shared server.
 */
export class TestPostgresServer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<TestPostgresServer> {
    const dir = mkdtempSync(`${tmpdir()}/pg-`);
    if (process.getuid?.() === 0) {
      const { uid, gid } = postgresIds();
      chownSync(dir, uid, gid);
    }
    const server = new TestPostgresServer(await freePort(), dir);
    await server.asPostgres(`${BIN}/initdb`, ['-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await server.restart();
    return server;
  }

  url(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async restart(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.asPostgres(`${BIN}/pg_ctl`, ['-D', `${this.dir}/data`, '-o', options, '-l', `${this.dir}/log`, '-w', 'start']);
  }

  /** `-m immediate`: every backend is killed at once, no checkpoint, recovery on next start (a crash). */
  async crash(): Promise<void> {
    await this.asPostgres(`${BIN}/pg_ctl`, ['-D', `${this.dir}/data`, '-m', 'immediate', '-w', 'stop']);
  }

  async stop(): Promise<void> {
    await this.asPostgres(`${BIN}/pg_ctl`, ['-D', `${this.dir}/data`, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async asPostgres(file: string, args: string[]): Promise<void> {
    if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', file, ...args]);
    else await run(file, args);
  }
}
