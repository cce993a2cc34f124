import type { Role } from "./roles";

/** The authenticated caller of one operation: a token, known by its name and role. */
export interface Principal {
  tokenId: number;
  /** The token's name, as it appears in the audit trail. */
  name: string;
  role: Role;
}
