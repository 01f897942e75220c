import { InitialSchema1763900000000 } from './0001-initial-schema';
import { SyncSpeed1763900000002 } from './0002-sync-speed';
import { Connections1763900000003 } from './0003-connections';
import { Locations1763900000004 } from './0004-locations';
import { Decisions1763900000005 } from './0005-decisions';
import { ActivityBatches1763900000006 } from './0006-activity-batches';
import { PersonDeleteIndexes1763900000007 } from './0007-person-delete-indexes';

/** Every migration, in order. Listed by hand so the bundle needs no file globbing. */
export const MIGRATIONS = [
  InitialSchema1763900000000, SyncSpeed1763900000002, Connections1763900000003, Locations1763900000004, Decisions1763900000005,
  ActivityBatches1763900000006, PersonDeleteIndexes1763900000007,
];
