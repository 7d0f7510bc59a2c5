/**
 * A conservative check that an audience query is one statement that only reads, made before anything
 * connects (the CLI and the workflow input refuse it by name). It is the first of two guards: the query
 * also runs in a READ ONLY transaction, which refuses writes hidden where words cannot show them
 * (a function that deletes, nextval()). Pure: imported by workflow code through src/shared.ts.
 */

/** Statements that read: SELECT, WITH … SELECT, VALUES, TABLE (a leading parenthesis is allowed). */
const READING_STARTS = new Set(['select', 'with', 'values', 'table']);

/**
 * Words that make a reading statement write: data-modifying CTEs (`with d as (delete … returning …)`),
 * `select … into new_table`, and row locks (`for update`, `for share` needs none of these and is refused
 * by the READ ONLY transaction).
 */
const WRITING_WORDS = new Set(['insert', 'update', 'delete', 'merge', 'returning', 'into', 'truncate']);

interface Scan {
  /** Words outside strings, quoted identifiers and comments, lower-cased. */
  words: string[];
  /** A `;` followed by more than whitespace, comments and further `;`. */
  secondStatement: boolean;
  /** The statement without its trailing `;` (and whatever comments follow it). */
  statement: string;
}

/** Why the query is refused, or undefined when it may run. */
export function readOnlyQueryProblem(query: string): string | undefined {
  const { words, secondStatement } = scan(query);
  if (secondStatement) return 'query must be a single statement; remove the ";" and what follows it';
  const first = words[0];
  if (first === undefined) return 'query must not be empty';
  if (!READING_STARTS.has(first)) {
    return `query must only read: it must start with SELECT, WITH, VALUES or TABLE, not ${first.toUpperCase()}`;
  }
  const writing = words.find((w) => WRITING_WORDS.has(w));
  if (writing) return `query must only read, and it contains ${writing.toUpperCase()}`;
  return undefined;
}

/** A small lexer for PostgreSQL's quoting rules: '…' (E'…' with backslashes), "…", $tag$…$tag$, -- and nested /* … *\/. */
function scan(sql: string): Scan {
  const words: string[] = [];
  let semicolonAt = -1;
  let secondStatement = false;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    const start = i;
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === ';') {
      if (semicolonAt === -1) semicolonAt = i;
      i++;
      continue;
    }
    // Anything else after a `;` starts a second statement.
    if (semicolonAt !== -1) secondStatement = true;
    if (c === "'") i = skipQuoted(sql, i, "'", isEscapeString(sql, i));
    else if (c === '"') i = skipQuoted(sql, i, '"', false);
    else if (c === '$' && dollarTag(sql, i) !== undefined) {
      const tag = dollarTag(sql, i)!;
      const end = sql.indexOf(tag, i + tag.length);
      i = end === -1 ? n : end + tag.length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
      // E'…' is a string with backslash escapes, not the word "e".
      if (!(j === i + 1 && (c === 'E' || c === 'e') && sql[j] === "'")) words.push(sql.slice(start, j).toLowerCase());
      i = j;
    } else {
      i++;
    }
  }
  return { words, secondStatement, statement: semicolonAt === -1 ? sql : sql.slice(0, semicolonAt) };
}

/** The query as sent to PostgreSQL: one statement without its trailing `;`. Call only on a query that passed the check. */
export function singleStatement(query: string): string {
  return scan(query).statement.trim();
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return i;
}

/** Past the closing quote; a doubled quote is one quote character; with backslashes, \x escapes x. */
function skipQuoted(sql: string, start: number, quote: string, backslashes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return i;
}

/** E'…' (or e'…') not preceded by an identifier character. */
function isEscapeString(sql: string, quoteAt: number): boolean {
  const prev = sql[quoteAt - 1];
  return (prev === 'E' || prev === 'e') && !/[A-Za-z0-9_$]/.test(sql[quoteAt - 2] ?? '');
}

/** `$tag$` or `$$` starting at i (not a `$1` parameter), or undefined. */
function dollarTag(sql: string, i: number): string | undefined {
  const m = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
  if (!m) return undefined;
  // `a$b$` is part of an identifier, not a dollar quote.
  if (i > 0 && /[A-Za-z0-9_$]/.test(sql[i - 1]!)) return undefined;
  return m[0];
}
