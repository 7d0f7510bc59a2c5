/**
 * The failure converter of the worker, its workflow bundle and every client: a failure's message and stack
 * trace travel as an encoded payload (Temporal's `encodeCommonAttributes`), so the payload codec encrypts
 * them like any input or result. Loaded by path (the workflow sandbox needs a module, not an instance);
 * imported by workflow code: nothing here but @temporalio/common.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
