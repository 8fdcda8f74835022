export * from './sql/sql-fragment';
