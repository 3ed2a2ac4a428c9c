#!/usr/bin/env node
// Runs the built CLI (dist/, made by `npm install` through the prepare script).
import { existsSync } from 'node:fs';

// Six storage segments fsync per commit beside other file work (snapshots copy data
// directories): Node's default pool of 4 threads would queue them. Read when the pool
// first starts, i.e. before any asynchronous file operation.
process.env.UV_THREADPOOL_SIZE ??= '16';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('aurora-local: dist/ is missing; run `npm install` (or `npm run build`) in the aurora-local folder first.');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main();
