/** Klaviyo filter expressions. String literals must be double-quoted; `"` and `\` inside them escaped. */

export function quoteLiteral(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `equals(field,"value")`; URL-encoding happens when the query string is built. */
export function equalsFilter(field: string, value: string): string {
  return `equals(${field},${quoteLiteral(value)})`;
}

/** `any(field,["a","b"])`. */
export function anyFilter(field: string, values: string[]): string {
  return `any(${field},[${values.map(quoteLiteral).join(',')}])`;
}
