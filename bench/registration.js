#!/usr/bin/env node
// Registration timing with REQUIRE_VERIFIED_EMAIL=true: a taken email must answer like a new
// one (same 202, same work: argon2 hash, insert attempt; mails after the response). Sequential
// requests, one client, the order of new and taken swapped every round, and a pause after each
// so the work a registration does after its answer (insert, mail) never lands on the next one:
// what is compared is the answer an enumerating client times, not the leftovers of the one
// before. Compares the medians.
const { randomUUID } = require('node:crypto');
const { freshDatabase, dropDatabase, startApi, request, summarize } = require('./lib');
const progress = require('./progress');

const ROUNDS = Number(process.env.BENCH_REGISTRATION_ROUNDS ?? 60);
const PORT = 3915;
const PASSWORD = 'bench password 0123';
/** Longer than a registration's after-work here (insert + mail, a few ms). */
const SETTLE_MS = 100;

async function main() {
  const dbName = `auth_bench_reg_${process.pid}`;
  const url = await freshDatabase(dbName);
  const api = await startApi({ databaseUrl: url, port: PORT, cpus: 0, env: { REQUIRE_VERIFIED_EMAIL: 'true', REGISTER_MAX_PER_IP: '1000000' } });
  try {
    progress.phase(`registration: ${ROUNDS} rounds, taken vs new email`, ROUNDS * (0.1 + (2 * SETTLE_MS) / 1000) + 2);
    const taken = `taken-${process.pid}@bench.test`;
    const first = await request(PORT, 'POST', '/auth/register', { email: taken, password: PASSWORD });
    if (first.status !== 202) throw new Error(`register: ${first.status}`);
    const sides = { newEmail: [], takenEmail: [] };
    const bodies = new Set();
    const time = async (side, email) => {
      const t0 = process.hrtime.bigint();
      const res = await request(PORT, 'POST', '/auth/register', { email, password: PASSWORD });
      sides[side].push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (res.status !== 202) throw new Error(`${side}: ${res.status}`);
      bodies.add(JSON.stringify(res.body));
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    };
    for (let i = 0; i < 5; i++) await time('newEmail', `warm-${randomUUID()}@bench.test`); // warm-up, discarded
    sides.newEmail.length = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const newEmail = () => time('newEmail', `new-${randomUUID()}@bench.test`);
      const takenEmail = () => time('takenEmail', taken);
      for (const step of i % 2 ? [takenEmail, newEmail] : [newEmail, takenEmail]) await step();
    }
    const seconds = 1; // latencies only: rps is not the point here
    const newEmail = summarize(sides.newEmail, seconds);
    const takenEmail = summarize(sides.takenEmail, seconds);
    return { rounds: ROUNDS, newEmail, takenEmail, p50Ratio: Math.round((takenEmail.p50 / newEmail.p50) * 100) / 100, distinctBodies: bodies.size };
  } finally {
    await api.stop();
    await dropDatabase(dbName);
  }
}

const plannedSeconds = () => ROUNDS * (0.1 + (2 * SETTLE_MS) / 1000) + 2;

module.exports = { main, plannedSeconds };
if (require.main === module) require('./lib').runAlone(main);
