// The incidents module's public surface besides its services and Nest module.
export { IncidentSeverity, IncidentStatus, IncidentType } from './incident-workflow';
export { ContainmentKind } from './entities/incident-action.entity';
