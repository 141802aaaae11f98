'use strict';
// Shared start-up for the reference servers: honour PORT (0 = ephemeral) and HOST
// (default 127.0.0.1), print exactly one `listening tcp <host>:<port>` line once bound
// (the line bench/run.js waits for, and the one torsion's examples print), and exit
// cleanly on SIGTERM / SIGINT.  `options` go to net.createServer (noDelay is always on).
const net = require('node:net');

function listen(onConnection, options = {}) {
  const port = Number(process.env.PORT ?? process.argv[2] ?? 0);
  const host = process.env.HOST || '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid PORT ${process.env.PORT}`);
    process.exit(2);
  }
  const server = net.createServer({ ...options, noDelay: true }, onConnection);
  server.on('error', (err) => {
    console.error(`listen failed: ${err.message}`);
    process.exit(1);
  });
  server.listen({ port, host, backlog: 511 }, () => {
    const a = server.address();
    const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    process.stdout.write(`listening tcp ${h}:${a.port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  return server;
}

module.exports = { listen };
