import { Field, Int, ObjectType } from "type-graphql";
import { PrimaryGeneratedColumn } from "typeorm";
import { CreatedColumn, UpdatedColumn } from "./columns";

/** What every table of the existing tool has: a serial id and created/updated timestamps. */
@ObjectType({ description: "Fields every row has; not used on its own" })
export abstract class BaseRow {
  @Field(() => Int)
  @PrimaryGeneratedColumn()
  id!: number;

  @Field()
  @CreatedColumn()
  created!: Date;

  @Field()
  @UpdatedColumn()
  updated!: Date;
}
