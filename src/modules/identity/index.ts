// The identity module's public surface besides its services and Nest module.
export { UserStatus } from './entities/user.entity';
