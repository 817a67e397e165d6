// Starts s3rver (the tests' S3 endpoint) on 127.0.0.1 on a port the kernel picks (no race for a free port),
// with its files in DIR and the given buckets, and prints "listening PORT" on stdout once it accepts requests. PORT 0: any free port;
// another: that one (a store that comes back where it was).
// Ends on SIGTERM/SIGINT; the test's ChildProcess SIGKILLs it otherwise. Usage: node s3rver_run.js PREFIX DIR PORT BUCKET...
'use strict';
const path = require('path');
const [prefix, dir, port, ...buckets] = process.argv.slice(2);
const S3rver = require(path.join(prefix, 'node_modules', 's3rver'));
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory: dir,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});
server.run().then(
  (address) => process.stdout.write(`listening ${address.port}\n`),
  (err) => {
    process.stderr.write(`s3rver: ${err}\n`);
    process.exit(1);
  },
);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
