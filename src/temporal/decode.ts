/**
 * Reading payloads and failures that Temporal hands back raw (a start event's input, a pending activity's
 * heartbeat details and last failure) with the client's own data converter, codecs included, through the
 * SDK's public converter interfaces only.
 */
import type { LoadedDataConverter, Payload, ProtoFailure } from '@temporalio/common';

async function decoded(converter: LoadedDataConverter, payloads: Payload[]): Promise<Payload[]> {
  let result = payloads;
  // Codecs encode in order, so they decode in reverse.
  for (const codec of [...converter.payloadCodecs].reverse()) result = await codec.decode(result);
  return result;
}

/** The first of `payloads` as a value, or undefined when there is none. */
export async function decodeFirstPayload<T>(converter: LoadedDataConverter, payloads: Payload[] | null | undefined): Promise<T | undefined> {
  const first = payloads?.[0];
  if (!first) return undefined;
  const [payload] = await decoded(converter, [first]);
  return converter.payloadConverter.fromPayload<T>(payload!);
}

/** Decodes the failure's encoded attributes (message, stack), and its causes', so the converter can read them. */
async function decodedFailure(converter: LoadedDataConverter, failure: ProtoFailure): Promise<ProtoFailure> {
  const [encodedAttributes] = failure.encodedAttributes ? await decoded(converter, [failure.encodedAttributes]) : [undefined];
  const cause = failure.cause ? await decodedFailure(converter, failure.cause) : undefined;
  return { ...failure, encodedAttributes, cause };
}

/** A raw failure as the error it stands for (ApplicationFailure and the like), or undefined when there is none. */
export async function decodeFailure(converter: LoadedDataConverter, failure: ProtoFailure | null | undefined): Promise<Error | undefined> {
  if (!failure) return undefined;
  return converter.failureConverter.failureToError(await decodedFailure(converter, failure), converter.payloadConverter);
}
