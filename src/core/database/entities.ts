/** Every TypeORM entity, shared by the app and the CLI data source. */
export const ENTITIES: (new () => object)[] = [];
