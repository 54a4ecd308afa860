// The TypeORM CLI entry point: the same data source definition the app uses.
import { loadEnvironment } from './src/core/config/environment';
import { createDataSource } from './src/core/database/data-source';
import { ENTITIES } from './src/entities';

// Migrations run as the schema owner (MIGRATION_DATABASE_URL) when it is set.
export default createDataSource(loadEnvironment(), ENTITIES, true);
