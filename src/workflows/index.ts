/** The workflows this worker runs (the bundle's entry point). */
export { audienceSync } from './audienceSync';
export { listLock } from './listLock';
