// Front-door benchmark: DescribeDBClusters requests per second with 100 clusters stored, and
// the time from process start to the first answered request. Each figure is printed beside a
// baseline measured in the same run on the same machine: a bare Node HTTP server that answers
// the same bytes without parsing, validating or rendering anything.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, median, post, printTable, requestsPerSecond, spawnServer, stopChild, timeToFirstAnswer } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const describeBody = 'Action=DescribeDBClusters&Version=2014-10-31';

// A server that answers every request with fixed bytes: the floor any HTTP server pays.
const baselineServer = (port: number, file?: string) => `
  const body = ${file ? `require('fs').readFileSync(${JSON.stringify(file)})` : `'<DescribeDBClustersResponse><DescribeDBClustersResult/></DescribeDBClustersResponse>'`};
  const server = require('http').createServer((q, s) => { q.resume(); q.on('end', () => { s.setHeader('content-type', 'text/xml'); s.end(body); }); });
  server.listen(${port}, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));`;

export async function benchFrontDoor({ quick = false } = {}) {
  const runs = quick ? 3 : 7;
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    ours.push(await timeToFirstAnswer(process.execPath, [join(root, 'bin/aurora-local.js'), 'start', '--port', String(port)], `http://127.0.0.1:${port}/`, describeBody));
    const basePort = await freePort();
    bare.push(await timeToFirstAnswer(process.execPath, ['-e', baselineServer(basePort)], `http://127.0.0.1:${basePort}/`, describeBody));
  }

  // Throughput: the emulator in its own process with 100 clusters.
  const emulator = await spawnServer(process.execPath, [
    '--input-type=module',
    '-e',
    `import { startEmulator } from ${JSON.stringify(join(root, 'dist/emulator.js'))};
     const e = await startEmulator({ port: 0, quotas: { clustersPerRegion: 1000 }, log: () => {} });
     console.log('listening on ' + e.url);`,
  ]);
  let oursRps: number, oursPageRps: number, bareRps: number, responseBytes: number;
  try {
    for (let i = 0; i < 100; i++) {
      const created = await post(`${emulator.url}/`, `Action=CreateDBCluster&Version=2014-10-31&DBClusterIdentifier=bench-${i}&Engine=aurora-postgresql&MasterUsername=postgres&MasterUserPassword=benchpass1&Tags.Tag.1.Key=env&Tags.Tag.1.Value=bench`);
      if (created.status !== 200) throw new Error(`CreateDBCluster failed: ${created.body}`);
    }
    const sample = await post(`${emulator.url}/`, describeBody);
    responseBytes = Buffer.byteLength(sample.body);
    const clusters = (sample.body.match(/<DBCluster>/g) ?? []).length;
    if (clusters !== 100) throw new Error(`expected 100 clusters in one page, got ${clusters}`);
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'describe.xml');
    writeFileSync(file, sample.body);

    const duration = quick ? 1500 : 4000;
    await requestsPerSecond(`${emulator.url}/`, describeBody, 300, 8); // warm-up
    oursRps = await requestsPerSecond(`${emulator.url}/`, describeBody, duration, 8);
    oursPageRps = await requestsPerSecond(`${emulator.url}/`, `${describeBody}&MaxRecords=20`, duration, 8);
    const basePort = await freePort();
    const baseline = await spawnServer(process.execPath, ['-e', baselineServer(basePort, file)]);
    try {
      await requestsPerSecond(`${baseline.url}/`, describeBody, 300, 8);
      bareRps = await requestsPerSecond(`${baseline.url}/`, describeBody, duration, 8);
    } finally {
      await stopChild(baseline.child);
    }
  } finally {
    await stopChild(emulator.child);
  }

  printTable('Front door (issue 2)', [
    ['measure', 'aurora-local', 'baseline (bare node http)', 'ratio'],
    ['process start → first answer, median ms', median(ours).toFixed(1), median(bare).toFixed(1), (median(ours) / median(bare)).toFixed(2) + '×'],
    [`DescribeDBClusters, 100 clusters (${(responseBytes / 1024).toFixed(0)} KiB), req/s`, oursRps.toFixed(0), bareRps.toFixed(0), (oursRps / bareRps).toFixed(2)],
    ['DescribeDBClusters MaxRecords=20, req/s', oursPageRps.toFixed(0), '', ''],
  ]);
  return { startupMs: median(ours), baselineStartupMs: median(bare), describeRps: oursRps, baselineRps: bareRps };
}
