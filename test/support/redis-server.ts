import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import Redis from 'ioredis';

/** Polls `ready` every `everyMs` until it holds; throws naming `what` after `tries` attempts. */
async function waitUntil(ready: () => Promise<boolean>, what: string, tries = 100, everyMs = 50): Promise<void> {
  for (let i = 0; !(await ready()); i++) {
    if (i > tries) throw new Error(what);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A redis-server owned by one test, so it can be stopped without touching the shared one. */
export class TestRedisServer {
  private process: ChildProcess | null = null;
  private dir: string | undefined;
  private constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {}

  static async start(extraArgs: string[] = []): Promise<TestRedisServer> {
    const server = new TestRedisServer(await freePort(), extraArgs);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    // A directory of its own: a replica writes the master's snapshot (dump.rdb) into it.
    this.dir ??= mkdtempSync(`${tmpdir()}/redis-server-`);
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.extraArgs], {
      stdio: 'ignore',
    });
    const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    await probe.connect().catch(() => undefined);
    await probe.ping();
    probe.disconnect();
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (!this.process) return;
    this.resume();
    const exited = once(this.process, 'exit');
    this.process.kill('SIGKILL');
    await exited;
    this.process = null;
  }
}

/** A three-master Redis Cluster on loopback, owned by one test (cluster mode of RedisService). */
export class TestRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly dir: string,
    private readonly processes: ChildProcess[],
  ) {}

  static async start(): Promise<TestRedisCluster> {
    const dir = mkdtempSync(`${tmpdir()}/redis-cluster-`);
    // The cluster bus listens on port + 10000: pick ports where both are free.
    const ports: number[] = [];
    while (ports.length < 3) {
      const port = 20000 + Math.floor(Math.random() * 20000);
      if (!ports.includes(port) && (await isFree(port)) && (await isFree(port + 10000))) ports.push(port);
    }
    const processes = ports.map((port) =>
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `${dir}/nodes-${port}.conf`,
          '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: 'ignore' },
      ),
    );
    const cluster = new TestRedisCluster(ports, dir, processes);
    for (const port of ports) {
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
      await probe.connect().catch(() => undefined);
      await probe.ping();
      probe.disconnect();
    }
    const create = spawn('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'ignore',
    });
    const [code] = await once(create, 'exit');
    if (code !== 0) throw new Error(`redis-cli --cluster create exited ${code}`);
    const probe = new Redis(ports[0], '127.0.0.1');
    await waitUntil(async () => (await probe.cluster('INFO')).includes('cluster_state:ok'), 'cluster did not become ready', 100, 100);
    probe.disconnect();
    return cluster;
  }

  get nodes(): { host: string; port: number }[] {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.processes.map((p) => {
        const exited = once(p, 'exit');
        p.kill('SIGKILL');
        return exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A Redis master, optionally with a replica, watched by one or more Sentinels (sentinel mode of
 * RedisService), owned by one test. With a replica and three sentinels (quorum 2) it fails
 * over for real: SIGKILL the master and the sentinels promote the replica in a few seconds.
 */
export class TestRedisSentinel {
  private constructor(
    readonly master: TestRedisServer,
    readonly replica: TestRedisServer | null,
    readonly sentinelPorts: number[],
    private readonly sentinels: ChildProcess[],
    private readonly dir: string,
    readonly masterName: string,
  ) {}

  static async start(masterName = 'mymaster', options: { replica?: boolean; sentinels?: number } = {}): Promise<TestRedisSentinel> {
    const master = await TestRedisServer.start();
    const replica = options.replica ? await TestRedisServer.start(['--replicaof', '127.0.0.1', String(master.port)]) : null;
    const count = options.sentinels ?? 1;
    const quorum = Math.floor(count / 2) + 1;
    const dir = mkdtempSync(`${tmpdir()}/redis-sentinel-`);
    const sentinelPorts: number[] = [];
    const sentinels: ChildProcess[] = [];
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      // Sentinel rewrites its own config file: one writable file each.
      writeFileSync(
        `${dir}/sentinel-${i}.conf`,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${master.port} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 4000`,
        ].join('\n'),
      );
      sentinels.push(spawn('redis-server', [`${dir}/sentinel-${i}.conf`, '--sentinel'], { stdio: 'ignore' }));
      sentinelPorts.push(port);
    }
    const deployment = new TestRedisSentinel(master, replica, sentinelPorts, sentinels, dir, masterName);
    for (const port of sentinelPorts) {
      await waitUntil(async () => (await deployment.masterPortSeenBy(port)) !== null, 'sentinel does not know the master');
    }
    if (replica) {
      // Failover needs every sentinel to know the replica, and the replica to be in sync.
      const probe = new Redis(replica.port, '127.0.0.1');
      await waitUntil(async () => (await probe.info('replication')).includes('master_link_status:up'), 'replica did not sync', 200);
      probe.disconnect();
      for (const port of sentinelPorts) {
        const sentinel = new Redis(port, '127.0.0.1');
        await waitUntil(async () => ((await sentinel.call('SENTINEL', 'replicas', masterName)) as unknown[]).length > 0, 'sentinel does not know the replica', 200);
        sentinel.disconnect();
      }
    }
    return deployment;
  }

  /** The sentinels as RedisService's `nodes`. */
  get nodes(): { host: string; port: number }[] {
    return this.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  }

  /** The master's port as the given sentinel names it, or null. */
  async masterPortSeenBy(sentinelPort = this.sentinelPorts[0]): Promise<number | null> {
    const probe = new Redis(sentinelPort, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    await probe.connect().catch(() => undefined);
    try {
      const address = (await probe.call('SENTINEL', 'get-master-addr-by-name', this.masterName)) as string[] | null;
      return address ? Number(address[1]) : null;
    } finally {
      probe.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.sentinels.map((sentinel) => {
        const exited = once(sentinel, 'exit');
        sentinel.kill('SIGKILL');
        return sentinel.exitCode === null ? exited : undefined;
      }),
    );
    await this.master.stop();
    await this.replica?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
