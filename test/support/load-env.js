// Runs in each test worker before the test file: the run's database and Redis prefix.
const fs = require('node:fs');
const file = process.env.AUTH_TEST_STATE;
if (!file || !fs.existsSync(file)) throw new Error('test global setup did not run');
Object.assign(process.env, JSON.parse(fs.readFileSync(file, 'utf8')));
