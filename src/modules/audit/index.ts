// The audit module's public surface besides its services and Nest modules.
export { ActorType, AuditResult } from './entities/audit-event.entity';
export type { AuditActor, AuditInput } from './audit.types';
export { actorOf } from './actor';
export { canonicalJson } from './utils/canonical';
export { RefusalAlerts } from './refusal-alerts';
