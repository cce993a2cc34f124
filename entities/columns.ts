/** Column helpers shared by the entities: the existing tool's created/updated timestamps and JSON columns. */
import { Column, CreateDateColumn, UpdateDateColumn, type ValueTransformer } from "typeorm";

export const CreatedColumn = () => CreateDateColumn({ name: "created", type: "timestamptz" });
export const UpdatedColumn = () => UpdateDateColumn({ name: "updated", type: "timestamptz" });

/** node-postgres returns numeric as string to keep precision; costs fit a double comfortably. */
export const numericToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** A cost in USD (`cost_usd`): NULL once tokens were spent on a model without a price, unknown rather than 0. */
export const CostColumn = () =>
  Column({
    name: "cost_usd",
    type: "numeric",
    precision: 14,
    scale: 6,
    nullable: true,
    default: 0,
    transformer: numericToNumber,
  });
