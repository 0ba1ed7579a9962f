// The throughput of each scenario as an SVG bar chart: product, floor and the other sides
// measured in the same run (DPoP vs unbound, and peers when present). Each group has its own
// scale (login runs at tens of requests a second, the guarded request at thousands); the
// numbers are printed on the bars.
const COLOURS = { product: '#2563eb', floor: '#9ca3af', 'DPoP-bound': '#7c3aed', unbound: '#60a5fa' };
const PALETTE = ['#059669', '#d97706', '#dc2626', '#0891b2'];

/** [{ label, bars: [{ name, rps }] }] from a results object of bench/run.js. */
function groupsOf(results) {
  const groups = [];
  const core = results.scenarios.core;
  if (core && !core.error) {
    const pair = (label, r) => groups.push({ label, bars: [{ name: 'product', rps: r.product.rps }, { name: 'floor', rps: r.floor.rps }, ...peerBars(r)] });
    for (const [c, r] of Object.entries(core.refresh)) pair(`refresh, ${c} conn.`, r);
    pair('GET /auth/me, 16 conn.', core.guarded);
    pair('login (argon2id), 4 conn.', core.login);
  }
  const dpop = results.scenarios.dpop;
  if (dpop && !dpop.error) {
    for (const [key, label] of [['refresh', 'refresh, DPoP'], ['guarded', 'GET /auth/me, DPoP']]) {
      groups.push({ label, bars: [{ name: 'unbound', rps: dpop[key].plain.rps }, { name: 'DPoP-bound', rps: dpop[key].dpop.rps }] });
    }
  }
  const ba = results.scenarios['better-auth'];
  if (ba && !ba.error) {
    groups.push({ label: 'login vs Better Auth sign-in', bars: [{ name: 'product', rps: ba.login.product.rps }, { name: 'Better Auth', rps: ba.login.betterAuth.rps }] });
    groups.push({
      label: '/auth/me vs get-session',
      bars: [
        { name: 'product', rps: ba.session.product.rps },
        { name: 'Better Auth', rps: ba.session.betterAuthCacheOff.rps },
        { name: 'Better Auth (cookie cache)', rps: ba.session.betterAuthCacheOn.rps },
      ],
    });
  }
  return groups;
}

/** Peers measured beside a scenario: `r.peers = { name: { rps } }`. */
function peerBars(r) {
  return Object.entries(r.peers ?? {}).map(([name, peer]) => ({ name, rps: peer.rps }));
}

function throughputChart(results) {
  const groups = groupsOf(results);
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const colour = (name) => COLOURS[name] ?? PALETTE[names.filter((n) => !COLOURS[n]).indexOf(name) % PALETTE.length];
  const barHeight = 16;
  const labelWidth = 190;
  const plotWidth = 420;
  const width = labelWidth + plotWidth + 170;
  let y = 74;
  const parts = [];
  for (const group of groups) {
    const max = Math.max(...group.bars.map((b) => b.rps), 1);
    parts.push(`<text x="8" y="${y + barHeight - 3}" class="label">${escape(group.label)}</text>`);
    for (const bar of group.bars) {
      const w = Math.max(1, Math.round((bar.rps / max) * plotWidth));
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${w}" height="${barHeight - 3}" fill="${colour(bar.name)}"><title>${escape(bar.name)}: ${bar.rps} req/s</title></rect>`,
        `<text x="${labelWidth + w + 6}" y="${y + barHeight - 5}" class="value">${Math.round(bar.rps).toLocaleString('en')}</text>`,
      );
      y += barHeight;
    }
    y += 12;
  }
  // Legend entries side by side, wrapping to a second row when the width runs out.
  let lx = 8;
  let ly = 30;
  const legend = names
    .map((name) => {
      const w = 28 + name.length * 6.5;
      if (lx + w > width) [lx, ly] = [8, ly + 18];
      const entry = `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${colour(name)}"/><text x="${lx + 16}" y="${ly + 10}" class="value">${escape(name)}</text>`;
      lx += w;
      return entry;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="system-ui, sans-serif">
<style>.label{font-size:12px;fill:#1f2933}.value{font-size:11px;fill:#374151}.title{font-size:14px;font-weight:600}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="18" class="title">Throughput, requests/s (npm run bench, ${escape(results.date.slice(0, 16).replace('T', ' '))} UTC; each group on its own scale)</text>
${legend}
${parts.join('\n')}
</svg>
`;
}

const escape = (text) => String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

module.exports = { throughputChart };
