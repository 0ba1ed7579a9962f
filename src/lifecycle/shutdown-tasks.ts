import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Work to stop when SIGTERM arrives, alongside the connection drain and before Postgres and
 * Redis close (a running batch job finishing its batch, say). Features register theirs, so the
 * shutdown sequence knows none of them.
 */
@Injectable()
export class ShutdownTasks {
  private readonly tasks = new Map<string, () => Promise<void>>();

  register(name: string, stop: () => Promise<void>): void {
    this.tasks.set(name, stop);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((stop) => stop()));
  }
}

@Global()
@Module({ providers: [ShutdownTasks], exports: [ShutdownTasks] })
export class LifecycleModule {}
