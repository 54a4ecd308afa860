// The TypeORM CLI entry point: the same data source definition the app uses.
import { loadEnvironment } from './src/core/config/environment';
import { createDataSource } from './src/core/database/data-source';

export default createDataSource(loadEnvironment());
