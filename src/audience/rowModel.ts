/** The row model: a raw row as read from a source, why a row can be rejected, and the reject record. */
export type RejectReason =
  | 'missing_email'
  | 'invalid_email'
  | 'invalid_phone'
  | 'invalid_timezone'
  | 'invalid_coordinates'
  | 'invalid_date'
  | 'invalid_url'
  | 'invalid_ip'
  | 'invalid_properties'
  | 'invalid_row'
  | 'klaviyo_rejected';

export interface RowReject {
  /** 1-based data row number (the CSV header is not a row). */
  row: number;
  email?: string;
  reason: RejectReason;
  field?: string;
  message: string;
}

/** Thrown by field validators and turned into a RowReject by normalizeRow; never escapes this module. */
export class FieldProblem extends Error {
  constructor(
    readonly reason: RejectReason,
    readonly field: string | undefined,
    message: string,
  ) {
    // No stack: nobody reads it, and capturing one per rejected row cost more than validating the row.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/**
 * Set by the readers on a row whose structure is broken (bad JSON line, wrong number of CSV cells), so
 * normalizeRow reports it as `invalid_row` without the readers needing a second channel. A symbol key
 * is invisible to Object.keys, so column checks ignore it.
 */
export const ROW_ERROR: unique symbol = Symbol('audience.rowError');

export type RawRow = Record<string, unknown> & { [ROW_ERROR]?: string };

export function brokenRow(message: string): RawRow {
  return { [ROW_ERROR]: message };
}

/** A source row whose structure is broken: no text to compare, no e-mail to key. */
export function brokenSourceRow(row: number, message: string): { row: number; raw: RawRow; text: string; email: undefined } {
  return { row, raw: brokenRow(message), text: '', email: undefined };
}
