/**
 * The benchmark's webhook receiver, run as a child process (child_process.fork): a plain
 * node:http server on 127.0.0.1 (SPEC §7: loopback only) that answers 200 to everything and, for
 * requests under /hook/, records the `webhook-id` header and the arrival time (body fully read).
 * It does not verify signatures: it stands for a receiver that costs as little as possible.
 *
 * IPC: sends {type:'ready', port}; answers {cmd:'count'} → {type:'count', count, recorded},
 * {cmd:'dump'} → {type:'dump', ids, at} (then forgets them), {cmd:'stop'} → exits.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let count = 0;
let ids: string[] = [];
let at: number[] = [];

const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    count++;
    if (req.url?.startsWith('/hook/')) {
      const id = req.headers['webhook-id'];
      ids.push(typeof id === 'string' ? id : '');
      at.push(Date.now());
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  });
});
server.keepAliveTimeout = 30_000;

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});

process.on('message', (message: { cmd?: string }) => {
  switch (message?.cmd) {
    case 'count':
      process.send?.({ type: 'count', count, recorded: ids.length });
      break;
    case 'dump':
      process.send?.({ type: 'dump', ids, at });
      ids = [];
      at = [];
      break;
    case 'stop':
      server.closeAllConnections();
      server.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
      break;
  }
});
// Never outlive the benchmark.
process.on('disconnect', () => process.exit(0));
