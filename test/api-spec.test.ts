// The committed api-spec/rds.json is exactly what scripts/generate-api-spec.ts makes of
// botocore's RDS model, carries no documentation, and holds the facts the protocol layer reads.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModelDir, generateApiSpec, renderApiSpec, specPath } from '../scripts/generate-api-spec.js';

const committedText = readFileSync(specPath, 'utf8');
const committed = JSON.parse(committedText);
const modelPresent = existsSync(join(defaultModelDir, 'service-2.json'));

function keyPaths(value: unknown, key: string, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keyPaths(v, key, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [...(k === key ? [`${path}.${k}`] : []), ...keyPaths(v, key, `${path}.${k}`)]);
  }
  return [];
}

describe('api-spec/rds.json', () => {
  it('is byte for byte what the generator makes of the botocore model', (ctx) => {
    if (!modelPresent) {
      const reason = `the botocore model folder ${defaultModelDir} is missing, so the spec cannot be regenerated`;
      if (process.env.CI) throw new Error(`${reason} (CI is set: this check must run in CI)`);
      ctx.skip(reason);
    }
    const regenerated = renderApiSpec(generateApiSpec(defaultModelDir));
    // Compare as text: a difference anywhere (order, indentation, trailing newline) counts.
    expect(regenerated.length).toBe(committedText.length);
    expect(regenerated === committedText).toBe(true);
  });

  it('has no documentation anywhere', () => {
    expect(keyPaths(committed, 'documentation')).toEqual([]);
    expect(keyPaths(committed, 'documentationUrl')).toEqual([]);
    expect(committedText).not.toMatch(/"documentation"/);
  });

  it('maps error shapes to the wire code and HTTP status of the model', () => {
    expect(committed.errors.DBInstanceNotFoundFault).toEqual({ code: 'DBInstanceNotFound', httpStatusCode: 404, senderFault: true });
    expect(committed.errors.DBClusterNotFoundFault).toEqual({ code: 'DBClusterNotFoundFault', httpStatusCode: 404, senderFault: true });
    expect(committed.errors.DBClusterQuotaExceededFault.httpStatusCode).toBe(403);
    expect(committed.errors.DBSecurityGroupQuotaExceededFault.code).toBe('QuotaExceeded.DBSecurityGroup');
    // Every error shape of the model is in the errors table, and nothing else.
    const errorShapes = Object.entries(committed.shapes as Record<string, { exception?: boolean; error?: unknown }>)
      .filter(([, s]) => s.exception || s.error)
      .map(([n]) => n)
      .sort();
    expect(Object.keys(committed.errors).sort()).toEqual(errorShapes);
    expect(errorShapes.length).toBe(146);
  });

  it('keeps result wrappers, list member names, waiters and paginators', () => {
    expect(committed.metadata.apiVersion).toBe('2014-10-31');
    expect(committed.metadata.xmlNamespace).toBe('http://rds.amazonaws.com/doc/2014-10-31/');
    expect(committed.operations.DescribeDBClusters).toMatchObject({
      input: 'DescribeDBClustersMessage',
      output: 'DBClusterMessage',
      resultWrapper: 'DescribeDBClustersResult',
    });
    expect(committed.operations.AddTagsToResource.output).toBeUndefined();
    expect(Object.keys(committed.operations)).toHaveLength(164);
    expect(committed.shapes.DBClusterList.member.locationName).toBe('DBCluster');
    expect(committed.shapes.FilterValueList.member.locationName).toBe('Value');
    expect(committed.waiters.DBClusterAvailable).toMatchObject({ operation: 'DescribeDBClusters' });
    expect(committed.waiters.DBInstanceDeleted).toBeDefined();
    expect(committed.paginators.DescribeDBClusters).toMatchObject({ input_token: 'Marker', output_token: 'Marker', limit_key: 'MaxRecords', result_key: 'DBClusters' });
  });
});
