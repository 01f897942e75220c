import { InitialSchema1763900000000 } from './0001-initial-schema';

/** Every migration, in order. Listed by hand so the bundle needs no file globbing. */
export const MIGRATIONS = [InitialSchema1763900000000];
