// AWS-shaped names: ARNs, resource ids, endpoint host names, hosted zones.
import { createHash, randomBytes } from 'node:crypto';

export const clusterArn = (region: string, account: string, id: string) => `arn:aws:rds:${region}:${account}:cluster:${id}`;
export const instanceArn = (region: string, account: string, id: string) => `arn:aws:rds:${region}:${account}:db:${id}`;
export const clusterSnapshotArn = (region: string, account: string, id: string) =>
  `arn:aws:rds:${region}:${account}:cluster-snapshot:${id}`;

const arnPattern = /^arn:aws[a-z-]*:rds:([a-z0-9-]*):(\d{12}):([a-z-]+):(.+)$/;

export interface ParsedArn {
  region: string;
  account: string;
  resourceType: string; // cluster, db, cluster-snapshot, …
  resourceId: string;
}

export function parseArn(text: string): ParsedArn | undefined {
  const match = arnPattern.exec(text);
  if (!match) return undefined;
  return { region: match[1], account: match[2], resourceType: match[3], resourceId: match[4] };
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
function randomUpper(length: number): string {
  const bytes = randomBytes(length);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}

export const newClusterResourceId = () => `cluster-${randomUpper(26)}`;
export const newInstanceResourceId = () => `db-${randomUpper(26)}`;

/** AWS uses one 12-character suffix per account and region in every endpoint host name. */
export function endpointSuffix(account: string, region: string): string {
  const hash = createHash('sha256').update(`${account}/${region}`).digest();
  return [...hash.subarray(0, 12)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

export const clusterEndpointHost = (id: string, account: string, region: string) =>
  `${id}.cluster-${endpointSuffix(account, region)}.${region}.rds.amazonaws.com`;
export const readerEndpointHost = (id: string, account: string, region: string) =>
  `${id}.cluster-ro-${endpointSuffix(account, region)}.${region}.rds.amazonaws.com`;
export const customEndpointHost = (id: string, account: string, region: string) =>
  `${id}.cluster-custom-${endpointSuffix(account, region)}.${region}.rds.amazonaws.com`;
export const clusterEndpointArn = (region: string, account: string, id: string) => `arn:aws:rds:${region}:${account}:cluster-endpoint:${id}`;
export const newClusterEndpointResourceId = () => `cluster-endpoint-${randomUpper(26).toLowerCase()}`;
export const instanceEndpointHost = (id: string, account: string, region: string) =>
  `${id}.${endpointSuffix(account, region)}.${region}.rds.amazonaws.com`;

// Route 53 hosted zones of RDS endpoints (AWS publishes these per region).
const hostedZones: Record<string, string> = {
  'us-east-1': 'Z2R2ITUGPM61AM',
  'us-east-2': 'Z2XHWR1WZ565X2',
  'us-west-1': 'Z10WI91S59XXQN',
  'us-west-2': 'Z1PVIF0B656C1W',
  'eu-west-1': 'Z29XKXDKYMONMX',
  'eu-central-1': 'Z1RLNUO7B9Q6NB',
  'ap-northeast-1': 'Z24O6O9L7SGTNB',
  'ap-southeast-1': 'Z2G0U3KFCY8NZ5',
  'ap-southeast-2': 'Z2VFMSZA74J7XZ',
};
export const hostedZoneFor = (region: string) => hostedZones[region] ?? 'Z2R2ITUGPM61AM';

export const availabilityZonesOf = (region: string) => [`${region}a`, `${region}b`, `${region}c`];
