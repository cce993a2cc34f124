import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "A note generator this server's operator configured (its command and environment are not shown)" })
export class GeneratorInfo {
  @Field({ description: "What an experiment's generator field names" })
  name!: string;

  @Field({ description: "builtin, command or http" })
  kind!: string;

  @Field()
  description!: string;

  @Field({ description: "True when an experiment's version must be a commit of the generator's git repository" })
  pinned!: boolean;
}
