import { Cluster, type Redis } from 'ioredis';

/**
 * The keys under `prefix` in the shared test Redis, found by SCAN (on every master of a
 * cluster): KEYS walks the whole keyspace in one command, which blocks Redis and, on a Redis
 * holding millions of keys (a benchmark's leftovers, another app's data), outlasts the
 * client's command timeout.
 */
export async function keysWithPrefix(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const keys = new Set<string>(); // SCAN may return a key more than once
  for (const node of client instanceof Cluster ? client.nodes('master') : [client]) {
    for await (const batch of node.scanStream({ match: `${prefix}*`, count: 1000 })) {
      for (const key of batch as string[]) keys.add(key);
    }
  }
  return [...keys];
}
