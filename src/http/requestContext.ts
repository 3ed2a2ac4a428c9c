// Who is asking: the account and region come from the SigV4 credential scope
// (`Credential=AKID/yyyymmdd/REGION/rds/aws4_request`), in the Authorization header or, for
// presigned requests, the X-Amz-Credential parameter. Signatures are not verified: this is a
// local emulator and any credentials are accepted.
import { randomUUID } from 'node:crypto';

export interface Caller {
  account: string;
  region: string;
}

export const defaultRegion = 'us-east-1';
export const defaultAccount = '000000000000';

const scopePattern = /Credential=([^/,\s]+)\/\d{8}\/([a-z0-9-]+)\/rds\/aws4_request/;

export function callerFrom(authorization: string | undefined, credentialParameter?: string | null): Caller {
  const match = authorization ? scopePattern.exec(authorization) : credentialParameter ? scopePattern.exec(`Credential=${credentialParameter}`) : null;
  if (!match) return { account: defaultAccount, region: defaultRegion };
  const [, accessKeyId, region] = match;
  return { account: /^\d{12}$/.test(accessKeyId) ? accessKeyId : defaultAccount, region };
}

export const newRequestId = () => randomUUID();
