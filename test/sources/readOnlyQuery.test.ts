/** The first guard on an audience query: one statement, and only reading, decided before anything connects. */
import { describe, expect, it } from 'vitest';
import { readOnlyQueryProblem, singleStatement } from '../../src/audience/readOnlyQuery';

describe('readOnlyQueryProblem', () => {
  it.each([
    'select email, first_name from customers',
    'SELECT email FROM customers WHERE updated_at > now() - interval \'1 day\'',
    'with vip as (select email from orders group by email having sum(total) > 1000) select email from vip',
    'values (\'ana@example.com\')',
    'table customers',
    '(select email from a) union (select email from b)',
    'select email from customers;',
    'select email from customers; -- trailing comment\n',
    'select \'a; delete from t\' as email',
    'select $$; delete from t$$ as email',
    'select $q$ ; update $q$ as email',
    "select E'it\\'s; delete' as email",
    'select "delete" as email from t',
    '/* delete; /* nested */ */ select email from t',
    'select created_at, updated_by, inserted from t',
  ])('lets %j run', (query) => {
    expect(readOnlyQueryProblem(query)).toBeUndefined();
  });

  it.each([
    ['delete from customers', /not DELETE/],
    ['update customers set email = null', /not UPDATE/],
    ['insert into customers values (1)', /not INSERT/],
    ['drop table customers', /not DROP/],
    ['create table t as select 1', /not CREATE/],
    ['truncate customers', /not TRUNCATE/],
    ['explain analyze delete from customers', /not EXPLAIN/],
    ['select email from customers; delete from customers', /single statement/],
    ["select email from customers; 'x'", /single statement/],
    ['with d as (delete from customers returning email) select email from d', /contains DELETE/],
    ['with u as (update customers set x = 1 returning email) select email from u', /contains UPDATE/],
    ['select email into backup from customers', /contains INTO/],
    ['select email from customers for update', /contains UPDATE/],
    ['-- only a comment', /must not be empty/],
  ])('refuses %j', (query, problem) => {
    expect(readOnlyQueryProblem(query)).toMatch(problem);
  });

  it('sends one statement without its trailing semicolon', () => {
    expect(singleStatement('select email from t ;  -- done\n')).toBe('select email from t');
    expect(singleStatement("select ';' as email")).toBe("select ';' as email");
  });
});
