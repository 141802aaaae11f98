// Summarises a .cpuprofile (node --cpu-prof): self time per function, most first.
//   node bench/tools/cpuprofile-top.js FILE.cpuprofile [N]
const fs = require('fs');
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const self = new Map();
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = {};
for (let i = 0; i < p.samples.length; i++) dt[p.samples[i]] = (dt[p.samples[i]] || 0) + (p.timeDeltas[i] || 0);
let total = 0;
for (const n of p.nodes) {
  const t = dt[n.id] || 0; total += t;
  const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
  self.set(k, (self.get(k) || 0) + t);
}
[...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] || 30)).forEach(([k, t]) => console.log((100 * t / total).toFixed(1).padStart(5), k));
