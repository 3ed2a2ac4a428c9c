// AWS-style errors. Modelled faults take their wire <Code> and HTTP status from the model
// (e.g. DBInstanceNotFoundFault → DBInstanceNotFound, 404); the common unmodelled RDS errors
// (InvalidParameterValue, MissingParameter, …) have their documented statuses here.
import { apiSpec } from './spec.js';

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

/** A fault from the model, named by its shape (DBClusterNotFoundFault, InvalidDBInstanceStateFault, …). */
export function fault(shapeName: string, message: string): AwsError {
  const spec = apiSpec.errors[shapeName];
  if (!spec) throw new Error(`api-spec has no error shape ${shapeName}`);
  return new AwsError(spec.code, message, spec.httpStatusCode, spec.senderFault ? 'Sender' : 'Receiver');
}

// Common errors from the RDS API reference ("Common Errors"); not in the model.
export const invalidParameterValue = (message: string) => new AwsError('InvalidParameterValue', message, 400);
export const invalidParameterCombination = (message: string) => new AwsError('InvalidParameterCombination', message, 400);
export const missingParameter = (name: string) =>
  new AwsError('MissingParameter', `The request must contain the parameter ${name}`, 400);
export const invalidAction = (action: string) =>
  new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`, 400);
export const missingAction = () =>
  new AwsError('MissingAction', 'The request must contain the parameter Action', 400);
// The RDS "Common Errors" page lists MalformedQueryString with HTTP 404 (Neptune's copy says 400); we follow RDS's page.
export const malformedQueryString = (message: string) => new AwsError('MalformedQueryString', message, 404);
export const requestTooLarge = (limit: number) =>
  new AwsError('RequestEntityTooLarge', `The request body is larger than ${limit} bytes.`, 413);
export const notImplemented = (action: string) =>
  new AwsError('NotImplemented', `The action ${action} is part of the RDS API but is not implemented by aurora-local yet.`, 501, 'Receiver');
export const internalFailure = () =>
  new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500, 'Receiver');
