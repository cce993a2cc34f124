/** Column helpers shared by the entities: the existing tool's created/updated timestamps and JSON columns. */
import { CreateDateColumn, UpdateDateColumn, type ValueTransformer } from "typeorm";

export const CreatedColumn = () => CreateDateColumn({ name: "created", type: "timestamptz" });
export const UpdatedColumn = () => UpdateDateColumn({ name: "updated", type: "timestamptz" });

/** node-postgres returns numeric as string to keep precision; costs fit a double comfortably. */
export const numericToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
