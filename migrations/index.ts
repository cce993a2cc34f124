import { InitialSchema1764200000000 } from "./1764200000000-initial-schema";

/** Every migration, oldest first. Forward-only: a released migration is never edited. */
export const MIGRATIONS = [InitialSchema1764200000000];
