import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';

/** The committed form of the schema: sorted, so that diffs show real changes only. */
export function printCommittedSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
