// Progress of a bench run on stderr: the phase that runs, the time elapsed and an estimate of
// the time left (from each phase's planned duration), every phase change and every 30 s, so a
// ten-minute run is never silent.

/** m:ss, rounded to whole seconds first (899.6 s reads 15:00, not 14:60). */
function fmt(seconds) {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

let started = Date.now();
let planned = 0; // seconds planned for the whole run
let plannedDone = 0; // seconds planned for the phases already finished
let current = null; // { label, seconds, since }
let ticker = null;

function line() {
  const elapsed = (Date.now() - started) / 1000;
  const inPhase = current ? Math.min(current.seconds, (Date.now() - current.since) / 1000) : 0;
  const left = Math.max(0, planned - plannedDone - inPhase);
  return `[bench ${fmt(elapsed)} elapsed, ~${fmt(left)} left] ${current?.label ?? ''}`;
}

module.exports = {
  fmt,
  /** A run begins; `plannedSeconds` estimates all of it. */
  begin(plannedSeconds) {
    started = Date.now();
    planned = plannedSeconds;
    plannedDone = 0;
    current = null;
    ticker = setInterval(() => console.error(line()), 30_000);
    ticker.unref();
  },
  /** A phase begins (the previous one ends); `seconds` is its planned duration. */
  phase(label, seconds) {
    if (current) plannedDone += current.seconds;
    current = { label, seconds, since: Date.now() };
    console.error(line());
  },
  end() {
    clearInterval(ticker);
    if (current) plannedDone += current.seconds;
    current = { label: 'done', seconds: 0, since: Date.now() };
    console.error(line());
  },
};
