// Quotas: AWS's defaults, overridden by environment variables, overridden by options; the CLI
// takes one flag per quota.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { defaultQuotas, quotaEnvName, resolveConfig } from '../../src/config.js';

afterEach(() => vi.restoreAllMocks());

describe('config.quotas', () => {
  it('has AWS default quotas', () => {
    expect(resolveConfig({}, {}).quotas).toEqual({
      clustersPerRegion: 40,
      instancesPerRegion: 40,
      replicasPerCluster: 15,
      tagsPerResource: 50,
      manualClusterSnapshots: 100,
      customEndpointsPerCluster: 5,
      parameterGroups: 50,
      subnetGroups: 50,
    });
    expect(defaultQuotas.manualClusterSnapshots).toBe(100);
  });

  it('takes each quota from its environment variable, and options over those', () => {
    const env = {
      AURORA_LOCAL_QUOTA_CLUSTERS: '3',
      AURORA_LOCAL_QUOTA_INSTANCES: '4',
      AURORA_LOCAL_QUOTA_REPLICAS_PER_CLUSTER: '2',
      AURORA_LOCAL_QUOTA_TAGS_PER_RESOURCE: '10',
      AURORA_LOCAL_QUOTA_MANUAL_CLUSTER_SNAPSHOTS: '7',
      AURORA_LOCAL_QUOTA_CUSTOM_ENDPOINTS_PER_CLUSTER: '1',
      AURORA_LOCAL_QUOTA_PARAMETER_GROUPS: '0',
      AURORA_LOCAL_QUOTA_SUBNET_GROUPS: '9',
    };
    expect(quotaEnvName('customEndpointsPerCluster')).toBe('AURORA_LOCAL_QUOTA_CUSTOM_ENDPOINTS_PER_CLUSTER');
    expect(resolveConfig({}, env).quotas).toEqual({
      clustersPerRegion: 3,
      instancesPerRegion: 4,
      replicasPerCluster: 2,
      tagsPerResource: 10,
      manualClusterSnapshots: 7,
      customEndpointsPerCluster: 1,
      parameterGroups: 0,
      subnetGroups: 9,
    });
    expect(resolveConfig({ quotas: { clustersPerRegion: 5 } }, env).quotas.clustersPerRegion).toBe(5);
    expect(resolveConfig({}, { AURORA_LOCAL_QUOTA_CLUSTERS: '' }).quotas.clustersPerRegion).toBe(40);
  });

  it('refuses a quota that is not a whole number ≥ 0', () => {
    for (const bad of ['-1', '2.5', 'many']) {
      expect(() => resolveConfig({}, { AURORA_LOCAL_QUOTA_SUBNET_GROUPS: bad })).toThrow(`AURORA_LOCAL_QUOTA_SUBNET_GROUPS must be a whole number ≥ 0, not "${bad}"`);
    }
  });
});

describe('aurora-local --quota-*', () => {
  it('lists every quota flag in --help', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    expect(await main(['--help'])).toBe(0);
    for (const flag of ['clusters', 'instances', 'replicas-per-cluster', 'tags-per-resource', 'manual-cluster-snapshots', 'custom-endpoints-per-cluster', 'parameter-groups', 'subnet-groups']) {
      expect(lines.join('\n')).toContain(`--quota-${flag} N`);
    }
  });

  it('refuses a bad value with exit code 2', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(await main(['start', '--quota-clusters', 'x'])).toBe(2);
    expect(errors.join('\n')).toContain('--quota-clusters takes a whole number ≥ 0, not "x"');
  });

  it('starts with the quotas given, which DescribeAccountAttributes reports', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const sigintBefore = process.listeners('SIGINT');
    const running = main(['start', '--port', '0', '--data-plane', 'none', '--quota-clusters', '3', '--quota-subnet-groups', '7']);
    const deadline = Date.now() + 10_000;
    while (!lines.some((l) => l.includes('listening on')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const url = /listening on (\S+)/.exec(lines.join('\n'))![1];
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=DescribeAccountAttributes&Version=2014-10-31',
      });
      const xml = await response.text();
      expect(response.status).toBe(200);
      expect(xml).toMatch(/<AccountQuotaName>DBClusters<\/AccountQuotaName>\s*<Used>0<\/Used>\s*<Max>3<\/Max>/);
      expect(xml).toMatch(/<AccountQuotaName>DBSubnetGroups<\/AccountQuotaName>\s*<Used>0<\/Used>\s*<Max>7<\/Max>/);
    } finally {
      process.emit('SIGTERM'); // main's own handler closes the emulator
      expect(await running).toBe(0);
      // main also listened for SIGINT: leave this worker's handlers as they were.
      for (const listener of process.listeners('SIGINT')) if (!sigintBefore.includes(listener)) process.off('SIGINT', listener);
    }
  });
});
