import { login, refreshBody, registerAndLogin, sleep, TestApp } from './test-app';

/** An honest client following its own refresh chain. */
export interface Chain {
  userId: string;
  refreshToken: string;
}

/** One refresh answer as the traffic saw it: when it was sent, when it came back, its status. */
export interface Answer {
  sentAt: number;
  at: number;
  status: number;
}

export async function honestChains(t: TestApp, count: number): Promise<Chain[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const s = await registerAndLogin(t);
      return { userId: s.userId, refreshToken: s.refreshToken };
    }),
  );
}

/** Tokens that must never work again, each of its own user: one rotated away, one logged out per user. */
export async function retiredTokens(t: TestApp, users: number, kinds: Array<'rotated' | 'logged-out'> = ['rotated', 'logged-out']): Promise<string[]> {
  const retired: string[] = [];
  for (let i = 0; i < users; i++) {
    const s = await registerAndLogin(t);
    if (kinds.includes('rotated')) {
      await refreshBody(t, s.refreshToken).expect(200);
      retired.push(s.refreshToken);
    }
    if (kinds.includes('logged-out')) {
      const gone = kinds.includes('rotated') ? await login(t, s.email) : s;
      await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: gone.refreshToken }).expect(204);
      retired.push(gone.refreshToken);
    }
  }
  return retired;
}

/** Refreshes every chain until `stopped()`; a failed answer keeps the token and retries after `pauseMs`. */
export function driveChains(t: TestApp, chains: Chain[], stopped: () => boolean, record: (answer: Answer) => void, pauseMs = 20): Promise<void> {
  return Promise.all(
    chains.map(async (chain) => {
      while (!stopped()) {
        const sentAt = Date.now();
        const res = await refreshBody(t, chain.refreshToken);
        record({ sentAt, at: Date.now(), status: res.status });
        if (res.status === 200) chain.refreshToken = res.body.refreshToken;
        else await sleep(pauseMs);
      }
    }),
  ).then(() => undefined);
}

/** An attacker replaying retired tokens in a loop until `stopped()`; counts the statuses. */
export async function replayUntil(t: TestApp, tokens: string[], stopped: () => boolean, seen: Map<number, number>, between?: () => Promise<void>): Promise<void> {
  while (!stopped()) {
    for (const token of tokens) count(seen, (await refreshBody(t, token)).status);
    await (between ? between() : sleep(10));
  }
}

export function count(seen: Map<number, number>, status: number): void {
  seen.set(status, (seen.get(status) ?? 0) + 1);
}
