// Creates and migrates a fresh database for this run, with the project's own migrator.
const { baseEnv, stateFileFor, fs } = require('./test-env');
const { migrate } = require('../../scripts/migrate');

module.exports = async () => {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const env = baseEnv(runId);
  await migrate(env.DATABASE_URL, () => undefined);
  // Workers are separate processes: hand them the environment through a file named by our pid.
  fs.writeFileSync(stateFileFor(process.pid), JSON.stringify(env));
  process.env.AUTH_TEST_STATE = stateFileFor(process.pid);
  Object.assign(process.env, env);
};
